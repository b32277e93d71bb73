import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { percentile, Summarizer, summarize } from "../../src/monitoring/summarize.js";
import { TDigest } from "../../src/monitoring/tdigest.js";
import { mulberry32 } from "../support/random.js";
import { record } from "./helpers.js";

describe("percentile", () => {
  it("matches hand-computed type-7 values", () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(xs, 0.5)).toBeCloseTo(5.5, 12); // h = 4.5
    expect(percentile(xs, 0.9)).toBeCloseTo(9.1, 12); // h = 8.1
    expect(percentile(xs, 0.99)).toBeCloseTo(9.91, 12); // h = 8.91
    expect(percentile([42], 0.99)).toBe(42);
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe("summarize", () => {
  it("summarizes successful calls' metrics and counts errors", () => {
    const ttfts = [120, 80, 200, 100, 150];
    const records = [
      ...ttfts.map((ttftMs, i) =>
        record({ ttftMs, e2eMs: 1000 + i * 100, metrics: { refusalScore: i / 10 } }),
      ),
      record({ status: "error", errorType: "TIMEOUT", ttftMs: 9999, e2eMs: 30_000 }),
      record({ status: "cancelled", e2eMs: 5 }),
    ];
    const s = summarize(records);
    expect(s.count).toBe(7);
    expect(s.errors).toBe(1);
    expect(s.errorRate).toBeCloseTo(1 / 7, 12);
    expect(s.statuses).toEqual({ ok: 5, error: 1, cancelled: 1 });
    // sorted TTFT 80 100 120 150 200: p50 = 120; p90: h = 3.6 -> 150 + 0.6*50 = 180; p99: h = 3.96 -> 198
    expect(s.metrics.ttftMs).toMatchObject({
      count: 5,
      mean: 130,
      min: 80,
      max: 200,
      p50: 120,
      exact: true,
    });
    expect(s.metrics.ttftMs!.p90).toBeCloseTo(180, 9);
    expect(s.metrics.ttftMs!.p99).toBeCloseTo(198, 9);
    expect(s.metrics.e2eMs!.p50).toBe(1200);
    expect(s.metrics.refusalScore!.mean).toBeCloseTo(0.2, 12);
  });

  it("switches to the t-digest past exactLimit and stays close", () => {
    const random = mulberry32(7);
    const summarizer = new Summarizer({ exactLimit: 1000 });
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const v = -Math.log(1 - random()) * 100; // exponential latencies
      values.push(v);
      summarizer.addValue("e2eMs", v);
    }
    const m = summarizer.summary().metrics.e2eMs!;
    values.sort((a, b) => a - b);
    expect(m.exact).toBe(false);
    expect(m.count).toBe(20_000);
    for (const [q, est] of [
      [0.5, m.p50],
      [0.9, m.p90],
      [0.99, m.p99],
    ] as const) {
      const rank = values.findIndex((v) => v >= est) / values.length;
      expect(Math.abs(rank - q)).toBeLessThan(0.005);
    }
  });
});

describe("TDigest", () => {
  it("keeps bounded memory and exact extremes", () => {
    const digest = new TDigest({ compression: 100 });
    const random = mulberry32(1);
    for (let i = 0; i < 200_000; i++) digest.add(random() * 1000);
    expect(digest.centroids).toBeLessThan(200);
    expect(digest.quantile(0)).toBe(digest.min);
    expect(digest.quantile(1)).toBe(digest.max);
    expect(Math.abs(digest.quantile(0.5) - 500)).toBeLessThan(10);
  });

  it("estimates are monotone in q and within [min, max] (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), {
          minLength: 1,
          maxLength: 3000,
        }),
        (xs) => {
          const digest = new TDigest({ compression: 50 });
          for (const x of xs) digest.add(x);
          let previous = Number.NEGATIVE_INFINITY;
          for (let q = 0; q <= 1.0001; q += 0.05) {
            const v = digest.quantile(Math.min(q, 1));
            expect(v).toBeGreaterThanOrEqual(previous - 1e-9 * Math.abs(previous));
            expect(v).toBeGreaterThanOrEqual(Math.min(...xs));
            expect(v).toBeLessThanOrEqual(Math.max(...xs));
            previous = v;
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("merges digests", () => {
    const a = new TDigest();
    const b = new TDigest();
    for (let i = 0; i < 5000; i++) a.add(i);
    for (let i = 5000; i < 10_000; i++) b.add(i);
    a.merge(b);
    expect(a.count).toBe(10_000);
    expect(Math.abs(a.quantile(0.5) - 5000)).toBeLessThan(50);
    expect(Math.abs(a.quantile(0.99) - 9900)).toBeLessThan(20);
  });
});
