import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { messageText } from "../../../src/core/chat.js";
import { FmopsError } from "../../../src/core/errors.js";
import {
  ChatModelRunner,
  type ComparisonResult,
  compareCandidates,
  type DatasetRecord,
  type EvaluationRecord,
  ModelEvaluator,
  PrecomputedRunner,
  pairedDifferences,
  promptCandidate,
  QaAccuracy,
  repairRecordsFile,
} from "../../../src/evaluation/index.js";
import { tokenCost } from "../../../src/monitoring/index.js";
import { PromptCatalog } from "../../../src/prompts/index.js";
import { FakeChatModel } from "../../../src/testing/index.js";

const CAPITALS = [
  ["France", "Paris"],
  ["Italy", "Rome"],
  ["Spain", "Madrid"],
  ["Japan", "Tokyo"],
  ["Peru", "Lima"],
  ["Chile", "Santiago"],
  ["Egypt", "Cairo"],
  ["Kenya", "Nairobi"],
  ["Nepal", "Kathmandu"],
  ["Cuba", "Havana"],
] as const;

function records(): DatasetRecord[] {
  return CAPITALS.map(([country, capital], i) => ({
    index: i,
    line: i + 1,
    input: country,
    targets: [capital],
    category: i % 2 === 0 ? "even" : "odd",
    data: { model_output: i % 3 === 0 ? capital : "unknown" },
  }));
}

const capitalOf = (country: string): string =>
  CAPITALS.find(([c]) => c === country)?.[1] ?? "unknown";

/** Right on every record except those `wrongOn` names; yields turns so records interleave. */
function model(
  id: string,
  options: { wrongOn?: (i: number) => boolean; failOn?: (i: number) => boolean } = {},
): FakeChatModel {
  const indexOf = (text: string | undefined) =>
    CAPITALS.findIndex(([c]) => (text ?? "").includes(c));
  return new FakeChatModel({
    id,
    responses: async (request) => {
      const i = indexOf(messageText(request.messages[0] ?? { content: "" }));
      for (let t = 0; t < (i * 3) % 5; t++) await new Promise((r) => setImmediate(r));
      return options.wrongOn?.(i) ? "I do not know" : capitalOf(CAPITALS[i]?.[0] ?? "");
    },
    ...(options.failOn
      ? {
          failOn: (request) =>
            options.failOn?.(indexOf(messageText(request.messages[0] ?? { content: "" }))) ?? false,
          error: () => new FmopsError("AWS_VALIDATION_EXCEPTION", "refused", { retryable: false }),
        }
      : {}),
  });
}

const F1 = "qa_accuracy.f1_score";

