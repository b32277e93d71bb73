/**
 * Content blocks to and from Bedrock Converse: fmops {@link ContentBlock}s become Converse
 * `ContentBlock`s (text, image, document, toolUse, toolResult, reasoningContent, cachePoint) and
 * back, and {@link ToolSpec}s become a `toolConfig` with JSON Schema converted from zod.
 *
 * @module
 */
import type {
  ContentBlock as BedrockBlock,
  DocumentFormat,
  ImageFormat,
  Message,
  ToolConfiguration,
  ToolResultContentBlock,
} from "@aws-sdk/client-bedrock-runtime";
import { z } from "zod";
import type { ChatMessage } from "../core/index.js";
import { ValidationError } from "../core/index.js";
import type {
  ContentBlock,
  ToolCall,
  ToolChoice,
  ToolResultBlock,
  ToolSpec,
} from "../core/internal.js";

const IMAGE_FORMATS: Record<string, ImageFormat> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

const DOCUMENT_FORMATS: Record<string, DocumentFormat> = {
  "application/pdf": "pdf",
  "text/csv": "csv",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "text/html": "html",
  "text/plain": "txt",
  "text/markdown": "md",
};

const MEDIA_TYPES_OF_IMAGES = Object.fromEntries(
  Object.entries(IMAGE_FORMATS).map(([type, format]) => [format, type]),
);

/**
 * A table's entry for `key`, from its own keys only: a media type of `constructor` or
 * `toString` must read as unsupported, not as Object.prototype's function.
 */
function ownEntry<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function unsupported(path: string, message: string): ValidationError {
  return new ValidationError(`Invalid chat request: ${path}: ${message}`, [{ path, message }]);
}

function source(block: {
  bytes?: Uint8Array | undefined;
  s3Uri?: string | undefined;
}): { bytes: Uint8Array } | { s3Location: { uri: string } } {
  return block.bytes !== undefined
    ? { bytes: block.bytes }
    : { s3Location: { uri: block.s3Uri as string } };
}

/** One fmops block as a Converse block; `path` names it in errors. */
function toBedrockBlock(block: ContentBlock, path: string): BedrockBlock {
  switch (block.type) {
    case "text":
      return { text: block.text };
    case "image": {
      const format = ownEntry(IMAGE_FORMATS, block.mediaType);
      if (!format) {
        throw unsupported(
          `${path}.mediaType`,
          `Bedrock Converse takes png, jpeg, gif or webp images, not "${block.mediaType}"`,
        );
      }
      return { image: { format, source: source(block) } } as BedrockBlock;
    }
    case "document": {
      const format = ownEntry(DOCUMENT_FORMATS, block.mediaType);
      if (!format) {
        throw unsupported(
          `${path}.mediaType`,
          `Bedrock Converse takes ${Object.keys(DOCUMENT_FORMATS).join(", ")} documents, not "${block.mediaType}"`,
        );
      }
      return { document: { format, name: block.name, source: source(block) } } as BedrockBlock;
    }
    case "toolUse":
      return {
        toolUse: {
          toolUseId: block.id,
          name: block.name,
          input: (block.input ?? {}) as BedrockBlock.ToolUseMember["toolUse"]["input"],
        },
      };
    case "toolResult":
      return { toolResult: toolResultOf(block, path) };
    case "reasoning":
      return block.redacted !== undefined
        ? { reasoningContent: { redactedContent: block.redacted } }
        : {
            reasoningContent: {
              reasoningText: {
                text: block.text,
                ...(block.signature !== undefined ? { signature: block.signature } : {}),
              },
            },
          };
    case "cachePoint":
      return { cachePoint: { type: "default" } };
  }
}

function toolResultOf(block: ToolResultBlock, path: string) {
  const parts =
    typeof block.content === "string"
      ? [{ type: "text", text: block.content } as const]
      : block.content;
  const content: ToolResultContentBlock[] = parts.map((part, i) => {
    const converted = toBedrockBlock(part, `${path}.content.${i}`);
    if ("text" in converted || "image" in converted || "document" in converted) {
      return converted as ToolResultContentBlock;
    }
    throw unsupported(`${path}.content.${i}`, "a tool result holds text, images or documents only");
  });
  return {
    toolUseId: block.toolUseId,
    content,
    ...(block.isError ? { status: "error" as const } : {}),
  };
}

