/**
 * {@link KnowledgeBaseChat}: Bedrock `RetrieveAndGenerate` (retrieval and generation done by the
 * service) with the session id threaded across turns and citations in the same shape as
 * {@link RagChain}'s.
 *
 * @module
 */
import type {
  BedrockAgentRuntimeClient,
  RetrieveAndGenerateCommandOutput,
  RetrieveAndGenerateRequest,
  VectorSearchRerankingConfiguration,
} from "@aws-sdk/client-bedrock-agent-runtime";
import { z } from "zod";
import { type AwsClientConfig, awsCall, parseOptions, withDeadline } from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  bedrockAgentRuntimeSdk,
  clientConfigFrom,
  lazyAwsClient,
  type SendsCommands,
  schemaFor,
} from "../core/internal.js";
import { fromKnowledgeBaseResult, toBedrockFilter } from "./bedrock-filter.js";
import type { MetadataFilter } from "./filter.js";
import {
  knowledgeBaseIdSchema,
  overrideSearchTypeSchema,
  rerankingConfigurationSchema,
  vectorSearchConfiguration,
} from "./knowledge-base-search.js";
import { metadataFilterSchema } from "./metadata-schema.js";
import type { KnowledgeBaseRerankingConfiguration } from "./native-shapes.js";
import type { Citation } from "./rag-chain.js";
import type { RetrievedChunk } from "./types.js";

/** Options for {@link KnowledgeBaseChat}. */
export interface KnowledgeBaseChatOptions extends AwsClientConfig {
  /** The knowledge base id. */
  knowledgeBaseId: string;
  /** The generating model's ARN or inference profile ARN. */
  modelArn: string;
  /** A ready `BedrockAgentRuntimeClient`; preferred. */
  client?: SendsCommands;
  /**
   * Passages retrieved per turn, 1..100 (sent as the service's `numberOfResults`). Default: the
   * service's (5).
   */
  k?: number;
  /** `HYBRID` or `SEMANTIC`. */
  overrideSearchType?: "HYBRID" | "SEMANTIC";
  /** Reranking configuration, as for {@link KnowledgeBaseRetriever}. */
  rerankingConfiguration?: KnowledgeBaseRerankingConfiguration;
  /** A filter for every turn. */
  filter?: MetadataFilter;
  /** Custom generation prompt (must contain `$search_results$`). */
  promptTemplate?: string;
  /** Generation parameters. */
  inference?: {
    /** Sampling temperature. Default: the model's. */
    temperature?: number;
    /** Nucleus-sampling probability mass. Default: the model's. */
    topP?: number;
    /** Upper bound on generated tokens. Default: the model's. */
    maxTokens?: number;
    /** Generation stops before any of these strings. */
    stopSequences?: string[];
  };
  /** Guardrail applied to generation. */
  guardrail?: {
    /** The guardrail's id or ARN. */
    guardrailId: string;
    /** The guardrail version, e.g. `1`, or `DRAFT`. */
    guardrailVersion: string;
  };
  /** Deadline of one turn. Default 120 000 ms. */
  timeoutMs?: number;
}

/** A citation of a {@link KnowledgeBaseChat} answer: the cited chunk and the part of the answer it supports. */
export interface KnowledgeBaseCitation extends Citation {
  /** The answer text span `[start, end]` (inclusive end, as the service reports it) the chunk supports. */
  span?: {
    /** Offset of the first supported character in the answer. */
    start: number;
    /** Offset of the last supported character (inclusive). */
    end: number;
  };
}

/** One turn's result. */
export interface KnowledgeBaseAnswer {
  /** The generated answer. */
  answer: string;
  /** The session id to continue the conversation (also kept by the chat for the next turn). */
  sessionId: string;
  /** Citations, one per (answer part, chunk) pair; `index` is the chunk's position in `chunks` plus one. */
  citations: KnowledgeBaseCitation[];
  /** The distinct chunks cited, in order of first citation. */
  chunks: RetrievedChunk[];
  /** Whether a guardrail intervened. */
  guardrailIntervened: boolean;
}

const optionsSchema = schemaFor<KnowledgeBaseChatOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      knowledgeBaseId: knowledgeBaseIdSchema,
      modelArn: z.string().min(1).max(2048),
      client: awsClientSchema("BedrockAgentRuntimeClient").optional(),
      k: z.int().min(1).max(100).optional(),
      overrideSearchType: overrideSearchTypeSchema,
      rerankingConfiguration: rerankingConfigurationSchema,
      filter: metadataFilterSchema.optional(),
      promptTemplate: z
        .string()
        .includes("$search_results$", { message: "must contain $search_results$" })
        .optional(),
      inference: z
        .object({
          temperature: z.number().min(0).max(1).optional(),
          topP: z.number().min(0).max(1).optional(),
          maxTokens: z.int().positive().optional(),
          stopSequences: z.array(z.string()).max(4).optional(),
        })
        .strict()
        .optional(),
      guardrail: z
        .object({ guardrailId: z.string().min(1), guardrailVersion: z.string().min(1) })
        .optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

