/**
 * `fmops/core`: errors, retries, deadlines and AWS client options shared by every module.
 *
 * @packageDocumentation
 */

export {
  type AwsCallContext,
  type AwsClientConfig,
  awsCall,
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  isRetryableAwsError,
  type SendsCommands,
  wrapAwsError,
} from "./aws.js";
export {
  addUsage,
  type ChatLatency,
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  type TokenUsage,
} from "./chat.js";
export type { FmopsErrorCode } from "./error-codes.js";
export {
  AbortedError,
  type AwsErrorDetails,
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
  type ValidationIssue,
} from "./errors.js";
export { loadOptional } from "./optional.js";
export { parseOptions } from "./options.js";
export {
  backoffDelay,
  isRetryableError,
  type RetryEvent,
  type RetryOptions,
  retry,
} from "./retry.js";
export {
  abortError,
  checkTimeoutMs,
  Deadline,
  MAX_TIMER_MS,
  sleep,
  throwIfAborted,
  type WaitOptions,
  withDeadline,
} from "./wait.js";
