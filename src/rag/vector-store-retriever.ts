/**
 * {@link VectorStoreRetriever}: a {@link Retriever} over any {@link VectorStore}, embedding the
 * query (and documents on the way in) with an {@link EmbeddingModel}.
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, parseOptions, withDeadline } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import type { EmbeddingModel } from "../models/index.js";
import type { IndexDocument } from "./bm25.js";
import { metadataFilterSchema } from "./metadata-schema.js";
import type { RetrievedChunk, RetrieveOptions, Retriever } from "./types.js";
import type { VectorStore, VectorWriteOptions } from "./vector-store.js";

/** Options for {@link VectorStoreRetriever}. */
export interface VectorStoreRetrieverOptions {
  /** Texts per `embed` call when adding documents. Default 32. */
  batchSize?: number;
  /** Deadline for one `retrieve` (embedding + search). Default 60 000 ms. */
  timeoutMs?: number;
  /** Drop results scoring below this. Default: keep all. */
  minScore?: number;
}

const optionsSchema = schemaFor<VectorStoreRetrieverOptions>()(
  z
    .object({
      batchSize: z.int().min(1).max(10_000).optional(),
      timeoutMs: z.int().positive().optional(),
      minScore: z.number().optional(),
    })
    .strict(),
);

/**
 * `retrieve`'s options, strict like every options object: a misspelt key would otherwise be
 * dropped on the way to the store and the search would silently run with the defaults.
 */
const retrieveSchema = schemaFor<RetrieveOptions>()(
  z
    .object({
      k: z.int().min(0).max(100_000).optional(),
      filter: metadataFilterSchema.optional(),
      signal: z.instanceof(AbortSignal).optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

const DEFAULT_TIMEOUT_MS = 60_000;

function isEmbeddingModel(v: unknown): v is EmbeddingModel {
  return typeof v === "object" && v !== null && typeof (v as EmbeddingModel).embed === "function";
}

function isVectorStore(v: unknown): v is VectorStore {
  return typeof v === "object" && v !== null && typeof (v as VectorStore).search === "function";
}

/**
 * Embeds the query and searches the store.
 *
 * @example
 * ```ts
 * const retriever = new VectorStoreRetriever(new InMemoryVectorStore({ dimensions: 1024 }), embeddings);
 * await retriever.addDocuments(splitter.splitAll(docs));
 * const hits = await retriever.retrieve("how do I rotate keys?", { k: 5 });
 * ```
 */
export class VectorStoreRetriever implements Retriever {
  /** The store searched. */
  readonly store: VectorStore;
  /** The model embedding queries and documents. */
  readonly embeddings: EmbeddingModel;
  readonly #options: VectorStoreRetrieverOptions;

  constructor(
    store: VectorStore,
    embeddings: EmbeddingModel,
    options: VectorStoreRetrieverOptions = {},
  ) {
    if (!isVectorStore(store)) {
      throw new FmopsError(
        "VALIDATION_ERROR",
        "VectorStoreRetriever needs a VectorStore (an object with search()) as its first argument.",
      );
    }
    if (!isEmbeddingModel(embeddings)) {
      throw new FmopsError(
        "VALIDATION_ERROR",
        "VectorStoreRetriever needs an EmbeddingModel (an object with embed()) as its second argument.",
      );
    }
    if (embeddings.dimensions !== store.dimensions) {
      throw new FmopsError(
        "RAG_DIMENSION_MISMATCH",
        `The embedding model ${embeddings.id} makes ${embeddings.dimensions}-dimensional vectors but the store holds ${store.dimensions}. Use the model the store was built with, or a new store.`,
      );
    }
    this.store = store;
    this.embeddings = embeddings;
    this.#options = parseOptions(optionsSchema, options, "VectorStoreRetriever options");
  }

  /** Embeds documents in batches and adds them to the store. */
  async addDocuments(
    documents: readonly IndexDocument[],
    options: VectorWriteOptions = {},
  ): Promise<void> {
    const batchSize = this.#options.batchSize ?? 32;
    for (let i = 0; i < documents.length; i += batchSize) {
      const batch = documents.slice(i, i + batchSize);
      const vectors = await this.embeddings.embed(
        batch.map((d) => d.text),
        options.signal ? { signal: options.signal } : {},
      );
      if (vectors.length !== batch.length) {
        throw new FmopsError(
          "RAG_EMBEDDING_COUNT",
          `${this.embeddings.id} returned ${vectors.length} vectors for ${batch.length} texts.`,
        );
      }
      await this.store.add(
        batch.map((d, j) => ({
          id: d.id,
          text: d.text,
          vector: vectors[j] as Float32Array,
          ...(d.metadata ? { metadata: d.metadata } : {}),
        })),
        options,
      );
    }
  }

  /** Embeds the query, then returns the store's best matches. */
  async retrieve(query: string, options: RetrieveOptions = {}): Promise<RetrievedChunk[]> {
    const o = parseOptions(retrieveSchema, options, "VectorStoreRetriever.retrieve options");
    return withDeadline(
      o,
      this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      "retrieving from the vector store",
      async (signal) => {
        const [vector] = await this.embeddings.embed([query], { signal });
        if (!vector) {
          throw new FmopsError(
            "RAG_EMBEDDING_COUNT",
            `${this.embeddings.id} returned no vector for the query.`,
          );
        }
        const hits = await this.store.search(vector, {
          signal,
          ...(o.k !== undefined ? { k: o.k } : {}),
          ...(o.filter !== undefined ? { filter: o.filter } : {}),
        });
        const min = this.#options.minScore;
        return min === undefined ? hits : hits.filter((h) => h.score >= min);
      },
    );
  }
}
