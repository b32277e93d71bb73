/**
 * {@link ModelEvaluator}: runs a model over a dataset and scores it with evaluation algorithms.
 *
 * @module
 */
import { z } from "zod";
import type { TokenUsage } from "../../core/index.js";
import { FmopsError, isFmopsError, parseOptions, redact, retry } from "../../core/index.js";
import { abortError, schemaFor, throwIfAborted } from "../../core/internal.js";
import type { EvalAlgorithm, SampleScores } from "../algorithms/algorithm.js";
import { type ScoreSummary, ScoreTable } from "../algorithms/stats.js";
import type { DatasetRecord } from "../datasets/dataset.js";
import { reservoirSample } from "../datasets/sampling.js";
import type { ModelRunner, RunnerOutput } from "../runners/runner.js";
import { LatencyCollector, type LatencySummary } from "./latency.js";
import { type RecordSink, recordSinkSchema, sinkWriter } from "./record-sink.js";
import { loadResume, type ResumeSource, type ResumeState, resumeSourceSchema } from "./resume.js";

/** Progress reported after each record. */
export interface EvaluationProgress {
  /** Records finished (scored or failed), the resumed ones included. */
  completed: number;
  /** Records of `completed` whose scores came from the resumed output (see `resume`). */
  resumed: number;
  /** Records that failed: their model call (after its retries) or one of their scores. */
  failed: number;
  /** Records being run right now. */
  inFlight: number;
  /** Records to run, when known (after sampling). */
  total?: number | undefined;
}

/** Options of {@link ModelEvaluator}. */
export interface ModelEvaluatorOptions {
  /** Produces the output for each record. */
  runner: ModelRunner;
  /** The algorithms scoring each output; their `name`s must differ. */
  algorithms: readonly EvalAlgorithm[];
  /** Records run at once. Default 4. */
  concurrency?: number;
  /** Retries of retryable model errors (throttling, 5xx): see `retry()`. Default 3 attempts. */
  retry?: {
    /** Model calls per record, including the first (default 3). */
    maxAttempts?: number;
    /** Scale of the full-jitter backoff in milliseconds (default 200). */
    baseDelayMs?: number;
    /** Cap on one backoff delay in milliseconds. */
    maxDelayMs?: number;
  };
  /**
   * The share of records (0 to 1) allowed to fail before the run counts as failed: above it,
   * `evaluate()` throws {@link EvaluationFailedError} (code `EVAL_FAILURE_RATE_EXCEEDED`), which
   * still carries the result. Default: no limit (failed records are reported, never fatal).
   */
  maxFailureRate?: number;
  /** Called after each record. */
  onProgress?: (progress: EvaluationProgress) => void;
  /** Stops the evaluation (in-flight model calls included) with `ABORTED`. */
  signal?: AbortSignal;
}

/** Options of one {@link ModelEvaluator.evaluate} run. */
export interface EvaluateOptions {
  /** Evaluate a uniform sample of this many records instead of all of them. */
  numRecords?: number;
  /** Seed of the sample. Default 0, so runs are repeatable. */
  seed?: number;
  /**
   * Receives one JSON line per record (see {@link EvaluationRecord}), in completion order.
   * Records taken from `resume` are not written again.
   */
  output?: RecordSink;
  /**
   * The per-record output of an earlier run of this same evaluation that did not finish: a file
   * path, a stream of its lines or bytes, or its records. Records it scored are not run again;
   * their stored scores count in the means (overall and per category), so the result equals
   * that of one uninterrupted run. Records it has with an `error` run again. A last line cut
   * short (a crash mid-write) is ignored; any other invalid line throws `EVAL_RESUME_INVALID`.
   * A record whose `line`, input, targets or category differ from the dataset's record at the
   * same `index`, or scores from other algorithms, throw `EVAL_RESUME_MISMATCH`, as does a
   * record the dataset (or the sample: use the same `numRecords` and `seed`) does not have.
   *
   * To keep one file, append to it: `output: createWriteStream(path, { flags: "a" })`, after
   * `repairRecordsFile(path)` has cut an unfinished last line.
   */
  resume?: ResumeSource;
  /** Stops this run with `ABORTED`. */
  signal?: AbortSignal;
}

