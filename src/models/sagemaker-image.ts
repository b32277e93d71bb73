/**
 * {@link SageMakerImageModel}: image generation on a SageMaker endpoint serving a diffusion
 * model: a JumpStart Stable Diffusion container (JSON in, base64 images out), a Triton Python
 * backend behind a multi-model endpoint (KServe v2 `BYTES` tensors, `TargetModel`), or either of
 * them behind an asynchronous endpoint whose result lands in S3.
 *
 * @module
 */
import type { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { z } from "zod";
import {
  type AwsClientConfig,
  FmopsError,
  parseOptions,
  redact,
  ValidationError,
  withDeadline,
} from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  lazyAwsClient,
  parseJsonBody,
  sageMakerEndpointNameSchema,
  sageMakerRuntimeSdk,
  schemaFor,
} from "../core/internal.js";
import { fromBase64, toBase64 } from "./image-bytes.js";
import {
  type GeneratedImage,
  generatedImage,
  type ImageModel,
  type ImageRequest,
  ImageRequestIssues,
  type ImageResult,
  type ImageTask,
  parseImageRequest,
} from "./image-types.js";
import { invokeEndpoint } from "./sagemaker-invoke.js";
import type { CallOptions } from "./types.js";

/**
 * The serving container's request/response shape:
 * - `"jumpstart"`: JumpStart / Marketplace Stable Diffusion 3.5:
 *   `{ prompt, negative_prompt?, seed?, aspect_ratio?, output_format? }` in, base64 images at
 *   `body.images` (or `images`) out, one image per call;
 * - `"triton"`: a Triton Python-backend diffusion model (usually on a multi-model endpoint, picked
 *   with `targetModel`): KServe v2 JSON `{ inputs: [{ name, shape, datatype: "BYTES", data }] }`
 *   with `prompt`, `negative_prompt`, `image`, `mask_image` (base64) and `gen_args` (JSON), and
 *   the base64 images in the `generated_image` output.
 */
export type SageMakerImageFormat = "jumpstart" | "triton";

/** What a Stable Diffusion container accepts as an output aspect ratio (JumpStart format). */
const JUMPSTART_ASPECT_RATIOS = [
  "16:9",
  "1:1",
  "21:9",
  "2:3",
  "3:2",
  "4:5",
  "5:4",
  "9:16",
  "9:21",
] as const;

/** The largest seed a diffusers pipeline takes (a 32-bit generator seed). */
const SEED_MAX = 4_294_967_295;

/**
 * An asynchronous endpoint to send requests through instead of InvokeEndpoint: an
 * `AsyncEndpoint` from `fmops/async` fits (it uploads the payload, calls InvokeEndpointAsync and
 * polls S3 for the result).
 */
export interface AsyncImageEndpoint {
  /** The async endpoint's name. */
  readonly endpointName: string;
  /** Submits one payload, as `AsyncEndpoint.invoke` does. */
  invoke(
    payload: Uint8Array,
    options: { contentType: string; accept: string; signal?: AbortSignal; timeoutMs?: number },
  ): Promise<{
    /** The id SageMaker gave the request. */
    readonly inferenceId: string;
    /** Where the result will land. */
    readonly outputLocation: string;
    /** Polls for the output (or failure) object. */
    wait(options: { signal?: AbortSignal; timeoutMs?: number }): Promise<{
      /** Reads the output object. */
      bytes(options?: { signal?: AbortSignal }): Promise<Uint8Array>;
    }>;
  }>;
}

