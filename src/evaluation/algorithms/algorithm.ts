/**
 * The {@link EvalAlgorithm} interface and {@link EvalAlgorithmBase}, the skeleton every built-in
 * algorithm extends: it checks the sample fields an algorithm needs, honours the signal, averages
 * over a set of samples and cuts each interval to the score's declared range, so that an
 * algorithm states only what is its own.
 *
 * @module
 */
import { FmopsError } from "../../core/index.js";
import { throwIfAborted } from "../../core/internal.js";
import { type ScoreRange, type ScoreSummary, ScoreTable } from "./stats.js";

/** One model output to score. */
export interface EvalSample {
  /** The model output. */
  output: string;
  /** Acceptable answers; scores take the best over them. */
  targets: readonly string[];
  /** The model input, for algorithms that need it. */
  input?: string | undefined;
}

/** Named scores of one sample, e.g. `{ rouge: 0.6, meteor: 0.71 }`. */
export type SampleScores = Record<string, number>;

/** An evaluation algorithm: scores one sample, or a whole set of samples. */
export interface EvalAlgorithm {
  /** Key of this algorithm's scores in results, e.g. `"summarization_accuracy"`. */
  readonly name: string;
  /**
   * Scores one sample. Algorithms that call a service (a judge model, Comprehend, a SQL engine,
   * a retriever) stop waiting when `signal` aborts.
   */
  evaluateSample(sample: EvalSample, options?: { signal?: AbortSignal }): Promise<SampleScores>;
  /** Mean (with 95% confidence interval) of each score over `samples`. */
  evaluate(
    samples: Iterable<EvalSample> | AsyncIterable<EvalSample>,
    options?: { signal?: AbortSignal },
  ): Promise<Record<string, ScoreSummary>>;
  /**
   * The values `score` can take, to which its confidence interval is cut; `undefined` (or no
   * method) for an unbounded score, whose interval is left as computed.
   */
  scoreRange?(score: string): ScoreRange | undefined;
}

/**
 * The sample fields an algorithm cannot score without. A sample that lacks one fails before any
 * scoring with {@link TargetMissingError} or {@link InputMissingError}.
 */
export interface SampleNeeds {
  /** Compares the output with the targets: at least one target is needed. */
  readonly targets?: boolean;
  /**
   * Reads the input: the advice the `EVAL_INPUT_MISSING` error gives when a sample has none
   * (what to pass, or which option to change). Absent: the input is optional.
   */
  readonly input?: string;
}

/**
 * The skeleton of an evaluation algorithm. A subclass states what is its own: its `name`, the
 * `scores` it reports with the range of each, the sample fields it `needs`, and how it scores
 * one sample (`scoreSample`). The skeleton does the rest the same way for every algorithm:
 * `evaluateSample` honours the signal and checks the needed fields before scoring, `evaluate`
 * streams samples through it and returns each score's mean with its 95% interval, cut to the
 * declared range and marked `smallSample` below 30 records, and
 * `scoreRange` tells `ModelEvaluator` the same ranges. A sample that fails throws from
 * `evaluateSample`; `ModelEvaluator` records it with its reason and goes on.
 *
 * @example
 * ```ts
 * class Brevity extends EvalAlgorithmBase {
 *   readonly name = "brevity";
 *   readonly scores = { words: { min: 0 }, within_limit: UNIT_RANGE };
 *   protected async scoreSample(sample: EvalSample) {
 *     const words = sample.output.split(/\s+/).filter(Boolean).length;
 *     return { words, within_limit: words <= 50 ? 1 : 0 };
 *   }
 * }
 * await new Brevity().evaluate([{ output: "Paris.", targets: [] }]);
 * ```
 */
export abstract class EvalAlgorithmBase implements EvalAlgorithm {
  /** Key of this algorithm's scores in results, e.g. `"qa_accuracy"`. */
  abstract readonly name: string;
  /** The scores this algorithm reports, by name, each with the values it can take. */
  abstract readonly scores: Readonly<Record<string, ScoreRange>>;
  /**
   * The range of scores reported under names not listed in `scores` (a classifier's labels, say).
   * Default: unbounded.
   */
  readonly otherScores: ScoreRange | undefined = undefined;
  /** The sample fields this algorithm needs. Default: none beyond the output. */
  readonly needs: SampleNeeds = {};

