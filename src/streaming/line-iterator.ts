/**
 * {@link LineIterator}: lines out of a SageMaker response stream (or any stream of byte chunks).
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, parseOptions, ValidationError } from "../core/index.js";
import { abortError, MAX_TIMER_MS, schemaFor } from "../core/internal.js";
import {
  bytesOf,
  type StreamChunk,
  sourceError,
  type UnknownEventPolicy,
  type UnknownStreamEvent,
} from "./chunks.js";
import { boundedIterable } from "./idle-timeout.js";
import { LineSplitter } from "./line-splitter.js";

/** Options for {@link LineIterator}. */
export interface LineIteratorOptions {
  /**
   * Longest accepted line in bytes (without its line terminator). A longer line, finished or
   * not, throws `STREAM_LINE_TOO_LONG` so a stream without newlines cannot exhaust memory.
   * Default 16 MiB.
   */
  maxLineBytes?: number | undefined;
  /** Longest wait for the next chunk before `STREAM_IDLE_TIMEOUT`. Default 60 000 ms. */
  idleTimeoutMs?: number | undefined;
  /** Stops reading (with `ABORTED`, or the signal's own FmopsError reason) and closes the source. */
  signal?: AbortSignal | undefined;
  /**
   * A SageMaker event of a type this version does not know: `"skip"` it (default), fail with
   * `"error"` (`STREAM_UNKNOWN_EVENT`), or a function that sees each one before it is skipped.
   * Note that the AWS SDK itself drops event types it has no model for, so through the SDK's
   * `Body` only the types the SDK knows arrive here.
   */
  onUnknownEvent?: UnknownEventPolicy | undefined;
}

/** Default {@link LineIteratorOptions.maxLineBytes}: 16 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Default {@link LineIteratorOptions.idleTimeoutMs}: 60 s. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

const optionsSchema = schemaFor<LineIteratorOptions>()(
  z
    .object({
      // V8 strings stop near 2^29 characters; a larger limit could never be honoured.
      maxLineBytes: z
        .int()
        .min(1)
        .max(2 ** 29)
        .optional(),
      idleTimeoutMs: z.number().positive().max(MAX_TIMER_MS).optional(),
      signal: z.instanceof(AbortSignal).optional(),
      onUnknownEvent: z
        .union([
          z.enum(["skip", "error"]),
          z.custom<(event: UnknownStreamEvent) => void>(
            (v) => typeof v === "function",
            'must be "skip", "error" or a function',
          ),
        ])
        .optional(),
    })
    .strict(),
);

/**
 * Splits a response stream into lines. `source` is the `Body` of SageMaker's
 * `InvokeEndpointWithResponseStream` (an async iterable of `PayloadPart` / `ModelStreamError` /
 * `InternalStreamFailure` events) or any async iterable of `Uint8Array` chunks.
 *
 * Each line comes without its `\n` and without a `\r` before it. UTF-8 characters split across
 * chunks are decoded correctly (invalid bytes become U+FFFD, a leading byte-order mark is
 * dropped), empty lines are kept, and a last line without a trailing newline is still yielded.
 * Error events throw {@link ModelStreamError} (with the service's `errorCode`, e.g.
 * `ModelInvocationTimeExceeded`) or {@link InternalStreamFailure} after the lines before them.
 * An event of a type this version does not know is skipped, or handled as `onUnknownEvent`
 * says; an item that is no SageMaker event at all throws `STREAM_UNKNOWN_EVENT`.
 *
 * The work is linear in the bytes: each chunk is decoded and split once, and an unfinished line
 * is joined once when its newline arrives. Breaking out of the loop, an error, a timeout or an
 * abort closes the source (`return()`), releasing its connection. A LineIterator is read once.
 *
 * @example
 * ```ts
 * const { Body } = await client.send(new InvokeEndpointWithResponseStreamCommand(input));
 * for await (const line of new LineIterator(Body!, { idleTimeoutMs: 30_000 })) {
 *   if (line) console.log(JSON.parse(line));
 * }
 * // Higher throughput: the complete lines of each chunk at once.
 * for await (const lines of new LineIterator(body).batches()) count += lines.length;
 * ```
 */
export class LineIterator implements AsyncIterable<string> {
  readonly #source: AsyncIterable<StreamChunk>;
  readonly #maxLineBytes: number;
  readonly #idleTimeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onUnknownEvent: UnknownEventPolicy;
  #consumed = false;

  constructor(source: AsyncIterable<StreamChunk>, options: LineIteratorOptions = {}) {
    if (
      typeof source !== "object" ||
      source === null ||
      typeof (source as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] !== "function"
    ) {
      throw new ValidationError(
        "LineIterator needs an async iterable source: the response's Body, or an async iterable of Uint8Array chunks.",
        [{ path: "source", message: "not an async iterable" }],
      );
    }
    const parsed = parseOptions(optionsSchema, options, "LineIterator options");
    this.#source = source;
    this.#maxLineBytes = parsed.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#idleTimeoutMs = parsed.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#signal = parsed.signal;
    this.#onUnknownEvent = options.onUnknownEvent ?? "skip";
  }

