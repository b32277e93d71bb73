import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import type { EvaluationRecord, EvaluationSummary } from "../../src/evaluation/index.js";
import { FileTracker } from "../../src/evaluation/index.js";
import { type RunningServer, readBody, startServer } from "../emulators/http.js";
import { startMlflow } from "../emulators/mlflow.js";
import { memoryIo } from "./cli-io.js";

let dir: string;
let server: RunningServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fmops-eval-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

const rows = [
  { question: "Capital of France?", answer: "Paris", out: "Paris", topic: "geo" },
  { question: "Capital of Italy?", answer: "Rome", out: "Milan", topic: "geo" },
  { question: "2+2?", answer: "4<OR>four", out: "four", topic: "math" },
  { question: "Largest planet?", answer: "Jupiter", out: "It is Jupiter", topic: "space" },
];

async function dataset(lines: readonly unknown[] = rows): Promise<string> {
  const path = join(dir, "data.jsonl");
  await writeFile(path, `${lines.map((r) => JSON.stringify(r)).join("\n")}\n`);
  return path;
}

/** What the OpenAI-compatible stand-in received: the path and the last user turn. */
interface Call {
  url: string;
  content: string;
}

/**
 * An OpenAI-compatible `/chat/completions` stand-in on 127.0.0.1: `answer` gives the reply to a
 * request (or a status to fail with), from its path and last user message.
 */
async function openAiStandIn(
  answer: (call: Call) => string | { status: number; message: string },
): Promise<{ base: string; calls: Call[] }> {
  const calls: Call[] = [];
  server = await startServer(async (req, res) => {
    const body = JSON.parse(new TextDecoder().decode(await readBody(req))) as {
      messages: { role: string; content: string }[];
    };
    const call = { url: req.url ?? "", content: body.messages.at(-1)?.content ?? "" };
    calls.push(call);
    const reply = answer(call);
    if (typeof reply !== "string") {
      res.writeHead(reply.status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: reply.message, type: "invalid_request_error" } }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 1_726_000_000,
        model: "m",
        choices: [
          { index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      }),
    );
  });
  return { base: server.endpoint, calls };
}

/** The precomputed output of the row whose question the prompt holds. */
const outputFor = (content: string): string =>
  rows.find((r) => content.includes(r.question))?.out ?? "no idea";

