/**
 * Top-k evaluation for {@link Bm25Index} with MaxScore pruning (Turtle and Flood, 1995): the
 * query's terms are taken in order of the most they can add to any document; once the k-th best
 * score so far exceeds what all the remaining terms together could add, no document that has not
 * been seen yet can reach the top k, and the remaining (usually long, low-idf) posting lists are
 * no longer walked: the few documents still in the running are looked up in them by binary search.
 *
 * Sums taken in that order can differ from the formula's (query-order) sum in the last bits, so
 * every comparison keeps a relative slack, and the documents that make the top k get their score
 * recomputed in query order: results are the same documents with the same doubles as scoring every
 * posting.
 *
 * A per-document filter (`accept`) takes part without giving up the pruning: the k-th best score
 * that prunes is the k-th best among accepted documents, and a document is tested only when its
 * score could raise that bound or when it is a finalist, so the filter runs on a few documents
 * per query rather than on every match. Partial scores only grow, so the bound computed from
 * partial scores of accepted documents never exceeds the final k-th accepted score, and pruning
 * with it is as safe as without a filter.
 *
 * @module
 */
import { bestFirst, type Ranked } from "./bm25-best-first.js";
import { lowerBound } from "./posting-list.js";

/** One query term as the evaluation sees it. */
export interface ScoredTerm {
  /** Document slots containing the term, ascending. */
  slots: Int32Array;
  /** The term's contribution to the document at the same position. */
  impacts: Float64Array;
  /** Number of postings in use. */
  length: number;
  /** The largest contribution in {@link ScoredTerm.impacts}. */
  maxImpact: number;
}

/**
 * Per-slot buffers a query borrows from its index, sized to the slot count, so that a query
 * allocates nothing proportional to the collection. `scores` must be all zero and `verdicts` all
 * {@link UNTESTED} when a query starts; both are left so.
 */
export interface TopKScratch {
  /** Score accumulator. */
  scores: Float64Array;
  /** Slots given a score by the current query, in first-touched order. */
  touched: Int32Array;
  /** The documents still in the running once unseen ones cannot reach the top k. */
  candidates: Int32Array;
  /** Per slot: whether `accept` was asked and what it said ({@link UNTESTED}, ACCEPTED, REJECTED). */
  verdicts: Uint8Array;
  /** One bit per slot, to put candidates in slot order. */
  marks: Uint32Array;
  /** Per slot or per position: scores gathered for the final selection. */
  gathered: Float64Array;
}

/** A slot the filter has not been asked about in this query. */
const UNTESTED = 0;
const ACCEPTED = 1;
const REJECTED = 2;

/**
 * Relative slack on every pruning comparison: orders of summation differ by far less (a few ulps
 * per term), so nothing that could tie or beat the k-th score is ever pruned.
 */
const SLACK = 1e-9;

/**
 * The best `k` documents for `query` (terms in query order, repeats included), best first, ties
 * to the smaller slot. With `allowed`, only slots whose bit is set are scored; with `accept`, only
 * documents it accepts are returned (it is called at most once per slot, on few slots).
 */
