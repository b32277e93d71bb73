/**
 * {@link QAAccuracy}: fmeval's question-answering accuracy.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions } from "../core/options.js";
import {
  type EvalAlgorithm,
  type EvalSample,
  evaluateSamples,
  requireTargets,
  type SampleScores,
} from "./algorithm.js";
import { OR_DELIMITER, qaScores } from "./metrics/qa.js";
import type { ScoreSummary } from "./stats.js";

/** Options of {@link QAAccuracy}. */
export interface QAAccuracyOptions {
  /** Separator of acceptable answers inside one target string. Default `"<OR>"`. */
  delimiter?: string;
}

const optionsSchema = z.object({ delimiter: z.string().min(1).optional() }).strict();

/**
 * QA accuracy as fmeval: `exactMatch`, `quasiExactMatch`, `precision`, `recall` and `f1` over
 * normalized words. Several targets (an array, or `<OR>` inside a target) take the best per score.
 *
 * @example
 * ```ts
 * await new QAAccuracy().evaluateSample({ targets: ["Paris"], output: "paris." });
 * // { exactMatch: 0, quasiExactMatch: 1, precision: 1, recall: 1, f1: 1 }
 * ```
 */
export class QAAccuracy implements EvalAlgorithm {
  /** `"qa_accuracy"`. */
  readonly name = "qa_accuracy";
  readonly #delimiter: string;

  constructor(options: QAAccuracyOptions = {}) {
    const o = parseOptions(optionsSchema, options, "QAAccuracy options");
    this.#delimiter = o.delimiter ?? OR_DELIMITER;
  }

  /** The five QA scores, each the best over the targets. */
  async evaluateSample(sample: EvalSample): Promise<SampleScores> {
    const best: SampleScores = {};
    for (const target of requireTargets(this.name, sample)) {
      const s = qaScores(target, sample.output, { delimiter: this.#delimiter });
      for (const [k, v] of Object.entries(s)) best[k] = Math.max(best[k] ?? 0, v);
    }
    return best;
  }

  /** Mean and 95% confidence interval of each score over `samples`. */
  evaluate(
    samples: Iterable<EvalSample> | AsyncIterable<EvalSample>,
    options: { signal?: AbortSignal } = {},
  ): Promise<Record<string, ScoreSummary>> {
    return evaluateSamples(this, samples, options);
  }
}
