/**
 * The Stable Diffusion Triton model.py (examples/deploy/triton-stable-diffusion) serving requests
 * made by SageMakerImageModel: the SageMaker Runtime stand-in hands each request body to the real
 * model.py, run by test/examples/deploy/sd_harness.py with stand-ins for Triton's
 * triton_python_backend_utils, torch, diffusers and PIL (no GPU, weights or PyPI here). It needs
 * NumPy (Debian: python3-numpy), so it runs in `npm run test:system`.
 */
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isMessage, type PbMessage, parsePbtxt } from "../../examples/deploy/shared/pbtxt.js";
import { MODEL_REPOSITORY } from "../../examples/deploy/triton-stable-diffusion/deploy.js";
import type { ImageRequest } from "../../src/models/image-types.js";
import { SageMakerImageModel } from "../../src/models/sagemaker-image.js";
import {
  type SageMakerRuntimeStandIn,
  standInError,
  startSageMakerRuntime,
  tinyPng,
} from "../emulators/index.js";

const SD = join(MODEL_REPOSITORY, "sd_base");
const HARNESS = new URL("./deploy/sd_harness.py", import.meta.url).pathname;
const PNG = tinyPng(8, 8);

interface HarnessRun {
  loaded: { weights?: string; dtype?: string; device?: string };
  calls: { pipeline: string; kwargs: Record<string, unknown> }[];
  response?: { outputs: unknown[] };
  error?: string;
}

let sm: SageMakerRuntimeStandIn | undefined;
afterEach(async () => {
  await sm?.close();
  sm = undefined;
});

/** Triton's JSON form of the parameters model.py reads. */
async function modelConfig(): Promise<Record<string, unknown>> {
  const c = parsePbtxt(await readFile(join(SD, "config.pbtxt"), "utf8"));
  const parameters = Object.fromEntries(
    (c.parameters ?? [])
      .filter(isMessage)
      .map((p) => [
        p.key?.[0],
        { string_value: (p.value?.[0] as PbMessage | undefined)?.string_value?.[0] },
      ]),
  );
  return { name: c.name?.[0], parameters };
}

/** A stand-in endpoint whose model is the example's model.py; returns each harness run. */
async function serve(): Promise<{ model: SageMakerImageModel; runs: HarnessRun[] }> {
  const config = await modelConfig();
  const runs: HarnessRun[] = [];
  sm = await startSageMakerRuntime({
    invokeEndpoint: (request) => {
      const run = JSON.parse(
        execFileSync("python3", [HARNESS], {
          input: JSON.stringify({
            model_py: join(SD, "1/model.py"),
            model_config: config,
            model_repository: SD,
            png_b64: Buffer.from(PNG).toString("base64"),
            kind: "GPU",
            request: request.json(),
          }),
          encoding: "utf8",
        }),
      ) as HarnessRun;
      runs.push(run);
      if (run.error !== undefined) {
        // What SageMaker answers when the container returns HTTP 400.
        return standInError({
          status: 424,
          type: "ModelError",
          message: `Received client error (400) from primary with message "${run.error}".`,
        });
      }
      return { body: { model_name: request.targetModel, ...run.response } };
    },
  });
  const model = new SageMakerImageModel({
    endpointName: "sd",
    format: "triton",
    targetModel: "sd_base.tar.gz",
    parameters: { num_inference_steps: 20 },
    client: sm.client,
  });
  return { model, runs };
}

describe("the Stable Diffusion model.py behind SageMakerImageModel", () => {
  it("text to image: loads the weights on the GPU in fp16 and returns one PNG per image", async () => {
    const { model, runs } = await serve();
    const result = await model.generate({
      prompt: "a lighthouse at dusk",
      negativePrompt: "blurry",
      width: 768,
      height: 512,
      cfgScale: 7.5,
      seed: 42,
      count: 2,
    });
    expect(result.images).toHaveLength(2);
    expect(result.images[0]?.bytes).toEqual(PNG);
    expect(result.images[0]?.mediaType).toBe("image/png");
    const run = runs[0] as HarnessRun;
    expect(run.loaded).toEqual({
      weights: join(SD, "weights"),
      dtype: "float16",
      device: "cuda:0",
    });
    expect(run.calls).toEqual([
      {
        pipeline: "text",
        kwargs: {
          prompt: "a lighthouse at dusk",
          negative_prompt: "blurry",
          generator: { device: "cuda:0", seed: 42 },
          num_inference_steps: 20,
          width: 768,
          height: 512,
          guidance_scale: 7.5,
          num_images_per_prompt: 2,
        },
      },
    ]);
  });

  it("an input image picks image-to-image, and a mask picks inpainting", async () => {
    const { model, runs } = await serve();
    await model.generate({
      task: "imageToImage",
      prompt: "as a watercolour",
      images: [PNG],
      strength: 0.6,
    });
    await model.generate({
      task: "inpainting",
      prompt: "a red door",
      images: [PNG],
      maskImage: PNG,
    });
    expect(runs.map((r) => r.calls[0]?.pipeline)).toEqual(["image", "inpaint"]);
    expect(runs[0]?.calls[0]?.kwargs).toMatchObject({
      image: { kind: "png", mode: "RGB" },
      strength: 0.6,
    });
    expect(runs[1]?.calls[0]?.kwargs).toMatchObject({
      image: { kind: "png" },
      mask_image: { kind: "png", mode: "RGB" },
    });
  });

  it.each<[string, Partial<ImageRequest>, Record<string, unknown>, RegExp]>([
    ["an unknown gen_args key", {}, { scheduler: "ddim" }, /gen_args has unknown keys: scheduler/],
    ["more images than MAX_IMAGES", { count: 5 }, {}, /num_images_per_prompt must be from 1 to 4/],
    [
      "too many steps",
      {},
      { num_inference_steps: 500 },
      /num_inference_steps must be from 1 to 150/,
    ],
  ])(
    "refuses %s with the model's message, before the pipeline runs",
    async (_, extra, parameters, message) => {
      const { runs } = await serve();
      const model = new SageMakerImageModel({
        endpointName: "sd",
        format: "triton",
        targetModel: "sd_base.tar.gz",
        parameters,
        client: (sm as SageMakerRuntimeStandIn).client,
      });
      const err = await model.generate({ prompt: "x", ...extra }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(message);
      expect(runs[0]?.calls).toEqual([]);
    },
  );
});
