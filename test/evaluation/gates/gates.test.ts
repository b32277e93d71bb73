import { describe, expect, it } from "vitest";
import { tCritical95 } from "../../../src/evaluation/algorithms/stats.js";
import { formatGate } from "../../../src/evaluation/gates/gates.js";
import {
  checkGates,
  EvalAlgorithmBase,
  type EvaluationRecord,
  evaluationSummary,
  type Gate,
  gateReportJunit,
  ModelEvaluator,
  type PairableRecord,
  PairingMismatchError,
  PrecomputedRunner,
  pairedDifferences,
  parseGate,
  QaAccuracy,
} from "../../../src/evaluation/index.js";

/** Records q0..q(n-1) whose field `out` is right (equals the target) where `right(i)`. */
function dataset(n: number, right: (i: number) => boolean) {
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    line: i + 1,
    input: `q${i}`,
    targets: [`answer ${i}`],
    data: { out: right(i) ? `answer ${i}` : "nothing" },
  }));
}

/** Runs the real evaluator over precomputed outputs and keeps the records it writes. */
async function run(n: number, right: (i: number) => boolean) {
  const records: EvaluationRecord[] = [];
  const result = await new ModelEvaluator({
    runner: new PrecomputedRunner({ output: "out" }),
    algorithms: [new QaAccuracy()],
  }).evaluate(dataset(n, right), { output: (l) => void records.push(JSON.parse(l)) });
  return { result, records, summary: evaluationSummary(result) };
}

describe("parseGate and formatGate", () => {
  it("reads drop and threshold expressions and writes them back", () => {
    expect(parseGate("qa_accuracy.f1_score drop > 0.02")).toEqual({
      kind: "drop",
      metric: "qa_accuracy.f1_score",
      maxDrop: 0.02,
    });
    expect(parseGate("  f1_score>=0.8 ")).toEqual({
      kind: "threshold",
      metric: "f1_score",
      op: ">=",
      value: 0.8,
    });
    expect(parseGate("qa_accuracy.exact_match_score < 1e-1")).toMatchObject({
      op: "<",
      value: 0.1,
    });
    for (const text of ["qa_accuracy.f1_score drop > 0.02", "f1_score >= 0.8"]) {
      expect(formatGate(parseGate(text))).toBe(text);
    }
    expect(formatGate({ kind: "latency", percentile: "p90", maxMs: 800 })).toBe(
      "latency p90 <= 800 ms",
    );
    expect(formatGate({ kind: "failureRate", max: 0.05 })).toBe("failure rate <= 0.05");
  });

  it("rejects what it cannot read, saying the forms it takes", () => {
    for (const bad of ["f1 drop 0.02", "f1 >= high", ">= 0.8", "f1 == 0.8", "f1 drop > -1"]) {
      expect(() => parseGate(bad), bad).toThrow(/"<metric> drop > <number>"/);
    }
  });
});

