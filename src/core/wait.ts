/**
 * Bounded, cancellable waiting: `sleep`, abort handling and deadlines.
 *
 * Every fmops operation that waits accepts {@link WaitOptions}. A {@link Deadline} merges the
 * caller's signal with a timeout into one signal whose `reason` is always an {@link FmopsError}:
 * an {@link AbortedError} when the caller aborted, a {@link TimeoutError} when time ran out.
 *
 * @module
 */
import { AbortedError, FmopsError, TimeoutError, ValidationError } from "./errors.js";

/** Options accepted by every operation that waits. */
export interface WaitOptions {
  /** Aborts the wait; the operation then throws {@link AbortedError}. */
  signal?: AbortSignal | undefined;
  /** Gives up after this many milliseconds with {@link TimeoutError}. Each operation documents its default. */
  timeoutMs?: number | undefined;
}

/** setTimeout's upper bound (about 24.8 days); longer delays would fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Turns an aborted signal's reason into an {@link FmopsError}: FmopsErrors (such as a deadline's
 * {@link TimeoutError}) pass through; anything else becomes an {@link AbortedError} with the
 * reason as its cause.
 */
export function abortError(signal: AbortSignal): FmopsError {
  const reason: unknown = signal.reason;
  if (reason instanceof FmopsError) return reason;
  return new AbortedError(undefined, { cause: reason });
}

/** Throws `abortError` when `signal` is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/**
 * Resolves after `ms` milliseconds, or rejects with `abortError` as soon as `signal`
 * aborts. The timer is cleared on abort, so nothing is left behind.
 *
 * @example
 * ```ts
 * await sleep(250, AbortSignal.timeout(1_000));
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Checks a `timeoutMs` value, naming `field` in the {@link ValidationError}. */
export function checkTimeoutMs(value: number, field = "timeoutMs"): number {
  if (!(value > 0 && value <= MAX_TIMER_MS)) {
    throw new ValidationError(
      `${field} must be a number of milliseconds between 1 and ${MAX_TIMER_MS}; got ${String(value)}.`,
      [{ path: field, message: "out of range" }],
    );
  }
  return value;
}

/**
 * A point in time after which an operation gives up, merged with the caller's signal.
 * Always {@link Deadline.dispose} it (use `try`/`finally`, or {@link withDeadline}).
 *
 * @example
 * ```ts
 * const deadline = Deadline.start({ signal, timeoutMs }, 30_000, "waiting for the endpoint");
 * try {
 *   while (!(await isReady(deadline.signal))) await sleep(1_000, deadline.signal);
 * } finally {
 *   deadline.dispose();
 * }
 * ```
 */
export class Deadline {
  /** Aborts when the caller aborts or the time is up; its `reason` is an {@link FmopsError}. */
  readonly signal: AbortSignal;
  /** The time limit in milliseconds. */
  readonly timeoutMs: number;
  readonly #controller = new AbortController();
  readonly #expiresAt: number;
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #unlink: () => void;

  private constructor(options: WaitOptions, defaultTimeoutMs: number, what: string) {
    this.timeoutMs = checkTimeoutMs(options.timeoutMs ?? defaultTimeoutMs);
    this.signal = this.#controller.signal;
    this.#expiresAt = Date.now() + this.timeoutMs;
    this.#timer = setTimeout(() => {
      this.#controller.abort(
        new TimeoutError(
          `Timed out after ${this.timeoutMs} ms ${what}. Pass a larger timeoutMs to wait longer.`,
          this.timeoutMs,
        ),
      );
    }, this.timeoutMs);
    // The deadline alone must not keep a process alive; the work it guards does that.
    (this.#timer as { unref?: () => void }).unref?.();

    const outer = options.signal;
    if (outer?.aborted) {
      this.#controller.abort(abortError(outer));
      this.#unlink = () => {};
    } else if (outer) {
      const onAbort = () => this.#controller.abort(abortError(outer));
      outer.addEventListener("abort", onAbort, { once: true });
      this.#unlink = () => outer.removeEventListener("abort", onAbort);
    } else {
      this.#unlink = () => {};
    }
  }

  /**
   * Starts a deadline of `options.timeoutMs` (or `defaultTimeoutMs`) linked to `options.signal`.
   * `what` completes the timeout message: "Timed out after 500 ms {what}."
   */
  static start(options: WaitOptions, defaultTimeoutMs: number, what: string): Deadline {
    return new Deadline(options, defaultTimeoutMs, what);
  }

  /** Milliseconds left, never negative. */
  remainingMs(): number {
    return Math.max(0, this.#expiresAt - Date.now());
  }

  /** Throws the reason ({@link TimeoutError} or {@link AbortedError}) if the deadline has fired. */
  throwIfDone(): void {
    throwIfAborted(this.signal);
  }

  /** Clears the timer and detaches from the caller's signal. Safe to call more than once. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#unlink();
  }
}

/**
 * Runs `fn` under a {@link Deadline} and disposes it afterwards. If the deadline fired, the
 * deadline's own error is thrown in place of whatever `fn` threw while being cancelled, so
 * callers see {@link TimeoutError} or {@link AbortedError} rather than a transport's AbortError.
 *
 * @example
 * ```ts
 * const body = await withDeadline({ timeoutMs: 5_000 }, 60_000, "fetching the result", (signal) =>
 *   fetch(url, { signal }).then((r) => r.text()),
 * );
 * ```
 */
export async function withDeadline<T>(
  options: WaitOptions,
  defaultTimeoutMs: number,
  what: string,
  fn: (signal: AbortSignal, deadline: Deadline) => Promise<T>,
): Promise<T> {
  const deadline = Deadline.start(options, defaultTimeoutMs, what);
  try {
    deadline.throwIfDone();
    return await fn(deadline.signal, deadline);
  } catch (err) {
    if (deadline.signal.aborted) throw abortError(deadline.signal);
    throw err;
  } finally {
    deadline.dispose();
  }
}
