/**
 * `fmops sql`: ask a question of local files (DuckDB) or Athena, print the SQL, the attempts and
 * the rows.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ValidationError } from "../core/index.js";
import {
  evaluateText2Sql,
  parseText2SqlEvalJsonl,
  type Text2SqlEvalReport,
} from "../evaluation/index.js";
import type { ChatModel } from "../models/index.js";
import { FakeChatModel } from "../testing/index.js";
import type { SqlEngine, SqlValue } from "../text2sql/index.js";
import {
  AthenaEngine,
  DuckDbCatalog,
  DuckDbEngine,
  GlueCatalog,
  Text2Sql,
  type Text2SqlResult,
  tablesFromPaths,
  toJsonRows,
} from "../text2sql/index.js";
import { checkAwsSetup, isAwsModelSpec } from "./aws-setup.js";
import { readTextFile } from "./file-errors.js";
import { awsFlags, positiveIntFlag } from "./flags.js";
import type { CliCommand, CliIo } from "./io.js";
import { readJsonFile } from "./json-file.js";
import {
  type ModelFlags,
  modelFlagOptions,
  modelFlagsUsage,
  modelFromFlags,
} from "./model-flags.js";

/** The Bedrock model `fmops sql` suggests when neither `--model` nor `--script` is given. */
export const DEFAULT_SQL_MODEL = "anthropic.claude-3-haiku-20240307-v1:0";

const usage = `Usage: fmops sql "<question>" (--data <file or dir>... | --athena <workgroup>/<database>) [options]
       fmops sql --eval <questions.jsonl> (--data ... | --athena ...) [options]

Turns the question into SQL, checks it on the engine (correcting it from the engine's errors),
runs it, and prints the SQL, the attempts and the rows.

With --eval, asks every question of a JSON Lines file ({"question": ..., "sql": <gold SQL>} a
line) and prints execution accuracy of the first attempt and after self-correction, attempts per
question and tokens per question.

Data (exactly one):
  --data <path>             CSV, Parquet or JSON file, or a folder of them (repeatable); runs on
                            embedded DuckDB (needs: npm install @duckdb/node-api)
  --athena <wg>/<db>        Athena workgroup and database; the schema comes from AWS Glue

${modelFlagsUsage}  --script <file.json>      Scripted answers (a JSON array of strings) instead of a model, for demos and CI
  One of --model or --script is required: --data keeps the data local, but only --script keeps
  the whole run offline (--model bedrock:... needs AWS_REGION or --region, and AWS credentials).

Options:
  --database <name>         Database name for --data tables (default main)
  --output-location <s3>    Athena result location, when the workgroup sets none
  --max-attempts <n>        Model calls per question (default 4)
  --row-limit <n>           Most rows returned (default 100)
  --athena-endpoint-url <u> Custom Athena endpoint (VPC endpoint or local stand-in)
  --glue-endpoint-url <u>   Custom Glue endpoint
  --timeout <ms>            Give up after this many milliseconds
  --eval <file.jsonl>       Measure accuracy on questions with gold SQL instead of asking one
  --json                    Print the whole result (or evaluation report) as JSON

Exit codes: 0 answered, 1 no valid SQL within the attempts, 2 usage error, 3 unanswerable.
`;

async function modelFrom(flags: ModelFlags, script: string | undefined): Promise<ChatModel> {
  if (script !== undefined) {
    const parsed = await readJsonFile(script, "--script");
    if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === "string")) {
      throw new ValidationError(`--script ${script} must hold a JSON array of strings.`, [
        { path: "--script", message: "not a string array" },
      ]);
    }
    return new FakeChatModel({ responses: parsed as string[], id: "script" });
  }
  // No silent default: a Bedrock call needs a region and credentials, which the offline-looking
  // `--data` path gives no hint of, so the user picks the model (or a script) explicitly.
  if (flags.model === undefined) {
    throw new ValidationError(
      `Choose who writes the SQL: --model <model> (for example --model bedrock:${DEFAULT_SQL_MODEL}, which needs AWS_REGION or --region and AWS credentials, or --model openai:http://127.0.0.1:8000/v1 for a local server), or --script <answers.json> to replay scripted answers offline.`,
      [{ path: "--model", message: "missing" }],
    );
  }
  return modelFromFlags(flags);
}

