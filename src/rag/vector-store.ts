/**
 * The {@link VectorStore} interface shared by the in-memory and OpenSearch stores.
 *
 * @module
 */
import type { MetadataFilter } from "./filter.js";
import type { Metadata, RetrievedChunk } from "./types.js";

/** How vectors are compared. */
export type DistanceMetric = "cosine" | "dot" | "l2";

/** One vector with the text and metadata it stands for. */
export interface VectorRecord {
  /** Unique id; writing an id again replaces the record. */
  id: string;
  /** The embedding. */
  vector: Float32Array | readonly number[];
  /** The text the vector was computed from, returned with results. */
  text: string;
  /** Metadata for filters. */
  metadata?: Metadata;
}

/** Per-call options of {@link VectorStore.search}. */
export interface VectorSearchOptions {
  /** How many results. Default 4. */
  k?: number;
  /** Only records whose metadata match; applied during the search, so k results come back when k match. */
  filter?: MetadataFilter;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Gives up after this many milliseconds (remote stores). */
  timeoutMs?: number;
}

/**
 * How an embedded store answers a metadata filter (see {@link InMemoryVectorStore.explain}).
 */
export interface FilterPlan {
  /**
   * `"all"`: no filter, every row is scored. `"index"`: the metadata index gives exactly the
   * matching rows and only they are scored. `"index+check"`: the index narrows the rows and the
   * filter tests those that would enter the top k. `"scan"`: every row is scored and the filter
   * tests those that would enter the top k.
   */
  strategy: "all" | "index" | "index+check" | "scan";
  /** How many rows are scored. */
  rowsVisited: number;
}

/** Per-call options of {@link VectorStore.add} and {@link VectorStore.delete}. */
export interface VectorWriteOptions {
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Gives up after this many milliseconds (remote stores). */
  timeoutMs?: number;
}

/**
 * A store of vectors searchable by similarity: {@link InMemoryVectorStore},
 * {@link OpenSearchVectorStore}, or your own.
 */
export interface VectorStore {
  /** Length of every vector. */
  readonly dimensions: number;
  /** Adds or replaces records (synchronously or returning a promise; callers await it). */
  add(records: readonly VectorRecord[], options?: VectorWriteOptions): unknown;
  /** Removes records by id (synchronously or returning a promise; callers await it). */
  delete(ids: readonly string[], options?: VectorWriteOptions): unknown;
  /** The records most similar to `vector`, best first. */
  search(vector: Float32Array, options?: VectorSearchOptions): Promise<RetrievedChunk[]>;
}
