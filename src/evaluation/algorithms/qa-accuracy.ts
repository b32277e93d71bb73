/**
 * {@link QaAccuracy}: fmeval's question-answering accuracy.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions } from "../../core/index.js";
import { schemaFor } from "../../core/internal.js";
import { OR_DELIMITER, type QaScores, qaScores } from "../metrics/qa.js";
import {
  bestOverTargets,
  EvalAlgorithmBase,
  type EvalSample,
  type SampleScores,
} from "./algorithm.js";
import { UNIT_RANGE } from "./stats.js";

/** Options of {@link QaAccuracy}. */
export interface QaAccuracyOptions {
  /** Separator of acceptable answers inside one target string. Default `"<OR>"`. */
  delimiter?: string;
}

const optionsSchema = schemaFor<QaAccuracyOptions>()(
  z.object({ delimiter: z.string().min(1).optional() }).strict(),
);

/** `qaScores()` fields -> the score names fmeval's QaAccuracy reports. */
const FMEVAL_SCORE_NAMES: Record<keyof QaScores, string> = {
  exactMatch: "exact_match_score",
  quasiExactMatch: "quasi_exact_match_score",
  precision: "precision_over_words",
  recall: "recall_over_words",
  f1: "f1_score",
};

/**
 * QA accuracy as fmeval, under fmeval's score names: `exact_match_score`,
 * `quasi_exact_match_score`, and `precision_over_words`, `recall_over_words` and `f1_score` over
 * normalized words (the fields of {@link qaScores}, renamed). Several targets (an array, or `<OR>` inside a target) take the best per score.
 *
 * @example
 * ```ts
 * await new QaAccuracy().evaluateSample({ targets: ["Paris"], output: "paris." });
 * // { exact_match_score: 0, quasi_exact_match_score: 1, precision_over_words: 1,
 * //   recall_over_words: 1, f1_score: 1 }
 * ```
 */
export class QaAccuracy extends EvalAlgorithmBase {
  /** `"qa_accuracy"`. */
  readonly name = "qa_accuracy";
  /** fmeval's five QA scores, each in [0, 1]. */
  readonly scores = Object.fromEntries(
    Object.values(FMEVAL_SCORE_NAMES).map((name) => [name, UNIT_RANGE]),
  );
  /** Compares with targets. */
  override readonly needs = {
    /** Every sample must carry a target (the reference answer) to compare the output with. */
    targets: true,
  };
  readonly #delimiter: string;

  constructor(options: QaAccuracyOptions = {}) {
    super();
    const o = parseOptions(optionsSchema, options, "QaAccuracy options");
    this.#delimiter = o.delimiter ?? OR_DELIMITER;
  }

  /**
   * fmeval's five QA scores under fmeval's names (`exact_match_score`, `quasi_exact_match_score`,
   * `precision_over_words`, `recall_over_words`, `f1_score`), each the best over the targets.
   */
  protected async scoreSample(sample: EvalSample): Promise<SampleScores> {
    return bestOverTargets(sample.targets, (target) => {
      const renamed: SampleScores = {};
      const s = qaScores(target, sample.output, { delimiter: this.#delimiter });
      for (const [k, v] of Object.entries(s)) renamed[FMEVAL_SCORE_NAMES[k as keyof QaScores]] = v;
      return renamed;
    });
  }
}
