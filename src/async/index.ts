/**
 * `fmops/async`: SageMaker asynchronous inference. Submit payloads, then wait for the output or
 * failure object with one bounded, cancellable loop, or on SNS/SQS notifications.
 *
 * @example
 * ```ts
 * import { AsyncEndpoint } from "fmops/async";
 * const endpoint = new AsyncEndpoint({ endpointName: "my-async", inputLocation: "s3://bucket/in/" });
 * const result = await (await endpoint.invoke({ inputs: "Hello" })).wait();
 * console.log(await result.text());
 * ```
 *
 * @packageDocumentation
 */

// Moved to core (shared by every module); re-exported so `fmops/async` users see no change.
export type { AsyncEndpointDescription } from "./describe.js";
export {
  AsyncEndpoint,
  type AsyncEndpointOptions,
  type AsyncPayload,
} from "./endpoint.js";
export { AsyncInferenceFailedError } from "./errors.js";
export { AsyncInvocation, type AsyncInvocationInfo } from "./invocation.js";
export { type InvokeManyOutcome, invokeMany } from "./invoke-many.js";
export { type AsyncNotification, parseAsyncNotification } from "./notification.js";
export { NotificationWaiter, type NotificationWaiterOptions } from "./notification-waiter.js";
export {
  type AsyncCheckResult,
  AsyncResultPoller,
  type AsyncResultPollerOptions,
} from "./poller.js";
export { AsyncResult } from "./result.js";
