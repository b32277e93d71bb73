/**
 * From a response stream's bytes to {@link StreamEvent}s: picks the decoder for the container's
 * format, explicitly or from the response content type, and runs it on the fast path (one await
 * per chunk, not per line).
 *
 * @module
 */
import { z } from "zod";
import { parseOptions } from "../core/options.js";
import type { StreamChunk } from "./chunks.js";
import {
  type DecoderOptions,
  decoderOptionsShape,
  type ItemDecoder,
  isObject,
} from "./decode-common.js";
import type { StreamEvent } from "./events.js";
import { LineIterator, type LineIteratorOptions } from "./line-iterator.js";
import { LmiDecoder } from "./lmi.js";
import { OpenAIDecoder } from "./openai.js";
import { type SseEvent, SseParser } from "./sse.js";
import { TgiDecoder } from "./tgi.js";

export { decodeLmi } from "./lmi.js";
export { decodeOpenAI } from "./openai.js";
export { decodeTgi } from "./tgi.js";

/**
 * A response-stream wire format: `"lmi"` (LMI / DJL Serving jsonlines), `"tgi"` (Text
 * Generation Inference server-sent events) or `"openai"` (OpenAI-compatible server-sent events:
 * vLLM, TGI's Messages API, LMI's OpenAI schema).
 */
export type StreamFormat = "lmi" | "tgi" | "openai";

/**
 * What a content type says about the format: a {@link StreamFormat}, or `"sse"` for
 * `text/event-stream`, which TGI and OpenAI-compatible servers share (the first event decides).
 */
export type DetectedStreamFormat = StreamFormat | "sse";

const JSON_LINES = new Set([
  "application/jsonlines",
  "application/x-jsonlines",
  "application/jsonl",
  "application/x-ndjson",
  "application/ndjson",
  // LMI's `json` formatter streams one JSON document; read as lines it is one LMI line.
  "application/json",
]);

/**
 * The stream format a response `ContentType` implies: `"lmi"` for `application/jsonlines`,
 * `application/x-ndjson` and `application/json`; `"sse"` for `text/event-stream`; `undefined`
 * for anything else (the stream's first line then decides). Parameters such as `; charset=utf-8`
 * and letter case are ignored.
 *
 * @example
 * ```ts
 * detectStreamFormat("application/jsonlines"); // "lmi"
 * detectStreamFormat("text/event-stream; charset=utf-8"); // "sse"
 * ```
 */
export function detectStreamFormat(
  contentType: string | undefined,
): DetectedStreamFormat | undefined {
  if (contentType === undefined) return undefined;
  const mime = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (JSON_LINES.has(mime)) return "lmi";
  if (mime === "text/event-stream") return "sse";
  return undefined;
}

/** Options for {@link decodeResponseStream}. */
export interface DecodeResponseStreamOptions extends LineIteratorOptions, DecoderOptions {
  /** The container's stream format. Detected from `contentType` (then the data) when left out. */
  format?: StreamFormat | undefined;
  /** The response's `ContentType`, used when `format` is left out. */
  contentType?: string | undefined;
}

const STREAM_FORMATS_TUPLE = ["lmi", "tgi", "openai"] as const;

const optionsSchema = z
  .object({
    format: z.enum(STREAM_FORMATS_TUPLE).optional(),
    contentType: z.string().optional(),
    ...decoderOptionsShape,
    // LineIterator validates its own options; these only need to be allowed here.
    maxLineBytes: z.unknown().optional(),
    idleTimeoutMs: z.unknown().optional(),
    signal: z.unknown().optional(),
  })
  .strict();

/**
 * Decodes a model's response stream into {@link StreamEvent}s, ready for a {@link TokenStream}.
 * `source` is the `Body` of SageMaker's `InvokeEndpointWithResponseStream` or any async iterable
 * of `Uint8Array` chunks.
 *
 * The format is `options.format` when given; otherwise the content type decides
 * (`application/jsonlines` / `application/x-ndjson` / `application/json`: LMI;
 * `text/event-stream`: TGI or OpenAI, told apart by the first event's shape), and without a
 * usable content type the first line does (`data:`, `event:`, `id:`, `retry:` or `:` means
 * server-sent events). Everything {@link LineIterator} guarantees holds here: typed errors for
 * `ModelStreamError` / `InternalStreamFailure`, `maxLineBytes`, `idleTimeoutMs`, the signal, and
 * closing the source when the consumer stops early. Events decoded before an error are
 * delivered before it is thrown.
 *
 * @example
 * ```ts
 * const output = await client.send(new InvokeEndpointWithResponseStreamCommand(input));
 * const stream = new TokenStream(() =>
 *   decodeResponseStream(output.Body!, { contentType: output.ContentType }),
 * );
 * for await (const delta of stream) process.stdout.write(delta);
 * ```
 */
