/**
 * {@link RetrievalAccuracy}: ranking quality of a retriever (or of precomputed results) against
 * the relevant document ids of each sample.
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, parseOptions, redact } from "../../core/index.js";
import { schemaFor, throwIfAborted } from "../../core/internal.js";
import type { MetadataFilter, RetrievedChunk, Retriever } from "../../rag/index.js";
import { metadataFilterSchema } from "../../rag/internal.js";
import { retrievalScores } from "../metrics/retrieval.js";
import {
  EvalAlgorithmBase,
  type EvalSample,
  InputMissingError,
  type SampleNeeds,
  type SampleScores,
} from "./algorithm.js";
import { UNIT_RANGE } from "./stats.js";

/** Options of {@link RetrievalAccuracy}. */
export interface RetrievalAccuracyOptions {
  /**
   * Retrieves for each sample's input. Left out, the sample's output holds the retrieved ids
   * already: a JSON array of ids, or one id per line.
   */
  retriever?: Retriever;
  /** Cut-off rank of every score, and how many results are asked of the retriever. Default 10. */
  k?: number;
  /** Metadata filter passed to the retriever. */
  filter?: MetadataFilter;
  /**
   * The id a retrieved chunk is judged by. Default `chunk.id`; use e.g.
   * `(c) => String(c.metadata.documentId)` when relevance is labelled per document but the index
   * holds chunks. A document retrieved twice counts at its first rank.
   */
  idOf?: (chunk: RetrievedChunk) => string;
  /** Deadline of one retrieval, passed to the retriever. Default: the retriever's own. */
  timeoutMs?: number;
}

const isFunction = (v: unknown) => typeof v === "function";

const NO_QUERY =
  "pass the query (what to retrieve for) as the sample's input, or leave out the retriever to score ids given as the output.";

const optionsSchema = schemaFor<RetrievalAccuracyOptions>()(
  z
    .object({
      retriever: z
        .custom<Retriever>(
          (v) =>
            typeof v === "object" &&
            v !== null &&
            typeof (v as Partial<Retriever>).retrieve === "function",
          "must be a Retriever",
        )
        .optional(),
      k: z.int().min(1).max(10_000).optional(),
      filter: metadataFilterSchema.optional(),
      idOf: z
        .custom<(chunk: RetrievedChunk) => string>(isFunction, "must be a function")
        .optional(),
      timeoutMs: z.int().positive().max(2_147_483_647).optional(),
    })
    .strict(),
);

/**
 * Retrieval accuracy with the common (TREC / ranx) definitions of `retrievalScores`: the
 * sample's targets are the relevant ids, and each sample scores
 *
 * - `recall_at_k`: relevant ids in the top k / all relevant ids (`recallAtK`);
 * - `precision_at_k`: relevant ids in the top k / k (`precisionAtK`);
 * - `mrr`: 1 / rank of the first relevant id within the top k, else 0 (`reciprocalRank`; its
 *   mean over the samples is the mean reciprocal rank, MRR@k);
 * - `ndcg_at_k`: binary-gain nDCG@k (`ndcgAtK`).
 *
 * With a `retriever`, the sample's input is the query. Without one, the sample's output is the
 * ranked list already: a JSON array of ids (strings or numbers), else one id per line (blank
 * lines skipped), so results retrieved elsewhere can be scored with a `PrecomputedRunner`.
 *
 * @example
 * ```ts
 * const index = new Bm25Index();
 * index.add([{ id: "iam", text: "Rotate IAM access keys every 90 days" }, ...]);
 * const retrieval = new RetrievalAccuracy({ retriever: index, k: 5 });
 * await retrieval.evaluateSample({ input: "How often should I rotate keys?", output: "", targets: ["iam"] });
 * // { recall_at_k: 1, precision_at_k: 0.2, mrr: 1, ndcg_at_k: 1 }
 *
 * // Precomputed: the output is the ranked ids.
 * await new RetrievalAccuracy({ k: 3 }).evaluateSample({ output: '["d3", "d1", "d7"]', targets: ["d1", "d2"] });
 * // { recall_at_k: 0.5, precision_at_k: 0.333..., mrr: 0.5, ndcg_at_k: 0.386... }
 * ```
 */
