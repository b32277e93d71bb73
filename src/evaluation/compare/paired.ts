/**
 * {@link pairedDifferences}: one score compared record by record between two runs over the same
 * dataset, with a paired Student's t interval and win/tie/loss counts.
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, parseOptions } from "../../core/index.js";
import { schemaFor } from "../../core/internal.js";
import { ScoreAccumulator, type ScoreRange } from "../algorithms/stats.js";

/**
 * The fields of a per-record output line that pairing reads: an `EvaluationRecord` as the
 * evaluator writes it (one JSON line each).
 */
export interface PairableRecord {
  /** Zero-based record index in the dataset: what pairs records of two runs. */
  index: number;
  /** The model input; must be the same in both runs. */
  input: string;
  /** The targets; must be the same in both runs. */
  targets: readonly string[];
  /** Scores per algorithm name (`null` stands for NaN, as JSON writes it). */
  scores: Readonly<Record<string, Readonly<Record<string, number | null>>>>;
  /** Present when the record failed; a failed record pairs with nothing. */
  error?: unknown;
}

/**
 * The difference `candidate − baseline` of one score over the records both runs scored.
 * `ci95` is the paired Student's t interval of the mean difference, 95%: the records'
 * differences are one sample, so what both runs share (easy and hard records) cancels out and
 * the interval is much narrower than comparing two means.
 */
export interface PairedDifference {
  /** The score, `"algorithm.score"`. */
  metric: string;
  /** Records both runs scored. */
  count: number;
  /** Mean of `candidate − baseline` (positive: the candidate scores higher). */
  meanDifference: number;
  /** Sample standard deviation of the differences. */
  stdDev: number;
  /**
   * 95% paired t interval of the mean difference, cut to the values a difference can take when
   * the score's range is known (see `clipped`); `null` for fewer than two pairs.
   */
  ci95: {
    /** Lower bound. */
    lower: number;
    /** Upper bound. */
    upper: number;
  } | null;
  /**
   * `true` when the interval was cut to `[min − max, max − min]`, the values a difference of two
   * scores in `[min, max]` can take, so it is no longer `meanDifference ± half-width`. Absent
   * otherwise, and always absent for a score without both bounds.
   */
  clipped?: boolean;
  /**
   * `true` when the interval rests on fewer than `MIN_INTERVAL_COUNT` (30) pairs: a rough
   * indication, not a 95% guarantee (see `ScoreSummary.smallSample`). Absent otherwise.
   */
  smallSample?: boolean;
  /** Records where the candidate scored higher. */
  wins: number;
  /** Records where both scored the same. */
  ties: number;
  /** Records where the candidate scored lower. */
  losses: number;
  /**
   * Records in either run left out: failed or without this score in one of the runs, or absent
   * from the other run.
   */
  unpaired: number;
  /** How `ci95` was computed. */
  method: "paired-t-95";
}

/** Options of {@link pairedDifferences}. */
export interface PairedDifferencesOptions {
  /**
   * The values the compared score can take (an algorithm's `scoreRange(score)`). With both
   * bounds, the interval is cut to `[min − max, max − min]` and marked `clipped`; without (or
   * with one bound only, which leaves a difference unbounded) it is left as computed.
   */
  range?: ScoreRange | undefined;
}

const optionsSchema = schemaFor<PairedDifferencesOptions>()(
  z
    .object({
      range: z
        .object({ min: z.number().optional(), max: z.number().optional() })
        .strict()
        .optional(),
    })
    .strict(),
);

/**
 * The values `a − b` can take when `a` and `b` are both in `range`; `undefined` unless both bounds
 * are finite, since a difference of two scores open on either side is open on both.
 *
 * @internal
 */
export function differenceRange(range: ScoreRange | undefined): ScoreRange | undefined {
  const { min, max } = range ?? {};
  if (min === undefined || max === undefined || !Number.isFinite(min) || !Number.isFinite(max)) {
    return undefined;
  }
  return { min: min - max, max: max - min };
}

