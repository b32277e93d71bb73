/**
 * `fmops/rag`: retrieval-augmented generation with one {@link Retriever} interface over an
 * embedded BM25 index, in-memory and OpenSearch vector stores, Bedrock Knowledge Bases and
 * Kendra, plus a {@link RagChain} that answers with citations.
 *
 * @example
 * ```ts
 * import { Bm25Index, RagChain, RecursiveTextSplitter } from "fmops/rag";
 *
 * const index = new Bm25Index();
 * index.add(new RecursiveTextSplitter({ chunkSize: 800 }).splitAll(documents));
 * const chain = new RagChain({ retriever: index, model });
 * const { answer, citations } = await chain.ask("How do I rotate access keys?");
 * ```
 *
 * @packageDocumentation
 */
import type { Bm25Index, Bm25IndexOptions } from "./bm25.js";
import type { InMemoryVectorStore } from "./in-memory-vector-store.js";

export { lucenePorterStem, tokenize } from "./analyzer.js";
export {
  type Bm25Explanation,
  Bm25Index,
  type Bm25IndexOptions,
  type IndexDocument,
} from "./bm25.js";
export { estimateTokens } from "./context.js";
export type { FieldCondition, MetadataFilter } from "./filter.js";
export { HybridRetriever, type HybridRetrieverOptions } from "./hybrid-retriever.js";
export { InMemoryVectorStore, type InMemoryVectorStoreOptions } from "./in-memory-vector-store.js";
export { KendraRetriever, type KendraRetrieverOptions } from "./kendra-retriever.js";
export {
  type KnowledgeBaseAnswer,
  KnowledgeBaseChat,
  type KnowledgeBaseChatOptions,
} from "./knowledge-base-chat.js";
export {
  KnowledgeBaseRetriever,
  type KnowledgeBaseRetrieverOptions,
} from "./knowledge-base-retriever.js";
export {
  describeOpenSearchDomain,
  OpenSearchDomainDeletedError,
  type OpenSearchDomainInfo,
  OpenSearchDomainNotReadyError,
  OpenSearchVersionUnsupportedError,
} from "./opensearch-domain.js";
export {
  BulkIngestError,
  OpenSearchVectorStore,
  type OpenSearchVectorStoreFromDomainOptions,
  type OpenSearchVectorStoreOptions,
} from "./opensearch-vector-store.js";
export { type RagAnswer, RagChain, type RagChainOptions } from "./rag-chain.js";
export { RecursiveTextSplitter, type RecursiveTextSplitterOptions } from "./splitter.js";
export {
  TransformersEmbeddingModel,
  type TransformersEmbeddingModelOptions,
} from "./transformers-embedding-model.js";
export type {
  Chunk,
  Document,
  Metadata,
  MetadataValue,
  RetrievedChunk,
  RetrieveOptions,
  Retriever,
} from "./types.js";
export type {
  VectorRecord,
  VectorSearchOptions,
  VectorStore,
  VectorWriteOptions,
} from "./vector-store.js";
export {
  VectorStoreRetriever,
  type VectorStoreRetrieverOptions,
} from "./vector-store-retriever.js";

/**
 * Writes a {@link Bm25Index} to a JSON file (atomically). Node only: the file code loads on
 * first call, so the rest of `fmops/rag` works in browsers and edge runtimes.
 */
export async function saveBm25Index(index: Bm25Index, path: string): Promise<void> {
  return (await import("./file-store.js")).saveBm25Index(index, path);
}

/** Reads a {@link Bm25Index} written by {@link saveBm25Index}. Node only. */
export async function loadBm25Index(
  path: string,
  options: Pick<Bm25IndexOptions, "analyzer" | "k1" | "b"> = {},
): Promise<Bm25Index> {
  return (await import("./file-store.js")).loadBm25Index(path, options);
}

/** Writes an {@link InMemoryVectorStore} to a binary file (atomically). Node only. */
export async function saveVectorStore(store: InMemoryVectorStore, path: string): Promise<void> {
  return (await import("./file-store.js")).saveVectorStore(store, path);
}

/** Reads an {@link InMemoryVectorStore} written by {@link saveVectorStore}. Node only. */
export async function loadVectorStore(path: string): Promise<InMemoryVectorStore> {
  return (await import("./file-store.js")).loadVectorStore(path);
}
