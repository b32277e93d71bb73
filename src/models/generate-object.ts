/**
 * {@link generateObject}: a typed object from a model, validated with zod. Models with tool use
 * are forced to call one tool whose input schema is the object's schema; servers with
 * constrained decoding get the schema as a `responseFormat` their decoder cannot leave; others
 * answer JSON in text. Whichever way, the answer is validated and a validation error goes back to
 * the model for a bounded number of repairs, the same loop text-to-SQL uses for a failing query.
 *
 * @module
 */
import { z } from "zod";
import {
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  Deadline,
  FmopsError,
  redact,
  type TokenUsage,
  ValidationError,
} from "../core/index.js";
import { addUsage } from "../core/internal.js";
import { validateChatRequest } from "./request.js";
import type { ChatModel, StructuredOutputMode } from "./types.js";

/** How {@link generateObject} asks for the object (see {@link StructuredOutputMode}). */
export type ObjectMode = StructuredOutputMode;

/** A request to {@link generateObject}. */
export interface GenerateObjectRequest<S extends z.ZodType>
  extends Omit<ChatRequest, "tools" | "toolChoice"> {
  /** The object's schema. For `"tool"` mode it must be a `z.object(...)`. */
  schema: S;
  /** Name of the forced tool (`"tool"` mode) or of the response format (`"constrained"`). Default `"respond"`. */
  schemaName?: string;
  /** What the object is, for the model. */
  schemaDescription?: string;
  /**
   * `"tool"`: one tool with the schema as input, forced with `toolChoice: { name }` (Bedrock and
   * other tool-using adapters). `"constrained"`: the schema as the request's `responseFormat`,
   * which the server's decoder follows (OpenAI `response_format`, vLLM structured outputs, TGI
   * grammars), and in the system prompt. `"json"`: the JSON Schema in the system prompt only, for
   * models with neither. Default: the model's `structuredOutput`, else `"tool"` for models that
   * declare `supportsTools`, else `"json"`.
   */
  mode?: ObjectMode;
  /** `"constrained"` mode: OpenAI's strict schema mode (`json_schema.strict`). Not sent by default. */
  strict?: boolean;
  /** How many times a wrong answer is sent back with its error. Default 2 (3 model calls at most). */
  maxRepairs?: number;
  /** Cancels the whole exchange. */
  signal?: AbortSignal;
  /** Deadline of the whole exchange, repairs included. Default 120 000 ms. */
  timeoutMs?: number;
}

/** One model call of {@link generateObject}. */
export interface ObjectAttempt {
  /** What the model answered: the tool input as JSON, or its text. */
  raw: string;
  /** Why the answer was rejected; absent on the accepted attempt. */
  error?: string;
}

/** What {@link generateObject} returns. */
export interface GenerateObjectResult<T> {
  /** The validated object (the schema's output type). */
  object: T;
  /** Token counts over every attempt. */
  usage: TokenUsage;
  /** Every attempt, in order; the last is the accepted one. */
  attempts: ObjectAttempt[];
}

/** Thrown when no attempt gave a valid object. Code `OBJECT_GENERATION_FAILED`. */
export class ObjectGenerationError extends FmopsError {
  /** Every attempt with its error. */
  readonly attempts: ObjectAttempt[];
  /** Token counts over every attempt, so that a failed exchange is still billed right. */
  readonly usage: TokenUsage;

  constructor(attempts: ObjectAttempt[], usage: TokenUsage = {}) {
    super(
      "OBJECT_GENERATION_FAILED",
      `The model gave no valid object in ${attempts.length} attempt${attempts.length === 1 ? "" : "s"}; last error: ${redact(attempts.at(-1)?.error ?? "none")}. Simplify the schema, describe its fields, raise maxRepairs or use a stronger model.`,
    );
    this.attempts = attempts;
    this.usage = usage;
  }
}

const DEFAULT_MAX_REPAIRS = 2;
const DEFAULT_TIMEOUT_MS = 120_000;
const RAW_CHARS = 2000;

/**
 * Asks the model for an object matching `schema` and returns it validated and typed.
 *
 * @example
 * ```ts
 * const { object } = await generateObject(model, {
 *   schema: z.object({ score: z.int().min(1).max(5), reason: z.string() }),
 *   messages: [{ role: "user", content: `Grade this answer: ${answer}` }],
 * });
 * object.score; // number, 1..5: never NaN, never clamped
 * ```
 */
