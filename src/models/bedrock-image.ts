/**
 * {@link BedrockImageModel}: image generation and editing on Bedrock through InvokeModel, for
 * Titan Image Generator v2, Nova Canvas and Stability AI's SD3.5 Large, Stable Image Ultra and
 * Stable Image Core.
 *
 * @module
 */
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { z } from "zod";
import {
  type AwsClientConfig,
  AwsServiceError,
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
} from "../core/internal.js";
import {
  AMAZON_IMAGE_TASKS,
  type AmazonImageFamily,
  amazonImageBody,
  checkAmazonImageRequest,
  isAmazonContentFilterMessage,
  parseAmazonImageAnswer,
} from "./bedrock-image-amazon.js";
import {
  checkStabilityImageRequest,
  parseStabilityImageAnswer,
  type StabilityImageFamily,
  stabilityImageBody,
  stabilityTasks,
} from "./bedrock-image-stability.js";
import { invokeBedrockObject } from "./bedrock-invoke.js";
import {
  type GeneratedImage,
  ImageContentFilteredError,
  type ImageModel,
  type ImageRequest,
  ImageRequestIssues,
  type ImageResult,
  type ImageTask,
  parseImageRequest,
} from "./image-types.js";
import type { CallOptions } from "./types.js";

/**
 * The request format and limits of a Bedrock image model:
 * `titan-image-v2` (`amazon.titan-image-generator-v2:0`), `nova-canvas` (`amazon.nova-canvas-v1:0`),
 * `stability-sd35-large` (`stability.sd3-5-large-v1:0`), `stability-ultra`
 * (`stability.stable-image-ultra-v1:1`), `stability-core` (`stability.stable-image-core-v1:1`).
 */
export type BedrockImageFamily = AmazonImageFamily | StabilityImageFamily;

/** Options for {@link BedrockImageModel}. */
export interface BedrockImageModelOptions extends AwsClientConfig {
  /** The model id, an inference profile id (`us.stability...`) or an ARN. */
  modelId: string;
  /** The request format; detected from `modelId` when left out. */
  family?: BedrockImageFamily;
  /** A ready client; preferred. */
  client?: BedrockRuntimeClient;
  /** Deadline of one `generate` call, all InvokeModel calls together. Default 300 000 ms. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 300_000;
const FAMILIES = [
  "titan-image-v2",
  "nova-canvas",
  "stability-sd35-large",
  "stability-ultra",
  "stability-core",
] as const;

const optionsSchema = schemaFor<BedrockImageModelOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      modelId: z.string().min(1).max(2048).regex(/^\S+$/, "must not contain whitespace"),
      family: z.enum(FAMILIES).optional(),
      client: awsClientSchema<BedrockRuntimeClient>("BedrockRuntimeClient").optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

/** Picks the family from a model id, inference profile or ARN, or `undefined` when it cannot tell. */
export function imageFamilyOf(modelId: string): BedrockImageFamily | undefined {
  if (/amazon\.titan-image-generator-v2/.test(modelId)) return "titan-image-v2";
  if (/amazon\.nova-canvas/.test(modelId)) return "nova-canvas";
  if (/stability\.sd3-5-large/.test(modelId)) return "stability-sd35-large";
  if (/stability\.stable-image-ultra/.test(modelId)) return "stability-ultra";
  if (/stability\.stable-image-core/.test(modelId)) return "stability-core";
  return undefined;
}

function isAmazon(family: BedrockImageFamily): family is AmazonImageFamily {
  return family === "titan-image-v2" || family === "nova-canvas";
}

/**
 * An {@link ImageModel} on Bedrock. Every request is checked against the model's documented
 * limits before any call (a `ValidationError` names each bad field); a refusal by the model's
 * content filters is an {@link ImageContentFilteredError}; every returned image is checked to be
 * a real PNG/JPEG/WebP file.
 *
 * Titan and Nova make up to 5 images in one call. Stability models make one image per call, so
 * `count: n` sends n calls, one after the other, with seeds `seed`, `seed + 1`, ... when a seed
 * is given.
 *
 * @example
 * ```ts
 * const canvas = new BedrockImageModel({ modelId: "amazon.nova-canvas-v1:0", region: "us-east-1" });
 * const { images } = await canvas.generate({ prompt: "a lighthouse at dawn", width: 1024, height: 576, seed: 7 });
 *
 * const sd = new BedrockImageModel({ modelId: "stability.sd3-5-large-v1:0", region: "us-west-2" });
 * const wide = await sd.generate({ prompt: "a lighthouse at dawn", aspectRatio: "21:9" });
 * ```
 */
export class BedrockImageModel implements ImageModel {
  /** `bedrock:<modelId>`. */
  readonly id: string;
  /** The request format in use. */
  readonly family: BedrockImageFamily;
  /** The tasks this model offers. */
  readonly tasks: readonly ImageTask[];
  readonly #options: BedrockImageModelOptions;
  readonly #bedrock;

