import { describe, expect, it } from "vitest";
import {
  checkGates,
  type EvalSample,
  type EvaluationRecord,
  evaluationSummary,
  FactualKnowledge,
  LlmJudge,
  ModelEvaluator,
  PrecomputedRunner,
  pairedDifferences,
  parseGate,
  QaAccuracy,
  renderEvaluationHtml,
  ScoreAccumulator,
} from "../../../src/evaluation/index.js";
import { formatInterval, MIN_INTERVAL_COUNT } from "../../../src/evaluation/internal.js";
import { FakeChatModel } from "../../../src/testing/index.js";

/** `n` samples whose exact match alternates 1, 0, 1, ... */
function alternating(n: number): EvalSample[] {
  return Array.from({ length: n }, (_, i) => ({
    targets: ["yes"],
    output: i % 2 === 0 ? "yes" : "no",
  }));
}

describe("confidence intervals within a score's range (#17)", () => {
  it("clips the interval of a [0, 1] score and marks it as from too few records", async () => {
    const summary = await new QaAccuracy().evaluate(alternating(2));
    const em = summary.exact_match_score;
    // Unclipped this is 0.5 ± 6.353: nothing a rate can be.
    expect(em?.ci95).toEqual({ lower: 0, upper: 1 });
    expect(em?.clipped).toBe(true);
    expect(em?.smallSample).toBe(true);
  });

  it("leaves an interval inside the range alone and stops marking at the documented minimum", async () => {
    const summary = await new QaAccuracy().evaluate(alternating(MIN_INTERVAL_COUNT));
    const em = summary.exact_match_score;
    expect(em?.count).toBe(MIN_INTERVAL_COUNT);
    expect(em?.ci95?.lower).toBeGreaterThan(0);
    expect(em?.ci95?.upper).toBeLessThan(1);
    expect(em?.clipped).toBeUndefined();
    expect(em?.smallSample).toBeUndefined();

    const fewer = await new QaAccuracy().evaluate(alternating(MIN_INTERVAL_COUNT - 1));
    expect(fewer.exact_match_score?.smallSample).toBe(true);
    expect(MIN_INTERVAL_COUNT).toBe(30);
  });

  it("clips a score to its own declared range (judge_score is 1 to 10)", async () => {
    const judge = new LlmJudge({
      model: new FakeChatModel({
        supportsTools: false,
        responses: ['{"score": 10}', '{"score": 9}'],
      }),
    });
    expect(judge.scoreRange("judge_score")).toEqual({ min: 1, max: 10 });
    expect(judge.scoreRange("judge_score_normalized")).toEqual({ min: 0, max: 1 });
    const summary = await judge.evaluate([
      { input: "q1", output: "a1", targets: [] },
      { input: "q2", output: "a2", targets: [] },
    ]);
    // 9.5 ± 6.353 -> [3.147, 10]: the lower bound stays, the upper one stops at 10.
    expect(summary.judge_score?.ci95?.lower).toBeCloseTo(9.5 - 6.353, 10);
    expect(summary.judge_score?.ci95?.upper).toBe(10);
    expect(summary.judge_score?.clipped).toBe(true);
  });

  it("never clips a score without a declared range", () => {
    const acc = new ScoreAccumulator();
    acc.add(0);
    acc.add(1);
    const s = acc.summary();
    expect(s?.ci95?.upper).toBeCloseTo(0.5 + 6.353, 10);
    expect(s?.clipped).toBeUndefined();
    expect(s?.smallSample).toBe(true);
    const ranged = acc.summary({ min: 0, max: 1 });
    expect(ranged?.ci95).toEqual({ lower: 0, upper: 1 });
  });

  it("does not clip when the mean itself is outside the declared range (a wrong declaration)", () => {
    const acc = new ScoreAccumulator();
    acc.add(2);
    acc.add(3);
    const s = acc.summary({ min: 0, max: 1 });
    expect(s?.ci95?.lower).toBeCloseTo(2.5 - 6.353, 10);
    expect(s?.clipped).toBeUndefined();
  });

  it("carries the clipping and the mark through ModelEvaluator, the summary JSON and the HTML report", async () => {
    const records = alternating(4).map((s, i) => ({
      index: i,
      line: i + 1,
      input: `q${i}`,
      targets: [...s.targets],
      data: { out: s.output },
    }));
    const result = await new ModelEvaluator({
      runner: new PrecomputedRunner({ output: "out" }),
      algorithms: [new QaAccuracy(), new FactualKnowledge()],
    }).evaluate(records);
    const em = result.scores.qa_accuracy?.exact_match_score;
    expect(em?.ci95).toEqual({ lower: 0, upper: 1 });
    expect(em?.smallSample).toBe(true);

    const summary = JSON.parse(JSON.stringify(evaluationSummary(result)));
    const stored = summary.models[0].scores.qa_accuracy.exact_match_score;
    expect(stored).toMatchObject({
      ci95: { lower: 0, upper: 1 },
      clipped: true,
      smallSample: true,
    });

    const html = renderEvaluationHtml(summary);
    expect(html).toContain("[0.000, 1.000]");
    expect(html).not.toContain("± 0.919");
    expect(html).toMatch(/fewer than 30 records/);
  });

  it("formats a clipped interval as its bounds and an unclipped one as a half-width", () => {
    const f = (v: number) => v.toFixed(2);
    expect(
      formatInterval(
        { mean: 0.5, ci95: { lower: 0, upper: 1 }, clipped: true, smallSample: true, count: 2 },
        f,
      ),
    ).toBe("[0.00, 1.00]*");
    expect(formatInterval({ mean: 0.5, ci95: { lower: 0.4, upper: 0.6 }, count: 40 }, f)).toBe(
      "± 0.10",
    );
    expect(formatInterval({ mean: 1, ci95: null, count: 1 }, f)).toBeNull();
  });

  it("marks paired differences and gate verdicts that rest on too few records", async () => {
    const run = async (right: (i: number) => boolean) => {
      const records: EvaluationRecord[] = [];
      const result = await new ModelEvaluator({
        runner: new PrecomputedRunner({ output: "out" }),
        algorithms: [new QaAccuracy()],
      }).evaluate(
        alternating(4).map((s, i) => ({
          index: i,
          line: i + 1,
          input: `q${i}`,
          targets: [...s.targets],
          data: { out: right(i) ? "yes" : "no" },
        })),
        { output: (line) => void records.push(JSON.parse(line)) },
      );
      return { records, summary: evaluationSummary(result) };
    };
    const base = await run((i) => i < 2);
    const cand = await run((i) => i < 3);
    const d = pairedDifferences(cand.records, base.records, "qa_accuracy.exact_match_score");
    expect(d.count).toBe(4);
    expect(d.smallSample).toBe(true);

    const report = checkGates(
      cand.summary,
      [parseGate("exact_match_score >= 0.5"), parseGate("exact_match_score drop > 0.1")],
      { baseline: base.summary, records: cand.records, baselineRecords: base.records },
    );
    for (const v of report.verdicts) expect(v.detail).toContain("fewer than 30 records");
  });
});
