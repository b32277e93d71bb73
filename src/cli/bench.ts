/**
 * `fmops bench`: a load test of one model from the command line, with a progress bar on stderr,
 * a summary table on stdout, and optional JSONL and HTML outputs.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { ChatRequest } from "../core/index.js";
import { ValidationError } from "../core/index.js";
import { parseJsonLines } from "../core/internal.js";
import {
  type LoadTestProgress,
  loadTestJsonl,
  renderLoadTestHtml,
  runLoadTest,
} from "../monitoring/index.js";
import { checkAwsSetup, isAwsModelSpec } from "./aws-setup.js";
import { reasonLines } from "./failure-summary.js";
import { readTextFile, requireWritableFile, writeTextFile } from "./file-errors.js";
import { awsFlags, positiveIntFlag } from "./flags.js";
import type { CliCommand, CliIo } from "./io.js";
import { modelFlagOptions, modelFlagsUsage, modelFromFlags } from "./model-flags.js";

const usage = `Usage: fmops bench --model <model> --prompts <file.jsonl> [options]

Calls the model at each concurrency level, streaming, and prints TTFT, end-to-end latency and
output tokens per second (p50/p90/p99) per level.

${modelFlagsUsage}
Options:
  --prompts <file.jsonl>    One prompt per line: a JSON string, {"prompt": "..."} or a ChatRequest
  --concurrency <list>      Comma-separated levels (default 1,4,16)
  --requests <n>            Calls per level (default 20)
  --max-tokens <n>          Upper bound on generated tokens per call
  --no-stream               Measure whole answers (no TTFT)
  --timeout <ms>            Per-call time limit (default 120000)
  --jsonl <file>            Write every call's record as JSON Lines
  --html <file>             Write a self-contained HTML report
  --json                    Print the summaries as JSON instead of a table
`;

/** Parses a prompts file: one JSON string, `{"prompt"}` object or ChatRequest per line. */
export function parsePromptsJsonl(text: string, maxTokens?: number): ChatRequest[] {
  const prompts: ChatRequest[] = [];
  for (const { line, value } of parseJsonLines(text, "Prompts line")) {
    let request: ChatRequest;
    if (typeof value === "string") request = { messages: [{ role: "user", content: value }] };
    else if (typeof (value as { prompt?: unknown })?.prompt === "string") {
      request = { messages: [{ role: "user", content: (value as { prompt: string }).prompt }] };
    } else if (Array.isArray((value as ChatRequest)?.messages)) request = value as ChatRequest;
    else {
      throw new ValidationError(
        `Prompts line ${line} must be a string, {"prompt": ...} or a ChatRequest.`,
        [{ path: `line ${line}`, message: "not a prompt" }],
      );
    }
    if (maxTokens !== undefined) request = { ...request, maxTokens };
    prompts.push(request);
  }
  if (prompts.length === 0)
    throw new ValidationError("The prompts file has no prompts.", [
      { path: "--prompts", message: "empty" },
    ]);
  return prompts;
}

/** A one-line progress bar: `[#####.....]  50% 10/20 c=4 errors=0`. */
export function progressBar(p: LoadTestProgress, width = 30): string {
  const filled = Math.round((p.overallDone / p.overallTotal) * width);
  const pct = Math.floor((p.overallDone / p.overallTotal) * 100);
  return `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(pct).padStart(3)}% ${p.overallDone}/${p.overallTotal} concurrency=${p.concurrency} errors=${p.errors}`;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...modelFlagOptions,
      prompts: { type: "string" },
      concurrency: { type: "string" },
      requests: { type: "string" },
      "max-tokens": { type: "string" },
      "no-stream": { type: "boolean" },
      timeout: { type: "string" },
      jsonl: { type: "string" },
      html: { type: "string" },
      json: { type: "boolean" },
    },
  });
  // Flag errors first: a bad --model should not wait for the prompts file to be read.
  const model = modelFromFlags(values);
  if (!values.prompts)
    throw new ValidationError("--prompts is required.", [
      { path: "--prompts", message: "missing" },
    ]);
  const concurrency = (values.concurrency ?? "1,4,16")
    .split(",")
    .map((c) => positiveIntFlag(c.trim(), "--concurrency") as number);
  const maxTokens =
    values["max-tokens"] === undefined
      ? undefined
      : positiveIntFlag(values["max-tokens"], "--max-tokens");
  const prompts = parsePromptsJsonl(await readTextFile(values.prompts), maxTokens);
  // The reports are written after the test: a path they cannot take is refused before it.
  for (const written of [values.jsonl, values.html]) {
    if (written !== undefined) await requireWritableFile(written);
  }
  // A load test records each failed call and goes on: a missing AWS region or missing
  // credentials would fail every call alike, so they are resolved once, before the first.
  if (isAwsModelSpec(values.model)) await checkAwsSetup(awsFlags(values), "--region");
  const result = await runLoadTest({
    model,
    prompts,
    concurrency,
    requestsPerLevel: positiveIntFlag(values.requests, "--requests") ?? 20,
    stream: !values["no-stream"],
    timeoutMs: positiveIntFlag(values.timeout, "--timeout") ?? 120_000,
    signal: io.signal,
    onProgress: (p) => io.stderr.write(progressBar(p)),
  });
  io.stderr.write("\n");
  if (values.jsonl) await writeTextFile(values.jsonl, loadTestJsonl(result));
  if (values.html)
    await writeTextFile(
      values.html,
      renderLoadTestHtml(result, { title: `fmops bench: ${model.id}` }),
    );
  if (values.json) {
    io.stdout.write(`${JSON.stringify(result.runs.map(({ records: _r, ...run }) => run))}\n`);
  } else {
    const f = (n: number | undefined) =>
      n === undefined || !Number.isFinite(n) ? "-" : n.toFixed(1);
    io.stdout.write(
      "concurrency  calls  errors  req/s   ttft_p50  ttft_p90  e2e_p50  e2e_p90  e2e_p99  otps_p50\n",
    );
    for (const r of result.runs) {
      const m = r.summary.metrics;
      io.stdout.write(
        `${String(r.concurrency).padStart(11)}  ${String(r.summary.count).padStart(5)}  ${String(r.summary.errors).padStart(6)}  ${r.requestsPerSecond.toFixed(2).padStart(5)}  ${f(m.ttftMs?.p50).padStart(8)}  ${f(m.ttftMs?.p90).padStart(8)}  ${f(m.e2eMs?.p50).padStart(7)}  ${f(m.e2eMs?.p90).padStart(7)}  ${f(m.e2eMs?.p99).padStart(7)}  ${f(m.otps?.p50).padStart(8)}\n`,
      );
    }
  }
  // The table counts errors; the reasons go to the terminal too, not only to --jsonl.
  const calls = result.runs.flatMap((r) => r.records);
  const failures: Record<string, number> = {};
  for (const call of calls) {
    if (call.status !== "error") continue;
    const reason = call.errorType ?? "UNKNOWN";
    failures[reason] = (failures[reason] ?? 0) + 1;
  }
  const failed = Object.values(failures).reduce((a, b) => a + b, 0);
  if (failed > 0) {
    io.stderr.write(
      `${[`${failed} of ${calls.length} calls failed. By reason:`, ...reasonLines(failures)].join("\n")}\n`,
    );
  }
  return result.runs.some((r) => r.summary.errors > 0) ? 1 : 0;
}

/** The `fmops bench` command. */
export const benchCommand: CliCommand = {
  summary: "Load-test a model: TTFT, latency and tokens/s percentiles per concurrency level",
  usage,
  run,
};