/** The request's messages as Converse messages. */
export function toBedrockMessages(messages: readonly ChatMessage[]): Message[] {
  return messages.map((m, i) => ({
    role: m.role,
    content:
      typeof m.content === "string"
        ? [{ text: m.content }]
        : m.content.map((block, j) => toBedrockBlock(block, `messages.${i}.content.${j}`)),
  }));
}

/**
 * The JSON Schema of a tool's input, from its zod schema. Converse needs an object schema at
 * the top level.
 */
export function toolInputJsonSchema(tool: ToolSpec, path: string): Record<string, unknown> {
  let schema: Record<string, unknown>;
  try {
    schema = z.toJSONSchema(tool.inputSchema, { target: "draft-7", io: "input" }) as Record<
      string,
      unknown
    >;
  } catch (err) {
    throw unsupported(
      `${path}.inputSchema`,
      `cannot be expressed as JSON Schema (${(err as Error).message}); use plain objects, arrays, strings, numbers, booleans, enums and unions`,
    );
  }
  if (schema.type !== "object") {
    throw unsupported(
      `${path}.inputSchema`,
      "must be a z.object(...): tool input is a JSON object",
    );
  }
  delete schema.$schema;
  return schema;
}

/** A Converse `toolConfig` for the tools, with the tool choice and an optional cache point. */
export function toBedrockToolConfig(
  tools: readonly ToolSpec[],
  choice: ToolChoice | undefined,
  cacheTools: boolean,
): ToolConfiguration {
  const config: ToolConfiguration = {
    tools: tools.map((tool, i) => ({
      toolSpec: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        inputSchema: {
          json: toolInputJsonSchema(tool, `tools.${i}`) as never,
        },
      },
    })),
  };
  if (cacheTools) config.tools?.push({ cachePoint: { type: "default" } });
  if (choice === "any") config.toolChoice = { any: {} };
  else if (typeof choice === "object") config.toolChoice = { tool: { name: choice.name } };
  else if (choice === "auto") config.toolChoice = { auto: {} };
  return config;
}

/** What a Converse answer's content holds, in fmops terms. */
export interface ConverseAnswer {
  /** The text blocks joined. */
  text: string;
  /** The tool uses, in order. */
  toolCalls: ToolCall[];
  /** Every block, in order. */
  content: ContentBlock[];
}

/** Reads a Converse output message's content. */
export function fromBedrockContent(blocks: readonly BedrockBlock[]): ConverseAnswer {
  const answer: ConverseAnswer = { text: "", toolCalls: [], content: [] };
  for (const block of blocks) {
    if (typeof block.text === "string") {
      answer.text += block.text;
      answer.content.push({ type: "text", text: block.text });
    } else if (block.toolUse) {
      const call: ToolCall = {
        id: block.toolUse.toolUseId ?? "",
        name: block.toolUse.name ?? "",
        input: block.toolUse.input ?? {},
      };
      answer.toolCalls.push(call);
      answer.content.push({ type: "toolUse", ...call });
    } else if (block.reasoningContent) {
      const r = block.reasoningContent;
      if (r.reasoningText) {
        answer.content.push({
          type: "reasoning",
          text: r.reasoningText.text ?? "",
          ...(r.reasoningText.signature !== undefined
            ? { signature: r.reasoningText.signature }
            : {}),
        });
      } else if (r.redactedContent) {
        answer.content.push({ type: "reasoning", text: "", redacted: r.redactedContent });
      }
    } else if (block.image?.source?.bytes && block.image.format) {
      answer.content.push({
        type: "image",
        mediaType:
          ownEntry(MEDIA_TYPES_OF_IMAGES, block.image.format) ?? `image/${block.image.format}`,
        bytes: block.image.source.bytes,
      });
    }
  }
  return answer;
}
