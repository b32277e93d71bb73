import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FmopsError, TimeoutError, ValidationError } from "../../src/core/errors.js";
import { BedrockImageModel, imageFamilyOf } from "../../src/models/bedrock-image.js";
import { imageSize, sniffImageType } from "../../src/models/image-bytes.js";
import { ImageContentFilteredError, type ImageRequest } from "../../src/models/image-types.js";
import {
  type BedrockImageModelsOptions,
  type BedrockRuntimeStandIn,
  bedrockImageModels,
  jpegHeader,
  startBedrockRuntime,
  tinyPng,
} from "../emulators/index.js";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let br: BedrockRuntimeStandIn;
let settings: BedrockImageModelsOptions = {};
let delayMs = 0;

beforeAll(async () => {
  const serve = (req: Parameters<ReturnType<typeof bedrockImageModels>>[0]) =>
    bedrockImageModels(settings)(req);
  br = await startBedrockRuntime({
    invokeModel: async (req) => {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return serve(req);
    },
  });
});
afterAll(async () => {
  await br.close();
});
beforeEach(() => {
  br.requests.length = 0;
  settings = {};
  delayMs = 0;
});

const model = (modelId: string) => new BedrockImageModel({ modelId, client: br.client });
const sent = (i = 0) => JSON.parse(new TextDecoder().decode(br.requests[i]?.body));

/** `bytes` followed by zeros up to `size` bytes: a PNG signature on an oversized file. */
function padded(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(bytes);
  return out;
}

function expectPng(bytes: Uint8Array | undefined) {
  expect(Array.from((bytes ?? new Uint8Array()).subarray(0, 8))).toEqual(PNG_SIGNATURE);
}

