/**
 * {@link FactualKnowledge}: fmeval's factual knowledge evaluation.
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
import { factualKnowledgeScores } from "./metrics/qa.js";
import type { ScoreSummary } from "./stats.js";

/** Options of {@link FactualKnowledge}. */
export interface FactualKnowledgeAlgorithmOptions {
  /** `"OR"`: any answer suffices (default); `"AND"`: every answer must appear. */
  logicalOperator?: "OR" | "AND";
  /** Separator of answers inside one target string. Default `"<OR>"` / `"<AND>"`. */
  delimiter?: string;
}

const optionsSchema = z
  .object({
    logicalOperator: z.enum(["OR", "AND"]).optional(),
    delimiter: z.string().min(1).optional(),
  })
  .strict();

/**
 * Factual knowledge as fmeval, under fmeval's score names: `factual_knowledge` (exact
 * inclusion) and `factual_knowledge_quasi_exact` (inclusion after normalizing both texts), 1 when
 * the target fact is contained in the output. Each element of a target array is combined with the same operator as the parts
 * inside one target (any of them for OR, all of them for AND).
 *
 * @example
 * ```ts
 * await new FactualKnowledge().evaluateSample({ targets: ["Berlin"], output: "It is Berlin." });
 * // { factual_knowledge: 1, factual_knowledge_quasi_exact: 1 }
 * ```
 */
export class FactualKnowledge implements EvalAlgorithm {
  /** `"factual_knowledge"`. */
  readonly name = "factual_knowledge";
  readonly #operator: "OR" | "AND";
  readonly #delimiter: string | undefined;

  constructor(options: FactualKnowledgeAlgorithmOptions = {}) {
    const o = parseOptions(optionsSchema, options, "FactualKnowledge options");
    this.#operator = o.logicalOperator ?? "OR";
    this.#delimiter = o.delimiter;
  }

  /** `{ factual_knowledge, factual_knowledge_quasi_exact }` (fmeval's names), 0 or 1 each. */
  async evaluateSample(sample: EvalSample): Promise<SampleScores> {
    const combine = this.#operator === "OR" ? Math.max : Math.min;
    const exact: number[] = [];
    const quasi: number[] = [];
    for (const target of requireTargets(this.name, sample)) {
      const s = factualKnowledgeScores(target, sample.output, {
        logicalOperator: this.#operator,
        ...(this.#delimiter === undefined ? {} : { delimiter: this.#delimiter }),
      });
      exact.push(s.exactInclusion);
      quasi.push(s.quasiExactInclusion);
    }
    return {
      factual_knowledge: combine(...exact),
      factual_knowledge_quasi_exact: combine(...quasi),
    };
  }

  /** Mean and 95% confidence interval of each score over `samples`. */
  evaluate(
    samples: Iterable<EvalSample> | AsyncIterable<EvalSample>,
    options: { signal?: AbortSignal } = {},
  ): Promise<Record<string, ScoreSummary>> {
    return evaluateSamples(this, samples, options);
  }
}
