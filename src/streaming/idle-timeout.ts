/**
 * Bounds the gap between consecutive items of an async iterable, and stops waiting at once
 * when a signal aborts.
 *
 * @module
 */
import { TimeoutError } from "../core/errors.js";
import { abortError } from "../core/wait.js";

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
  let finished = false;
  try {
    while (true) {
      const result = await nextWithin(iterator, options);
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    // On timeout, abort, a consumer's early break or an error, let the source clean up.
    if (!finished) void Promise.resolve(iterator.return?.()).catch(() => {});
  }
}

function nextWithin<T>(
  iterator: AsyncIterator<T>,
  options: BoundedIterableOptions,
): Promise<IteratorResult<T>> {
  return settleWithin(() => iterator.next(), {
    ...options,
    idleError: (ms) =>
      idleTimeoutError(
        ms,
        `No data for ${ms} ms while waiting for ${options.what ?? "the next stream item"}; the stream was closed. Raise idleTimeoutMs if the model needs longer between tokens.`,
      ),
  });
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
