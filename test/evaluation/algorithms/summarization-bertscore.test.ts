import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BertScorer, SummarizationAccuracy } from "../../../src/evaluation/index.js";
import { writeBertScoreModel } from "../metrics/bertscore-model.js";

let root: string;
let folder: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fmops-summarization-bertscore-"));
  folder = join(root, "tiny-bertscore");
  await writeBertScoreModel(folder);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("SummarizationAccuracy with BERTScore", () => {
  it("reports bertscore, the best BERTScore F1 over the targets, next to rouge and meteor", async () => {
    const bertScore = new BertScorer({ model: folder });
    const algo = new SummarizationAccuracy({ bertScore });
    // Against "hello world" every token of "dogs and" has cosine 0 (F1 0); against
    // "cats and the" the worked case of the metric tests gives F1 = 88/115.
    const scores = await algo.evaluateSample({
      targets: ["hello world", "cats and the"],
      output: "dogs and",
    });
    expect(Object.keys(scores).sort()).toEqual(["bertscore", "meteor", "rouge"]);
    expect(scores.bertscore).toBeCloseTo(88 / 115, 6);
    // The other scores are unchanged by the option.
    const without = await new SummarizationAccuracy().evaluateSample({
      targets: ["hello world", "cats and the"],
      output: "dogs and",
    });
    expect({ rouge: scores.rouge, meteor: scores.meteor }).toEqual(without);
    await bertScore.dispose();
  });

  it("keeps a negative rescaled F1 as the maximum instead of flooring it at 0", async () => {
    const bertScore = new BertScorer({
      model: folder,
      baseline: { precision: 0.5, recall: 0.5, f1: 0.5 },
    });
    const algo = new SummarizationAccuracy({ bertScore, meteor: false });
    // F1 0 with both targets; rescaled (0 - 0.5) / 0.5 = -1.
    const scores = await algo.evaluateSample({ targets: ["hello", "world"], output: "cats" });
    expect(scores).toEqual({ rouge: 0, bertscore: -1 });
  });

  it("averages bertscore over samples and passes the signal to the model", async () => {
    const algo = new SummarizationAccuracy({
      bertScore: new BertScorer({ model: folder }),
      meteor: false,
    });
    const summary = await algo.evaluate([
      { targets: ["hello world"], output: "hello world" },
      { targets: ["hello"], output: "world" },
    ]);
    expect(summary.bertscore?.count).toBe(2);
    expect(summary.bertscore?.mean).toBeCloseTo(0.5, 6);
    await expect(
      algo.evaluateSample(
        { targets: ["hello"], output: "hello" },
        { signal: AbortSignal.abort(new Error("stop")) },
      ),
    ).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("rejects a bertScore without scoreBatch", () => {
    expect(
      () =>
        new SummarizationAccuracy({
          bertScore: {
            score: async () => ({ precision: 1, recall: 1, f1: 1 }),
          } as unknown as BertScorer,
        }),
    ).toThrowError(
      expect.objectContaining({
        code: "VALIDATION_ERROR",
        message: expect.stringMatching(/bertScore/),
      }),
    );
  });
});