export function decodeResponseStream(
  source: AsyncIterable<StreamChunk>,
  options: DecodeResponseStreamOptions = {},
): AsyncIterable<StreamEvent> {
  const parsed = parseOptions(optionsSchema, options, "decodeResponseStream options");
  const lines = new LineIterator(source, {
    maxLineBytes: options.maxLineBytes,
    idleTimeoutMs: options.idleTimeoutMs,
    signal: options.signal,
  });
  const format: DetectedStreamFormat | undefined =
    parsed.format ?? detectStreamFormat(parsed.contentType);
  return decodeLines(lines, format, { onMalformed: parsed.onMalformed });
}

/** Picks the decoder for each line as the format becomes known, and applies it. */
class FormatRouter {
  #format: DetectedStreamFormat | undefined;
  readonly #decoderOptions: DecoderOptions;
  #lmi: LmiDecoder | undefined;
  #sse: SseParser | undefined;
  #sseDecoder: ItemDecoder<SseEvent> | undefined;
  readonly #sseEvents: SseEvent[] = [];

  constructor(format: DetectedStreamFormat | undefined, decoderOptions: DecoderOptions) {
    this.#format = format;
    this.#decoderOptions = decoderOptions;
    // Build eagerly when known, so option errors surface before any data is read.
    if (format === "lmi") this.#lmi = new LmiDecoder(decoderOptions);
    if (format === "tgi") this.#sseDecoder = new TgiDecoder(decoderOptions);
    if (format === "openai") this.#sseDecoder = new OpenAIDecoder(decoderOptions);
  }

  /** Decodes one line into `out`; `false` once the stream has said it is finished. */
  push(line: string, out: StreamEvent[]): boolean {
    if (this.#format === undefined) {
      if (line.trim().length === 0) return true;
      this.#format = looksLikeSse(line) ? "sse" : "lmi";
      if (this.#format === "lmi") this.#lmi = new LmiDecoder(this.#decoderOptions);
    }
    if (this.#lmi !== undefined) return this.#lmi.push(line, out);
    this.#sse ??= new SseParser();
    this.#sse.push(line, this.#sseEvents);
    return this.#drainSse(out);
  }

  /** Flushes a final event that had no blank line after it. */
  end(out: StreamEvent[]): void {
    const last = this.#sse?.end();
    if (last === undefined) return;
    this.#sseEvents.push(last);
    this.#drainSse(out);
  }

  #drainSse(out: StreamEvent[]): boolean {
    const events = this.#sseEvents;
    if (events.length === 0) return true;
    try {
      for (const event of events) {
        this.#sseDecoder ??= this.#sseDecoderFor(event);
        if (!this.#sseDecoder.push(event, out)) return false;
      }
      return true;
    } finally {
      events.length = 0;
    }
  }

  #sseDecoderFor(first: SseEvent): ItemDecoder<SseEvent> {
    return looksLikeOpenAI(first.data)
      ? new OpenAIDecoder(this.#decoderOptions)
      : new TgiDecoder(this.#decoderOptions);
  }
}

async function* decodeLines(
  lines: LineIterator,
  format: DetectedStreamFormat | undefined,
  decoderOptions: DecoderOptions,
): AsyncGenerator<StreamEvent, void> {
  const router = new FormatRouter(format, decoderOptions);
  const out: StreamEvent[] = [];
  for await (const batch of lines.batches()) {
    let more = true;
    try {
      for (const line of batch) {
        more = router.push(line, out);
        if (!more) break;
      }
    } catch (err) {
      // Deliver what this batch decoded before the failing line, then fail.
      for (const event of out) yield event;
      throw err;
    }
    for (const event of out) yield event;
    out.length = 0;
    if (!more) return; // [DONE]: leaving the loop closes the source.
  }
  try {
    router.end(out);
  } catch (err) {
    for (const event of out) yield event;
    throw err;
  }
  for (const event of out) yield event;
}

const SSE_FIELD = /^(?:data|event|id|retry)(?::|$)|^:/;

function looksLikeSse(line: string): boolean {
  return SSE_FIELD.test(line);
}

function looksLikeOpenAI(data: string): boolean {
  if (data === "[DONE]") return true;
  try {
    const value: unknown = JSON.parse(data);
    if (!isObject(value)) return false;
    if (Array.isArray(value.choices) || value.object === "error") return true;
    if (typeof value.object === "string" && value.object.includes("completion")) return true;
    // OpenAI-style errors are objects; TGI's are strings.
    return isObject(value.error);
  } catch {
    return false;
  }
}

/** Every {@link StreamFormat}, e.g. for validating configuration. */
export const STREAM_FORMATS: readonly StreamFormat[] = STREAM_FORMATS_TUPLE;