/** Options for {@link SageMakerImageModel}. */
export interface SageMakerImageModelOptions extends AwsClientConfig {
  /** The endpoint's name. */
  endpointName: string;
  /** The container's request/response shape. */
  format: SageMakerImageFormat;
  /** Multi-model endpoints: the model artifact to invoke, e.g. `sd_base.tar.gz`. */
  targetModel?: string;
  /** Endpoints with inference components: the component to invoke. */
  inferenceComponentName?: string;
  /** A ready client; preferred. */
  client?: SageMakerRuntimeClient;
  /**
   * Send requests through this asynchronous endpoint (e.g. an `AsyncEndpoint` from
   * `fmops/async`) instead of InvokeEndpoint; the images are read from its S3 output object.
   */
  asyncEndpoint?: AsyncImageEndpoint;
  /** Triton: extra pipeline arguments merged into `gen_args` (e.g. `{ num_inference_steps: 30 }`). */
  parameters?: Record<string, unknown>;
  /**
   * Deadline of one `generate` call, submitting and waiting included. Default 300 000 ms
   * (5 minutes); 900 000 ms (15 minutes) with `asyncEndpoint`.
   */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 300_000;
/** Async endpoints queue work and scale from zero: the same 15 minutes `AsyncEndpoint.wait` allows. */
const DEFAULT_ASYNC_TIMEOUT_MS = 900_000;
const fn = (v: unknown) => typeof v === "function";

const optionsSchema = schemaFor<SageMakerImageModelOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      endpointName: sageMakerEndpointNameSchema,
      format: z.enum(["jumpstart", "triton"]),
      targetModel: z.string().min(1).max(1024).optional(),
      inferenceComponentName: z.string().min(1).optional(),
      client: awsClientSchema<SageMakerRuntimeClient>("SageMakerRuntimeClient").optional(),
      asyncEndpoint: z
        .custom<AsyncImageEndpoint>(
          (v) => typeof v === "object" && v !== null && fn((v as AsyncImageEndpoint).invoke),
          "must be an async endpoint (an AsyncEndpoint from fmops/async)",
        )
        .optional(),
      parameters: z.record(z.string(), z.unknown()).optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

const TASKS: Record<SageMakerImageFormat, readonly ImageTask[]> = {
  jumpstart: ["textToImage"],
  triton: ["textToImage", "imageToImage", "inpainting"],
};

/** One KServe v2 tensor of one string, as the Triton Python backend reads `TYPE_STRING` inputs. */
function bytesTensor(name: string, value: string) {
  return { name, shape: [1, 1], datatype: "BYTES", data: [value] };
}

/**
 * An {@link ImageModel} on a SageMaker endpoint. The request is checked before any call: the
 * task must be one the format carries, the prompt present, the seed a 32-bit value, and for
 * Triton the pixel size a multiple of 8 (what diffusers pipelines take) and the input images
 * PNG or JPEG.
 *
 * @example
 * ```ts
 * // Triton multi-model endpoint serving several Stable Diffusion models
 * const sd = new SageMakerImageModel({ endpointName: "sd-mme", format: "triton", targetModel: "sd_base.tar.gz" });
 * const { images } = await sd.generate({ prompt: "an infinity pool", width: 512, height: 512, seed: 1 });
 *
 * // JumpStart SD3.5 behind an asynchronous endpoint: the image lands in S3
 * const asyncSd = new SageMakerImageModel({
 *   endpointName: "sd35-async",
 *   format: "jumpstart",
 *   asyncEndpoint: new AsyncEndpoint({ endpointName: "sd35-async", inputLocation: "s3://bucket/in/" }),
 * });
 * ```
 */
export class SageMakerImageModel implements ImageModel {
  /** `sagemaker:<endpoint>`, with `#<target model>` when set. */
  readonly id: string;
  /** The tasks the format carries. */
  readonly tasks: readonly ImageTask[];
  readonly #options: SageMakerImageModelOptions;
  readonly #runtime;

  constructor(options: SageMakerImageModelOptions) {
    this.#options = parseOptions(optionsSchema, options, "SageMakerImageModel options");
    const { asyncEndpoint, endpointName, targetModel, format } = this.#options;
    if (asyncEndpoint !== undefined) {
      const problems: { path: string; message: string }[] = [];
      if (asyncEndpoint.endpointName !== endpointName) {
        problems.push({
          path: "asyncEndpoint",
          message: `is for endpoint "${asyncEndpoint.endpointName}", not "${endpointName}"`,
        });
      }
      if (targetModel !== undefined) {
        problems.push({
          path: "targetModel",
          message:
            "InvokeEndpointAsync has no TargetModel: multi-model endpoints are real-time only",
        });
      }
      if (problems.length > 0) {
        throw new ValidationError(
          `Invalid SageMakerImageModel options: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}.`,
          problems,
        );
      }
    }
    this.tasks = TASKS[format];
    const config = clientConfigFrom(this.#options);
    this.#runtime = lazyAwsClient(
      sageMakerRuntimeSdk,
      "SageMakerImageModel",
      this.#options.client,
      (sdk) => new sdk.SageMakerRuntimeClient(config),
    );
    this.id = `sagemaker:${endpointName}${targetModel ? `#${targetModel}` : ""}`;
  }