describe("checkGates", () => {
  it("passes and fails thresholds, latency and failure rate, naming actual and limit", async () => {
    const { summary } = await run(10, (i) => i < 7);
    const report = checkGates(summary, [
      parseGate("f1_score >= 0.8"),
      parseGate("qa_accuracy.exact_match_score >= 0.5"),
      { kind: "failureRate", max: 0 },
      { kind: "latency", percentile: "p90", maxMs: 60_000 },
    ]);
    expect(report.passed).toBe(false);
    expect(report.comparison).toBe("none");
    expect(report.verdicts.map((v) => [v.name, v.passed])).toEqual([
      ["f1_score >= 0.8", false],
      ["qa_accuracy.exact_match_score >= 0.5", true],
      ["failure rate <= 0", true],
      ["latency p90 <= 60000 ms", true],
    ]);
    expect(report.verdicts[0]).toMatchObject({
      metric: "qa_accuracy.f1_score",
      actual: 0.7,
      limit: 0.8,
    });
  });

  it("compares means with only a baseline summary, and says so", async () => {
    const base = await run(10, (i) => i < 8);
    const cand = await run(10, (i) => i < 7);
    const report = checkGates(cand.summary, [parseGate("f1_score drop > 0.05")], {
      baseline: base.summary,
    });
    expect(report.comparison).toBe("means");
    const [v] = report.verdicts;
    expect(v?.passed).toBe(false);
    expect(v?.actual).toBeCloseTo(0.1, 12);
    expect(v?.method).toBe("difference-of-means");
    expect(v?.detail).toMatch(/means only/);
    expect(
      checkGates(cand.summary, [parseGate("f1_score drop > 0.2")], { baseline: base.summary })
        .passed,
    ).toBe(true);
  });

  it("uses paired differences with a paired t interval when both runs' records are given", async () => {
    // The candidate also gets records 7 and 8 right: two wins, no loss.
    const base = await run(10, (i) => i >= 2 && i < 7);
    const cand = await run(10, (i) => i >= 2 && i < 9);
    const report = checkGates(cand.summary, [parseGate("f1_score drop > 0.02")], {
      baseline: base.summary,
      records: cand.records,
      baselineRecords: base.records,
    });
    expect(report.comparison).toBe("paired");
    const [v] = report.verdicts;
    expect(v?.method).toBe("paired-t-95");
    expect(v?.paired).toMatchObject({ count: 10, wins: 2, ties: 8, losses: 0 });
    // Differences: two 1s and eight 0s. Mean 0.2, sd sqrt(0.4 * 0.6 * 10 / 9).
    const sd = Math.sqrt((2 * 0.8 ** 2 + 8 * 0.2 ** 2) / 9);
    const half = (tCritical95(9) * sd) / Math.sqrt(10);
    expect(v?.paired?.meanDifference).toBeCloseTo(0.2, 12);
    expect(v?.paired?.ci95?.lower).toBeCloseTo(0.2 - half, 12);
    expect(v?.actual).toBeCloseTo(-0.2, 12);
    expect(v?.passed).toBe(true);
  });

  it("fails a paired drop and leaves out records that failed in either run", async () => {
    const base = await run(6, () => true);
    const cand = await run(6, (i) => i !== 2);
    const failed = cand.records.map((r) =>
      r.index === 5 ? { ...r, error: { code: "X", message: "x" }, scores: {} } : r,
    );
    const report = checkGates(cand.summary, [parseGate("f1_score drop > 0.1")], {
      baseline: base.summary,
      records: failed,
      baselineRecords: base.records,
    });
    expect(report.verdicts[0]?.paired).toMatchObject({ count: 5, losses: 1, unpaired: 1 });
    expect(report.verdicts[0]?.actual).toBeCloseTo(0.2, 12);
    expect(report.passed).toBe(false);
  });

  it("refuses records of different datasets, and gates that cannot be checked", async () => {
    const base = await run(3, () => true);
    const other = base.records.map((r) => (r.index === 1 ? { ...r, input: "changed" } : r));
    expect(() => pairedDifferences(other, base.records, "qa_accuracy.f1_score")).toThrow(
      PairingMismatchError,
    );
    expect(() => checkGates(base.summary, [parseGate("f1_score drop > 0.1")])).toThrow(
      /needs a baseline/,
    );
    expect(() => checkGates(base.summary, [parseGate("nope >= 1")])).toThrow(
      /no score "nope".*qa_accuracy\.f1_score/s,
    );
    const bad = [{ kind: "threshold", metric: "f1_score", op: "~", value: 1 }] as unknown as Gate[];
    expect(() => checkGates(base.summary, bad)).toThrow(/gates: 0\.op/);
  });

  it("fails a latency gate when the run has no latency", () => {
    const summary = evaluationSummary({
      modelId: "m",
      numRecords: 0,
      numFailed: 0,
      scores: {},
      categories: {},
    });
    const report = checkGates(summary, [{ kind: "latency", percentile: "p90", maxMs: 1 }]);
    expect(report.verdicts[0]).toMatchObject({ passed: false, actual: null });
  });
});

