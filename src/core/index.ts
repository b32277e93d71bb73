/**
 * `fmops/core`: errors, retries, deadlines and AWS client options shared by every module.
 *
 * @packageDocumentation
 */

export { type AwsClientConfig, awsCall, wrapAwsError } from "./aws.js";
export type { ChatLatency, ChatMessage, ChatRequest, ChatResponse, TokenUsage } from "./chat.js";
export { FMOPS_ERROR_CODES, type FmopsErrorCode } from "./error-codes.js";
export {
  AbortedError,
  AwsServiceError,
  type ErrorCauseSummary,
  FmopsError,
  type FmopsErrorOptions,
  isFmopsError,
  MissingDependencyError,
  PermissionDeniedError,
  redact,
  TimeoutError,
  ValidationError,
} from "./errors.js";
export { parseOptions } from "./options.js";
export { isRetryableError, type RetryOptions, retry } from "./retry.js";
export { parseS3Uri } from "./s3-uri.js";
export { Deadline, type WaitOptions, withDeadline } from "./wait.js";
export { type WaiterOptions, waitFor } from "./waiter.js";
