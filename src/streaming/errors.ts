/**
 * Errors raised inside a model's response stream.
 *
 * @module
 */
import { FmopsError, type FmopsErrorOptions } from "../core/errors.js";

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