describe("compareCandidates", () => {
  it("scores every candidate on the same records and pairs them against the baseline", async () => {
    const prices = { inputPer1k: 0.5, outputPer1k: 2 };
    const lines: (EvaluationRecord & { candidate: string })[] = [];
    const result = await compareCandidates({
      dataset: records(),
      candidates: [
        {
          name: "old",
          runner: new ChatModelRunner({ model: model("m-old", { wrongOn: (i) => i % 2 === 1 }) }),
          prices,
        },
        {
          name: "new",
          runner: new ChatModelRunner({ model: model("m-new", { wrongOn: (i) => i === 4 }) }),
          prices,
        },
        { name: "offline", runner: new PrecomputedRunner({ output: "model_output" }) },
      ],
      algorithms: [new QaAccuracy()],
      baseline: "old",
      concurrency: 3,
      output: (line) => void lines.push(JSON.parse(line)),
    });

    expect(result.baseline).toBe("old");
    expect(result.numRecords).toBe(10);
    expect(result.candidates.map((c) => [c.name, c.modelId])).toEqual([
      ["old", "m-old"],
      ["new", "m-new"],
      ["offline", "precomputed"],
    ]);
    // Each candidate's means are exactly what ModelEvaluator gives alone.
    const alone = await new ModelEvaluator({
      runner: new ChatModelRunner({ model: model("m-new", { wrongOn: (i) => i === 4 }) }),
      algorithms: [new QaAccuracy()],
    }).evaluate(records());
    const fresh = result.candidates[1]?.result;
    expect(fresh?.scores).toEqual(alone.scores);
    expect(fresh?.categories).toEqual(alone.categories);
    expect(fresh?.latency?.count).toBe(10);
    expect(result.candidates[1]?.result.scores.qa_accuracy?.f1_score?.ci95).not.toBeNull();

    // Paired differences: old is wrong on the 5 odd records, new only on record 4.
    const diff = result.differences.find((d) => d.candidate === "new");
    const f1 = diff?.metrics.find((m) => m.metric === F1);
    expect(f1).toMatchObject({ count: 10, wins: 5, ties: 4, losses: 1, unpaired: 0 });
    expect(f1?.meanDifference).toBeCloseTo(0.4, 12);
    expect(f1?.method).toBe("paired-t-95");
    const own = (name: string) => lines.filter((l) => l.candidate === name);
    expect(f1).toEqual(pairedDifferences(own("new"), own("old"), F1));
    // Per category: all the gains are on the odd records.
    expect(diff?.categories.odd?.find((m) => m.metric === F1)).toMatchObject({
      count: 5,
      wins: 5,
      meanDifference: 1,
    });
    expect(diff?.categories.even?.find((m) => m.metric === F1)).toMatchObject({
      count: 5,
      losses: 1,
      ties: 4,
    });
    expect(result.differences.map((d) => d.candidate)).toEqual(["new", "offline"]);

    // Cost per record from the reported token usage and the candidate's prices.
    const expected = own("new").map((r) => tokenCost(r.usage ?? {}, prices));
    expect(own("new").every((r) => (r.usage?.outputTokens ?? 0) > 0)).toBe(true);
    const cost = result.candidates[1]?.cost;
    expect(cost?.records).toBe(10);
    expect(cost?.total).toBeCloseTo(
      expected.reduce((a, b) => a + b, 0),
      12,
    );
    expect(cost?.perRecord.mean).toBeCloseTo((cost?.total ?? 0) / 10, 12);
    expect(result.candidates[2]?.cost).toBeUndefined();
    expect(result.pairing).toMatch(/both/);
  });

  it("keeps a candidate's failed records to itself and pairs only records both scored", async () => {
    const result = await compareCandidates({
      dataset: records(),
      candidates: [
        { name: "base", runner: new ChatModelRunner({ model: model("a") }) },
        {
          name: "flaky",
          runner: new ChatModelRunner({ model: model("b", { failOn: (i) => i === 2 || i === 7 }) }),
        },
      ],
      algorithms: [new QaAccuracy()],
    });
    expect(result.baseline).toBe("base");
    const [base, flaky] = result.candidates;
    expect(base?.result).toMatchObject({ numFailed: 0, status: "complete" });
    expect(flaky?.result).toMatchObject({
      numFailed: 2,
      status: "completed_with_failures",
      failures: { AWS_VALIDATION_EXCEPTION: 2 },
    });
    expect(flaky?.result.scores.qa_accuracy?.f1_score?.count).toBe(8);
    const f1 = result.differences[0]?.metrics.find((m) => m.metric === F1);
    expect(f1).toMatchObject({ count: 8, unpaired: 2, ties: 8, meanDifference: 0 });
  });

  it("compares prompt versions from a catalog by label and by version", async () => {
    const catalog = new PromptCatalog();
    catalog.register({ id: "capital", version: "1", text: "Capital of {{input}}?" });
    catalog.register({ id: "capital", version: "2", text: "Name the capital city of {{input}}." });
    catalog.setLabel("capital", "production", "1");
    const seen: string[] = [];
    const shared = new FakeChatModel({
      responses: (request) => {
        const text = messageText(request.messages[0] ?? { content: "" });
        seen.push(typeof text === "string" ? text : "");
        // The old wording gets a wrong answer, the new one the right one.
        const i = CAPITALS.findIndex(([c]) => String(text).includes(c));
        return String(text).startsWith("Name") ? (CAPITALS[i]?.[1] ?? "") : "Paris";
      },
    });
    const result = await compareCandidates({
      dataset: records(),
      candidates: [
        promptCandidate({ catalog, id: "capital", label: "production", model: shared }),
        promptCandidate({ catalog, id: "capital", version: "2", model: shared }),
      ],
      algorithms: [new QaAccuracy()],
    });
    expect(result.candidates.map((c) => c.name)).toEqual(["capital@1", "capital@2"]);
    expect(seen).toContain("Capital of Spain?");
    expect(seen).toContain("Name the capital city of Spain.");
    const f1 = result.differences[0]?.metrics.find((m) => m.metric === F1);
    expect(f1).toMatchObject({ count: 10, wins: 9, ties: 1, losses: 0 });
  });

  it("refuses a baseline that is not a candidate, repeated names and fewer than two candidates", async () => {
    const runner = new PrecomputedRunner({ output: "model_output" });
    const base = { dataset: records(), algorithms: [new QaAccuracy()] };
    await expect(
      compareCandidates({
        ...base,
        candidates: [
          { name: "a", runner },
          { name: "b", runner },
        ],
        baseline: "c",
      }),
    ).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringContaining("baseline"),
    });
    await expect(
      compareCandidates({
        ...base,
        candidates: [
          { name: "a", runner },
          { name: "a", runner },
        ],
      }),
    ).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringContaining("candidates"),
    });
    await expect(
      compareCandidates({ ...base, candidates: [{ name: "a", runner }] }),
    ).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
  });
});

