/**
 * Ranking metrics for retrieval evaluation: recall@k, precision@k, reciprocal rank and nDCG@k,
 * with the common (TREC / ranx) definitions. A document retrieved twice counts at its first rank.
 *
 * @module
 */
import { ValidationError } from "../../core/index.js";

/** Scores of {@link retrievalScores}, each in [0, 1]. */
export interface RetrievalScores {
  /** Relevant documents in the top k / all relevant documents (0 when none is relevant). */
  recallAtK: number;
  /** Relevant documents in the top k / k. */
  precisionAtK: number;
  /** 1 / rank of the first relevant document within the top k, else 0 (MRR@k per query). */
  reciprocalRank: number;
  /** DCG@k / ideal DCG@k with gain = relevance and discount log2(rank + 1). */
  ndcgAtK: number;
}

/** Options of {@link retrievalScores}. */
export interface RetrievalOptions {
  /** Cut-off rank. Default: 10. */
  k?: number;
}

/**
 * Scores a ranked list of retrieved ids against the relevant ones. `relevant` is a list of ids
 * (all with relevance 1) or a map from id to graded relevance (> 0 means relevant).
 *
 * @example
 * ```ts
 * retrievalScores(["d3", "d1", "d7"], ["d1", "d2"], { k: 3 });
 * // { recallAtK: 0.5, precisionAtK: 1/3, reciprocalRank: 0.5, ndcgAtK: 0.3868... }
 * ```
 */
export function retrievalScores(
  retrieved: readonly string[],
  relevant: readonly string[] | ReadonlyMap<string, number> | Readonly<Record<string, number>>,
  options: RetrievalOptions = {},
): RetrievalScores {
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1)
    throw new ValidationError(`k must be a positive integer, got ${String(k)}.`, [
      { path: "k", message: "must be a positive integer" },
    ]);
  const gains = new Map<string, number>();
  if (Array.isArray(relevant)) for (const id of relevant as readonly string[]) gains.set(id, 1);
  else if (relevant instanceof Map) for (const [id, g] of relevant) gains.set(id, g);
  else for (const [id, g] of Object.entries(relevant)) gains.set(id, g);
  for (const [id, g] of gains) if (!(g > 0)) gains.delete(id);

  const seen = new Set<string>();
  let hits = 0;
  let dcg = 0;
  let reciprocalRank = 0;
  const top = retrieved.slice(0, k);
  top.forEach((id, i) => {
    if (seen.has(id)) return;
    seen.add(id);
    const g = gains.get(id);
    if (g === undefined) return;
    hits += 1;
    dcg += g / Math.log2(i + 2);
    if (reciprocalRank === 0) reciprocalRank = 1 / (i + 1);
  });
  const ideal = [...gains.values()].sort((a, b) => b - a).slice(0, k);
  let idcg = 0;
  ideal.forEach((g, i) => {
    idcg += g / Math.log2(i + 2);
  });
  return {
    recallAtK: gains.size === 0 ? 0 : hits / gains.size,
    precisionAtK: hits / k,
    reciprocalRank,
    ndcgAtK: idcg === 0 ? 0 : dcg / idcg,
  };
}
