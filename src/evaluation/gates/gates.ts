/**
 * Release gates over an evaluation: {@link checkGates} decides, for each {@link Gate}, whether a
 * run is good enough to ship (absolute thresholds, the drop from a baseline, latency, failure
 * rate), so a CI job can fail on a regression.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions, ValidationError } from "../../core/index.js";
import { schemaFor } from "../../core/internal.js";
import type { EvalAlgorithm } from "../algorithms/algorithm.js";
import { MIN_INTERVAL_COUNT, type ScoreRange } from "../algorithms/stats.js";
import {
  differenceRange,
  type PairableRecord,
  type PairedDifference,
  pairedDifferences,
} from "../compare/paired.js";
import { builtInScoreRange } from "../compare/score-ranges.js";
import {
  type EvaluationSummary,
  isEvaluationSummary,
  type ModelResult,
  type ModelSummary,
  scoreKeys,
  toModelSummaries,
} from "../report/report.js";

/**
 * One release gate.
 *
 * - `threshold`: the mean of `metric` compared with `value` (`"f1_score >= 0.8"`).
 * - `drop`: the mean of `metric` may fall at most `maxDrop` below the baseline's
 *   (`"f1_score drop > 0.02"` fails on a larger drop).
 * - `latency`: a percentile of the model calls' latency at most `maxMs` milliseconds.
 * - `failureRate`: the share of records that failed at most `max` (0 to 1).
 *
 * `metric` is `"algorithm.score"` (`"qa_accuracy.f1_score"`), or the score name alone when only
 * one algorithm has it.
 */
export type Gate =
  | {
      /** An absolute bound on a score's mean. */
      kind: "threshold";
      /** The score. */
      metric: string;
      /** How the mean must compare with `value`. */
      op: ">=" | ">" | "<=" | "<";
      /** The bound. */
      value: number;
    }
  | {
      /** A bound on the fall from the baseline. */
      kind: "drop";
      /** The score. */
      metric: string;
      /** The largest allowed `baseline − candidate`. */
      maxDrop: number;
    }
  | {
      /** A bound on the model calls' latency. */
      kind: "latency";
      /** Which percentile. */
      percentile: "p50" | "p90" | "p99";
      /** The bound in milliseconds. */
      maxMs: number;
    }
  | {
      /** A bound on the share of failed records. */
      kind: "failureRate";
      /** The largest allowed `numFailed / numRecords`. */
      max: number;
    };

/** One gate's verdict in a {@link GateReport}. */
export interface GateVerdict {
  /** The gate. */
  gate: Gate;
  /** The gate as text (see `formatGate`). */
  name: string;
  /** Whether the run passes it. A value that could not be computed fails. */
  passed: boolean;
  /** The score it read, `"algorithm.score"` (threshold and drop gates). */
  metric?: string;
  /**
   * The value compared with `limit`: the mean (threshold), `baseline − candidate` (drop),
   * milliseconds (latency), the failed share (failureRate); `null` when there is none.
   */
  actual: number | null;
  /** The gate's bound. */
  limit: number;
  /** Drop gates: how the runs were compared. */
  method?: "paired-t-95" | "difference-of-means";
  /** Drop gates with both runs' records: the record-by-record comparison. */
  paired?: PairedDifference;
  /** One line for people: the numbers behind the verdict. */
  detail: string;
}

/** Result of {@link checkGates}. */
export interface GateReport {
  /** Whether every gate passed. */
  passed: boolean;
  /**
   * How drop gates compared the runs: `"paired"` record by record (both runs' records given),
   * `"means"` the two summaries' means only, `"none"` without a baseline.
   */
  comparison: "paired" | "means" | "none";
  /** The model the gates were checked on. */
  modelId: string;
  /** The baseline's model, when there is a baseline. */
  baselineModelId?: string;
  /** One verdict per gate, in the order given. */
  verdicts: GateVerdict[];
}

