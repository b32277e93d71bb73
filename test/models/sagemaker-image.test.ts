import { afterEach, describe, expect, it } from "vitest";
import { AsyncEndpoint } from "../../src/async/index.js";
import { type FmopsError, TimeoutError, ValidationError } from "../../src/core/errors.js";
import { imageSize } from "../../src/models/image-bytes.js";
import type { ImageRequest } from "../../src/models/image-types.js";
import { SageMakerImageModel } from "../../src/models/sagemaker-image.js";
import {
  jumpStartDiffusion,
  type S3StandIn,
  type SageMakerRuntimeStandIn,
  startMemoryS3,
  startSageMakerRuntime,
  type TritonCall,
  tinyPng,
  tritonDiffusion,
} from "../emulators/index.js";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let sm: SageMakerRuntimeStandIn | undefined;
let s3: S3StandIn | undefined;
afterEach(async () => {
  await sm?.close();
  await s3?.close();
  sm = undefined;
  s3 = undefined;
});

const sentJson = (i = 0) => JSON.parse(new TextDecoder().decode(sm?.requests[i]?.body));

describe("SageMakerImageModel format jumpstart", () => {
  it("sends the JumpStart SD3.5 payload and reads body.images", async () => {
    sm = await startSageMakerRuntime({ invokeEndpoint: jumpStartDiffusion() });
    const model = new SageMakerImageModel({
      endpointName: "sd35",
      format: "jumpstart",
      client: sm.client,
    });
    expect(model.id).toBe("sagemaker:sd35");
    const result = await model.generate({
      prompt: "pink roses at twilight",
      negativePrompt: "text",
      seed: 101,
      aspectRatio: "21:9",
      outputFormat: "png",
      count: 2,
    });
    expect(sm.requests).toHaveLength(2);
    expect(sm.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(sentJson(0)).toEqual({
      prompt: "pink roses at twilight",
      negative_prompt: "text",
      seed: 101,
      aspect_ratio: "21:9",
      output_format: "png",
    });
    expect(sentJson(1).seed).toBe(102);
    expect(result.images.map((i) => i.seed)).toEqual([101, 102]);
    expect(Array.from(result.images[0]?.bytes.subarray(0, 8) ?? [])).toEqual(PNG_SIGNATURE);
    expect(imageSize(result.images[0]?.bytes as Uint8Array)).toEqual({ width: 168, height: 72 });
    expect(result.metadata.invokedProductionVariant).toBe("AllTraffic");
  });

  it("a blank prompt is refused before the container sees it", async () => {
    sm = await startSageMakerRuntime({ invokeEndpoint: jumpStartDiffusion() });
    const model = new SageMakerImageModel({
      endpointName: "sd35",
      format: "jumpstart",
      client: sm.client,
    });
    // A prompt of spaces passes nothing to the container: refused here first.
    await expect(model.generate({ prompt: "   " })).rejects.toBeInstanceOf(ValidationError);
    expect(sm.requests).toHaveLength(0);
  });
});

describe("SageMakerImageModel format triton (multi-model endpoint)", () => {
  it("sends KServe v2 BYTES tensors with TargetModel and decodes generated_image", async () => {
    const seen: TritonCall[] = [];
    sm = await startSageMakerRuntime({ invokeEndpoint: tritonDiffusion(seen) });
    const model = new SageMakerImageModel({
      endpointName: "sd-mme",
      format: "triton",
      targetModel: "sd_base.tar.gz",
      parameters: { num_inference_steps: 30 },
      client: sm.client,
    });
    expect(model.id).toBe("sagemaker:sd-mme#sd_base.tar.gz");
    const result = await model.generate({
      prompt: "an infinity pool",
      negativePrompt: "blur",
      width: 512,
      height: 256,
      cfgScale: 8,
      seed: 5,
      count: 2,
    });
    expect(sm.requests[0]?.headers["content-type"]).toBe("application/octet-stream");
    expect(sm.requests[0]?.headers["x-amzn-sagemaker-target-model"]).toBe("sd_base.tar.gz");
    expect(sentJson()).toEqual({
      inputs: [
        { name: "prompt", shape: [1, 1], datatype: "BYTES", data: ["an infinity pool"] },
        { name: "negative_prompt", shape: [1, 1], datatype: "BYTES", data: ["blur"] },
        {
          name: "gen_args",
          shape: [1, 1],
          datatype: "BYTES",
          data: [
            JSON.stringify({
              num_inference_steps: 30,
              width: 512,
              height: 256,
              guidance_scale: 8,
              seed: 5,
              num_images_per_prompt: 2,
            }),
          ],
        },
      ],
    });
    expect(result.images).toHaveLength(2);
    expect(imageSize(result.images[1]?.bytes as Uint8Array)).toEqual({ width: 512, height: 256 });
    expect(seen[0]?.targetModel).toBe("sd_base.tar.gz");
  });

  it("inpainting sends image and mask_image in base64", async () => {
    sm = await startSageMakerRuntime({ invokeEndpoint: tritonDiffusion() });
    const model = new SageMakerImageModel({
      endpointName: "sd-mme",
      format: "triton",
      targetModel: "sd_inpaint.tar.gz",
      client: sm.client,
    });
    const photo = tinyPng(64, 64);
    const mask = tinyPng(64, 64, [255, 255, 255]);
    await model.generate({ task: "inpainting", prompt: "a cat", images: [photo], maskImage: mask });
    const inputs = sentJson().inputs as { name: string; data: string[] }[];
    expect(inputs.map((t) => t.name)).toEqual(["prompt", "image", "mask_image", "gen_args"]);
    expect(inputs[1]?.data[0]).toBe(Buffer.from(photo).toString("base64"));
    expect(inputs[2]?.data[0]).toBe(Buffer.from(mask).toString("base64"));
  });

  it("an answer without the output tensor is UNEXPECTED_RESPONSE", async () => {
    sm = await startSageMakerRuntime({ invokeEndpoint: () => ({ body: { outputs: [] } }) });
    const model = new SageMakerImageModel({
      endpointName: "e",
      format: "triton",
      client: sm.client,
    });
    const err = await model.generate({ prompt: "a" }).catch((e: unknown) => e);
    expect((err as FmopsError).code).toBe("UNEXPECTED_RESPONSE");
  });
});

describe("SageMakerImageModel refuses invalid requests before any call", () => {
  const cases: [string, "jumpstart" | "triton", ImageRequest, string][] = [
    ["missing prompt", "jumpstart", {}, "prompt"],
    ["a pixel size on JumpStart", "jumpstart", { prompt: "a", width: 512, height: 512 }, "width"],
    ["an unknown aspect ratio", "jumpstart", { prompt: "a", aspectRatio: "7:5" }, "aspectRatio"],
    ["a task JumpStart lacks", "jumpstart", { task: "inpainting", prompt: "a" }, "task"],
    ["a seed over 32 bits", "jumpstart", { prompt: "a", seed: 4_294_967_296 }, "seed"],
    ["a side not a multiple of 8", "triton", { prompt: "a", width: 500, height: 512 }, "width"],
    [
      "inpainting without a mask",
      "triton",
      { task: "inpainting", prompt: "a", images: [tinyPng()] },
      "maskImage",
    ],
    [
      "image-to-image without an image",
      "triton",
      { task: "imageToImage", prompt: "a", strength: 0.5 },
      "images",
    ],
    [
      "a GIF source",
      "triton",
      {
        task: "imageToImage",
        prompt: "a",
        images: [new TextEncoder().encode("GIF89a")],
        strength: 0.5,
      },
      "images.0",
    ],
    [
      "strength over 1",
      "triton",
      { task: "imageToImage", prompt: "a", images: [tinyPng()], strength: 2 },
      "strength",
    ],
    ["count over 8", "triton", { prompt: "a", count: 9 }, "count"],
  ];

  it.each(cases)("%s", async (_name, format, request, path) => {
    sm = await startSageMakerRuntime({ invokeEndpoint: tritonDiffusion() });
    const model = new SageMakerImageModel({ endpointName: "e", format, client: sm.client });
    const err = await model.generate(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toContain(path);
    expect(sm.requests).toHaveLength(0);
  });
});

describe("SageMakerImageModel behind an asynchronous endpoint", () => {
  it("uploads the payload, calls InvokeEndpointAsync and reads the image from the S3 result", async () => {
    s3 = await startMemoryS3();
    const handler = jumpStartDiffusion();
    sm = await startSageMakerRuntime({
      s3,
      asyncOutputLocation: "s3://results/sd/",
      invokeEndpointAsync: (input, request) => {
        const answer = handler({
          ...request,
          json: () => JSON.parse(new TextDecoder().decode(input)),
        } as never);
        if ("body" in answer) return { output: answer.body };
        throw new Error("container refused");
      },
    });
    const endpoint = new AsyncEndpoint({
      endpointName: "sd35-async",
      inputLocation: "s3://inputs/sd/",
      sagemakerRuntime: sm.client,
      s3: s3.client,
      minDelayMs: 5,
      maxDelayMs: 20,
    });
    const model = new SageMakerImageModel({
      endpointName: "sd35-async",
      format: "jumpstart",
      asyncEndpoint: endpoint,
    });
    const result = await model.generate({ prompt: "a harbour", seed: 9 }, { timeoutMs: 30_000 });
    expect(sm.requests.map((r) => r.operation)).toEqual(["InvokeEndpointAsync"]);
    expect(Array.from(result.images[0]?.bytes.subarray(0, 8) ?? [])).toEqual(PNG_SIGNATURE);
    expect(result.images[0]?.seed).toBe(9);
    expect(String(result.metadata.outputLocation)).toMatch(/^s3:\/\/results\/sd\//);
    expect(result.metadata.inferenceId).toBeTruthy();
  });

  it("a result that never lands ends with TimeoutError at timeoutMs", async () => {
    s3 = await startMemoryS3();
    // No S3 on the SageMaker side: the request is accepted and nothing is ever written.
    sm = await startSageMakerRuntime({ invokeEndpointAsync: () => ({ output: {} }) });
    const endpoint = new AsyncEndpoint({
      endpointName: "sd35-async",
      inputLocation: "s3://inputs/sd/",
      sagemakerRuntime: sm.client,
      s3: s3.client,
      minDelayMs: 5,
      maxDelayMs: 20,
    });
    const model = new SageMakerImageModel({
      endpointName: "sd35-async",
      format: "jumpstart",
      asyncEndpoint: endpoint,
    });
    const err = await model.generate({ prompt: "a" }, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
  });

  it("refuses an async endpoint for another name, and TargetModel with async", () => {
    const endpoint = new AsyncEndpoint({
      endpointName: "other",
      inputLocation: "s3://my-bucket/p/",
    });
    expect(
      () =>
        new SageMakerImageModel({
          endpointName: "sd",
          format: "jumpstart",
          asyncEndpoint: endpoint,
        }),
    ).toThrow(/asyncEndpoint: is for endpoint "other"/);
    const same = new AsyncEndpoint({ endpointName: "sd", inputLocation: "s3://my-bucket/p/" });
    expect(
      () =>
        new SageMakerImageModel({
          endpointName: "sd",
          format: "triton",
          targetModel: "m.tar.gz",
          asyncEndpoint: same,
        }),
    ).toThrow(/targetModel/);
  });
});
