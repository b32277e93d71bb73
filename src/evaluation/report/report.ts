/**
 * {@link evaluationSummary}: the results of one or more evaluation runs as one plain JSON
 * document, and the normalisation the HTML report ({@link renderEvaluationHtml}) shares with it.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions, ValidationError } from "../../core/index.js";
import { schemaFor } from "../../core/internal.js";
import { VERSION } from "../../version.js";
import type { ScoreSummary } from "../algorithms/stats.js";
import type { EvaluationResult, EvaluationStatus } from "../evaluator/evaluator.js";
import type { LatencySummary } from "../evaluator/latency.js";
import type { JsonValue } from "../runners/content-template.js";

/**
 * One score's mean as stored in an {@link EvaluationSummary}. Like `ScoreSummary`, except that a
 * value that is not a finite number (a mean over scores that were `Infinity`, say) is `null`,
 * which is what JSON would make of it anyway: a summary reads back from its JSON unchanged.
 */
export interface SummaryScore extends Omit<ScoreSummary, "mean" | "stdDev"> {
  /** Arithmetic mean, or `null` when it is not a finite number. */
  mean: number | null;
  /** Sample standard deviation, or `null` when it is not a finite number. */
  stdDev: number | null;
}

/** What {@link formatInterval} reads of a summary. */
export type IntervalSummary = Pick<
  SummaryScore,
  "count" | "mean" | "ci95" | "clipped" | "smallSample"
>;

/** The mark after an interval from fewer than `MIN_INTERVAL_COUNT` records, in text and HTML reports. */
export const SMALL_SAMPLE_MARK = "*";

/**
 * A score's 95% interval as text: `± half-width` when it is symmetric about the mean, its bounds
 * `[lower, upper]` when the score's range cut it, followed by {@link SMALL_SAMPLE_MARK} when it
 * rests on too few records; `null` without an interval. `format` writes one number.
 *
 * @example
 * ```ts
 * formatInterval(summary, (v) => v.toFixed(3)); // "± 0.041", or "[0.000, 1.000]*"
 * ```
 */
export function formatInterval(
  s: IntervalSummary,
  format: (value: number) => string,
): string | null {
  if (s.ci95 === null) return null;
  const { lower, upper } = s.ci95;
  const text =
    s.clipped === true
      ? `[${format(lower)}, ${format(upper)}]`
      : `± ${format((upper - lower) / 2)}`;
  return s.smallSample === true ? `${text}${SMALL_SAMPLE_MARK}` : text;
}

/** Scores per algorithm name, then per score name. */
export type SummaryScores = Record<string, Record<string, SummaryScore>>;

/** One model's result in an {@link EvaluationSummary}. */
export interface ModelSummary {
  /** The runner's id (usually the model id). */
  modelId: string;
  /** Records attempted. */
  numRecords: number;
  /** Records that failed, model call or scoring (left out of the scores). */
  numFailed: number;
  /** How the run ended; absent in summaries written before fmops recorded it. */
  status?: EvaluationStatus;
  /** Failed records by reason (error code); absent in older summaries. */
  failures?: Record<string, number>;
  /** Percentiles of the model calls' latency in milliseconds, when measured. */
  latency?: LatencySummary;
  /** Means over all scored records. */
  scores: SummaryScores;
  /** Means per category. */
  categories: Record<string, SummaryScores>;
}

/**
 * The summary JSON of an evaluation: what was run, by which fmops version, and each model's
 * means with their 95% confidence intervals. Plain data (`JSON.stringify` it as it is); the
 * `schemaVersion` changes only when a field changes meaning or goes away.
 */
export interface EvaluationSummary {
  /** Version of this layout: `1`. */
  schemaVersion: 1;
  /** The fmops version that wrote it. */
  fmopsVersion: string;
  /** A title for the evaluation, when given. */
  title?: string;
  /** The dataset's name or location, when given. */
  dataset?: string;
  /** When the summary was made, ISO 8601 (UTC). */
  createdAt: string;
  /** Run parameters worth keeping with the numbers (sample size, seed, prompt version, ...). */
  params?: Record<string, JsonValue>;
  /** How `ci95` was computed: Student's t interval of the mean, 95%. */
  confidenceInterval: "student-t-95";
  /** Each model's result, in the order given. */
  models: ModelSummary[];
}