const lines = async (path: string): Promise<EvaluationRecord[]> =>
  (await readFile(path, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as EvaluationRecord);

describe("fmops eval gates", () => {
  // The same questions; `worse` gets Italy and 2+2 wrong where `out` got 2+2 right.
  const withWorse = rows.map((r, i) => ({ ...r, worse: i === 2 ? "five" : r.out }));
  const base = ["eval", "--algorithm", "qa", "--quiet"];

  async function baseline(): Promise<{ data: string; summary: string; records: string }> {
    const data = await dataset(withWorse);
    const summary = join(dir, "baseline.json");
    const records = join(dir, "baseline.jsonl");
    const t = memoryIo();
    const args = [...base, "--data", data, "--precomputed", "out"];
    expect(await main([...args, "--summary", summary, "--output", records], t.io)).toBe(0);
    return { data, summary, records };
  }

  it("exits 1 with a table of what failed against a baseline summary, and writes JUnit XML", async () => {
    const b = await baseline();
    const junit = join(dir, "gates.xml");
    const t = memoryIo();
    const code = await main(
      [
        ...base,
        "--data",
        b.data,
        "--precomputed",
        "worse",
        "--baseline",
        b.summary,
        "--fail-on",
        "qa_accuracy.f1_score drop > 0.02",
        "--min",
        "exact_match_score >= 0.2",
        "--max-p90-latency",
        "60000",
        "--junit",
        junit,
      ],
      t.io,
    );
    expect(code, t.stderr()).toBe(1);
    const out = t.stdout();
    expect(out).toMatch(/FAIL\s+qa_accuracy\.f1_score drop > 0\.02\s+0\.25\s+0\.02/);
    expect(out).toMatch(/pass\s+exact_match_score >= 0\.2\s+0\.25\s+0\.2/);
    expect(out).toMatch(/pass\s+latency p90 <= 60000 ms/);
    expect(out).toContain("means only");
    expect(out).toContain("1 of 3 gates failed");
    const xml = await readFile(junit, "utf8");
    expect(xml).toContain('tests="3" failures="1"');
    expect(xml).toContain('name="qa_accuracy.f1_score drop &gt; 0.02"');
  });

  it("compares record by record with --baseline-records, and exits 0 when every gate passes", async () => {
    const b = await baseline();
    const t = memoryIo();
    const code = await main(
      [
        ...base,
        "--data",
        b.data,
        "--precomputed",
        "worse",
        "--baseline",
        b.summary,
        "--baseline-records",
        b.records,
        "--fail-on",
        "f1_score drop > 0.3",
      ],
      t.io,
    );
    expect(code, t.stderr()).toBe(0);
    expect(t.stdout()).toMatch(/pass\s+f1_score drop > 0\.3\s+0\.25\s+0\.3/);
    expect(t.stdout()).toMatch(/paired t 95% CI .* wins\/ties\/losses 0\/3\/1/);
    expect(t.stdout()).toContain("all 1 gates passed");
  });

  it("prints a paired interval of a 0-1 score clipped to -1 .. 1 and says so (issue #17)", async () => {
    // Exact match, baseline `out` 1, 0, 1 and candidate `alt` 0, 1, 1: differences -1, 1, 0,
    // whose paired t interval used to print as "-2.4843 to 2.4843".
    const alts = ["Lyon", "Rome", "four"];
    const data = await dataset(rows.slice(0, 3).map((r, i) => ({ ...r, alt: alts[i] })));
    const summary = join(dir, "baseline.json");
    const records = join(dir, "baseline.jsonl");
    const args = ["eval", "--algorithm", "qa", "--quiet", "--data", data];
    const first = memoryIo();
    expect(
      await main(
        [...args, "--precomputed", "out", "--summary", summary, "--output", records],
        first.io,
      ),
    ).toBe(0);
    const t = memoryIo();
    const code = await main(
      [
        ...args,
        "--precomputed",
        "alt",
        "--baseline",
        summary,
        "--baseline-records",
        records,
        "--fail-on",
        "exact_match_score drop > 0.5",
      ],
      t.io,
    );
    expect(code, t.stderr()).toBe(0);
    const out = t.stdout();
    expect(out).toContain(
      "paired t 95% CI -1 to 1 (clipped to the range of a difference, -1 to 1; from fewer than 30 records: a rough indication)",
    );
    expect(out).toContain("wins/ties/losses 1/1/1");
    expect(out).not.toContain("2.4843");
  });

  it("lets a failure rate within --max-failure-rate pass, and fails above it", async () => {
    const standIn = await openAiStandIn(({ content }) =>
      content.includes("Italy") ? { status: 400, message: "refused" } : outputFor(content),
    );
    const data = await dataset();
    const args = [...base, "--data", data, "--model", `openai:${standIn.base}/v1`];
    const ok = memoryIo();
    expect(await main([...args, "--max-failure-rate", "0.25"], ok.io)).toBe(0);
    expect(ok.stdout()).toMatch(/pass\s+failure rate <= 0\.25\s+0\.25/);
    const bad = memoryIo();
    expect(await main([...args, "--max-failure-rate", "0.1"], bad.io)).toBe(1);
    expect(bad.stdout()).toMatch(/FAIL\s+failure rate <= 0\.1/);
  });

  const usageCases: [string, string[], RegExp][] = [
    ["--fail-on without --baseline", ["--fail-on", "f1 drop > 0.1"], /--fail-on .*--baseline/],
    ["an unreadable --min", ["--min", "f1 is high"], /Cannot read the gate "f1 is high"/],
    ["--min with an upper bound", ["--min", "f1 <= 0.5"], /--min takes "<metric> >= <number>"/],
    [
      "--baseline-records without --baseline",
      ["--baseline-records", "b.jsonl"],
      /--baseline-records/,
    ],
    ["--max-failure-rate over 1", ["--max-failure-rate", "2"], /--max-failure-rate takes/],
    ["--junit without a gate", ["--junit", "g.xml"], /--junit writes the gates' verdicts/],
  ];
  for (const [what, extra, message] of usageCases) {
    it(`exits 2 on ${what}`, async () => {
      const t = memoryIo();
      const args = ["eval", "--data", "d.jsonl", "--algorithm", "qa", "--precomputed", "out"];
      expect(await main([...args, ...extra], t.io)).toBe(2);
      expect(t.stderr()).toMatch(message);
    });
  }

  it("exits 2 before any work when the baseline file is not a summary", async () => {
    const data = await dataset();
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ hello: 1 }));
    const t = memoryIo();
    const args = [...base, "--data", data, "--precomputed", "out", "--baseline", bad];
    expect(await main([...args, "--fail-on", "f1_score drop > 0.1"], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/baseline/);
  });
});