export function topKByMaxScore(
  query: readonly ScoredTerm[],
  k: number,
  scratch: TopKScratch,
  allowed: Uint32Array | undefined,
  accept?: (slot: number) => boolean,
): Ranked {
  const { scores, touched, verdicts } = scratch;
  const heap = new Float64Array(k);
  /** The filter's answer for `slot`, asked once per query. */
  const accepted =
    accept === undefined
      ? undefined
      : (slot: number): boolean => {
          const verdict = verdicts[slot] as number;
          if (verdict !== UNTESTED) return verdict === ACCEPTED;
          const ok = accept(slot);
          verdicts[slot] = ok ? ACCEPTED : REJECTED;
          return ok;
        };
  // Distinct terms with their multiplicity, highest possible contribution first.
  const counts = new Map<ScoredTerm, number>();
  for (const term of query) counts.set(term, (counts.get(term) ?? 0) + 1);
  const order = [...counts.keys()];
  const bound = (t: ScoredTerm) => t.maxImpact * (counts.get(t) as number);
  order.sort((a, b) => bound(b) - bound(a));
  const m = order.length;
  // rest[i]: the most terms i.. can add to one document; restPostings[i]: their list lengths.
  const rest = new Float64Array(m + 1);
  const restPostings = new Float64Array(m + 1);
  for (let i = m - 1; i >= 0; i--) {
    rest[i] = (rest[i + 1] as number) + bound(order[i] as ScoredTerm);
    restPostings[i] = (restPostings[i + 1] as number) + (order[i] as ScoredTerm).length;
  }

  let touchedCount = 0;
  try {
    let threshold = Number.NEGATIVE_INFINITY;
    let i = 0;
    for (; i < m; i++) {
      // Checking costs a pass over the touched documents: worth it only if it may skip more.
      if (touchedCount >= k && (restPostings[i] as number) > touchedCount) {
        threshold = kthBest(scores, touched, touchedCount, k, accepted, heap);
        if ((rest[i] as number) < threshold * (1 - SLACK)) break;
      }
      const term = order[i] as ScoredTerm;
      touchedCount = accumulate(
        term,
        counts.get(term) as number,
        scores,
        touched,
        touchedCount,
        allowed,
      );
    }

    let candidates = touched;
    let count = touchedCount;
    if (i < m) {
      // No unseen document can make the top k: keep the seen ones that still can, ascending.
      candidates = scratch.candidates;
      count = keep(
        scores,
        touched,
        touchedCount,
        candidates,
        rest[i] as number,
        threshold,
        verdicts,
      );
      ascending(candidates, count, scratch.marks);
      for (; i < m; i++) {
        const term = order[i] as ScoredTerm;
        lookUp(term, counts.get(term) as number, scores, candidates, count, scratch.marks);
        if (count >= k)
          threshold = Math.max(threshold, kthBest(scores, candidates, count, k, accepted, heap));
        count = keep(
          scores,
          candidates,
          count,
          candidates,
          rest[i + 1] as number,
          threshold,
          verdicts,
        );
      }
    }

    // Final selection: anything within the slack of the k-th approximate score (among accepted
    // documents) is rescored in query order (the formula's sum), then ranked exactly.
    const kth =
      count >= k ? kthBest(scores, candidates, count, k, accepted, heap) : Number.NEGATIVE_INFINITY;
    const floor = kth * (1 - SLACK);
    // Finalists overwrite the candidates they are taken from (never ahead of the reading).
    const finalists = candidates === touched ? scratch.candidates : candidates;
    let finalistCount = 0;
    for (let c = 0; c < count; c++) {
      const slot = candidates[c] as number;
      if ((scores[slot] as number) >= floor && (accepted === undefined || accepted(slot)))
        finalists[finalistCount++] = slot;
    }
    return rankInQueryOrder(query, finalists, finalistCount, k, scratch);
  } finally {
    for (let t = 0; t < touchedCount; t++) {
      const slot = touched[t] as number;
      scores[slot] = 0;
      verdicts[slot] = UNTESTED;
    }
  }
}

/** Adds one term's contributions (times its multiplicity) to every document in its list. */
function accumulate(
  term: ScoredTerm,
  count: number,
  scores: Float64Array,
  touched: Int32Array,
  touchedCount: number,
  allowed: Uint32Array | undefined,
): number {
  const { slots, impacts, length } = term;
  let t = touchedCount;
  for (let p = 0; p < length; p++) {
    const slot = slots[p] as number;
    if (allowed !== undefined && ((allowed[slot >>> 5] as number) & (1 << (slot & 31))) === 0)
      continue;
    const previous = scores[slot] as number;
    // Every contribution is > 0, so 0 means "not touched yet".
    if (previous === 0) touched[t++] = slot;
    scores[slot] = previous + (impacts[p] as number) * count;
  }
  return t;
}

