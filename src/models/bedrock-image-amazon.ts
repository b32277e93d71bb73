/**
 * The InvokeModel body of Amazon's image models on Bedrock (Titan Image Generator v2 and Nova
 * Canvas share one format: `taskType`, a parameters object per task, `imageGenerationConfig`),
 * each model's documented limits, and reading the answer (`images` in base64, `error`).
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

/** Which of the two Amazon models, for its limits. */
export type AmazonImageFamily = "titan-image-v2" | "nova-canvas";

/** The limits of one Amazon image model, as the Bedrock user guide documents them. */
interface AmazonImageLimits {
  /** Human name for messages. */
  name: string;
  /** Longest prompt and negative prompt, in characters. */
  promptMax: number;
  /** Largest seed. */
  seedMax: number;
  /** Why an output size is refused, or undefined when it is allowed. */
  size(width: number, height: number): string | undefined;
  /** Largest input image, in bytes, when the model documents one. */
  inputMaxBytes?: number;
}

/**
 * Titan Image Generator's output sizes (width x height): the model takes only these.
 * Bedrock user guide, "Amazon Titan Image Generator G1 models", supported resolutions.
 */
export const TITAN_IMAGE_SIZES: readonly (readonly [number, number])[] = [
  [1024, 1024],
  [768, 768],
  [512, 512],
  [768, 1152],
  [384, 576],
  [1152, 768],
  [576, 384],
  [768, 1280],
  [384, 640],
  [1280, 768],
  [640, 384],
  [896, 1152],
  [448, 576],
  [1152, 896],
  [576, 448],
  [768, 1408],
  [384, 704],
  [1408, 768],
  [704, 384],
  [640, 1408],
  [320, 704],
  [1408, 640],
  [704, 320],
  [1152, 640],
  [1173, 640],
];

const LIMITS: Record<AmazonImageFamily, AmazonImageLimits> = {
  "titan-image-v2": {
    name: "Titan Image Generator v2",
    promptMax: 512,
    seedMax: 2_147_483_646,
    size: (w, h) =>
      TITAN_IMAGE_SIZES.some(([sw, sh]) => sw === w && sh === h)
        ? undefined
        : `${w}x${h} is not one of Titan's sizes (${TITAN_IMAGE_SIZES.map(([a, b]) => `${a}x${b}`).join(", ")})`,
    inputMaxBytes: 5 * 1024 * 1024,
  },
  "nova-canvas": {
    name: "Nova Canvas",
    promptMax: 1024,
    seedMax: 858_993_459,
    size: (w, h) => {
      if (w < 320 || w > 4096 || h < 320 || h > 4096)
        return `each side must be 320 to 4096 pixels; got ${w}x${h}`;
      if (w % 16 !== 0 || h % 16 !== 0) return `each side must be a multiple of 16; got ${w}x${h}`;
      if (w / h < 0.25 || w / h > 4)
        return `the aspect ratio must be between 1:4 and 4:1; got ${w}x${h}`;
      if (w * h >= 4_194_304)
        return `the image must have fewer than 4,194,304 pixels; ${w}x${h} has ${w * h}`;
      return undefined;
    },
  },
};

/** The tasks both Amazon models offer. */
export const AMAZON_IMAGE_TASKS: readonly ImageTask[] = [
  "textToImage",
  "imageVariation",
  "inpainting",
  "outpainting",
  "backgroundRemoval",
  "colorGuided",
];

const INPUT_FORMATS: readonly ImageMediaType[] = ["image/png", "image/jpeg"];
const HEX_COLOR = /^#[0-9A-Fa-f]{6}$/;