describe("checkGates: intervals within the score's range (#17)", () => {
  /** Records of a user's algorithm `custom` with one score per record. */
  function custom(score: string, values: readonly number[]): PairableRecord[] {
    return values.map((value, index) => ({
      index,
      input: `q${index}`,
      targets: ["t"],
      scores: { custom: { [score]: value } },
    }));
  }
  const summaryOf = (score: string) =>
    evaluationSummary({
      modelId: "m",
      numRecords: 3,
      numFailed: 0,
      scores: { custom: { [score]: { count: 3, mean: 0.5, stdDev: 0.5, ci95: null } } },
      categories: {},
    });

  it("clips a paired drop's interval of a built-in 0-1 score to -1 .. 1 and says so", async () => {
    // Exact match per record: candidate 1, 0, 1; baseline 0, 1, 1. Differences 1, -1, 0: the
    // paired t interval is 0 ± 2.4843, which the verdict used to print as it was.
    const base = await run(3, (i) => i !== 0);
    const cand = await run(3, (i) => i !== 1);
    const report = checkGates(cand.summary, [parseGate("exact_match_score drop > 0.5")], {
      baseline: base.summary,
      records: cand.records,
      baselineRecords: base.records,
    });
    const [v] = report.verdicts;
    expect(v?.paired?.ci95).toEqual({ lower: -1, upper: 1 });
    expect(v?.paired?.clipped).toBe(true);
    expect(v?.paired?.smallSample).toBe(true);
    expect(v?.detail).toContain("paired t 95% CI -1 to 1 (clipped to the range of a difference");
    expect(v?.detail).toContain("fewer than 30 records");
    expect(v?.detail).not.toContain("2.4843");
    expect(v?.passed).toBe(true);
  });

  it("says when a threshold's interval was clipped to the score's range", async () => {
    const { summary } = await run(2, (i) => i === 0);
    const [v] = checkGates(summary, [parseGate("exact_match_score >= 0.4")]).verdicts;
    expect(v?.detail).toContain("95% CI 0 to 1 (clipped to the score's range; from fewer than 30");
  });

  it("leaves a user's score without a declared range unclipped, but marked", () => {
    const report = checkGates(summaryOf("chars"), [parseGate("chars drop > 1")], {
      baseline: summaryOf("chars"),
      records: custom("chars", [1, 0, 1]),
      baselineRecords: custom("chars", [0, 1, 1]),
    });
    const [v] = report.verdicts;
    expect(v?.paired?.ci95?.upper).toBeCloseTo(2.4843, 4);
    expect(v?.paired?.clipped).toBeUndefined();
    expect(v?.paired?.smallSample).toBe(true);
    expect(v?.detail).not.toContain("clipped");
    expect(v?.detail).toContain("fewer than 30 records");
  });

  it("clips a user's score to the range its algorithm declares, given the algorithms", () => {
    class Custom extends EvalAlgorithmBase {
      readonly name = "custom";
      readonly scores = { ratio: { min: 0, max: 1 } };
      protected async scoreSample() {
        return { ratio: 0 };
      }
    }
    const report = checkGates(summaryOf("ratio"), [parseGate("ratio drop > 1")], {
      baseline: summaryOf("ratio"),
      records: custom("ratio", [1, 0, 1]),
      baselineRecords: custom("ratio", [0, 1, 1]),
      algorithms: [new Custom()],
    });
    expect(report.verdicts[0]?.paired?.ci95).toEqual({ lower: -1, upper: 1 });
    expect(report.verdicts[0]?.paired?.clipped).toBe(true);
  });
});

describe("gateReportJunit", () => {
  it("writes one test case per gate, with a failure element for each failed gate, escaped", async () => {
    const { summary } = await run(4, (i) => i < 3);
    const report = checkGates(summary, [parseGate("f1_score >= 0.9"), parseGate("f1_score < 0.9")]);
    const xml = gateReportJunit(report, { suiteName: 'qa <"gate">' });
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(xml).toContain('<testsuites name="fmops eval gates" tests="2" failures="1">');
    expect(xml).toContain('<testsuite name="qa &lt;&quot;gate&quot;&gt;" tests="2" failures="1"');
    expect(xml).toContain('<testcase classname="fmops.eval.gates" name="f1_score &gt;= 0.9">');
    expect(xml).toMatch(/<failure message="[^"]*0\.75[^"]*" type="gate">/);
    expect(xml).toContain('<testcase classname="fmops.eval.gates" name="f1_score &lt; 0.9"/>');
    expect(xml.match(/<failure /g)).toHaveLength(1);
  });
});
