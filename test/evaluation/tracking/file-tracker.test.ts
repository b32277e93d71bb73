import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Dataset,
  type EvaluationResult,
  evaluationMetrics,
  FactualKnowledge,
  FileTracker,
  ModelEvaluator,
  type ModelSummary,
  PrecomputedRunner,
  QaAccuracy,
  renderEvaluationHtml,
} from "../../../src/evaluation/index.js";
import { VERSION } from "../../../src/version.js";

const rows = [
  { q: "Capital of France?", a: "Paris", good: "Paris", bad: "Lyon", cat: "geo" },
  { q: "Capital of Italy?", a: "Rome", good: "Rome", bad: "Milan", cat: "geo" },
  { q: "2+2?", a: "4<OR>four", good: "four", bad: "five", cat: "math" },
];

async function evaluate(output: "good" | "bad"): Promise<EvaluationResult> {
  const encoder = new TextEncoder();
  const data = Dataset.fromJsonl(
    async function* () {
      yield encoder.encode(rows.map((r) => JSON.stringify(r)).join("\n"));
    },
    { input: "q", target: "a", category: "cat" },
  );
  return new ModelEvaluator({
    runner: new PrecomputedRunner({ output, id: `model-${output}` }),
    algorithms: [new QaAccuracy(), new FactualKnowledge()],
  }).evaluate(data);
}

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "fmops-tracking-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Every file under `dir`, relative, sorted. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe("FileTracker", () => {
  it("writes runs and reads them back in start order, with the MLflow keys", async () => {
    const tracker = new FileTracker({ directory, experimentName: "qa eval" });
    const good = await evaluate("good");
    const bad = await evaluate("bad");
    const first = await tracker.trackEvaluation(good, {
      params: { prompt: "qa@3", seed: 0, "dataset:name": "qa.jsonl" },
      tags: { team: "ml" },
      artifacts: [
        { path: "summary.json", content: '{"a":1}' },
        { path: "bytes/data.bin", content: new Uint8Array([0, 1, 255]) },
      ],
    });
    const second = await tracker.trackEvaluation(bad, { runName: "baseline" });

    expect(first.experimentId).toBe("qa eval");
    expect(first.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.url).toMatch(/^file:\/\//);
    const runDir = fileURLToPath(first.url as string);
    expect(runDir).toBe(join(directory, "qa eval", first.runId));
    expect(await readFile(join(runDir, "artifacts", "summary.json"), "utf8")).toBe('{"a":1}');
    expect([...(await readFile(join(runDir, "artifacts", "bytes", "data.bin")))]).toEqual([
      0, 1, 255,
    ]);
    // Atomic writes leave no temporary files behind.
    expect(await files(join(directory, "qa eval"))).toEqual(
      [
        `${first.runId}/artifacts/bytes/data.bin`,
        `${first.runId}/artifacts/summary.json`,
        `${first.runId}/run.json`,
        `${second.runId}/run.json`,
      ].sort(),
    );

    const runs = await tracker.listRuns();
    expect(runs.map((r) => r.runId)).toEqual([first.runId, second.runId]);
    const [a, b] = runs;
    expect(a?.startTime).toBeLessThanOrEqual(b?.startTime ?? 0);
    expect(a).toMatchObject({
      schemaVersion: 1,
      runName: "model-good",
      experimentName: "qa eval",
      status: "FINISHED",
      params: { model_id: "model-good", prompt: "qa@3", seed: "0", dataset_name: "qa.jsonl" },
      tags: { team: "ml" },
      artifacts: ["summary.json", "bytes/data.bin"],
      fmopsVersion: VERSION,
      path: runDir,
    });
    expect(a?.endTime).toBeGreaterThanOrEqual(a?.startTime ?? 0);
    expect(a?.metrics).toEqual(evaluationMetrics(good));
    expect(b?.metrics).toEqual(evaluationMetrics(bad));
    expect(b?.runName).toBe("baseline");
    expect(a?.metrics.num_records).toBe(3);

    // The stored summaries compare in the HTML report like live results.
    const summaries = runs.map((r) => r.summary as ModelSummary);
    expect(summaries[0]?.scores).toEqual(JSON.parse(JSON.stringify(good.scores)));
    const html = renderEvaluationHtml(summaries, { title: "runs" });
    expect(html).toContain("model-good");
    expect(html).toContain("model-bad");
  });

  it("rejects artifact paths that leave the run folder, writing nothing", async () => {
    const tracker = new FileTracker({ directory, experimentName: "safe" });
    const result = await evaluate("good");
    for (const path of [
      "../escape.txt",
      "a/../../escape.txt",
      "/etc/passwd",
      "a\\..\\..\\escape.txt",
      "C:/windows.txt",
      "a//b.txt",
      "./a.txt",
      "",
      "nul\u0000.txt",
    ]) {
      await expect(
        tracker.trackEvaluation(result, { artifacts: [{ path, content: "x" }] }),
      ).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
    }
    expect(await files(directory)).toEqual([]);
  });

  it("rejects experiment names that are not one safe folder name", () => {
    for (const experimentName of [
      "",
      ".",
      "..",
      "a/b",
      "a\\b",
      "../x",
      "x.",
      "x ",
      "a:b",
      "t\tb",
    ]) {
      expect(() => new FileTracker({ directory, experimentName })).toThrow(
        expect.objectContaining({
          code: "VALIDATION_ERROR",
          message: expect.stringContaining("experimentName"),
        }),
      );
    }
    expect(() => new FileTracker({ directory: "", experimentName: "ok" })).toThrow(/directory/);
  });

  it("lists no runs for a new experiment, skips unfinished folders, refuses foreign run.json", async () => {
    const tracker = new FileTracker({ directory, experimentName: "list" });
    expect(await tracker.listRuns()).toEqual([]);
    await tracker.trackEvaluation(await evaluate("good"));
    await mkdir(join(directory, "list", "unfinished", "artifacts"), { recursive: true });
    await writeFile(join(directory, "list", "stray.txt"), "not a run");
    expect(await tracker.listRuns()).toHaveLength(1);

    await mkdir(join(directory, "list", "broken"));
    await writeFile(join(directory, "list", "broken", "run.json"), "{ not json");
    await expect(tracker.listRuns()).rejects.toMatchObject({ code: "TRACKING_RUN_INVALID" });
    await writeFile(join(directory, "list", "broken", "run.json"), '{"schemaVersion": 2}');
    await expect(tracker.listRuns()).rejects.toMatchObject({
      code: "TRACKING_RUN_INVALID",
      message: expect.stringContaining("schemaVersion"),
    });
  });

  it("stops on an aborted signal and leaves no run behind", async () => {
    const tracker = new FileTracker({ directory, experimentName: "aborted" });
    const controller = new AbortController();
    controller.abort();
    await expect(
      tracker.trackEvaluation(await evaluate("good"), {
        signal: controller.signal,
        artifacts: [{ path: "a.txt", content: "x" }],
      }),
    ).rejects.toMatchObject({ code: "ABORTED" });
    expect(await files(directory)).toEqual([]);
    await expect(tracker.listRuns({ signal: controller.signal })).rejects.toMatchObject({
      code: "ABORTED",
    });
  });

  it("leaves out non-finite means and refuses keys that collide once sanitized", async () => {
    const summary: ModelSummary = {
      modelId: "m",
      numRecords: 2,
      numFailed: 0,
      scores: {
        algo: {
          fine: { count: 2, mean: 0.5, stdDev: 0.1, ci95: { lower: 0.1, upper: 0.9 } },
          infinite: { count: 2, mean: null, stdDev: null, ci95: null },
        },
      },
      categories: {},
    };
    expect(evaluationMetrics(summary)).toEqual({
      num_records: 2,
      num_failed: 0,
      "algo.fine": 0.5,
      "algo.fine.ci95_lower": 0.1,
      "algo.fine.ci95_upper": 0.9,
    });
    const live = {
      ...summary,
      scores: { algo: { "x:y": summary.scores.algo!.fine!, x_y: summary.scores.algo!.fine! } },
    };
    expect(() => evaluationMetrics(live)).toThrow(/both become "algo.x_y"/);
  });
});