/** A run's result, its {@link ModelSummary}, or a whole summary JSON. */
export type GateInput = ModelResult | EvaluationSummary;

/** Options of {@link checkGates}. */
export interface CheckGatesOptions {
  /** The run to compare with (drop gates need it): its result or summary JSON. */
  baseline?: GateInput;
  /**
   * The run's per-record output. With `baselineRecords`, drop gates compare record by record
   * (paired differences with a paired t interval) instead of comparing means.
   */
  records?: Iterable<PairableRecord>;
  /** The baseline's per-record output. */
  baselineRecords?: Iterable<PairableRecord>;
  /** Which model of a summary with several to check (default: the first). */
  modelId?: string;
  /** Which model of a baseline summary with several to compare with (default: the first). */
  baselineModelId?: string;
  /**
   * The algorithms that scored the runs (or any objects with their `name` and `scoreRange`).
   * A paired drop's interval is cut to the values a difference of two scores can take, which
   * needs the score's range: records and summaries do not store it, so it comes from here,
   * else from the built-in algorithms' declarations by name. A score neither knows is left
   * unclipped (and still marked when it rests on few records).
   */
  algorithms?: readonly Pick<EvalAlgorithm, "name" | "scoreRange">[];
}

const finiteNumber = z.number().refine(Number.isFinite, "must be a finite number");
const gateSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("threshold"),
      metric: z.string().min(1),
      op: z.enum([">=", ">", "<=", "<"]),
      value: finiteNumber,
    })
    .strict(),
  z
    .object({ kind: z.literal("drop"), metric: z.string().min(1), maxDrop: finiteNumber.min(0) })
    .strict(),
  z
    .object({
      kind: z.literal("latency"),
      percentile: z.enum(["p50", "p90", "p99"]),
      maxMs: finiteNumber.min(0),
    })
    .strict(),
  z.object({ kind: z.literal("failureRate"), max: z.number().min(0).max(1) }).strict(),
]);
const gatesSchema = schemaFor<readonly Gate[]>()(z.array(gateSchema).readonly());
const algorithmsSchema = z
  .array(
    z.custom<Pick<EvalAlgorithm, "name" | "scoreRange">>(
      (v) =>
        typeof v === "object" &&
        v !== null &&
        typeof (v as EvalAlgorithm).name === "string" &&
        ((v as EvalAlgorithm).scoreRange === undefined ||
          typeof (v as EvalAlgorithm).scoreRange === "function"),
      "must be an algorithm (a name and, optionally, a scoreRange method)",
    ),
  )
  .readonly();

