/**
 * The {@link EvalAlgorithm} interface and the shared `evaluate()` over samples.
 *
 * @module
 */
import { FmopsError } from "../core/errors.js";
import { throwIfAborted } from "../core/wait.js";
import { type ScoreSummary, ScoreTable } from "./stats.js";

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
}

/** `evaluate()` shared by the built-in algorithms: streams the samples through `evaluateSample`. */
export async function evaluateSamples(
  algorithm: Pick<EvalAlgorithm, "evaluateSample">,
  samples: Iterable<EvalSample> | AsyncIterable<EvalSample>,
  options: { signal?: AbortSignal } = {},
): Promise<Record<string, ScoreSummary>> {
  const table = new ScoreTable();
  for await (const sample of samples) {
    throwIfAborted(options.signal);
    table.add(await algorithm.evaluateSample(sample, options));
  }
  return table.summaries();
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
