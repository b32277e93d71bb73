/**
 * {@link compareCandidates}: two or more candidates (models, prompt versions, precomputed
 * outputs) evaluated on the same records and compared record by record against a baseline.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions } from "../../core/index.js";
import { inferenceOptionsSchema, schemaFor, throwIfAborted } from "../../core/internal.js";
import type { ChatModel } from "../../models/index.js";
import { chatModelSchema } from "../../models/internal.js";
import { type TokenPrices, tokenCost } from "../../monitoring/index.js";
import type { PromptCatalog } from "../../prompts/index.js";
import type { EvalAlgorithm } from "../algorithms/algorithm.js";
import { ScoreAccumulator, type ScoreRange, type ScoreSummary } from "../algorithms/stats.js";
import type { DatasetRecord } from "../datasets/dataset.js";
import { reservoirSample } from "../datasets/sampling.js";
import {
  EvaluationFailedError,
  type EvaluationProgress,
  type EvaluationRecord,
  type EvaluationResult,
  ModelEvaluator,
  type ModelEvaluatorOptions,
} from "../evaluator/evaluator.js";
import { type RecordSink, recordSinkSchema, sinkWriter } from "../evaluator/record-sink.js";
import {
  type ResumableRecord,
  ResumeMismatchError,
  ResumeRecordError,
  readRecordLines,
  resumeSourceSchema,
} from "../evaluator/resume.js";
import { ChatModelRunner, type ChatModelRunnerOptions } from "../runners/chat-runner.js";
import type { ModelRunner } from "../runners/runner.js";
import {
  byIndex,
  type PairableRecord,
  type PairedDifference,
  pairedDifferences,
} from "./paired.js";

/** One candidate of a comparison: a name and what produces its outputs. */
export interface ComparisonCandidate {
  /**
   * Names the candidate in the result, the per-record output (`candidate`) and reports; names
   * must differ. For a prompt version, its ref (`qa@3`) reads well.
   */
  name: string;
  /** Produces the candidate's output for each record: a model, a prompt version, precomputed outputs. */
  runner: ModelRunner;
  /**
   * Token prices of the candidate's model. With them, and token counts reported by the runner,
   * the result has the candidate's cost per record.
   */
  prices?: TokenPrices;
}

/** Progress of one candidate, reported after each of its records. */
export interface ComparisonProgress extends EvaluationProgress {
  /** The candidate the record belongs to. */
  candidate: string;
}

/**
 * A line of a comparison's per-record output: the candidate's {@link EvaluationRecord} with the
 * candidate's name.
 */
export interface ComparisonRecord extends EvaluationRecord {
  /** The candidate that produced and scored this record. */
  candidate: string;
}

/**
 * The per-record output of an interrupted comparison to resume from: a file path (Node, Deno),
 * an async iterable of its bytes or lines, or its records.
 */
export type ComparisonResumeSource =
  | string
  | AsyncIterable<Uint8Array | string>
  | Iterable<
      ResumableRecord & {
        /** The name of the candidate that produced the record. */
        candidate: string;
      }
    >;

/** Options of {@link compareCandidates}. */
export interface CompareCandidatesOptions {
  /** The records every candidate is evaluated on: a `Dataset` or any iterable of records. */
  dataset: AsyncIterable<DatasetRecord> | Iterable<DatasetRecord>;
  /** Two or more candidates with different names. */
  candidates: readonly ComparisonCandidate[];
  /** The algorithms scoring every candidate's outputs; their `name`s must differ. */
  algorithms: readonly EvalAlgorithm[];
  /** The candidate the others are compared with. Default: the first. */
  baseline?: string;
  /** Records run at once per candidate (candidates run side by side). Default 4. */
  concurrency?: number;
  /** Retries of retryable model errors, as {@link ModelEvaluatorOptions.retry}. */
  retry?: ModelEvaluatorOptions["retry"];
  /**
   * The share of a candidate's records (0 to 1) allowed to fail: a candidate above it has status
   * `"failed"` in the result, and the others still run. Default: no limit.
   */
  maxFailureRate?: number;
  /** Compare on a uniform sample of this many records (the same sample for every candidate). */
  numRecords?: number;
  /** Seed of the sample. Default 0. */
  seed?: number;
  /**
   * Receives one JSON line per record and candidate (`ComparisonRecord`) as each
   * completes, so a crash loses nothing finished. Records taken from `resume` are not written again.
   */
  output?: RecordSink;
  /**
   * The per-record output of an interrupted run of this same comparison (same dataset,
   * candidates, algorithms, `numRecords` and `seed`). Each candidate's scored records are not
   * run again and count as if they had just run, so the comparison equals an uninterrupted
   * one. A last line cut short is ignored; records of a candidate not in `candidates` throw
   * `EVAL_RESUME_MISMATCH`. To keep one file, `repairRecordsFile(path)` it, then append to it.
   */
  resume?: ComparisonResumeSource;
  /** Called after each record of each candidate. */
  onProgress?: (progress: ComparisonProgress) => void;
  /** Stops the comparison (every candidate) with `ABORTED`. */
  signal?: AbortSignal;
}

