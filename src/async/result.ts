/**
 * {@link AsyncResult}: the output object of a finished asynchronous inference, read lazily.
 *
 * @module
 */
import type { z } from "zod";
import {
  Deadline,
  FmopsError,
  parseOptions,
  parseS3Uri,
  redact,
  type WaitOptions,
  withDeadline,
} from "../core/index.js";
import type { SendsCommands } from "../core/internal.js";
import {
  bodyChunks,
  collectChunks,
  rejectUnknownOptions,
  s3Sdk,
  signalledAwsCall,
} from "../core/internal.js";

/** Default deadline for reading a result object: 10 minutes (results may be gigabytes). */
export const DEFAULT_READ_TIMEOUT_MS = 600_000;

/** What is known about a result object before its body is read (from HeadObject). */
export interface AsyncResultInit {
  /** The S3 client used to read the object. */
  s3: SendsCommands;
  /** The object's `s3://` URI. */
  location: string;
  /** The object's Content-Type, when S3 reported one. */
  contentType?: string | undefined;
  /** The object's size in bytes, when S3 reported it. */
  size?: number | undefined;
  /** The object's ETag, when S3 reported it. */
  etag?: string | undefined;
}

// Typed by the interface, so the compiler keeps this list and the interface in step.
const KNOWN_INIT: Record<keyof AsyncResultInit, true> = {
  s3: true,
  location: true,
  contentType: true,
  size: true,
  etag: true,
};

/**
 * The output of a successful asynchronous inference. Nothing is downloaded until a reading
 * method is called. {@link AsyncResult.stream} hands out chunks as they arrive (for results too
 * big for memory); {@link AsyncResult.bytes} allocates one array of the object's size and fills it,
 * so the object is held once; `text()` and `json()` reuse the bytes already read.
 *
 * @example
 * ```ts
 * const result = await invocation.wait();
 * const answer = await result.json(z.object({ generated_text: z.string() }));
 * ```
 */
export class AsyncResult {
  /** The output object's `s3://` URI. */
  readonly location: string;
  /** The output object's Content-Type (as the container returned it), when known. */
  readonly contentType: string | undefined;
  /** The output object's size in bytes, when known. */
  readonly size: number | undefined;
  /** The output object's ETag, when known. */
  readonly etag: string | undefined;
  readonly #s3: SendsCommands;
  #bytes: Promise<Uint8Array> | undefined;

  constructor(init: AsyncResultInit) {
    rejectUnknownOptions(init, KNOWN_INIT, "AsyncResult options");
    this.location = init.location;
    this.contentType = init.contentType;
    this.size = init.size;
    this.etag = init.etag;
    this.#s3 = init.s3;
  }

  /**
   * Streams the object's bytes chunk by chunk without keeping them. Aborting the signal, the
   * deadline (`timeoutMs`, default 10 minutes, over the whole read) or leaving the loop early
   * closes the download.
   *
   * @example
   * ```ts
   * for await (const chunk of result.stream()) hash.update(chunk);
   * ```
   */
  async *stream(options: WaitOptions = {}): AsyncGenerator<Uint8Array> {
    const deadline = Deadline.start(options, DEFAULT_READ_TIMEOUT_MS, `reading ${this.location}`);
    try {
      const body = await this.#getBody(deadline.signal);
      yield* bodyChunks(body, deadline.signal);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * The whole object as bytes, read once and kept for `text()` / `json()`. Default deadline
   * 10 minutes.
   */
  bytes(options: WaitOptions = {}): Promise<Uint8Array> {
    if (!this.#bytes) {
      const read = withDeadline(options, DEFAULT_READ_TIMEOUT_MS, `reading ${this.location}`, (s) =>
        this.#getBody(s).then((body) => collectChunks(bodyChunks(body, s), this.size)),
      );
      this.#bytes = read;
      // A failed read (aborted, denied) may succeed later: do not cache the failure.
      read.catch(() => {
        if (this.#bytes === read) this.#bytes = undefined;
      });
    }
    return this.#bytes;
  }

  /** The object decoded as UTF-8 text (invalid sequences become U+FFFD). */
  async text(options: WaitOptions = {}): Promise<string> {
    return new TextDecoder("utf-8").decode(await this.bytes(options));
  }

  /**
   * The object parsed as JSON, optionally checked with a zod schema. Throws `ASYNC_RESULT_NOT_JSON`
   * when the text is not JSON, and `VALIDATION_ERROR` (naming each field) when the schema rejects it.
   *
   * @example
   * ```ts
   * const { generated_text } = await result.json(z.object({ generated_text: z.string() }));
   * ```
   */
  async json<S extends z.ZodType = z.ZodType<unknown>>(
    schema?: S,
    options: WaitOptions = {},
  ): Promise<z.output<S>> {
    const text = await this.text(options);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new FmopsError(
        "ASYNC_RESULT_NOT_JSON",
        `The result at ${this.location} (${this.contentType ?? "unknown content type"}) is not JSON: ${redact(text)}. Read it with text() or bytes() instead.`,
        { cause: err },
      );
    }
    if (!schema) return value as z.output<S>;
    return parseOptions(schema, value, `result at ${this.location}`);
  }

  async #getBody(signal: AbortSignal): Promise<unknown> {
    const { bucket, key } = parseS3Uri(this.location);
    const { GetObjectCommand } = await s3Sdk.load("AsyncResult");
    const out = (await signalledAwsCall(
      signal,
      { service: "S3", operation: "GetObject", iamAction: "s3:GetObject" },
      () =>
        this.#s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }),
    )) as { Body?: unknown };
    return out.Body;
  }
}