  constructor(options: BedrockImageModelOptions) {
    this.#options = parseOptions(optionsSchema, options, "BedrockImageModel options");
    const family = this.#options.family ?? imageFamilyOf(this.#options.modelId);
    if (family === undefined) {
      throw new ValidationError(
        `Invalid BedrockImageModel options: family: cannot tell the request format of "${redact(this.#options.modelId, 100)}"; set family to one of ${FAMILIES.join(", ")}.`,
        [{ path: "family", message: "required when the model id does not name the family" }],
      );
    }
    this.family = family;
    this.tasks = isAmazon(family) ? AMAZON_IMAGE_TASKS : stabilityTasks(family);
    const config = clientConfigFrom(this.#options);
    this.#bedrock = lazyAwsClient(
      bedrockRuntimeSdk,
      "BedrockImageModel",
      this.#options.client,
      (sdk) => new sdk.BedrockRuntimeClient(config),
    );
    this.id = `bedrock:${this.#options.modelId}`;
  }

  /** Checks the request, calls InvokeModel (once, or once per image for Stability) and decodes the images. */
  async generate(request: ImageRequest, options: CallOptions = {}): Promise<ImageResult> {
    const parsed = parseImageRequest(request);
    const issues = new ImageRequestIssues(`Bedrock model "${this.#options.modelId}"`);
    if (isAmazon(this.family)) checkAmazonImageRequest(this.family, parsed, issues);
    else checkStabilityImageRequest(this.family, parsed, issues);
    issues.throwIfAny();
    const family = this.family;
    return withDeadline(
      { signal: options.signal, timeoutMs: options.timeoutMs ?? this.#options.timeoutMs },
      DEFAULT_TIMEOUT_MS,
      `generating images with Bedrock model "${this.#options.modelId}"`,
      async (signal) => {
        if (isAmazon(family)) {
          const json = await this.#invoke(amazonImageBody(parsed), signal);
          return {
            images: parseAmazonImageAnswer(json, this.#options.modelId, parsed),
            metadata: { modelId: this.#options.modelId },
          };
        }
        const images: GeneratedImage[] = [];
        const finishReasons: unknown[] = [];
        for (let i = 0; i < (parsed.count ?? 1); i++) {
          const json = await this.#invoke(stabilityImageBody(parsed, i), signal);
          const answer = parseStabilityImageAnswer(json, this.#options.modelId);
          images.push(...answer.images);
          finishReasons.push(...answer.finishReasons);
        }
        return { images, metadata: { modelId: this.#options.modelId, finishReasons } };
      },
    );
  }

  async #invoke(
    body: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    try {
      return await invokeBedrockObject(this.#bedrock, this.#options.modelId, body, signal);
    } catch (err) {
      // Titan and Nova refuse filtered prompts and images with a ValidationException.
      if (
        err instanceof AwsServiceError &&
        err.details.errorName === "ValidationException" &&
        isAmazonContentFilterMessage(err.message)
      ) {
        throw new ImageContentFilteredError(this.#options.modelId, "blocked by content filters", {
          cause: err,
        });
      }
      throw err;
    }
  }
}