/** Cost per record of one candidate, from its token counts and prices. */
export interface CandidateCost {
  /** Records with token counts (every successful model call, scored or not). */
  records: number;
  /** Sum of their costs, in the prices' currency. */
  total: number;
  /** Mean cost per record with its Student's t 95% interval. */
  perRecord: ScoreSummary;
}

/** One candidate's own evaluation within a comparison. */
export interface CandidateOutcome {
  /** The candidate's name. */
  name: string;
  /** The runner's id (the model id, `precomputed`, ...). */
  modelId: string;
  /**
   * Its evaluation: means with 95% intervals overall and per category, failures, status and
   * latency percentiles per record, exactly as `ModelEvaluator` gives for this candidate alone.
   */
  result: EvaluationResult;
  /** Cost per record; absent without `prices` or without token counts. */
  cost?: CandidateCost | undefined;
}

/** One candidate compared with the baseline, record by record. */
export interface CandidateDifferences {
  /** The candidate. */
  candidate: string;
  /** The baseline it is compared with. */
  baseline: string;
  /** `candidate − baseline` for every score (`"algorithm.score"`) either one has. */
  metrics: PairedDifference[];
  /** The same per category, over the records of that category. */
  categories: Record<string, PairedDifference[]>;
}

/** Result of {@link compareCandidates}. */
export interface ComparisonResult {
  /** The baseline candidate's name. */
  baseline: string;
  /** Records in the comparison (after sampling); every candidate ran these. */
  numRecords: number;
  /** Each candidate's own evaluation, in the order given. */
  candidates: CandidateOutcome[];
  /** Each candidate other than the baseline, compared with it, in the order given. */
  differences: CandidateDifferences[];
  /**
   * Which records pair: those both candidates scored. A record that failed (model call or
   * scoring) for either one is left out of that pair's differences and counted in `unpaired`.
   */
  pairing: "records-scored-by-both";
  /** How the differences' `ci95` is computed: Student's t interval of the paired differences, 95%. */
  method: "paired-t-95";
}

const candidateSchema = z
  .object({
    name: z.string().min(1).max(200),
    runner: z.custom<ModelRunner>(
      (v) => typeof v === "object" && v !== null && typeof (v as ModelRunner).run === "function",
      "must be a ModelRunner",
    ),
    prices: z
      .object({ inputPer1k: z.number().min(0), outputPer1k: z.number().min(0) })
      .strict()
      .optional(),
  })
  .strict();

const optionsSchema = schemaFor<CompareCandidatesOptions>()(
  z
    .object({
      dataset: z.custom<AsyncIterable<DatasetRecord> | Iterable<DatasetRecord>>(
        (v) =>
          typeof v === "object" &&
          v !== null &&
          (Symbol.asyncIterator in v || Symbol.iterator in v),
        "must be a Dataset or an iterable of records",
      ),
      candidates: z
        .array(candidateSchema)
        .min(2, "give two or more candidates to compare")
        .refine(
          (c) => new Set(c.map((x) => x.name)).size === c.length,
          "candidates' names must differ",
        )
        .readonly(),
      algorithms: z
        .array(z.custom<EvalAlgorithm>((v) => typeof v === "object" && v !== null))
        .min(1)
        .readonly(),
      baseline: z.string().min(1).optional(),
      concurrency: z.int().min(1).max(1024).optional(),
      retry: z
        .custom<ModelEvaluatorOptions["retry"]>((v) => typeof v === "object" && v !== null)
        .optional(),
      maxFailureRate: z.number().min(0).max(1).optional(),
      numRecords: z.int().positive().optional(),
      seed: z.int().optional(),
      output: recordSinkSchema.optional(),
      resume: resumeSourceSchema<ComparisonResumeSource>("comparison records").optional(),
      onProgress: z
        .custom<(p: ComparisonProgress) => void>((v) => typeof v === "function")
        .optional(),
      signal: z.instanceof(AbortSignal).optional(),
    })
    .strict()
    .refine((o) => o.baseline === undefined || o.candidates.some((c) => c.name === o.baseline), {
      message: "baseline must be the name of one of the candidates",
      path: ["baseline"],
    }),
);

