/**
 * Errors raised inside a model's response stream.
 *
 * @module
 */
import { FmopsError, type FmopsErrorOptions, ValidationError } from "../core/index.js";
import { closestMatch } from "../core/internal.js";

/**
 * The model reported an error in the middle of its stream: SageMaker's `ModelStreamError` event
 * or Bedrock's `modelStreamErrorException`. Code: `STREAM_MODEL_ERROR`. Text already yielded is
 * kept by the consumer; this error says why the rest is missing.
 */
export class ModelStreamError extends FmopsError {
  /** The error code the container or service sent, when it sent one. */
  readonly errorCode: string | undefined;

  constructor(message: string, errorCode?: string, options: FmopsErrorOptions = {}) {
    super("STREAM_MODEL_ERROR", message, { retryable: false, ...options });
    this.errorCode = errorCode;
  }
}

/**
 * The service failed while streaming (SageMaker's `InternalStreamFailure`, Bedrock's
 * `internalServerException` / `serviceUnavailableException` / `throttlingException` events).
 * Code: `STREAM_INTERNAL_FAILURE`. Retryable: sending the request again may succeed.
 */
export class InternalStreamFailure extends FmopsError {
  constructor(message: string, options: FmopsErrorOptions = {}) {
    super("STREAM_INTERNAL_FAILURE", message, { retryable: true, ...options });
  }
}

/**
 * A line (or server-sent event) of a model's response stream could not be decoded: it is not
 * JSON, or not a shape the chosen format knows. Code: `STREAM_DECODE_ERROR`. Carries the offending
 * text (redacted, at most 200 characters) and its position, so the cause can be found in logs.
 * Decoders take `onMalformed: "skip"` to drop such lines instead.
 */
export class StreamDecodeError extends FmopsError {
  /** The offending line or event data, redacted and cut to 200 characters. */
  readonly line: string;
  /** Zero-based position of the line (LMI) or event (TGI, OpenAI) in the stream. */
  readonly index: number;

  constructor(message: string, line: string, index: number, options: FmopsErrorOptions = {}) {
    super("STREAM_DECODE_ERROR", message, { retryable: false, ...options });
    this.line = line;
    this.index = index;
  }
}

/**
 * A format name nobody registered: a stream format (`decodeResponseStream`'s `format`, a codec's
 * `streamFormat`) or a SageMaker payload format. A {@link ValidationError} (code
 * `VALIDATION_ERROR`) on the field `format`, listing the registered names and, for a likely typo,
 * the closest one.
 */
export class UnknownFormatError extends ValidationError {
  /** Which registry was asked, e.g. `stream format` or `SageMaker payload format`. */
  readonly registry: string;
  /** The name that was looked up. */
  readonly format: string;
  /** Every name registered when the lookup failed. */
  readonly registered: readonly string[];
  /** The registered name closest to `format`, when one is close enough to be a typo. */
  readonly suggestion: string | undefined;

  constructor(registry: string, format: string, registered: readonly string[]) {
    const suggestion = closestMatch(format, registered);
    const shown = JSON.stringify(format.slice(0, 64));
    super(
      `No ${registry} is registered as ${shown}${suggestion ? `; did you mean "${suggestion}"?` : "."} Registered: ${registered.join(", ") || "none"}. Register yours first, or pick one of these.`,
      [{ path: "format", message: `unknown ${registry}` }],
    );
    this.registry = registry;
    this.format = format;
    this.registered = [...registered];
    this.suggestion = suggestion;
  }
}
