/**
 * The one retry loop in fmops: exponential backoff with full jitter.
 *
 * AWS SDK clients keep their own transport retries; `retry()` is for polling and model-level
 * retries on top of them.
 *
 * @module
 */
import { isRetryableAwsError } from "./aws.js";
import { ValidationError } from "./errors.js";
import { abortError, sleep, throwIfAborted, type WaitOptions, withDeadline } from "./wait.js";

/** Details of a failed attempt that is about to be retried. */
export interface RetryEvent {
  /** The attempt that just failed, starting at 1. */
  attempt: number;
  /** What it threw. */
  error: unknown;
  /** How long the loop sleeps before the next attempt. */
  delayMs: number;
}

/** Options for {@link retry}. */
export interface RetryOptions extends WaitOptions {
  /** Attempts in all, including the first. Default 3. */
  maxAttempts?: number;
  /** The backoff's scale: the cap on the first delay. Default 100 ms. */
  baseDelayMs?: number;
  /** The cap on any one delay. Default 20 000 ms. */
  maxDelayMs?: number;
  /**
   * Whether an error is worth another attempt. Default: {@link isRetryableError}
   * (throttling, 5xx, network errors, and FmopsErrors marked `retryable`).
   */
  isRetryable?: (error: unknown, attempt: number) => boolean;
  /** Called before each sleep, e.g. for logging. */
  onRetry?: (event: RetryEvent) => void;
  /** Source of randomness in [0, 1), replaceable for deterministic tests. Default `Math.random`. */
  random?: () => number;
}

/**
 * The default retry predicate: FmopsErrors marked `retryable`, AWS throttling and 5xx errors,
 * and transient network failures.
 */
export function isRetryableError(error: unknown): boolean {
  return isRetryableAwsError(error);
}

/**
 * The delay before retry number `attempt` (1 = after the first failure) under full jitter:
 * a uniform draw from `[0, min(maxDelayMs, baseDelayMs * 2^(attempt-1)))`.
 */
export function backoffDelay(
  attempt: number,
  options: { baseDelayMs: number; maxDelayMs: number },
  random: () => number = Math.random,
): number {
  // 2 ** n overflows to Infinity after ~1024 attempts; 0 * Infinity would be NaN, so a zero base
  // is handled on its own.
  const growth = options.baseDelayMs === 0 ? 0 : options.baseDelayMs * 2 ** (attempt - 1);
  const ceiling = Math.min(options.maxDelayMs, growth);
  return Math.floor(random() * ceiling);
}

/**
 * Calls `fn` until it succeeds, it throws a non-retryable error, or `maxAttempts` is reached,
 * sleeping with exponential backoff and full jitter in between. The last error is rethrown as is.
 * The signal (and `timeoutMs`, when given) is honoured during attempts and sleeps.
 *
 * @example
 * ```ts
 * const answer = await retry((attempt, signal) => model.generate(request, { signal }), {
 *   maxAttempts: 5,
 *   signal: AbortSignal.timeout(60_000),
 * });
 * ```
 */
export async function retry<T>(
  fn: (attempt: number, signal: AbortSignal | undefined) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ValidationError(
      `maxAttempts must be a whole number of at least 1; got ${maxAttempts}.`,
      [{ path: "maxAttempts", message: "must be an integer >= 1" }],
    );
  }
  if (!(baseDelayMs >= 0 && maxDelayMs >= 0)) {
    throw new ValidationError("baseDelayMs and maxDelayMs must be non-negative numbers.", [
      { path: baseDelayMs >= 0 ? "maxDelayMs" : "baseDelayMs", message: "must be >= 0" },
    ]);
  }
  const isRetryable = options.isRetryable ?? isRetryableError;
  const random = options.random ?? Math.random;

  const loop = async (signal: AbortSignal | undefined): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      try {
        return await fn(attempt, signal);
      } catch (error) {
        if (signal?.aborted) throw abortError(signal);
        if (attempt >= maxAttempts || !isRetryable(error, attempt)) throw error;
        const delayMs = backoffDelay(attempt, { baseDelayMs, maxDelayMs }, random);
        options.onRetry?.({ attempt, error, delayMs });
        await sleep(delayMs, signal);
      }
    }
  };

  if (options.timeoutMs === undefined) return loop(options.signal);
  return withDeadline(options, options.timeoutMs, "retrying", (signal) => loop(signal));
}