  /** Checks the request, invokes the endpoint (or submits it and waits), and decodes the images. */
  async generate(request: ImageRequest, options: CallOptions = {}): Promise<ImageResult> {
    const parsed = parseImageRequest(request);
    this.#check(parsed);
    return withDeadline(
      { signal: options.signal, timeoutMs: options.timeoutMs ?? this.#options.timeoutMs },
      this.#options.asyncEndpoint ? DEFAULT_ASYNC_TIMEOUT_MS : DEFAULT_TIMEOUT_MS,
      `generating images on SageMaker endpoint "${this.#options.endpointName}"`,
      async (signal) => {
        if (this.#options.format === "triton") {
          const { json, metadata } = await this.#send(this.#tritonBody(parsed), signal);
          return { images: this.#tritonImages(json, parsed), metadata };
        }
        const images: GeneratedImage[] = [];
        let metadata: Record<string, unknown> = {};
        for (let i = 0; i < (parsed.count ?? 1); i++) {
          const answer = await this.#send(this.#jumpStartBody(parsed, i), signal);
          images.push(...this.#jumpStartImages(answer.json, parsed, i));
          metadata = answer.metadata;
        }
        return { images, metadata };
      },
    );
  }

  #check(request: ImageRequest & { task: ImageTask }): void {
    const { format } = this.#options;
    const issues = new ImageRequestIssues(`SageMaker endpoint "${this.#options.endpointName}"`);
    const why = `by the ${format} format`;
    issues.check(
      !this.tasks.includes(request.task),
      "task",
      `${request.task} is not offered ${why}`,
    );
    issues.text(request.prompt, "prompt", 100_000, true);
    issues.text(request.negativePrompt, "negativePrompt", 100_000);
    issues.range(request.seed, "seed", 0, SEED_MAX);
    for (const field of [
      "quality",
      "maskPrompt",
      "outpaintingMode",
      "colors",
      "similarityStrength",
    ] as const) {
      issues.unsupported(request[field], field, why);
    }
    if (format === "jumpstart") {
      issues.range(request.count, "count", 1, 10);
      for (const field of [
        "width",
        "height",
        "cfgScale",
        "images",
        "maskImage",
        "strength",
      ] as const) {
        issues.unsupported(request[field], field, `${why} (set aspectRatio instead of a size)`);
      }
      if (request.aspectRatio !== undefined) {
        issues.check(
          !(JUMPSTART_ASPECT_RATIOS as readonly string[]).includes(request.aspectRatio),
          "aspectRatio",
          `must be one of ${JUMPSTART_ASPECT_RATIOS.join(", ")}`,
        );
      }
      issues.throwIfAny();
      return;
    }
    issues.range(request.count, "count", 1, 8);
    issues.unsupported(request.aspectRatio, "aspectRatio", `${why} (set width and height)`);
    issues.unsupported(request.outputFormat, "outputFormat", why);
    for (const side of ["width", "height"] as const) {
      const value = request[side];
      if (value !== undefined) {
        issues.check(
          value % 8 !== 0,
          side,
          `must be a multiple of 8 for a diffusion pipeline; got ${value}`,
        );
      }
    }
    const images = request.images ?? [];
    const needsImage = request.task !== "textToImage";
    issues.check(
      needsImage ? images.length !== 1 : images.length > 0,
      "images",
      needsImage ? "give exactly one source image" : "not supported for textToImage",
    );
    images.forEach((image, i) => {
      issues.image(image, `images.${i}`, { formats: ["image/png", "image/jpeg"] });
    });
    if (request.task === "inpainting") {
      issues.check(request.maskImage === undefined, "maskImage", "is required for inpainting");
      issues.image(request.maskImage, "maskImage", { formats: ["image/png", "image/jpeg"] });
    } else {
      issues.unsupported(request.maskImage, "maskImage", `for ${request.task}`);
    }
    if (request.task === "imageToImage") issues.range(request.strength, "strength", 0, 1);
    else issues.unsupported(request.strength, "strength", `for ${request.task}`);
    issues.throwIfAny();
  }

  #jumpStartBody(request: ImageRequest, index: number): Record<string, unknown> {
    const body: Record<string, unknown> = { prompt: request.prompt };
    if (request.negativePrompt !== undefined) body.negative_prompt = request.negativePrompt;
    if (request.seed !== undefined) body.seed = request.seed + index;
    if (request.aspectRatio !== undefined) body.aspect_ratio = request.aspectRatio;
    body.output_format = request.outputFormat ?? "png";
    return body;
  }

  #tritonBody(request: ImageRequest): Record<string, unknown> {
    const genArgs: Record<string, unknown> = { ...this.#options.parameters };
    if (request.width !== undefined) genArgs.width = request.width;
    if (request.height !== undefined) genArgs.height = request.height;
    if (request.cfgScale !== undefined) genArgs.guidance_scale = request.cfgScale;
    if (request.seed !== undefined) genArgs.seed = request.seed;
    if (request.strength !== undefined) genArgs.strength = request.strength;
    if (request.count !== undefined) genArgs.num_images_per_prompt = request.count;
    const inputs = [bytesTensor("prompt", request.prompt as string)];
    if (request.negativePrompt !== undefined)
      inputs.push(bytesTensor("negative_prompt", request.negativePrompt));
    const image = request.images?.[0];
    if (image !== undefined) inputs.push(bytesTensor("image", toBase64(image)));
    if (request.maskImage !== undefined)
      inputs.push(bytesTensor("mask_image", toBase64(request.maskImage)));
    inputs.push(bytesTensor("gen_args", JSON.stringify(genArgs)));
    return { inputs };
  }

  #jumpStartImages(json: unknown, request: ImageRequest, index: number): GeneratedImage[] {
    const source = this.#source();
    const root = (json ?? {}) as {
      body?: { images?: unknown; seeds?: unknown };
      images?: unknown;
      seeds?: unknown;
    };
    const holder = typeof root.body === "object" && root.body !== null ? root.body : root;
    if (!Array.isArray(holder.images) || holder.images.length === 0) {
      throw new FmopsError(
        "UNEXPECTED_RESPONSE",
        `${source} answered without images (expected body.images): ${redact(JSON.stringify(json))}. Check the endpoint's format option.`,
      );
    }
    const seeds = Array.isArray(holder.seeds) ? holder.seeds : [];
    return holder.images.map((b64, i) => {
      const reported = Number(seeds[i]);
      const seed = Number.isSafeInteger(reported)
        ? reported
        : request.seed !== undefined
          ? request.seed + index
          : undefined;
      return generatedImage(fromBase64(b64, source), source, seed);
    });
  }

