/**
 * The refusal-score metric module: how much an answer looks like a refusal, by embedding
 * similarity to refusal phrasings, or by fuzzy matching when no embedding model is given.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";
import type { EmbeddingModel } from "../models/index.js";
import { cosineSimilarity } from "./similarity.js";
import type { MetricModule } from "./types.js";

/** Model families with their own refusal wording. */
export type RefusalFamily = "anthropic" | "meta" | "mistral" | "amazon" | "cohere" | "generic";

// Written for fmops: typical shapes of refusals, by family. Every family also gets the generic set.
const GENERIC = [
  "I'm sorry, but I can't help with that.",
  "I cannot assist with that request.",
  "I am unable to provide that information.",
  "I won't be able to do that.",
  "Sorry, I can't comply with this request.",
  "That's not something I can help with.",
  "I must decline this request.",
];

/** The built-in refusal phrasings per family (each family's list plus the generic ones). */
export const DEFAULT_REFUSAL_PHRASINGS: Readonly<Record<RefusalFamily, readonly string[]>> = {
  generic: GENERIC,
  anthropic: [
    "I apologize, but I don't feel comfortable helping with that.",
    "I'm not able to help with this, as it could cause harm.",
    "I don't think I should assist with that request.",
    "I'd prefer not to provide that, but I'm happy to help with something else.",
  ],
  meta: [
    "I can't provide information or guidance on that topic.",
    "I can't help you with that. Is there anything else I can help you with?",
    "I cannot fulfill your request.",
  ],
  mistral: [
    "I'm sorry, but I cannot provide assistance with that.",
    "I'm unable to help with that request as it goes against my guidelines.",
  ],
  amazon: [
    "Sorry, I am unable to assist you with this request.",
    "I'm sorry, but I can't answer that question.",
    "The generated text has been blocked by our content filters.",
  ],
  cohere: [
    "I'm sorry, but I can't fulfill that request.",
    "I cannot provide a response to that, as it violates my usage guidelines.",
  ],
};

/** The family of a model id (`bedrock:anthropic.claude...` -> `anthropic`), else `generic`. */
export function refusalFamilyOf(modelId: string): RefusalFamily {
  const id = modelId.toLowerCase();
  if (/anthropic|claude/.test(id)) return "anthropic";
  if (/meta|llama/.test(id)) return "meta";
  if (/mistral|mixtral/.test(id)) return "mistral";
  if (/amazon|titan|nova/.test(id)) return "amazon";
  if (/cohere|command/.test(id)) return "cohere";
  return "generic";
}

/** Options for {@link refusalScore}. */
export interface RefusalScoreOptions {
  /** Embedding model for similarity; without it, the fuzzy matcher scores. */
  embeddings?: EmbeddingModel;
  /** Phrasings per family, replacing the built-in lists for the families you name. */
  phrasings?: Partial<Record<RefusalFamily, string[]>>;
  /** Force a family instead of deriving it from the model id. */
  family?: RefusalFamily;
  /** The key in `record.metrics`. Default `refusalScore`. */
  key?: string;
  /** Only the first characters of an answer are compared (refusals come first). Default 400. */
  headChars?: number;
}

/** Lower-case words of letters and digits, apostrophes dropped (`can't` -> `cant`). */
function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/['’]/g, "")
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

function bigrams(tokens: string[]): Set<string> {
  const out = new Set<string>(tokens);
  for (let i = 0; i + 1 < tokens.length; i++) out.add(`${tokens[i]} ${tokens[i + 1]}`);
  return out;
}

/**
 * Fuzzy refusal match without embeddings: the share of a phrasing's words and word pairs that
 * occur in the first sentences of the answer (containment, not Jaccard, so a long answer that
 * starts with a refusal still scores high), best phrasing wins. In [0, 1].
 */
export function fuzzyRefusalScore(answer: string, phrasings: readonly string[]): number {
  const head = bigrams(words(answer));
  let best = 0;
  for (const phrasing of phrasings) {
    const grams = bigrams(words(phrasing));
    if (grams.size === 0) continue;
    let hit = 0;
    for (const g of grams) if (head.has(g)) hit++;
    best = Math.max(best, hit / grams.size);
  }
  return best;
}

/**
 * Scores how much an answer reads like a refusal, in [0, 1] (higher = more refusal-like): the
 * best cosine similarity between the answer's opening and the family's refusal phrasings (plus
 * the generic ones), or `fuzzyRefusalScore` when no embedding model is given. Averaged over
 * calls it is a refusal rate you can alarm on; pick a threshold from your own data (with Titan v2
 * embeddings refusals typically score above 0.6).
 *
 * @example
 * ```ts
 * instrument(model, { metrics: [refusalScore({ embeddings })] });
 * instrument(model, { metrics: [refusalScore({})] }); // fuzzy matching, no model calls
 * ```
 */
export function refusalScore(options: RefusalScoreOptions = {}): MetricModule {
  if (options.embeddings !== undefined && typeof options.embeddings.embed !== "function") {
    throw new ValidationError("refusalScore embeddings must be an EmbeddingModel.", [
      { path: "embeddings", message: "must be an EmbeddingModel" },
    ]);
  }
  const key = options.key ?? "refusalScore";
  const headChars = options.headChars ?? 400;
  const phrasingsOf = (family: RefusalFamily): string[] => {
    const own = options.phrasings?.[family] ?? DEFAULT_REFUSAL_PHRASINGS[family];
    const generic = options.phrasings?.generic ?? DEFAULT_REFUSAL_PHRASINGS.generic;
    return family === "generic" ? [...own] : [...own, ...generic];
  };
  // Phrasing vectors are computed once per family and reused.
  const cache = new Map<RefusalFamily, Promise<Float32Array[]>>();
  return {
    name: "refusalScore",
    async evaluate({ completion, record }, { signal }) {
      const head = completion.slice(0, headChars);
      if (head.trim() === "") return {};
      const family = options.family ?? refusalFamilyOf(record.modelId);
      const phrasings = phrasingsOf(family);
      if (!options.embeddings) return { [key]: fuzzyRefusalScore(head, phrasings) };
      const embeddings = options.embeddings;
      let vectors = cache.get(family);
      if (!vectors) {
        vectors = embeddings.embed(phrasings, { signal });
        cache.set(family, vectors);
        vectors.catch(() => cache.delete(family));
      }
      const [answer] = await embeddings.embed([head], { signal });
      if (!answer) return {};
      let best = 0;
      for (const v of await vectors) best = Math.max(best, cosineSimilarity(answer, v));
      return { [key]: best };
    },
  };
}
