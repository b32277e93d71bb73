/**
 * The shapes every retrieval backend shares: documents in, chunks out, one {@link Retriever}
 * interface whatever the store.
 *
 * @module
 */
import type { MetadataFilter } from "./filter.js";

/** A metadata value: what filters can compare. Arrays match when any element matches. */
export type MetadataValue =
  | string
  | number
  | boolean
  | null
  | readonly (string | number | boolean)[];

/** Free-form metadata attached to a document or chunk. */
export type Metadata = Record<string, MetadataValue | undefined>;

/**
 * A source document before splitting.
 *
 * @example
 * ```ts
 * const doc: Document = { id: "guide.md", text: "# Guide\n...", metadata: { source: "docs/guide.md" } };
 * ```
 */
export interface Document {
  /** Unique, stable identifier (a path, a URL, a database key). */
  id: string;
  /** The full text. */
  text: string;
  /** Metadata copied onto every chunk of the document. */
  metadata?: Metadata;
}

/**
 * A piece of a {@link Document} produced by a splitter. `metadata` holds the document's metadata
 * plus `documentId`, `chunkIndex`, `start` and `end` (UTF-16 offsets into the document text, so
 * `document.text.slice(start, end) === chunk.text`).
 */
export interface Chunk {
  /** `<documentId>#<chunkIndex>`: the same input and settings always give the same ids. */
  id: string;
  /** The chunk's text, an exact slice of the document. */
  text: string;
  /** The document's metadata plus the offsets described above. */
  metadata: Metadata;
}

/** One retrieval result, normalized across backends. */
export interface RetrievedChunk {
  /** The chunk's id in its store (document id, chunk id, or the service's result id). */
  id: string;
  /** The retrieved text, exactly as stored. */
  text: string;
  /** Relevance; higher is better. Scales differ between backends (see each retriever). */
  score: number;
  /** Where the text came from (S3 URI, URL, file path), when known. */
  source?: string;
  /** Backend metadata, never undefined. */
  metadata: Metadata;
}

/** Per-call options of {@link Retriever.retrieve}. */
export interface RetrieveOptions {
  /** How many results at most. Each retriever documents its default (usually 4). */
  k?: number;
  /** Only chunks whose metadata match (see {@link MetadataFilter}). */
  filter?: MetadataFilter;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Gives up after this many milliseconds (remote retrievers). */
  timeoutMs?: number;
}

/**
 * Anything that finds the chunks relevant to a query: the embedded BM25 index, a vector store,
 * Bedrock Knowledge Bases, Kendra, or a fusion of several.
 *
 * @example
 * ```ts
 * async function context(retriever: Retriever, question: string) {
 *   const chunks = await retriever.retrieve(question, { k: 5, filter: { lang: "en" } });
 *   return chunks.map((c) => c.text).join("\n\n");
 * }
 * ```
 */
export interface Retriever {
  /** Returns at most `k` chunks, highest score first. */
  retrieve(query: string, options?: RetrieveOptions): Promise<RetrievedChunk[]>;
}

/** The default number of results when `k` is not given. */
export const DEFAULT_K = 4;
