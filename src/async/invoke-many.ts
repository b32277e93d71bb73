/**
 * {@link invokeMany}: a batch of asynchronous invocations with bounded concurrency.
 *
 * @module
 */
import { z } from "zod";
import {
  AbortedError,
  FmopsError,
  parseOptions,
  redact,
  type WaitOptions,
  withDeadline,
} from "../core/index.js";
import type { AsyncInvokeOptions, AsyncPayload } from "./endpoint.js";
import type { AsyncInvocation, AsyncInvocationWaitOptions } from "./invocation.js";
import type { AsyncResult } from "./result.js";

/** Default deadline of a whole batch: 24 hours (each item has its own wait deadline too). */
export const DEFAULT_BATCH_TIMEOUT_MS = 86_400_000;

/** The outcome of one payload of a batch. */
export type InvokeManyOutcome =
  | {
      /** Position of the payload in the input. */
      index: number;
      /** The inference finished and its output object was found. */
      status: "succeeded";
      /** The submitted invocation. */
      invocation: AsyncInvocation;
      /** The inference's output. */
      result: AsyncResult;
    }
  | {
      /** Position of the payload in the input. */
      index: number;
      /** Submitting or waiting failed (or was aborted, e.g. by `failFast`). */
      status: "failed";
      /** Absent when the failure happened before InvokeEndpointAsync accepted the request. */
      invocation: AsyncInvocation | undefined;
      /** Why; an `AsyncInferenceFailedError` when the endpoint wrote a failure object. */
      error: FmopsError;
    };

/** Progress of a batch, reported after each payload finishes. */
export interface InvokeManyProgress {
  /** Payloads finished so far. */
  completed: number;
  /** Payloads in the batch. */
  total: number;
  /** Of those finished, how many succeeded. */
  succeeded: number;
  /** Of those finished, how many failed. */
  failed: number;
  /** The outcome that just arrived. */
  outcome: InvokeManyOutcome;
}

/** Options of {@link invokeMany}. */
export interface InvokeManyOptions extends WaitOptions {
  /** Payloads in flight at once (invoke plus wait). Default 4. */
  concurrency?: number;
  /** Called after each payload finishes, in completion order. */
  onProgress?: (progress: InvokeManyProgress) => void;
  /** Stop at the first failure: items in flight are aborted, the rest are not started. Default false. */
  failFast?: boolean;
  /** Options for every `invoke()` (content type, TTL, ...). */
  invoke?: Omit<AsyncInvokeOptions, "signal" | "timeoutMs" | "inferenceId" | "inputLocation">;
  /** Options for every `wait()`: per-item deadline and backoff. */
  wait?: Omit<AsyncInvocationWaitOptions, "signal">;
}

/** What {@link invokeMany} needs from an endpoint. */
export interface InvokesAsync {
  /** Uploads `payload` and submits it with InvokeEndpointAsync, as `AsyncEndpoint.invoke` does. */
  invoke(payload: AsyncPayload, options?: AsyncInvokeOptions): Promise<AsyncInvocation>;
}

const optionsSchema = z.object({
  concurrency: z.int().min(1).max(1_000).optional(),
  onProgress: z.custom<(p: InvokeManyProgress) => void>((v) => typeof v === "function").optional(),
  failFast: z.boolean().optional(),
});

function asFmopsError(err: unknown): FmopsError {
  if (err instanceof FmopsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FmopsError("UNEXPECTED_ERROR", `Unexpected error: ${redact(message)}`, { cause: err });
}

/**
 * Invokes `endpoint` once per payload and waits for each result, at most `concurrency` at a time.
 * Returns one outcome per payload in input order. Aborting the signal (or the batch deadline)
 * aborts the items in flight and marks the unstarted ones failed with `ABORTED`.
 */
export async function invokeMany(
  endpoint: InvokesAsync,
  payloads: Iterable<AsyncPayload>,
  options: InvokeManyOptions = {},
): Promise<InvokeManyOutcome[]> {
  parseOptions(
    optionsSchema,
    {
      concurrency: options.concurrency,
      onProgress: options.onProgress,
      failFast: options.failFast,
    },
    "invokeMany options",
  );
  const items = [...payloads];
  const concurrency = Math.min(options.concurrency ?? 4, Math.max(items.length, 1));
  const outcomes: InvokeManyOutcome[] = new Array(items.length);
  let succeeded = 0;
  let failed = 0;
  let completed = 0;

  return withDeadline(
    options,
    DEFAULT_BATCH_TIMEOUT_MS,
    "running the batch",
    async (batchSignal) => {
      // failFast aborts this controller; it is linked to the batch deadline too.
      const stop = new AbortController();
      const onBatchAbort = () => stop.abort(batchSignal.reason);
      batchSignal.addEventListener("abort", onBatchAbort, { once: true });
      const record = (outcome: InvokeManyOutcome) => {
        outcomes[outcome.index] = outcome;
        completed++;
        if (outcome.status === "succeeded") succeeded++;
        else failed++;
        options.onProgress?.({ completed, total: items.length, succeeded, failed, outcome });
      };

      // One controller per item in flight, all aborted by a single listener on `stop`: sharing
      // `stop.signal` itself would hang dozens of listeners on one signal.
      const active = new Set<AbortController>();
      stop.signal.addEventListener(
        "abort",
        () => {
          for (const item of active) item.abort(stop.signal.reason);
        },
        { once: true },
      );

      const runOne = async (index: number): Promise<void> => {
        let invocation: AsyncInvocation | undefined;
        const item = new AbortController();
        active.add(item);
        try {
          invocation = await endpoint.invoke(items[index] as AsyncPayload, {
            ...options.invoke,
            signal: item.signal,
          });
          const result = await invocation.wait({ ...options.wait, signal: item.signal });
          active.delete(item);
          record({ index, status: "succeeded", invocation, result });
        } catch (err) {
          active.delete(item);
          record({ index, status: "failed", invocation, error: asFmopsError(err) });
          if (options.failFast && !stop.signal.aborted) {
            stop.abort(
              new AbortedError(`Stopped: item ${index} of the batch failed and failFast is set.`),
            );
          }
        }
      };

      let next = 0;
      const worker = async () => {
        while (next < items.length) {
          const index = next++;
          if (stop.signal.aborted) {
            const reason: unknown = stop.signal.reason;
            record({
              index,
              status: "failed",
              invocation: undefined,
              error:
                reason instanceof FmopsError
                  ? reason
                  : new AbortedError("Not started: the batch was aborted.", { cause: reason }),
            });
            continue;
          }
          await runOne(index);
        }
      };
      try {
        await Promise.all(Array.from({ length: concurrency }, worker));
      } finally {
        batchSignal.removeEventListener("abort", onBatchAbort);
      }
      return outcomes;
    },
  );
}