/**
 * A conversation over a Bedrock Knowledge Base through `RetrieveAndGenerate`: the first turn
 * starts a service-side session and later turns reuse its id, so the service condenses
 * follow-ups itself. Call {@link KnowledgeBaseChat.reset} to start over.
 * IAM: `bedrock:RetrieveAndGenerate`, `bedrock:Retrieve`, `bedrock:InvokeModel`.
 *
 * @example
 * ```ts
 * const chat = new KnowledgeBaseChat({ knowledgeBaseId: "ABCDEFGHIJ", modelArn, region: "us-east-1" });
 * const a = await chat.ask("What is the refund window?");
 * const b = await chat.ask("Does it apply to sale items?"); // same session
 * console.log(b.answer, b.citations.map((c) => c.source));
 * ```
 */
export class KnowledgeBaseChat {
  readonly #agentRuntime;
  readonly #options: KnowledgeBaseChatOptions;
  #sessionId: string | undefined;

  constructor(options: KnowledgeBaseChatOptions) {
    this.#options = parseOptions(optionsSchema, options, "KnowledgeBaseChat options");
    const config = clientConfigFrom(this.#options);
    this.#agentRuntime = lazyAwsClient(
      bedrockAgentRuntimeSdk,
      "KnowledgeBaseChat",
      // Typed structurally in the options (see native-shapes.ts); it is a BedrockAgentRuntimeClient.
      this.#options.client as BedrockAgentRuntimeClient | undefined,
      (sdk) => new sdk.BedrockAgentRuntimeClient(config),
    );
  }

  /** The current session id, once a turn has run. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** Forgets the session; the next turn starts a new one. */
  reset(): void {
    this.#sessionId = undefined;
  }

  /** Asks one turn. `sessionId` resumes a given session instead of the chat's own. */
  async ask(
    question: string,
    options: {
      sessionId?: string;
      filter?: MetadataFilter;
      signal?: AbortSignal;
      timeoutMs?: number;
    } = {},
  ): Promise<KnowledgeBaseAnswer> {
    parseOptions(z.string().trim().min(1), question, "KnowledgeBaseChat.ask question");
    const o = this.#options;
    const filterSpec = options.filter ?? o.filter;
    const vector = vectorSearchConfiguration({
      numberOfResults: o.k,
      overrideSearchType: o.overrideSearchType,
      filter: filterSpec ? toBedrockFilter(filterSpec) : undefined,
      rerankingConfiguration: o.rerankingConfiguration as
        | VectorSearchRerankingConfiguration
        | undefined,
    });
    const generation: NonNullable<
      NonNullable<
        RetrieveAndGenerateRequest["retrieveAndGenerateConfiguration"]
      >["knowledgeBaseConfiguration"]
    >["generationConfiguration"] = {};
    if (o.promptTemplate) generation.promptTemplate = { textPromptTemplate: o.promptTemplate };
    if (o.inference) generation.inferenceConfig = { textInferenceConfig: o.inference };
    if (o.guardrail) generation.guardrailConfiguration = o.guardrail;
    const sessionId = options.sessionId ?? this.#sessionId;
    const input: RetrieveAndGenerateRequest = {
      input: { text: question },
      retrieveAndGenerateConfiguration: {
        type: "KNOWLEDGE_BASE",
        knowledgeBaseConfiguration: {
          knowledgeBaseId: o.knowledgeBaseId,
          modelArn: o.modelArn,
          ...(Object.keys(vector).length > 0
            ? { retrievalConfiguration: { vectorSearchConfiguration: vector } }
            : {}),
          ...(Object.keys(generation).length > 0 ? { generationConfiguration: generation } : {}),
        },
      },
      ...(sessionId ? { sessionId } : {}),
    };
    const response = await withDeadline(
      options,
      o.timeoutMs ?? 120_000,
      "waiting for RetrieveAndGenerate",
      (signal) =>
        awsCall(
          {
            service: "BedrockAgentRuntime",
            operation: "RetrieveAndGenerate",
            iamAction: "bedrock:RetrieveAndGenerate",
          },
          async () => {
            const { sdk, client } = await this.#agentRuntime();
            return (await client.send(new sdk.RetrieveAndGenerateCommand(input), {
              abortSignal: signal,
            })) as RetrieveAndGenerateCommandOutput;
          },
        ),
    );
    this.#sessionId = response.sessionId;
    const chunks: RetrievedChunk[] = [];
    const indexOf = new Map<string, number>();
    const citations: KnowledgeBaseCitation[] = [];
    let ordinal = 0;
    for (const citation of response.citations ?? []) {
      const span = citation.generatedResponsePart?.textResponsePart?.span;
      for (const ref of citation.retrievedReferences ?? []) {
        const chunk = fromKnowledgeBaseResult(ref, ordinal++);
        // The same chunk cited twice keeps one entry; match on source + text since ids may be positional.
        const key = `${chunk.source ?? ""}\u0000${chunk.text}`;
        let index = indexOf.get(key);
        if (index === undefined) {
          chunks.push(chunk);
          index = chunks.length;
          indexOf.set(key, index);
        }
        const entry: KnowledgeBaseCitation = {
          index,
          chunkId: (chunks[index - 1] as RetrievedChunk).id,
        };
        if (chunk.source !== undefined) entry.source = chunk.source;
        if (span?.start !== undefined && span.end !== undefined)
          entry.span = { start: span.start, end: span.end };
        citations.push(entry);
      }
    }
    return {
      answer: response.output?.text ?? "",
      sessionId: response.sessionId ?? "",
      citations,
      chunks,
      guardrailIntervened: response.guardrailAction === "INTERVENED",
    };
  }
}