export class RetrievalAccuracy extends EvalAlgorithmBase {
  /** `"retrieval_accuracy"`. */
  readonly name = "retrieval_accuracy";
  /** All four scores are in [0, 1]. */
  readonly scores = {
    /** Share of the relevant ids found among the first k retrieved chunks. */
    recall_at_k: UNIT_RANGE,
    /** Share of the first k retrieved chunks that are relevant. */
    precision_at_k: UNIT_RANGE,
    /** Reciprocal rank of the first relevant chunk (1 when it comes first, 0 when none is in the first k). */
    mrr: UNIT_RANGE,
    /** Normalised discounted cumulative gain over the first k: relevant chunks count more the higher they rank. */
    ndcg_at_k: UNIT_RANGE,
  };
  /** The relevant ids (targets), and with a retriever the query (input). */
  override readonly needs: SampleNeeds;
  readonly #retriever: Retriever | undefined;
  readonly #k: number;
  readonly #filter: MetadataFilter | undefined;
  readonly #idOf: (chunk: RetrievedChunk) => string;
  readonly #timeoutMs: number | undefined;

  constructor(options: RetrievalAccuracyOptions = {}) {
    super();
    const o = parseOptions(optionsSchema, options, "RetrievalAccuracy options");
    this.needs = o.retriever === undefined ? { targets: true } : { targets: true, input: NO_QUERY };
    this.#retriever = o.retriever;
    this.#k = o.k ?? 10;
    this.#filter = o.filter;
    this.#idOf = o.idOf ?? ((chunk) => chunk.id);
    this.#timeoutMs = o.timeoutMs;
  }

  /** `{ recall_at_k, precision_at_k, mrr, ndcg_at_k }` for one sample. Honours `signal`. */
  protected async scoreSample(
    sample: EvalSample,
    signal: AbortSignal | undefined,
  ): Promise<SampleScores> {
    const retrieved = this.#retriever
      ? await this.#retrieve(this.#retriever, sample, signal)
      : parseIds(sample.output);
    const s = retrievalScores(retrieved, sample.targets, { k: this.#k });
    return {
      recall_at_k: s.recallAtK,
      precision_at_k: s.precisionAtK,
      mrr: s.reciprocalRank,
      ndcg_at_k: s.ndcgAtK,
    };
  }

  async #retrieve(
    retriever: Retriever,
    sample: EvalSample,
    signal: AbortSignal | undefined,
  ): Promise<string[]> {
    // A blank query is as missing as none: there is nothing to retrieve for.
    if (sample.input === undefined || sample.input.trim() === "") {
      throw new InputMissingError(this.name, NO_QUERY);
    }
    const chunks = await retriever.retrieve(sample.input, {
      k: this.#k,
      ...(this.#filter === undefined ? {} : { filter: this.#filter }),
      ...(signal === undefined ? {} : { signal }),
      ...(this.#timeoutMs === undefined ? {} : { timeoutMs: this.#timeoutMs }),
    });
    throwIfAborted(signal);
    return chunks.map((chunk) => this.#idOf(chunk));
  }
}

/** A JSON array of ids (strings or numbers), else one id per line. */
function parseIds(output: string): string[] {
  const text = output.trim();
  if (text.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed)) {
      return parsed.map((id: unknown, i) => {
        if (typeof id === "string") return id;
        if (typeof id === "number" && Number.isFinite(id)) return String(id);
        throw new FmopsError(
          "EVAL_OUTPUT_INVALID",
          `retrieval_accuracy reads the output as a JSON array of ids, but element ${i} is ${redact(JSON.stringify(id) ?? String(id), 60)}: give string or number ids.`,
        );
      });
    }
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}
