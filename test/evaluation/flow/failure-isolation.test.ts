import { describe, expect, it } from "vitest";
import { messageText } from "../../../src/core/chat.js";
import { FmopsError } from "../../../src/core/errors.js";
import {
  type DatasetRecord,
  type EvalAlgorithm,
  EvaluationFailedError,
  type EvaluationProgress,
  type EvaluationRecord,
  LlmJudge,
  ModelEvaluator,
  PrecomputedRunner,
  QaAccuracy,
} from "../../../src/evaluation/index.js";
import { FakeChatModel } from "../../../src/testing/index.js";

/** Records "q<i>" whose precomputed output is "a<i>"; the target matches it on even indexes. */
function records(n: number): DatasetRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    line: i + 1,
    input: `q${i}`,
    targets: [i % 2 === 0 ? `a${i}` : `other ${i}`],
    category: i % 3 === 0 ? "geo" : "math",
    data: { out: `a${i}` },
  }));
}

/** A judge that grades q<i> with 1 + (i mod 10), and never gives a readable score on `bad` records. */
function judge(bad: (i: number) => boolean): FakeChatModel {
  return new FakeChatModel({
    supportsTools: false,
    responses: async (request) => {
      const text = messageText(request.messages[0] ?? { content: "" });
      const i = Number(/Question:\n<<<UNTRUSTED DATA \w+ QUESTION 1>>>\nq(\d+)/.exec(text)?.[1]);
      // Different records finish in different orders under concurrency.
      for (let t = 0; t < (i * 3) % 5; t++) await new Promise((r) => setImmediate(r));
      return bad(i) ? "It is fine, I suppose." : `{"score": ${1 + (i % 10)}}`;
    },
  });
}

const BAD = (i: number) => i % 5 === 3;

function evaluator(
  options: {
    maxFailureRate?: number;
    signal?: AbortSignal;
    onProgress?: (p: EvaluationProgress) => void;
  } = {},
) {
  return new ModelEvaluator({
    runner: new PrecomputedRunner({ output: "out" }),
    algorithms: [new QaAccuracy(), new LlmJudge({ model: judge(BAD) })],
    concurrency: 3,
    retry: { maxAttempts: 1 },
    ...options,
  });
}

