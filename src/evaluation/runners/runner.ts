/**
 * The {@link ModelRunner} interface: how the evaluator gets a model output for a record.
 *
 * @module
 */
import type { TokenUsage } from "../../core/index.js";
import type { DatasetRecord } from "../datasets/dataset.js";

/** A model output for one record. */
export interface RunnerOutput {
  /** The text the algorithms score. */
  output: string;
  /** Token counts, when the model reported them. */
  usage?: TokenUsage | undefined;
  /**
   * The log probability the model gave its output (fmeval's `log_probability`), when the runner
   * was told where to find it: per-token values are summed.
   */
  logProbability?: number | undefined;
}

/**
 * Produces the model output for a dataset record. Errors marked `retryable` (throttling, 5xx)
 * are retried by `ModelEvaluator`.
 */
export interface ModelRunner {
  /** Names the model (or the precomputed source) in results. */
  readonly id: string;
  /** The output for `record`; honours `signal`. */
  run(record: DatasetRecord, options?: { signal?: AbortSignal }): Promise<RunnerOutput>;
}
