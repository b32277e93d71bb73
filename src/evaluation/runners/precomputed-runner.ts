/**
 * {@link PrecomputedRunner}: outputs already stored in the dataset, so no model is called.
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, parseOptions } from "../../core/index.js";
import { schemaFor } from "../../core/internal.js";
import type { DatasetRecord } from "../datasets/dataset.js";
import { compileJmesPath, type JmesPathQuery } from "./jmespath.js";
import type { ModelRunner, RunnerOutput } from "./runner.js";

/** Options of {@link PrecomputedRunner}. */
export interface PrecomputedRunnerOptions {
  /** JMESPath of the output in each JSON line, e.g. `"model_output"`. */
  output: string;
  /** Names the source in results. Default `"precomputed"`. */
  id?: string;
}

const optionsSchema = schemaFor<PrecomputedRunnerOptions>()(
  z.object({ output: z.string().min(1), id: z.string().min(1).optional() }).strict(),
);

/**
 * Reads each record's output from the record itself (fmeval's `model_output_location`), for
 * scoring outputs generated elsewhere. A record whose output location selects no string fails
 * with `DATASET_RECORD_INVALID` naming the line; it is not retried.
 *
 * @example
 * ```ts
 * const runner = new PrecomputedRunner({ output: "model_output" });
 * ```
 */
export class PrecomputedRunner implements ModelRunner {
  /** The source's name. */
  readonly id: string;
  readonly #query: JmesPathQuery;
  // The location as written, for the error: the user wrote it (as `output` in code, or as
  // `fmops eval --precomputed`), so naming it is right for both, where a class name is not.
  readonly #location: string;

  constructor(options: PrecomputedRunnerOptions) {
    const o = parseOptions(optionsSchema, options, "PrecomputedRunner options");
    this.id = o.id ?? "precomputed";
    this.#query = compileJmesPath(o.output, "output");
    this.#location = o.output;
  }

  /** The string at the output location of `record.data`. */
  async run(record: DatasetRecord): Promise<RunnerOutput> {
    let output: unknown;
    try {
      output = this.#query(record.data);
    } catch (err) {
      output = err;
    }
    if (typeof output !== "string") {
      throw new FmopsError(
        "DATASET_RECORD_INVALID",
        `Dataset line ${record.line}: no precomputed output: the output location ${JSON.stringify(this.#location.slice(0, 100))} selected no string. Give the line a string there, or point the location (a JMESPath) at the field holding it.`,
        { retryable: false, cause: output instanceof Error ? output : undefined },
      );
    }
    return { output };
  }
}