describe("fmops eval: toxicity, sql and retrieval", () => {
  const backendCases: [string, string[], RegExp][] = [
    [
      "toxicity without --toxicity",
      ["--algorithm", "toxicity"],
      /--toxicity comprehend .*--toxicity <folder>/,
    ],
    [
      "sql without --sql-table",
      ["--algorithm", "sql"],
      /--sql-table <file\|folder>.*@duckdb\/node-api/,
    ],
    [
      "retrieval without --index",
      ["--algorithm", "retrieval"],
      /--index <file> \(write one with fmops index/,
    ],
    [
      "--sql-table without sql",
      ["--algorithm", "qa", "--sql-table", "t.csv"],
      /--sql-table is used only with --algorithm sql/,
    ],
  ];
  for (const [what, extra, message] of backendCases) {
    it(`exits 2 on ${what}, saying what is missing`, async () => {
      const t = memoryIo();
      const args = ["eval", "--data", "d.jsonl", "--precomputed", "out", ...extra];
      expect(await main(args, t.io)).toBe(2);
      expect(t.stderr()).toMatch(message);
    });
  }

  it("scores generated SQL by running it and the reference on DuckDB over --sql-table files", async () => {
    const table = join(dir, "orders.csv");
    await writeFile(table, "order_id,status\n1,shipped\n2,shipped\n3,open\n");
    const data = await dataset([
      {
        question: "shipped?",
        sql: "SELECT count(*) FROM orders WHERE status = 'shipped'",
        out: "SELECT count(order_id) FROM orders WHERE status = 'shipped'",
      },
      {
        question: "open?",
        sql: "SELECT count(*) FROM orders WHERE status = 'open'",
        out: "SELECT count(*) FROM orders",
      },
    ]);
    const t = memoryIo();
    const args = [
      "eval",
      "--data",
      data,
      "--algorithm",
      "sql",
      "--precomputed",
      "out",
      "--sql-table",
      table,
      "--json",
      "--quiet",
    ];
    expect(await main(args, t.io), t.stderr()).toBe(0);
    const result = JSON.parse(t.stdout());
    // One of two generated queries returns the reference's rows; both ran.
    expect(result.scores.sql_accuracy.execution_match.mean).toBe(0.5);
    expect(result.scores.sql_accuracy.valid_sql.mean).toBe(1);
  });

  it("scores retrieval from an index written by fmops index, judged by source file", async () => {
    const docs = join(dir, "docs");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(docs);
    await writeFile(join(docs, "keys.md"), "# Keys\n\nRotate IAM access keys every 90 days.\n");
    await writeFile(
      join(docs, "vpc.md"),
      "# Networks\n\nPut databases in private subnets of the VPC.\n",
    );
    const index = join(dir, "index.json");
    expect(await main(["index", docs, "--out", index], memoryIo().io)).toBe(0);
    const data = await dataset([
      { question: "how often rotate access keys", sources: ["keys.md"] },
      { question: "private subnets for databases", sources: ["vpc.md"] },
    ]);
    const t = memoryIo();
    const args = [
      "eval",
      "--data",
      data,
      "--algorithm",
      "retrieval",
      "--precomputed",
      "question",
      "--index",
      index,
      "--k",
      "1",
      "--json",
      "--quiet",
    ];
    expect(await main(args, t.io), t.stderr()).toBe(0);
    const result = JSON.parse(t.stdout());
    expect(result.scores.retrieval_accuracy.recall_at_k.mean).toBe(1);
    expect(result.scores.retrieval_accuracy.mrr.mean).toBe(1);
  });
});

describe("fmops eval --precomputed", () => {
  it("scores the outputs in the dataset and writes the records, summary and report", async () => {
    const data = await dataset();
    const output = join(dir, "records.jsonl");
    const summary = join(dir, "summary.json");
    const report = join(dir, "report.html");
    const t = memoryIo();
    const code = await main(
      [
        "eval",
        "--data",
        data,
        "--algorithm",
        "qa,factual",
        "--precomputed",
        "out",
        "--category",
        "topic",
        "--output",
        output,
        "--summary",
        summary,
        "--report",
        report,
        "--title",
        "Capitals",
      ],
      t.io,
    );
    expect(t.stderr()).not.toContain("fmops eval:");
    expect(code).toBe(0);
    const out = t.stdout();
    // Exact match: 1, 0, 1, 0 -> 0.5 with s = 0.57735, t(0.975, 3) = 3.182: half-width 0.9186,
    // which runs past both ends of [0, 1], so the interval prints as its cut bounds, marked as
    // from fewer than 30 records (issue #17).
    expect(out).toMatch(/qa_accuracy\.exact_match_score\s+0\.5000\s+\[0\.0000, 1\.0000\]\*\s+4/);
    expect(out).toMatch(
      /factual_knowledge\.factual_knowledge\s+0\.7500\s+\[0\.0000, 1\.0000\]\*\s+4/,
    );
    expect(out).toContain("* fewer than 30 records: the interval is a rough indication");
    expect(out).toContain("4 records; model precomputed:out");
    // Progress on a stderr that is not a terminal: plain lines, one per record for 4 records.
    expect(t.stderr()).toContain("1/4 records, 0 failed\n");
    expect(t.stderr()).toContain("4/4 records, 0 failed\n");

    const written = await lines(output);
    expect(written.map((r) => r.index).sort()).toEqual([0, 1, 2, 3]);
    expect(written.find((r) => r.index === 1)).toMatchObject({ output: "Milan", category: "geo" });

    const s = JSON.parse(await readFile(summary, "utf8")) as EvaluationSummary;
    expect(s).toMatchObject({
      schemaVersion: 1,
      title: "Capitals",
      dataset: data,
      params: { algorithms: ["qa", "factual"], input: "question", target: "answer" },
    });
    expect(s.params?.precomputed).toBe("out");
    expect(s.models[0]?.scores.qa_accuracy?.exact_match_score?.mean).toBe(0.5);
    expect(s.models[0]?.categories.geo?.qa_accuracy?.exact_match_score?.mean).toBe(0.5);

    const html = await readFile(report, "utf8");
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect(html).toContain("Capitals");
    expect(html).toContain("precomputed:out");
  });

  it("prints JSON with --json, samples with --num-records, and stays quiet with --quiet", async () => {
    const data = await dataset();
    const t = memoryIo();
    const code = await main(
      [
        "eval",
        "--data",
        data,
        "--algorithm",
        "qa",
        "--precomputed",
        "out",
        "--num-records",
        "2",
        "--seed",
        "5",
        "--json",
        "--quiet",
      ],
      t.io,
    );
    expect(code).toBe(0);
    expect(t.stderr()).toBe("");
    const result = JSON.parse(t.stdout());
    expect(result.numRecords).toBe(2);
    expect(result.scores.qa_accuracy.f1_score.count).toBe(2);
  });

  it("scores summaries with the summarization defaults (document, summary)", async () => {
    const data = await dataset([
      {
        document: "The cat sat on the mat all day.",
        summary: "A cat sat on a mat.",
        out: "The cat sat on the mat.",
      },
      { document: "Rain fell in Paris.", summary: "It rained in Paris.", out: "Paris had rain." },
    ]);
    const t = memoryIo();
    const code = await main(
      [
        "eval",
        "--data",
        data,
        "--algorithm",
        "summarization",
        "--precomputed",
        "out",
        "--no-meteor",
      ],
      t.io,
    );
    expect(t.stderr()).not.toContain("fmops eval:");
    expect(code).toBe(0);
    expect(t.stdout()).toMatch(/summarization_accuracy\.rouge\s+0\.\d{4}/);
  });

  it("draws a progress bar when stderr is a terminal", async () => {
    const data = await dataset();
    const err: string[] = [];
    const out: string[] = [];
    const io: CliIo = {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s), isTTY: true, columns: 120 },
      stdin: (async function* () {})(),
      signal: new AbortController().signal,
    };
    const code = await main(
      ["eval", "--data", data, "--algorithm", "qa", "--precomputed", "out"],
      io,
    );
    expect(code).toBe(0);
    const drawn = err.join("");
    expect(drawn).toContain("4/4 records | 0 failed");
    expect(drawn).toContain("100%");
    expect(drawn).not.toContain("4/4 records, 0 failed");
    expect(out.join("")).toContain("qa_accuracy.f1_score");
  });

  it("exits 1 and names the fields read when a line does not have them", async () => {
    const data = await dataset([{ prompt: "x", out: "y" }]);
    const t = memoryIo();
    const code = await main(
      ["eval", "--data", data, "--algorithm", "qa", "--precomputed", "out"],
      t.io,
    );
    expect(code).toBe(1);
    // One error line: the record's line, what was wrong, and the flags that chose the fields;
    // the library's advice about Dataset.fromJsonl means nothing on the command line.
    expect(t.stderr()).toMatch(
      /^fmops eval: Dataset line 1: .*this run read --input question --target answer\)\. \[DATASET_RECORD_INVALID\]\n$/,
    );
    expect(t.stderr()).not.toContain("Dataset.fromJsonl");
  });
});

