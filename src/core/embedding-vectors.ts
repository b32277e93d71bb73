/**
 * Checks and converts the vectors an embedding service returns, so that every adapter fails the
 * same way on a malformed answer.
 *
 * @module
 */
import { FmopsError } from "./errors.js";

/** What {@link toEmbeddings} expects of the answer. */
export interface EmbeddingShape {
  /** How many vectors the request asked for. */
  expected: number;
  /** The length every vector must have. */
  dimensions: number;
  /** Names the service in messages, e.g. `endpoint "bge"`. */
  source: string;
}

/**
 * Converts `raw` (an array of number arrays) into `Float32Array`s, or throws
 * `UNEXPECTED_RESPONSE` when the count, a length, or a value is wrong.
 */
export function toEmbeddings(raw: unknown, shape: EmbeddingShape): Float32Array[] {
  if (!Array.isArray(raw) || raw.length !== shape.expected) {
    const got = Array.isArray(raw) ? `${raw.length} vectors` : typeof raw;
    throw new FmopsError(
      "UNEXPECTED_RESPONSE",
      `Expected ${shape.expected} embedding vectors from ${shape.source}, got ${got}. Check the model's format option.`,
    );
  }
  return raw.map((vector: unknown, i) => toEmbedding(vector, shape, i));
}

/** Converts one vector; `index` names it in messages. */
export function toEmbedding(
  vector: unknown,
  shape: Omit<EmbeddingShape, "expected">,
  index = 0,
): Float32Array {
  if (!Array.isArray(vector) || vector.length !== shape.dimensions) {
    const got = Array.isArray(vector) ? `${vector.length} numbers` : typeof vector;
    throw new FmopsError(
      "EMBEDDING_DIMENSION_MISMATCH",
      `Vector ${index} from ${shape.source} has ${got}, expected ${shape.dimensions}. Set "dimensions" to the model's output size.`,
    );
  }
  const out = new Float32Array(shape.dimensions);
  for (let j = 0; j < vector.length; j++) {
    const value = vector[j];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new FmopsError(
        "UNEXPECTED_RESPONSE",
        `Vector ${index} from ${shape.source} holds a non-number at position ${j}.`,
      );
    }
    out[j] = value;
  }
  return out;
}
