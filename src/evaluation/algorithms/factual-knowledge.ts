/**
 * {@link FactualKnowledge}: fmeval's factual knowledge evaluation.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions } from "../../core/index.js";
import { schemaFor } from "../../core/internal.js";
import { factualKnowledgeScores } from "../metrics/qa.js";
import { EvalAlgorithmBase, type EvalSample, type SampleScores } from "./algorithm.js";
import { UNIT_RANGE } from "./stats.js";

/** Options of {@link FactualKnowledge}. */
export interface FactualKnowledgeAlgorithmOptions {
  /** `"OR"`: any answer suffices (default); `"AND"`: every answer must appear. */
  logicalOperator?: "OR" | "AND";
  /** Separator of answers inside one target string. Default `"<OR>"` / `"<AND>"`. */
  delimiter?: string;
}

const optionsSchema = schemaFor<FactualKnowledgeAlgorithmOptions>()(
  z
    .object({
      logicalOperator: z.enum(["OR", "AND"]).optional(),
      delimiter: z.string().min(1).optional(),
    })
    .strict(),
);

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
export class FactualKnowledge extends EvalAlgorithmBase {
  /** `"factual_knowledge"`. */
  readonly name = "factual_knowledge";
  /** Both scores are 0 or 1 per sample. */
  readonly scores = {
    /** 1 when the target fact appears in the output as written (exact inclusion), else 0. */
    factual_knowledge: UNIT_RANGE,
    /** 1 when the target fact appears in the output once both texts are normalised, else 0. */
    factual_knowledge_quasi_exact: UNIT_RANGE,
  };
  /** Compares with targets. */
  override readonly needs = {
    /** Every sample must carry a target (the reference answer) to compare the output with. */
    targets: true,
  };
  readonly #operator: "OR" | "AND";
  readonly #delimiter: string | undefined;

  constructor(options: FactualKnowledgeAlgorithmOptions = {}) {
    super();
    const o = parseOptions(optionsSchema, options, "FactualKnowledge options");
    this.#operator = o.logicalOperator ?? "OR";
    this.#delimiter = o.delimiter;
  }

  /** `{ factual_knowledge, factual_knowledge_quasi_exact }` (fmeval's names), 0 or 1 each. */
  protected async scoreSample(sample: EvalSample): Promise<SampleScores> {
    const combine = this.#operator === "OR" ? Math.max : Math.min;
    const exact: number[] = [];
    const quasi: number[] = [];
    for (const target of sample.targets) {
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
}