/**
 * A posting list at most this many times longer than the documents looked up in it is walked
 * (one bit test per posting) rather than searched (a gallop and a binary search per document,
 * each step an unpredictable branch): measured on the SciFact proxy, top 100.
 */
const WALK_RATIO = 32;

/**
 * Sets the bit of each of `slots[0, count)` in `marks` (all zero before); {@link unmark} clears
 * them again.
 */
function mark(marks: Uint32Array, slots: Int32Array, count: number): void {
  for (let c = 0; c < count; c++) {
    const slot = slots[c] as number;
    marks[slot >>> 5] = (marks[slot >>> 5] as number) | (1 << (slot & 31));
  }
}

/** Clears the bits {@link mark} set, leaving `marks` all zero. */
function unmark(marks: Uint32Array, slots: Int32Array, count: number): void {
  for (let c = 0; c < count; c++) marks[(slots[c] as number) >>> 5] = 0;
}

/**
 * Adds one term's contributions (times its multiplicity) to the (ascending) candidates only.
 * `marks` must be all zero and is left so.
 */
function lookUp(
  term: ScoredTerm,
  count: number,
  scores: Float64Array,
  candidates: Int32Array,
  candidateCount: number,
  marks: Uint32Array,
): void {
  const { slots, impacts, length } = term;
  if (length <= WALK_RATIO * candidateCount) {
    mark(marks, candidates, candidateCount);
    for (let p = 0; p < length; p++) {
      const slot = slots[p] as number;
      if (((marks[slot >>> 5] as number) & (1 << (slot & 31))) !== 0)
        scores[slot] = (scores[slot] as number) + (impacts[p] as number) * count;
    }
    unmark(marks, candidates, candidateCount);
    return;
  }
  let p = 0;
  for (let c = 0; c < candidateCount && p < length; c++) {
    const slot = candidates[c] as number;
    p = seek(slots, p, length, slot);
    if (p < length && slots[p] === slot)
      scores[slot] = (scores[slot] as number) + (impacts[p] as number) * count;
  }
}

/**
 * The first position in `slots[from, length)` holding a slot >= `slot`, by galloping from `from`:
 * callers look up ascending slots, so the cost is the log of the gap between consecutive
 * look-ups, not of the list's length.
 */
function seek(slots: Int32Array, from: number, length: number, slot: number): number {
  if (from >= length || (slots[from] as number) >= slot) return from;
  let step = 1;
  let lo = from;
  while (lo + step < length && (slots[lo + step] as number) < slot) {
    lo += step;
    step *= 2;
  }
  return lowerBound(slots, lo + 1, Math.min(length, lo + step + 1), slot);
}

/**
 * Puts `slots[0, count)` (distinct) in ascending order: by one pass over a bitmap when they span
 * few 32-slot words, else by sorting. `marks` must be all zero and is left so.
 */
function ascending(slots: Int32Array, count: number, marks: Uint32Array): void {
  let min = 0x7fffffff;
  let max = 0;
  for (let c = 0; c < count; c++) {
    const slot = slots[c] as number;
    if (slot < min) min = slot;
    if (slot > max) max = slot;
  }
  const first = min >>> 5;
  const last = max >>> 5;
  if (last - first + 1 > 8 * count) {
    slots.subarray(0, count).sort();
    return;
  }
  for (let c = 0; c < count; c++) {
    const slot = slots[c] as number;
    marks[slot >>> 5] = (marks[slot >>> 5] as number) | (1 << (slot & 31));
  }
  let out = 0;
  for (let w = first; w <= last; w++) {
    let bits = marks[w] as number;
    if (bits === 0) continue;
    marks[w] = 0;
    while (bits !== 0) {
      const lowest = bits & -bits;
      slots[out++] = (w << 5) | (31 - Math.clz32(lowest));
      bits ^= lowest;
    }
  }
}

