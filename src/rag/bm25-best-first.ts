/**
 * The last step of every {@link Bm25Index} query: from the scored candidates, the best `k`,
 * ordered best first with ties to the smaller slot (Lucene's tie-break on document id).
 *
 * A query asking for a large k (100 or 1,000, as evaluation harnesses do even to compute nDCG@10)
 * used to spend most of its time here: a k-entry heap fed every candidate, then a sort with a
 * comparator over one object per result. Comparison-based selection and sorting are slow here
 * for a second reason: on scores in random order every comparison is a branch the processor
 * guesses wrong half the time. This module buckets the candidates instead, by the high bits of
 * their scores (a positive double's bit pattern orders like its value): one pass counts the
 * buckets, the buckets from the top down that hold the best k are kept, one pass places their
 * candidates in bucket order, and only the few candidates sharing a bucket are compared, exactly
 * (score, then slot). The cost is a few passes over the candidates plus the buckets, whatever k.
 *
 * @module
 */

/** The best candidates, best first: `slots[i]` scored `scores[i]`. */
export interface Ranked {
  /** Document slots, best first; ties (equal doubles) in ascending slot order. */
  slots: Int32Array;
  /** Their scores, the doubles given in, not recomputed. */
  scores: Float64Array;
}

/**
 * Index of the 32-bit word holding a double's sign, exponent and high mantissa bits in a
 * `Uint32Array` over a `Float64Array`'s buffer: typed arrays use the platform's byte order.
 */
const HIGH_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;

/** The most buckets a ranking uses (fewer for few candidates). */
const MAX_BUCKETS = 4096;

/** Buckets up to this size are ordered by insertion; larger ones (scores bunched) by a sort. */
const INSERTION_LIMIT = 24;

/**
 * The best `k` of `count` candidates (`slots[i]` scored `scores[i] > 0`, finite; slots
 * distinct), best first, ties to the smaller slot. The inputs are left as they were.
 */
export function bestFirst(
  slots: Int32Array,
  scores: Float64Array,
  count: number,
  k: number,
): Ranked {
  const n = Math.min(k, count);
  if (n <= 0) return { slots: new Int32Array(0), scores: new Float64Array(0) };
  // A positive double's high word is below 2^31: as an Int32 it stays a small integer to the JIT.
  const words = new Int32Array(scores.buffer, scores.byteOffset, 2 * count);
  let minHigh = 0x7fffffff;
  let maxHigh = 0;
  for (let i = 0; i < count; i++) {
    const high = words[2 * i + HIGH_WORD] as number;
    // Math.min / max compile to selects, not branches: scores come in no order.
    minHigh = Math.min(high, minHigh);
    maxHigh = Math.max(high, maxHigh);
  }
  let limit = 64;
  while (limit < 2 * count && limit < MAX_BUCKETS) limit *= 2;
  let shift = 0;
  while ((maxHigh - minHigh) / 2 ** shift >= limit) shift++;
  const buckets = Math.floor((maxHigh - minHigh) / 2 ** shift) + 1;
  // Higher score, higher bucket. ends[b]: first, how many candidates bucket b holds.
  const ends = new Int32Array(buckets);
  for (let i = 0; i < count; i++) {
    const bucket = ((words[2 * i + HIGH_WORD] as number) - minHigh) >> shift;
    ends[bucket] = (ends[bucket] as number) + 1;
  }
  // From the top bucket down, each bucket's start in best-first order, until the best n are in.
  let lowest = buckets - 1;
  let placed = 0;
  for (; ; lowest--) {
    const size = ends[lowest] as number;
    ends[lowest] = placed;
    placed += size;
    if (placed >= n) break;
  }
  const outSlots = new Int32Array(placed);
  const outScores = new Float64Array(placed);
  for (let i = 0; i < count; i++) {
    const bucket = ((words[2 * i + HIGH_WORD] as number) - minHigh) >> shift;
    if (bucket < lowest) continue;
    const at = ends[bucket] as number;
    ends[bucket] = at + 1;
    outSlots[at] = slots[i] as number;
    outScores[at] = scores[i] as number;
  }
  // ends[b] is now the end of bucket b, which starts where bucket b + 1 ended.
  let from = 0;
  for (let b = buckets - 1; b >= lowest && from < n; b--) {
    const to = ends[b] as number;
    if (to - from > 1) orderRange(outSlots, outScores, from, to);
    from = to;
  }
  return { slots: outSlots.subarray(0, n), scores: outScores.subarray(0, n) };
}

/** Orders `[from, to)` of the parallel arrays best first (score descending, then slot ascending). */
function orderRange(slots: Int32Array, scores: Float64Array, from: number, to: number): void {
  if (to - from > INSERTION_LIMIT) {
    const entries: { slot: number; score: number }[] = [];
    for (let p = from; p < to; p++)
      entries.push({ slot: slots[p] as number, score: scores[p] as number });
    entries.sort((a, b) => b.score - a.score || a.slot - b.slot);
    for (let p = from; p < to; p++) {
      const entry = entries[p - from] as { slot: number; score: number };
      slots[p] = entry.slot;
      scores[p] = entry.score;
    }
    return;
  }
  for (let p = from + 1; p < to; p++) {
    const score = scores[p] as number;
    const slot = slots[p] as number;
    let q = p - 1;
    for (; q >= from; q--) {
      const other = scores[q] as number;
      if (other > score || (other === score && (slots[q] as number) < slot)) break;
      scores[q + 1] = other;
      slots[q + 1] = slots[q] as number;
    }
    scores[q + 1] = score;
    slots[q + 1] = slot;
  }
}
