/**
 * {@link PostingList}: the documents (slots) that contain one term, with the term's frequency in
 * each, kept in two typed arrays so that a query walks flat memory instead of boxed JS arrays.
 *
 * @module
 */

/** Smallest allocation; most terms of a real vocabulary occur in only a few documents. */
const MIN_CAPACITY = 4;

/**
 * A growable list of `(slot, frequency)` pairs. Order is insertion order, changed only by
 * {@link PostingList.remove}; scores do not depend on it (ties are broken by slot at selection).
 */
export class PostingList {
  /** Document slots; only the first {@link PostingList.length} entries are meaningful. */
  slots: Int32Array = new Int32Array(MIN_CAPACITY);
  /** Term frequency for the slot at the same position. */
  freqs: Int32Array = new Int32Array(MIN_CAPACITY);
  /** Number of pairs in use. */
  length = 0;

  /** Appends one pair. */
  push(slot: number, freq: number): void {
    if (this.length === this.slots.length) this.#grow();
    this.slots[this.length] = slot;
    this.freqs[this.length] = freq;
    this.length++;
  }

  /** Removes the pair of `slot` (moving the last pair into its place); false when absent. */
  remove(slot: number): boolean {
    const at = this.slots.subarray(0, this.length).indexOf(slot);
    if (at < 0) return false;
    const last = this.length - 1;
    this.slots[at] = this.slots[last] as number;
    this.freqs[at] = this.freqs[last] as number;
    this.length = last;
    return true;
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
