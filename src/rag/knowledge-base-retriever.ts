/**
 * {@link KnowledgeBaseRetriever}: Bedrock Knowledge Bases `Retrieve` behind the
 * {@link Retriever} interface.
 *
 * @module
 */
import type {
  BedrockAgentRuntimeClient,
  RetrievalFilter,
  VectorSearchRerankingConfiguration,
} from "@aws-sdk/client-bedrock-agent-runtime";
import { z } from "zod";
import { type AwsClientConfig, parseOptions, withDeadline } from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  awsPages,
  bedrockAgentRuntimeSdk,
  clientConfigFrom,
  lazyAwsClient,
  paginatorClient,
  type SendsCommands,
  schemaFor,
} from "../core/internal.js";
import { fromKnowledgeBaseResult, toBedrockFilter } from "./bedrock-filter.js";
import {
  knowledgeBaseIdSchema,
  overrideSearchTypeSchema,
  rerankingConfigurationSchema,
  vectorSearchConfiguration,
} from "./knowledge-base-search.js";
import type {
  KnowledgeBaseRerankingConfiguration,
  KnowledgeBaseRetrievalFilter,
} from "./native-shapes.js";
import { DEFAULT_K, type RetrievedChunk, type RetrieveOptions, type Retriever } from "./types.js";

/** Options for {@link KnowledgeBaseRetriever}. */
export interface KnowledgeBaseRetrieverOptions extends AwsClientConfig {
  /** The knowledge base id (10 characters, e.g. `ABCDEFGHIJ`). */
  knowledgeBaseId: string;
  /**
   * A ready client; preferred. It must be a `BedrockAgentRuntimeClient` of
   * `@aws-sdk/client-bedrock-agent-runtime` (the copy fmops loads): pages are read through the
   * SDK's `paginateRetrieve`, which accepts no other object, so a wrapper that only has `send`
   * is refused with `VALIDATION_ERROR` on the first retrieve.
   */
  client?: SendsCommands;
  /** `HYBRID` (semantic + keyword) or `SEMANTIC`. Default: the knowledge base's choice. */
  overrideSearchType?: "HYBRID" | "SEMANTIC";
  /**
   * Reranking with a Bedrock reranker model, e.g.
   * `{ type: "BEDROCK_RERANKING_MODEL", bedrockRerankingConfiguration: { modelConfiguration: { modelArn }, numberOfRerankedResults: 5 } }`.
   */
  rerankingConfiguration?: KnowledgeBaseRerankingConfiguration;
  /** Results scoring below this are dropped (after reranking, on the score the service returns). */
  minScore?: number;
  /** Results per `Retrieve` call, 1..100. Default: k, capped at 100. */
  pageSize?: number;
  /** At most this many `Retrieve` calls (nextToken pages) per retrieve. Default 5. */
  maxPages?: number;
  /** A native filter ANDed with the call's filter (for operators like `startsWith`, `listContains`). */
  nativeFilter?: KnowledgeBaseRetrievalFilter;
  /** Guardrail applied to the retrieval. */
  guardrail?: {
    /** The guardrail's id or ARN. */
    guardrailId: string;
    /** The guardrail version, e.g. `1`, or `DRAFT`. */
    guardrailVersion: string;
  };
  /** Deadline of one retrieve (all pages). Default 30 000 ms. */
  timeoutMs?: number;
}

const OWNER = "KnowledgeBaseRetriever (@aws-sdk/client-bedrock-agent-runtime)";
const RETRIEVE = {
  service: "BedrockAgentRuntime",
  operation: "Retrieve",
  iamAction: "bedrock:Retrieve",
};

const optionsSchema = schemaFor<KnowledgeBaseRetrieverOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      knowledgeBaseId: knowledgeBaseIdSchema,
      client: awsClientSchema("BedrockAgentRuntimeClient").optional(),
      overrideSearchType: overrideSearchTypeSchema,
      rerankingConfiguration: rerankingConfigurationSchema,
      minScore: z.number().optional(),
      pageSize: z.int().min(1).max(100).optional(),
      maxPages: z.int().min(1).max(100).optional(),
      // Bedrock judges the filter itself; it only has to be an object here.
      nativeFilter: z
        .custom<KnowledgeBaseRetrievalFilter>(
          (v) => typeof v === "object" && v !== null && !Array.isArray(v),
          "must be a Knowledge Bases RetrievalFilter object",
        )
        .optional(),
      guardrail: z
        .object({ guardrailId: z.string().min(1), guardrailVersion: z.string().min(1) })
        .optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

