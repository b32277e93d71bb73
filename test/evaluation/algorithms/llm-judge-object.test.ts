/**
 * LlmJudge asks models that can give objects (tool use, constrained decoding) for a verdict
 * object through generateObject. Prose, malformed JSON and out-of-range numbers are repaired a
 * bounded number of times and otherwise fail the record with JUDGE_SCORE_UNPARSEABLE: never a
 * NaN, never a clamped score.
 */
import { describe, expect, it } from "vitest";
import { messageText } from "../../../src/core/chat.js";
import {
  type DatasetRecord,
  type EvaluationRecord,
  LlmJudge,
  ModelEvaluator,
  PrecomputedRunner,
} from "../../../src/evaluation/index.js";
import { FakeChatModel } from "../../../src/testing/index.js";

const sample = { input: "What is the capital of France?", output: "Paris.", targets: ["Paris"] };
const verdict = (score: unknown, reasoning = "Correct and brief.") => ({
  toolCalls: [{ name: "verdict", input: { reasoning, score } }],
});

describe("LlmJudge through generateObject", () => {
  it("forces the verdict tool and takes its score", async () => {
    const model = new FakeChatModel({ responses: [verdict(9)] });
    const scores = await new LlmJudge({ model }).evaluateSample(sample);
    expect(scores).toEqual({ judge_score: 9, judge_score_normalized: 8 / 9 });
    expect(model.requests[0]?.toolChoice).toEqual({ name: "verdict" });
    // The fenced prompt and its security rule are unchanged.
    expect(model.requests[0]?.system).toMatch(/Security rule:/);
    expect(messageText(model.requests[0]?.messages[0] ?? { content: "" })).toContain("Paris.");
  });

  it("repairs a judge that answers in prose, then fails the sample after the bounded repairs", async () => {
    const model = new FakeChatModel({
      responses: ["Looks right to me, I'd give it a nine.", verdict(9)],
    });
    expect(await new LlmJudge({ model }).evaluateSample(sample)).toMatchObject({ judge_score: 9 });
    expect(JSON.stringify(model.requests[1]?.messages)).toMatch(
      /No call to the \\"verdict\\" tool/,
    );

    const prose = new FakeChatModel({ responses: () => "A solid answer overall." });
    const err = await new LlmJudge({ model: prose }).evaluateSample(sample).catch((e) => e);
    expect(err).toMatchObject({ code: "JUDGE_SCORE_UNPARSEABLE", retryable: false });
    expect(err.message).toMatch(/3 attempts/);
    expect(prose.calls).toBe(3);
  });

  it("repairs malformed JSON from a constrained-decoding judge", async () => {
    const model = new FakeChatModel({
      structuredOutput: "constrained",
      responses: ['{"reasoning": "Correct.", "score": 8', '{"reasoning": "Correct.", "score": 8}'],
    });
    expect(await new LlmJudge({ model }).evaluateSample(sample)).toMatchObject({ judge_score: 8 });
    expect(model.requests[0]?.responseFormat?.name).toBe("verdict");
    const repair = messageText(model.requests[1]?.messages.at(-1) ?? { content: "" });
    expect(repair).toMatch(/JSON does not parse/);
  });

  it("never clamps an out-of-range or fractional score: it is repaired, else the sample fails", async () => {
    const model = new FakeChatModel({ responses: [verdict(11), verdict(7.5), verdict(10)] });
    expect(await new LlmJudge({ model }).evaluateSample(sample)).toMatchObject({
      judge_score: 10,
    });
    const repairs = model.requests.slice(1).map((r) => JSON.stringify(r.messages.at(-1)));
    expect(repairs[0]).toMatch(/score: Too big/);
    expect(repairs[1]).toMatch(/score: Invalid input: expected int/);

    const stubborn = new FakeChatModel({ responses: () => verdict(11) });
    await expect(new LlmJudge({ model: stubborn }).evaluateSample(sample)).rejects.toMatchObject({
      code: "JUDGE_SCORE_UNPARSEABLE",
      message: /score/,
    });
    const nan = new FakeChatModel({ responses: () => verdict("NaN") });
    await expect(new LlmJudge({ model: nan }).evaluateSample(sample)).rejects.toMatchObject({
      code: "JUDGE_SCORE_UNPARSEABLE",
    });
  });

  it("ModelEvaluator records an unrepairable verdict as that record's failure and keeps NaN out of the means", async () => {
    const records: DatasetRecord[] = [0, 1, 2].map((i) => ({
      index: i,
      line: i + 1,
      input: `q${i}`,
      targets: [`a${i}`],
      data: { out: `a${i}` },
    }));
    // Record q1 always gets an out-of-range score; the others a valid one.
    const model = new FakeChatModel({
      responses: (request) =>
        messageText(request.messages[0] ?? { content: "" }).includes("q1")
          ? verdict(42)
          : verdict(6),
    });
    const lines: string[] = [];
    const result = await new ModelEvaluator({
      runner: new PrecomputedRunner({ output: "out" }),
      algorithms: [new LlmJudge({ model })],
      retry: { maxAttempts: 1 },
    }).evaluate(records, { output: (l) => void lines.push(l) });
    expect(result.failures).toEqual({ JUDGE_SCORE_UNPARSEABLE: 1 });
    const failed = lines.map((l) => JSON.parse(l) as EvaluationRecord).find((r) => r.index === 1);
    expect(failed?.error).toMatchObject({ code: "JUDGE_SCORE_UNPARSEABLE", stage: "scoring" });
    expect(result.scores.llm_judge?.judge_score?.count).toBe(2);
    expect(result.scores.llm_judge?.judge_score?.mean).toBe(6);
  });
});
