import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { messageText } from "../../../src/core/chat.js";
import { FmopsError } from "../../../src/core/errors.js";
import { ScoreAccumulator } from "../../../src/evaluation/algorithms/stats.js";
import type { EvaluateOptions } from "../../../src/evaluation/evaluator/evaluator.js";
import {
  ChatModelRunner,
  type DatasetRecord,
  type EvaluationProgress,
  type EvaluationRecord,
  type EvaluationResult,
  FactualKnowledge,
  ModelEvaluator,
  PrecomputedRunner,
  QaAccuracy,
  repairRecordsFile,
} from "../../../src/evaluation/index.js";
import { ExactSum } from "../../../src/evaluation/metrics/pymath.js";
import { FakeChatModel } from "../../../src/testing/index.js";

const encoder = new TextEncoder();
const WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "today"];

/** Records whose target has several words, so that F1 takes many fractional values. */
function records(n: number): DatasetRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    line: i + 2, // a header-like blank first line: lines and indexes differ
    input: `q${i}`,
    targets: [WORDS.slice(i % 4, (i % 4) + 3 + (i % 5)).join(" ")],
    category: ["geo", "math", "art"][i % 3],
    data: {},
  }));
}

/** An answer that overlaps the target by an amount that depends on the record. */
function answer(i: number): string {
  const target = records(i + 1)[i]?.targets[0]?.split(" ") ?? [];
  return [...target.slice(0, 1 + (i % target.length)), WORDS[(i * 7) % WORDS.length]].join(" ");
}

const indexOf = (content: string | undefined): number => Number((content ?? "").slice(1));

/**
 * A model answering "q<i>" with {@link answer}, finishing after a number of event-loop turns
 * that varies by record, so that with concurrency records complete out of order.
 */
function model(options: { failFor?: (i: number) => boolean } = {}): FakeChatModel {
  return new FakeChatModel({
    responses: async (request) => {
      const i = indexOf(messageText(request.messages[0] ?? { content: "" }));
      for (let t = 0; t < (i * 5) % 7; t++) await new Promise((r) => setImmediate(r));
      return answer(i);
    },
    ...(options.failFor
      ? {
          failOn: (request) =>
            options.failFor?.(indexOf(messageText(request.messages[0] ?? { content: "" }))) ??
            false,
          error: () =>
            new FmopsError("AWS_VALIDATION_EXCEPTION", "permanent failure", { retryable: false }),
        }
      : {}),
  });
}

function evaluator(
  m: FakeChatModel,
  extra: { signal?: AbortSignal; onProgress?: (p: EvaluationProgress) => void } = {},
) {
  return new ModelEvaluator({
    runner: new ChatModelRunner({ model: m }),
    algorithms: [new QaAccuracy(), new FactualKnowledge()],
    concurrency: 3,
    retry: { maxAttempts: 1 },
    ...extra,
  });
}

/** Runs until `stopAfter` records completed, then aborts; returns the lines written. */
async function interrupted(
  data: DatasetRecord[],
  stopAfter: number,
  options: EvaluateOptions = {},
  m: FakeChatModel = model(),
): Promise<string[]> {
  const controller = new AbortController();
  const lines: string[] = [];
  const run = evaluator(m, {
    signal: controller.signal,
    onProgress: (p) => {
      if (p.completed === stopAfter) controller.abort();
    },
  }).evaluate(data, { ...options, output: (l) => void lines.push(l) });
  await expect(run).rejects.toMatchObject({ code: "ABORTED" });
  return lines;
}

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  // Split mid-record and mid-character to go through the real line reader.
  const all = encoder.encode(text);
  for (let i = 0; i < all.length; i += 37) yield all.subarray(i, i + 37);
}

/**
 * A result without its latency percentiles, which are wall-clock measurements and differ between
 * runs; how many records have a latency must still agree.
 */
function withoutTiming(result: EvaluationResult) {
  const { latency, ...rest } = result;
  return { ...rest, latencyCount: latency?.count };
}

async function full(data: DatasetRecord[], options: EvaluateOptions = {}) {
  return evaluator(model()).evaluate(data, options);
}

