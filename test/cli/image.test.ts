import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { imageSize } from "../../src/models/image-bytes.js";
import {
  type BedrockRuntimeStandIn,
  bedrockImageModels,
  jumpStartDiffusion,
  type SageMakerRuntimeStandIn,
  standInError,
  startBedrockRuntime,
  startSageMakerRuntime,
  testCredentials,
  tritonDiffusion,
} from "../emulators/index.js";
import { memoryIo } from "./cli-io.js";

let br: BedrockRuntimeStandIn | undefined;
let sm: SageMakerRuntimeStandIn | undefined;
let dir: string;

beforeEach(async () => {
  // The CLI builds its own client from the default chain: give it the fake keys via the environment.
  vi.stubEnv("AWS_ACCESS_KEY_ID", testCredentials.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", testCredentials.secretAccessKey);
  vi.stubEnv("AWS_REGION", "us-east-1");
  dir = await mkdtemp(join(tmpdir(), "fmops-cli-image-"));
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await br?.close();
  await sm?.close();
  br = undefined;
  sm = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("fmops image", () => {
  it("generates with a JumpStart endpoint and writes one file per image, printing the paths", async () => {
    sm = await startSageMakerRuntime({ invokeEndpoint: jumpStartDiffusion() });
    const t = memoryIo();
    const code = await main(
      [
        "image",
        "--model",
        "sagemaker:sd35",
        "--endpoint-url",
        sm.endpoint,
        "--aspect-ratio",
        "16:9",
        "--count",
        "2",
        "--seed",
        "7",
        "--negative",
        "blur",
        "--out",
        dir,
        "--prefix",
        "fox",
        "a fox in snow",
      ],
      t.io,
    );
    expect(t.stderr()).toBe("");
    expect(code).toBe(0);
    expect(t.stdout()).toBe(`${join(dir, "fox-1.png")}\n${join(dir, "fox-2.png")}\n`);
    expect((await readdir(dir)).sort()).toEqual(["fox-1.png", "fox-2.png"]);
    const bytes = new Uint8Array(await readFile(join(dir, "fox-1.png")));
    expect(imageSize(bytes)).toEqual({ width: 128, height: 72 });
    const sent = sm.requests.map((r) => JSON.parse(new TextDecoder().decode(r.body)));
    expect(sent).toEqual([
      {
        prompt: "a fox in snow",
        negative_prompt: "blur",
        seed: 7,
        aspect_ratio: "16:9",
        output_format: "png",
      },
      {
        prompt: "a fox in snow",
        negative_prompt: "blur",
        seed: 8,
        aspect_ratio: "16:9",
        output_format: "png",
      },
    ]);
  });

  it("reads the prompt from stdin and drives a Triton multi-model endpoint", async () => {
    sm = await startSageMakerRuntime({ invokeEndpoint: tritonDiffusion() });
    const t = memoryIo("an infinity pool\n");
    const code = await main(
      [
        "image",
        "--model",
        "sagemaker:sd-mme",
        "--format",
        "triton",
        "--target-model",
        "sd_base.tar.gz",
        "--endpoint-url",
        sm.endpoint,
        "--size",
        "64x32",
        "--out",
        dir,
      ],
      t.io,
    );
    expect(t.stderr()).toBe("");
    expect(code).toBe(0);
    expect(sm.requests[0]?.headers["x-amzn-sagemaker-target-model"]).toBe("sd_base.tar.gz");
    expect(imageSize(new Uint8Array(await readFile(join(dir, "image-1.png"))))).toEqual({
      width: 64,
      height: 32,
    });
  });

  it.each([
    [
      ["--model", "bedrock:amazon.nova-canvas-v1:0", "--size", "big", "x"],
      "--size takes WIDTHxHEIGHT",
    ],
    [["--model", "bedrock:amazon.nova-canvas-v1:0", "--count", "0", "x"], "--count"],
    [["--model", "bedrock:amazon.nova-canvas-v1:0", "--seed", "-1", "x"], "--seed"],
    [
      ["--model", "openai:http://x", "x"],
      "--model must be bedrock:<model-id> or sagemaker:<endpoint>",
    ],
    [["--model", "sagemaker:e", "--format", "tgi", "x"], "--format must be jumpstart or triton"],
    [["x"], "--model is required"],
    [["--model", "bedrock:amazon.nova-canvas-v1:0", "--nope", "x"], "--nope"],
    // A model limit: Titan makes only its listed sizes. Refused before any call, as a usage error.
    [
      ["--model", "bedrock:amazon.titan-image-generator-v2:0", "--size", "1000x1000", "x"],
      "not one of Titan's sizes",
    ],
  ])("usage error %j exits 2", async (args, message) => {
    br = await startBedrockRuntime({ invokeModel: bedrockImageModels() });
    const t = memoryIo();
    const code = await main(["image", "--endpoint-url", br.endpoint, "--out", dir, ...args], t.io);
    expect(code).toBe(2);
    expect(t.stderr()).toContain(message);
    expect(br.requests).toHaveLength(0);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a failing endpoint exits 1 with the typed code and writes nothing", async () => {
    sm = await startSageMakerRuntime({
      invokeEndpoint: () =>
        standInError({ status: 424, type: "ModelError", message: "CUDA out of memory" }),
    });
    const t = memoryIo();
    const code = await main(
      ["image", "--model", "sagemaker:sd35", "--endpoint-url", sm.endpoint, "--out", dir, "a fox"],
      t.io,
    );
    expect(code).toBe(1);
    expect(t.stderr()).toContain("[AWS_MODEL_ERROR]");
    expect(await readdir(dir)).toEqual([]);
  });

  it("is listed in fmops --help", async () => {
    const t = memoryIo();
    await main(["--help"], t.io);
    expect(t.stdout()).toMatch(/image\s+Generate images/);
  });
});