/**
 * Retrieves from an Amazon Bedrock Knowledge Base. It sends `numberOfResults`,
 * `overrideSearchType`, the filter (translated from {@link MetadataFilter}, ANDed with
 * `nativeFilter`) and the reranking configuration; reads pages through the SDK's
 * `paginateRetrieve` until k results pass `minScore` (bounded by `maxPages`); and normalizes
 * every location type (S3, web, Confluence, SharePoint, Salesforce, ...) into `source`. Result text is returned exactly as the service
 * sent it.
 *
 * Scores are the service's relevance scores (higher is better; rerankers use their own scale).
 * IAM: `bedrock:Retrieve` (plus `bedrock:Rerank` and `bedrock:InvokeModel` on the reranker).
 *
 * @example
 * ```ts
 * const kb = new KnowledgeBaseRetriever({ knowledgeBaseId: "ABCDEFGHIJ", region: "us-east-1", overrideSearchType: "HYBRID", minScore: 0.4 });
 * const hits = await kb.retrieve("What is our refund policy?", { k: 5, filter: { department: "sales" } });
 * ```
 */
export class KnowledgeBaseRetriever implements Retriever {
  /** The knowledge base queried. */
  readonly knowledgeBaseId: string;
  readonly #agentRuntime;
  readonly #options: KnowledgeBaseRetrieverOptions;

  constructor(options: KnowledgeBaseRetrieverOptions) {
    this.#options = parseOptions(optionsSchema, options, "KnowledgeBaseRetriever options");
    this.knowledgeBaseId = this.#options.knowledgeBaseId;
    const config = clientConfigFrom(this.#options);
    this.#agentRuntime = lazyAwsClient(
      bedrockAgentRuntimeSdk,
      "KnowledgeBaseRetriever",
      // Typed structurally in the options (see native-shapes.ts); it is a BedrockAgentRuntimeClient.
      this.#options.client as BedrockAgentRuntimeClient | undefined,
      (sdk) => new sdk.BedrockAgentRuntimeClient(config),
    );
  }

  /** Retrieves up to k chunks (default 4), highest score first. */
  async retrieve(query: string, options: RetrieveOptions = {}): Promise<RetrievedChunk[]> {
    const k = options.k ?? DEFAULT_K;
    if (k <= 0) return [];
    const translated = options.filter ? toBedrockFilter(options.filter) : undefined;
    const native = this.#options.nativeFilter;
    const filter = translated && native ? { andAll: [translated, native] } : (translated ?? native);
    const vector = vectorSearchConfiguration({
      numberOfResults: Math.min(100, this.#options.pageSize ?? k),
      overrideSearchType: this.#options.overrideSearchType,
      filter: filter as RetrievalFilter | undefined,
      rerankingConfiguration: this.#options.rerankingConfiguration as
        | VectorSearchRerankingConfiguration
        | undefined,
    });
    const maxPages = this.#options.maxPages ?? 5;
    const minScore = this.#options.minScore;

    return withDeadline(
      options,
      this.#options.timeoutMs ?? 30_000,
      "retrieving from the knowledge base",
      async (signal) => {
        const { sdk, client } = await this.#agentRuntime();
        const pages = sdk.paginateRetrieve(
          { client: paginatorClient(client, sdk.BedrockAgentRuntimeClient, OWNER) },
          {
            knowledgeBaseId: this.knowledgeBaseId,
            retrievalQuery: { text: query },
            retrievalConfiguration: { vectorSearchConfiguration: vector },
            ...(this.#options.guardrail ? { guardrailConfiguration: this.#options.guardrail } : {}),
          },
          { abortSignal: signal },
        );
        const out: RetrievedChunk[] = [];
        let ordinal = 0;
        let page = 0;
        for await (const response of awsPages(signal, RETRIEVE, pages)) {
          for (const result of response.retrievalResults ?? []) {
            const chunk = fromKnowledgeBaseResult(result, ordinal++);
            if (minScore === undefined || chunk.score >= minScore) out.push(chunk);
          }
          // Leaving the loop releases the paginator before it asks for the next page.
          if (out.length >= k || ++page >= maxPages) break;
        }
        // Stable sort: equal scores keep the service's order.
        return out.sort((a, b) => b.score - a.score).slice(0, k);
      },
    );
  }
}
