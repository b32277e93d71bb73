/**
 * Errors specific to asynchronous inference.
 *
 * @module
 */
import { FmopsError, type FmopsErrorOptions, redact } from "../core/index.js";

/** Most failure text kept on {@link AsyncInferenceFailedError.failureText}, in characters. */
export const MAX_FAILURE_TEXT_CHARS = 16_384;

/** Where a failure was reported, for {@link AsyncInferenceFailedError}. */
export interface AsyncFailureDetails {
  /** The failure object's `s3://` URI, when the failure was read from S3. */
  failureLocation?: string | undefined;
  /** The inference id, when known. */
  inferenceId?: string | undefined;
}

/**
 * The endpoint reported that the inference failed: SageMaker wrote the failure object (or sent an
 * error notification). Code: `ASYNC_INFERENCE_FAILED`. Not retryable as such: the same input
 * usually fails the same way; read {@link AsyncInferenceFailedError.failureText} and the
 * container's CloudWatch logs.
 *
 * @example
 * ```ts
 * try {
 *   await invocation.wait();
 * } catch (err) {
 *   if (err instanceof AsyncInferenceFailedError) console.error(err.failureText);
 * }
 * ```
 */
export class AsyncInferenceFailedError extends FmopsError {
  /**
   * What the failure object (or notification) said, with secrets removed and cut to
   * 16 384 characters. The `message` quotes at most 200 characters of it.
   */
  readonly failureText: string;
  /** The failure object's location, when it came from S3. */
  readonly failureLocation: string | undefined;
  /** The inference id, when known. */
  readonly inferenceId: string | undefined;

  constructor(
    failureText: string,
    details: AsyncFailureDetails = {},
    options: FmopsErrorOptions = {},
  ) {
    const where = details.failureLocation ? ` (failure object ${details.failureLocation})` : "";
    const id = details.inferenceId ? ` ${details.inferenceId}` : "";
    const quoted = redact(failureText.trim() || "(empty failure object)");
    super(
      "ASYNC_INFERENCE_FAILED",
      `Asynchronous inference${id} failed${where}: ${quoted}. Check the model container's CloudWatch logs (/aws/sagemaker/Endpoints/<endpoint>) and the input payload.`,
      { retryable: false, ...options },
    );
    this.failureText = redact(failureText, MAX_FAILURE_TEXT_CHARS);
    this.failureLocation = details.failureLocation;
    this.inferenceId = details.inferenceId;
  }
}
