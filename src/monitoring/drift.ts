/**
 * Drift checks: has a metric's recent window moved away from its baseline? Population stability
 * index and the two-sample Kolmogorov-Smirnov test.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";

function finite(values: readonly number[], field: string): number[] {
  const out = values.filter((v) => Number.isFinite(v));
  if (out.length === 0) {
    throw new ValidationError(`${field} needs at least one finite value.`, [
      { path: field, message: "empty" },
    ]);
  }
  return out;
}

/**
 * Population stability index of `recent` against `baseline`: the baseline's quantiles cut
 * `bins` bins, and `PSI = Σ (r − b) · ln(r / b)` over the bins' shares (each share floored at
 * 1e-4 so an empty bin does not divide by zero). Rules of thumb: < 0.1 stable, 0.1 to 0.25
 * moderate shift, > 0.25 significant shift.
 */
export function populationStabilityIndex(
  baseline: readonly number[],
  recent: readonly number[],
  bins = 10,
): number {
  const base = finite(baseline, "baseline").sort((a, b) => a - b);
  const rec = finite(recent, "recent");
  if (!(Number.isInteger(bins) && bins >= 2)) {
    throw new ValidationError(`bins must be an integer of at least 2; got ${bins}.`, [
      { path: "bins", message: "too small" },
    ]);
  }
  // Interior cut points at the baseline's quantiles; duplicates collapse (ties in discrete data).
  const cuts = [
    ...new Set(
      Array.from(
        { length: bins - 1 },
        (_, i) => base[Math.floor(((i + 1) * base.length) / bins)] as number,
      ),
    ),
  ];
  const share = (values: readonly number[]) => {
    const counts = new Array<number>(cuts.length + 1).fill(0);
    for (const v of values) {
      let lo = 0;
      let hi = cuts.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (v < (cuts[mid] as number)) hi = mid;
        else lo = mid + 1;
      }
      counts[lo] = (counts[lo] as number) + 1;
    }
    return counts.map((c) => Math.max(c / values.length, 1e-4));
  };
  const b = share(base);
  const r = share(rec);
  let psi = 0;
  for (let i = 0; i < b.length; i++)
    psi += ((r[i] as number) - (b[i] as number)) * Math.log((r[i] as number) / (b[i] as number));
  return psi;
}

/** The two-sample Kolmogorov-Smirnov statistic and its asymptotic p-value. */
export interface KsResult {
  /** Largest distance between the two empirical CDFs, 0 to 1. */
  statistic: number;
  /** Asymptotic p-value (Kolmogorov distribution with Stephens' small-sample correction). */
  pValue: number;
}

/**
 * Two-sample Kolmogorov-Smirnov test: `D = sup |F₁(x) − F₂(x)|`, and the p-value of the
 * hypothesis that both samples come from one distribution, from the Kolmogorov distribution at
 * `(√nₑ + 0.12 + 0.11/√nₑ) · D` with `nₑ = n·m/(n+m)`.
 */
export function ksTest(a: readonly number[], b: readonly number[]): KsResult {
  const x = finite(a, "a").sort((p, q) => p - q);
  const y = finite(b, "b").sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i] as number, y[j] as number);
    while (i < x.length && (x[i] as number) <= v) i++;
    while (j < y.length && (y[j] as number) <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const ne = (x.length * y.length) / (x.length + y.length);
  const lambda = (Math.sqrt(ne) + 0.12 + 0.11 / Math.sqrt(ne)) * d;
  return { statistic: d, pValue: kolmogorovQ(lambda) };
}

/** Q(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²), the Kolmogorov distribution's survival function. */
function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, sum));
}

/** Options for {@link detectDrift}. */
export interface DriftOptions {
  /** PSI above this flags drift. Default 0.25. */
  psiThreshold?: number;
  /** KS p-value below this flags drift. Default 0.01. */
  ksAlpha?: number;
  /** PSI bins. Default 10. */
  bins?: number;
}

/** What {@link detectDrift} found. */
export interface DriftResult {
  /** Population stability index of the recent window against the baseline's quantile bins. */
  psi: number;
  /** Two-sample Kolmogorov-Smirnov test of the recent window against the baseline. */
  ks: KsResult;
  /** Whether either test passed its threshold. */
  drifted: boolean;
  /** Which tests flagged it. */
  reasons: ("psi" | "ks")[];
}

/**
 * Compares a metric's recent window (say, the last hour of TTFT) with a baseline (last week's)
 * and flags drift when PSI exceeds `psiThreshold` or the KS p-value falls below `ksAlpha`.
 *
 * @example
 * ```ts
 * const { drifted, psi, ks } = detectDrift(lastWeek.map((r) => r.ttftMs!), lastHour.map((r) => r.ttftMs!));
 * ```
 */
export function detectDrift(
  baseline: readonly number[],
  recent: readonly number[],
  options: DriftOptions = {},
): DriftResult {
  const psi = populationStabilityIndex(baseline, recent, options.bins ?? 10);
  const ks = ksTest(baseline, recent);
  const reasons: ("psi" | "ks")[] = [];
  if (psi > (options.psiThreshold ?? 0.25)) reasons.push("psi");
  if (ks.pValue < (options.ksAlpha ?? 0.01)) reasons.push("ks");
  return { psi, ks, drifted: reasons.length > 0, reasons };
}
