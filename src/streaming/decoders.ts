/**
 * From a response stream's bytes to {@link StreamEvent}s: picks the decoder for the container's
 * format, explicitly or from the response content type, and runs it on the fast path (one await
 * per chunk, not per line).
 *
 * @module
 */
import { z } from "zod";
import { parseOptions } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import type { StreamChunk } from "./chunks.js";
import { type DecoderOptions, decoderOptionsShape } from "./decode-common.js";
import type { StreamEvent } from "./events.js";
import {
  type BuiltinStreamFormat,
  createLineDecoder,
  formatOfContentType,
  type LineDecoder,
  normalizeMime,
  type StreamFormat,
} from "./formats.js";
import { LineIterator, type LineIteratorOptions } from "./line-iterator.js";

export type { BuiltinStreamFormat, StreamFormat } from "./formats.js";
export { decodeLmi } from "./lmi.js";
export { decodeOpenAI } from "./openai.js";
export { decodeTgi } from "./tgi.js";

/**
 * What a content type says about the format: a registered {@link StreamFormat}, or `"sse"` for
 * `text/event-stream`, which TGI and OpenAI-compatible servers share (the first event decides).
 */
export type DetectedStreamFormat = StreamFormat | "sse";

/**
 * The stream format a response `ContentType` implies: `"lmi"` for `application/jsonlines`,
 * `application/x-ndjson` and `application/json`; `"sse"` for `text/event-stream`; the name of a
 * registered format that claimed the type (`contentTypes` of {@link registerStreamFormat});
 * `undefined` for anything else (the stream's first line then decides). Parameters such as
 * `; charset=utf-8` and letter case are ignored.
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
  return formatOfContentType(normalizeMime(contentType));
}

/** Options for {@link decodeResponseStream}. */
export interface DecodeResponseStreamOptions extends LineIteratorOptions, DecoderOptions {
  /**
   * The container's stream format: a built-in or a name given to `registerStreamFormat`.
   * Detected from `contentType` (then the data) when left out.
   */
  format?: StreamFormat | undefined;
  /** The response's `ContentType`, used when `format` is left out. */
  contentType?: string | undefined;
}

/** An option handed on to LineIterator, which checks it. */
function passedToLineIterator<K extends keyof LineIteratorOptions>() {
  return z.custom<NonNullable<LineIteratorOptions[K]>>().optional();
}

const optionsSchema = schemaFor<DecodeResponseStreamOptions>()(
  z
    .object({
      // Any string here; the registry refuses unknown names with the list of known ones.
      format: z.string().optional(),
      contentType: z.string().optional(),
      ...decoderOptionsShape,
      // LineIterator validates its own options, naming them in its messages; here they are only
      // allowed, with the types LineIterator's schema checks.
      maxLineBytes: passedToLineIterator<"maxLineBytes">(),
      idleTimeoutMs: passedToLineIterator<"idleTimeoutMs">(),
      signal: passedToLineIterator<"signal">(),
      onUnknownEvent: passedToLineIterator<"onUnknownEvent">(),
    })
    .strict(),
);

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
    onUnknownEvent: options.onUnknownEvent,
  });
  const format: DetectedStreamFormat | undefined =
    parsed.format ?? detectStreamFormat(parsed.contentType);
  // Built here, not on first read, so that an unknown format name fails at the call; the
  // source, which nobody will read now, is closed so that its connection is released.
  let router: FormatRouter;
  try {
    router = new FormatRouter(format, { onMalformed: parsed.onMalformed });
  } catch (err) {
    closeQuietly(source);
    throw err;
  }
  return decodeLines(lines, router);
}

/** Picks the decoder as soon as the format is known (up front, or from the first line). */
class FormatRouter {
  #decoder: LineDecoder | undefined;
  readonly #decoderOptions: DecoderOptions;

  constructor(format: DetectedStreamFormat | undefined, decoderOptions: DecoderOptions) {
    this.#decoderOptions = decoderOptions;
    // Build eagerly when known, so unknown names and option errors surface before any data.
    if (format !== undefined) this.#decoder = createLineDecoder(format, decoderOptions);
  }

  /** Decodes one line into `out`; `false` once the stream has said it is finished. */
  push(line: string, out: StreamEvent[]): boolean {
    if (this.#decoder === undefined) {
      if (line.trim().length === 0) return true;
      this.#decoder = createLineDecoder(looksLikeSse(line) ? "sse" : "lmi", this.#decoderOptions);
    }
    return this.#decoder.push(line, out);
  }

  /** Flushes a final item that had no terminator. */
  end(out: StreamEvent[]): void {
    this.#decoder?.end?.(out);
  }
}

async function* decodeLines(
  lines: LineIterator,
  router: FormatRouter,
): AsyncGenerator<StreamEvent, void> {
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

function closeQuietly(source: AsyncIterable<unknown>): void {
  try {
    void Promise.resolve(source[Symbol.asyncIterator]().return?.()).catch(() => {});
  } catch {
    // A source that cannot be opened holds nothing to release.
  }
}

const SSE_FIELD = /^(?:data|event|id|retry)(?::|$)|^:/;

function looksLikeSse(line: string): boolean {
  return SSE_FIELD.test(line);
}

/** The built-in {@link StreamFormat}s; `registeredStreamFormats()` lists every registered one. */
export const STREAM_FORMATS: readonly BuiltinStreamFormat[] = ["lmi", "tgi", "openai"];
