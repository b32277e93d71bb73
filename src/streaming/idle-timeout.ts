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
  /** Stops waiting with {@link abortError} as soon as it aborts. */
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
  const { idleTimeoutMs, signal } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => settle(() => reject(abortError(signal as AbortSignal)));
    const settle = (action: () => void) => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      action();
    };
    if (idleTimeoutMs !== undefined) {
      timer = setTimeout(
        () =>
          settle(() =>
            reject(
              new TimeoutError(
                `No data for ${idleTimeoutMs} ms while waiting for ${options.what ?? "the next stream item"}; the stream was closed. Raise idleTimeoutMs if the model needs longer between tokens.`,
                idleTimeoutMs,
                { code: "STREAM_IDLE_TIMEOUT" },
              ),
            ),
          ),
        idleTimeoutMs,
      );
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    iterator.next().then(
      (result) => settle(() => resolve(result)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}