/** What the comparison keeps of each record for pairing and cost: no outputs, shared strings. */
interface KeptRecord extends PairableRecord {
  category?: string | undefined;
  usage?: EvaluationRecord["usage"];
}

/**
 * Evaluates two or more candidates on the same records and compares each with a baseline. Every
 * candidate runs through its own {@link ModelEvaluator} (same algorithms, retries and failure
 * isolation), side by side, on one copy of the records: the dataset is read once (or sampled
 * once, with `numRecords`) and held in memory, so every candidate sees exactly the same
 * records, even from a stream that can be read only once.
 *
 * The result has each candidate's means with 95% intervals (overall and per category), its
 * latency per record and, with `prices`, its cost per record; and, for each other candidate,
 * the paired difference `candidate − baseline` of every score with its paired Student's t 95%
 * interval and win/tie/loss counts, overall and per category ({@link pairedDifferences}). Pairs
 * are formed only from records both candidates scored. Each difference's interval is cut to the
 * values a difference can take when the score's algorithm declares its range (`scoreRange`),
 * and marked `clipped`.
 *
 * A record that fails for one candidate stays that candidate's failure. Records are written to
 * `output` as they complete, each with its candidate's name; `resume` continues from that
 * output after a crash, and the comparison then equals one uninterrupted run (latencies aside,
 * which are measured anew for records that run again).
 *
 * @example
 * ```ts
 * const comparison = await compareCandidates({
 *   dataset: Dataset.fromJsonl("qa.jsonl", { input: "question", target: "answer" }),
 *   candidates: [
 *     promptCandidate({ catalog, id: "qa", label: "production", model }),
 *     promptCandidate({ catalog, id: "qa", version: "4", model }),
 *   ],
 *   algorithms: [new QaAccuracy()],
 *   output: createWriteStream("compare.jsonl"),
 * });
 * const f1 = comparison.differences[0]?.metrics.find((d) => d.metric === "qa_accuracy.f1_score");
 * console.log(f1?.meanDifference, f1?.ci95, `${f1?.wins}/${f1?.ties}/${f1?.losses}`);
 * ```
 */
