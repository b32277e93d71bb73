import { describe, expect, it } from "vitest";
import { UNIT_RANGE } from "../../../src/evaluation/algorithms/stats.js";
import { builtInScoreRange } from "../../../src/evaluation/compare/score-ranges.js";
import {
  compareCandidates,
  type EvalAlgorithm,
  EvalAlgorithmBase,
  FactualKnowledge,
  LlmJudge,
  type PairableRecord,
  PrecomputedRunner,
  pairedDifferences,
  QaAccuracy,
  RetrievalAccuracy,
  SqlAccuracy,
  SummarizationAccuracy,
  Toxicity,
} from "../../../src/evaluation/index.js";
import { FakeChatModel } from "../../../src/testing/index.js";
import type { SqlEngine } from "../../../src/text2sql/index.js";

const EM = "qa_accuracy.exact_match_score";

/** One run's records over q0..q(n-1), the exact match of each given. */
function records(exact: readonly number[]): PairableRecord[] {
  return exact.map((value, index) => ({
    index,
    input: `q${index}`,
    targets: ["yes"],
    scores: { qa_accuracy: { exact_match_score: value } },
  }));
}

describe("paired-difference intervals within the difference's range (#17)", () => {
  // Differences 1 - 0, 0 - 1, 1 - 1: mean 0, s = 1, t(0.975, 2) = 4.303, half-width
  // 4.303 / sqrt(3) = 2.4843, which gates used to print for a difference of two 0-1 scores.
  const candidate = records([1, 0, 1]);
  const baseline = records([0, 1, 1]);

  it("cuts the interval to [min - max, max - min] of the score's range and marks it", () => {
    const d = pairedDifferences(candidate, baseline, EM, { range: UNIT_RANGE });
    expect(d.meanDifference).toBe(0);
    expect(d.ci95).toEqual({ lower: -1, upper: 1 });
    expect(d.clipped).toBe(true);
    expect(d.smallSample).toBe(true);
  });

  it("cuts a 1 to 10 score's differences to -9 .. 9, one side only when only one side overflows", () => {
    const judge = (values: readonly number[]): PairableRecord[] =>
      values.map((value, index) => ({
        index,
        input: `q${index}`,
        targets: [],
        scores: { llm_judge: { judge_score: value } },
      }));
    // Differences 9, 9, 0: mean 6, s = 5.196, half-width 12.91: [-6.91, 18.91] -> [-6.91, 9].
    const d = pairedDifferences(judge([10, 10, 5]), judge([1, 1, 5]), "llm_judge.judge_score", {
      range: { min: 1, max: 10 },
    });
    expect(d.ci95?.upper).toBe(9);
    expect(d.ci95?.lower).toBeCloseTo(6 - (4.303 * Math.sqrt(27)) / Math.sqrt(3), 10);
    expect(d.clipped).toBe(true);
  });

  it("leaves the interval whole, marked as from few records, without a range or with an open one", () => {
    for (const range of [undefined, { min: 0 }, { max: 1 }]) {
      const d = pairedDifferences(candidate, baseline, EM, range ? { range } : {});
      expect(d.ci95?.upper).toBeCloseTo(4.303 / Math.sqrt(3), 10);
      expect(d.clipped).toBeUndefined();
      expect(d.smallSample).toBe(true);
    }
    expect(pairedDifferences(candidate, baseline, EM).ci95?.lower).toBeCloseTo(-2.4843, 4);
  });

  it("does not mark an interval that fits inside the range", () => {
    const many = (n: number, right: (i: number) => boolean) =>
      records(Array.from({ length: n }, (_, i) => (right(i) ? 1 : 0)));
    const d = pairedDifferences(
      many(40, (i) => i < 30),
      many(40, (i) => i < 20),
      EM,
      { range: UNIT_RANGE },
    );
    expect(d.ci95?.lower).toBeGreaterThan(-1);
    expect(d.ci95?.upper).toBeLessThan(1);
    expect(d.clipped).toBeUndefined();
    expect(d.smallSample).toBeUndefined();
  });

  it("compareCandidates cuts each difference to the range its algorithm declares", async () => {
    const dataset = [
      { out: "yes", alt: "no" },
      { out: "no", alt: "yes" },
      { out: "yes", alt: "yes" },
    ].map((data, index) => ({
      index,
      line: index + 1,
      input: `q${index}`,
      targets: ["yes"],
      data,
    }));
    /** A user's algorithm whose score has no declared range: `length` of the output. */
    class Length extends EvalAlgorithmBase {
      readonly name = "length";
      readonly scores = { chars: {} };
      protected async scoreSample(sample: { output: string }) {
        return { chars: sample.output.length };
      }
    }
    const result = await compareCandidates({
      dataset,
      candidates: [
        { name: "base", runner: new PrecomputedRunner({ output: "out" }) },
        { name: "alt", runner: new PrecomputedRunner({ output: "alt" }) },
      ],
      algorithms: [new QaAccuracy(), new Length()],
    });
    const metrics = result.differences[0]?.metrics ?? [];
    const em = metrics.find((m) => m.metric === EM);
    expect(em?.ci95).toEqual({ lower: -1, upper: 1 });
    expect(em?.clipped).toBe(true);
    expect(em?.smallSample).toBe(true);
    const chars = metrics.find((m) => m.metric === "length.chars");
    expect(chars?.clipped).toBeUndefined();
    expect(chars?.smallSample).toBe(true);
  });
});

describe("builtInScoreRange", () => {
  const engine: SqlEngine = {
    dialect: "duckdb",
    validate: async () => ({ ok: true }),
    execute: async () => ({ columns: [], rows: [], stats: {} }),
  } as unknown as SqlEngine;
  const builtIns: EvalAlgorithm[] = [
    new QaAccuracy(),
    new FactualKnowledge(),
    new SummarizationAccuracy(),
    new LlmJudge({ model: new FakeChatModel({ responses: [] }) }),
    new Toxicity({
      classifier: {
        model: "unused",
        loadLibrary: async () => {
          throw new Error("not loaded in this test");
        },
      },
    }),
    new SqlAccuracy({ engine }),
    new RetrievalAccuracy({ k: 3 }),
  ];

  it("agrees with every built-in algorithm's own declaration, score by score", () => {
    for (const algorithm of builtIns) {
      const base = algorithm as EvalAlgorithmBase;
      for (const score of Object.keys(base.scores)) {
        expect(
          builtInScoreRange(`${algorithm.name}.${score}`),
          `${algorithm.name}.${score}`,
        ).toEqual(algorithm.scoreRange?.(score));
      }
      // Names the algorithm does not list (a classifier's labels) take its `otherScores`.
      expect(builtInScoreRange(`${algorithm.name}.some_label`), algorithm.name).toEqual(
        algorithm.scoreRange?.("some_label"),
      );
    }
  });

  it("knows nothing of other algorithms' scores", () => {
    expect(builtInScoreRange("length.chars")).toBeUndefined();
    expect(builtInScoreRange("qa_accuracy")).toBeUndefined();
  });
});