/** Checks `request` against the model's documented limits, adding each problem to `issues`. */
export function checkAmazonImageRequest(
  family: AmazonImageFamily,
  request: ImageRequest & { task: ImageTask },
  issues: ImageRequestIssues,
): void {
  const limits = LIMITS[family];
  const { task } = request;
  const why = `by ${limits.name} for task ${task}`;
  issues.check(
    !AMAZON_IMAGE_TASKS.includes(task),
    "task",
    `${task} is not offered by ${limits.name}`,
  );
  for (const field of ["aspectRatio", "strength", "outputFormat"] as const) {
    issues.unsupported(request[field], field, `by ${limits.name} (set width and height instead)`);
  }

  const promptRequired = task === "textToImage" || task === "colorGuided" || task === "outpainting";
  if (task === "backgroundRemoval") {
    for (const field of [
      "prompt",
      "negativePrompt",
      "count",
      "width",
      "height",
      "seed",
      "cfgScale",
      "quality",
    ] as const) {
      issues.unsupported(request[field], field, why);
    }
  } else {
    issues.text(request.prompt, "prompt", limits.promptMax, promptRequired);
    issues.text(request.negativePrompt, "negativePrompt", limits.promptMax);
    issues.range(request.count, "count", 1, 5);
    issues.range(request.seed, "seed", 0, limits.seedMax);
    issues.range(request.cfgScale, "cfgScale", 1.1, 10);
    const { width, height } = request;
    issues.check(
      (width === undefined) !== (height === undefined),
      width === undefined ? "width" : "height",
      "give width and height together",
    );
    if (width !== undefined && height !== undefined) {
      const problem = limits.size(width, height);
      issues.check(problem !== undefined, "width", problem ?? "");
    }
  }

  const images = request.images ?? [];
  if (task === "imageVariation") {
    issues.check(images.length < 1 || images.length > 5, "images", "give 1 to 5 source images");
  } else if (task === "inpainting" || task === "outpainting" || task === "backgroundRemoval") {
    issues.check(images.length !== 1, "images", "give exactly one image to edit");
  } else if (task === "colorGuided") {
    issues.check(images.length > 1, "images", "give at most one reference image");
  } else {
    issues.check(images.length > 0, "images", `not supported ${why}`);
  }
  images.forEach((image, i) => {
    issues.image(image, `images.${i}`, {
      formats: INPUT_FORMATS,
      ...(limits.inputMaxBytes !== undefined ? { maxBytes: limits.inputMaxBytes } : {}),
    });
  });

  if (task === "inpainting" || task === "outpainting") {
    issues.check(
      (request.maskImage === undefined) === (request.maskPrompt === undefined),
      "maskImage",
      "give exactly one of maskImage and maskPrompt",
    );
    issues.image(request.maskImage, "maskImage", { formats: INPUT_FORMATS });
    if (request.maskPrompt !== undefined)
      issues.text(request.maskPrompt, "maskPrompt", limits.promptMax);
  } else {
    issues.unsupported(request.maskImage, "maskImage", why);
    issues.unsupported(request.maskPrompt, "maskPrompt", why);
  }
  if (task !== "outpainting") issues.unsupported(request.outpaintingMode, "outpaintingMode", why);
  if (task === "imageVariation") {
    issues.range(request.similarityStrength, "similarityStrength", 0.2, 1);
  } else {
    issues.unsupported(request.similarityStrength, "similarityStrength", why);
  }
  if (task === "colorGuided") {
    const colors = request.colors ?? [];
    issues.check(colors.length < 1 || colors.length > 10, "colors", "give 1 to 10 colours");
    colors.forEach((c, i) => {
      issues.check(!HEX_COLOR.test(c), `colors.${i}`, `"${c}" is not a #RRGGBB colour`);
    });
  } else {
    issues.unsupported(request.colors, "colors", why);
  }
}

const TASK_TYPES: Partial<Record<ImageTask, [string, string]>> = {
  textToImage: ["TEXT_IMAGE", "textToImageParams"],
  imageVariation: ["IMAGE_VARIATION", "imageVariationParams"],
  inpainting: ["INPAINTING", "inPaintingParams"],
  outpainting: ["OUTPAINTING", "outPaintingParams"],
  backgroundRemoval: ["BACKGROUND_REMOVAL", "backgroundRemovalParams"],
  colorGuided: ["COLOR_GUIDED_GENERATION", "colorGuidedGenerationParams"],
};

/** The InvokeModel body of a request already checked by {@link checkAmazonImageRequest}. */
export function amazonImageBody(
  request: ImageRequest & { task: ImageTask },
): Record<string, unknown> {
  const [taskType, paramsField] = TASK_TYPES[request.task] as [string, string];
  const params: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) params[key] = value;
  };
  const images = (request.images ?? []).map(toBase64);
  if (request.task === "imageVariation") set("images", images);
  else if (request.task === "colorGuided") set("referenceImage", images[0]);
  else set("image", images[0]);
  set("text", request.prompt);
  set("negativeText", request.negativePrompt);
  set("maskPrompt", request.maskPrompt);
  set("maskImage", request.maskImage && toBase64(request.maskImage));
  set("outPaintingMode", request.outpaintingMode);
  set("similarityStrength", request.similarityStrength);
  set("colors", request.colors);
  const body: Record<string, unknown> = { taskType, [paramsField]: params };
  if (request.task === "backgroundRemoval") return body;
  const config: Record<string, unknown> = { numberOfImages: request.count ?? 1 };
  for (const key of ["width", "height", "cfgScale", "seed", "quality"] as const) {
    if (request[key] !== undefined) config[key] = request[key];
  }
  body.imageGenerationConfig = config;
  return body;
}

// The service's own wording when its filters refuse a prompt, an input image or an output.
const FILTERED = /content filter|Responsible AI|blocked/i;

/** Reads the answer: `{ images: [base64...] }`, or `{ error }` when generation was refused. */
export function parseAmazonImageAnswer(
  json: Record<string, unknown>,
  modelId: string,
  request: ImageRequest,
): GeneratedImage[] {
  const source = `Bedrock model "${modelId}"`;
  if (typeof json.error === "string" && json.error !== "") {
    if (FILTERED.test(json.error)) throw new ImageContentFilteredError(modelId, json.error);
    throw new FmopsError("MODEL_ERROR", `${source} failed: ${json.error}`);
  }
  if (!Array.isArray(json.images) || json.images.length === 0) {
    throw new FmopsError(
      "UNEXPECTED_RESPONSE",
      `${source} answered without an images array. Check that the model id is an image model.`,
    );
  }
  // The answer carries no seeds: a requested seed is reported only when it made the one image
  // (with several, the service derives each image's seed from it in its own way).
  const seed = json.images.length === 1 ? request.seed : undefined;
  return json.images.map((b64) => generatedImage(fromBase64(b64, source), source, seed));
}

/** Whether a Bedrock error message means the content filters refused the request. */
export function isAmazonContentFilterMessage(message: string): boolean {
  return FILTERED.test(message);
}