/**
 * The two runs' records are not of the same dataset: a record index has another input or other
 * targets in each. Code `EVAL_PAIRING_MISMATCH`.
 */
export class PairingMismatchError extends FmopsError {
  /** The record index where the runs differ. */
  readonly index: number;

  constructor(index: number) {
    super(
      "EVAL_PAIRING_MISMATCH",
      `Record ${index} has another input or other targets in the two runs' records, so they cannot be paired: compare only runs over the same dataset (and the same numRecords and seed).`,
      { retryable: false },
    );
    this.index = index;
  }
}

/**
 * Each index's record, the last scored one winning: a file continued with `resume` holds a
 * failed record and, later, its rerun.
 *
 * @internal
 */
export function byIndex<R extends { index: number; error?: unknown }>(
  records: Iterable<R>,
): Map<number, R> {
  const out = new Map<number, R>();
  for (const r of records) {
    const had = out.get(r.index);
    if (had === undefined || had.error !== undefined || r.error === undefined) out.set(r.index, r);
  }
  return out;
}

function sameContent(a: PairableRecord, b: PairableRecord): boolean {
  return (
    a.input === b.input &&
    a.targets.length === b.targets.length &&
    a.targets.every((t, i) => t === b.targets[i])
  );
}

function scoreOf(record: PairableRecord | undefined, metric: string): number | undefined {
  if (record === undefined || record.error !== undefined) return undefined;
  const dot = metric.indexOf(".");
  const value = record.scores[metric.slice(0, dot)]?.[metric.slice(dot + 1)];
  return typeof value === "number" && !Number.isNaN(value) ? value : undefined;
}

/**
 * Compares one score (`"algorithm.score"`) of two runs over the same dataset record by record:
 * the mean of `candidate − baseline` with its paired t 95% interval, and how many records the
 * candidate won, tied and lost. Records failed in either run, or present in only one, are left
 * out and counted in `unpaired`. Throws {@link PairingMismatchError} when an index holds
 * different records in the two runs.
 *
 * With `options.range`, the score's range, the interval never claims a difference the score
 * cannot make: few records of a 0–1 score can give a t interval wider than ±1, which is cut to
 * `[-1, 1]` and marked `clipped`.
 *
 * @example
 * ```ts
 * const d = pairedDifferences(candidateRecords, baselineRecords, "qa_accuracy.f1_score", {
 *   range: { min: 0, max: 1 },
 * });
 * console.log(d.meanDifference, d.ci95, `${d.wins}/${d.ties}/${d.losses}`);
 * ```
 */
export function pairedDifferences(
  candidate: Iterable<PairableRecord>,
  baseline: Iterable<PairableRecord>,
  metric: string,
  options: PairedDifferencesOptions = {},
): PairedDifference {
  const o = parseOptions(optionsSchema, options, "pairedDifferences options");
  const cand = byIndex(candidate);
  const base = byIndex(baseline);
  const acc = new ScoreAccumulator();
  let wins = 0;
  let ties = 0;
  let losses = 0;
  let unpaired = 0;
  for (const [index, c] of cand) {
    const b = base.get(index);
    if (b !== undefined && !sameContent(c, b)) throw new PairingMismatchError(index);
    const x = scoreOf(c, metric);
    const y = scoreOf(b, metric);
    if (x === undefined || y === undefined) {
      unpaired += 1;
      continue;
    }
    acc.add(x - y);
    if (x > y) wins += 1;
    else if (x < y) losses += 1;
    else ties += 1;
  }
  for (const index of base.keys()) if (!cand.has(index)) unpaired += 1;
  const s = acc.summary(differenceRange(o.range));
  return {
    metric,
    count: s?.count ?? 0,
    meanDifference: s?.mean ?? Number.NaN,
    stdDev: s?.stdDev ?? Number.NaN,
    ci95: s?.ci95 ?? null,
    ...(s?.clipped === true ? { clipped: true } : {}),
    ...(s?.smallSample === true ? { smallSample: true } : {}),
    wins,
    ties,
    losses,
    unpaired,
    method: "paired-t-95",
  };
}
