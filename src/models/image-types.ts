/**
 * The {@link ImageModel} interface every image adapter implements, its request and result, and
 * the checks every adapter shares (before any per-model constraint is applied).
 *
 * @module
 */
import { z } from "zod";
import {
  FmopsError,
  type FmopsErrorOptions,
  parseOptions,
  ValidationError,
} from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import { type ImageMediaType, imageSize, sniffImageType } from "./image-bytes.js";
import type { CallOptions } from "./types.js";

/**
 * What to do with the prompt and the input images. Each adapter lists the tasks it offers in
 * {@link ImageModel.tasks}; a request for another task fails before any call.
 *
 * - `textToImage`: a new image from `prompt`;
 * - `imageVariation`: variations of 1 or more `images` (Titan/Nova: 1 to 5), `prompt` optional;
 * - `inpainting`: repaint the inside of a mask (`maskImage` or `maskPrompt`) of one image;
 * - `outpainting`: repaint the outside of a mask of one image;
 * - `backgroundRemoval`: one image back with a transparent background;
 * - `colorGuided`: a new image from `prompt` following a palette of `colors`;
 * - `imageToImage`: Stable Diffusion 3.5 Large's image-to-image mode (`images[0]`, `strength`).
 */
export type ImageTask =
  | "textToImage"
  | "imageVariation"
  | "inpainting"
  | "outpainting"
  | "backgroundRemoval"
  | "colorGuided"
  | "imageToImage";

/** Every {@link ImageTask}, in the order the docs list them. */
export const IMAGE_TASKS: readonly ImageTask[] = [
  "textToImage",
  "imageVariation",
  "inpainting",
  "outpainting",
  "backgroundRemoval",
  "colorGuided",
  "imageToImage",
];

/**
 * One image request. Which fields apply depends on `task` and on the model: each adapter
 * checks its model's documented limits (prompt length, sizes or aspect ratios, pixel counts,
 * seed range, guidance scale, image count, input image format and size) and throws a
 * `ValidationError` naming the field before anything is sent.
 */
export interface ImageRequest {
  /** Default `textToImage`. */
  task?: ImageTask;
  /** What to draw (or, for editing tasks, what to put in the edited region). */
  prompt?: string;
  /** What to keep out of the image. */
  negativePrompt?: string;
  /** How many images to make. Default 1. */
  count?: number;
  /** Output width in pixels (Titan/Nova, SageMaker diffusion containers). */
  width?: number;
  /** Output height in pixels. */
  height?: number;
  /** Output aspect ratio such as `16:9` (Stability models, which take no pixel size). */
  aspectRatio?: string;
  /** Fixes the noise so the same request gives the same image. */
  seed?: number;
  /** Classifier-free guidance: how closely to follow the prompt. */
  cfgScale?: number;
  /** Titan/Nova: `standard` or `premium`. */
  quality?: "standard" | "premium";
  /** Source images (PNG or JPEG bytes) for variation, editing and image-to-image tasks. */
  images?: Uint8Array[];
  /** Inpainting/outpainting: a black-and-white mask the size of the image (black = edit). */
  maskImage?: Uint8Array;
  /** Inpainting/outpainting: describe the region to mask instead of drawing it. */
  maskPrompt?: string;
  /** Outpainting: `DEFAULT` or `PRECISE` (keeps the masked object exactly). */
  outpaintingMode?: "DEFAULT" | "PRECISE";
  /** Colour-guided generation: 1 to 10 colours as `#RRGGBB`. */
  colors?: string[];
  /** Image variation: how close to the source images, 0.2 to 1. */
  similarityStrength?: number;
  /** Image-to-image: how much of the source to replace, 0 (keep) to 1 (ignore it). */
  strength?: number;
  /** Stability models: the encoding of the returned images. Default `png`. */
  outputFormat?: "png" | "jpeg";
}

/** One generated image. */
export interface GeneratedImage {
  /** The encoded image file. */
  bytes: Uint8Array;
  /** `image/png` or `image/jpeg`, read from the bytes themselves. */
  mediaType: string;
  /** The seed that produced it, when the model reports it or the request fixed it. */
  seed?: number;
}

/** What {@link ImageModel.generate} resolves with. */
export interface ImageResult {
  /** The images, in the model's order. */
  images: GeneratedImage[];
  /**
   * What else the model said, unchanged: e.g. Stability's `finish_reasons`, the SageMaker
   * endpoint's invoked variant, an async result's S3 location.
   */
  metadata: Record<string, unknown>;
}

/**
 * A text-to-image (and image editing) model: Bedrock's Titan Image Generator v2, Nova Canvas and
 * Stability models, or a SageMaker endpoint serving a diffusion model.
 *
 * @example
 * ```ts
 * async function thumbnail(model: ImageModel, subject: string) {
 *   const { images } = await model.generate({ prompt: subject, width: 512, height: 512 });
 *   return images[0]?.bytes;
 * }
 * ```
 */
export interface ImageModel {
  /** Identifies the model in logs and metrics, e.g. `bedrock:amazon.nova-canvas-v1:0`. */
  readonly id: string;
  /** The tasks this model offers. */
  readonly tasks: readonly ImageTask[];
  /** Checks the request against the model's limits, sends it, and decodes the images. */
  generate(request: ImageRequest, options?: CallOptions): Promise<ImageResult>;
}

/**
 * The model (or its safety filter) refused the prompt, an input image or its own output. Code:
 * `IMAGE_CONTENT_FILTERED`. Not retryable: the same request is refused again.
 */
export class ImageContentFilteredError extends FmopsError {
  /** What the model said, e.g. `Filter reason: prompt`. */
  readonly reason: string;
  /** The model that refused. */
  readonly modelId: string;

