/**
 * Order-independent score summaries: exact sums, so the result depends only on which scores were
 * added, never on the order they arrived in.
 *
 * `ModelEvaluator` adds scores in completion order, which changes with concurrency and when a
 * run is resumed from its output. A running (Welford) mean rounds differently for each order;
 * these sums are exact until the one final rounding, so every order gives the same bits.
 *
 * @module
 */
import { type ScoreSummary, tCritical95 } from "./stats.js";

/**
 * An exact running sum of doubles (Shewchuk's algorithm, as Python's `math.fsum`): the sum is
 * held as non-overlapping partials, and {@link ExactSum.value} rounds it once, correctly.
 * Finite values only.
 *
 * @internal
 */
export class ExactSum {
  // Non-overlapping, in increasing magnitude. Values in a bounded range keep this list short.
  readonly #partials: number[] = [];

  /** Adds `value` exactly. */
  add(value: number): void {
    const p = this.#partials;
    let x = value;
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j] as number;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
  }

  /** The partials, whose exact sum is the sum so far. */
  get partials(): readonly number[] {
    return this.#partials;
  }

  /** The sum so far, correctly rounded to a double. */
  value(): number {
    const p = this.#partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n] as number;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n] as number;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half to even across the remaining partials: when the next partial has the sign of
    // `lo`, the true sum lies beyond the halfway point that `hi + lo` rounded to.
    const next = n > 0 ? (p[n - 1] as number) : 0;
    if ((lo < 0 && next < 0) || (lo > 0 && next > 0)) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}

const SPLITTER = 134_217_729; // 2^27 + 1: Veltkamp's split of a double into two 26-bit halves

/** `a · b` as `[product, error]` with `product + error` exactly `a · b` (Dekker's two-product). */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const ca = SPLITTER * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = SPLITTER * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

/**
 * Count, mean, sample standard deviation and Student's t 95% interval of one score, like
 * `ScoreAccumulator`, but the same to the last bit for any order of the same values. NaN values
 * are ignored (a score that could not be computed); an infinite value makes the mean infinite
 * and the spread NaN, as a running mean would.
 *
 * @internal
 */
export class ExactScoreAccumulator {
  #count = 0;
  readonly #sum = new ExactSum();
  // The sum of squares, exact too: each square enters as its two-product halves.
  readonly #squares = new ExactSum();
  // Infinite values, kept apart so that the exact sums only ever see finite numbers.
  #infinite = 0;

  /** Adds one value. */
  add(value: number): void {
    if (Number.isNaN(value)) return;
    this.#count += 1;
    if (!Number.isFinite(value)) {
      this.#infinite += value;
      return;
    }
    this.#sum.add(value);
    const [p, e] = twoProduct(value, value);
    this.#squares.add(p);
    this.#squares.add(e);
  }

  /** Values added so far (NaN excluded). */
  get count(): number {
    return this.#count;
  }

  /** The summary so far, or `undefined` before the first value. */
  summary(): ScoreSummary | undefined {
    const n = this.#count;
    if (n === 0) return undefined;
    if (this.#infinite !== 0 || Number.isNaN(this.#infinite)) {
      return {
        count: n,
        mean: this.#infinite,
        stdDev: n > 1 ? Number.NaN : 0,
        ci95: n > 1 ? { lower: Number.NaN, upper: Number.NaN } : null,
      };
    }
    const mean = this.#sum.value() / n;
    if (n === 1) return { count: 1, mean, stdDev: 0, ci95: null };
    // n·Σx² − (Σx)² = n² times the biased variance, computed exactly from the partials, so the
    // spread is as order-free as the mean and has no cancellation error.
    const d = new ExactSum();
    for (const q of this.#squares.partials) {
      const [p, e] = twoProduct(n, q);
      d.add(p);
      d.add(e);
    }
    const s = this.#sum.partials;
    for (const a of s) {
      for (const b of s) {
        const [p, e] = twoProduct(a, b);
        d.add(-p);
        d.add(-e);
      }
    }
    const variance = Math.max(0, d.value()) / n / (n - 1);
    const stdDev = Math.sqrt(variance);
    const half = (tCritical95(n - 1) * stdDev) / Math.sqrt(n);
    return { count: n, mean, stdDev, ci95: { lower: mean - half, upper: mean + half } };
  }
}

/**
 * {@link ExactScoreAccumulator}s for a set of named scores, with the `add` / `summaries` of
 * `ScoreTable`.
 *
 * @internal
 */
export class ExactScoreTable {
  readonly #scores = new Map<string, ExactScoreAccumulator>();

  /** Adds each named score. */
  add(scores: Readonly<Record<string, number>>): void {
    for (const [name, value] of Object.entries(scores)) {
      let acc = this.#scores.get(name);
      if (acc === undefined) {
        acc = new ExactScoreAccumulator();
        this.#scores.set(name, acc);
      }
      acc.add(value);
    }
  }

  /** One summary per score name that received a value, in first-seen order. */
  summaries(): Record<string, ScoreSummary> {
    const out: Record<string, ScoreSummary> = {};
    for (const [name, acc] of this.#scores) {
      const s = acc.summary();
      if (s !== undefined) out[name] = s;
    }
    return out;
  }
}
