/**
 * Means and 95% confidence intervals of scores, from exact sums.
 *
 * @module
 */
import { ExactSum, twoProduct } from "../metrics/pymath.js";

/**
 * The values one score can take, e.g. `{ min: 0, max: 1 }` for a rate. A bound left out is
 * open: an unbounded score (a count, a rescaled BERTScore's lower end) declares nothing there.
 */
export interface ScoreRange {
  /** Smallest value the score can take. */
  readonly min?: number;
  /** Largest value the score can take. */
  readonly max?: number;
}

/** The range of rates, probabilities and normalized scores: 0 to 1. */
export const UNIT_RANGE: ScoreRange = Object.freeze({ min: 0, max: 1 });

/**
 * Fewest records whose interval is not marked `smallSample`: 30.
 *
 * Student's t interval is exact only for normally distributed scores. Evaluation scores rarely
 * are: they are bounded, often skewed, and many are 0 or 1 per record (exact match, a passed
 * check). With few records the interval's real coverage can fall well short of 95% (and, before
 * clipping, run past the score's range). From about 30 records the central limit theorem makes
 * the mean close enough to normal for the interval to be read as stated; 30 is the usual
 * textbook threshold. A rate very near 0 or 1 needs more records still, so the mark is a lower
 * bound on caution, not a guarantee above it.
 */
export const MIN_INTERVAL_COUNT = 30;

/** Mean of one score over the records that have it, with its 95% confidence interval. */
export interface ScoreSummary {
  /** Records scored. */
  count: number;
  /** Arithmetic mean. */
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single record. */
  stdDev: number;
  /**
   * 95% confidence interval of the mean by Student's t: `mean ± t(0.975, n-1) · stdDev / √n`,
   * cut to the score's declared range (see `clipped`). `null` for a single record, where it is
   * undefined.
   */
  ci95: {
    /** Lower bound of the 95% interval, never below the score's declared minimum. */
    lower: number;
    /** Upper bound of the 95% interval, never above the score's declared maximum. */
    upper: number;
  } | null;
  /**
   * `true` when the score's declared range cut the interval, so it is no longer
   * `mean ± half-width`; absent otherwise.
   */
  clipped?: boolean;
  /**
   * `true` when the interval rests on fewer than 30 records: read it as
   * a rough indication, not a 95% guarantee. Absent otherwise, and absent without an interval.
   */
  smallSample?: boolean;
}

// t(0.975, df) for df = 1..30 (standard tables); above 30 a Cornish-Fisher expansion is within 1e-4.
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048,
  2.045, 2.042,
];

/** The two-sided 95% critical value of Student's t with `df` degrees of freedom. */
export function tCritical95(df: number): number {
  if (df < 1) return Number.NaN;
  if (df <= 30) return T_975[Math.floor(df) - 1] as number;
  const z = 1.959963984540054;
  const z3 = z ** 3;
  const z5 = z ** 5;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df);
}

/**
 * Count, mean, sample standard deviation and Student's t 95% interval of one score, from exact
 * sums: O(1) memory for a streamed dataset of any size (the sums stay a few doubles long for
 * scores in a bounded range), and the same result to the last bit for any order of the same
 * values, so concurrency and resumed runs never change a number. NaN values are ignored (a
 * score that could not be computed); an infinite value makes the mean infinite and the spread
 * NaN.
 */
export class ScoreAccumulator {
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

  /**
   * The summary so far, or `undefined` before the first value. With `range`, the interval is cut
   * to it (unless the mean itself lies outside, which means the range was declared wrongly).
   */
  summary(range?: ScoreRange): ScoreSummary | undefined {
    const n = this.#count;
    if (n === 0) return undefined;
    if (this.#infinite !== 0 || Number.isNaN(this.#infinite)) {
      if (n === 1) return { count: 1, mean: this.#infinite, stdDev: 0, ci95: null };
      return withInterval(
        { count: n, mean: this.#infinite, stdDev: Number.NaN },
        Number.NaN,
        Number.NaN,
        undefined,
      );
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
    return withInterval({ count: n, mean, stdDev }, mean - half, mean + half, range);
  }
}

/** The summary with its interval, cut to `range` and marked as the fields of ScoreSummary say. */
function withInterval(
  base: Omit<ScoreSummary, "ci95">,
  lower: number,
  upper: number,
  range: ScoreRange | undefined,
): ScoreSummary {
  const min = range?.min ?? Number.NEGATIVE_INFINITY;
  const max = range?.max ?? Number.POSITIVE_INFINITY;
  // A mean outside the range says the declaration is wrong, not the interval: leave it whole.
  const inRange = base.mean >= min && base.mean <= max;
  const ci95 = inRange
    ? { lower: Math.max(lower, min), upper: Math.min(upper, max) }
    : { lower, upper };
  const out: ScoreSummary = { ...base, ci95 };
  if (!Object.is(ci95.lower, lower) || !Object.is(ci95.upper, upper)) out.clipped = true;
  if (base.count < MIN_INTERVAL_COUNT) out.smallSample = true;
  return out;
}

/** Accumulators for a set of named scores. */
export class ScoreTable {
  readonly #scores = new Map<string, ScoreAccumulator>();

  /** Adds each named score. */
  add(scores: Readonly<Record<string, number>>): void {
    for (const [name, value] of Object.entries(scores)) {
      let acc = this.#scores.get(name);
      if (acc === undefined) {
        acc = new ScoreAccumulator();
        this.#scores.set(name, acc);
      }
      acc.add(value);
    }
  }

  /**
   * One summary per score name that received a value, in first-seen order; `rangeOf` gives each
   * score's declared range, to which its interval is cut.
   */
  summaries(rangeOf?: (score: string) => ScoreRange | undefined): Record<string, ScoreSummary> {
    const out: Record<string, ScoreSummary> = {};
    for (const [name, acc] of this.#scores) {
      const s = acc.summary(rangeOf?.(name));
      if (s !== undefined) out[name] = s;
    }
    return out;
  }
}
