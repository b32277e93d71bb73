/**
 * {@link BedrockEmbeddingModel}: text embeddings from Amazon Titan Text Embeddings V2 and Cohere
 * Embed on Bedrock, through InvokeModel.
 *
 * @module
 */
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { z } from "zod";
import {
  type AwsClientConfig,
  parseOptions,
  redact,
  ValidationError,
  withDeadline,
} from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  bedrockRuntimeSdk,
  clientConfigFrom,
  lazyAwsClient,
  schemaFor,
  toEmbedding,
  toEmbeddings,
} from "../core/internal.js";
import { bedrockModelSource, invokeBedrockObject } from "./bedrock-invoke.js";
import { checkEmbeddingTexts, mapBounded } from "./embedding-input.js";
import type { CallOptions, EmbeddingModel } from "./types.js";

/**
 * The request/response shape of a Bedrock embedding model:
 * - `"titan-v2"`: Amazon Titan Text Embeddings V2, one text per call,
 *   `{ inputText, dimensions, normalize }` -> `{ embedding, inputTextTokenCount }`;
 * - `"cohere"`: Cohere Embed (English / multilingual v3), up to 96 texts per call,
 *   `{ texts, input_type, truncate, embedding_types: ["float"] }` -> `{ embeddings: { float } }`.
 */
export type BedrockEmbeddingFamily = "titan-v2" | "cohere";

/** What a Cohere embedding is for; documents and queries must be embedded with matching types. */
export type CohereInputType = "search_document" | "search_query" | "classification" | "clustering";

/** Options for {@link BedrockEmbeddingModel}. */
export interface BedrockEmbeddingModelOptions extends AwsClientConfig {
  /** E.g. `amazon.titan-embed-text-v2:0`, `cohere.embed-english-v3`, or an ARN of either. */
  modelId: string;
  /** The model's request shape; detected from `modelId` when left out. */
  family?: BedrockEmbeddingFamily;
  /**
   * Length of the vectors (checked on every answer). Titan V2: 256, 512 or 1024 (default 1024,
   * sent with the request). Cohere: the model's fixed size (default 1024, English and multilingual v3).
   */
  dimensions?: number;
  /** Titan V2: return unit-length vectors. Default true. */
  normalize?: boolean;
  /** Cohere: what the vectors are for. Default `search_document`; use `search_query` for queries. */
  inputType?: CohereInputType;
  /** Cohere: how to cut texts over the model's token limit. Default: the service's (`NONE`, an error). */
  truncate?: "NONE" | "START" | "END";
  /** Cohere: texts per InvokeModel call, 1 to 96. Default 96. */
  batchSize?: number;
  /** InvokeModel calls in flight at once for one `embed` call. Default 4. */
  concurrency?: number;
  /** A ready client; preferred. */
  client?: BedrockRuntimeClient;
  /** Deadline of one `embed` call, all requests together. Default 120 000 ms. */
  timeoutMs?: number;
}

const COHERE_MAX_TEXTS = 96;
const DEFAULT_TIMEOUT_MS = 120_000;

const optionsSchema = schemaFor<BedrockEmbeddingModelOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      modelId: z.string().min(1).max(2048).regex(/^\S+$/, "must not contain whitespace"),
      family: z.enum(["titan-v2", "cohere"]).optional(),
      dimensions: z.int().positive().max(16_384).optional(),
      normalize: z.boolean().optional(),
      inputType: z
        .enum(["search_document", "search_query", "classification", "clustering"])
        .optional(),
      truncate: z.enum(["NONE", "START", "END"]).optional(),
      batchSize: z.int().min(1).max(COHERE_MAX_TEXTS).optional(),
      concurrency: z.int().min(1).max(64).optional(),
      client: awsClientSchema<BedrockRuntimeClient>("BedrockRuntimeClient").optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

/** Picks the family from a model id or ARN, or `undefined` when it cannot tell. */
export function embeddingFamilyOf(modelId: string): BedrockEmbeddingFamily | undefined {
  if (/amazon\.titan-embed-text-v2/.test(modelId)) return "titan-v2";
  if (/cohere\.embed-/.test(modelId)) return "cohere";
  return undefined;
}

/**
 * An {@link EmbeddingModel} on Bedrock: Titan Text Embeddings V2 (one InvokeModel call per text,
 * `concurrency` at a time) or Cohere Embed (up to 96 texts per call). Every vector is checked to
 * have `dimensions` numbers.
 *
 * @example
 * ```ts
 * const titan = new BedrockEmbeddingModel({ modelId: "amazon.titan-embed-text-v2:0", dimensions: 512 });
 * const [doc] = await titan.embed(["Athena queries data in S3."]);
 *
 * const cohere = new BedrockEmbeddingModel({ modelId: "cohere.embed-english-v3", inputType: "search_query" });
 * const [query] = await cohere.embed(["what queries S3?"]);
 * ```
 */