describe("fmops eval tracking", () => {
  it("logs the run to MLflow: settings as params, means and intervals as metrics, summary and report as artifacts", async () => {
    const mlflow = await startMlflow();
    try {
      const data = await dataset();
      const t = memoryIo();
      const code = await main(
        [
          "eval",
          ...["--data", data, "--algorithm", "qa", "--precomputed", "out", "--category", "topic"],
          ...["--mlflow", mlflow.endpoint, "--experiment", "capitals", "--run-name", "nightly"],
          "--quiet",
        ],
        t.io,
      );
      expect(code, t.stderr()).toBe(0);
      const experiment = [...mlflow.experiments.values()].find((e) => e.name === "capitals");
      expect(experiment).toBeDefined(); // MLflow always has "Default" too
      const [run] = [...mlflow.runs.values()];
      expect(run).toMatchObject({ runName: "nightly", status: "FINISHED" });
      expect(t.stderr()).toContain(
        `Tracked as run ${run?.runId} in experiment ${experiment?.experimentId}: ${mlflow.endpoint}/#/experiments/`,
      );
      expect(run?.params.get("model_id")).toBe("precomputed:out");
      expect(run?.params.get("algorithms")).toBe("qa");
      expect(run?.params.get("category")).toBe("topic");
      // Exact match 1, 0, 1, 0: mean 0.5, half-width 3.182 * 0.57735 / 2 = 0.9186, cut to the
      // score's range [0, 1] (issue #17).
      expect(run?.metrics.get("qa_accuracy.exact_match_score")?.[0]?.value).toBe(0.5);
      expect(run?.metrics.get("qa_accuracy.exact_match_score.ci95_upper")?.[0]?.value).toBe(1);
      expect(run?.metrics.get("category/geo/qa_accuracy.exact_match_score")?.[0]?.value).toBe(0.5);
      expect(run?.metrics.get("num_records")?.[0]?.value).toBe(4);
      const names = [...mlflow.artifacts.keys()].map((k) => k.split("/").at(-1)).sort();
      expect(names).toEqual(["report.html", "summary.json"]);
      const summaryKey = [...mlflow.artifacts.keys()].find((k) =>
        k.endsWith("summary.json"),
      ) as string;
      const summary = JSON.parse(new TextDecoder().decode(mlflow.artifacts.get(summaryKey)?.body));
      expect(summary.models[0].scores.qa_accuracy.f1_score.count).toBe(4);
    } finally {
      await mlflow.close();
    }
  });

  it("logs the run to files with --track-dir", async () => {
    const data = await dataset();
    const t = memoryIo();
    const track = join(dir, "runs");
    const code = await main(
      [
        "eval",
        "--data",
        data,
        "--algorithm",
        "factual",
        "--precomputed",
        "out",
        "--track-dir",
        track,
        "--quiet",
      ],
      t.io,
    );
    expect(code, t.stderr()).toBe(0);
    const runs = await new FileTracker({
      directory: track,
      experimentName: "fmops-eval",
    }).listRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]?.metrics["factual_knowledge.factual_knowledge"]).toBe(0.75);
    expect(runs[0]?.params.model_id).toBe("precomputed:out");
    expect(t.stderr()).toContain(`Tracked as run ${runs[0]?.runId} in experiment fmops-eval`);
  });

  it("exits 1, after printing the scores, when the tracking server refuses the run", async () => {
    const mlflow = await startMlflow();
    mlflow.faults.push({
      route: "runs/create",
      status: 400,
      errorCode: "INVALID_PARAMETER_VALUE",
      times: 1,
    });
    try {
      const data = await dataset();
      const t = memoryIo();
      const code = await main(
        [
          "eval",
          "--data",
          data,
          "--algorithm",
          "qa",
          "--precomputed",
          "out",
          "--mlflow",
          mlflow.endpoint,
          "--quiet",
        ],
        t.io,
      );
      expect(code).toBe(1);
      expect(t.stdout()).toMatch(/qa_accuracy\.exact_match_score\s+0\.5000/);
      expect(t.stderr()).toContain("MLFLOW_INVALID_PARAMETER_VALUE");
    } finally {
      await mlflow.close();
    }
  });
});