  /**
   * Scores one sample whose needed fields are present. `signal` is to be passed to any service
   * the algorithm calls.
   */
  protected abstract scoreSample(
    sample: EvalSample,
    signal: AbortSignal | undefined,
  ): Promise<SampleScores>;

  /** Scores one sample: checks the signal and the needed fields, then calls `scoreSample`. */
  async evaluateSample(
    sample: EvalSample,
    options: { signal?: AbortSignal } = {},
  ): Promise<SampleScores> {
    throwIfAborted(options.signal);
    if (this.needs.targets === true) requireTargets(this.name, sample);
    if (this.needs.input !== undefined && sample.input === undefined) {
      throw new InputMissingError(this.name, this.needs.input);
    }
    return this.scoreSample(sample, options.signal);
  }

  /** Mean and 95% confidence interval of each score over `samples`; the signal reaches each sample. */
  evaluate(
    samples: Iterable<EvalSample> | AsyncIterable<EvalSample>,
    options: { signal?: AbortSignal } = {},
  ): Promise<Record<string, ScoreSummary>> {
    return evaluateSamples(this, samples, options);
  }

  /** The declared range of `score`: its entry in `scores`, else `otherScores`. */
  scoreRange(score: string): ScoreRange | undefined {
    return Object.hasOwn(this.scores, score) ? this.scores[score] : this.otherScores;
  }
}

/**
 * `evaluate()` over any algorithm: streams the samples through `evaluateSample` and summarizes
 * each score, cutting its interval to the range the algorithm declares for it.
 */
export async function evaluateSamples(
  algorithm: Pick<EvalAlgorithm, "evaluateSample" | "scoreRange">,
  samples: Iterable<EvalSample> | AsyncIterable<EvalSample>,
  options: { signal?: AbortSignal } = {},
): Promise<Record<string, ScoreSummary>> {
  const table = new ScoreTable();
  for await (const sample of samples) {
    throwIfAborted(options.signal);
    table.add(await algorithm.evaluateSample(sample, options));
  }
  return table.summaries((score) => algorithm.scoreRange?.(score));
}

/**
 * The best of each score over several targets: each score's maximum over the per-target scores.
 * Scores of the algorithms that compare with several acceptable answers take the best match.
 */
export function bestOverTargets(
  targets: readonly string[],
  scoreOne: (target: string) => SampleScores,
): SampleScores {
  const best: SampleScores = {};
  for (const target of targets) {
    for (const [name, value] of Object.entries(scoreOne(target))) {
      best[name] = Math.max(best[name] ?? Number.NEGATIVE_INFINITY, value);
    }
  }
  return best;
}

/** Throws a clear error when an algorithm that needs a target gets none. */
export function requireTargets(name: string, sample: EvalSample): readonly string[] {
  if (sample.targets.length === 0) {
    throw new TargetMissingError(name);
  }
  return sample.targets;
}

/** A sample without a target reached an algorithm that compares with one. Code `EVAL_TARGET_MISSING`. */
export class TargetMissingError extends FmopsError {
  constructor(algorithm: string) {
    super(
      "EVAL_TARGET_MISSING",
      `${algorithm} compares the output with a target, but the sample has none: give Dataset.fromJsonl a target location.`,
      { retryable: false },
    );
  }
}

/** A sample without an input reached an algorithm that reads it. Code `EVAL_INPUT_MISSING`. */
export class InputMissingError extends FmopsError {
  /** `advice` says what to pass instead (see {@link SampleNeeds}). */
  constructor(algorithm: string, advice: string) {
    super(
      "EVAL_INPUT_MISSING",
      `${algorithm} reads the sample's input, but the sample has none: ${advice}`,
      { retryable: false },
    );
  }
}