/** What the summary and the HTML report accept for one model: a run's result or its summary. */
export type ModelResult = EvaluationResult | ModelSummary;

/** Options of {@link evaluationSummary}. */
export interface EvaluationSummaryMeta {
  /** A title for the evaluation. */
  title?: string;
  /** The dataset's name or location. */
  dataset?: string;
  /** When the evaluation ran. Default: now. */
  createdAt?: Date;
  /** Run parameters to keep with the numbers; must be JSON values (no `NaN`, dates or functions). */
  params?: Record<string, JsonValue>;
}

// Numbers may be NaN or infinite (a mean over infinite scores) or null (read back from JSON):
// all of them mean "no value" here, so accept any of them and normalise below.
const looseNumber = z.custom<number | null>(
  (v) => v === null || typeof v === "number",
  "must be a number or null",
);
const scoreSchema = z.looseObject({
  count: z.number().min(0),
  mean: looseNumber,
  stdDev: looseNumber.optional(),
  ci95: z.looseObject({ lower: looseNumber, upper: looseNumber }).nullable().optional(),
  clipped: z.boolean().optional(),
  smallSample: z.boolean().optional(),
});
const scoresSchema = z.record(z.string(), z.record(z.string(), scoreSchema));
const latencySchema = z.looseObject({
  count: z.int().min(0),
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  max: z.number(),
});
const modelSchema = z.looseObject({
  modelId: z.string(),
  numRecords: z.int().min(0),
  numFailed: z.int().min(0),
  status: z.enum(["complete", "completed_with_failures", "failed"]).optional(),
  failures: z.record(z.string(), z.int().min(0)).optional(),
  latency: latencySchema.optional(),
  scores: scoresSchema,
  categories: z.record(z.string(), scoresSchema),
});
const resultsSchema = z.array(modelSchema);

const metaSchema = schemaFor<EvaluationSummaryMeta>()(
  z
    .object({
      title: z.string().optional(),
      dataset: z.string().optional(),
      createdAt: z.date().optional(),
      params: z.record(z.string(), z.json()).optional(),
    })
    .strict(),
);

const finite = (v: number | null | undefined): number | null =>
  typeof v === "number" && Number.isFinite(v) ? v : null;

function summaryScore(s: z.output<typeof scoreSchema>): SummaryScore {
  const lower = finite(s.ci95?.lower);
  const upper = finite(s.ci95?.upper);
  const ci95 = lower === null || upper === null ? null : { lower, upper };
  const out: SummaryScore = {
    count: s.count,
    mean: finite(s.mean),
    stdDev: finite(s.stdDev),
    ci95,
  };
  // The marks describe an interval: without one (or with a non-finite bound) they say nothing.
  if (ci95 !== null && s.clipped === true) out.clipped = true;
  if (ci95 !== null && s.smallSample === true) out.smallSample = true;
  return out;
}

function summaryScores(scores: z.output<typeof scoresSchema>): SummaryScores {
  const out: SummaryScores = {};
  for (const [algorithm, byName] of Object.entries(scores)) {
    const copy: Record<string, SummaryScore> = {};
    for (const [name, s] of Object.entries(byName)) copy[name] = summaryScore(s);
    out[algorithm] = copy;
  }
  return out;
}

/**
 * Validates one result or a list of them and copies each into a {@link ModelSummary} (fresh
 * objects, non-finite numbers as `null`). `subject` starts a validation error's message.
 *
 * @internal
 */
export function toModelSummaries(
  results: ModelResult | readonly ModelResult[],
  subject: string,
): ModelSummary[] {
  const list = Array.isArray(results) ? results : [results];
  const parsed = parseOptions(
    resultsSchema,
    list,
    `${subject} (an EvaluationResult or an array of them)`,
  );
  return parsed.map((r) => ({
    modelId: r.modelId,
    numRecords: r.numRecords,
    numFailed: r.numFailed,
    ...(r.status === undefined ? {} : { status: r.status }),
    ...(r.failures === undefined ? {} : { failures: { ...r.failures } }),
    ...(r.latency === undefined
      ? {}
      : {
          latency: {
            count: r.latency.count,
            mean: r.latency.mean,
            p50: r.latency.p50,
            p90: r.latency.p90,
            p99: r.latency.p99,
            max: r.latency.max,
          },
        }),
    scores: summaryScores(r.scores),
    categories: Object.fromEntries(
      Object.entries(r.categories).map(([category, s]) => [category, summaryScores(s)]),
    ),
  }));
}