describe("ModelEvaluator failure isolation", () => {
  it("records a record whose judge reply has no score, leaves it out of the means, and counts it by reason", async () => {
    const data = records(20);
    const lines: string[] = [];
    const result = await evaluator().evaluate(data, { output: (l) => void lines.push(l) });

    const failedIdx = data.map((r) => r.index).filter(BAD);
    expect(result.numRecords).toBe(20);
    expect(result.numFailed).toBe(failedIdx.length);
    expect(result.status).toBe("completed_with_failures");
    expect(result.failures).toEqual({ JUDGE_SCORE_UNPARSEABLE: failedIdx.length });

    const written = lines.map((l) => JSON.parse(l) as EvaluationRecord);
    expect(written).toHaveLength(20);
    for (const r of written.filter((w) => BAD(w.index))) {
      expect(r.error).toMatchObject({
        code: "JUDGE_SCORE_UNPARSEABLE",
        stage: "scoring",
        algorithm: "llm_judge",
      });
      // The model output is kept, so the failure can be read next to what was judged.
      expect(r.output).toBe(`a${r.index}`);
    }

    // The means are over the good records only, for every algorithm alike (paired).
    const good = data.filter((r) => !BAD(r.index));
    const judgeMean = good.reduce((s, r) => s + 1 + (r.index % 10), 0) / good.length;
    expect(result.scores.llm_judge?.judge_score?.count).toBe(good.length);
    expect(result.scores.llm_judge?.judge_score?.mean).toBeCloseTo(judgeMean, 12);
    expect(result.scores.qa_accuracy?.exact_match_score?.count).toBe(good.length);
    const exact = good.filter((r) => r.index % 2 === 0).length / good.length;
    expect(result.scores.qa_accuracy?.exact_match_score?.mean).toBeCloseTo(exact, 12);
  });

  it("says complete when no record failed", async () => {
    const result = await new ModelEvaluator({
      runner: new PrecomputedRunner({ output: "out" }),
      algorithms: [new QaAccuracy()],
    }).evaluate(records(4));
    expect(result.status).toBe("complete");
    expect(result.failures).toEqual({});
  });

  it("records a model failure with its stage", async () => {
    const model = new FakeChatModel({
      responses: () => "x",
      failOn: (req) => req.messages[0]?.content === "q1",
      error: () => new FmopsError("AWS_VALIDATION_EXCEPTION", "no", { retryable: false }),
    });
    const { ChatModelRunner } = await import("../../../src/evaluation/index.js");
    const lines: string[] = [];
    const result = await new ModelEvaluator({
      runner: new ChatModelRunner({ model }),
      algorithms: [new QaAccuracy()],
      retry: { maxAttempts: 1 },
    }).evaluate(records(3), { output: (l) => void lines.push(l) });
    expect(result.failures).toEqual({ AWS_VALIDATION_EXCEPTION: 1 });
    const failed = lines.map((l) => JSON.parse(l) as EvaluationRecord).find((r) => r.index === 1);
    expect(failed?.error).toMatchObject({ code: "AWS_VALIDATION_EXCEPTION", stage: "model" });
  });

  it("fails the run when more than maxFailureRate of the records failed, with the result attached", async () => {
    // 4 of 20 fail: 20%.
    const run = evaluator({ maxFailureRate: 0.1 }).evaluate(records(20));
    await expect(run).rejects.toBeInstanceOf(EvaluationFailedError);
    const err = (await run.catch((e: unknown) => e)) as EvaluationFailedError;
    expect(err.code).toBe("EVAL_FAILURE_RATE_EXCEEDED");
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("4 of 20");
    expect(err.message).toContain("JUDGE_SCORE_UNPARSEABLE");
    expect(err.result.status).toBe("failed");
    expect(err.result.numFailed).toBe(4);

    const ok = await evaluator({ maxFailureRate: 0.2 }).evaluate(records(20));
    expect(ok.status).toBe("completed_with_failures");
  });

  it("validates maxFailureRate", () => {
    expect(
      () =>
        new ModelEvaluator({
          runner: new PrecomputedRunner({ output: "out" }),
          algorithms: [new QaAccuracy()],
          maxFailureRate: 1.5,
        }),
    ).toThrow(/maxFailureRate/);
  });

  it("still stops on a missing dependency, which would fail every record alike", async () => {
    const broken: EvalAlgorithm = {
      name: "needs_pkg",
      evaluateSample: async () => {
        throw new FmopsError("MISSING_DEPENDENCY", "npm install something", { retryable: false });
      },
      evaluate: async () => ({}),
    };
    const run = new ModelEvaluator({
      runner: new PrecomputedRunner({ output: "out" }),
      algorithms: [broken],
    }).evaluate(records(5));
    await expect(run).rejects.toMatchObject({ code: "MISSING_DEPENDENCY" });
  });

  it("crashes in the middle, resumes, and ends with the summary of one uninterrupted run", async () => {
    const data = records(30);
    const whole = await evaluator().evaluate(data);

    const controller = new AbortController();
    const first: string[] = [];
    const crashed = evaluator({
      signal: controller.signal,
      onProgress: (p) => {
        if (p.completed === 13) controller.abort();
      },
    }).evaluate(data, { output: (l) => void first.push(l) });
    await expect(crashed).rejects.toMatchObject({ code: "ABORTED" });
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(30);

    const second: string[] = [];
    const resumed = await evaluator().evaluate(data, {
      resume: first.map((l) => JSON.parse(l) as EvaluationRecord),
      output: (l) => void second.push(l),
    });
    const comparable = (r: typeof whole) => ({
      numRecords: r.numRecords,
      numFailed: r.numFailed,
      status: r.status,
      failures: r.failures,
      scores: r.scores,
      categories: r.categories,
    });
    expect(comparable(resumed)).toEqual(comparable(whole));
    // Records already scored are not run again; the ones that failed are.
    const scoredFirst = first.map((l) => JSON.parse(l) as EvaluationRecord).filter((r) => !r.error);
    expect(second).toHaveLength(30 - scoredFirst.length);
  });

  it("reports each record's model-call latency and the run's percentiles", async () => {
    const lines: string[] = [];
    const result = await new ModelEvaluator({
      runner: new PrecomputedRunner({ output: "out" }),
      algorithms: [new QaAccuracy()],
    }).evaluate(records(10), { output: (l) => void lines.push(l) });
    for (const l of lines) {
      const r = JSON.parse(l) as EvaluationRecord;
      expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(result.latency?.count).toBe(10);
    const lat = result.latency;
    expect(lat && lat.p50 <= lat.p90 && lat.p90 <= lat.p99).toBe(true);
  });
});