describe("BedrockImageModel: Titan Image Generator v2", () => {
  it("sends TEXT_IMAGE with imageGenerationConfig and returns real PNGs of the asked size", async () => {
    const titan = model("amazon.titan-image-generator-v2:0");
    expect(titan.family).toBe("titan-image-v2");
    expect(titan.id).toBe("bedrock:amazon.titan-image-generator-v2:0");
    const result = await titan.generate({
      prompt: "a red fox in snow",
      negativePrompt: "blurry",
      count: 2,
      width: 768,
      height: 1152,
      cfgScale: 7.5,
      seed: 2_147_483_646,
      quality: "premium",
    });
    expect(br.requests).toHaveLength(1);
    expect(br.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(sent()).toEqual({
      taskType: "TEXT_IMAGE",
      textToImageParams: { text: "a red fox in snow", negativeText: "blurry" },
      imageGenerationConfig: {
        numberOfImages: 2,
        width: 768,
        height: 1152,
        cfgScale: 7.5,
        seed: 2_147_483_646,
        quality: "premium",
      },
    });
    expect(result.images).toHaveLength(2);
    for (const image of result.images) {
      expectPng(image.bytes);
      expect(image.mediaType).toBe("image/png");
      expect(imageSize(image.bytes)).toEqual({ width: 768, height: 1152 });
    }
    expect(result.metadata.modelId).toBe("amazon.titan-image-generator-v2:0");
  });

  it("sends IMAGE_VARIATION with base64 images and similarityStrength", async () => {
    const source = tinyPng(512, 512);
    const { images } = await model("amazon.titan-image-generator-v2:0").generate({
      task: "imageVariation",
      images: [source, source],
      prompt: "in watercolour",
      similarityStrength: 0.7,
      seed: 3,
    });
    const body = sent();
    expect(body.taskType).toBe("IMAGE_VARIATION");
    expect(body.imageVariationParams).toEqual({
      images: [Buffer.from(source).toString("base64"), Buffer.from(source).toString("base64")],
      text: "in watercolour",
      similarityStrength: 0.7,
    });
    expect(images[0]?.seed).toBe(3);
    expect(imageSize(images[0]?.bytes as Uint8Array)).toEqual({ width: 512, height: 512 });
  });

  it("sends COLOR_GUIDED_GENERATION with colours and a reference image", async () => {
    const reference = tinyPng(64, 64);
    await model("amazon.titan-image-generator-v2:0").generate({
      task: "colorGuided",
      prompt: "a poster",
      colors: ["#FF9800", "#00aa11"],
      images: [reference],
    });
    expect(sent()).toMatchObject({
      taskType: "COLOR_GUIDED_GENERATION",
      colorGuidedGenerationParams: {
        text: "a poster",
        colors: ["#FF9800", "#00aa11"],
        referenceImage: Buffer.from(reference).toString("base64"),
      },
      imageGenerationConfig: { numberOfImages: 1 },
    });
  });
});

describe("BedrockImageModel: Nova Canvas", () => {
  it("sends INPAINTING with a mask prompt and OUTPAINTING with a mask image and mode", async () => {
    const canvas = model("amazon.nova-canvas-v1:0");
    const photo = tinyPng(320, 320);
    const mask = tinyPng(320, 320, [0, 0, 0]);
    const inpainted = await canvas.generate({
      task: "inpainting",
      images: [photo],
      maskPrompt: "the cat",
      prompt: "a dog",
    });
    expect(sent(0)).toEqual({
      taskType: "INPAINTING",
      inPaintingParams: {
        image: Buffer.from(photo).toString("base64"),
        text: "a dog",
        maskPrompt: "the cat",
      },
      imageGenerationConfig: { numberOfImages: 1 },
    });
    expect(imageSize(inpainted.images[0]?.bytes as Uint8Array)).toEqual({
      width: 320,
      height: 320,
    });
    await canvas.generate({
      task: "outpainting",
      images: [photo],
      maskImage: mask,
      prompt: "a beach",
      outpaintingMode: "PRECISE",
    });
    expect(sent(1).outPaintingParams).toEqual({
      image: Buffer.from(photo).toString("base64"),
      maskImage: Buffer.from(mask).toString("base64"),
      text: "a beach",
      outPaintingMode: "PRECISE",
    });
  });

  it("sends BACKGROUND_REMOVAL with only the image (no generation config)", async () => {
    const photo = tinyPng(400, 400);
    const { images } = await model("amazon.nova-canvas-v1:0").generate({
      task: "backgroundRemoval",
      images: [photo],
    });
    expect(sent()).toEqual({
      taskType: "BACKGROUND_REMOVAL",
      backgroundRemovalParams: { image: Buffer.from(photo).toString("base64") },
    });
    expect(images).toHaveLength(1);
  });

  it("accepts Nova's free sizes (multiples of 16 within its pixel limit)", async () => {
    const { images } = await model("amazon.nova-canvas-v1:0").generate({
      prompt: "a lighthouse",
      width: 1280,
      height: 720,
      seed: 858_993_459,
    });
    expect(imageSize(images[0]?.bytes as Uint8Array)).toEqual({ width: 1280, height: 720 });
  });
});

describe("BedrockImageModel: Stability", () => {
  it("SD3.5 Large: one call per image with aspect_ratio, consecutive seeds and output_format", async () => {
    const sd = model("stability.sd3-5-large-v1:0");
    expect(sd.tasks).toEqual(["textToImage", "imageToImage"]);
    const result = await sd.generate({
      prompt: "a castle",
      negativePrompt: "fog",
      aspectRatio: "16:9",
      seed: 10,
      count: 2,
    });
    expect(br.requests).toHaveLength(2);
    expect(sent(0)).toEqual({
      prompt: "a castle",
      negative_prompt: "fog",
      seed: 10,
      output_format: "png",
      aspect_ratio: "16:9",
    });
    expect(sent(1).seed).toBe(11);
    expect(result.images.map((i) => i.seed)).toEqual([10, 11]);
    expectPng(result.images[0]?.bytes);
    expect(imageSize(result.images[0]?.bytes as Uint8Array)).toEqual({ width: 128, height: 72 });
    expect(result.metadata.finishReasons).toEqual([null, null]);
  });

  it("SD3.5 Large image-to-image sends mode, image and strength", async () => {
    const source = tinyPng(64, 64);
    await model("us.stability.sd3-5-large-v1:0").generate({
      task: "imageToImage",
      prompt: "as a sketch",
      images: [source],
      strength: 0.6,
    });
    expect(sent()).toEqual({
      prompt: "as a sketch",
      output_format: "png",
      mode: "image-to-image",
      image: Buffer.from(source).toString("base64"),
      strength: 0.6,
    });
  });

  it("Stable Image Ultra and Core send the text-to-image body", async () => {
    await model("stability.stable-image-ultra-v1:1").generate({
      prompt: "x",
      outputFormat: "jpeg",
    });
    await model("stability.stable-image-core-v1:1").generate({ prompt: "y" });
    expect(sent(0)).toEqual({ prompt: "x", output_format: "jpeg" });
    expect(sent(1)).toEqual({ prompt: "y", output_format: "png" });
  });
});

describe("BedrockImageModel refuses invalid requests before any call", () => {
  const gif = new TextEncoder().encode("GIF89a....");
  const cases: [string, string, ImageRequest, string][] = [
    ["titan", "prompt over 512 characters", { prompt: "x".repeat(513) }, "prompt"],
    ["titan", "blank prompt", { prompt: "  " }, "prompt"],
    ["titan", "missing prompt", {}, "prompt"],
    [
      "titan",
      "negative prompt over 512",
      { prompt: "a", negativePrompt: "n".repeat(513) },
      "negativePrompt",
    ],
    ["titan", "count 0", { prompt: "a", count: 0 }, "count"],
    ["titan", "count 6", { prompt: "a", count: 6 }, "count"],
    ["titan", "seed over 2147483646", { prompt: "a", seed: 2_147_483_647 }, "seed"],
    ["titan", "cfgScale under 1.1", { prompt: "a", cfgScale: 1 }, "cfgScale"],
    ["titan", "cfgScale over 10", { prompt: "a", cfgScale: 10.5 }, "cfgScale"],
    ["titan", "a size Titan does not make", { prompt: "a", width: 1000, height: 1000 }, "width"],
    ["titan", "width without height", { prompt: "a", width: 1024 }, "height"],
    ["titan", "aspectRatio (Stability only)", { prompt: "a", aspectRatio: "16:9" }, "aspectRatio"],
    ["titan", "a task Titan lacks", { task: "imageToImage", prompt: "a" }, "task"],
    ["titan", "a GIF input", { task: "backgroundRemoval", images: [gif] }, "images.0"],
    [
      "titan",
      "an input image over 5 MB",
      { task: "backgroundRemoval", images: [padded(tinyPng(), 5 * 1024 * 1024 + 1)] },
      "images.0",
    ],
    [
      "titan",
      "six variation sources",
      { task: "imageVariation", images: Array(6).fill(tinyPng()) },
      "images",
    ],
    [
      "titan",
      "similarityStrength under 0.2",
      { task: "imageVariation", images: [tinyPng()], similarityStrength: 0.1 },
      "similarityStrength",
    ],
    [
      "titan",
      "inpainting without a mask",
      { task: "inpainting", images: [tinyPng()], prompt: "a" },
      "maskImage",
    ],
    [
      "titan",
      "inpainting with both masks",
      { task: "inpainting", images: [tinyPng()], maskPrompt: "m", maskImage: tinyPng() },
      "maskImage",
    ],
    [
      "titan",
      "outpainting without a prompt",
      { task: "outpainting", images: [tinyPng()], maskPrompt: "m" },
      "prompt",
    ],
    [
      "titan",
      "editing two images",
      { task: "inpainting", images: [tinyPng(), tinyPng()], maskPrompt: "m" },
      "images",
    ],
    [
      "titan",
      "background removal with a prompt",
      { task: "backgroundRemoval", images: [tinyPng()], prompt: "a" },
      "prompt",
    ],
    [
      "titan",
      "eleven colours",
      { task: "colorGuided", prompt: "a", colors: Array(11).fill("#000000") },
      "colors",
    ],
    [
      "titan",
      "a colour that is not #RRGGBB",
      { task: "colorGuided", prompt: "a", colors: ["red"] },
      "colors.0",
    ],
    ["titan", "colours on text-to-image", { prompt: "a", colors: ["#000000"] }, "colors"],
    ["nova", "prompt over 1024 characters", { prompt: "x".repeat(1025) }, "prompt"],
    ["nova", "seed over 858993459", { prompt: "a", seed: 858_993_460 }, "seed"],
    ["nova", "a side not a multiple of 16", { prompt: "a", width: 1000, height: 1008 }, "width"],
    ["nova", "a side over 4096", { prompt: "a", width: 4112, height: 1024 }, "width"],
    ["nova", "a side under 320", { prompt: "a", width: 304, height: 1024 }, "width"],
    ["nova", "an aspect ratio past 4:1", { prompt: "a", width: 2000, height: 320 }, "width"],
    ["nova", "4,194,304 pixels or more", { prompt: "a", width: 2048, height: 2048 }, "width"],
    ["sd35", "prompt over 10,000 characters", { prompt: "x".repeat(10_001) }, "prompt"],
    [
      "sd35",
      "negative prompt over 10,000",
      { prompt: "a", negativePrompt: "x".repeat(10_001) },
      "negativePrompt",
    ],
    ["sd35", "seed over 4294967294", { prompt: "a", seed: 4_294_967_295 }, "seed"],
    [
      "sd35",
      "seeds running past the maximum",
      { prompt: "a", seed: 4_294_967_294, count: 2 },
      "seed",
    ],
    ["sd35", "an unknown aspect ratio", { prompt: "a", aspectRatio: "7:3" }, "aspectRatio"],
    ["sd35", "a pixel size", { prompt: "a", width: 1024, height: 1024 }, "width"],
    ["sd35", "cfgScale", { prompt: "a", cfgScale: 5 }, "cfgScale"],
    ["sd35", "count 11", { prompt: "a", count: 11 }, "count"],
    [
      "sd35",
      "image-to-image without strength",
      { task: "imageToImage", prompt: "a", images: [tinyPng(64, 64)] },
      "strength",
    ],
    [
      "sd35",
      "strength over 1",
      { task: "imageToImage", prompt: "a", images: [tinyPng(64, 64)], strength: 1.5 },
      "strength",
    ],
    [
      "sd35",
      "a source side under 64 pixels",
      { task: "imageToImage", prompt: "a", images: [tinyPng(32, 200)], strength: 0.5 },
      "images.0",
    ],
    [
      "sd35",
      "a source over 9,437,184 pixels",
      { task: "imageToImage", prompt: "a", images: [jpegHeader(4000, 4000)], strength: 0.5 },
      "images.0",
    ],
    [
      "sd35",
      "aspect ratio with image-to-image",
      {
        task: "imageToImage",
        prompt: "a",
        images: [tinyPng(64, 64)],
        strength: 0.5,
        aspectRatio: "1:1",
      },
      "aspectRatio",
    ],
    [
      "core",
      "image-to-image on Stable Image Core",
      { task: "imageToImage", prompt: "a", images: [tinyPng(64, 64)], strength: 0.5 },
      "task",
    ],
  ];
  const ids: Record<string, string> = {
    titan: "amazon.titan-image-generator-v2:0",
    nova: "amazon.nova-canvas-v1:0",
    sd35: "stability.sd3-5-large-v1:0",
    core: "stability.stable-image-core-v1:1",
  };

  it.each(cases)("%s: %s", async (key, _name, request, path) => {
    const err = await model(ids[key] as string)
      .generate(request)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toContain(path);
    expect(br.requests).toHaveLength(0);
  });

  it("accepts the boundary values the documentation allows", async () => {
    await model(ids.titan as string).generate({
      prompt: "x".repeat(512),
      count: 5,
      seed: 0,
      cfgScale: 1.1,
      width: 1173,
      height: 640,
    });
    await model(ids.sd35 as string).generate({ prompt: "x".repeat(10_000), seed: 4_294_967_294 });
    expect(br.requests).toHaveLength(2);
  });
});

describe("BedrockImageModel answers", () => {
  it("Titan's content filter refusal (ValidationException) is an ImageContentFilteredError", async () => {
    settings = { blockedWords: ["forbidden"] };
    const err = await model("amazon.titan-image-generator-v2:0")
      .generate({ prompt: "something forbidden" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageContentFilteredError);
    expect((err as FmopsError).code).toBe("IMAGE_CONTENT_FILTERED");
    expect((err as FmopsError).retryable).toBe(false);
  });

  it("Nova's error field in a 200 answer is an ImageContentFilteredError", async () => {
    settings = { blockedWords: ["forbidden"], filterInBody: true };
    const err = await model("amazon.nova-canvas-v1:0")
      .generate({ prompt: "forbidden thing" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageContentFilteredError);
    expect((err as ImageContentFilteredError).reason).toContain("content filters");
  });

  it("Stability's finish reason 'Filter reason: prompt' is an ImageContentFilteredError", async () => {
    settings = { blockedWords: ["forbidden"] };
    const err = await model("stability.stable-image-ultra-v1:1")
      .generate({ prompt: "forbidden" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageContentFilteredError);
    expect((err as ImageContentFilteredError).reason).toBe("Filter reason: prompt");
  });

  it("Stability's 'Inference error' is a retryable MODEL_ERROR", async () => {
    settings = { finishReason: "Inference error" };
    const err = await model("stability.stable-image-core-v1:1")
      .generate({ prompt: "a" })
      .catch((e: unknown) => e);
    expect((err as FmopsError).code).toBe("MODEL_ERROR");
    expect((err as FmopsError).retryable).toBe(true);
  });

  it("an answer whose image is not base64 of an image is UNEXPECTED_RESPONSE", async () => {
    const odd = await startBedrockRuntime({
      invokeModel: () => ({ body: { images: [Buffer.from("not an image").toString("base64")] } }),
    });
    try {
      const err = await new BedrockImageModel({
        modelId: "amazon.nova-canvas-v1:0",
        client: odd.client,
      })
        .generate({ prompt: "a" })
        .catch((e: unknown) => e);
      expect((err as FmopsError).code).toBe("UNEXPECTED_RESPONSE");
    } finally {
      await odd.close();
    }
  });

  it("a slow model ends with TimeoutError at timeoutMs", async () => {
    delayMs = 2_000;
    const err = await model("amazon.nova-canvas-v1:0")
      .generate({ prompt: "a" }, { timeoutMs: 50 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
  });

  it("family comes from model ids, profiles and ARNs; an unknown id needs family", () => {
    expect(imageFamilyOf("us.amazon.nova-canvas-v1:0")).toBe("nova-canvas");
    expect(
      imageFamilyOf("arn:aws:bedrock:us-west-2::foundation-model/stability.stable-image-core-v1:1"),
    ).toBe("stability-core");
    expect(() => new BedrockImageModel({ modelId: "my-custom-model" })).toThrow(ValidationError);
    expect(
      new BedrockImageModel({ modelId: "my-custom-model", family: "nova-canvas" }).family,
    ).toBe("nova-canvas");
  });

  it("sniffs the media type of returned JPEGs", () => {
    expect(sniffImageType(jpegHeader(10, 10))).toBe("image/jpeg");
    expect(imageSize(jpegHeader(300, 200))).toEqual({ width: 300, height: 200 });
  });
});