/** One line of the per-record output. */
export interface EvaluationRecord {
  /** Zero-based record index in the dataset. */
  index: number;
  /** One-based line in the dataset file. */
  line: number;
  /** The record's category, when the dataset has one. */
  category?: string | undefined;
  /** The model input. */
  input: string;
  /** The targets. */
  targets: string[];
  /** The model output (absent when the model call failed). */
  output?: string | undefined;
  /** Model calls made for this record (more than 1 after retries). */
  attempts: number;
  /**
   * Milliseconds the successful model call took (the last attempt, without retry waits); absent
   * when the model call failed.
   */
  latencyMs?: number | undefined;
  /** Token counts of the successful model call, when the runner reported them (for cost). */
  usage?: TokenUsage | undefined;
  /** Scores per algorithm name (on a failed record, those computed before the failure). */
  scores: Record<string, SampleScores>;
  /** Why the record failed; a failed record is left out of every mean. */
  error?: EvaluationRecordError | undefined;
}

/** Why one record failed, as written in its {@link EvaluationRecord}. */
export interface EvaluationRecordError {
  /** The FmopsError code (`EVAL_MODEL_FAILURE` or `EVAL_SCORING_FAILURE` for other errors). */
  code: string;
  /** Its message, redacted and shortened. */
  message: string;
  /** Where it failed: the model call (after retries) or an algorithm scoring the output. */
  stage?: "model" | "scoring" | undefined;
  /** The algorithm that failed, when `stage` is `"scoring"`. */
  algorithm?: string | undefined;
}

/**
 * How a run ended: `"complete"` every record scored; `"completed_with_failures"` some records
 * failed, within `maxFailureRate`; `"failed"` more failed than `maxFailureRate` allows.
 */
export type EvaluationStatus = "complete" | "completed_with_failures" | "failed";

/** Scores per algorithm name, then per score name. */
export type AlgorithmSummaries = Record<string, Record<string, ScoreSummary>>;

/** Result of {@link ModelEvaluator.evaluate}. */
export interface EvaluationResult {
  /** The runner's id. */
  modelId: string;
  /** Records attempted. */
  numRecords: number;
  /** Records that failed, model call or scoring (not in the scores). */
  numFailed: number;
  /** How the run ended. */
  status: EvaluationStatus;
  /** Failed records by reason (the error code), e.g. `{ JUDGE_SCORE_UNPARSEABLE: 2 }`. */
  failures: Record<string, number>;
  /** Percentiles of the model calls' latency (`latencyMs`) over the records that have one. */
  latency?: LatencySummary | undefined;
  /** Means over all scored records. */
  scores: AlgorithmSummaries;
  /** Means per category (records without a category are only in `scores`). */
  categories: Record<string, AlgorithmSummaries>;
  /** How `ci95` was computed: Student's t interval of the mean, 95%. */
  confidenceInterval: "student-t-95";
}

const optionsSchema = schemaFor<ModelEvaluatorOptions>()(
  z
    .object({
      runner: z.custom<ModelRunner>(
        (v) => typeof v === "object" && v !== null && typeof (v as ModelRunner).run === "function",
        "must be a ModelRunner",
      ),
      algorithms: z
        .array(
          z.custom<EvalAlgorithm>(
            (v) =>
              typeof v === "object" &&
              v !== null &&
              typeof (v as EvalAlgorithm).evaluateSample === "function" &&
              typeof (v as EvalAlgorithm).name === "string",
            "must be an evaluation algorithm",
          ),
        )
        .min(1)
        .refine((a) => new Set(a.map((x) => x.name)).size === a.length, "names must differ")
        .readonly(),
      concurrency: z.int().min(1).max(1024).optional(),
      retry: z
        .object({
          maxAttempts: z.int().min(1).max(20).optional(),
          baseDelayMs: z.number().min(0).optional(),
          maxDelayMs: z.number().min(0).optional(),
        })
        .strict()
        .optional(),
      maxFailureRate: z.number().min(0).max(1).optional(),
      onProgress: z
        .custom<(p: EvaluationProgress) => void>((v) => typeof v === "function")
        .optional(),
      signal: z.instanceof(AbortSignal).optional(),
    })
    .strict(),
);

// Errors that say the setup is wrong rather than the record: every record would fail alike, so
// they stop the run at once instead of being written 10,000 times.
const FATAL_SCORING_CODES = new Set(["MISSING_DEPENDENCY", "ABORTED"]);

