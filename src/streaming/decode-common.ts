/**
 * Pieces shared by the token decoders: options, JSON parsing with a clear error, and in-band
 * error objects.
 *
 * @module
 */
import { z } from "zod";
import type { TokenUsage } from "../core/index.js";
import { parseOptions, redact } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import { ModelStreamError, StreamDecodeError } from "./errors.js";
import type { StreamEvent } from "./events.js";

/** Options shared by every token decoder. */
export interface DecoderOptions {
  /**
   * What to do with a line (or event) that is not valid JSON or not a shape of the format:
   * `"throw"` a `STREAM_DECODE_ERROR` {@link StreamDecodeError} (default), or `"skip"` it.
   */
  onMalformed?: "throw" | "skip" | undefined;
}

/** zod fields for {@link DecoderOptions}. */
export const decoderOptionsShape = {
  onMalformed: z.enum(["throw", "skip"]).optional(),
};

const decoderOptionsSchema = schemaFor<DecoderOptions>()(z.object(decoderOptionsShape).strict());

/** Validates {@link DecoderOptions}; `subject` names the decoder in the error. */
export function parseDecoderOptions(options: DecoderOptions, subject: string): DecoderOptions {
  return parseOptions(decoderOptionsSchema, options, subject);
}

/**
 * A decoder that works one item at a time, synchronously: it appends the events an item yields
 * to `out` and returns `false` once the stream has said it is finished (OpenAI's `[DONE]`).
 */
export interface ItemDecoder<T> {
  /** Decodes one item into `out`; returns `false` once the stream is finished. */
  push(item: T, out: StreamEvent[]): boolean;
}

/** A JSON object, as decoders see it. */
export type JsonObject = Record<string, unknown>;

/** Whether a value is a non-array object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Marks an item dropped under `onMalformed: "skip"`. */
export const SKIP: unique symbol = Symbol("skip");

/** Whether a line is empty or whitespace only. */
export function isBlank(text: string): boolean {
  return text.length === 0 || text.trim().length === 0;
}

/**
 * Parses `text` as a JSON object, or deals with it as `policy` says: throws a
 * {@link StreamDecodeError} naming `what` (e.g. "line 3 of the LMI stream") or returns
 * {@link SKIP}.
 */
export function parseObject(
  text: string,
  index: number,
  what: string,
  policy: DecoderOptions["onMalformed"],
): JsonObject | typeof SKIP {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return malformed(text, index, `${what} is not valid JSON`, policy, err);
  }
  // Some servers wrap a single object in an array (LMI's TGI-compatible mode).
  if (Array.isArray(value) && value.length === 1) value = value[0];
  if (!isObject(value)) return malformed(text, index, `${what} is not a JSON object`, policy);
  return value;
}

/** Throws a {@link StreamDecodeError} for `text`, or returns {@link SKIP} when skipping. */
export function malformed(
  text: string,
  index: number,
  problem: string,
  policy: DecoderOptions["onMalformed"],
  cause?: unknown,
): typeof SKIP {
  if (policy === "skip") return SKIP;
  const quoted = redact(text);
  throw new StreamDecodeError(
    `${problem}: ${JSON.stringify(quoted)}. Check the stream format (set it explicitly if it was detected wrongly), or pass onMalformed: "skip" to drop such items.`,
    quoted,
    index,
    { cause },
  );
}

/**
 * The {@link ModelStreamError} for an error object a model server sent inside its stream
 * (TGI's `{"error", "error_type"}`, OpenAI-style `{"error": {"message", "type", "code"}}`).
 */
export function inBandError(error: unknown, code: unknown, source: string): ModelStreamError {
  let message: string;
  let errorCode = code;
  if (isObject(error)) {
    message = typeof error.message === "string" ? error.message : JSON.stringify(error);
    errorCode = error.code ?? error.type ?? code;
  } else {
    message = typeof error === "string" ? error : JSON.stringify(error);
  }
  const codeText =
    typeof errorCode === "string" || typeof errorCode === "number" ? String(errorCode) : undefined;
  return new ModelStreamError(
    `The ${source} reported an error in its response stream${codeText ? ` (${codeText})` : ""}: ${redact(message ?? "no message")}. Text received before the error is partial; see the model server's logs.`,
    codeText,
  );
}

/** Copies the numeric token counts that are present; `undefined` when there are none. */
export function usageOf(input: unknown, output: unknown, total?: unknown): TokenUsage | undefined {
  const usage: TokenUsage = {};
  if (isCount(input)) usage.inputTokens = input;
  if (isCount(output)) usage.outputTokens = output;
  if (isCount(total)) usage.totalTokens = total;
  return Object.keys(usage).length > 0 ? usage : undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/**
 * Runs an {@link ItemDecoder} over an async iterable. Events an item produced before its decoder
 * threw are yielded first, so the error surfaces after everything that preceded it.
 */
export async function* runDecoder<T>(
  items: AsyncIterable<T>,
  decoder: ItemDecoder<T>,
): AsyncGenerator<StreamEvent, void> {
  const out: StreamEvent[] = [];
  for await (const item of items) {
    let more: boolean;
    try {
      more = decoder.push(item, out);
    } catch (err) {
      for (const event of out) yield event;
      throw err;
    }
    for (const event of out) yield event;
    out.length = 0;
    if (!more) return;
  }
}
