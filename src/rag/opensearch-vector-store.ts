/**
 * {@link OpenSearchVectorStore}: a k-NN index in OpenSearch (managed domains or Serverless)
 * behind the {@link VectorStore} interface, with lexical and hybrid search.
 *
 * @module
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { z } from "zod";
import {
  AbortedError,
  FmopsError,
  PermissionDeniedError,
  parseOptions,
  redact,
  ValidationError,
  withDeadline,
} from "../core/index.js";
import { awsClientConfigShape, loadOptional, schemaFor } from "../core/internal.js";
import type { EmbeddingModel } from "../models/index.js";
import type { MetadataFilter } from "./filter.js";
import { reciprocalRankFusion } from "./hybrid-retriever.js";
import {
  type DescribeOpenSearchDomainOptions,
  describeOpenSearchDomain,
} from "./opensearch-domain.js";
import {
  type HnswParameters,
  indexBody,
  knnQuery,
  matchQuery,
  type OpenSearchEngine,
  type OpenSearchFields,
  type OpenSearchSpaceType,
  toOpenSearchFilter,
} from "./opensearch-query.js";
import { sourceOf } from "./source.js";
import {
  DEFAULT_K,
  type Metadata,
  type RetrievedChunk,
  type RetrieveOptions,
  type Retriever,
} from "./types.js";
import type {
  DistanceMetric,
  VectorRecord,
  VectorSearchOptions,
  VectorStore,
  VectorWriteOptions,
} from "./vector-store.js";

/** The parameters of one low-level OpenSearch request. */
export interface OpenSearchRequest {
  /** HTTP method, e.g. `GET`, `PUT`, `POST`, `DELETE`, `HEAD`. */
  method: string;
  /** Request path from the domain root, e.g. `/my-index/_search`. */
  path: string;
  /** JSON request body; absent for requests without one. */
  body?: Record<string, unknown>;
  /** `_bulk` body: action and document lines, sent as NDJSON instead of `body`. */
  bulkBody?: Record<string, unknown>[];
  /** Query-string parameters, e.g. `{ refresh: "true" }`. */
  querystring?: Record<string, string | number | boolean>;
}

/** What the store needs of an OpenSearch client: `@opensearch-project/opensearch`'s `Client` fits. */
export interface OpenSearchClientLike {
  /** The client's low-level transport; the store sends every request through it. */
  transport: {
    /**
     * Sends one request. Must reject on HTTP errors except the statuses in `options.ignore`,
     * which resolve with their `statusCode`.
     */
    request(
      params: OpenSearchRequest,
      options?: {
        /** Per-request timeout in milliseconds. */
        requestTimeout?: number;
        /** HTTP statuses to resolve with instead of rejecting (e.g. `[404]`). */
        ignore?: number[];
        /** Client-side retries; the store passes 0 so one call is one request. */
        maxRetries?: number;
      },
    ): Promise<{
      /** The parsed JSON response body. */
      body: unknown;
      /** The HTTP status code, when the client reports it. */
      statusCode?: number | null;
    }>;
  };
}

/** Options for {@link OpenSearchVectorStore}. */
export interface OpenSearchVectorStoreOptions {
  /** The index name (lowercase). */
  index: string;
  /** Length of every vector. */
  dimensions: number;
  /** A ready client (preferred): `new Client({ node, ...AwsSigv4Signer(...) })`. */
  client?: OpenSearchClientLike;
  /** Endpoint URL when no client is given, e.g. `https://search-x.us-east-1.es.amazonaws.com`. */
  node?: string;
  /**
   * SigV4 signing when no client is given: `service` `"es"` for managed domains, `"aoss"` for
   * Serverless. Credentials default to the AWS SDK's chain.
   */
  aws?: {
    /** AWS region of the domain or collection, e.g. `us-east-1`. */
    region: string;
    /** SigV4 service name: `es` (default) for managed domains, `aoss` for Serverless. */
    service?: "es" | "aoss";
    /** Credentials or a provider. Default: the AWS SDK's default credential chain. */
    credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  };
  /** `true` for OpenSearch Serverless (no refresh calls, no custom `_id`). Default: `aws.service === "aoss"`. */
  serverless?: boolean;
  /** k-NN engine. Default `"faiss"`. (`nmslib` is rejected: OpenSearch 3 no longer creates nmslib indexes.) */
  engine?: OpenSearchEngine;
  /** Similarity: `cosine` (space `cosinesimil`, default), `dot` (`innerproduct`) or `l2`. */
  metric?: DistanceMetric;
  /** HNSW parameters. */
  hnsw?: HnswParameters;
  /** Field names. Defaults: `embedding`, `text`, `metadata`, `chunk_id`. */
  fields?: Partial<OpenSearchFields>;
  /** Documents per `_bulk` request. Default 500. */
  batchSize?: number;
  /** Refresh after writes so they are searchable at once (ignored on Serverless). Default true. */
  refresh?: boolean;
  /** A search pipeline with a normalization processor; when set, hybrid search runs server-side. */
  hybridPipeline?: string;
  /** Per-request deadline. Default 30 000 ms. */
  timeoutMs?: number;
}

