/**
 * Percentiles of the model calls' latency over an evaluation run, for reports and gates.
 *
 * @module
 */
import { percentile } from "../../monitoring/index.js";

/** Percentiles (type 7, as NumPy) of the model-call latency of a run's records, in milliseconds. */
export interface LatencySummary {
  /** Records with a latency (the model call succeeded). */
  count: number;
  /** Arithmetic mean. */
  mean: number;
  /** Median. */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 99th percentile. */
  p99: number;
  /** Slowest call. */
  max: number;
}

/**
 * Collects per-record latencies: 8 bytes a record, so even a run of millions stays small, and
 * exact percentiles (not estimates), which a gate on p90 needs to be repeatable.
 *
 * @internal
 */
export class LatencyCollector {
  #values = new Float64Array(64);
  #size = 0;

  /** Adds one latency in milliseconds; a value that is not a finite number is ignored. */
  add(ms: number): void {
    if (!Number.isFinite(ms)) return;
    if (this.#size === this.#values.length) {
      const grown = new Float64Array(this.#size * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#size++] = ms;
  }

  /** The percentiles, or `undefined` before the first value. */
  summary(): LatencySummary | undefined {
    const n = this.#size;
    if (n === 0) return undefined;
    const sorted = this.#values.slice(0, n).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      count: n,
      mean: sum / n,
      p50: percentile(sorted, 0.5),
      p90: percentile(sorted, 0.9),
      p99: percentile(sorted, 0.99),
      max: sorted[n - 1] as number,
    };
  }
}