export async function compareCandidates(
  options: CompareCandidatesOptions,
): Promise<ComparisonResult> {
  const o = parseOptions(optionsSchema, options, "compareCandidates options");
  const controller = new AbortController();
  const signal = AbortSignal.any(
    [o.signal, controller.signal].filter((s): s is AbortSignal => s !== undefined),
  );
  throwIfAborted(signal);
  const names = o.candidates.map((c) => c.name);
  const baseline = o.baseline ?? (names[0] as string);

  const records =
    o.numRecords !== undefined
      ? await reservoirSample(o.dataset, o.numRecords, o.seed ?? 0, signal)
      : await readAll(o.dataset, signal);
  const byRecordIndex = new Map(records.map((r) => [r.index, r]));
  const kept = new Map<string, KeptRecord[]>(names.map((n) => [n, []]));
  const keep = (name: string, r: Omit<KeptRecord, "input" | "targets">): void => {
    // The dataset's own strings, not the parsed copies: one copy of each input in memory.
    const record = byRecordIndex.get(r.index);
    kept.get(name)?.push({
      index: r.index,
      input: record?.input ?? "",
      targets: record?.targets ?? [],
      category: r.category,
      scores: r.scores,
      error: r.error,
      usage: r.usage,
    });
  };
  const resumed =
    o.resume !== undefined ? await splitResume(o.resume, new Set(names), signal) : undefined;
  for (const [name, list] of resumed ?? []) for (const r of list) keep(name, r as KeptRecord);

  const write = o.output ? sinkWriter(o.output) : undefined;
  const runOne = async (candidate: (typeof o.candidates)[number]): Promise<EvaluationResult> => {
    const nameJson = JSON.stringify(candidate.name);
    const evaluator = new ModelEvaluator({
      runner: candidate.runner,
      algorithms: o.algorithms,
      ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
      ...(o.retry !== undefined ? { retry: o.retry } : {}),
      ...(o.maxFailureRate !== undefined ? { maxFailureRate: o.maxFailureRate } : {}),
      ...(o.onProgress
        ? { onProgress: (p) => o.onProgress?.({ candidate: candidate.name, ...p }) }
        : {}),
    });
    const resume = resumed?.get(candidate.name);
    try {
      return await evaluator.evaluate(records, {
        signal,
        ...(resume !== undefined ? { resume } : {}),
        output: async (line) => {
          keep(candidate.name, JSON.parse(line) as EvaluationRecord);
          // The evaluator's line with the candidate's name put first: `{"candidate":...,`.
          if (write) await write(`{"candidate":${nameJson},${line.slice(1)}`);
        },
      });
    } catch (err) {
      // Too many failures is this candidate's verdict, not the comparison's end.
      if (err instanceof EvaluationFailedError) return err.result;
      throw err;
    }
  };

  let results: EvaluationResult[];
  try {
    results = await Promise.all(
      o.candidates.map((c) =>
        runOne(c).catch((err: unknown) => {
          // One candidate's fatal error (an abort, a missing dependency) stops the others.
          controller.abort(err);
          throw err;
        }),
      ),
    );
  } catch (err) {
    if (o.signal?.aborted) throwIfAborted(o.signal);
    throw err;
  }

  const final = new Map(names.map((n) => [n, sortedByIndex(kept.get(n) ?? [])]));
  const candidates: CandidateOutcome[] = o.candidates.map((c, i) => ({
    name: c.name,
    modelId: c.runner.id,
    result: results[i] as EvaluationResult,
    cost: c.prices ? costOf(final.get(c.name) ?? [], c.prices) : undefined,
  }));
  const base = final.get(baseline) ?? [];
  const differences = o.candidates
    .filter((c) => c.name !== baseline)
    .map((c) => compareWith(c.name, baseline, final.get(c.name) ?? [], base, o.algorithms));
  return {
    baseline,
    numRecords: records.length,
    candidates,
    differences,
    pairing: "records-scored-by-both",
    method: "paired-t-95",
  };
}

/** Options of {@link promptCandidate}. */
export interface PromptCandidateOptions {
  /** The catalog holding the prompt. */
  catalog: PromptCatalog;
  /** The prompt's id. */
  id: string;
  /** Pick the version this label points at (e.g. `production`). */
  label?: string;
  /** Pick this exact version. */
  version?: string;
  /** The model answering the rendered prompt. */
  model: ChatModel;
  /** Inference parameters of every request. */
  inference?: ChatModelRunnerOptions["inference"];
  /** The candidate's name. Default: the version's ref, `id@version`. */
  name?: string;
  /** Token prices of the model, for cost per record. */
  prices?: TokenPrices;
}

const promptCandidateSchema = schemaFor<PromptCandidateOptions>()(
  z
    .object({
      catalog: z.custom<PromptCatalog>(
        (v) =>
          typeof v === "object" && v !== null && typeof (v as PromptCatalog).get === "function",
        "must be a PromptCatalog",
      ),
      id: z.string().min(1),
      label: z.string().min(1).optional(),
      version: z.string().min(1).optional(),
      model: chatModelSchema(),
      inference: inferenceOptionsSchema.optional(),
      name: z.string().min(1).max(200).optional(),
      prices: candidateSchema.shape.prices,
    })
    .strict(),
);

/**
 * A comparison candidate for one version of a catalog prompt (by `label` or `version`; neither
 * picks what `PromptCatalog.get` picks), answered by `model`. The version is resolved now, so a
 * label moved during the comparison does not change what is evaluated.
 *
 * @example
 * ```ts
 * const candidates = [
 *   promptCandidate({ catalog, id: "summarize", label: "production", model }),
 *   promptCandidate({ catalog, id: "summarize", version: "7", model }),
 * ]; // named "summarize@6" and "summarize@7"
 * ```
 */
export function promptCandidate(options: PromptCandidateOptions): ComparisonCandidate {
  const o = parseOptions(promptCandidateSchema, options, "promptCandidate options");
  const template = o.catalog.get(o.id, {
    ...(o.label !== undefined ? { label: o.label } : {}),
    ...(o.version !== undefined ? { version: o.version } : {}),
  });
  return {
    name: o.name ?? template.ref,
    runner: new ChatModelRunner({
      model: o.model,
      prompt: template,
      ...(o.inference !== undefined ? { inference: o.inference } : {}),
    }),
    ...(o.prices !== undefined ? { prices: o.prices } : {}),
  };
}

