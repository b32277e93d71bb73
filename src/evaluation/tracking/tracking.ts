/**
 * Experiment tracking of evaluation results: the {@link EvaluationTracker} interface that
 * `MlflowTracker` and `FileTracker` implement, and what they share: the flat metric map of a
 * result ({@link evaluationMetrics}), key sanitizing ({@link trackingKey}) and artifact path
 * checks.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions, ValidationError } from "../../core/index.js";
import { schemaFor } from "../../core/internal.js";
import {
  type ModelResult,
  type ModelSummary,
  type SummaryScores,
  toModelSummaries,
} from "../report/report.js";

/** A run parameter's value; numbers and booleans are logged as their string form. */
export type TrackingParamValue = string | number | boolean;

/** A file to keep with a tracked run, e.g. the summary JSON or the HTML report. */
export interface TrackedArtifact {
  /**
   * Where the file goes, relative to the run's artifact root: `summary.json`,
   * `reports/report.html`. Forward slashes; no leading `/`, no `.` or `..` segments, no
   * backslashes.
   */
  path: string;
  /** The file's content: text (written as UTF-8) or bytes. */
  content: string | Uint8Array;
  /** Its media type. Default: from the extension (`.json`, `.html`, ...), else `text/plain` for text and `application/octet-stream` for bytes. */
  contentType?: string;
}

/** Options of one {@link EvaluationTracker.trackEvaluation} call. */
export interface TrackEvaluationOptions {
  /** The run's name. Default: the result's model id. */
  runName?: string;
  /**
   * Run parameters: prompt version, dataset, sample size, seed, ... `model_id` (the result's
   * model id) is added unless given. Keys are sanitized like metric keys.
   */
  params?: Record<string, TrackingParamValue>;
  /**
   * Run tags. Keys are sanitized like metric keys. `mlflow.runName`, `mlflow.source.name` and
   * `fmops.version` are set by the tracker and may not be given; other `mlflow.` tags such as
   * `mlflow.note.content` (the run's description in the MLflow UI) may.
   */
  tags?: Record<string, string>;
  /** Files to keep with the run (summary JSON, HTML report, per-record JSONL). */
  artifacts?: readonly TrackedArtifact[];
  /** Stops the tracking with `ABORTED`. */
  signal?: AbortSignal;
}

/** Where a tracked run went. */
export interface TrackedRun {
  /** The run's id (MLflow's run id, or the FileTracker's UUID). */
  runId: string;
  /** The experiment's id (MLflow's experiment id, or the FileTracker's experiment name). */
  experimentId: string;
  /** A link to the run: the MLflow UI page, or the run folder's `file:` URL. Absent when there is none (SageMaker managed MLflow needs a presigned UI URL). */
  url?: string | undefined;
}

/**
 * Records evaluation results as experiment runs: one run per result, with the flat metrics of
 * {@link evaluationMetrics}, parameters, tags and artifacts.
 *
 * @example
 * ```ts
 * const tracker: EvaluationTracker = new FileTracker({ directory: "runs", experimentName: "qa" });
 * const run = await tracker.trackEvaluation(result, { params: { prompt: "qa@3", seed: 0 } });
 * ```
 */
export interface EvaluationTracker {
  /** Logs `result` (an `EvaluationResult` or its `ModelSummary`) as one finished run. */
  trackEvaluation(result: ModelResult, options?: TrackEvaluationOptions): Promise<TrackedRun>;
}

/** Tags every tracker sets itself. */
export const RESERVED_TAGS: readonly string[] = [
  "mlflow.runName",
  "mlflow.source.name",
  "fmops.version",
];

const KEY_CHAR = /[^A-Za-z0-9_\-. ]/g;

/** One part of a key (an algorithm, score or category name): every other character, `/` included, becomes `_`. */
function keyPart(part: string): string {
  const clean = part.replace(KEY_CHAR, "_");
  if (clean === "" || clean === ".") return "_";
  if (clean === "..") return "__";
  return clean;
}

/**
 * Makes `key` a valid MLflow metric, parameter or tag key. MLflow accepts only letters, digits,
 * `_`, `-`, `.`, space and `/` in keys, and rejects keys that would change when read as a file
 * path (`a//b`, `./a`, `a/`, `..`). Every other character becomes `_` (so `rouge:2` becomes
 * `rouge_2`, and non-ASCII letters become `_` too), and each `/`-separated segment that is
 * empty or `.` becomes `_` (`..` becomes `__`). Keys that are already valid are kept as they are.
 *
 * @example
 * ```ts
 * trackingKey("judge:score"); // "judge_score"
 * trackingKey("category//x"); // "category/_/x"
 * ```
 */