/**
 * Options for {@link OpenSearchVectorStore.fromDomain}: the store's options without `node` (the
 * domain's endpoint is used), plus how to reach the OpenSearch Service control plane.
 */
export interface OpenSearchVectorStoreFromDomainOptions
  extends Omit<OpenSearchVectorStoreOptions, "node" | "serverless">,
    Pick<DescribeOpenSearchDomainOptions, "domainClient" | "region" | "credentials" | "endpoint"> {
  /** The Amazon OpenSearch Service domain name. */
  domainName: string;
  /** Abort the domain lookup. */
  signal?: AbortSignal;
}

/** One document that `_bulk` rejected. */
export interface BulkItemFailure {
  /** The record id. */
  id: string;
  /** HTTP status of the item. */
  status: number;
  /** OpenSearch error type, e.g. `mapper_parsing_exception`. */
  type: string;
  /** OpenSearch's reason (shortened). */
  reason: string;
}

/** The outcome of {@link OpenSearchVectorStore.add}. */
export interface BulkResult {
  /** Documents written. */
  indexed: number;
  /** Documents rejected, with why. */
  failures: BulkItemFailure[];
}

/**
 * Some documents of a bulk ingest were rejected. Code `RAG_BULK_PARTIAL_FAILURE`; `result` lists
 * each failure (the rest were written).
 */
export class BulkIngestError extends FmopsError {
  /** What was written and what was rejected. */
  readonly result: BulkResult;

  constructor(result: BulkResult) {
    const first = result.failures[0];
    super(
      "RAG_BULK_PARTIAL_FAILURE",
      `OpenSearch rejected ${result.failures.length} of ${result.indexed + result.failures.length} documents (first: ${first?.id}: ${first?.type}: ${first?.reason}). See error.result.failures; fix those records and add them again.`,
    );
    this.result = result;
  }
}

const SPACE: Record<DistanceMetric, OpenSearchSpaceType> = {
  cosine: "cosinesimil",
  dot: "innerproduct",
  l2: "l2",
};

