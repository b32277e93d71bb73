/**
 * {@link summarize} and `Summarizer`: count, error rate, mean and percentiles per metric,
 * exact for small runs and bounded-memory for long ones.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";
import { rejectUnknownOptions } from "../core/internal.js";
import { type InvocationRecord, LATENCY_FIELDS } from "./record.js";
import { TDigest } from "./tdigest.js";

/** Statistics of one metric over the records that have it. */
export interface MetricSummary {
  /** Records that carried this metric. */
  count: number;
  /** Arithmetic mean, in the metric's own unit (milliseconds, tokens per second, tokens). */
  mean: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /** Median (50th percentile). */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 99th percentile. */
  p99: number;
  /** Whether the percentiles are exact (false once the t-digest took over). */
  exact: boolean;
}

/** A run's summary. */
export interface Summary {
  /** Records seen. */
  count: number;
  /** Records whose status is `error` (aborted and cancelled calls are not errors). */
  errors: number;
  /** `errors / count`; 0 for no records. */
  errorRate: number;
  /** Count per status. */
  statuses: Record<string, number>;
  /**
   * Per metric: `ttftMs`, `e2eMs`, `otps`, `e2eOtps`, `inputTokens`, `outputTokens` and every
   * quality score in `record.metrics`. Metrics come from successful calls only (`ok` records),
   * so failures do not drag latency percentiles down.
   */
  metrics: Record<string, MetricSummary>;
}

/** Options for {@link summarize} and `Summarizer`. */
export interface SummarizeOptions {
  /**
   * Values per metric kept exactly; past this, the metric switches to a `TDigest`.
   * Default 10 000.
   */
  exactLimit?: number;
  /** t-digest compression once switched. Default 200. */
  compression?: number;
}

// Typed by the interface, so the compiler keeps this list and the interface in step.
const KNOWN_OPTIONS: Record<keyof SummarizeOptions, true> = { exactLimit: true, compression: true };

/**
 * The `q` quantile of sorted values by linear interpolation between closest ranks (the method
 * NumPy and R use by default, "type 7"): position `h = (n − 1)q`, value
 * `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])`. `NaN` for no values.
 *
 * @example
 * ```ts
 * percentile([10, 20, 30, 40], 0.5); // 25
 * ```
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (!(q >= 0 && q <= 1)) {
    throw new ValidationError(`percentile q must be between 0 and 1; got ${q}.`, [
      { path: "q", message: "out of range" },
    ]);
  }
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

/** Accumulates one metric: exact values until the limit, then a t-digest. */
class MetricAccumulator {
  #values: number[] | undefined = [];
  #digest: TDigest | undefined;
  #count = 0;
  #sum = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly exactLimit: number,
    private readonly compression: number,
  ) {}

  add(value: number): void {
    this.#count++;
    this.#sum += value;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
    if (this.#values) {
      this.#values.push(value);
      if (this.#values.length > this.exactLimit) {
        this.#digest = new TDigest({ compression: this.compression });
        for (const v of this.#values) this.#digest.add(v);
        this.#values = undefined;
      }
    } else {
      this.#digest?.add(value);
    }
  }

  summary(): MetricSummary {
    let quantile: (q: number) => number;
    if (this.#values) {
      const sorted = Float64Array.from(this.#values).sort();
      quantile = (q) => percentile(sorted, q);
    } else {
      const digest = this.#digest as TDigest;
      quantile = (q) => digest.quantile(q);
    }
    return {
      count: this.#count,
      mean: this.#count === 0 ? Number.NaN : this.#sum / this.#count,
      min: this.#min,
      max: this.#max,
      p50: quantile(0.5),
      p90: quantile(0.9),
      p99: quantile(0.99),
      exact: this.#values !== undefined,
    };
  }
}

/**
 * Summarizes records as they arrive, in bounded memory: each metric keeps its values exactly up
 * to `exactLimit`, then a t-digest of about `compression` centroids.
 *
 * @example
 * ```ts
 * const summarizer = new Summarizer();
 * instrument(model, { onRecord: (r) => summarizer.add(r) });
 * // later
 * summarizer.summary().metrics.ttftMs?.p90;
 * ```
 */
export class Summarizer {
  readonly #exactLimit: number;
  readonly #compression: number;
  readonly #metrics = new Map<string, MetricAccumulator>();
  readonly #statuses: Record<string, number> = {};
  #count = 0;
  #errors = 0;

  constructor(options: SummarizeOptions = {}) {
    rejectUnknownOptions(options, KNOWN_OPTIONS, "summarize options");
    this.#exactLimit = options.exactLimit ?? 10_000;
    this.#compression = options.compression ?? 200;
    if (!(Number.isInteger(this.#exactLimit) && this.#exactLimit >= 0)) {
      throw new ValidationError(
        `exactLimit must be a non-negative integer; got ${this.#exactLimit}.`,
        [{ path: "exactLimit", message: "must be a non-negative integer" }],
      );
    }
  }

  /** Adds one record. */
  add(record: InvocationRecord): void {
    this.#count++;
    this.#statuses[record.status] = (this.#statuses[record.status] ?? 0) + 1;
    if (record.status === "error") this.#errors++;
    if (record.status !== "ok") return;
    for (const field of LATENCY_FIELDS) {
      const value = record[field];
      if (value !== undefined) this.addValue(field, value);
    }
    for (const [name, value] of Object.entries(record.metrics)) this.addValue(name, value);
  }

  /** Adds one value of a named metric directly. Non-finite values are ignored. */
  addValue(name: string, value: number): void {
    if (!Number.isFinite(value)) return;
    let accumulator = this.#metrics.get(name);
    if (!accumulator) {
      accumulator = new MetricAccumulator(this.#exactLimit, this.#compression);
      this.#metrics.set(name, accumulator);
    }
    accumulator.add(value);
  }

  /** The summary so far. */
  summary(): Summary {
    const metrics: Record<string, MetricSummary> = {};
    for (const [name, accumulator] of this.#metrics) metrics[name] = accumulator.summary();
    return {
      count: this.#count,
      errors: this.#errors,
      errorRate: this.#count === 0 ? 0 : this.#errors / this.#count,
      statuses: { ...this.#statuses },
      metrics,
    };
  }
}

/**
 * Count, error rate, and per metric the mean, min, max, p50, p90 and p99 of `records`.
 * Percentiles are exact (type 7 interpolation, see {@link percentile}) up to `exactLimit` values
 * per metric, and t-digest estimates beyond.
 *
 * @example
 * ```ts
 * const { errorRate, metrics } = summarize(records);
 * console.log(metrics.ttftMs?.p50, metrics.e2eMs?.p99);
 * ```
 */
export function summarize(
  records: Iterable<InvocationRecord>,
  options: SummarizeOptions = {},
): Summary {
  const summarizer = new Summarizer(options);
  for (const record of records) summarizer.add(record);
  return summarizer.summary();
}