export async function generateObject<S extends z.ZodType>(
  model: ChatModel,
  request: GenerateObjectRequest<S>,
): Promise<GenerateObjectResult<z.output<S>>> {
  const {
    schema,
    schemaName = "respond",
    schemaDescription,
    mode = model.structuredOutput ?? (model.supportsTools ? "tool" : "json"),
    strict,
    maxRepairs = DEFAULT_MAX_REPAIRS,
    signal,
    timeoutMs,
    ...chat
  } = request;
  if (!(schema instanceof z.ZodType)) {
    throw new ValidationError("Invalid generateObject request: schema must be a zod schema.", [
      { path: "schema", message: "must be a zod schema" },
    ]);
  }
  if (!Number.isInteger(maxRepairs) || maxRepairs < 0) {
    throw new ValidationError(
      "Invalid generateObject request: maxRepairs must be an integer >= 0.",
      [{ path: "maxRepairs", message: "must be an integer >= 0" }],
    );
  }
  if (mode !== "tool" && mode !== "constrained" && mode !== "json") {
    throw new ValidationError(
      `Invalid generateObject request: mode must be "tool", "constrained" or "json", not ${JSON.stringify(mode)}.`,
      [{ path: "mode", message: 'must be "tool", "constrained" or "json"' }],
    );
  }
  const base: ChatRequest =
    mode === "tool"
      ? {
          ...chat,
          tools: [
            {
              name: schemaName,
              description: schemaDescription ?? "Give the answer as this tool's input.",
              inputSchema: schema,
            },
          ],
          toolChoice: { name: schemaName },
        }
      : { ...chat, system: jsonSystem(chat.system, schema, schemaDescription) };
  if (mode === "constrained") {
    // The schema also stays in the system prompt: constrained decoding fixes the form, the
    // prompt tells the model what the fields mean.
    base.responseFormat = {
      type: "json",
      schema,
      name: schemaName,
      ...(schemaDescription !== undefined ? { description: schemaDescription } : {}),
      ...(strict !== undefined ? { strict } : {}),
    };
  }
  validateChatRequest(base);
  const deadline = Deadline.start(
    { signal, timeoutMs },
    DEFAULT_TIMEOUT_MS,
    "generating an object",
  );
  const messages: ChatMessage[] = [...chat.messages];
  const attempts: ObjectAttempt[] = [];
  const usage: TokenUsage = {};
  try {
    for (let attempt = 0; attempt <= maxRepairs; attempt++) {
      const response = await model.generate(
        { ...base, messages },
        { signal: deadline.signal, timeoutMs: Math.max(1, deadline.remainingMs()) },
      );
      addUsage(usage, response.usage);
      const outcome =
        mode === "tool"
          ? fromToolCall(response, schemaName, schema)
          : fromText(response.text, schema);
      if ("object" in outcome) {
        attempts.push({ raw: outcome.raw });
        return { object: outcome.object as z.output<S>, usage, attempts };
      }
      attempts.push({ raw: outcome.raw, error: outcome.error });
      messages.push(...repairTurns(mode, response, outcome.error));
    }
  } finally {
    deadline.dispose();
  }
  throw new ObjectGenerationError(attempts, usage);
}

type Outcome = { object: unknown; raw: string } | { error: string; raw: string };

function issuesOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

function fromToolCall(response: ChatResponse, name: string, schema: z.ZodType): Outcome {
  const call = response.toolCalls?.find((c) => c.name === name);
  if (!call) {
    return {
      raw: response.text.slice(0, RAW_CHARS),
      error: `No call to the "${name}" tool; answer by calling it.`,
    };
  }
  const raw = (JSON.stringify(call.input) ?? "").slice(0, RAW_CHARS);
  if (call.inputError !== undefined) return { raw, error: call.inputError };
  const parsed = schema.safeParse(call.input);
  return parsed.success ? { raw, object: parsed.data } : { raw, error: issuesOf(parsed.error) };
}

function fromText(text: string, schema: z.ZodType): Outcome {
  const raw = text.slice(0, RAW_CHARS);
  const json = jsonIn(text);
  if (json === undefined) return { raw, error: "The answer holds no JSON value." };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return { raw, error: `The answer's JSON does not parse: ${(err as Error).message}.` };
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? { raw, object: parsed.data } : { raw, error: issuesOf(parsed.error) };
}

/**
 * The JSON in an answer: a fenced block's body, else from the first `{`/`[` to the last `}`/`]`
 * (or to the end, when it never closes).
 */
function jsonIn(text: string): string | undefined {
  // Blanks other than newlines before the line break: `\s*\n` would let blank lines be matched
  // two ways and backtrack quadratically on an unclosed fence. The body is trimmed anyway.
  const fenced = /```(?:json)?[^\S\n]*\n([\s\S]*?)```/i.exec(text);
  if (fenced?.[1] !== undefined) return fenced[1].trim();
  const start = text.search(/[{[]/);
  const end = Math.max(text.lastIndexOf("}"), text.lastIndexOf("]"));
  if (start < 0) return undefined;
  // A cut-off object (no closing bracket) is still the JSON: parsing it names what is wrong.
  return end < start ? text.slice(start) : text.slice(start, end + 1);
}

function jsonSystem(system: string | undefined, schema: z.ZodType, description?: string): string {
  const jsonSchema = JSON.stringify(
    z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }),
  );
  const rule = `Answer with one JSON value${description ? ` (${description})` : ""} that matches this JSON Schema, and nothing else:\n${jsonSchema}`;
  return system ? `${system}\n\n${rule}` : rule;
}

/** The turns that send a rejected answer back with its error. */
function repairTurns(mode: ObjectMode, response: ChatResponse, error: string): ChatMessage[] {
  const call = response.toolCalls?.[0];
  if (mode === "tool" && call) {
    return [
      {
        role: "assistant",
        content: [{ type: "toolUse", id: call.id, name: call.name, input: call.input }],
      },
      {
        role: "user",
        content: [
          {
            type: "toolResult",
            toolUseId: call.id,
            content: `${error} Call the tool again with corrected input.`,
            isError: true,
          },
        ],
      },
    ];
  }
  return [
    { role: "assistant", content: response.text.trim() === "" ? "(no answer)" : response.text },
    {
      role: "user",
      content: `That answer was rejected: ${error} Answer again with only the corrected JSON.`,
    },
  ];
}
