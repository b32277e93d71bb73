/**
 * {@link HybridRetriever} and `reciprocalRankFusion`: combine several retrievers (say BM25
 * and vectors) by reciprocal rank fusion, which needs no score calibration between them.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions, ValidationError, withDeadline } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import { DEFAULT_K, type RetrievedChunk, type RetrieveOptions, type Retriever } from "./types.js";

/** Options for {@link HybridRetriever}. */
export interface HybridRetrieverOptions {
  /** One weight per retriever. Default 1 each. */
  weights?: readonly number[];
  /** The RRF constant; larger flattens the rank curve. Default 60. */
  rrfK?: number;
  /** Results asked of each retriever, per result wanted. Default 2 (k=4 asks each for 8). */
  fetchMultiplier?: number;
  /** Deadline for one `retrieve`. Default 60 000 ms. */
  timeoutMs?: number;
}

const optionsSchema = schemaFor<HybridRetrieverOptions>()(
  z
    .object({
      weights: z.array(z.number().min(0).max(1e6)).readonly().optional(),
      rrfK: z.number().min(0).max(1e6).optional(),
      fetchMultiplier: z.number().min(1).max(100).optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

/**
 * Fuses ranked lists: each item scores `sum(weight_i / (rrfK + rank_i))` over the lists it
 * appears in (rank starting at 1), and the best `k` come back with that fused score. An item in
 * several lists keeps the text and metadata of its first appearance.
 *
 * @example
 * ```ts
 * reciprocalRankFusion([bm25Hits, vectorHits], { k: 5 });
 * ```
 */
export function reciprocalRankFusion(
  lists: readonly (readonly RetrievedChunk[])[],
  options: { weights?: readonly number[]; rrfK?: number; k?: number } = {},
): RetrievedChunk[] {
  const rrfK = options.rrfK ?? 60;
  const fused = new Map<string, { chunk: RetrievedChunk; score: number; order: number }>();
  let order = 0;
  for (const [i, list] of lists.entries()) {
    const weight = options.weights?.[i] ?? 1;
    for (const [rank, chunk] of list.entries()) {
      const add = weight / (rrfK + rank + 1);
      const entry = fused.get(chunk.id);
      if (entry) entry.score += add;
      else fused.set(chunk.id, { chunk, score: add, order: order++ });
    }
  }
  const ranked = [...fused.values()].sort((a, b) => b.score - a.score || a.order - b.order);
  const k = options.k ?? ranked.length;
  return ranked.slice(0, k).map(({ chunk, score }) => ({ ...chunk, score }));
}

/**
 * Queries several retrievers in parallel and fuses their results with
 * `reciprocalRankFusion`. The filter and signal go to every retriever.
 *
 * @example
 * ```ts
 * const hybrid = new HybridRetriever([bm25, vectorRetriever], { weights: [1, 2] });
 * const hits = await hybrid.retrieve("rotate access keys", { k: 5 });
 * ```
 */
export class HybridRetriever implements Retriever {
  readonly #retrievers: readonly Retriever[];
  readonly #options: HybridRetrieverOptions;

  constructor(retrievers: readonly Retriever[], options: HybridRetrieverOptions = {}) {
    if (
      !Array.isArray(retrievers) ||
      retrievers.length === 0 ||
      !retrievers.every((r) => typeof (r as Retriever)?.retrieve === "function")
    ) {
      throw new ValidationError("HybridRetriever needs a non-empty array of retrievers.", [
        { path: "retrievers", message: "must be a non-empty array of Retriever" },
      ]);
    }
    this.#options = parseOptions(optionsSchema, options, "HybridRetriever options");
    if (this.#options.weights && this.#options.weights.length !== retrievers.length) {
      throw new ValidationError(
        `Invalid HybridRetriever options: weights has ${this.#options.weights.length} entries for ${retrievers.length} retrievers.`,
        [{ path: "weights", message: "needs one weight per retriever" }],
      );
    }
    this.#retrievers = [...retrievers];
  }

  /** Retrieves from every retriever and returns the fused top `k` (default 4). */
  async retrieve(query: string, options: RetrieveOptions = {}): Promise<RetrievedChunk[]> {
    const k = options.k ?? DEFAULT_K;
    const fetchK = Math.ceil(k * (this.#options.fetchMultiplier ?? 2));
    return withDeadline(
      options,
      this.#options.timeoutMs ?? 60_000,
      "running the hybrid retrieval",
      async (signal) => {
        const lists = await Promise.all(
          this.#retrievers.map((r) =>
            r.retrieve(query, {
              k: fetchK,
              signal,
              ...(options.filter !== undefined ? { filter: options.filter } : {}),
            }),
          ),
        );
        return reciprocalRankFusion(lists, {
          k,
          rrfK: this.#options.rrfK ?? 60,
          ...(this.#options.weights ? { weights: this.#options.weights } : {}),
        });
      },
    );
  }
}
