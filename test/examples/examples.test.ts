import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isEvaluationSummary } from "../../src/evaluation/report/report.js";
import { startMlflow } from "../emulators/mlflow.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Runs an example program the way a user does (`node --import tsx examples/<name>.ts`) against the
 * local stand-ins, and returns its exit code and output.
 */
function runExample(
  name: string,
  extraEnv: Record<string, string> = {},
  timeoutMs = 60_000,
  args: readonly string[] = [],
  cwd?: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Examples use local stand-ins only when no real target is configured: drop any FMOPS_* setting.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("FMOPS_")),
    );
    // From another folder, tsx and the example are named by their full location.
    const loader = cwd === undefined ? "tsx" : import.meta.resolve("tsx");
    const script = cwd === undefined ? `examples/${name}.ts` : join(root, "examples", `${name}.ts`);
    const child = spawn(process.execPath, ["--import", loader, script, ...args], {
      ...(cwd !== undefined ? { cwd } : {}),
      env: {
        ...env,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_EMF_ENVIRONMENT: "Local",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`examples/${name}.ts did not finish within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

// Each example starts a fresh Node process with tsx: allow for slow starts on a busy 2-core runner.
describe("examples run end to end against the local stand-ins", { timeout: 90_000 }, () => {
  it("stream-chat streams a TGI answer and reports latency", async () => {
    const { code, output } = await runExample("stream-chat");
    expect(code, output).toBe(0);
    expect(output).toContain("A line buffer joins the pieces and hands out whole lines. ✅");
    expect(output).toMatch(/latency: {5}TTFT [\d.]+ ms, end to end [\d.]+ ms/);
    // The stand-in's answer is complete, so the stream must not report a length cut-off.
    expect(output).toContain("stop reason: eos_token");
  });

  it("async-batch submits a batch and reports each outcome", async () => {
    const { code, output } = await runExample("async-batch");
    expect(code, output).toBe(0);
    expect(output).toMatch(/5 succeeded, 1 failed/);
    expect(output).toContain("ASYNC_INFERENCE_FAILED");
  });

  it("evaluate-gate refuses a worse prompt version and promotes a better one, with the run id in the label history", async () => {
    const { code, output } = await runExample("evaluate-gate");
    expect(code, output).toBe(0);
    // Hand-checked: qa@1 answers 3 of 8 exactly and 5 as "It is X." (f1 0.5): 5.5 / 8.
    expect(output).toContain("production qa@1: f1 0.688");
    expect(output).toMatch(
      /candidate qa@2: f1 0\.333[\s\S]*FAIL qa_accuracy\.f1_score drop > 0\.02: .*wins\/ties\/losses 0\/3\/5/,
    );
    expect(output).toContain("not promoted: production stays qa@1");
    expect(output).toMatch(
      /candidate qa@3: f1 1\.000 \(run ([\w-]+)\)[\s\S]*promoted: production qa@1 -> qa@3/,
    );
    const runId = /candidate qa@3: f1 1\.000 \(run ([\w-]+)\)/.exec(output)?.[1];
    expect(output).toContain(`"version":"3","previous":"1","evaluationRunId":"${runId}"`);
  });

  it("compare pairs three candidates against the production prompt, per category, with cost", async () => {
    const { code, output } = await runExample("compare");
    expect(code, output).toBe(0);
    // Hand-checked: "It is Paris." scores f1 0.5 on every record; the bare answer 1.
    expect(output).toContain("qa@1: f1 0.500 [0.500, 0.500], failed 0, cost/record 0.0195");
    expect(output).toContain(
      "qa@2 − qa@1: f1 0.500 [0.500, 0.500] (paired-t-95), wins/ties/losses 10/0/0, pairs 10",
    );
    // The small model slips on two culture questions: 8 wins, 2 losses, culture drops.
    expect(output).toMatch(
      /qa@2 small − qa@1: f1 0\.300 .*wins\/ties\/losses 8\/0\/2.*culture -0\.167/,
    );
    expect(output).toContain("offline − qa@1: f1 0.000");
    expect(output).toMatch(/wrote .*compare\.jsonl and .*compare\.html/);
  });

  it("guardrail masks an e-mail, blocks a denied topic before the model and refuses an ungrounded RAG answer", async () => {
    const { code, output } = await runExample("guardrail");
    expect(code, output).toBe(0);
    expect(output).toContain('blocked=false, text="Please email me at {EMAIL}"');
    expect(output).toContain(
      'blocked:  GUARDRAIL_INTERVENED (INPUT): "Sorry, I can\'t give investment advice."',
    );
    expect(output).toContain('grounded: "The support desk is open from 9 to 17 on weekdays [1]."');
    expect(output).toMatch(/refused: {2}"It never closes\." \(grounding [\d.]+ < 0\.7\)/);
  });

  it("tools-orders answers from a Text2Sql tool run over the DuckDB sample data", async () => {
    const { code, output } = await runExample("tools-orders");
    expect(code, output).toBe(0);
    // The tool ran: the scripted model asked for it and DuckDB's counts came back as JSON numbers
    // (count(*) is a bigint; toJsonRows makes it serialisable).
    expect(output).toContain(
      'step 0: lookup_orders({"question":"How many orders are there in each status?"})',
    );
    expect(output).toContain('{"status":"delivered","orders":168}');
    // Hand-checked against examples/data/orders.parquet: 400 orders over five statuses.
    expect(output).toContain(
      "answer: Of 400 orders, 168 are delivered, 65 pending, 60 shipped, 55 returned and 52 cancelled.",
    );
  });

  it("image-search generates images, indexes the folder with Titan Multimodal and finds them by text", async () => {
    const { code, output } = await runExample("image-search");
    expect(code, output).toBe(0);
    expect(output).toContain("generated a-blue-lake-1.png");
    expect(output).toContain("indexed 4 images with bedrock:amazon.titan-embed-image-v1");
    // The stand-in's shared space places texts and images by the colours they name.
    expect(output).toMatch(/"something blue and calm" -> a-blue-lake-1\.png \(1\.000\)/);
    expect(output).toMatch(
      /"a bright yellow flower" -> a-yellow-sunflower-field-1\.png \(1\.000\)/,
    );
  });

  it("prompt-catalog loads the example folder and renders a prompt", async () => {
    const { code, output } = await runExample("prompt-catalog");
    expect(code, output).toBe(0);
    expect(output).toContain("Lint poster");
  });

  it("monitor-latency compares two configurations and writes JSONL and HTML reports into a git-ignored folder", async () => {
    // Run from an empty folder standing for the repository root, without FMOPS_OUT_DIR: what
    // it writes by default must land in a folder that .gitignore lists, never at the top level
    // (issue #17: the reports used to appear in the root of a clone, untracked).
    const cwd = await mkdtemp(join(tmpdir(), "fmops-monitor-"));
    try {
      const { code, output } = await runExample("monitor-latency", {}, 60_000, [], cwd);
      expect(code, output).toBe(0);
      const written = (await readdir(cwd, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => relative(cwd, join(e.parentPath, e.name)).split(sep).join("/"));
      expect(
        written.some((f) => f.endsWith(".jsonl")),
        written.join(", "),
      ).toBe(true);
      expect(
        written.some((f) => f.endsWith(".html")),
        written.join(", "),
      ).toBe(true);
      const ignoredFolders = (await readFile(join(root, ".gitignore"), "utf8"))
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => /^[^#!*]+\/$/.test(l));
      for (const file of written) {
        expect(
          ignoredFolders.some((folder) => file.startsWith(folder)),
          `${file} is not under a folder .gitignore lists (${ignoredFolders.join(", ")})`,
        ).toBe(true);
      }
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it("rag-qa answers over the docs folder with citations, and says it does not know off-topic", async () => {
    const { code, output } = await runExample("rag-qa");
    expect(code, output).toBe(0);
    expect(output).toMatch(/\[\d+\]/);
    expect(output.toLowerCase()).toContain("don't know");
  });

  it("evaluate scores two models' precomputed answers offline and writes the summary and HTML report", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fmops-example-evaluate-"));
    try {
      const { code, output } = await runExample("evaluate", {}, 60_000, [dir]);
      expect(code, output).toBe(0);
      // Hand-checked f1 per record: 1, 1, 0.5 ({atlantic, ocean} vs {pacific, ocean}), 0.4
      // ({shakespeare, wrote, it} vs {william, shakespeare}), 1, 1, 0.5 ({it, is, 9} vs {9}):
      // 5.4 / 7 = 0.771.
      expect(output).toMatch(/model-a: 7 records, 0 failed\noverall\s+f1 0\.771/);
      expect(output).toMatch(/overall\s+quasi-exact match 0\.571/);
      expect(output).toMatch(/model-b: 7 records, 0 failed\noverall\s+f1 0\.786/);
      expect((await readdir(dir)).sort()).toEqual([
        "model-a.records.jsonl",
        "model-b.records.jsonl",
        "qa.jsonl",
        "report.html",
        "runs",
        "summary.json",
      ]);
      expect(output).toMatch(/tracked model-a as run [0-9a-f-]{36} \(file:/);
      expect((await readdir(join(dir, "runs", "trivia-qa"))).length).toBe(2);
      const summary = JSON.parse(await readFile(join(dir, "summary.json"), "utf8"));
      expect(isEvaluationSummary(summary)).toBe(true);
      expect(summary.models.map((m: { modelId: string }) => m.modelId)).toEqual([
        "model-a",
        "model-b",
      ]);
      expect(summary.models[1].scores.factual_knowledge.factual_knowledge.mean).toBeCloseTo(
        6 / 7,
        12,
      );
      const html = await readFile(join(dir, "report.html"), "utf8");
      expect(html).toContain("Trivia QA: model-a vs model-b");
      expect(html).toContain("<svg");
      expect(html).not.toMatch(/<script|(?:href|src)=/); // self-contained: nothing to fetch
      const records = (await readFile(join(dir, "model-a.records.jsonl"), "utf8"))
        .trim()
        .split("\n");
      expect(records).toHaveLength(7);
      expect(JSON.parse(records[0] as string)).toHaveProperty("scores.qa_accuracy.f1_score");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("evaluate tracks its runs in MLflow when MLFLOW_TRACKING_URI is set", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fmops-example-evaluate-"));
    const mlflow = await startMlflow();
    try {
      const { code, output } = await runExample(
        "evaluate",
        { MLFLOW_TRACKING_URI: mlflow.endpoint },
        60_000,
        [dir],
      );
      expect(code, output).toBe(0);
      const runs = [...mlflow.runs.values()];
      expect(runs.map((r) => [r.runName, r.status])).toEqual([
        ["model-a", "FINISHED"],
        ["model-b", "FINISHED"],
      ]);
      expect(runs[1]?.metrics.get("factual_knowledge.factual_knowledge")?.[0]?.value).toBeCloseTo(
        6 / 7,
        12,
      );
      expect(output).toContain(`${mlflow.endpoint}/#/experiments/`);
    } finally {
      await mlflow.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