describe("fmops eval --model", () => {
  it("runs an OpenAI-compatible model with the prompt and grades with a judge", async () => {
    const standIn = await openAiStandIn(({ url, content }) =>
      url.startsWith("/judge/") ? 'Fine.\n{"score": 8, "reason": "ok"}' : outputFor(content),
    );
    const data = await dataset();
    const t = memoryIo();
    const code = await main(
      [
        "eval",
        "--data",
        data,
        "--algorithm",
        "qa",
        "--algorithm",
        "judge",
        "--model",
        `openai:${standIn.base}/v1`,
        "--judge-model",
        `openai:${standIn.base}/judge/v1`,
        "--prompt",
        "Answer briefly. {{input}}",
        "--concurrency",
        "2",
      ],
      t.io,
    );
    expect(t.stderr()).not.toContain("fmops eval:");
    expect(code).toBe(0);
    const modelCalls = standIn.calls.filter((c) => c.url === "/v1/chat/completions");
    expect(modelCalls.map((c) => c.content).sort()).toEqual(
      rows.map((r) => `Answer briefly. ${r.question}`).sort(),
    );
    const judgeCalls = standIn.calls.filter((c) => c.url === "/judge/v1/chat/completions");
    expect(judgeCalls).toHaveLength(4);
    expect(judgeCalls.some((c) => c.content.includes("It is Jupiter"))).toBe(true);
    const out = t.stdout();
    expect(out).toMatch(/qa_accuracy\.exact_match_score\s+0\.5000/);
    expect(out).toMatch(/llm_judge\.judge_score\s+8\.0000\s+± 0\.0000\*\s+4/);
    expect(out).toContain("model openai-compatible:default");
  });

  it("exits 1 when records fail, then --resume runs only those and appends them", async () => {
    let down = true;
    const standIn = await openAiStandIn(({ content }) =>
      down && content.includes("Italy")
        ? { status: 400, message: "this prompt is refused" }
        : outputFor(content),
    );
    const data = await dataset();
    const output = join(dir, "records.jsonl");
    const args = [
      "eval",
      "--data",
      data,
      "--algorithm",
      "qa",
      "--model",
      `openai:${standIn.base}/v1`,
      "--output",
      output,
    ];
    const first = memoryIo();
    expect(await main(args, first.io)).toBe(1);
    expect(first.stderr()).toContain("4/4 records, 1 failed");
    expect(first.stdout()).toContain("4 records, 1 failed");
    expect((await lines(output)).filter((r) => r.error)).toHaveLength(1);

    down = false;
    standIn.calls.length = 0;
    const second = memoryIo();
    expect(await main([...args, "--resume"], second.io)).toBe(0);
    expect(standIn.calls.map((c) => c.content)).toEqual(["Capital of Italy?"]);
    expect(second.stderr()).toContain("4/4 records, 0 failed, 3 resumed");
    const all = await lines(output);
    expect(all).toHaveLength(5);
    expect(all.at(-1)).toMatchObject({ index: 1, output: "Milan" });

    // The resumed result is that of one clean run.
    const clean = memoryIo();
    expect(await main(args.slice(0, -2), clean.io)).toBe(0);
    expect(second.stdout()).toBe(clean.stdout());
  });

  it("says how to continue after an interruption, and continues with --resume", async () => {
    const controller = new AbortController();
    let calls = 0;
    const standIn = await openAiStandIn(({ content }) => {
      calls += 1;
      if (calls === 3) controller.abort();
      return outputFor(content);
    });
    const data = await dataset();
    const output = join(dir, "records.jsonl");
    const args = [
      "eval",
      "--data",
      data,
      "--algorithm",
      "qa",
      "--model",
      `openai:${standIn.base}/v1`,
      "--concurrency",
      "1",
      "--output",
      output,
      "--resume",
    ];
    const first = memoryIo("", controller.signal);
    expect(await main(args, first.io)).toBe(1);
    expect(first.stderr()).toContain("No ");
    expect(first.stderr()).toContain("run the same command with --resume to continue");
    expect(first.stderr()).toContain("[ABORTED]");
    const done = (await lines(output)).length;
    expect(done).toBe(2);
    // A crash cut the next record short: the repair removes it before appending.
    await writeFile(output, `${await readFile(output, "utf8")}{"index":2,"li`);

    standIn.calls.length = 0;
    const second = memoryIo();
    expect(await main(args, second.io)).toBe(0);
    expect(second.stderr()).toContain("Removed an unfinished last line (14 bytes)");
    expect(standIn.calls).toHaveLength(4 - done);
    expect((await lines(output)).map((r) => r.index).sort()).toEqual([0, 1, 2, 3]);
    expect(second.stdout()).toMatch(
      /qa_accuracy\.exact_match_score\s+0\.5000\s+\[0\.0000, 1\.0000\]\*\s+4/,
    );
  });
});
describe("fmops eval: failed records on the terminal (issue #17)", () => {
  it("counts the failures by reason and shows the first ones with their line numbers", async () => {
    // Eight questions; the server refuses six of them, one with a different status.
    const refused: Record<string, number> = { Q2: 400, Q3: 422, Q5: 400, Q6: 400, Q7: 400 };
    refused.Q8 = 400;
    const standIn = await openAiStandIn(({ content }) => {
      const status = refused[content];
      return status === undefined ? "yes" : { status, message: `no answer for ${content}` };
    });
    const data = await dataset(
      ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8"].map((q) => ({ question: q, answer: "yes" })),
    );
    const output = join(dir, "records.jsonl");
    const args = [
      "eval",
      "--data",
      data,
      "--algorithm",
      "qa",
      "--model",
      `openai:${standIn.base}/v1`,
    ];
    const t = memoryIo();
    expect(await main([...args, "--output", output, "--concurrency", "3"], t.io)).toBe(1);
    expect(t.stdout()).toContain("8 records, 6 failed");
    const err = t.stderr();
    expect(err).toContain("6 of 8 records failed. By reason:");
    expect(err).toMatch(/^ {2}HTTP_400 +5$/m);
    expect(err).toMatch(/^ {2}HTTP_422 +1$/m);
    // The first five by line number, whatever order the concurrent calls finished in.
    const shown = [
      ...err.matchAll(/^ {2}line (\d+): (HTTP_\d+) \(model\): .*no answer for (Q\d)/gm),
    ];
    expect(shown.map((m) => [m[1], m[2], m[3]])).toEqual([
      ["2", "HTTP_400", "Q2"],
      ["3", "HTTP_422", "Q3"],
      ["5", "HTTP_400", "Q5"],
      ["6", "HTTP_400", "Q6"],
      ["7", "HTTP_400", "Q7"],
    ]);
    expect(err).toContain(`and 1 more: every failed record, with its error, is in ${output}`);

    // Without --output the reasons are still on the terminal, and it says how to keep them all.
    const bare = memoryIo();
    expect(await main(args, bare.io)).toBe(1);
    expect(bare.stderr()).toContain("6 of 8 records failed. By reason:");
    expect(bare.stderr()).toContain("--output <records.jsonl>");
  });

  it("prints the summary with --json and --quiet too, and nothing when every record scored", async () => {
    const data = await dataset([
      { question: "a", answer: "x", out: "x" },
      { question: "b", answer: "y" },
    ]);
    const args = ["eval", "--data", data, "--algorithm", "qa", "--precomputed", "out"];
    const quiet = memoryIo();
    expect(await main([...args, "--json", "--quiet"], quiet.io)).toBe(1);
    expect(quiet.stderr()).toContain("1 of 2 records failed. By reason:");
    expect(quiet.stderr()).toMatch(
      /^ {2}line 2: DATASET_RECORD_INVALID \(model\): Dataset line 2/m,
    );
    // The advice names what the user wrote (here the --precomputed field), not a library class.
    expect(quiet.stderr()).toContain('the output location "out" selected no string');
    expect(quiet.stderr()).not.toContain("PrecomputedRunner");
    expect(() => JSON.parse(quiet.stdout())).not.toThrow();

    const clean = memoryIo();
    const ok = await dataset([{ question: "a", answer: "x", out: "x" }]);
    expect(
      await main(["eval", "--data", ok, "--algorithm", "qa", "--precomputed", "out"], clean.io),
    ).toBe(0);
    expect(clean.stderr()).not.toContain("failed. By reason");
  });
});

