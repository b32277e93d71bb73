/**
 * {@link SageMakerEmbeddingModel}: text embeddings from a SageMaker real-time endpoint.
 *
 * @module
 */
import type { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { z } from "zod";
import { type AwsClientConfig, parseOptions, withDeadline } from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  lazyAwsClient,
  parseJsonBody,
  sageMakerRuntimeSdk,
  schemaFor,
  toEmbeddings,
} from "../core/internal.js";
import { invokeEndpoint } from "./sagemaker-invoke.js";
import type { CallOptions, EmbeddingModel } from "./types.js";

/**
 * Request/response shapes of embedding containers:
 * - `"tei"`: Hugging Face Text Embeddings Inference: `{ inputs: string[] }` -> `number[][]`;
 * - `"jumpstart"`: JumpStart text-embedding models: `{ text_inputs: string[] }` -> `{ embedding: number[][] }`.
 */
export type SageMakerEmbeddingFormat = "tei" | "jumpstart";

/** Options for {@link SageMakerEmbeddingModel}. */
export interface SageMakerEmbeddingModelOptions extends AwsClientConfig {
  /** The endpoint's name. */
  endpointName: string;
  /** The container's request/response shape. */
  format: SageMakerEmbeddingFormat;
  /** Length of the vectors the model returns (checked on every answer). */
  dimensions: number;
  /** Texts per InvokeEndpoint call. Default 32. */
  batchSize?: number;
  /** A ready client; preferred. */
  client?: SageMakerRuntimeClient;
  /** Endpoints with inference components: the component to invoke. */
  inferenceComponentName?: string;
  /** Extra fields merged into every request body (e.g. `{ normalize: true, truncate: true }` for TEI). */
  parameters?: Record<string, unknown>;
  /** Deadline for one `embed` call, all batches together. Default 120 000 ms. */
  timeoutMs?: number;
}

const optionsSchema = schemaFor<SageMakerEmbeddingModelOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      endpointName: z.string().min(1).max(63),
      format: z.enum(["tei", "jumpstart"]),
      dimensions: z.int().positive(),
      batchSize: z.int().min(1).max(1024).optional(),
      client: awsClientSchema<SageMakerRuntimeClient>("SageMakerRuntimeClient").optional(),
      inferenceComponentName: z.string().min(1).optional(),
      parameters: z.record(z.string(), z.unknown()).optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

/**
 * An {@link EmbeddingModel} on a SageMaker endpoint hosting a text-embedding container.
 *
 * @example
 * ```ts
 * const embedder = new SageMakerEmbeddingModel({ endpointName: "bge-base", format: "tei", dimensions: 768 });
 * const [vector] = await embedder.embed(["What is Amazon Athena?"]);
 * ```
 */
export class SageMakerEmbeddingModel implements EmbeddingModel {
  /** `sagemaker:<endpoint>`. */
  readonly id: string;
  /** Length of every returned vector. */
  readonly dimensions: number;
  readonly #options: SageMakerEmbeddingModelOptions;
  readonly #runtime;

  constructor(options: SageMakerEmbeddingModelOptions) {
    this.#options = parseOptions(optionsSchema, options, "SageMakerEmbeddingModel options");
    const config = clientConfigFrom(this.#options);
    this.#runtime = lazyAwsClient(
      sageMakerRuntimeSdk,
      "SageMakerEmbeddingModel",
      this.#options.client,
      (sdk) => new sdk.SageMakerRuntimeClient(config),
    );
    this.dimensions = this.#options.dimensions;
    this.id = `sagemaker:${this.#options.endpointName}`;
  }

  /** Embeds `texts` in batches of `batchSize`, one InvokeEndpoint call per batch, in order. */
  async embed(texts: string[], options: CallOptions = {}): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const batchSize = this.#options.batchSize ?? 32;
    return withDeadline(
      { signal: options.signal, timeoutMs: options.timeoutMs ?? this.#options.timeoutMs },
      120_000,
      `embedding ${texts.length} texts on SageMaker endpoint "${this.#options.endpointName}"`,
      async (signal) => {
        const vectors: Float32Array[] = [];
        for (let start = 0; start < texts.length; start += batchSize) {
          vectors.push(...(await this.#embedBatch(texts.slice(start, start + batchSize), signal)));
        }
        return vectors;
      },
    );
  }

  async #embedBatch(texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
    const { format, parameters, endpointName, inferenceComponentName } = this.#options;
    const body =
      format === "tei" ? { inputs: texts, ...parameters } : { text_inputs: texts, ...parameters };
    const output = await invokeEndpoint(
      this.#runtime,
      {
        EndpointName: endpointName,
        ContentType: "application/json",
        Accept: "application/json",
        Body: new TextEncoder().encode(JSON.stringify(body)),
        ...(inferenceComponentName ? { InferenceComponentName: inferenceComponentName } : {}),
      },
      signal,
    );
    const json = parseJsonBody(output.Body, `Embedding endpoint "${endpointName}"`);
    const raw = format === "tei" ? json : (json as { embedding?: unknown } | null)?.embedding;
    return toEmbeddings(raw, {
      expected: texts.length,
      dimensions: this.dimensions,
      source: `endpoint "${endpointName}"`,
    });
  }
}
