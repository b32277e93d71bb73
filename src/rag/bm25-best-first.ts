/**
 * The last step of every {@link Bm25Index} query: from the scored candidates, the best `k`,
 * ordered best first with ties to the smaller slot (Lucene's tie-break on document id).
 *
 * A query asking for a large k (100 or 1,000, as evaluation harnesses do even to compute nDCG@10)
 * used to spend most of its time here: a k-entry heap fed every candidate, then a sort with a
 * comparator over one object per result. This module selects instead (the k-th best score by
 * quickselect, in time linear in the candidates) and orders only the k winners, with the
 * engine's native numeric sort on keys that carry each winner's position in their low bits, so
 * no comparator runs per comparison and nothing is allocated per candidate.
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
 * Index of the 32-bit word holding a double's low mantissa bits in a `Uint32Array` over a
 * `Float64Array`'s buffer: typed arrays use the platform's byte order.
 */
const LOW_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;

/**
 * The best `k` of `count` candidates (`slots[i]` scored `scores[i] > 0`, slots distinct), best
 * first, ties to the smaller slot. `work` is scratch space of at least `count` doubles; the
 * inputs are left as they were.
 */
export function bestFirst(
  slots: Int32Array,
  scores: Float64Array,
  count: number,
  k: number,
  work: Float64Array,
): Ranked {
  if (count <= k) return ordered(slots, scores, count);
  // The k-th best score: every candidate above it wins, and as many as needed of those equal to
  // it, smallest slots first.
  for (let i = 0; i < count; i++) work[i] = scores[i] as number;
  const kth = select(work, count, count - k);
  const winnerSlots = new Int32Array(k);
  const winnerScores = new Float64Array(k);
  let above = 0;
  let tied = 0;
  for (let i = 0; i < count; i++) {
    const score = scores[i] as number;
    if (score > kth) {
      winnerSlots[above] = slots[i] as number;
      winnerScores[above++] = score;
    } else if (score === kth) tied++;
  }
  const ties = new Int32Array(tied);
  tied = 0;
  for (let i = 0; i < count; i++) if (scores[i] === kth) ties[tied++] = slots[i] as number;
  if (ties.length > k - above) ties.sort();
  for (let t = 0; above < k; t++) {
    winnerSlots[above] = ties[t] as number;
    winnerScores[above++] = kth;
  }
  return ordered(winnerSlots, winnerScores, k);
}

/**
 * The value that would sit at (ascending) position `target` if `values[0, count)` were sorted,
 * found by Hoare's selection with median-of-three pivots; `values` is reordered. Falls back to a
 * sort of the remaining range if partitions keep coming out lopsided, so the cost stays bounded
 * whatever the scores.
 */
function select(values: Float64Array, count: number, target: number): number {
  let lo = 0;
  let hi = count - 1;
  let budget = 2 * (32 - Math.clz32(count)) + 8;
  while (hi > lo) {
    if (budget-- === 0) {
      values.subarray(lo, hi + 1).sort();
      break;
    }
    const a = values[lo] as number;
    const b = values[(lo + hi) >>> 1] as number;
    const c = values[hi] as number;
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const swap = values[i] as number;
        values[i++] = values[j] as number;
        values[j--] = swap;
      }
    }
    // [lo, j] <= pivot, [i, hi] >= pivot, and anything between equals the pivot.
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return pivot;
  }
  return values[target] as number;
}

/**
 * All `count` candidates, best first, ties to the smaller slot. Each score's low mantissa bits
 * are replaced by the candidate's position and the keys sorted natively: a positive double's bit
 * pattern orders like its value, so the keys come out ordered by score except among scores that
 * differ only in those low bits, which a final insertion pass (exact scores, then slots) puts
 * right: it moves only those few.
 */
function ordered(slots: Int32Array, scores: Float64Array, count: number): Ranked {
  const keys = new Float64Array(count);
  const words = new Uint32Array(keys.buffer);
  const bits = count <= 1 ? 0 : 32 - Math.clz32(count - 1);
  const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
  for (let i = 0; i < count; i++) {
    keys[i] = scores[i] as number;
    const w = 2 * i + LOW_WORD;
    words[w] = (((words[w] as number) & ~mask) | i) >>> 0;
  }
  keys.sort();
  const outSlots = new Int32Array(count);
  const outScores = new Float64Array(count);
  for (let p = 0; p < count; p++) {
    const at = ((words[2 * (count - 1 - p) + LOW_WORD] as number) & mask) >>> 0;
    outSlots[p] = slots[at] as number;
    outScores[p] = scores[at] as number;
  }
  for (let p = 1; p < count; p++) {
    const score = outScores[p] as number;
    const slot = outSlots[p] as number;
    let q = p - 1;
    for (; q >= 0; q--) {
      const other = outScores[q] as number;
      if (other > score || (other === score && (outSlots[q] as number) < slot)) break;
      outScores[q + 1] = other;
      outSlots[q + 1] = outSlots[q] as number;
    }
    outScores[q + 1] = score;
    outSlots[q + 1] = slot;
  }
  return { slots: outSlots, scores: outScores };
}