/** A value as a table cell. */
export function formatCell(value: SqlValue): string {
  if (value === null) return "NULL";
  if (value instanceof Date)
    return value
      .toISOString()
      .replace("T", " ")
      .replace(/\.000Z$|Z$/, "");
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (typeof value === "object")
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return String(value);
}

/** Rows as an aligned text table (cells cut at 40 characters). */
export function formatTable(columns: { name: string }[], rows: Record<string, SqlValue>[]): string {
  const cut = (s: string) => (s.length > 40 ? `${s.slice(0, 39)}…` : s).replace(/\n/g, " ");
  const cells = rows.map((r) => columns.map((c) => cut(formatCell(r[c.name] ?? null))));
  const widths = columns.map((c, i) =>
    Math.max(c.name.length, ...cells.map((row) => (row[i] ?? "").length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join(" | ")
      .trimEnd();
  return [
    line(columns.map((c) => c.name)),
    widths.map((w) => "-".repeat(w)).join("-+-"),
    ...cells.map(line),
  ].join("\n");
}

function report(result: Text2SqlResult, maxAttempts: number): string {
  const out: string[] = [];
  const attempts = result.attempts.map((a) => {
    const what = a.error ? (a.error.message.split("\n")[0] ?? "") : "";
    return `  ${a.number}. ${a.outcome.padEnd(15)} ${what}`.trimEnd();
  });
  if (result.status === "ok" && result.sql) {
    out.push(`SQL (attempt ${result.attempts.length} of ${maxAttempts}):`, result.sql, "");
  }
  out.push("Attempts:", ...attempts, "");
  if (result.status === "unanswerable") out.push(`Unanswerable: ${result.reason ?? ""}`);
  if (result.status === "failed") out.push(`Failed: ${result.reason ?? ""}`);
  if (result.result) {
    const r = result.result;
    out.push(formatTable(r.columns, r.rows), "");
    out.push(
      `(${r.rows.length} row${r.rows.length === 1 ? "" : "s"}${r.stats.truncated ? ", truncated" : ""}; ${Math.round(result.timings.totalMs)} ms in all, ${Math.round(result.timings.modelMs)} ms in the model)`,
    );
  }
  return `${out.join("\n")}\n`;
}

/** The evaluation summary as text: the figures, then one line per question. */
export function formatEvalReport(report: Text2SqlEvalReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `Questions: ${report.count}`,
    `Execution accuracy, first attempt:      ${pct(report.accuracy.firstAttempt)}`,
    `Execution accuracy, after correction:   ${pct(report.accuracy.final)}`,
    `Attempts per question:                  ${report.attemptsPerQuestion.toFixed(2)}`,
    `Tokens per question (input + output):   ${report.tokensPerQuestion.input.toFixed(0)} + ${report.tokensPerQuestion.output.toFixed(0)}`,
    `Statuses: ${Object.entries(report.statuses)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    "",
    ...report.records.map(
      (r) =>
        `  ${r.id}. ${r.finalMatch ? "match" : "wrong"} (first ${r.firstAttemptMatch ? "match" : "wrong"}, ${r.attempts} attempt${r.attempts === 1 ? "" : "s"}, ${r.status}${r.error ? `: ${r.error}` : ""}) ${r.question}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      data: { type: "string", multiple: true },
      athena: { type: "string" },
      ...modelFlagOptions,
      script: { type: "string" },
      database: { type: "string" },
      "output-location": { type: "string" },
      "max-attempts": { type: "string" },
      "row-limit": { type: "string" },
      "athena-endpoint-url": { type: "string" },
      "glue-endpoint-url": { type: "string" },
      timeout: { type: "string" },
      json: { type: "boolean" },
      eval: { type: "string" },
    },
  });
  const question = positionals.join(" ").trim();
  if (values.eval !== undefined && question !== "") {
    throw new ValidationError("Give either a question or --eval <file.jsonl>, not both.", [
      { path: "--eval", message: "conflicts with the question" },
    ]);
  }
  if (question === "" && values.eval === undefined)
    throw new ValidationError(
      'Give the question as an argument: fmops sql "How many orders?" --data <dir>',
      [{ path: "question", message: "missing" }],
    );
  const hasData = (values.data?.length ?? 0) > 0;
  if (hasData === (values.athena !== undefined)) {
    throw new ValidationError("Choose exactly one of --data or --athena.", [
      { path: "data", message: hasData ? "conflicts with --athena" : "missing" },
    ]);
  }
  const model = await modelFrom(values, values.script);
  const maxAttempts = positiveIntFlag(values["max-attempts"], "--max-attempts") ?? 4;
  const rowLimit = positiveIntFlag(values["row-limit"], "--row-limit") ?? 100;
  const timeoutMs = positiveIntFlag(values.timeout, "--timeout");

  let duck: DuckDbEngine | undefined;
  let athena: AthenaEngine | undefined;
  try {
    let t2s: Text2Sql;
    if (hasData) {
      duck = new DuckDbEngine({
        tables: tablesFromPaths(values.data ?? []),
        ...(values.database ? { database: values.database } : {}),
      });
      t2s = new Text2Sql({
        model,
        engine: duck,
        catalog: new DuckDbCatalog({ engine: duck }),
        maxAttempts,
        rowLimit,
      });
    } else {
      const [workgroup, database] = (values.athena ?? "").split("/");
      if (!workgroup || !database) {
        throw new ValidationError("--athena takes <workgroup>/<database>, e.g. primary/sales.", [
          { path: "--athena", message: "expected workgroup/database" },
        ]);
      }
      athena = new AthenaEngine({
        workgroup,
        database,
        ...(values.region ? { region: values.region } : {}),
        ...(values["athena-endpoint-url"] ? { endpoint: values["athena-endpoint-url"] } : {}),
        ...(values["output-location"] ? { outputLocation: values["output-location"] } : {}),
      });
      const engine = athena;
      const catalog = new GlueCatalog({
        databases: [database],
        ...(values.region ? { region: values.region } : {}),
        ...(values["glue-endpoint-url"] ? { endpoint: values["glue-endpoint-url"] } : {}),
      });
      t2s = new Text2Sql({ model, engine, catalog, maxAttempts, rowLimit });
    }
    if (values.eval !== undefined) {
      const items = parseText2SqlEvalJsonl(await readTextFile(values.eval), values.eval);
      // Each question's failure is isolated: a missing AWS region or missing credentials for
      // the model would fail every one alike, so they are resolved once, before the first.
      if (values.script === undefined && isAwsModelSpec(values.model)) {
        await checkAwsSetup(awsFlags(values), "--region");
      }
      const report = await evaluateText2Sql({
        text2sql: t2s,
        engine: (duck ?? athena) as SqlEngine,
        items,
        signal: io.signal,
      });
      io.stdout.write(
        values.json ? `${JSON.stringify(report, null, 2)}\n` : formatEvalReport(report),
      );
      return 0;
    }
    const result = await t2s.ask(question, {
      signal: io.signal,
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    if (values.json) {
      // Rows as the text-to-SQL guide's toJsonRows writes them (a count is a JSON number).
      const json = result.result
        ? { ...result, result: { ...result.result, rows: toJsonRows(result.result.rows) } }
        : result;
      io.stdout.write(
        `${JSON.stringify(json, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`,
      );
    } else {
      io.stdout.write(report(result, maxAttempts));
    }
    return result.status === "ok" ? 0 : result.status === "unanswerable" ? 3 : 1;
  } finally {
    await duck?.close();
  }
}

/** The `fmops sql` command. */
export const sqlCommand: CliCommand = {
  summary: "Ask a question of local data files (DuckDB) or Athena in plain language",
  usage,
  run,
};