  #tritonImages(json: unknown, request: ImageRequest): GeneratedImage[] {
    const source = this.#source();
    const outputs = (json as { outputs?: unknown } | null)?.outputs;
    const tensor = Array.isArray(outputs)
      ? (outputs.find((o) => (o as { name?: unknown })?.name === "generated_image") ?? outputs[0])
      : undefined;
    const data = (tensor as { data?: unknown } | undefined)?.data;
    if (!Array.isArray(data) || data.length === 0) {
      throw new FmopsError(
        "UNEXPECTED_RESPONSE",
        `${source} answered without a generated_image output tensor: ${redact(JSON.stringify(json))}. Check the model's config.pbtxt outputs.`,
      );
    }
    const seed = data.length === 1 ? request.seed : undefined;
    return data.map((b64) => generatedImage(fromBase64(b64, source), source, seed));
  }

  async #send(
    body: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<{ json: unknown; metadata: Record<string, unknown> }> {
    const { endpointName, targetModel, inferenceComponentName, format, asyncEndpoint } =
      this.#options;
    // The reference Triton client sends KServe JSON as octet-stream; JumpStart takes JSON.
    const contentType = format === "triton" ? "application/octet-stream" : "application/json";
    const payload = new TextEncoder().encode(JSON.stringify(body));
    if (asyncEndpoint !== undefined) {
      const invocation = await asyncEndpoint.invoke(payload, {
        contentType,
        accept: "application/json",
        signal,
      });
      const result = await invocation.wait({ signal });
      const bytes = await result.bytes({ signal });
      return {
        json: parseJsonBody(bytes, `${this.#source()} (async result ${invocation.outputLocation})`),
        metadata: {
          inferenceId: invocation.inferenceId,
          outputLocation: invocation.outputLocation,
        },
      };
    }
    const output = await invokeEndpoint(
      this.#runtime,
      {
        EndpointName: endpointName,
        ContentType: contentType,
        Accept: "application/json",
        Body: payload,
        ...(targetModel ? { TargetModel: targetModel } : {}),
        ...(inferenceComponentName ? { InferenceComponentName: inferenceComponentName } : {}),
      },
      signal,
    );
    const metadata: Record<string, unknown> = {};
    if (output.InvokedProductionVariant)
      metadata.invokedProductionVariant = output.InvokedProductionVariant;
    return { json: parseJsonBody(output.Body, this.#source()), metadata };
  }

  #source(): string {
    const { endpointName, targetModel } = this.#options;
    return `SageMaker endpoint "${endpointName}"${targetModel ? ` (target model ${targetModel})` : ""}`;
  }
}
