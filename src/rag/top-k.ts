/**
 * A bounded min-heap that keeps the `k` best (highest score) entries seen so far, used by every
 * exact scan so that top-k costs O(n log k) and no full sort.
 *
 * @module
 */

/**
 * Keeps the `k` highest-scoring slots. Ties go to the smaller slot (earlier insertion), like
 * Lucene's tie-break on document id.
 */
export class TopK {
  readonly #k: number;
  readonly #scores: Float64Array;
  readonly #slots: Int32Array;
  #size = 0;

  constructor(k: number) {
    this.#k = k;
    this.#scores = new Float64Array(k);
    this.#slots = new Int32Array(k);
  }

  /** Number of entries kept. */
  get size(): number {
    return this.#size;
  }

  /** The lowest kept score, or -Infinity while fewer than k are kept. */
  get threshold(): number {
    return this.#size < this.#k ? Number.NEGATIVE_INFINITY : (this.#scores[0] as number);
  }

  // "a is worse than b": lower score, or equal score and larger slot.
  #worse(i: number, j: number): boolean {
    const a = this.#scores[i] as number;
    const b = this.#scores[j] as number;
    return a < b || (a === b && (this.#slots[i] as number) > (this.#slots[j] as number));
  }

  /** Offers one candidate. */
  push(slot: number, score: number): void {
    if (this.#k === 0) return;
    if (this.#size < this.#k) {
      let i = this.#size++;
      this.#scores[i] = score;
      this.#slots[i] = slot;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.#worse(i, parent)) break;
        this.#swap(i, parent);
        i = parent;
      }
      return;
    }
    const rootScore = this.#scores[0] as number;
    if (score < rootScore || (score === rootScore && slot > (this.#slots[0] as number))) return;
    this.#scores[0] = score;
    this.#slots[0] = slot;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < this.#size && this.#worse(l, worst)) worst = l;
      if (r < this.#size && this.#worse(r, worst)) worst = r;
      if (worst === i) break;
      this.#swap(i, worst);
      i = worst;
    }
  }

  #swap(i: number, j: number): void {
    const s = this.#scores[i] as number;
    this.#scores[i] = this.#scores[j] as number;
    this.#scores[j] = s;
    const t = this.#slots[i] as number;
    this.#slots[i] = this.#slots[j] as number;
    this.#slots[j] = t;
  }

  /** The kept entries, best first. */
  sorted(): { slot: number; score: number }[] {
    const out: { slot: number; score: number }[] = [];
    for (let i = 0; i < this.#size; i++)
      out.push({ slot: this.#slots[i] as number, score: this.#scores[i] as number });
    return out.sort((a, b) => b.score - a.score || a.slot - b.slot);
  }
}
