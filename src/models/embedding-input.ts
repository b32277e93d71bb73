/**
 * What the Bedrock embedding models share around their calls: the check of `embed()`'s texts
 * before anything is sent, and a bounded worker pool for one call per text or batch.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";

/**
 * Throws `VALIDATION_ERROR` unless `texts` is an array of non-blank strings, naming the first bad
 * index. `why` ends the message, saying why blank input is refused (for example
 * `"Bedrock embedding models reject empty input"`).
 */
export function checkEmbeddingTexts(texts: unknown, why: string): asserts texts is string[] {
  if (!Array.isArray(texts)) {
    throw new ValidationError("embed() takes an array of strings.", [
      { path: "", message: "must be an array" },
    ]);
  }
  texts.forEach((text: unknown, i) => {
    if (typeof text !== "string" || text.trim() === "") {
      throw new ValidationError(
        `Invalid embedding input: texts.${i}: must be a non-blank string; ${why}.`,
        [{ path: `texts.${i}`, message: "must be a non-blank string" }],
      );
    }
  });
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping the input order. The first
 * failure aborts the calls still running (through the signal passed to `fn`) and is rethrown.
 */
export async function mapBounded<T, R>(
  items: T[],
  limit: number,
  signal: AbortSignal,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, controller.signal);
      } catch (error) {
        if (failure === undefined) {
          failure = { error };
          controller.abort(error);
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  if (failure !== undefined) throw failure.error;
  return results;
}