/**
 * More records failed than `maxFailureRate` allows. Code `EVAL_FAILURE_RATE_EXCEEDED`; `result`
 * holds the run's result (status `"failed"`), so its scores and failures can still be reported.
 */
export class EvaluationFailedError extends FmopsError {
  /** The run's result, with `status: "failed"`. */
  readonly result: EvaluationResult;

  constructor(result: EvaluationResult, maxFailureRate: number) {
    const reasons = Object.entries(result.failures)
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} ${n}`)
      .join(", ");
    super(
      "EVAL_FAILURE_RATE_EXCEEDED",
      `${result.numFailed} of ${result.numRecords} records failed (${reasons}), more than maxFailureRate ${maxFailureRate} allows. Read the failed records' error in the per-record output, fix the cause (or raise maxFailureRate), and resume: the scored records are kept.`,
      { retryable: false },
    );
    this.result = result;
  }
}

const runSchema = schemaFor<EvaluateOptions>()(
  z
    .object({
      numRecords: z.int().positive().optional(),
      seed: z.int().optional(),
      output: recordSinkSchema.optional(),
      resume: resumeSourceSchema<ResumeSource>("evaluation records").optional(),
      signal: z.instanceof(AbortSignal).optional(),
    })
    .strict(),
);

/** The iterator's next record, or `ABORTED` as soon as `signal` aborts (a slow source may stall). */
function nextOrAbort<T>(
  iterator: Iterator<T> | AsyncIterator<T>,
  signal: AbortSignal,
): Promise<IteratorResult<T>> {
  throwIfAborted(signal);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    Promise.resolve()
      .then(() => iterator.next())
      .then(resolve, reject)
      .finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Scores by algorithm, plus per-category tables. Exact sums, so the means do not depend on the
 * order records complete in (concurrency) or on which of them came from a resumed output.
 */
class Aggregate {
  readonly overall = new Map<string, ScoreTable>();
  readonly byCategory = new Map<string, Map<string, ScoreTable>>();

  add(category: string | undefined, scores: Record<string, SampleScores>): void {
    for (const [algo, s] of Object.entries(scores)) {
      table(this.overall, algo).add(s);
      if (category !== undefined) {
        let cat = this.byCategory.get(category);
        if (cat === undefined) {
          cat = new Map();
          this.byCategory.set(category, cat);
        }
        table(cat, algo).add(s);
      }
    }
  }
}

function table(map: Map<string, ScoreTable>, key: string): ScoreTable {
  let t = map.get(key);
  if (t === undefined) {
    t = new ScoreTable();
    map.set(key, t);
  }
  return t;
}

/** Each algorithm's summaries, intervals cut to the ranges it declares (`scoreRange`). */
function summarize(
  map: Map<string, ScoreTable>,
  algorithms: readonly EvalAlgorithm[],
): AlgorithmSummaries {
  const out: AlgorithmSummaries = {};
  for (const [algo, t] of map) {
    const algorithm = algorithms.find((a) => a.name === algo);
    out[algo] = t.summaries((score) => algorithm?.scoreRange?.(score));
  }
  return out;
}

/**
 * Evaluates a model on a dataset: runs each record through the runner with bounded concurrency,
 * retries retryable model errors with `retry()` (exponential backoff, full jitter), scores each
 * output with every algorithm, writes one JSON line per record, and returns the mean of every
 * score, overall and per category, with 95% confidence intervals (Student's t).
 *
 * Records stream from the dataset as workers free up, so memory holds only the records in flight
 * (or, with `numRecords`, the sample). A record whose model call still fails after its retries,
 * or whose output an algorithm cannot score (an unparseable judge reply, say), is written with
 * its `error` (code, stage, algorithm) and left out of every mean; the result counts failures by
 * code and says the run's `status`. With `maxFailureRate`, too many failures throw
 * {@link EvaluationFailedError}. An invalid dataset line, a `MISSING_DEPENDENCY` error (every
 * record would fail alike) or an abort stops the evaluation and is thrown.
 *
 * Means are computed from exact sums, so they are the same to the last bit whatever order the
 * records complete in. That is what lets an interrupted run continue from its output
 * (`resume`) and end with the numbers one uninterrupted run gives.
 *
 * @example
 * ```ts
 * const evaluator = new ModelEvaluator({
 *   runner: new ChatModelRunner({ model, prompt: "Answer briefly: {{input}}" }),
 *   algorithms: [new QaAccuracy()],
 *   concurrency: 8,
 * });
 * const data = Dataset.fromJsonl("qa.jsonl", { input: "question", target: "answer" });
 * const result = await evaluator.evaluate(data, { output: createWriteStream("records.jsonl") });
 * result.scores.qa_accuracy?.f1?.mean;
 * ```
 */
export class ModelEvaluator {
  readonly #runner: ModelRunner;
  readonly #algorithms: readonly EvalAlgorithm[];
  readonly #concurrency: number;
  readonly #retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  readonly #onProgress: ((p: EvaluationProgress) => void) | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #maxFailureRate: number | undefined;

  constructor(options: ModelEvaluatorOptions) {
    const o = parseOptions(optionsSchema, options, "ModelEvaluator options");
    this.#runner = o.runner;
    this.#algorithms = [...o.algorithms];
    this.#concurrency = o.concurrency ?? 4;
    this.#retry = {
      maxAttempts: o.retry?.maxAttempts ?? 3,
      baseDelayMs: o.retry?.baseDelayMs ?? 200,
      maxDelayMs: o.retry?.maxDelayMs ?? 20_000,
    };
    this.#onProgress = o.onProgress;
    this.#signal = o.signal;
    this.#maxFailureRate = o.maxFailureRate;
  }

  /** Evaluates the records of `dataset` (a {@link Dataset} or any iterable of records). */
  async evaluate(
    dataset: AsyncIterable<DatasetRecord> | Iterable<DatasetRecord>,
    options: EvaluateOptions = {},
  ): Promise<EvaluationResult> {
    const run = parseOptions(runSchema, options, "ModelEvaluator.evaluate options");
    const outer = [this.#signal, run.signal].filter((s): s is AbortSignal => s !== undefined);
    const controller = new AbortController();
    const signal = AbortSignal.any([...outer, controller.signal]);
    for (const s of outer) throwIfAborted(s);

    const aggregate = new Aggregate();
    const latency = new LatencyCollector();
    const failures: Record<string, number> = {};
    // The resumed output is read first and whole: its scores go into the aggregate now, and
    // only which indexes are done is kept. Reading it before any record runs also means an
    // output appended to the same file is never read back.
    let resume: ResumeState | undefined;
    if (run.resume !== undefined) {
      resume = await loadResume(run.resume, {
        algorithms: this.#algorithms.map((a) => a.name),
        onScored: (category, scores, latencyMs) => {
          aggregate.add(category, scores);
          if (latencyMs !== undefined) latency.add(latencyMs);
        },
        signal,
      });
    }

    let source: AsyncIterable<DatasetRecord> | Iterable<DatasetRecord> = dataset;
    let total: number | undefined;
    let resumedUpFront = 0;
    if (run.numRecords !== undefined) {
      const sample = await reservoirSample(dataset, run.numRecords, run.seed ?? 0, signal);
      source = sample;
      total = sample.length;
      if (resume) {
        // The sample is in memory: settle every resumed record against it before running any.
        const state = resume;
        const toRun = sample.filter((record) => state.match(record) === "run");
        state.assertAllMatched("sample");
        resumedUpFront = sample.length - toRun.length;
        source = toRun;
      }
    }
    const write = run.output ? sinkWriter(run.output) : undefined;
    const progress: EvaluationProgress = {
      completed: resumedUpFront,
      resumed: resumedUpFront,
      failed: 0,
      inFlight: 0,
      total,
    };
    if (resumedUpFront > 0) this.#onProgress?.({ ...progress });
    // With a streamed dataset, resumed records are recognized as they stream by.
    const streamedResume = run.numRecords === undefined ? resume : undefined;

    const iterator =
      Symbol.asyncIterator in source
        ? source[Symbol.asyncIterator]()
        : (source as Iterable<DatasetRecord>)[Symbol.iterator]();
    let failure: unknown;
    const fail = (err: unknown): void => {
      if (failure === undefined) failure = err;
      controller.abort(err);
    };

    const worker = async (): Promise<void> => {
      while (!signal.aborted) {
        let next: IteratorResult<DatasetRecord>;
        try {
          next = await nextOrAbort(iterator, signal);
        } catch (err) {
          if (!signal.aborted) fail(err);
          return;
        }
        if (next.done || signal.aborted) return;
        if (streamedResume) {
          let done: boolean;
          try {
            done = streamedResume.match(next.value) === "scored";
          } catch (err) {
            fail(err);
            return;
          }
          if (done) {
            progress.completed += 1;
            progress.resumed += 1;
            this.#onProgress?.({ ...progress });
            continue;
          }
        }
        progress.inFlight += 1;
        try {
          const result = await this.#evaluateRecord(next.value, signal);
          if (signal.aborted) return;
          if (result.error === undefined) aggregate.add(result.category, result.scores);
          else {
            progress.failed += 1;
            failures[result.error.code] = (failures[result.error.code] ?? 0) + 1;
          }
          if (result.latencyMs !== undefined) latency.add(result.latencyMs);
          if (write) await write(JSON.stringify(result));
          progress.completed += 1;
        } catch (err) {
          fail(err);
          return;
        } finally {
          progress.inFlight -= 1;
        }
        this.#onProgress?.({ ...progress });
      }
    };

    try {
      await Promise.all(Array.from({ length: this.#concurrency }, () => worker()));
    } finally {
      // Close the dataset (its file or stream) however the run ended. After an abort a read may
      // still be pending, and an async generator runs return() only after it: do not wait.
      const closing = Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => {});
      if (!signal.aborted) await closing;
    }
    for (const s of outer) throwIfAborted(s);
    if (failure !== undefined) throw failure;
    if (signal.aborted) throw abortError(signal);
    streamedResume?.assertAllMatched("dataset");

    const categories: Record<string, AlgorithmSummaries> = {};
    for (const [cat, tables] of aggregate.byCategory) {
      categories[cat] = summarize(tables, this.#algorithms);
    }
    const max = this.#maxFailureRate;
    const overLimit =
      max !== undefined && progress.completed > 0 && progress.failed / progress.completed > max;
    const result: EvaluationResult = {
      modelId: this.#runner.id,
      numRecords: progress.completed,
      numFailed: progress.failed,
      status: overLimit ? "failed" : progress.failed > 0 ? "completed_with_failures" : "complete",
      failures,
      latency: latency.summary(),
      scores: summarize(aggregate.overall, this.#algorithms),
      categories,
      confidenceInterval: "student-t-95",
    };
    if (overLimit) throw new EvaluationFailedError(result, max);
    return result;
  }

  /** Runs one record (with retries) and scores it; a model failure becomes the record's error. */
  async #evaluateRecord(record: DatasetRecord, signal: AbortSignal): Promise<EvaluationRecord> {
    const out: EvaluationRecord = {
      index: record.index,
      line: record.line,
      category: record.category,
      input: record.input,
      targets: record.targets,
      attempts: 0,
      scores: {},
    };
    let produced: RunnerOutput;
    try {
      produced = await retry(
        async (attempt, s) => {
          out.attempts = attempt;
          const started = performance.now();
          const result = await this.#runner.run(record, s ? { signal: s } : {});
          out.latencyMs = performance.now() - started;
          return result;
        },
        { ...this.#retry, signal },
      );
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      out.error = { ...recordError(err, "EVAL_MODEL_FAILURE"), stage: "model" };
      return out;
    }
    out.output = produced.output;
    if (produced.usage !== undefined) out.usage = produced.usage;
    for (const algorithm of this.#algorithms) {
      throwIfAborted(signal);
      try {
        out.scores[algorithm.name] = await algorithm.evaluateSample(
          { output: produced.output, targets: record.targets, input: record.input },
          { signal },
        );
      } catch (err) {
        if (signal.aborted) throw abortError(signal);
        if (isFmopsError(err) && FATAL_SCORING_CODES.has(err.code)) throw err;
        // One bad record (an unparseable judge reply, a reference query that fails) must not
        // cost the run: it is written with its reason and left out of every mean.
        out.error = {
          ...recordError(err, "EVAL_SCORING_FAILURE"),
          stage: "scoring",
          algorithm: algorithm.name,
        };
        return out;
      }
    }
    return out;
  }
}

/** A record's error from what was thrown: its code and a redacted message. */
function recordError(err: unknown, fallbackCode: string): { code: string; message: string } {
  return isFmopsError(err)
    ? { code: err.code, message: redact(err.message) }
    : { code: fallbackCode, message: redact(err instanceof Error ? err.message : String(err)) };
}
