/**
 * {@link PostingList}: the documents (slots) that contain one term, with the term's frequency in
 * each, kept in two typed arrays so that a query walks flat memory instead of boxed JS arrays.
 *
 * @module
 */

/** Smallest allocation; most terms of a real vocabulary occur in only a few documents. */
const MIN_CAPACITY = 4;

/**
 * A growable list of `(slot, frequency)` pairs in ascending slot order. Appending a larger slot
 * (the usual case: new documents take new slots) is O(1); a reused, smaller slot is inserted in
 * place. The order lets a top-k query look a document up by binary search instead of walking
 * the whole list (see `bm25-top-k.ts`).
 */
export class PostingList {
  /** Document slots, ascending; only the first {@link PostingList.length} entries are meaningful. */
  slots: Int32Array = new Int32Array(MIN_CAPACITY);
  /** Term frequency for the slot at the same position. */
  freqs: Int32Array = new Int32Array(MIN_CAPACITY);
  /** Number of pairs in use. */
  length = 0;

  /** Adds one pair, keeping slots ascending (a slot must not already be in the list). */
  push(slot: number, freq: number): void {
    if (this.length === this.slots.length) this.#grow();
    let at = this.length;
    if (at > 0 && (this.slots[at - 1] as number) > slot) {
      at = lowerBound(this.slots, 0, this.length, slot);
      this.slots.copyWithin(at + 1, at, this.length);
      this.freqs.copyWithin(at + 1, at, this.length);
    }
    this.slots[at] = slot;
    this.freqs[at] = freq;
    this.length++;
  }

  /** Removes the pair of `slot`, keeping the order; false when absent. */
  remove(slot: number): boolean {
    const at = this.indexOf(slot);
    if (at < 0) return false;
    this.slots.copyWithin(at, at + 1, this.length);
    this.freqs.copyWithin(at, at + 1, this.length);
    this.length--;
    return true;
  }

  /** The position of `slot`, or -1 (binary search). */
  indexOf(slot: number): number {
    const at = lowerBound(this.slots, 0, this.length, slot);
    return at < this.length && this.slots[at] === slot ? at : -1;
  }

  /** Bytes allocated for this list (capacity included). */
  get byteLength(): number {
    return this.slots.byteLength + this.freqs.byteLength;
  }

  #grow(): void {
    // 1.5x keeps the slack of large lists at a third at most, and copies stay amortized O(1).
    const capacity = Math.max(MIN_CAPACITY, Math.ceil(this.slots.length * 1.5));
    const slots = new Int32Array(capacity);
    slots.set(this.slots);
    const freqs = new Int32Array(capacity);
    freqs.set(this.freqs);
    this.slots = slots;
    this.freqs = freqs;
  }
}

/** The first position in `sorted[from, to)` whose value is >= `value` (`to` when none). */
export function lowerBound(sorted: Int32Array, from: number, to: number, value: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