/** One score of a report: an algorithm's score, named `"algorithm.score"`. */
export interface ScoreKey {
  /** `"algorithm.score"`. */
  key: string;
  /** The algorithm's name. */
  algorithm: string;
  /** The score's name. */
  score: string;
}

/**
 * Every score any model has (overall or in a category), in first-seen order: models in order,
 * algorithms and scores in the order the evaluator produced them.
 *
 * @internal
 */
export function scoreKeys(models: readonly ModelSummary[]): ScoreKey[] {
  const seen = new Map<string, ScoreKey>();
  const visit = (scores: SummaryScores) => {
    for (const [algorithm, byName] of Object.entries(scores)) {
      for (const score of Object.keys(byName)) {
        const key = `${algorithm}.${score}`;
        if (!seen.has(key)) seen.set(key, { key, algorithm, score });
      }
    }
  };
  for (const m of models) {
    visit(m.scores);
    for (const c of Object.values(m.categories)) visit(c);
  }
  return [...seen.values()];
}

/**
 * Picks `wanted` ("algorithm.score" names, in the order given) out of `available`, or throws a
 * `ValidationError` naming each one no model has.
 *
 * @internal
 */
export function pickScoreKeys(
  available: readonly ScoreKey[],
  wanted: readonly string[],
  field: string,
  subject: string,
): ScoreKey[] {
  const byKey = new Map(available.map((k) => [k.key, k]));
  const issues = wanted
    .map((key, i) => ({ key, path: `${field}.${i}` }))
    .filter(({ key }) => !byKey.has(key))
    .map(({ key, path }) => ({ path, message: `no model has the score "${key}"` }));
  if (issues.length > 0) {
    const names = available.map((k) => k.key);
    const listed = names.length === 0 ? "none" : names.slice(0, 30).join(", ");
    throw new ValidationError(
      `Invalid ${subject}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}. ` +
        `Use "algorithm.score" names from the results: ${listed}${names.length > 30 ? ", ..." : ""}.`,
      issues,
    );
  }
  return [...new Set(wanted)].map((key) => byKey.get(key) as ScoreKey);
}

/** Whether `value` is a whole {@link EvaluationSummary} rather than one or more results. */
export function isEvaluationSummary(value: unknown): value is EvaluationSummary {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    (value as { schemaVersion?: unknown }).schemaVersion === 1 &&
    Array.isArray((value as { models?: unknown }).models)
  );
}

/**
 * The summary JSON of one or more evaluation runs (one per model, compared in the HTML report):
 * `schemaVersion`, the fmops version, the title, dataset, date and parameters you give, and each
 * model's means, standard deviations and 95% confidence intervals, overall and per category.
 * Non-finite numbers become `null`, so `JSON.parse(JSON.stringify(summary))` equals it.
 *
 * @example
 * ```ts
 * const summary = evaluationSummary([resultA, resultB], {
 *   title: "QA: nova-lite vs haiku",
 *   dataset: "qa.jsonl",
 *   params: { numRecords: 200, seed: 0 },
 * });
 * await writeFile("summary.json", JSON.stringify(summary, null, 2));
 * ```
 */
export function evaluationSummary(
  results: ModelResult | readonly ModelResult[],
  meta: EvaluationSummaryMeta = {},
): EvaluationSummary {
  const m = parseOptions(metaSchema, meta, "evaluationSummary meta");
  const models = toModelSummaries(results, "evaluationSummary results");
  return {
    schemaVersion: 1,
    fmopsVersion: VERSION,
    ...(m.title === undefined ? {} : { title: m.title }),
    ...(m.dataset === undefined ? {} : { dataset: m.dataset }),
    createdAt: (m.createdAt ?? new Date()).toISOString(),
    // A copy through JSON: the caller's object stays theirs, and the summary holds plain data.
    ...(m.params === undefined ? {} : { params: JSON.parse(JSON.stringify(m.params)) }),
    confidenceInterval: "student-t-95",
    models,
  };
}