describe("fmops eval: small samples (issue #17)", () => {
  it("a two-record run prints its interval within the score's range, marked as rough", async () => {
    // Exact match 1 and 0: mean 0.5, s = 0.7071, t(0.975, 1) = 12.706, half-width 6.353, which
    // the table used to print as "0.5000 ± 6.3530" on a score that lives in [0, 1].
    const data = await dataset(rows.slice(0, 2));
    const t = memoryIo();
    const code = await main(
      ["eval", "--data", data, "--algorithm", "qa", "--precomputed", "out"],
      t.io,
    );
    expect(code).toBe(0);
    expect(t.stdout()).toMatch(
      /qa_accuracy\.exact_match_score\s+0\.5000\s+\[0\.0000, 1\.0000\]\*\s+2/,
    );
    expect(t.stdout()).not.toContain("±");
    expect(t.stdout()).toContain("* fewer than 30 records");
  });
});

describe("fmops eval: dataset files (issue #17)", () => {
  it("refuses an output file it could not write before scoring any record", async () => {
    const data = await dataset();
    for (const flag of ["--summary", "--report", "--junit"]) {
      const path = join(dir, "missing-folder", "file.out");
      const t = memoryIo();
      const extra = flag === "--junit" ? ["--min", "qa_accuracy.f1_score >= 0"] : [];
      const code = await main(
        ["eval", "--data", data, "--algorithm", "qa", "--precomputed", "out", flag, path, ...extra],
        t.io,
      );
      expect(code, flag).toBe(1);
      expect(t.stderr(), flag).toContain(
        `"${path}" cannot be written: its folder "${join(dir, "missing-folder")}" does not exist`,
      );
      expect(t.stderr(), flag).toContain("[FILE_NOT_FOUND]");
      expect(t.stderr(), flag).not.toContain("records, 0 failed");
      const folder = memoryIo();
      await main(
        ["eval", "--data", data, "--algorithm", "qa", "--precomputed", "out", flag, dir, ...extra],
        folder.io,
      );
      expect(folder.stderr(), flag).toContain(`"${dir}" is a folder`);
      expect(folder.stderr(), flag).not.toContain("records, 0 failed");
    }
  });

  it("names the folder given as --data", async () => {
    const t = memoryIo();
    const code = await main(
      ["eval", "--data", dir, "--algorithm", "qa", "--precomputed", "out"],
      t.io,
    );
    expect(code).toBe(1);
    expect(t.stderr()).toContain(`"${dir}" is a folder`);
    expect(t.stderr()).toContain("[FILE_IS_DIRECTORY]");
  });

  it("names the missing --data file", async () => {
    const missing = join(dir, "nope.jsonl");
    const t = memoryIo();
    const code = await main(
      ["eval", "--data", missing, "--algorithm", "qa", "--precomputed", "out"],
      t.io,
    );
    expect(code).toBe(1);
    expect(t.stderr()).toContain(`"${missing}" does not exist`);
    expect(t.stderr()).toContain("[FILE_NOT_FOUND]");
  });

  it("reports a line over the length limit by its line number, not as a response stream", async () => {
    // One record of 17 MiB after a normal one: over the 16 MiB line limit.
    const path = join(dir, "big.jsonl");
    await writeFile(
      path,
      `${JSON.stringify({ question: "a", answer: "x", out: "x" })}\n${JSON.stringify({ question: "q".repeat(17 * 1024 * 1024), answer: "x", out: "x" })}\n`,
    );
    const t = memoryIo();
    const code = await main(
      ["eval", "--data", path, "--algorithm", "qa", "--precomputed", "out"],
      t.io,
    );
    expect(code).toBe(1);
    const err = t.stderr();
    expect(err).toContain("Dataset line 2:");
    expect(err).toContain("16777216 bytes");
    expect(err).not.toContain("response stream");
    // Not a field-name problem: the hint about --input/--target would mislead.
    expect(err).not.toContain("fields read");
  });
});