/** Reads the whole dataset once, so that every candidate runs the very same records. */
async function readAll(
  dataset: AsyncIterable<DatasetRecord> | Iterable<DatasetRecord>,
  signal: AbortSignal,
): Promise<DatasetRecord[]> {
  const out: DatasetRecord[] = [];
  for await (const record of dataset) {
    throwIfAborted(signal);
    out.push(record);
  }
  return out;
}

/**
 * The resumed comparison output split by candidate. Each candidate's records are then checked
 * by its own evaluator's resume (same dataset, same algorithms), exactly as a single run's.
 */
async function splitResume(
  source: ComparisonResumeSource,
  names: ReadonlySet<string>,
  signal: AbortSignal,
): Promise<Map<string, ResumableRecord[]>> {
  const out = new Map<string, ResumableRecord[]>();
  const add = (value: unknown, at: number): void => {
    const candidate = (value as { candidate?: unknown } | null)?.candidate;
    if (typeof candidate !== "string") {
      throw new ResumeRecordError(at, "has no candidate name, so it is not a comparison's record");
    }
    if (!names.has(candidate)) {
      const index = Number((value as { index?: unknown }).index);
      throw new ResumeMismatchError(
        Number.isInteger(index) ? index : -1,
        `The output to resume from has records of candidate "${candidate.slice(0, 100)}" (its line ${at}), which is not one of this comparison's candidates (${[...names].join(", ").slice(0, 200)})`,
      );
    }
    let list = out.get(candidate);
    if (list === undefined) {
      list = [];
      out.set(candidate, list);
    }
    list.push(value as ResumableRecord);
  };
  if (typeof source === "string" || Symbol.asyncIterator in Object(source)) {
    for await (const { value, at } of readRecordLines(
      source as string | AsyncIterable<Uint8Array | string>,
      signal,
    )) {
      add(value, at);
    }
  } else {
    let at = 0;
    for (const record of source as Iterable<unknown>) add(record, ++at);
  }
  return out;
}

/** Each index's final record (the scored rerun of a failed one wins), in index order. */
function sortedByIndex(records: readonly KeptRecord[]): KeptRecord[] {
  return [...byIndex(records).values()].sort((a, b) => a.index - b.index);
}

/** Every `"algorithm.score"` the records have, in first-seen order. */
function metricsOf(...lists: (readonly KeptRecord[])[]): string[] {
  const out = new Set<string>();
  for (const list of lists) {
    for (const r of list) {
      for (const [algo, scores] of Object.entries(r.scores)) {
        for (const score of Object.keys(scores)) out.add(`${algo}.${score}`);
      }
    }
  }
  return [...out];
}

/** The range `metric`'s algorithm declares for it, to which its differences' intervals are cut. */
function rangeOf(metric: string, algorithms: readonly EvalAlgorithm[]): ScoreRange | undefined {
  const dot = metric.indexOf(".");
  const algorithm = algorithms.find((a) => a.name === metric.slice(0, dot));
  return algorithm?.scoreRange?.(metric.slice(dot + 1));
}

function compareWith(
  candidate: string,
  baseline: string,
  mine: readonly KeptRecord[],
  theirs: readonly KeptRecord[],
  algorithms: readonly EvalAlgorithm[],
): CandidateDifferences {
  const metrics = metricsOf(theirs, mine);
  const differences = (a: readonly KeptRecord[], b: readonly KeptRecord[]) =>
    metrics.map((m) => pairedDifferences(a, b, m, { range: rangeOf(m, algorithms) }));
  const categories: Record<string, PairedDifference[]> = {};
  const cats = new Set(
    [...theirs, ...mine].flatMap((r) => (r.category === undefined ? [] : [r.category])),
  );
  for (const category of [...cats].sort()) {
    const a = mine.filter((r) => r.category === category);
    const b = theirs.filter((r) => r.category === category);
    categories[category] = differences(a, b);
  }
  return {
    candidate,
    baseline,
    metrics: differences(mine, theirs),
    categories,
  };
}

function costOf(records: readonly KeptRecord[], prices: TokenPrices): CandidateCost | undefined {
  const acc = new ScoreAccumulator();
  for (const r of records) if (r.usage !== undefined) acc.add(tokenCost(r.usage, prices));
  const perRecord = acc.summary();
  if (perRecord === undefined) return undefined;
  return { records: perRecord.count, total: perRecord.mean * perRecord.count, perRecord };
}