describe("compareCandidates resume", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fmops-compare-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The comparison without measured times, which differ between any two runs. */
  function withoutTimes(result: ComparisonResult): unknown {
    return {
      ...result,
      candidates: result.candidates.map(({ result: r, ...c }) => ({
        ...c,
        result: { ...r, latency: r.latency?.count },
      })),
    };
  }

  function setup() {
    const calls = { old: 0, new: 0 };
    const count = (name: "old" | "new", m: FakeChatModel) => ({
      id: m.id,
      generate: (req: Parameters<FakeChatModel["generate"]>[0], o?: { signal?: AbortSignal }) => {
        calls[name] += 1;
        return m.generate(req, o);
      },
      stream: m.stream.bind(m),
    });
    const candidates = [
      {
        name: "old",
        runner: new ChatModelRunner({
          model: count("old", model("m-old", { wrongOn: (i) => i % 2 === 1 })),
        }),
        prices: { inputPer1k: 1, outputPer1k: 3 },
      },
      {
        name: "new",
        runner: new ChatModelRunner({
          model: count("new", model("m-new", { wrongOn: (i) => i === 4, failOn: (i) => i === 6 })),
        }),
        prices: { inputPer1k: 2, outputPer1k: 1 },
      },
    ];
    return { calls, candidates };
  }

  it("continues a comparison that crashed midway and ends with the uninterrupted comparison", async () => {
    const whole = await compareCandidates({
      dataset: records(),
      candidates: setup().candidates,
      algorithms: [new QaAccuracy()],
      concurrency: 2,
    });

    const path = join(dir, "records.jsonl");
    const crash = new AbortController();
    let done = 0;
    const first = setup();
    const out = createWriteStream(path);
    await expect(
      compareCandidates({
        dataset: records(),
        candidates: first.candidates,
        algorithms: [new QaAccuracy()],
        concurrency: 2,
        output: out,
        signal: crash.signal,
        onProgress: () => {
          if (++done === 9) crash.abort(new Error("power cut"));
        },
      }),
    ).rejects.toMatchObject({ code: "ABORTED" });
    await new Promise((r) => out.end(r));
    const written = (await readFile(path, "utf8")).trim().split("\n");
    expect(written.length).toBeGreaterThanOrEqual(9);
    expect(written.length).toBeLessThan(20);
    // A crash mid-write: the last line is cut short.
    await new Promise<void>((r) => {
      const tail = createWriteStream(path, { flags: "a" });
      tail.end('{"candidate":"new","index":9,"li', r);
    });

    await repairRecordsFile(path);
    const second = setup();
    const resumed = await compareCandidates({
      dataset: records(),
      candidates: second.candidates,
      algorithms: [new QaAccuracy()],
      concurrency: 2,
      resume: path,
      output: createWriteStream(path, { flags: "a" }),
    });
    expect(withoutTimes(resumed)).toEqual(withoutTimes(whole));
    // Only the records the first run did not finish (and the failed one) ran again.
    const doneBefore = written.map((l) => JSON.parse(l) as { candidate: string; error?: unknown });
    const scoredBefore = (name: string) =>
      doneBefore.filter((r) => r.candidate === name && r.error === undefined).length;
    expect(second.calls.old).toBe(10 - scoredBefore("old"));
    expect(second.calls.new).toBe(10 - scoredBefore("new"));
    // The file now holds every record of both candidates.
    const all = (await readFile(path, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    for (const name of ["old", "new"]) {
      const indexes = new Set(all.filter((r) => r.candidate === name).map((r) => r.index));
      expect(indexes.size).toBe(10);
    }
  });

  it("refuses a resumed record of a candidate that is not in the comparison", async () => {
    const { candidates } = setup();
    const stray = {
      candidate: "retired",
      index: 0,
      line: 1,
      category: "even",
      input: "France",
      targets: ["Paris"],
      attempts: 1,
      scores: {},
    };
    await expect(
      compareCandidates({
        dataset: records(),
        candidates,
        algorithms: [new QaAccuracy()],
        resume: [stray],
      }),
    ).rejects.toMatchObject({
      code: "EVAL_RESUME_MISMATCH",
      message: expect.stringContaining("retired"),
    });
  });
});
