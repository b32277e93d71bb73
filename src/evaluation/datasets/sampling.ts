/**
 * Seeded reservoir sampling of a streamed dataset.
 *
 * @module
 */
import { throwIfAborted } from "../../core/internal.js";

/** mulberry32: a small, fast, seedable PRNG giving uniform values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `size` items drawn uniformly without replacement from `items` (Algorithm R), in their original
 * order. Memory holds only the sample, so the source may be larger than memory; the same seed
 * over the same source always gives the same sample.
 */
export async function reservoirSample<T>(
  items: Iterable<T> | AsyncIterable<T>,
  size: number,
  seed: number,
  signal?: AbortSignal,
): Promise<T[]> {
  const random = seededRandom(seed);
  const reservoir: { position: number; item: T }[] = [];
  let seen = 0;
  for await (const item of items) {
    throwIfAborted(signal);
    if (reservoir.length < size) reservoir.push({ position: seen, item });
    else {
      const j = Math.floor(random() * (seen + 1));
      if (j < size) reservoir[j] = { position: seen, item };
    }
    seen += 1;
  }
  reservoir.sort((a, b) => a.position - b.position);
  return reservoir.map((r) => r.item);
}
