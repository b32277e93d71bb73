/**
 * {@link FakeEmbeddingModel}: deterministic, dependency-free text vectors for unit tests.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions } from "../core/index.js";
import { schemaFor, throwIfAborted } from "../core/internal.js";
import type { CallOptions, EmbeddingModel } from "../models/index.js";

/** Options for {@link FakeEmbeddingModel}. */
export interface FakeEmbeddingModelOptions {
  /** Length of every vector. Default 384. */
  dimensions?: number;
  /** The model's `id`. Default `"fake:embedding"`. */
  id?: string;
}

const optionsSchema = schemaFor<FakeEmbeddingModelOptions>()(
  z
    .object({
      dimensions: z.int().min(1).max(65_536).optional(),
      id: z.string().min(1).optional(),
    })
    .strict(),
);

const textsSchema = schemaFor<string[]>()(z.array(z.string()));

// A word counts twice as much as one of its trigrams, so whole-word overlap dominates while
// trigrams still relate inflections ("model" / "models").
const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.5;

/**
 * An {@link EmbeddingModel} that turns text into a feature-hashed bag of words: each lowercase
 * word (letters and digits) and each character trigram of the word (with `^`/`$` marking its
 * ends) is hashed with 32-bit FNV-1a into one of `dimensions` buckets with a hashed sign, and the
 * vector is L2-normalized. The same text always gets the same vector, and texts sharing words
 * have a higher cosine similarity than unrelated texts, which is enough to test retrieval code.
 *
 * A text without any word (empty, or only punctuation and spaces) embeds as the **zero vector**:
 * there is nothing to point in a direction, and a zero vector is easy to detect (its cosine
 * similarity with anything is undefined, so stores should treat it as "no match").
 *
 * @example
 * ```ts
 * const embedder = new FakeEmbeddingModel({ dimensions: 64 });
 * const [a, b] = await embedder.embed(["red apples", "apples are red"]);
 * ```
 */
export class FakeEmbeddingModel implements EmbeddingModel {
  /** The model id, `"fake:embedding"` unless set. */
  readonly id: string;
  /** Length of every vector. */
  readonly dimensions: number;
  readonly #requests: string[][] = [];

  constructor(options: FakeEmbeddingModelOptions = {}) {
    const parsed = parseOptions(optionsSchema, options, "FakeEmbeddingModel options");
    this.dimensions = parsed.dimensions ?? 384;
    this.id = parsed.id ?? "fake:embedding";
  }

  /** The `texts` of every `embed` call, in order (copies). */
  get requests(): string[][] {
    return this.#requests;
  }

  /** How many `embed` calls were received. */
  get calls(): number {
    return this.#requests.length;
  }

  /** Embeds each text; throws `ABORTED` if the signal has already aborted. */
  async embed(texts: string[], options: CallOptions = {}): Promise<Float32Array[]> {
    throwIfAborted(options.signal);
    const valid = parseOptions(textsSchema, texts, "FakeEmbeddingModel.embed texts");
    this.#requests.push([...valid]);
    return valid.map((text) => embedText(text, this.dimensions));
  }
}

/** The vector {@link FakeEmbeddingModel} gives `text`; exposed for tests that need it directly. */
export function embedText(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    add(vector, `w:${word}`, WORD_WEIGHT);
    const marked = Array.from(`^${word}$`);
    for (let i = 0; i + 3 <= marked.length; i++) {
      add(vector, `t:${marked.slice(i, i + 3).join("")}`, TRIGRAM_WEIGHT);
    }
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) vector[i] = (vector[i] ?? 0) * scale;
  return vector;
}

function add(vector: Float32Array, feature: string, weight: number): void {
  const hash = fnv1a(feature);
  const bucket = hash % vector.length;
  // The sign comes from a remix of the hash, so it is independent of the bucket; signed buckets
  // make collisions cancel out on average instead of inflating similarity.
  const sign = mix(hash) & 1 ? -1 : 1;
  vector[bucket] = (vector[bucket] ?? 0) + sign * weight;
}

/** 32-bit FNV-1a over the UTF-16 code units of `text`, as an unsigned integer. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A 32-bit finalizer (from MurmurHash3) that spreads every input bit over the output. */
function mix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