describe("fmops eval usage errors", () => {
  const cases: [string, string[], RegExp][] = [
    ["no --data", ["--algorithm", "qa", "--precomputed", "out"], /--data <file.jsonl> is required/],
    ["no --algorithm", ["--data", "d.jsonl", "--precomputed", "out"], /--algorithm is required/],
    [
      "an unknown algorithm",
      ["--data", "d.jsonl", "--algorithm", "qa,bleu", "--precomputed", "out"],
      /--algorithm takes summarization, qa, factual, judge, toxicity, sql, retrieval; got "bleu"/,
    ],
    [
      "neither --model nor --precomputed",
      ["--data", "d.jsonl", "--algorithm", "qa"],
      /Choose exactly one of --model/,
    ],
    [
      "both --model and --precomputed",
      ["--data", "d.jsonl", "--algorithm", "qa", "--precomputed", "out", "--model", "bedrock:m"],
      /Choose exactly one of --model/,
    ],
    [
      "a prompt without a model",
      ["--data", "d.jsonl", "--algorithm", "qa", "--precomputed", "out", "--prompt", "{{input}}"],
      /need --model/,
    ],
    [
      "a judge without a judge model",
      ["--data", "d.jsonl", "--algorithm", "judge", "--precomputed", "out"],
      /--algorithm judge needs a judge/,
    ],
    [
      "--judge-model without judge",
      [
        "--data",
        "d.jsonl",
        "--algorithm",
        "qa",
        "--model",
        "bedrock:m",
        "--judge-model",
        "bedrock:j",
      ],
      /--judge-model is used only with --algorithm judge/,
    ],
    [
      "--resume without --output",
      ["--data", "d.jsonl", "--algorithm", "qa", "--precomputed", "out", "--resume"],
      /--resume continues the records in --output/,
    ],
    [
      "a bad number",
      ["--data", "d.jsonl", "--algorithm", "qa", "--precomputed", "out", "--concurrency", "0"],
      /--concurrency takes a whole number of at least 1/,
    ],
    [
      "a fractional seed",
      ["--data", "d.jsonl", "--algorithm", "qa", "--precomputed", "out", "--seed", "1.5"],
      /--seed takes a whole number/,
    ],
    [
      "an unknown flag",
      ["--data", "d.jsonl", "--algorithm", "qa", "--precomputed", "out", "--bogus"],
      /unknown option "--bogus"\. Run "fmops eval --help" for the options\./,
    ],
    [
      "a misspelled flag, suggesting the documented one",
      ["--data", "d.jsonl", "--algoritm", "qa", "--precomputed", "out"],
      /unknown option "--algoritm"\. Did you mean "--algorithm"\?/,
    ],
    [
      "a flag missing its value, showing the value it takes",
      ["--algorithm", "qa", "--precomputed", "out", "--data"],
      /option "--data" needs a value: --data <file\.jsonl>\./,
    ],
    [
      "a positional argument",
      ["d.jsonl", "--algorithm", "qa", "--precomputed", "out"],
      /unexpected argument "d\.jsonl": this command takes only options\./,
    ],
    [
      "an unknown model kind",
      ["--data", "d.jsonl", "--algorithm", "qa", "--model", "llama"],
      /--model must be bedrock:<model-id>/,
    ],
  ];
  cases.push(
    [
      "both --mlflow and --track-dir",
      [
        "--data",
        "d.jsonl",
        "--algorithm",
        "qa",
        "--precomputed",
        "out",
        "--mlflow",
        "http://127.0.0.1:1",
        "--track-dir",
        "runs",
      ],
      /Give --mlflow or --track-dir, not both/,
    ],
    [
      "--experiment without a tracker",
      ["--data", "d.jsonl", "--algorithm", "qa", "--precomputed", "out", "--experiment", "x"],
      /--experiment and --run-name name a tracked run/,
    ],
    [
      "an --mlflow that is neither a URL nor an ARN",
      [
        "--data",
        "d.jsonl",
        "--algorithm",
        "qa",
        "--precomputed",
        "out",
        "--mlflow",
        "mlflow.example",
      ],
      /trackingUri/,
    ],
  );
  for (const [what, args, message] of cases) {
    it(`exits 2 on ${what}`, async () => {
      const t = memoryIo();
      expect(await main(["eval", ...args], t.io)).toBe(2);
      expect(t.stderr()).toMatch(message);
      expect(t.stderr()).toContain("[VALIDATION_ERROR]");
      // Never Node's raw parseArgs wording, which names no fmops command or help.
      expect(t.stderr()).not.toMatch(/To specify an option argument|Unknown option '/);
    });
  }

  it("prints its usage", async () => {
    const t = memoryIo();
    expect(await main(["eval", "--help"], t.io)).toBe(0);
    expect(t.stdout()).toContain("--precomputed <jmespath>");
    expect(t.stdout()).toContain("--resume");
  });
});