const optionsSchema = schemaFor<OpenSearchVectorStoreOptions>()(
  z
    .object({
      index: z
        .string()
        .regex(/^[a-z0-9][a-z0-9._-]{0,254}$/, "must be a lowercase OpenSearch index name"),
      dimensions: z.int().min(1).max(16_000),
      client: z
        .custom<OpenSearchClientLike>(
          (v) =>
            typeof v === "object" &&
            v !== null &&
            typeof (v as OpenSearchClientLike).transport?.request === "function",
          "must be an OpenSearch Client (with transport.request)",
        )
        .optional(),
      node: z.url().optional(),
      aws: z
        .object({
          region: z.string().min(1),
          service: z.enum(["es", "aoss"]).optional(),
          credentials: awsClientConfigShape.credentials,
        })
        .strict()
        .optional(),
      serverless: z.boolean().optional(),
      engine: z
        .string()
        .refine(
          (e) => e !== "nmslib",
          "nmslib is deprecated and OpenSearch 3 rejects new nmslib indexes; use faiss or lucene",
        )
        .pipe(z.enum(["faiss", "lucene"]))
        .optional(),
      metric: z.enum(["cosine", "dot", "l2"]).optional(),
      hnsw: z
        .object({
          m: z.int().min(2).max(512).optional(),
          efConstruction: z.int().min(2).max(10_000).optional(),
          efSearch: z.int().min(2).max(10_000).optional(),
        })
        .strict()
        .optional(),
      fields: z
        .object({
          vector: z.string().min(1).optional(),
          text: z.string().min(1).optional(),
          metadata: z.string().min(1).optional(),
          id: z.string().min(1).optional(),
        })
        .strict()
        .optional(),
      batchSize: z.int().min(1).max(10_000).optional(),
      refresh: z.boolean().optional(),
      hybridPipeline: z.string().min(1).optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict()
    .refine((o) => o.client !== undefined || o.node !== undefined, {
      message: "pass a ready client or a node URL",
      path: ["client"],
    }),
);

interface Hit {
  _id: string;
  _score: number;
  _source?: Record<string, unknown>;
}

/**
 * Vectors in an OpenSearch k-NN index: `knn_vector` with HNSW on the `faiss` (default) or
 * `lucene` engine, bulk ingest with per-item error reporting, k-NN search with the metadata
 * filter inside the `knn` clause (so k results come back whenever k documents match), lexical
 * `match` search on an `english`-analyzed text field, and hybrid search either server-side
 * through a search pipeline (`hybridPipeline`) or by client-side reciprocal rank fusion.
 * Signs requests with SigV4 for managed domains (`es`) and Serverless (`aoss`, where refresh
 * calls and custom document ids are not allowed, so ids live in the `chunk_id` field).
 *
 * Needs the optional peer `@opensearch-project/opensearch` when no client is passed.
 *
 * @example
 * ```ts
 * const store = new OpenSearchVectorStore({
 *   node: "https://search-docs.us-east-1.es.amazonaws.com",
 *   aws: { region: "us-east-1", service: "es" },
 *   index: "docs",
 *   dimensions: 1024,
 * });
 * await store.createIndex();
 * await new VectorStoreRetriever(store, embeddings).addDocuments(chunks);
 * const hits = await store.retriever(embeddings, { mode: "hybrid" }).retrieve("rotate keys", { k: 5 });
 * ```
 */
export class OpenSearchVectorStore implements VectorStore {
  /** The index name. */
  readonly index: string;
  /** Length of every vector. */
  readonly dimensions: number;
  /** The k-NN engine. */
  readonly engine: OpenSearchEngine;
  /** The similarity metric. */
  readonly metric: DistanceMetric;
  /** Whether the target is OpenSearch Serverless. */
  readonly serverless: boolean;
  /** The endpoint URL requests go to when the store builds its own client; undefined with a ready client. */
  readonly node: string | undefined;
  readonly #options: OpenSearchVectorStoreOptions;
  readonly #fields: OpenSearchFields;
  #client: Promise<OpenSearchClientLike> | undefined;

  constructor(options: OpenSearchVectorStoreOptions) {
    this.#options = parseOptions(optionsSchema, options, "OpenSearchVectorStore options");
    this.index = this.#options.index;
    this.dimensions = this.#options.dimensions;
    this.engine = this.#options.engine ?? "faiss";
    this.metric = this.#options.metric ?? "cosine";
    this.serverless = this.#options.serverless ?? this.#options.aws?.service === "aoss";
    this.#fields = {
      vector: this.#options.fields?.vector ?? "embedding",
      text: this.#options.fields?.text ?? "text",
      metadata: this.#options.fields?.metadata ?? "metadata",
      id: this.#options.fields?.id ?? "chunk_id",
    };
    this.node = this.#options.client ? undefined : this.#options.node;
    if (this.#options.client) this.#client = Promise.resolve(this.#options.client);
  }

  /**
   * A store on an Amazon OpenSearch Service domain found by name. `DescribeDomain` gives the
   * endpoint (the VPC endpoint for a VPC domain) and the region to sign for, and the domain is
   * checked before any index call: a deleted or still-creating domain, an Elasticsearch domain,
   * or an OpenSearch version too old for the chosen k-NN engine (faiss 2.9+, lucene 2.4+) or for
   * `hybridPipeline` (2.10+) throws a typed error saying what to change. Requests are signed
   * with SigV4 for `es` with `credentials` unless `aws` says otherwise.
   *
   * Needs the optional peer `@aws-sdk/client-opensearch` and the IAM action `es:DescribeDomain`.
   *
   * @throws `RAG_OPENSEARCH_DOMAIN_DELETED`, `RAG_OPENSEARCH_DOMAIN_NOT_READY`,
   *   `RAG_OPENSEARCH_VERSION_UNSUPPORTED`, or the wrapped AWS error of DescribeDomain.
   *
   * @example
   * ```ts
   * const store = await OpenSearchVectorStore.fromDomain({
   *   domainName: "docs",
   *   region: "us-east-1",
   *   index: "chunks",
   *   dimensions: 1024,
   * });
   * await store.createIndex();
   * ```
   */
  static async fromDomain(
    options: OpenSearchVectorStoreFromDomainOptions,
  ): Promise<OpenSearchVectorStore> {
    const { domainName, domainClient, region, credentials, endpoint, signal, ...storeOptions } =
      options;
    const lookup: DescribeOpenSearchDomainOptions = {
      domainName,
      requirements: {
        engine: storeOptions.engine ?? "faiss",
        hybridPipeline: storeOptions.hybridPipeline !== undefined,
      },
    };
    if (domainClient !== undefined) lookup.domainClient = domainClient;
    if (region !== undefined) lookup.region = region;
    if (credentials !== undefined) lookup.credentials = credentials;
    if (endpoint !== undefined) lookup.endpoint = endpoint;
    if (signal !== undefined) lookup.signal = signal;
    if (storeOptions.timeoutMs !== undefined) lookup.timeoutMs = storeOptions.timeoutMs;
    const domain = await describeOpenSearchDomain(lookup);
    const aws: NonNullable<OpenSearchVectorStoreOptions["aws"]> = storeOptions.aws
      ? { ...storeOptions.aws }
      : { region: domain.region || region || "", service: "es" };
    if (aws.credentials === undefined && credentials !== undefined) aws.credentials = credentials;
    return new OpenSearchVectorStore({ ...storeOptions, node: domain.endpoint, aws });
  }

  /**
   * Creates the k-NN index if it does not exist. If it exists, checks that its vector field is
   * a `knn_vector` of the same dimension (`RAG_DIMENSION_MISMATCH` otherwise). Returns whether
   * it created the index.
   */
  async createIndex(options: VectorWriteOptions = {}): Promise<boolean> {
    const exists = await this.#request({ method: "HEAD", path: `/${this.index}` }, options, [404]);
    if (exists.statusCode === 200) {
      await this.checkIndex(options);
      return false;
    }
    await this.#request(
      {
        method: "PUT",
        path: `/${this.index}`,
        body: indexBody(
          this.dimensions,
          this.engine,
          SPACE[this.metric],
          this.#options.hnsw ?? {},
          this.#fields,
        ),
      },
      options,
    );
    return true;
  }

  /** Checks that the index exists and that its vector field has this store's dimension. */
  async checkIndex(options: VectorWriteOptions = {}): Promise<void> {
    const response = await this.#request(
      { method: "GET", path: `/${this.index}/_mapping` },
      options,
      [404],
    );
    if (response.statusCode === 404) {
      throw new FmopsError(
        "RAG_INDEX_NOT_FOUND",
        `The OpenSearch index "${this.index}" does not exist. Call createIndex() first.`,
      );
    }
    const body = response.body as Record<
      string,
      { mappings?: { properties?: Record<string, { type?: string; dimension?: number }> } }
    >;
    const mapping = Object.values(body)[0]?.mappings?.properties?.[this.#fields.vector];
    if (mapping?.type !== "knn_vector") {
      throw new FmopsError(
        "RAG_INDEX_MISMATCH",
        `The OpenSearch index "${this.index}" has no knn_vector field "${this.#fields.vector}". Use another index name or set fields.vector.`,
      );
    }
    if (mapping.dimension !== this.dimensions) {
      throw new FmopsError(
        "RAG_DIMENSION_MISMATCH",
        `The OpenSearch index "${this.index}" holds ${mapping.dimension}-dimensional vectors but this store is configured for ${this.dimensions}. Use the embedding model the index was built with, or a new index.`,
      );
    }
  }

  /**
   * Writes records with `_bulk` in batches. Rejected documents are collected: if any, a
   * {@link BulkIngestError} listing them is thrown after every batch was sent.
   */
  async add(
    records: readonly VectorRecord[],
    options: VectorWriteOptions = {},
  ): Promise<BulkResult> {
    for (const [i, r] of records.entries()) {
      if (r.vector.length !== this.dimensions) {
        throw new ValidationError(
          `Invalid record ${i}: vector has ${r.vector.length} dimensions but the index has ${this.dimensions}.`,
          [{ path: `records.${i}.vector`, message: "dimension mismatch" }],
        );
      }
    }
    const result: BulkResult = { indexed: 0, failures: [] };
    const batchSize = this.#options.batchSize ?? 500;
    for (let start = 0; start < records.length; start += batchSize) {
      const batch = records.slice(start, start + batchSize);
      const bulkBody: Record<string, unknown>[] = [];
      for (const r of batch) {
        // Serverless vector collections reject custom _id; the id lives in its own field anyway.
        bulkBody.push({
          index: this.serverless ? { _index: this.index } : { _index: this.index, _id: r.id },
        });
        bulkBody.push({
          [this.#fields.id]: r.id,
          [this.#fields.text]: r.text,
          [this.#fields.vector]: Array.from(r.vector),
          [this.#fields.metadata]: r.metadata ?? {},
        });
      }
      const response = await this.#request({ method: "POST", path: "/_bulk", bulkBody }, options);
      const body = response.body as {
        errors?: boolean;
        items?: Record<string, { status?: number; error?: { type?: string; reason?: string } }>[];
      };
      for (const [i, item] of (body.items ?? []).entries()) {
        const outcome = Object.values(item)[0];
        const id = (batch[i] as VectorRecord).id;
        if (outcome?.error || (outcome?.status ?? 200) >= 300) {
          result.failures.push({
            id,
            status: outcome?.status ?? 0,
            type: outcome?.error?.type ?? "unknown",
            reason: redact(outcome?.error?.reason ?? "no reason given"),
          });
        } else {
          result.indexed++;
        }
      }
    }
    await this.#refresh(options);
    if (result.failures.length > 0) throw new BulkIngestError(result);
    return result;
  }

  /** Deletes records by id. Returns how many were deleted. */
  async delete(ids: readonly string[], options: VectorWriteOptions = {}): Promise<number> {
    if (ids.length === 0) return 0;
    let targets: string[] = [...ids];
    if (this.serverless) {
      // Documents have service-assigned _ids on Serverless: look them up by our id field.
      const found = await this.#request(
        {
          method: "POST",
          path: `/${this.index}/_search`,
          body: {
            size: ids.length * 4,
            _source: false,
            query: { terms: { [this.#fields.id]: ids } },
          },
        },
        options,
      );
      targets = ((found.body as { hits?: { hits?: Hit[] } }).hits?.hits ?? []).map((h) => h._id);
      if (targets.length === 0) return 0;
    }
    const response = await this.#request(
      {
        method: "POST",
        path: "/_bulk",
        bulkBody: targets.map((id) => ({ delete: { _index: this.index, _id: id } })),
      },
      options,
    );
    const items = (response.body as { items?: Record<string, { result?: string }>[] }).items ?? [];
    await this.#refresh(options);
    return items.filter((i) => Object.values(i)[0]?.result === "deleted").length;
  }

  /** k-NN search with the filter inside the knn clause. */
  async search(vector: Float32Array, options: VectorSearchOptions = {}): Promise<RetrievedChunk[]> {
    if (vector.length !== this.dimensions) {
      throw new ValidationError(
        `The query vector has ${vector.length} dimensions but the index has ${this.dimensions}.`,
        [{ path: "vector", message: "dimension mismatch" }],
      );
    }
    const k = options.k ?? DEFAULT_K;
    if (k <= 0) return [];
    const filter = options.filter
      ? toOpenSearchFilter(options.filter, this.#fields.metadata)
      : undefined;
    const efSearch = this.engine === "lucene" ? this.#options.hnsw?.efSearch : undefined;
    return this.#search(
      { size: k, query: knnQuery(vector, k, this.#fields, filter, efSearch) },
      options,
    );
  }

  /** Lexical (BM25, english analyzer) search on the text field. */
  async lexicalSearch(text: string, options: VectorSearchOptions = {}): Promise<RetrievedChunk[]> {
    const k = options.k ?? DEFAULT_K;
    if (k <= 0) return [];
    const filter = options.filter
      ? toOpenSearchFilter(options.filter, this.#fields.metadata)
      : undefined;
    return this.#search({ size: k, query: matchQuery(text, this.#fields, filter) }, options);
  }

  /**
   * Hybrid search: with `hybridPipeline`, one `hybrid` query normalized and combined by that
   * search pipeline; otherwise a lexical and a k-NN search fused by reciprocal rank fusion.
   */
  async hybridSearch(
    text: string,
    vector: Float32Array,
    options: VectorSearchOptions & { rrfK?: number; weights?: [number, number] } = {},
  ): Promise<RetrievedChunk[]> {
    const k = options.k ?? DEFAULT_K;
    if (k <= 0) return [];
    const pipeline = this.#options.hybridPipeline;
    if (pipeline) {
      const filter = options.filter
        ? toOpenSearchFilter(options.filter, this.#fields.metadata)
        : undefined;
      return this.#search(
        {
          size: k,
          query: {
            hybrid: {
              queries: [
                matchQuery(text, this.#fields, filter),
                knnQuery(vector, k, this.#fields, filter, undefined),
              ],
            },
          },
        },
        options,
        { search_pipeline: pipeline },
      );
    }
    const [lexical, semantic] = await Promise.all([
      this.lexicalSearch(text, { ...options, k: k * 2 }),
      this.search(vector, { ...options, k: k * 2 }),
    ]);
    return reciprocalRankFusion([lexical, semantic], {
      k,
      rrfK: options.rrfK ?? 60,
      weights: options.weights ?? [1, 1],
    });
  }

  /** A {@link Retriever} over this index: `vector` (default), `lexical` or `hybrid`. */
  retriever(
    embeddings: EmbeddingModel,
    options: { mode?: "vector" | "lexical" | "hybrid" } = {},
  ): Retriever {
    const mode = options.mode ?? "vector";
    return {
      retrieve: async (query: string, o: RetrieveOptions = {}) => {
        const searchOptions: VectorSearchOptions = {};
        if (o.k !== undefined) searchOptions.k = o.k;
        if (o.filter !== undefined) searchOptions.filter = o.filter as MetadataFilter;
        if (o.signal !== undefined) searchOptions.signal = o.signal;
        if (o.timeoutMs !== undefined) searchOptions.timeoutMs = o.timeoutMs;
        if (mode === "lexical") return this.lexicalSearch(query, searchOptions);
        const [vector] = await embeddings.embed([query], o.signal ? { signal: o.signal } : {});
        if (!vector)
          throw new FmopsError("RAG_EMBEDDING_COUNT", `${embeddings.id} returned no vector.`);
        return mode === "hybrid"
          ? this.hybridSearch(query, vector, searchOptions)
          : this.search(vector, searchOptions);
      },
    };
  }

  async #search(
    body: Record<string, unknown>,
    options: VectorSearchOptions,
    querystring?: Record<string, string>,
  ): Promise<RetrievedChunk[]> {
    const response = await this.#request(
      {
        method: "POST",
        path: `/${this.index}/_search`,
        body: { ...body, _source: { excludes: [this.#fields.vector] } },
        ...(querystring ? { querystring } : {}),
      },
      options,
    );
    const hits = (response.body as { hits?: { hits?: Hit[] } }).hits?.hits ?? [];
    return hits.map((h) => {
      const src = h._source ?? {};
      const metadata = (src[this.#fields.metadata] ?? {}) as Metadata;
      const chunk: RetrievedChunk = {
        id: typeof src[this.#fields.id] === "string" ? (src[this.#fields.id] as string) : h._id,
        text: typeof src[this.#fields.text] === "string" ? (src[this.#fields.text] as string) : "",
        score: h._score,
        metadata,
      };
      const source = sourceOf(metadata);
      if (source !== undefined) chunk.source = source;
      return chunk;
    });
  }

  async #refresh(options: VectorWriteOptions): Promise<void> {
    // Serverless refreshes on its own schedule and rejects _refresh.
    if (this.serverless || this.#options.refresh === false) return;
    await this.#request({ method: "POST", path: `/${this.index}/_refresh` }, options);
  }

  #clientPromise(): Promise<OpenSearchClientLike> {
    this.#client ??= (async () => {
      const o = this.#options;
      const { Client } = await loadOptional<{
        Client: new (opts: Record<string, unknown>) => OpenSearchClientLike;
      }>("@opensearch-project/opensearch", "OpenSearchVectorStore");
      const config: Record<string, unknown> = { node: o.node };
      if (o.aws) {
        const { AwsSigv4Signer } = await loadOptional<{
          AwsSigv4Signer: (opts: Record<string, unknown>) => Record<string, unknown>;
        }>("@opensearch-project/opensearch/aws-v3", "OpenSearchVectorStore SigV4 signing");
        const credentials = o.aws.credentials;
        const signer: Record<string, unknown> = {
          region: o.aws.region,
          service: o.aws.service ?? "es",
        };
        if (credentials !== undefined) {
          signer.getCredentials = async () =>
            typeof credentials === "function" ? credentials() : credentials;
        }
        Object.assign(config, AwsSigv4Signer(signer));
      }
      return new Client(config);
    })();
    return this.#client;
  }

  async #request(
    params: OpenSearchRequest,
    options: VectorWriteOptions,
    ignore?: number[],
  ): Promise<{ body: unknown; statusCode?: number | null }> {
    const client = await this.#clientPromise();
    const what = `${params.method} ${params.path}`;
    return withDeadline(
      options,
      this.#options.timeoutMs ?? 30_000,
      `waiting for OpenSearch ${what}`,
      async (signal) => {
        const pending = client.transport.request(params, {
          requestTimeout: this.#options.timeoutMs ?? 30_000,
          maxRetries: 0,
          ...(ignore ? { ignore } : {}),
        }) as Promise<{ body: unknown; statusCode?: number | null }> & { abort?: () => void };
        const onAbort = () => pending.abort?.();
        signal.addEventListener("abort", onAbort, { once: true });
        try {
          return await pending;
        } catch (err) {
          if (signal.aborted)
            throw new AbortedError(`OpenSearch ${what} was aborted.`, { cause: err });
          throw openSearchError(err, what);
        } finally {
          signal.removeEventListener("abort", onAbort);
        }
      },
    );
  }
}

function openSearchError(err: unknown, what: string): FmopsError {
  if (err instanceof FmopsError) return err;
  const e = err as {
    name?: string;
    message?: string;
    meta?: { statusCode?: number; body?: { error?: { type?: string; reason?: string } | string } };
  };
  const status = e.meta?.statusCode;
  const error = e.meta?.body?.error;
  const type = typeof error === "object" ? (error.type ?? e.name) : (e.name ?? "Error");
  const reason = typeof error === "object" ? (error.reason ?? e.message) : (error ?? e.message);
  const detail = `${type}: ${redact(String(reason ?? ""))}`;
  if (status === 403 || status === 401) {
    return new PermissionDeniedError(
      `OpenSearch ${what} was denied (${status}): ${detail}. Check the domain access policy / collection data access policy for this role.`,
      { cause: err },
    );
  }
  const retryable =
    status === 429 ||
    (status !== undefined && status >= 500) ||
    e.name === "ConnectionError" ||
    e.name === "TimeoutError";
  return new FmopsError(
    "RAG_OPENSEARCH_ERROR",
    `OpenSearch ${what} failed${status ? ` (${status})` : ""}: ${detail}.`,
    {
      retryable,
      cause: err,
    },
  );
}
