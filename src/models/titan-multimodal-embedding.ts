/**
 * {@link TitanMultimodalEmbeddingModel}: Amazon Titan Multimodal Embeddings G1 on Bedrock, which
 * puts texts and images in one vector space, so images can be searched by text.
 *
 * @module
 */
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { z } from "zod";
import {
  type AwsClientConfig,
  FmopsError,
  parseOptions,
  redact,
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
} from "../core/internal.js";
import { bedrockModelSource, invokeBedrockJson } from "./bedrock-invoke.js";
import { checkEmbeddingTexts, mapBounded } from "./embedding-input.js";
import { toBase64 } from "./image-bytes.js";
import { ImageRequestIssues } from "./image-types.js";
import type { CallOptions, EmbeddingModel } from "./types.js";

/** Options for {@link TitanMultimodalEmbeddingModel}. */
export interface TitanMultimodalEmbeddingModelOptions extends AwsClientConfig {
  /** Default `amazon.titan-embed-image-v1`; an inference profile or ARN of it also works. */
  modelId?: string;
  /** Vector length: 256, 384 or 1024 (default), sent as `embeddingConfig.outputEmbeddingLength`. */
  dimensions?: 256 | 384 | 1024;
  /** InvokeModel calls in flight at once for one `embed`/`embedImages` call. Default 4. */
  concurrency?: number;
  /** A ready client; preferred. */
  client?: BedrockRuntimeClient;
  /** Deadline of one call, all requests together. Default 120 000 ms. */
  timeoutMs?: number;
}

/** One image to embed, with an optional caption embedded together with it. */
export interface ImageToEmbed {
  /** PNG or JPEG bytes, at most 25 MB. */
  bytes: Uint8Array;
  /** Text describing the image; the vector then reflects both. */
  caption?: string;
}

const MAX_IMAGE_BYTES = 25 * 1024 * 1024;
const DEFAULT_MODEL = "amazon.titan-embed-image-v1";

const optionsSchema = schemaFor<TitanMultimodalEmbeddingModelOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      modelId: z.string().min(1).max(2048).regex(/^\S+$/, "must not contain whitespace").optional(),
      dimensions: z.union([z.literal(256), z.literal(384), z.literal(1024)]).optional(),
      concurrency: z.int().min(1).max(64).optional(),
      client: awsClientSchema<BedrockRuntimeClient>("BedrockRuntimeClient").optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

/**
 * An {@link EmbeddingModel} over Titan Multimodal Embeddings: `embed(texts)` embeds texts and
 * `embedImages(images)` embeds images (optionally with a caption) into the same space, so a
 * text query's vector can be compared with image vectors in any vector store. One InvokeModel
 * call per input, `concurrency` at a time; every vector is checked to have `dimensions` numbers.
 *
 * @example
 * ```ts
 * const titan = new TitanMultimodalEmbeddingModel({ dimensions: 384 });
 * const store = new InMemoryVectorStore({ dimensions: titan.dimensions });
 * const vectors = await titan.embedImages(files.map((f) => ({ bytes: f.bytes })));
 * await store.add(files.map((f, i) => ({ id: f.name, text: f.name, vector: vectors[i] })));
 * const [query] = await titan.embed(["a red bicycle"]);
 * ```
 */
export class TitanMultimodalEmbeddingModel implements EmbeddingModel {
  /** `bedrock:<modelId>`. */
  readonly id: string;
  /** Length of every returned vector. */
  readonly dimensions: number;
  readonly #options: TitanMultimodalEmbeddingModelOptions;
  readonly #modelId: string;
  readonly #bedrock;

  constructor(options: TitanMultimodalEmbeddingModelOptions = {}) {
    this.#options = parseOptions(optionsSchema, options, "TitanMultimodalEmbeddingModel options");
    this.#modelId = this.#options.modelId ?? DEFAULT_MODEL;
    this.dimensions = this.#options.dimensions ?? 1024;
    const config = clientConfigFrom(this.#options);
    this.#bedrock = lazyAwsClient(
      bedrockRuntimeSdk,
      "TitanMultimodalEmbeddingModel",
      this.#options.client,
      (sdk) => new sdk.BedrockRuntimeClient(config),
    );
    this.id = `bedrock:${this.#modelId}`;
  }

  /** Embeds each text (`inputText`); one vector per input, in order. */
  async embed(texts: string[], options: CallOptions = {}): Promise<Float32Array[]> {
    checkEmbeddingTexts(texts, "the model rejects empty input");
    return this.#embedAll(
      texts.map((inputText) => ({ inputText })),
      options,
    );
  }

  /**
   * Embeds each image (`inputImage`, with `inputText` when a caption is given) into the same
   * space as {@link embed}. Images must be PNG or JPEG of at most 25 MB: checked before any call.
   */
  async embedImages(images: ImageToEmbed[], options: CallOptions = {}): Promise<Float32Array[]> {
    const issues = new ImageRequestIssues(`Bedrock model "${this.#modelId}"`);
    issues.check(!Array.isArray(images), "images", "must be an array of { bytes, caption? }");
    const list = Array.isArray(images) ? images : [];
    list.forEach((image, i) => {
      const bytes = (image as ImageToEmbed | undefined)?.bytes;
      issues.check(!(bytes instanceof Uint8Array), `images.${i}.bytes`, "must be a Uint8Array");
      if (bytes instanceof Uint8Array) {
        issues.image(bytes, `images.${i}.bytes`, {
          formats: ["image/png", "image/jpeg"],
          maxBytes: MAX_IMAGE_BYTES,
        });
      }
      if (image?.caption !== undefined) {
        issues.check(
          typeof image.caption !== "string" || image.caption.trim() === "",
          `images.${i}.caption`,
          "must be a non-blank string when given",
        );
      }
    });
    issues.throwIfAny();
    return this.#embedAll(
      list.map((image) => ({
        inputImage: toBase64(image.bytes),
        ...(image.caption !== undefined ? { inputText: image.caption } : {}),
      })),
      options,
    );
  }

  async #embedAll(
    inputs: Record<string, unknown>[],
    options: CallOptions,
  ): Promise<Float32Array[]> {
    if (inputs.length === 0) return [];
    return withDeadline(
      { signal: options.signal, timeoutMs: options.timeoutMs ?? this.#options.timeoutMs },
      120_000,
      `embedding ${inputs.length} inputs with Bedrock model "${this.#modelId}"`,
      (signal) =>
        mapBounded(inputs, this.#options.concurrency ?? 4, signal, (input, s) =>
          this.#invoke(input, s),
        ),
    );
  }

  async #invoke(input: Record<string, unknown>, signal: AbortSignal): Promise<Float32Array> {
    const body = { ...input, embeddingConfig: { outputEmbeddingLength: this.dimensions } };
    const source = bedrockModelSource(this.#modelId);
    const json = (await invokeBedrockJson(this.#bedrock, this.#modelId, body, signal)) as {
      embedding?: unknown;
      message?: unknown;
    };
    if (typeof json !== "object" || json === null || json.embedding === undefined) {
      const said = typeof json?.message === "string" ? json.message : JSON.stringify(json);
      throw new FmopsError(
        "UNEXPECTED_RESPONSE",
        `${source} returned no embedding: ${redact(said)}`,
      );
    }
    return toEmbedding(json.embedding, { dimensions: this.dimensions, source });
  }
}