export function trackingKey(key: string): string {
  return key.split("/").map(keyPart).join("/");
}

/** Adds `key` to `map` under `name`, or throws when another original key already became `name`. */
function put<T>(
  map: Map<string, { from: string; value: T }>,
  name: string,
  from: string,
  value: T,
  what: string,
): void {
  const seen = map.get(name);
  if (seen !== undefined && seen.from !== from) {
    throw new ValidationError(
      `The ${what} keys "${seen.from.slice(0, 100)}" and "${from.slice(0, 100)}" both become "${name.slice(0, 100)}" once sanitized for tracking (only letters, digits, "_", "-", ".", " " and "/" are kept). Rename one of them.`,
      [{ path: from, message: `collides with "${seen.from}"` }],
    );
  }
  map.set(name, { from, value });
}

function addScores(
  out: Map<string, { from: string; value: number }>,
  prefix: string,
  fromPrefix: string,
  scores: SummaryScores,
): void {
  for (const [algorithm, byName] of Object.entries(scores)) {
    for (const [score, s] of Object.entries(byName)) {
      const name = `${prefix}${keyPart(algorithm)}.${keyPart(score)}`;
      const from = `${fromPrefix}${algorithm}.${score}`;
      if (s.mean !== null) put(out, name, from, s.mean, "metric");
      if (s.ci95 !== null) {
        put(out, `${name}.ci95_lower`, `${from}.ci95_lower`, s.ci95.lower, "metric");
        put(out, `${name}.ci95_upper`, `${from}.ci95_upper`, s.ci95.upper, "metric");
      }
    }
  }
}

function metricsOf(summary: ModelSummary): Record<string, number> {
  const out = new Map<string, { from: string; value: number }>();
  put(out, "num_records", "num_records", summary.numRecords, "metric");
  put(out, "num_failed", "num_failed", summary.numFailed, "metric");
  addScores(out, "", "", summary.scores);
  for (const [category, scores] of Object.entries(summary.categories)) {
    addScores(out, `category/${keyPart(category)}/`, `category/${category}/`, scores);
  }
  const metrics: Record<string, number> = {};
  for (const [name, { value }] of out) metrics[name] = value;
  return metrics;
}

/**
 * The flat metrics of an evaluation result, as both trackers log them:
 *
 * - `num_records`, `num_failed`;
 * - `<algorithm>.<score>`: the mean over all scored records, with
 *   `<algorithm>.<score>.ci95_lower` and `.ci95_upper` when the 95% interval exists (two or more
 *   records);
 * - `category/<category>/<algorithm>.<score>` (and its `.ci95_lower` / `.ci95_upper`) per category.
 *
 * Means that are not finite numbers are left out (MLflow's JSON API cannot carry `NaN`). Names are
 * sanitized for MLflow (characters it refuses become `_`), each part on its own (a `/` in a category name becomes
 * `_`); two names that become the same key throw a `ValidationError`.
 *
 * @example
 * ```ts
 * evaluationMetrics(result);
 * // { num_records: 200, num_failed: 0, "qa_accuracy.f1": 0.71, "qa_accuracy.f1.ci95_lower": 0.66, ... }
 * ```
 */
export function evaluationMetrics(result: ModelResult): Record<string, number> {
  const [summary] = toModelSummaries(result, "evaluationMetrics result");
  return metricsOf(summary as ModelSummary);
}

/**
 * Whether `text` has a control character (U+0000 to U+001F, or U+007F).
 *
 * @internal
 */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Checks an artifact path (see {@link TrackedArtifact.path}); returns it, or throws a `ValidationError` naming `field`. */
export function checkArtifactPath(path: string, field = "path"): string {
  const problem =
    typeof path !== "string" || path === ""
      ? "must be a non-empty string"
      : path.length > 1024
        ? "must be at most 1024 characters"
        : path.startsWith("/")
          ? "must be relative (no leading /)"
          : path.includes("\\")
            ? "must use forward slashes only"
            : hasControlCharacter(path)
              ? "must not contain control characters"
              : /^[A-Za-z]:/.test(path)
                ? "must not start with a drive letter"
                : path.split("/").some((s) => s === "" || s === "." || s === "..")
                  ? "must not have empty, . or .. segments"
                  : undefined;
  if (problem !== undefined) {
    throw new ValidationError(
      `Invalid artifact path "${String(path).slice(0, 200)}": it ${problem}. Use a relative path such as "summary.json" or "reports/report.html".`,
      [{ path: field, message: problem }],
    );
  }
  return path;
}

