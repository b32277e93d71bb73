/**
 * Bounds the gap between consecutive items of an async iterable, and stops waiting at once
 * when a signal aborts.
 *
 * @module
 */
import { TimeoutError } from "../core/index.js";
import { abortError } from "../core/internal.js";

/** Options for {@link boundedIterable}. */
export interface BoundedIterableOptions {
  /** Longest wait for the next item, in milliseconds; no bound when left out. */
  idleTimeoutMs?: number | undefined;
  /** Stops waiting with `abortError` as soon as it aborts. */
  signal?: AbortSignal | undefined;
  /** Names the thing waited for, e.g. "a response-stream chunk", in the timeout message. */
  what?: string;
}

/**
 * Yields the items of `source`, throwing `STREAM_IDLE_TIMEOUT` ({@link TimeoutError}) when no
 * item arrives within `idleTimeoutMs`, or the signal's error when it aborts. Either way the
 * source's `return()` is called so its sockets and timers are released.
 *
 * Only time spent waiting for the source counts; time the consumer spends between items does
 * not. One {@link IdleWatch} serves the whole iteration, so a stream of a million tokens costs
 * one timer and one abort listener, not a million of each.
 *
 * @example
 * ```ts
 * for await (const chunk of boundedIterable(body, { idleTimeoutMs: 30_000, signal })) handle(chunk);
 * ```
 */
