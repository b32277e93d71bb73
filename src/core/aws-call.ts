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

/**
 * Reads the pages of an AWS SDK paginator (`paginateGetTables`, `paginateGetQueryResults`, ...)
 * one request at a time, each made like {@link signalledAwsCall}: SDK errors are wrapped with the
 * operation's name, and once `signal` has aborted its own error replaces the SDK's AbortError.
 * Stopping early (`break`, or a `return` from the loop) releases the paginator.
 *
 * Pass the same signal to the paginator's requests (its third argument is the `send` options),
 * and a client of the paginator's own class: SDK paginators refuse any other object.
 *
 * @example
 * ```ts
 * const pages = paginateGetTables({ client: glue, pageSize: 100 }, { DatabaseName }, { abortSignal: signal });
 * for await (const page of awsPages(signal, { service: "Glue", operation: "GetTables" }, pages)) {
 *   for (const table of page.TableList ?? []) console.log(table.Name);
 * }
 * ```
 */
export async function* awsPages<Page>(
  signal: AbortSignal,
  context: AwsCallContext,
  pages: AsyncIterable<Page>,
): AsyncGenerator<Page, void, undefined> {
  const iterator = pages[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = await signalledAwsCall(signal, context, () => iterator.next());
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // An early exit leaves the paginator suspended mid-way: close it so its finally blocks run.
    if (!finished) await iterator.return?.();
  }
}