describe("ModelEvaluator resume", () => {
  it("continues an interrupted run and ends with exactly the scores of an uninterrupted one", async () => {
    const data = records(20);
    const expected = await full(data);
    const first = await interrupted(data, 7);
    expect(first).toHaveLength(7);

    const m = model();
    const progress: EvaluationProgress[] = [];
    const second: string[] = [];
    const result = await evaluator(m, { onProgress: (p) => progress.push(p) }).evaluate(data, {
      resume: bytes(`${first.join("\n")}\n`),
      output: (l) => void second.push(l),
    });

    expect(withoutTiming(result)).toEqual(withoutTiming(expected));
    // Exact equality of every mean, not closeness: the sums are order-independent.
    expect(result.scores.qa_accuracy?.f1_score?.mean).toBe(
      expected.scores.qa_accuracy?.f1_score?.mean,
    );
    expect(result.categories.math?.qa_accuracy?.f1_score).toEqual(
      expected.categories.math?.qa_accuracy?.f1_score,
    );
    expect(m.calls).toBe(13);
    // Nothing resumed is written again; both files together hold every record once.
    const indexes = [...first, ...second].map((l) => (JSON.parse(l) as EvaluationRecord).index);
    expect(indexes.sort((a, b) => a - b)).toEqual(data.map((r) => r.index));
    expect(progress.at(-1)).toMatchObject({ completed: 20, resumed: 7, failed: 0, inFlight: 0 });
    expect(progress.map((p) => p.completed)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("gives the same bits whatever order the records complete in", async () => {
    const data = records(40);
    const forward = await new ModelEvaluator({
      runner: new ChatModelRunner({ model: model() }),
      algorithms: [new QaAccuracy()],
      concurrency: 1,
    }).evaluate(data);
    const shuffled = await new ModelEvaluator({
      runner: new ChatModelRunner({ model: model() }),
      algorithms: [new QaAccuracy()],
      concurrency: 1,
    }).evaluate([...data].reverse());
    expect(withoutTiming(shuffled)).toEqual(withoutTiming(forward));
    const f1 = forward.scores.qa_accuracy?.f1_score;
    // And they agree with the algorithm's own running (Welford) mean up to rounding.
    const again = await new QaAccuracy().evaluate(
      data.map((r) => ({ output: answer(r.index), targets: r.targets })),
    );
    expect(f1?.count).toBe(40);
    expect(f1?.mean).toBeCloseTo(again.f1_score?.mean ?? Number.NaN, 12);
    expect(f1?.stdDev).toBeCloseTo(again.f1_score?.stdDev ?? Number.NaN, 12);
    expect(f1?.ci95?.lower).toBeCloseTo(again.f1_score?.ci95?.lower ?? Number.NaN, 12);
  });

  it("runs again the records that failed, and only those", async () => {
    const data = records(10);
    const failing = (i: number) => i === 2 || i === 5;
    const firstLines: string[] = [];
    const first = await evaluator(model({ failFor: failing })).evaluate(data, {
      output: (l) => void firstLines.push(l),
    });
    expect(first.numFailed).toBe(2);

    const m = model();
    const secondLines: string[] = [];
    const result = await evaluator(m).evaluate(data, {
      resume: firstLines.map((l) => JSON.parse(l) as EvaluationRecord),
      output: (l) => void secondLines.push(l),
    });
    expect(m.calls).toBe(2);
    expect(m.requests.map((r) => r.messages[0]?.content).sort()).toEqual(["q2", "q5"]);
    expect(withoutTiming(result)).toEqual(withoutTiming(await full(data)));
    expect(result.numFailed).toBe(0);
    expect(secondLines.map((l) => (JSON.parse(l) as EvaluationRecord).index).sort()).toEqual([
      2, 5,
    ]);

    // The appended file (failed lines, then their successful reruns) resumes to the same result
    // with no model call at all.
    const none = model();
    const third = await evaluator(none).evaluate(data, {
      resume: bytes(`${[...firstLines, ...secondLines].join("\n")}\n`),
    });
    expect(none.calls).toBe(0);
    expect(third).toEqual(result);
  });

  it("ignores a last line cut short by a crash, and runs that record again", async () => {
    const data = records(12);
    const lines = await interrupted(data, 5);
    const cut = JSON.stringify({ ...JSON.parse(lines[4] as string), note: "é" }).slice(0, 61);
    const m = model();
    const result = await evaluator(m).evaluate(data, {
      resume: bytes(`${lines.slice(0, 4).join("\n")}\n\n${cut}`),
    });
    expect(m.calls).toBe(8);
    expect(withoutTiming(result)).toEqual(withoutTiming(await full(data)));
  });

  it("rejects a broken line that is not the last, naming it", async () => {
    const data = records(6);
    const lines = await interrupted(data, 3);
    const text = [lines[0], "{not json", lines[1], lines[2]].join("\n");
    const run = evaluator(model()).evaluate(data, { resume: bytes(text) });
    await expect(run).rejects.toMatchObject({ code: "EVAL_RESUME_INVALID", line: 2 });
    await expect(
      evaluator(model()).evaluate(data, {
        resume: bytes(`${lines[0]}\n{"index": 1, "line": 3}\n`),
      }),
    ).rejects.toThrow(/Line 2 of the output to resume from is not an evaluation record \(input/);
  });

  it("rejects an output written for another dataset, sample or set of algorithms", async () => {
    const data = records(10);
    const lines = await interrupted(data, 4);
    const resume = () => bytes(lines.join("\n"));

    const otherInputs = data.map((r) => ({ ...r, input: `${r.input}?` }));
    await expect(
      evaluator(model()).evaluate(otherInputs, { resume: resume() }),
    ).rejects.toMatchObject({ code: "EVAL_RESUME_MISMATCH" });

    const otherLines = data.map((r) => ({ ...r, line: r.line + 1 }));
    await expect(evaluator(model()).evaluate(otherLines, { resume: resume() })).rejects.toThrow(
      /is on line \d+ of the dataset, but the output to resume from \(line \d+\) has it on line \d+/,
    );

    const otherCategories = data.map((r) => ({ ...r, category: "all" }));
    await expect(
      evaluator(model()).evaluate(otherCategories, { resume: resume() }),
    ).rejects.toThrow(/another input, target or category/);

    // A smaller dataset than the output's: found once the dataset ends.
    const shorter = data.filter((r) => r.index < 2);
    await expect(evaluator(model()).evaluate(shorter, { resume: resume() })).rejects.toThrow(
      /which the evaluated dataset does not have/,
    );

    // A sample that does not hold the resumed records: found before any model call.
    const m = model();
    await expect(
      evaluator(m).evaluate(data, { resume: resume(), numRecords: 3, seed: 9 }),
    ).rejects.toThrow(/which the evaluated sample does not have/);
    expect(m.calls).toBe(0);

    const qaOnly = new ModelEvaluator({
      runner: new ChatModelRunner({ model: model() }),
      algorithms: [new QaAccuracy()],
    });
    await expect(qaOnly.evaluate(data, { resume: resume() })).rejects.toThrow(
      /has scores of factual_knowledge, qa_accuracy, but this evaluation runs qa_accuracy/,
    );
  });

  it("rejects an output that scores the same record twice", async () => {
    const data = records(5);
    const lines = await interrupted(data, 2);
    await expect(
      evaluator(model()).evaluate(data, { resume: bytes([...lines, lines[0]].join("\n")) }),
    ).rejects.toThrow(/scores record \d+ again .*count twice/);
  });

  it("resumes a seeded sample", async () => {
    const data = records(30);
    const sampled = { numRecords: 9, seed: 3 };
    const expected = await full(data, sampled);
    const lines = await interrupted(data, 4, sampled);
    const m = model();
    const progress: EvaluationProgress[] = [];
    const result = await evaluator(m, { onProgress: (p) => progress.push(p) }).evaluate(data, {
      ...sampled,
      resume: lines.map((l) => JSON.parse(l) as EvaluationRecord),
    });
    expect(withoutTiming(result)).toEqual(withoutTiming(expected));
    expect(m.calls).toBe(5);
    expect(progress[0]).toMatchObject({ completed: 4, resumed: 4, total: 9 });
    expect(progress.at(-1)).toMatchObject({ completed: 9, resumed: 4, total: 9 });
  });

  it("validates the resume option", async () => {
    await expect(
      evaluator(model()).evaluate(records(1), { resume: 42 as unknown as string }),
    ).rejects.toThrow(/resume: must be a file path/);
  });
});

describe("resuming from a file", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fmops-resume-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Appends the run's records to `path` with a Node write stream, as the docs show. */
  async function appendingRun(
    m: FakeChatModel,
    data: DatasetRecord[],
    path: string,
  ): Promise<EvaluationResult> {
    const stream = createWriteStream(path, { flags: "a" });
    try {
      return await evaluator(m).evaluate(data, { resume: path, output: stream });
    } finally {
      await new Promise<void>((resolve, reject) =>
        stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    }
  }

  it("repairs a cut last line, appends to the same file, and resumes from it again", async () => {
    const data = records(9);
    const path = join(dir, "records.jsonl");
    const lines = await interrupted(data, 4);
    const cut = (lines[3] as string).slice(0, 25);
    await writeFile(path, `${lines.slice(0, 3).join("\n")}\n${cut}`);

    expect(await repairRecordsFile(path)).toEqual({
      exists: true,
      removedBytes: cut.length,
      addedNewline: false,
    });
    const m = model();
    const result = await appendingRun(m, data, path);
    expect(m.calls).toBe(6);
    expect(withoutTiming(result)).toEqual(withoutTiming(await full(data)));

    const text = await readFile(path, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    expect(text.trim().split("\n")).toHaveLength(9);
    const none = model();
    expect(await appendingRun(none, data, path)).toEqual(result);
    expect(none.calls).toBe(0);
  });

  it("ends a whole last record that lacks its newline, and leaves other files alone", async () => {
    const data = records(4);
    const lines = await interrupted(data, 2);
    const path = join(dir, "records.jsonl");
    await writeFile(path, lines.join("\n"));
    expect(await repairRecordsFile(path)).toEqual({
      exists: true,
      removedBytes: 0,
      addedNewline: true,
    });
    expect(await readFile(path, "utf8")).toBe(`${lines.join("\n")}\n`);
    expect(await repairRecordsFile(path)).toEqual({
      exists: true,
      removedBytes: 0,
      addedNewline: false,
    });
    // A file that is one cut line only becomes empty.
    await writeFile(path, '{"index":0,"li');
    expect((await repairRecordsFile(path)).removedBytes).toBe(14);
    expect(await readFile(path, "utf8")).toBe("");
    expect(await repairRecordsFile(join(dir, "missing.jsonl"))).toEqual({
      exists: false,
      removedBytes: 0,
      addedNewline: false,
    });
  });

  it("says when the file to resume from cannot be read", async () => {
    await expect(
      evaluator(model()).evaluate(records(2), { resume: join(dir, "missing.jsonl") }),
    ).rejects.toMatchObject({ code: "EVAL_RESUME_NOT_FOUND" });
  });

  it("holds a resumed output of many records in little memory", async () => {
    // 5000 scored records through PrecomputedRunner: the resumed run calls nothing and matches.
    const data = Array.from({ length: 5000 }, (_, i) => ({
      index: i,
      line: i + 1,
      input: `q${i}`,
      targets: [`a${i % 13}`],
      data: { out: `a${i % 7}` },
    }));
    const make = () =>
      new ModelEvaluator({
        runner: new PrecomputedRunner({ output: "out" }),
        algorithms: [new QaAccuracy()],
        concurrency: 8,
      });
    const lines: string[] = [];
    const expected = await make().evaluate(data, { output: (l) => void lines.push(l) });
    const path = join(dir, "big.jsonl");
    await writeFile(path, `${lines.join("\n")}\n`);
    const written: string[] = [];
    const result = await make().evaluate(data, {
      resume: path,
      output: (l) => void written.push(l),
    });
    expect(written).toEqual([]);
    expect(withoutTiming(result)).toEqual(withoutTiming(expected));
  });
});

describe("exact score statistics", () => {
  it("sums exactly and rounds once", () => {
    const s = new ExactSum();
    for (const v of [1e100, 1, -1e100]) s.add(v);
    expect(s.value()).toBe(1); // a running sum gives 0
    // The doubles nearest 0.1, 0.2 and 0.3 add up to exactly 2^-55.
    for (const v of [0.1, 0.2, -0.3]) s.add(v);
    s.add(-1);
    expect(s.value()).toBe(2 ** -55);
    const tenths = new ExactSum();
    for (let i = 0; i < 10; i++) tenths.add(0.1);
    expect(tenths.value()).toBe(1); // 1 + 2^-54 exactly, rounded once; a running sum gives 0.9999999999999999
  });

  it("matches the two-pass variance, for any order", () => {
    // Large values with a small spread: the naive Σx² − (Σx)²/n loses every digit here.
    const fractions = Array.from({ length: 101 }, (_, i) => ((i * 37) % 101) / 128);
    const values = fractions.map((f) => f + 1e8);
    const a = new ScoreAccumulator();
    const b = new ScoreAccumulator();
    for (const v of values) a.add(v);
    for (const v of [...values].reverse()) b.add(v);
    expect(a.summary()).toEqual(b.summary());
    // The spread does not depend on the shift, so the fractions' two-pass values are the reference.
    const fm = fractions.reduce((x, y) => x + y, 0) / fractions.length;
    const sd = Math.sqrt(fractions.reduce((x, y) => x + (y - fm) ** 2, 0) / (fractions.length - 1));
    expect(a.summary()?.mean).toBe(1e8 + fm);
    expect(a.summary()?.stdDev).toBeCloseTo(sd, 13);
  });

  it("ignores NaN and follows an infinite value", () => {
    const a = new ScoreAccumulator();
    a.add(Number.NaN);
    expect(a.summary()).toBeUndefined();
    a.add(1);
    expect(a.summary()).toEqual({ count: 1, mean: 1, stdDev: 0, ci95: null });
    a.add(Number.POSITIVE_INFINITY);
    expect(a.summary()?.mean).toBe(Number.POSITIVE_INFINITY);
    expect(a.summary()?.stdDev).toBeNaN();
  });
});