const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?`;
const METRIC = String.raw`[A-Za-z_][\w.\-]*`;
const DROP = new RegExp(String.raw`^\s*(${METRIC})\s+drop\s*>\s*(${NUMBER})\s*$`);
const THRESHOLD = new RegExp(String.raw`^\s*(${METRIC})\s*(>=|<=|>|<)\s*(${NUMBER})\s*$`);

/**
 * Reads a gate written as text: `"<metric> drop > <number>"` (a drop gate) or
 * `"<metric> <op> <number>"` with `op` one of `>=`, `>`, `<=`, `<` (a threshold gate). Throws
 * `ValidationError` on anything else.
 *
 * @example
 * ```ts
 * parseGate("qa_accuracy.f1_score drop > 0.02"); // { kind: "drop", metric: ..., maxDrop: 0.02 }
 * parseGate("f1_score >= 0.8"); // { kind: "threshold", metric: "f1_score", op: ">=", value: 0.8 }
 * ```
 */
export function parseGate(text: string): Gate {
  const drop = DROP.exec(text);
  if (drop && Number(drop[2]) >= 0) {
    return { kind: "drop", metric: drop[1] as string, maxDrop: Number(drop[2]) };
  }
  const threshold = drop ? null : THRESHOLD.exec(text);
  if (threshold) {
    return {
      kind: "threshold",
      metric: threshold[1] as string,
      op: threshold[2] as ">=" | ">" | "<=" | "<",
      value: Number(threshold[3]),
    };
  }
  throw new ValidationError(
    `Cannot read the gate "${text.slice(0, 200)}": write "<metric> drop > <number>" (a drop of at least 0 from the baseline) or "<metric> <op> <number>" with op one of >=, >, <=, <, e.g. "qa_accuracy.f1_score >= 0.8".`,
    [{ path: "gate", message: "unreadable gate" }],
  );
}

/** A gate as text, in the form {@link parseGate} reads (latency and failure-rate gates too). */
export function formatGate(gate: Gate): string {
  switch (gate.kind) {
    case "threshold":
      return `${gate.metric} ${gate.op} ${gate.value}`;
    case "drop":
      return `${gate.metric} drop > ${gate.maxDrop}`;
    case "latency":
      return `latency ${gate.percentile} <= ${gate.maxMs} ms`;
    case "failureRate":
      return `failure rate <= ${gate.max}`;
  }
}

/** The model of `input` to check: one of a summary's models, or the result itself. */
function pickModel(input: GateInput, modelId: string | undefined, what: string): ModelSummary {
  const models = isEvaluationSummary(input)
    ? toModelSummaries(input.models, what)
    : toModelSummaries(input, what);
  const found = modelId === undefined ? models[0] : models.find((m) => m.modelId === modelId);
  if (found === undefined) {
    const ids = models.map((m) => m.modelId).join(", ") || "none";
    throw new ValidationError(
      `The ${what} has no model "${modelId ?? ""}" (models: ${ids}): choose one of them.`,
      [{ path: what, message: "no such model" }],
    );
  }
  return found;
}

/** `"algorithm.score"` for `metric`, which may name the score alone when that is unambiguous. */
function resolveMetric(model: ModelSummary, metric: string, path: string): string {
  const keys = scoreKeys([model]);
  if (keys.some((k) => k.key === metric)) return metric;
  const byScore = keys.filter((k) => k.score === metric);
  if (byScore.length === 1) return (byScore[0] as { key: string }).key;
  const listed = keys.map((k) => k.key).join(", ") || "none";
  const problem =
    byScore.length > 1
      ? `"${metric}" is a score of several algorithms: write "algorithm.score"`
      : `the run has no score "${metric}"`;
  throw new ValidationError(`Invalid gate ${path}: ${problem}. Scores: ${listed}.`, [
    { path, message: problem },
  ]);
}

function meanOf(model: ModelSummary, key: string): number | null {
  const dot = key.indexOf(".");
  return model.scores[key.slice(0, dot)]?.[key.slice(dot + 1)]?.mean ?? null;
}

const f = (n: number | null | undefined): string =>
  typeof n === "number" && Number.isFinite(n) ? String(Number(n.toFixed(4))) : "none";

function compare(actual: number, op: ">=" | ">" | "<=" | "<", limit: number): boolean {
  switch (op) {
    case ">=":
      return actual >= limit;
    case ">":
      return actual > limit;
    case "<=":
      return actual <= limit;
    case "<":
      return actual < limit;
  }
}

/**
 * Checks each gate on an evaluation run and says which passed, with the numbers behind each
 * verdict. Drop gates need `baseline`; given both runs' per-record output (`records` and
 * `baselineRecords`), they compare record by record: the drop is the mean of
 * `baseline − candidate` over the records both runs scored, reported with its paired Student's t
 * 95% interval (cut to the values a difference can take when the score's range is known: see
 * `options.algorithms`) and win/tie/loss counts. With summaries only, the drop is the difference of the
 * two means, without an interval (`method: "difference-of-means"`).
 *
 * A verdict compares the point estimate with the bound; the interval is there to tell a real
 * change from noise, not to move the bound. A value that cannot be computed (a mean over no
 * records, a run without latency) fails its gate. A gate that cannot be checked at all (an
 * unknown score, a drop gate without a baseline) throws `ValidationError` before any verdict.
 *
 * @example
 * ```ts
 * const report = checkGates(summary, [parseGate("qa_accuracy.f1_score drop > 0.02"),
 *   parseGate("qa_accuracy.f1_score >= 0.8"), { kind: "latency", percentile: "p90", maxMs: 2000 }],
 *   { baseline: JSON.parse(await readFile("baseline.json", "utf8")) });
 * if (!report.passed) process.exitCode = 1;
 * ```
 */
export function checkGates(
  current: GateInput,
  gates: readonly Gate[],
  options: CheckGatesOptions = {},
): GateReport {
  const parsed = parseOptions(gatesSchema, gates, "gates");
  const algorithms =
    options.algorithms === undefined
      ? []
      : parseOptions(algorithmsSchema, options.algorithms, "checkGates options.algorithms");
  const model = pickModel(current, options.modelId, "run");
  const baseline =
    options.baseline === undefined
      ? undefined
      : pickModel(options.baseline, options.baselineModelId, "baseline");
  const paired = options.records !== undefined && options.baselineRecords !== undefined;
  const records = paired ? [...(options.records as Iterable<PairableRecord>)] : [];
  const baselineRecords = paired ? [...(options.baselineRecords as Iterable<PairableRecord>)] : [];

  // Every gate is resolved before any is judged: a typo fails fast, not after half a report.
  const metrics = parsed.map((gate, i) => {
    if (gate.kind !== "threshold" && gate.kind !== "drop") return undefined;
    if (gate.kind === "drop" && baseline === undefined) {
      throw new ValidationError(
        `The gate "${formatGate(gate)}" needs a baseline to compare with: pass options.baseline (fmops eval --baseline <summary.json>).`,
        [{ path: `gates.${i}`, message: "needs a baseline" }],
      );
    }
    return resolveMetric(model, gate.metric, `gates.${i}`);
  });

  const rangeOf = (metric: string): ScoreRange | undefined => {
    const dot = metric.indexOf(".");
    const algorithm = algorithms.find((a) => a.name === metric.slice(0, dot));
    return algorithm !== undefined
      ? algorithm.scoreRange?.(metric.slice(dot + 1))
      : builtInScoreRange(metric);
  };
  const context: VerdictContext = { model, baseline, paired, records, baselineRecords, rangeOf };
  const verdicts = parsed.map((gate, i) => verdictOf(gate, metrics[i], context));

  return {
    passed: verdicts.every((v) => v.passed),
    comparison: baseline === undefined ? "none" : paired ? "paired" : "means",
    modelId: model.modelId,
    ...(baseline === undefined ? {} : { baselineModelId: baseline.modelId }),
    verdicts,
  };
}

/** What {@link verdictOf} judges against. */
interface VerdictContext {
  model: ModelSummary;
  baseline: ModelSummary | undefined;
  paired: boolean;
  records: PairableRecord[];
  baselineRecords: PairableRecord[];
  /** The declared range of a score, `"algorithm.score"`, when known. */
  rangeOf: (metric: string) => ScoreRange | undefined;
}

/**
 * The notes after an interval, in parentheses: `clipped` says what cut it (so that bounds which
 * are not `mean ± half-width` are not read as such), and one from fewer than
 * `MIN_INTERVAL_COUNT` records is a rough indication.
 */
function intervalNotes(clipped: string | undefined, smallSample: boolean | undefined): string {
  const notes = [
    ...(clipped === undefined ? [] : [clipped]),
    ...(smallSample === true
      ? [`from fewer than ${MIN_INTERVAL_COUNT} records: a rough indication`]
      : []),
  ];
  return notes.length === 0 ? "" : ` (${notes.join("; ")})`;
}

/** One gate's verdict; `resolved` is its metric as `"algorithm.score"`. */
function verdictOf(gate: Gate, resolved: string | undefined, ctx: VerdictContext): GateVerdict {
  const { model, baseline, paired, records, baselineRecords, rangeOf } = ctx;
  const name = formatGate(gate);
  switch (gate.kind) {
    case "threshold": {
      const metric = resolved as string;
      const actual = meanOf(model, metric);
      const s =
        model.scores[metric.split(".")[0] as string]?.[metric.slice(metric.indexOf(".") + 1)];
      const ci = s?.ci95
        ? `, 95% CI ${f(s.ci95.lower)} to ${f(s.ci95.upper)}${intervalNotes(s.clipped ? "clipped to the score's range" : undefined, s.smallSample)}`
        : "";
      return {
        gate,
        name,
        metric,
        passed: actual !== null && compare(actual, gate.op, gate.value),
        actual,
        limit: gate.value,
        detail: `mean ${f(actual)} (n=${s?.count ?? 0}${ci}); needs ${gate.op} ${gate.value}`,
      };
    }
    case "drop": {
      const metric = resolved as string;
      const base = baseline as ModelSummary;
      // Both ways of measuring the drop give the same verdict shape; only the method differs.
      const verdict = (
        actual: number | null,
        how: Pick<GateVerdict, "method" | "paired" | "detail">,
      ) => ({
        gate,
        name,
        metric,
        passed: actual !== null && actual <= gate.maxDrop,
        actual,
        limit: gate.maxDrop,
        ...how,
      });
      if (paired) {
        const range = rangeOf(metric);
        const d = pairedDifferences(records, baselineRecords, metric, { range });
        const actual = Number.isFinite(d.meanDifference) ? -d.meanDifference : null;
        const within = differenceRange(range);
        const clipped =
          d.clipped === true && within !== undefined
            ? `clipped to the range of a difference, ${f(within.min)} to ${f(within.max)}`
            : undefined;
        const ci = d.ci95
          ? `, paired t 95% CI ${f(d.ci95.lower)} to ${f(d.ci95.upper)}${intervalNotes(clipped, d.smallSample)}`
          : "";
        return verdict(actual, {
          method: "paired-t-95",
          paired: d,
          detail: `candidate − baseline ${f(d.meanDifference)} over ${d.count} paired records${ci}; wins/ties/losses ${d.wins}/${d.ties}/${d.losses}${d.unpaired ? `, ${d.unpaired} unpaired` : ""}; drop ${f(actual)}, allowed ${gate.maxDrop}`,
        });
      }
      const now = meanOf(model, metric);
      const before = meanOf(base, metric);
      const actual = now === null || before === null ? null : before - now;
      return verdict(actual, {
        method: "difference-of-means",
        detail: `baseline mean ${f(before)} − candidate mean ${f(now)} = ${f(actual)}, allowed ${gate.maxDrop} (means only: give both runs' records for a paired comparison with an interval)`,
      });
    }
    case "latency": {
      const actual = model.latency?.[gate.percentile] ?? null;
      return {
        gate,
        name,
        passed: actual !== null && actual <= gate.maxMs,
        actual,
        limit: gate.maxMs,
        detail:
          actual === null
            ? "the run has no latency measurements"
            : `${gate.percentile} ${f(actual)} ms over ${model.latency?.count ?? 0} model calls; allowed ${gate.maxMs} ms`,
      };
    }
    case "failureRate": {
      const actual = model.numRecords === 0 ? null : model.numFailed / model.numRecords;
      const reasons = Object.entries(model.failures ?? {})
        .map(([code, n]) => `${code} ${n}`)
        .join(", ");
      return {
        gate,
        name,
        passed: actual !== null && actual <= gate.max,
        actual,
        limit: gate.max,
        detail: `${model.numFailed} of ${model.numRecords} records failed${reasons ? ` (${reasons})` : ""}; allowed ${gate.max}`,
      };
    }
  }
}
