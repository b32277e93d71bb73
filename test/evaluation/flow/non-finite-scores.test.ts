/**
 * Scores that a model or a file produces are refused when they are not finite numbers: JSON
 * reads `1e309` as Infinity, and a lenient parser would then find a valid-looking score in it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FmopsError } from "../../../src/core/errors.js";
import { loadResume } from "../../../src/evaluation/evaluator/resume.js";
import { LlmJudge, Toxicity } from "../../../src/evaluation/index.js";
import { parseRecordsJsonl } from "../../../src/monitoring/jsonl-sink.js";
import { JudgeScoreError } from "../../../src/prompts/builtins/judge.js";
import { parseJudgeScore } from "../../../src/prompts/index.js";
import { FakeChatModel } from "../../../src/testing/index.js";
import { TINY_VOCAB, writeTinyClassifierModel } from "./tiny-classifier-model.js";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

describe("parseJudgeScore refuses what is not a finite integer from 1 to 10", () => {
  it.each([
    '{"score": 1e309}',
    '{"score": -1e309}',
    '{"score": "NaN"}',
    '{"score": "Infinity"}',
    '{"score": "-Infinity"}',
    '{"score": "1e309"}',
    '{"score": 5e-1}',
    '{"score": "0x8"}',
    '{"score": ""}',
    '{"score": null}',
    "score: 1e309",
    "score = 7e400",
    "score: Infinity",
    "score: NaN",
    // The judge's last word counts: an earlier valid score does not rescue a broken final one.
    'Draft: {"score": 7}\nFinal: {"score": 1e309}',
  ])("%s", (reply) => {
    const err = thrown(() => parseJudgeScore(reply));
    expect(err).toBeInstanceOf(JudgeScoreError);
    expect(err).toBeInstanceOf(FmopsError);
    expect(err).toMatchObject({ code: "JUDGE_SCORE_UNPARSEABLE", retryable: false });
  });

  it.each([
    ['{"score": 8}', 8],
    ['{"score": "8"}', 8],
    ['{"score": 8.0}', 8],
    ['{"score": 1e1}', 10],
    ["Reasoning.\nscore: 3", 3],
    ['{"reason": "no score here"} then score: 4', 4],
  ])("accepts %s", (reply, score) => {
    expect(parseJudgeScore(reply as string).score).toBe(score);
  });
});

describe("LlmJudge with a non-finite score", () => {
  const sample = { input: "Capital of France?", output: "Paris.", targets: ["Paris"] };

  it("asks once more, then refuses with JUDGE_SCORE_UNPARSEABLE", async () => {
    const judge = new FakeChatModel({
      supportsTools: false,
      responses: ['{"score": 1e309}', "score: 1e309"],
    });
    await expect(new LlmJudge({ model: judge }).evaluateSample(sample)).rejects.toBeInstanceOf(
      JudgeScoreError,
    );
    expect(judge.requests).toHaveLength(2);
  });

  it("takes the finite score of the second reply", async () => {
    const judge = new FakeChatModel({
      supportsTools: false,
      responses: ['{"score": 1e309}', '{"score": 8}'],
    });
    await expect(new LlmJudge({ model: judge }).evaluateSample(sample)).resolves.toEqual({
      judge_score: 8,
      judge_score_normalized: 7 / 9,
    });
  });
});

describe("scores read back from files", () => {
  const record = (score: string) =>
    `{"index":0,"line":1,"input":"q","targets":["a"],"scores":{"llm_judge":{"judge_score":${score}}}}`;
  async function* lines(...texts: string[]): AsyncGenerator<string> {
    for (const t of texts) yield `${t}\n`;
  }
  const load = (line: string) =>
    loadResume(lines(line), { algorithms: ["llm_judge"], onScored: () => undefined });

  it.each(["1e309", "-1e309"])("resume refuses a score of %s with the line", async (score) => {
    await expect(load(record(score))).rejects.toMatchObject({
      code: "EVAL_RESUME_INVALID",
      line: 1,
    });
  });

  it("resume still reads finite scores and null (a score that could not be computed)", async () => {
    const seen: number[] = [];
    const state = await loadResume(
      lines(record("8"), record("null").replace('"index":0', '"index":1')),
      {
        algorithms: ["llm_judge"],
        onScored: (_c, s) => void seen.push(s.llm_judge?.judge_score as number),
      },
    );
    expect(state.scored).toBe(2);
    expect(seen).toEqual([8, Number.NaN]);
  });

  it("monitoring records with a non-finite metric or latency are refused with the line", () => {
    const ok = '{"modelId":"m","e2eMs":12,"metrics":{"refusalScore":0.25}}';
    expect(parseRecordsJsonl(ok)[0]?.metrics).toEqual({ refusalScore: 0.25 });
    for (const bad of [
      '{"modelId":"m","e2eMs":12,"metrics":{"refusalScore":1e309}}',
      '{"modelId":"m","e2eMs":-1e309,"metrics":{}}',
      '{"modelId":"m","e2eMs":12,"ttftMs":1e309}',
    ]) {
      const err = thrown(() => parseRecordsJsonl(`${ok}\n${bad}\n`));
      expect(err).toMatchObject({ code: "VALIDATION_ERROR" });
      expect((err as Error).message).toMatch(/Line 2/);
    }
  });
});

describe("a classifier producing non-finite probabilities", () => {
  it("Toxicity refuses its output with MODEL_OUTPUT_INVALID instead of recording NaN", async () => {
    const root = await mkdtemp(join(tmpdir(), "fmops-nan-classifier-"));
    try {
      const folder = join(root, "nan");
      // Unknown words carry a NaN logit, so softmax gives NaN probabilities for them.
      const table = new Float32Array(TINY_VOCAB.length * 2);
      table.set([Number.NaN, 1], TINY_VOCAB.indexOf("[UNK]") * 2);
      await writeTinyClassifierModel(folder, table, ["non-toxic", "toxic"]);
      const algo = new Toxicity({ classifier: { model: folder } });
      try {
        const sample = { input: "q", output: "zzzq qqqz", targets: [] };
        await expect(algo.evaluateSample(sample)).rejects.toMatchObject({
          code: "MODEL_OUTPUT_INVALID",
        });
      } finally {
        await algo.dispose();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
