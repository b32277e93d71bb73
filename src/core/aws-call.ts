/**
 * {@link signalledAwsCall}: one AWS SDK call made under a deadline's AbortSignal.
 *
 * @module
 */
import { type AwsCallContext, awsCall } from "./aws.js";
import { abortError } from "./wait.js";

/**
 * Runs one AWS SDK call like {@link awsCall}, except that when `signal` has aborted whatever the
 * call threw is replaced by `abortError`: the deadline's own error (a timeout naming what
 * was waited on, or the caller's abort reason) says more than the SDK's generic AbortError.
 *
 * @example
 * ```ts
 * const out = await signalledAwsCall(
 *   signal,
 *   { service: "S3", operation: "PutObject", iamAction: "s3:PutObject" },
 *   () => s3.send(new PutObjectCommand(input), { abortSignal: signal }),
 * );
 * ```
 */
export async function signalledAwsCall<T>(
  signal: AbortSignal,
  context: AwsCallContext,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await awsCall(context, call);
  } catch (err) {
    if (signal.aborted) throw abortError(signal);
    throw err;
  }
}
