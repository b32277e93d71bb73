/**
 * The release-gate flags of `fmops eval` (`--baseline`, `--fail-on`, `--min`,
 * `--max-p90-latency`, `--max-failure-rate`, `--junit`): parsing them into gates, reading the
 * baseline, printing the verdict table. The gate logic itself is `checkGates` in
 * fmops/evaluation.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { isFmopsError, ValidationError } from "../core/index.js";
import type { EvaluationSummary, ModelSummary, PairableRecord } from "../evaluation/index.js";
import { type Gate, type GateReport, parseGate } from "../evaluation/index.js";
import { isEvaluationSummary } from "../evaluation/internal.js";
import { numberFlag } from "./flags.js";

/** The gate flags, for `parseArgs`. */
export const gateFlagOptions = {
  baseline: { type: "string" },
  "baseline-records": { type: "string" },
  "fail-on": { type: "string", multiple: true },
  min: { type: "string", multiple: true },
  "max-p90-latency": { type: "string" },
  "max-failure-rate": { type: "string" },
  junit: { type: "string" },
} as const;

/** The gate flags' usage lines. */
export const gateFlagsUsage = `Gates (exit 1 with a table of what failed; the run's results are written first):
  --baseline <summary.json> The summary JSON of the run to compare with (fmops eval --summary)
  --baseline-records <file> Its per-record output (--output): drops are then measured record by
                            record, with a paired t 95% interval and win/tie/loss counts;
                            without it, the two means are compared (no interval)
  --fail-on "<metric> drop > <n>"   Fail when the mean falls more than n below the baseline
  --min "<metric> >= <n>"   Fail when the mean is below n (also ">"); repeatable, like --fail-on
                            <metric> is algorithm.score (qa_accuracy.f1_score) or the score alone
  --max-p90-latency <ms>    Fail when the 90th percentile of the model calls' latency is above
  --max-failure-rate <r>    Fail when more than this share (0 to 1) of the records failed;
                            without it, any failed record exits 1
  --junit <file.xml>        Write the verdicts as JUnit XML, one test case per gate
`;

/** The parsed gate flags. */
export interface GateFlags {
  baseline?: string | undefined;
  "baseline-records"?: string | undefined;
  "fail-on"?: string[] | undefined;
  min?: string[] | undefined;
  "max-p90-latency"?: string | undefined;
  "max-failure-rate"?: string | undefined;
  junit?: string | undefined;
}

function usageError(message: string, path: string): ValidationError {
  return new ValidationError(message, [{ path, message }]);
}

/** The gates the flags ask for, in flag order; usage errors for anything unreadable. */
export function gatesFromFlags(flags: GateFlags): Gate[] {
  const gates: Gate[] = [];
  for (const text of flags["fail-on"] ?? []) {
    const gate = parseGate(text);
    if (gate.kind !== "drop") {
      throw usageError(
        `--fail-on takes "<metric> drop > <number>"; got "${text}" (use --min for an absolute bound).`,
        "--fail-on",
      );
    }
    gates.push(gate);
  }
  for (const text of flags.min ?? []) {
    const gate = parseGate(text);
    if (gate.kind !== "threshold" || (gate.op !== ">=" && gate.op !== ">")) {
      throw usageError(`--min takes "<metric> >= <number>" (or ">"); got "${text}".`, "--min");
    }
    gates.push(gate);
  }
  const latency = numberFlag(flags["max-p90-latency"], "--max-p90-latency");
  if (latency !== undefined) {
    if (latency < 0) {
      throw usageError("--max-p90-latency takes milliseconds, at least 0.", "--max-p90-latency");
    }
    gates.push({ kind: "latency", percentile: "p90", maxMs: latency });
  }
  const rate = numberFlag(flags["max-failure-rate"], "--max-failure-rate");
  if (rate !== undefined) {
    if (rate < 0 || rate > 1) {
      throw usageError(
        `--max-failure-rate takes a share of the records from 0 to 1; got "${flags["max-failure-rate"]}".`,
        "--max-failure-rate",
      );
    }
    gates.push({ kind: "failureRate", max: rate });
  }
  if (gates.some((g) => g.kind === "drop") && flags.baseline === undefined) {
    throw usageError(
      "--fail-on compares with a baseline: give --baseline <summary.json> too.",
      "--fail-on",
    );
  }
  if (flags.baseline !== undefined && !gates.some((g) => g.kind === "drop")) {
    throw usageError(
      '--baseline is read by --fail-on gates: add --fail-on "<metric> drop > <number>".',
      "--baseline",
    );
  }
  if (flags["baseline-records"] !== undefined && flags.baseline === undefined) {
    throw usageError(
      "--baseline-records pairs the records of the --baseline run: give --baseline too.",
      "--baseline-records",
    );
  }
  if (flags.junit !== undefined && gates.length === 0) {
    throw usageError(
      "--junit writes the gates' verdicts: give at least one gate (--fail-on, --min, --max-p90-latency, --max-failure-rate).",
      "--junit",
    );
  }
  return gates;
}

/** Reads the `--baseline` summary JSON (or one model's summary), as a usage error if it is not one. */
export async function readBaseline(path: string): Promise<EvaluationSummary | ModelSummary> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    if (isFmopsError(err)) throw err;
    throw usageError(
      `Cannot read --baseline ${path}: ${err instanceof Error ? err.message : String(err)}. Give the summary JSON a run wrote with --summary.`,
      "--baseline",
    );
  }
  const isModel =
    typeof value === "object" && value !== null && "modelId" in value && "scores" in value;
  if (!isEvaluationSummary(value) && !isModel) {
    throw usageError(
      `--baseline ${path} is not an evaluation summary (fmops eval --summary writes one, with schemaVersion 1 and models).`,
      "--baseline",
    );
  }
  return value as EvaluationSummary | ModelSummary;
}

/**
 * Reads a per-record output file (JSON Lines). A last line cut short by a crash is ignored, as
 * resuming does; any other line that is not JSON is an error naming it.
 */
export async function readRecords(path: string, flag: string): Promise<PairableRecord[]> {
  const text = await readFile(path, "utf8");
  const lines = text.split("\n");
  const out: PairableRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push(JSON.parse(line) as PairableRecord);
    } catch {
      const last = lines.slice(i + 1).every((l) => l.trim() === "");
      if (!last) {
        throw usageError(`Line ${i + 1} of ${flag} ${path} is not JSON.`, flag);
      }
    }
  });
  return out;
}

/** The verdict table: one row per gate (status, gate, actual, limit), then each one's numbers. */
export function formatGateTable(report: GateReport): string {
  const num = (n: number | null) =>
    n === null || !Number.isFinite(n) ? "-" : String(Number(n.toFixed(4)));
  const rows = report.verdicts.map((v) => [
    v.passed ? "pass" : "FAIL",
    v.name,
    num(v.actual),
    String(v.limit),
  ]);
  const header = ["gate", "", "actual", "limit"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const failed = report.verdicts.filter((v) => !v.passed).length;
  const compared =
    report.comparison === "paired"
      ? `; compared with ${report.baselineModelId} record by record (paired t)`
      : report.comparison === "means"
        ? `; compared with ${report.baselineModelId} by means only`
        : "";
  return [
    line(header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map(line),
    "",
    ...report.verdicts.map((v) => `${v.passed ? "pass" : "FAIL"} ${v.name}: ${v.detail}`),
    "",
    `${failed === 0 ? `all ${report.verdicts.length} gates passed` : `${failed} of ${report.verdicts.length} gates failed`}${compared}`,
    "",
  ].join("\n");
}