/**
 * Copies into `out` the slots whose score plus `rest` can still reach `threshold` and that the
 * filter has not rejected; returns how many.
 */
function keep(
  scores: Float64Array,
  slots: Int32Array,
  count: number,
  out: Int32Array,
  rest: number,
  threshold: number,
  verdicts: Uint8Array,
): number {
  const floor = threshold * (1 - SLACK);
  let kept = 0;
  for (let c = 0; c < count; c++) {
    const slot = slots[c] as number;
    if ((scores[slot] as number) + rest >= floor && verdicts[slot] !== REJECTED) out[kept++] = slot;
  }
  return kept;
}

/**
 * The k-th highest score among `slots[0, count)` (count >= k >= 1), with a k-entry min-heap; with
 * `accepted`, among accepted slots only (asked only of slots that would enter the heap), and
 * `-Infinity` when fewer than k are accepted. `heap` is k entries of workspace.
 */
function kthBest(
  scores: Float64Array,
  slots: Int32Array,
  count: number,
  k: number,
  accepted: ((slot: number) => boolean) | undefined,
  heap: Float64Array,
): number {
  let size = 0;
  for (let c = 0; c < count; c++) {
    const slot = slots[c] as number;
    const score = scores[slot] as number;
    if (size === k && score <= (heap[0] as number)) continue;
    if (accepted !== undefined && !accepted(slot)) continue;
    if (size < k) {
      let i = size++;
      heap[i] = score;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((heap[parent] as number) <= score) break;
        heap[i] = heap[parent] as number;
        i = parent;
      }
      heap[i] = score;
    } else {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= k) break;
        const r = l + 1;
        const child = r < k && (heap[r] as number) < (heap[l] as number) ? r : l;
        if ((heap[child] as number) >= score) break;
        heap[i] = heap[child] as number;
        i = child;
      }
      heap[i] = score;
    }
  }
  return size < k ? Number.NEGATIVE_INFINITY : (heap[0] as number);
}

/**
 * The finalists' scores summed in query order, as the formula (and an exhaustive scan) adds them,
 * ranked best first with ties to the smaller slot; the best `k`. Finalists are taken in slot order
 * so each term's list is searched forward from the previous finalist's position.
 */
function rankInQueryOrder(
  query: readonly ScoredTerm[],
  finalists: Int32Array,
  count: number,
  k: number,
  scratch: TopKScratch,
): Ranked {
  const ascendingFinalists = finalists.subarray(0, count);
  ascendingFinalists.sort();
  // Per-slot sums (the finalists' entries of `gathered`, zeroed first), added term by term in
  // query order: a list not much longer than the finalists is walked, a longer one searched.
  const sums = scratch.gathered;
  for (let f = 0; f < count; f++) sums[ascendingFinalists[f] as number] = 0;
  const marks = scratch.marks;
  mark(marks, ascendingFinalists, count);
  for (const term of query) {
    const { slots, impacts, length } = term;
    if (length <= WALK_RATIO * count) {
      for (let p = 0; p < length; p++) {
        const slot = slots[p] as number;
        if (((marks[slot >>> 5] as number) & (1 << (slot & 31))) !== 0)
          sums[slot] = (sums[slot] as number) + (impacts[p] as number);
      }
      continue;
    }
    let p = 0;
    for (let f = 0; f < count && p < length; f++) {
      const slot = ascendingFinalists[f] as number;
      p = seek(slots, p, length, slot);
      if (p < length && slots[p] === slot)
        sums[slot] = (sums[slot] as number) + (impacts[p] as number);
    }
  }
  unmark(marks, ascendingFinalists, count);
  const exact = new Float64Array(count);
  for (let f = 0; f < count; f++) exact[f] = sums[ascendingFinalists[f] as number] as number;
  return bestFirst(ascendingFinalists, exact, count, k);
}
