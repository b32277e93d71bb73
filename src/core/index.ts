/**
 * `fmops/core`: errors, retries, deadlines and AWS client options shared by every module.
 *
 * @packageDocumentation
 */

export {
  type AwsCallContext,
  type AwsClientConfig,
  awsCall,
  type SendsCommands,
  wrapAwsError,
} from "./aws.js";
export { signalledAwsCall } from "./aws-call.js";
export { bodyChunks, collectChunks } from "./body.js";
export type { ChatLatency, ChatMessage, ChatRequest, ChatResponse, TokenUsage } from "./chat.js";
export { FMOPS_ERROR_CODES, type FmopsErrorCode } from "./error-codes.js";
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
export { type CheckedSubject, type OptionKeyDrift, parseOptions } from "./options.js";
export { isRetryableError, type RetryEvent, type RetryOptions, retry } from "./retry.js";
export { formatS3Uri, joinS3Uri, parseS3Uri, type S3Location } from "./s3-uri.js";
export { Deadline, sleep, type WaitOptions, withDeadline } from "./wait.js";
export {
  type GiveUpInfo,
  type PollDelayOptions,
  type Probe,
  type ProbeResult,
  pollDelay,
  pollDelayShape,
  resolveDelays,
  type WaiterOptions,
  type WaiterPollEvent,
  waitFor,
} from "./waiter.js";
