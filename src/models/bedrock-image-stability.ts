/**
 * The InvokeModel body of Stability AI's image models on Bedrock (Stable Diffusion 3.5 Large,
 * Stable Image Ultra, Stable Image Core: `prompt`, `aspect_ratio`, `seed`, `output_format`, and
 * SD3.5's image-to-image `mode`), their documented limits, and reading the answer
 * (`images`, `seeds`, `finish_reasons`).
 *
 * @module
 */
import { FmopsError } from "../core/index.js";
import { fromBase64, type ImageMediaType, toBase64 } from "./image-bytes.js";
import {
  type GeneratedImage,
  generatedImage,
  ImageContentFilteredError,
  type ImageRequest,
  type ImageRequestIssues,
  type ImageTask,
} from "./image-types.js";

/** Which Stability model, for its tasks. */
export type StabilityImageFamily = "stability-sd35-large" | "stability-ultra" | "stability-core";

/** The aspect ratios Stability's Bedrock models take. */
export const STABILITY_ASPECT_RATIOS = [
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

/** Largest seed (0 means random to the service). */
export const STABILITY_SEED_MAX = 4_294_967_294;
const PROMPT_MAX = 10_000;
/** Stability models make one image per call; `count` sends this many calls at most. */
export const STABILITY_MAX_COUNT = 10;
const INPUT_FORMATS: readonly ImageMediaType[] = ["image/png", "image/jpeg", "image/webp"];

/** The tasks each Stability model offers. */
export function stabilityTasks(family: StabilityImageFamily): readonly ImageTask[] {
  return family === "stability-sd35-large" ? ["textToImage", "imageToImage"] : ["textToImage"];
}

/** Checks `request` against the model's documented limits, adding each problem to `issues`. */
export function checkStabilityImageRequest(
  family: StabilityImageFamily,
  request: ImageRequest & { task: ImageTask },
  issues: ImageRequestIssues,
): void {
  const { task } = request;
  issues.check(
    !stabilityTasks(family).includes(task),
    "task",
    `${task} is not offered by this model`,
  );
  const why = "by Stability models";
  for (const field of [
    "width",
    "height",
    "cfgScale",
    "quality",
    "maskImage",
    "maskPrompt",
    "outpaintingMode",
    "colors",
    "similarityStrength",
  ] as const) {
    issues.unsupported(
      request[field],
      field,
      field === "width" || field === "height" ? `${why} (set aspectRatio instead)` : why,
    );
  }
  issues.text(request.prompt, "prompt", PROMPT_MAX, true);
  issues.text(request.negativePrompt, "negativePrompt", PROMPT_MAX);
  issues.range(request.count, "count", 1, STABILITY_MAX_COUNT);
  issues.range(request.seed, "seed", 0, STABILITY_SEED_MAX);
  if (request.seed !== undefined && request.count !== undefined && request.count > 1) {
    // Each call gets seed, seed + 1, ...: the last one must still be a valid seed.
    issues.range(request.seed + request.count - 1, "seed", 0, STABILITY_SEED_MAX);
  }
  if (request.aspectRatio !== undefined) {
    issues.check(
      !(STABILITY_ASPECT_RATIOS as readonly string[]).includes(request.aspectRatio),
      "aspectRatio",
      `must be one of ${STABILITY_ASPECT_RATIOS.join(", ")}`,
    );
  }
  const images = request.images ?? [];
  if (task === "imageToImage") {
    issues.check(images.length !== 1, "images", "give exactly one source image");
    issues.check(
      request.strength === undefined,
      "strength",
      "is required for imageToImage (0 to 1)",
    );
    issues.range(request.strength, "strength", 0, 1);
    issues.unsupported(request.aspectRatio, "aspectRatio", "for imageToImage (the source sets it)");
    issues.image(images[0], "images.0", {
      formats: INPUT_FORMATS,
      pixels: ({ width, height }) =>
        width < 64 || height < 64
          ? `each side must be at least 64 pixels; got ${width}x${height}`
          : width * height < 4_096 || width * height > 9_437_184
            ? `must have 4,096 to 9,437,184 pixels; ${width}x${height} has ${width * height}`
            : undefined,
    });
  } else {
    issues.check(images.length > 0, "images", "not supported for textToImage");
    issues.unsupported(request.strength, "strength", "for textToImage");
  }
}

/** The InvokeModel body of call `index` (0-based) of a checked request. */
export function stabilityImageBody(
  request: ImageRequest & { task: ImageTask },
  index: number,
): Record<string, unknown> {
  const body: Record<string, unknown> = { prompt: request.prompt };
  if (request.negativePrompt !== undefined) body.negative_prompt = request.negativePrompt;
  if (request.seed !== undefined) body.seed = request.seed + index;
  body.output_format = request.outputFormat ?? "png";
  if (request.task === "imageToImage") {
    body.mode = "image-to-image";
    body.image = toBase64((request.images ?? [])[0] as Uint8Array);
    body.strength = request.strength;
  } else if (request.aspectRatio !== undefined) {
    body.aspect_ratio = request.aspectRatio;
  }
  return body;
}

/**
 * Reads one answer: `{ seeds, finish_reasons, images }`. A non-null finish reason is a refusal
 * (`Filter reason: prompt | input image | output image`) or an `Inference error`.
 */
export function parseStabilityImageAnswer(
  json: Record<string, unknown>,
  modelId: string,
): { images: GeneratedImage[]; finishReasons: unknown[] } {
  const source = `Bedrock model "${modelId}"`;
  const reasons = Array.isArray(json.finish_reasons) ? json.finish_reasons : [];
  const refused = reasons.find((r) => r !== null && r !== undefined);
  if (typeof refused === "string") {
    if (refused.startsWith("Filter reason")) throw new ImageContentFilteredError(modelId, refused);
    throw new FmopsError("MODEL_ERROR", `${source} failed: ${refused}. Retrying may succeed.`, {
      retryable: true,
    });
  }
  if (!Array.isArray(json.images) || json.images.length === 0) {
    throw new FmopsError(
      "UNEXPECTED_RESPONSE",
      `${source} answered without an images array. Check that the model id is an image model.`,
    );
  }
  const seeds = Array.isArray(json.seeds) ? json.seeds : [];
  const images = json.images.map((b64, i) => {
    const seed = Number(seeds[i]);
    return generatedImage(
      fromBase64(b64, source),
      source,
      Number.isSafeInteger(seed) ? seed : undefined,
    );
  });
  return { images, finishReasons: reasons };
}