  /** Iterates the lines one by one. */
  [Symbol.asyncIterator](): AsyncIterator<string> {
    return new LineReader(this.#open());
  }

  /**
   * Iterates the complete lines of each chunk as one array (never empty), for consumers that need
   * throughput: one await per chunk instead of one per line. The same lines, in the same order,
   * as line-by-line iteration.
   */
  batches(): AsyncIterable<string[]> {
    return { [Symbol.asyncIterator]: () => this.#open() };
  }

  #open(): BatchReader {
    if (this.#consumed) {
      throw new FmopsError(
        "STREAM_ALREADY_CONSUMED",
        "This LineIterator is already being read. A response stream can be read once; create one iterator per stream.",
      );
    }
    this.#consumed = true;
    return new BatchReader(this.#source, {
      maxLineBytes: this.#maxLineBytes,
      idleTimeoutMs: this.#idleTimeoutMs,
      signal: this.#signal,
      onUnknownEvent: this.#onUnknownEvent,
    });
  }
}

type ReaderState = "open" | "ended" | "closed";

/** Pulls chunks, splits them, and owns the source's cleanup. */
class BatchReader implements AsyncIterator<string[]> {
  readonly #splitter: LineSplitter;
  readonly #chunks: AsyncGenerator<unknown, void, undefined>;
  readonly #release: () => void;
  readonly #signal: AbortSignal | undefined;
  readonly #onUnknownEvent: UnknownEventPolicy;
  #state: ReaderState = "open";

  constructor(
    source: AsyncIterable<StreamChunk>,
    options: {
      maxLineBytes: number;
      idleTimeoutMs: number;
      signal: AbortSignal | undefined;
      onUnknownEvent: UnknownEventPolicy;
    },
  ) {
    this.#splitter = new LineSplitter(options.maxLineBytes);
    this.#signal = options.signal;
    this.#onUnknownEvent = options.onUnknownEvent;
    // Take the source's iterator now, so that it is closed even when reading never starts
    // (e.g. the signal was already aborted).
    const iterator = source[Symbol.asyncIterator]();
    let released = false;
    this.#release = () => {
      if (released) return;
      released = true;
      try {
        // Not awaited: a stalled source must not keep the consumer waiting.
        void Promise.resolve(iterator.return?.()).catch(() => {});
      } catch {
        // A throwing return() has nothing left for us to clean up.
      }
    };
    const release = this.#release;
    const once: AsyncIterator<unknown> = {
      next: () => iterator.next(),
      return: (value?: unknown) => {
        release();
        return Promise.resolve({ done: true as const, value });
      },
    };
    this.#chunks = boundedIterable<unknown>(
      { [Symbol.asyncIterator]: () => once },
      {
        idleTimeoutMs: options.idleTimeoutMs,
        signal: options.signal,
        what: "the next response-stream chunk",
      },
    );
  }

  async next(): Promise<IteratorResult<string[]>> {
    while (this.#state === "open") {
      const failure = this.#splitter.failure;
      if (failure !== undefined) {
        // The lines before an over-long line were delivered; now its error.
        this.#close();
        throw failure;
      }
      let result: IteratorResult<unknown>;
      try {
        result = await this.#chunks.next();
      } catch (err) {
        this.#close();
        // A source torn down by the same abort throws its own error; report the abort.
        throw this.#signal?.aborted ? abortError(this.#signal) : sourceError(err);
      }
      if (result.done) {
        this.#state = "ended";
        const last = this.#splitter.end();
        if (last !== undefined) return { value: [last], done: false };
        break;
      }
      let lines: string[];
      try {
        lines = this.#splitter.push(bytesOf(result.value, this.#onUnknownEvent));
      } catch (err) {
        this.#close();
        throw err;
      }
      if (lines.length > 0) return { value: lines, done: false };
    }
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<string[]>> {
    this.#close();
    return { value: undefined, done: true };
  }

  #close(): void {
    if (this.#state === "closed") return;
    const wasOpen = this.#state === "open";
    this.#state = "closed";
    if (!wasOpen) return;
    this.#release();
    void this.#chunks.return().catch(() => {});
  }
}

/** Serves lines from the current batch without awaiting; awaits only to fetch the next chunk. */
class LineReader implements AsyncIterator<string> {
  readonly #batches: BatchReader;
  #batch: string[] = [];
  #index = 0;
  #refilling: Promise<IteratorResult<string>> | undefined;

  constructor(batches: BatchReader) {
    this.#batches = batches;
  }

  next(): Promise<IteratorResult<string>> {
    if (this.#refilling !== undefined) return this.#refilling.then(() => this.next());
    if (this.#index < this.#batch.length) {
      return Promise.resolve({ value: this.#batch[this.#index++] as string, done: false });
    }
    const refill = this.#refill();
    this.#refilling = refill;
    const clear = () => {
      this.#refilling = undefined;
    };
    refill.then(clear, clear);
    return refill;
  }

  async return(): Promise<IteratorResult<string>> {
    this.#batch = [];
    this.#index = 0;
    await this.#batches.return();
    return { value: undefined, done: true };
  }

  async #refill(): Promise<IteratorResult<string>> {
    const result = await this.#batches.next();
    if (result.done) return { value: undefined, done: true };
    this.#batch = result.value;
    this.#index = 1;
    return { value: result.value[0] as string, done: false };
  }
}
