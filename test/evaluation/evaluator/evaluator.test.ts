import { describe, expect, it } from "vitest";
import { messageText } from "../../../src/core/chat.js";
import { FmopsError } from "../../../src/core/errors.js";
import {
  ChatModelRunner,
  Dataset,
  type DatasetRecord,
  type EvaluationProgress,
  type EvaluationRecord,
  FactualKnowledge,
  ModelEvaluator,
  PrecomputedRunner,
  QaAccuracy,
} from "../../../src/evaluation/index.js";
import { FakeChatModel } from "../../../src/testing/index.js";

const encoder = new TextEncoder();

function jsonl(rows: readonly unknown[]): () => AsyncGenerator<Uint8Array> {
  return async function* () {
    yield encoder.encode(rows.map((r) => JSON.stringify(r)).join("\n"));
  };
}

function records(n: number): DatasetRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    line: i + 1,
    input: `q${i}`,
    targets: [`a${i}`],
    data: {},
  }));
}

/** The answer "a<i>" to the question "q<i>" found in the rendered prompt. */
const echo = (content: string | undefined): string => `a${(content ?? "").replace(/^q/, "")}`;

describe("ModelEvaluator", () => {
  it("scores every record, writes one JSON line each, and aggregates per category", async () => {
    const rows = [
      { q: "Capital of France?", a: "Paris", out: "Paris", cat: "geo" },
      { q: "Capital of Italy?", a: "Rome", out: "Milan", cat: "geo" },
      { q: "2+2?", a: "4<OR>four", out: "four", cat: "math" },
    ];
    const data = Dataset.fromJsonl(jsonl(rows), { input: "q", target: "a", category: "cat" });
    const lines: string[] = [];
    const progress: EvaluationProgress[] = [];
    const evaluator = new ModelEvaluator({
      runner: new PrecomputedRunner({ output: "out" }),
      algorithms: [new QaAccuracy(), new FactualKnowledge()],
      concurrency: 2,
      onProgress: (p) => progress.push(p),
    });
    const result = await evaluator.evaluate(data, { output: (line) => void lines.push(line) });

    expect(result.modelId).toBe("precomputed");
    expect(result.numRecords).toBe(3);
    expect(result.numFailed).toBe(0);
    expect(result.confidenceInterval).toBe("student-t-95");
    // Exact match: 1, 0, 1 ("four" equals the second answer of 4<OR>four).
    const em = result.scores.qa_accuracy?.exact_match_score;
    expect(em?.count).toBe(3);
    expect(em?.mean).toBeCloseTo(2 / 3, 12);
    // geo: exact match 1 and 0 -> mean 0.5, s = sqrt(0.5), half-width 12.706 * 0.5, which the
    // score's range [0, 1] cuts to [0, 1] (issue #17).
    const geo = result.categories.geo?.qa_accuracy?.exact_match_score;
    expect(geo?.mean).toBe(0.5);
    expect(geo?.ci95).toEqual({ lower: 0, upper: 1 });
    expect(result.categories.math?.factual_knowledge?.factual_knowledge).toEqual({
      count: 1,
      mean: 1,
      stdDev: 0,
      ci95: null,
    });

    const parsed = lines.map((l) => JSON.parse(l) as EvaluationRecord);
    expect(parsed.map((r) => r.line).sort()).toEqual([1, 2, 3]);
    const second = parsed.find((r) => r.line === 2);
    expect(second).toMatchObject({
      index: 1,
      category: "geo",
      input: "Capital of Italy?",
      targets: ["Rome"],
      output: "Milan",
      attempts: 1,
      scores: { factual_knowledge: { factual_knowledge: 0, factual_knowledge_quasi_exact: 0 } },
    });
    expect(progress.map((p) => p.completed)).toEqual([1, 2, 3]);
  });

  it("never runs more than `concurrency` model calls at once", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const model = new FakeChatModel({
      responses: async (request) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // Yield several turns so that other workers get the chance to start calls.
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return echo(messageText(request.messages[0] ?? { content: "" }));
      },
    });
    const evaluator = new ModelEvaluator({
      runner: new ChatModelRunner({ model }),
      algorithms: [new QaAccuracy()],
      concurrency: 3,
    });
    const result = await evaluator.evaluate(records(12));
    expect(maxInFlight).toBe(3);
    expect(model.calls).toBe(12);
    expect(result.scores.qa_accuracy?.exact_match_score?.mean).toBe(1);
  });

  it("retries a retryable model failure and records a permanent one", async () => {
    const model = new FakeChatModel({
      responses: (request) => echo(messageText(request.messages[0] ?? { content: "" })),
      // Call 0 (record q0) fails once with a retryable error; q2 always fails for good.
      failOn: (request, call) => call === 0 || request.messages[0]?.content === "q2",
      error: (request) =>
        new FmopsError("AWS_THROTTLING_EXCEPTION", "slow down", {
          retryable: request.messages[0]?.content !== "q2",
        }),
    });
    const lines: EvaluationRecord[] = [];
    const evaluator = new ModelEvaluator({
      runner: new ChatModelRunner({ model }),
      algorithms: [new QaAccuracy()],
      concurrency: 1,
      retry: { maxAttempts: 3, baseDelayMs: 0 },
    });
    const result = await evaluator.evaluate(records(3), {
      output: (l) => void lines.push(JSON.parse(l) as EvaluationRecord),
    });
    expect(lines[0]).toMatchObject({ line: 1, attempts: 2, output: "a0" });
    expect(lines[2]).toMatchObject({
      line: 3,
      attempts: 1,
      error: { code: "AWS_THROTTLING_EXCEPTION", message: "slow down" },
      scores: {},
    });
    expect(lines[2]?.output).toBeUndefined();
    expect(result.numRecords).toBe(3);
    expect(result.numFailed).toBe(1);
    expect(result.scores.qa_accuracy?.exact_match_score).toMatchObject({ count: 2, mean: 1 });
  });

  it("samples numRecords repeatably by seed, in dataset order", async () => {
    const run = async (seed: number) => {
      const seen: number[] = [];
      const result = await new ModelEvaluator({
        runner: new PrecomputedRunner({ output: "out" }),
        algorithms: [new QaAccuracy()],
        concurrency: 1,
      }).evaluate(
        records(50).map((r) => ({ ...r, data: { out: r.targets[0] } })),
        {
          numRecords: 5,
          seed,
          output: (l) => void seen.push((JSON.parse(l) as EvaluationRecord).index),
        },
      );
      expect(result.numRecords).toBe(5);
      return seen;
    };
    const a = await run(7);
    expect(a).toHaveLength(5);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(new Set(a).size).toBe(5);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
  });

  it("writes to a Node-style writable and waits for drain", async () => {
    const written: string[] = [];
    let drains = 0;
    const sink = {
      write(chunk: string): boolean {
        written.push(chunk);
        return false;
      },
      once(_event: "drain", listener: () => void) {
        drains += 1;
        setImmediate(listener);
      },
    };
    await new ModelEvaluator({
      runner: new PrecomputedRunner({ output: "out" }),
      algorithms: [new QaAccuracy()],
    }).evaluate(
      records(4).map((r) => ({ ...r, data: { out: "x" } })),
      { output: sink },
    );
    expect(written).toHaveLength(4);
    expect(written.every((w) => w.endsWith("}\n"))).toBe(true);
    expect(drains).toBe(4);
  });

  it("aborts in-flight model calls and rejects with ABORTED", async () => {
    const controller = new AbortController();
    const model = new FakeChatModel({
      responses: (_request, call) => {
        if (call === 2) controller.abort();
        // Never answers: only the abort can end these calls.
        return new Promise<string>(() => {});
      },
    });
    const evaluator = new ModelEvaluator({
      runner: new ChatModelRunner({ model }),
      algorithms: [new QaAccuracy()],
      concurrency: 3,
      signal: controller.signal,
    });
    await expect(evaluator.evaluate(records(20))).rejects.toMatchObject({ code: "ABORTED" });
    expect(model.calls).toBe(3);
  });

  it("stops on an invalid dataset line and names it", async () => {
    const data = Dataset.fromJsonl(
      async function* () {
        yield encoder.encode('{"q":"a","out":"a","a":"a"}\n{"q":1}\n');
      },
      { input: "q", target: "a" },
    );
    await expect(
      new ModelEvaluator({
        runner: new PrecomputedRunner({ output: "out" }),
        algorithms: [new QaAccuracy()],
      }).evaluate(data),
    ).rejects.toMatchObject({ code: "DATASET_RECORD_INVALID", line: 2 });
  });

  it("validates its options", () => {
    const runner = new PrecomputedRunner({ output: "out" });
    expect(() => new ModelEvaluator({ runner, algorithms: [] })).toThrow(/algorithms/);
    expect(
      () => new ModelEvaluator({ runner, algorithms: [new QaAccuracy(), new QaAccuracy()] }),
    ).toThrow(/names must differ/);
    expect(
      () => new ModelEvaluator({ runner, algorithms: [new QaAccuracy()], concurrency: 0 }),
    ).toThrow(/concurrency/);
  });
});

describe("ModelEvaluator with a stalled dataset", () => {
  it("ends on abort even while waiting for the next record", async () => {
    const controller = new AbortController();
    let closed = false;
    const stalled = {
      [Symbol.asyncIterator]() {
        let first = true;
        return {
          next(): Promise<IteratorResult<DatasetRecord>> {
            if (first) {
              first = false;
              return Promise.resolve({ done: false, value: records(1)[0] as DatasetRecord });
            }
            // The second read never completes, as with a stream whose producer hangs; the abort
            // comes while the evaluator waits on it.
            setImmediate(() => controller.abort());
            return new Promise(() => {});
          },
          return(): Promise<IteratorResult<DatasetRecord>> {
            closed = true;
            return Promise.resolve({ done: true, value: undefined });
          },
        };
      },
    };
    const evaluator = new ModelEvaluator({
      runner: new PrecomputedRunner({ output: "out" }),
      algorithms: [new FactualKnowledge()],
      concurrency: 1,
      signal: controller.signal,
    });
    await expect(evaluator.evaluate(stalled)).rejects.toMatchObject({ code: "ABORTED" });
    expect(closed).toBe(true);
  });
});