const CONTENT_TYPES: Record<string, string> = {
  json: "application/json",
  jsonl: "application/x-ndjson",
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  yaml: "application/yaml",
  yml: "application/yaml",
};

/** An artifact ready to write: bytes and media type. */
export interface PreparedArtifact {
  /** The checked path. */
  path: string;
  /** The content's bytes (text as UTF-8). */
  bytes: Uint8Array;
  /** The media type. */
  contentType: string;
}

/** Everything a tracker logs for one result, validated and sanitized. */
export interface PreparedRun {
  /** The result as a summary (fresh objects, non-finite numbers as `null`). */
  summary: ModelSummary;
  /** The run's name. */
  runName: string;
  /** Parameters as MLflow stores them: sanitized keys, string values. */
  params: Record<string, string>;
  /** The caller's tags, sanitized keys. */
  tags: Record<string, string>;
  /** The flat metrics of {@link evaluationMetrics}. */
  metrics: Record<string, number>;
  /** The artifacts, checked. */
  artifacts: PreparedArtifact[];
  /** The caller's signal. */
  signal: AbortSignal | undefined;
}

const optionsSchema = schemaFor<TrackEvaluationOptions>()(
  z
    .object({
      runName: z.string().min(1).max(250).optional(),
      params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      tags: z.record(z.string(), z.string()).optional(),
      artifacts: z
        .array(
          z
            .object({
              path: z.string(),
              content: z.union([
                z.string(),
                z.custom<Uint8Array>(
                  (v) => v instanceof Uint8Array,
                  "must be a string or a Uint8Array",
                ),
              ]),
              contentType: z.string().min(1).optional(),
            })
            .strict(),
        )
        .readonly()
        .optional(),
      signal: z.instanceof(AbortSignal).optional(),
    })
    .strict(),
);

/**
 * Validates one `trackEvaluation` call and turns it into what the trackers log. Throws a
 * `ValidationError` for invalid options, a reserved tag, colliding keys or a bad artifact path.
 *
 * @internal
 */
export function prepareRun(
  result: ModelResult,
  options: TrackEvaluationOptions,
  subject: string,
): PreparedRun {
  const o = parseOptions(optionsSchema, options, `${subject} options`);
  const [summary] = toModelSummaries(result, `${subject} result`) as [ModelSummary];

  const params = new Map<string, { from: string; value: string }>();
  for (const [key, value] of Object.entries(o.params ?? {})) {
    put(params, trackingKey(key), key, String(value), "param");
  }
  if (!params.has("model_id")) params.set("model_id", { from: "model_id", value: summary.modelId });

  const tags = new Map<string, { from: string; value: string }>();
  for (const [key, value] of Object.entries(o.tags ?? {})) {
    const name = trackingKey(key);
    if (RESERVED_TAGS.includes(name)) {
      throw new ValidationError(
        `Invalid ${subject} options: tags.${key}: the tracker sets "${name}" itself${name === "mlflow.runName" ? "; pass runName instead" : ""}.`,
        [{ path: `tags.${key}`, message: "reserved tag" }],
      );
    }
    put(tags, name, key, value, "tag");
  }

  const seenPaths = new Set<string>();
  const artifacts = (o.artifacts ?? []).map((a, i): PreparedArtifact => {
    const path = checkArtifactPath(a.path, `artifacts.${i}.path`);
    if (seenPaths.has(path)) {
      throw new ValidationError(
        `Invalid ${subject} options: artifacts.${i}.path: "${path.slice(0, 200)}" is given twice.`,
        [{ path: `artifacts.${i}.path`, message: "duplicate path" }],
      );
    }
    seenPaths.add(path);
    const text = typeof a.content === "string";
    const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? "";
    return {
      path,
      bytes: text ? new TextEncoder().encode(a.content as string) : (a.content as Uint8Array),
      contentType:
        a.contentType ??
        CONTENT_TYPES[ext] ??
        (text ? "text/plain; charset=utf-8" : "application/octet-stream"),
    };
  });

  return {
    summary,
    runName: o.runName ?? summary.modelId.slice(0, 250),
    params: Object.fromEntries([...params].map(([k, v]) => [k, v.value])),
    tags: Object.fromEntries([...tags].map(([k, v]) => [k, v.value])),
    metrics: metricsOf(summary),
    artifacts,
    signal: o.signal,
  };
}
