/**
 * Validation of {@link ChatRequest}s, shared by every adapter so that bad input fails the same
 * way, before any network call, whichever model is behind it.
 *
 * @module
 */
import { z } from "zod";
import type { ChatRequest } from "../core/index.js";
import { parseOptions } from "../core/index.js";
import type { ContentBlock, ToolSpec } from "../core/internal.js";
import { schemaFor } from "../core/internal.js";

const bytesSchema = z.instanceof(Uint8Array);
const S3_URI = /^s3:\/\/[^/\s]+\/\S+$/;
const s3UriSchema = z.string().regex(S3_URI, "must be s3://bucket/key");

/** Exactly one of `bytes` and `s3Uri`: a source the model can read. */
function oneSource(block: { bytes?: Uint8Array | undefined; s3Uri?: string | undefined }): boolean {
  return (block.bytes !== undefined) !== (block.s3Uri !== undefined);
}

const contentBlockSchema: z.ZodType<ContentBlock> = z.lazy(() =>
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("text"), text: z.string() }).strict(),
    z
      .object({
        type: z.literal("image"),
        mediaType: z.string().regex(/^image\/[\w.+-]+$/, "must be an image media type"),
        bytes: bytesSchema.optional(),
        s3Uri: s3UriSchema.optional(),
      })
      .strict()
      .refine(oneSource, "give exactly one of bytes and s3Uri"),
    z
      .object({
        type: z.literal("document"),
        name: z.string().min(1).max(200),
        mediaType: z.string().min(1),
        bytes: bytesSchema.optional(),
        s3Uri: s3UriSchema.optional(),
      })
      .strict()
      .refine(oneSource, "give exactly one of bytes and s3Uri"),
    z
      .object({
        type: z.literal("toolUse"),
        id: z.string().min(1),
        name: z.string().min(1),
        input: z.unknown(),
      })
      .strict(),
    z
      .object({
        type: z.literal("toolResult"),
        toolUseId: z.string().min(1),
        content: z.union([z.string(), z.array(contentBlockSchema)]),
        isError: z.boolean().optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal("reasoning"),
        text: z.string(),
        signature: z.string().optional(),
        redacted: bytesSchema.optional(),
      })
      .strict(),
    z.object({ type: z.literal("cachePoint") }).strict(),
  ]),
);

/** Tool names as Bedrock and OpenAI-compatible servers accept them. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

// Loose: only the fields the model needs are checked, the rest (runTools' `execute`) is the
// caller's. Typed with the interface, which has no index signature for a loose object's input.
const toolSpecSchema: z.ZodType<ToolSpec, ToolSpec> = z
  .object({
    name: z.string().regex(TOOL_NAME, "must be 1-64 letters, digits, '_' or '-'"),
    description: z.string().min(1).optional(),
    inputSchema: z.custom<z.ZodType>((v) => v instanceof z.ZodType, "must be a zod schema"),
  })
  .loose();

/** The zod schema of a {@link ChatRequest}. */
export const chatRequestSchema = schemaFor<ChatRequest>()(
  z
    .object({
      system: z.string().optional(),
      messages: z
        .array(
          z.object({
            role: z.enum(["user", "assistant"]),
            content: z.union([z.string(), z.array(contentBlockSchema).min(1)]),
          }),
        )
        .min(1, "must hold at least one message"),
      temperature: z.number().min(0).max(2).optional(),
      maxTokens: z.int().positive().optional(),
      topP: z.number().gt(0).max(1).optional(),
      stopSequences: z.array(z.string().min(1)).optional(),
      // Tools are passed through (their `execute` functions in runTools too): only the fields the
      // model needs are checked, the rest is the caller's.
      tools: z.array(toolSpecSchema).optional(),
      toolChoice: z
        .union([z.enum(["auto", "any"]), z.object({ name: z.string().min(1) }).strict()])
        .optional(),
      responseFormat: z
        .object({
          type: z.literal("json"),
          schema: z.custom<z.ZodType>((v) => v instanceof z.ZodType, "must be a zod schema"),
          name: z.string().regex(TOOL_NAME, "must be 1-64 letters, digits, '_' or '-'").optional(),
          description: z.string().min(1).optional(),
          strict: z.boolean().optional(),
        })
        .strict()
        .optional(),
    })
    .superRefine((request, ctx) => {
      const names = new Set<string>();
      for (const [i, tool] of (request.tools ?? []).entries()) {
        if (names.has(tool.name)) {
          ctx.addIssue({
            code: "custom",
            path: ["tools", i, "name"],
            message: `"${tool.name}" is declared twice; tool names must be unique`,
          });
        }
        names.add(tool.name);
      }
      if (request.responseFormat !== undefined && request.tools?.length) {
        // Servers refuse the pair (TGI) or let tool calls bypass the schema (OpenAI).
        ctx.addIssue({
          code: "custom",
          path: ["responseFormat"],
          message: "cannot be combined with tools: ask for the object with one or the other",
        });
      }
      const choice = request.toolChoice;
      if (choice !== undefined && choice !== "auto" && !request.tools?.length) {
        ctx.addIssue({
          code: "custom",
          path: ["toolChoice"],
          message: "needs tools: declare the tools the model must choose from",
        });
      } else if (typeof choice === "object" && !names.has(choice.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["toolChoice", "name"],
          message: `names no declared tool ("${choice.name}"; declared: ${[...names].join(", ")})`,
        });
      }
    }),
);

/**
 * Checks a request, throwing a `ValidationError` that names each bad field
 * (e.g. `messages.0.role`).
 */
export function validateChatRequest(request: ChatRequest): ChatRequest {
  const valid = parseOptions(chatRequestSchema, request, "chat request");
  // zod copies objects it parses; keep the caller's tool objects (schemas, execute functions).
  if (request.tools) valid.tools = request.tools;
  return valid;
}