export async function* boundedIterable<T>(
  source: AsyncIterable<T>,
  options: BoundedIterableOptions,
): AsyncGenerator<T, void, undefined> {
  const { idleTimeoutMs, signal } = options;
  const iterator = source[Symbol.asyncIterator]();
  if (idleTimeoutMs === undefined && signal === undefined) {
    // Nothing to bound: delegate directly and keep the fast path free of timers.
    yield* { [Symbol.asyncIterator]: () => iterator };
    return;
  }
  const watch = new IdleWatch({
    idleTimeoutMs,
    signal,
    idleError: (ms) =>
      idleTimeoutError(
        ms,
        `No data for ${ms} ms while waiting for ${options.what ?? "the next stream item"}; the stream was closed. Raise idleTimeoutMs if the model needs longer between tokens.`,
      ),
  });
  const next = () => iterator.next();
  let finished = false;
  try {
    while (true) {
      const result = await watch.wait(next);
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    watch.dispose();
    // On timeout, abort, a consumer's early break or an error, let the source clean up.
    if (!finished) void Promise.resolve(iterator.return?.()).catch(() => {});
  }
}

/**
 * Options for {@link IdleWatch}.
 *
 * @internal
 */
export interface IdleWatchOptions {
  /** Longest single wait, in milliseconds; no bound when left out. */
  idleTimeoutMs?: number | undefined;
  /** Ends every wait, current and later, with `abortError` once it aborts. */
  signal?: AbortSignal | undefined;
  /** The error for a wait longer than `idleTimeoutMs`. */
  idleError: (idleTimeoutMs: number) => Error;
}

/**
 * Bounds each of a series of waits (one per stream item) with a single timer and a single abort
 * listener for the whole series. A wait only records when it started; the timer, when it fires,
 * compares that with the clock and either fails the wait or sleeps for the time that is left. So
 * the timer is set once per idle period that actually passes, not once per item, and a stream's
 * items cost two clock reads each. Time between waits (the consumer's) does not count: a timer
 * that fires while nobody waits is simply not renewed until the next wait starts.
 *
 * @internal
 */
export class IdleWatch {
  readonly #idleTimeoutMs: number | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #idleError: (idleTimeoutMs: number) => Error;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the current wait started (`performance.now()`); undefined between waits. */
  #waitingSince: number | undefined;
  #rejectWait: ((error: unknown) => void) | undefined;
  #failure: unknown;
  #failed = false;
  #disposed = false;

  constructor(options: IdleWatchOptions) {
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#signal = options.signal;
    this.#idleError = options.idleError;
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /**
   * Starts `start()` and resolves with its result, or rejects with the idle error or the
   * signal's error, whichever comes first. Once the watch has failed, every later wait rejects
   * at once without calling `start`.
   */
  wait<T>(start: () => Promise<T>): Promise<T> {
    if (this.#signal?.aborted && !this.#failed) this.#fail(abortError(this.#signal));
    if (this.#failed) return Promise.reject(this.#failure);
    this.#waitingSince = performance.now();
    if (this.#timer === undefined && this.#idleTimeoutMs !== undefined && !this.#disposed) {
      this.#arm(this.#idleTimeoutMs);
    }
    return new Promise<T>((resolve, reject) => {
      this.#rejectWait = reject;
      const done = () => {
        // A result that lost the race against the timer or the signal is dropped; the caller
        // closes the source.
        if (this.#rejectWait !== reject) return false;
        this.#rejectWait = undefined;
        this.#waitingSince = undefined;
        return true;
      };
      let pending: Promise<T>;
      try {
        pending = start();
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => {
          if (done()) resolve(value);
        },
        (error: unknown) => {
          if (done()) reject(error);
        },
      );
    });
  }

  /** Removes the timer and the abort listener, for good: call it once the series of waits ends. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#clear();
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(this.#onTimer, delayMs);
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    const since = this.#waitingSince;
    const limit = this.#idleTimeoutMs;
    // Nobody is waiting (the consumer is busy): the next wait arms a fresh timer.
    if (since === undefined || limit === undefined || this.#failed || this.#disposed) return;
    const waited = performance.now() - since;
    if (waited >= limit) this.#fail(this.#idleError(limit));
    else this.#arm(limit - waited);
  };

  readonly #onAbort = (): void => {
    if (!this.#failed) this.#fail(abortError(this.#signal as AbortSignal));
  };

  #fail(error: unknown): void {
    this.#failed = true;
    this.#failure = error;
    this.#clear();
    const reject = this.#rejectWait;
    this.#rejectWait = undefined;
    this.#waitingSince = undefined;
    reject?.(error);
  }

  #clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }
}

/**
 * Options for {@link settleWithin}.
 *
 * @internal
 */
export interface SettleWithinOptions<T> {
  /** Longest wait for the result, in milliseconds; no bound when left out. */
  idleTimeoutMs?: number | undefined;
  /** Stops waiting with `abortError` as soon as it aborts. */
  signal?: AbortSignal | undefined;
  /** The error for a wait longer than `idleTimeoutMs`. Default: a generic `STREAM_IDLE_TIMEOUT`. */
  idleError?: (idleTimeoutMs: number) => Error;
  /**
   * Receives a result that arrived after the wait was given up, so that it can be closed (a
   * response stream nobody will read still holds its connection).
   */
  discard?: (late: T) => void;
}

/**
 * Starts `start()` and waits for its result at most `idleTimeoutMs`, rejecting at once when the
 * signal aborts. The timer and the abort listener are removed however it ends, so nothing is left
 * behind; a result that comes too late goes to `discard`. `start` should also watch the signal
 * so that the work itself stops: this only stops the waiting.
 *
 * @example
 * ```ts
 * const response = await settleWithin(() => fetch(url, { signal }), { idleTimeoutMs: 30_000, signal });
 * ```
 *
 * @internal
 */
export function settleWithin<T>(
  start: () => Promise<T> | T,
  options: SettleWithinOptions<T>,
): Promise<T> {
  const { idleTimeoutMs, signal } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => settle(() => reject(abortError(signal as AbortSignal)));
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      action();
    };
    if (idleTimeoutMs !== undefined) {
      const idleError =
        options.idleError ??
        ((ms: number) =>
          idleTimeoutError(ms, `Nothing arrived for ${ms} ms; the stream was closed.`));
      timer = setTimeout(() => settle(() => reject(idleError(idleTimeoutMs))), idleTimeoutMs);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(start());
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (result) => {
        if (settled) options.discard?.(result);
        else settle(() => resolve(result));
      },
      (error: unknown) => settle(() => reject(error)),
    );
  });
}

/**
 * A `STREAM_IDLE_TIMEOUT` {@link TimeoutError} with `message`.
 *
 * @internal
 */
export function idleTimeoutError(idleTimeoutMs: number, message: string): TimeoutError {
  return new TimeoutError(message, idleTimeoutMs, { code: "STREAM_IDLE_TIMEOUT" });
}