export class BedrockEmbeddingModel implements EmbeddingModel {
  /** `bedrock:<modelId>`. */
  readonly id: string;
  /** Length of every returned vector. */
  readonly dimensions: number;
  /** The request shape in use. */
  readonly family: BedrockEmbeddingFamily;
  readonly #options: BedrockEmbeddingModelOptions;
  readonly #bedrock;

  constructor(options: BedrockEmbeddingModelOptions) {
    this.#options = parseOptions(optionsSchema, options, "BedrockEmbeddingModel options");
    const family = this.#options.family ?? embeddingFamilyOf(this.#options.modelId);
    if (family === undefined) {
      throw new ValidationError(
        `Invalid BedrockEmbeddingModel options: family: cannot tell the request format of "${redact(this.#options.modelId, 100)}"; set family to "titan-v2" or "cohere".`,
        [{ path: "family", message: "required when the model id does not name the family" }],
      );
    }
    this.family = family;
    this.dimensions = this.#options.dimensions ?? 1024;
    if (family === "titan-v2" && ![256, 512, 1024].includes(this.dimensions)) {
      throw new ValidationError(
        `Invalid BedrockEmbeddingModel options: dimensions: Titan Text Embeddings V2 returns 256, 512 or 1024 numbers; got ${this.dimensions}.`,
        [{ path: "dimensions", message: "must be 256, 512 or 1024" }],
      );
    }
    for (const [field, applies] of [
      ["normalize", family === "titan-v2"],
      ["inputType", family === "cohere"],
      ["truncate", family === "cohere"],
      ["batchSize", family === "cohere"],
    ] as const) {
      if (!applies && this.#options[field] !== undefined) {
        throw new ValidationError(
          `Invalid BedrockEmbeddingModel options: ${field}: does not apply to ${family} models; remove it.`,
          [{ path: field, message: `not supported by ${family}` }],
        );
      }
    }
    const config = clientConfigFrom(this.#options);
    this.#bedrock = lazyAwsClient(
      bedrockRuntimeSdk,
      "BedrockEmbeddingModel",
      this.#options.client,
      (sdk) => new sdk.BedrockRuntimeClient(config),
    );
    this.id = `bedrock:${this.#options.modelId}`;
  }

  /** Embeds each text; one vector per input, in order. */
  async embed(texts: string[], options: CallOptions = {}): Promise<Float32Array[]> {
    checkEmbeddingTexts(texts, "Bedrock embedding models reject empty input");
    if (texts.length === 0) return [];
    const batches =
      this.family === "titan-v2"
        ? texts.map((t) => [t])
        : chunk(texts, this.#options.batchSize ?? COHERE_MAX_TEXTS);
    return withDeadline(
      { signal: options.signal, timeoutMs: options.timeoutMs ?? this.#options.timeoutMs },
      DEFAULT_TIMEOUT_MS,
      `embedding ${texts.length} texts with Bedrock model "${this.#options.modelId}"`,
      async (signal) => {
        const results = await mapBounded(
          batches,
          this.#options.concurrency ?? 4,
          signal,
          (batch, s) =>
            this.family === "titan-v2"
              ? this.#titan(batch[0] as string, s)
              : this.#cohere(batch, s),
        );
        return results.flat();
      },
    );
  }

  async #titan(text: string, signal: AbortSignal): Promise<Float32Array[]> {
    const json = await this.#invoke(
      { inputText: text, dimensions: this.dimensions, normalize: this.#options.normalize ?? true },
      signal,
    );
    return [toEmbedding(json.embedding, { dimensions: this.dimensions, source: this.#source() })];
  }

  async #cohere(texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
    const body: Record<string, unknown> = {
      texts,
      input_type: this.#options.inputType ?? "search_document",
      embedding_types: ["float"],
    };
    if (this.#options.truncate !== undefined) body.truncate = this.#options.truncate;
    const json = await this.#invoke(body, signal);
    // With embedding_types the answer is { embeddings: { float: [...] } }; older answers are a plain array.
    const embeddings = json.embeddings;
    const raw =
      typeof embeddings === "object" && embeddings !== null && !Array.isArray(embeddings)
        ? (embeddings as { float?: unknown }).float
        : embeddings;
    return toEmbeddings(raw, {
      expected: texts.length,
      dimensions: this.dimensions,
      source: this.#source(),
    });
  }

  #invoke(body: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    return invokeBedrockObject(this.#bedrock, this.#options.modelId, body, signal);
  }

  #source(): string {
    return bedrockModelSource(this.#options.modelId);
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
