/**
 * The semantic-similarity metric module and the cosine helper it shares with the refusal score.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";
import type { EmbeddingModel } from "../models/index.js";
import type { MetricModule } from "./types.js";

/**
 * Cosine similarity of two vectors, in [-1, 1]; 0 when either is the zero vector (nothing to
 * compare). Throws when the lengths differ.
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new ValidationError(`Cannot compare vectors of lengths ${a.length} and ${b.length}.`, [
      { path: "b", message: "length differs" },
    ]);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
}

/** Options for {@link semanticSimilarity}. */
export interface SemanticSimilarityOptions {
  /** The embedding model, e.g. `BedrockEmbeddingModel` with Titan Text Embeddings v2. */
  embeddings: EmbeddingModel;
  /** The key in `record.metrics`. Default `semanticSimilarity`. */
  key?: string;
}

/**
 * Scores how related the answer is to the prompt: the cosine similarity of their embeddings
 * (one `embed` call with both texts). Low values flag off-topic answers. Calls with an empty
 * prompt or answer are not scored.
 *
 * @example
 * ```ts
 * instrument(model, { metrics: [semanticSimilarity({ embeddings: new BedrockEmbeddingModel({ modelId: "amazon.titan-embed-text-v2:0" }) })] });
 * ```
 */
export function semanticSimilarity(options: SemanticSimilarityOptions): MetricModule {
  if (typeof options?.embeddings?.embed !== "function") {
    throw new ValidationError("semanticSimilarity needs { embeddings: EmbeddingModel }.", [
      { path: "embeddings", message: "must be an EmbeddingModel" },
    ]);
  }
  const key = options.key ?? "semanticSimilarity";
  return {
    name: "semanticSimilarity",
    async evaluate({ prompt, completion }, { signal }) {
      if (prompt.trim() === "" || completion.trim() === "") return {};
      const [p, c] = await options.embeddings.embed([prompt, completion], { signal });
      if (!p || !c) return {};
      return { [key]: cosineSimilarity(p, c) };
    },
  };
}