  constructor(modelId: string, reason: string, options: FmopsErrorOptions = {}) {
    super(
      "IMAGE_CONTENT_FILTERED",
      `Image model "${modelId}" refused the request: ${reason}. Rephrase the prompt or change the input image; the same request is refused again.`,
      { ...options, retryable: false },
    );
    this.reason = reason;
    this.modelId = modelId;
  }
}

// Any Uint8Array, whatever its buffer: `z.instanceof` would type it `Uint8Array<ArrayBuffer>`,
// narrower than the `Uint8Array` the request type takes.
const bytesSchema = z.custom<Uint8Array>((v) => v instanceof Uint8Array, "must be a Uint8Array");

/** The zod schema of an {@link ImageRequest}: types and model-independent bounds only. */
export const imageRequestSchema = schemaFor<ImageRequest>()(
  z
    .object({
      task: z.enum(IMAGE_TASKS as [ImageTask, ...ImageTask[]]).optional(),
      prompt: z.string().optional(),
      negativePrompt: z.string().optional(),
      count: z.int().min(1).optional(),
      width: z.int().positive().optional(),
      height: z.int().positive().optional(),
      aspectRatio: z
        .string()
        .regex(/^\d+:\d+$/, "must look like 16:9")
        .optional(),
      seed: z.int().min(0).optional(),
      cfgScale: z.number().positive().optional(),
      quality: z.enum(["standard", "premium"]).optional(),
      images: z.array(bytesSchema).optional(),
      maskImage: bytesSchema.optional(),
      maskPrompt: z.string().min(1).optional(),
      outpaintingMode: z.enum(["DEFAULT", "PRECISE"]).optional(),
      colors: z.array(z.string()).optional(),
      similarityStrength: z.number().optional(),
      strength: z.number().optional(),
      outputFormat: z.enum(["png", "jpeg"]).optional(),
    })
    .strict(),
);

/** Parses the request's shape; per-model limits are each adapter's. */
export function parseImageRequest(request: ImageRequest): ImageRequest & { task: ImageTask } {
  const parsed = parseOptions(imageRequestSchema, request, "image request");
  return { ...parsed, task: parsed.task ?? "textToImage" };
}

/**
 * Collects the problems of one request so that a single `ValidationError` names every bad field,
 * prefixed with the model's name.
 */
export class ImageRequestIssues {
  readonly #issues: { path: string; message: string }[] = [];
  readonly #model: string;

  constructor(model: string) {
    this.#model = model;
  }

  /** Records a problem with `path` when `bad` is true. */
  check(bad: boolean, path: string, message: string): void {
    if (bad) this.#issues.push({ path, message });
  }

  /** Records `path` as not applicable when it is set. */
  unsupported(value: unknown, path: string, why: string): void {
    this.check(value !== undefined, path, `not supported ${why}; remove it`);
  }

  /** Checks a string's length when it is set (and, with `required`, that it is set). */
  text(value: string | undefined, path: string, max: number, required = false): void {
    if (value === undefined) {
      this.check(required, path, "is required for this task");
      return;
    }
    this.check(value.trim() === "", path, "must not be blank");
    this.check(value.length > max, path, `is ${value.length} characters; at most ${max}`);
  }

  /** Checks an inclusive numeric range when the value is set. */
  range(value: number | undefined, path: string, min: number, max: number): void {
    if (value === undefined) return;
    this.check(value < min || value > max, path, `must be between ${min} and ${max}; got ${value}`);
  }

  /**
   * Checks one input image: a format in `formats` (read from its signature), at most `maxBytes`,
   * and (with `pixels`) a readable size the rule accepts.
   */
  image(
    bytes: Uint8Array | undefined,
    path: string,
    rules: {
      formats: readonly ImageMediaType[];
      maxBytes?: number;
      pixels?: (size: { width: number; height: number }) => string | undefined;
    },
  ): void {
    if (bytes === undefined) return;
    const type = sniffImageType(bytes);
    if (type === undefined || !rules.formats.includes(type)) {
      this.check(
        true,
        path,
        `must be ${rules.formats.map((f) => f.slice(6).toUpperCase()).join(" or ")} (${type ?? "unrecognised bytes"})`,
      );
      return;
    }
    if (rules.maxBytes !== undefined) {
      this.check(
        bytes.length > rules.maxBytes,
        path,
        `is ${bytes.length} bytes; at most ${rules.maxBytes}`,
      );
    }
    if (rules.pixels) {
      const size = imageSize(bytes);
      const problem = size ? rules.pixels(size) : "has no readable width and height";
      this.check(problem !== undefined, path, problem ?? "");
    }
  }

  /** Throws one `ValidationError` listing every problem, if there are any. */
  throwIfAny(): void {
    if (this.#issues.length === 0) return;
    const list = this.#issues.map((i) => `${i.path}: ${i.message}`).join("; ");
    throw new ValidationError(`Invalid image request for ${this.#model}: ${list}.`, this.#issues);
  }
}

/** A decoded image with its media type read from the bytes; rejects anything not an image. */
export function generatedImage(bytes: Uint8Array, source: string, seed?: number): GeneratedImage {
  const mediaType = sniffImageType(bytes);
  if (mediaType === undefined) {
    throw new FmopsError(
      "UNEXPECTED_RESPONSE",
      `${source} returned ${bytes.length} bytes that are not a PNG, JPEG or WebP image.`,
    );
  }
  const image: GeneratedImage = { bytes, mediaType };
  if (seed !== undefined) image.seed = seed;
  return image;
}
