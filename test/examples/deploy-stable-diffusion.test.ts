/**
 * The Stable Diffusion Triton artifact (examples/deploy/triton-stable-diffusion), checked without
 * a GPU, weights or PyPI: config.pbtxt parsed and matched against the tensors SageMakerImageModel
 * sends, model.py compiled, the archive layout, and the deploy script's dry run (tags, GPU
 * instance, bounded wait, the invoke body). The handler itself runs in
 * deploy-stable-diffusion.system.test.ts (it needs NumPy).
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { isMessage, type PbMessage, parsePbtxt } from "../../examples/deploy/shared/pbtxt.js";
import { readModelRepository } from "../../examples/deploy/triton-multi-model/deploy.js";
import {
  MODEL_REPOSITORY,
  packageStableDiffusion,
  readWeights,
  main as sdMain,
} from "../../examples/deploy/triton-stable-diffusion/deploy.js";
import { SageMakerImageModel } from "../../src/models/sagemaker-image.js";
import {
  type SageMakerRuntimeStandIn,
  startSageMakerRuntime,
  type TritonCall,
  tinyPng,
  tritonDiffusion,
} from "../emulators/index.js";
import { dryRun, runMain } from "./deploy/run-cli.js";

const SD = join(MODEL_REPOSITORY, "sd_base");
let sm: SageMakerRuntimeStandIn | undefined;
afterEach(async () => {
  await sm?.close();
  sm = undefined;
});

async function config(): Promise<PbMessage> {
  return parsePbtxt(await readFile(join(SD, "config.pbtxt"), "utf8"));
}

const messages = (m: PbMessage, field: string) => (m[field] ?? []).filter(isMessage) as PbMessage[];
const enumOf = (v: unknown) => (v as { enum?: string } | undefined)?.enum;

/** Tar member names of a .tar.gz (ustar: 512-byte headers, name in the first 100 bytes). */
function tarNames(gz: Uint8Array): string[] {
  const tar = gunzipSync(gz);
  const names: string[] = [];
  let at = 0;
  while (at + 512 <= tar.length && tar[at] !== 0) {
    const header = tar.subarray(at, at + 512);
    const field = (from: number, len: number) =>
      new TextDecoder().decode(header.subarray(from, from + len)).replace(/\0.*$/s, "");
    const prefix = field(345, 155);
    names.push(prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const size = Number.parseInt(field(124, 12).trim() || "0", 8);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

describe("triton-stable-diffusion: config.pbtxt", () => {
  it("is a Python-backend model on GPU instances with the conda env and weights parameters", async () => {
    const c = await config();
    expect(c.name).toEqual(["sd_base"]);
    expect(c.backend).toEqual(["python"]);
    expect(c.max_batch_size).toEqual([0]);
    const groups = messages(c, "instance_group");
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) expect(enumOf(g.kind?.[0])).toBe("KIND_GPU");
    const params = Object.fromEntries(
      messages(c, "parameters").map((p) => [
        p.key?.[0],
        (p.value?.[0] as PbMessage | undefined)?.string_value?.[0],
      ]),
    );
    expect(params).toMatchObject({
      EXECUTION_ENV_PATH: "$$TRITON_MODEL_DIRECTORY/python_env.tar.gz",
      WEIGHTS_DIR: "weights",
      MAX_IMAGES: "4",
    });
  });

  it("declares every tensor SageMakerImageModel sends, with its shape, and the output it reads", async () => {
    const c = await config();
    const inputs = new Map(messages(c, "input").map((t) => [t.name?.[0] as string, t]));
    const seen: TritonCall[] = [];
    sm = await startSageMakerRuntime({ invokeEndpoint: tritonDiffusion(seen) });
    const model = new SageMakerImageModel({
      endpointName: "sd",
      format: "triton",
      targetModel: "sd_base.tar.gz",
      client: sm.client,
    });
    // An inpainting request: every optional tensor present.
    await model.generate({
      task: "inpainting",
      prompt: "a red door",
      negativePrompt: "blur",
      images: [tinyPng(64, 64)],
      maskImage: tinyPng(64, 64),
      width: 512,
      height: 512,
      seed: 3,
    });
    const sent = seen[0]?.inputs ?? [];
    expect(sent.map((t) => t.name).sort()).toEqual(
      ["gen_args", "image", "mask_image", "negative_prompt", "prompt"].sort(),
    );
    for (const tensor of sent) {
      const declared = inputs.get(tensor.name);
      expect(declared, tensor.name).toBeDefined();
      expect(enumOf(declared?.data_type?.[0]), tensor.name).toBe("TYPE_STRING");
      expect(tensor.datatype).toBe("BYTES");
      // max_batch_size 0: the request's shape must equal dims exactly.
      expect(declared?.dims, tensor.name).toEqual(tensor.shape);
    }
    // Only the prompt is required, as in SageMakerImageModel, which always sends it.
    for (const [name, t] of inputs) expect(t.optional?.[0] === true, name).toBe(name !== "prompt");
    expect(messages(c, "output").map((t) => [t.name?.[0], enumOf(t.data_type?.[0])])).toEqual([
      ["generated_image", "TYPE_STRING"],
    ]);
  });
});

describe("triton-stable-diffusion: model.py, archive and deploy script", () => {
  it("model.py compiles with python3 and imports torch and diffusers only inside initialize", async () => {
    const file = join(SD, "1/model.py");
    execFileSync("python3", [
      "-c",
      "import ast,sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')",
      file,
    ]);
    const source = await readFile(file, "utf8");
    const topLevelImports = source
      .split("\n")
      .filter((l) => /^(import|from) /.test(l))
      .join("\n");
    expect(topLevelImports).not.toMatch(/torch|diffusers|PIL/);
  });

  it("packages the model folder, the packed env and the weights under sd_base/", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sd-weights-"));
    await writeFile(join(dir, "model_index.json"), '{"_class_name":"StableDiffusionPipeline"}');
    const [model] = await readModelRepository(MODEL_REPOSITORY);
    expect(model?.archive).toBe("sd_base.tar.gz");
    const archive = packageStableDiffusion(
      model as NonNullable<typeof model>,
      new Uint8Array([1, 2, 3]),
      await readWeights(dir),
    );
    expect(tarNames(archive).sort()).toEqual(
      [
        "sd_base/1/model.py",
        "sd_base/config.pbtxt",
        "sd_base/python_env.tar.gz",
        "sd_base/weights/model_index.json",
      ].sort(),
    );
    const empty = await mkdtemp(join(tmpdir(), "sd-empty-"));
    await expect(readWeights(empty)).rejects.toThrow(/model_index\.json/);
  });

  it("dry run: MultiModel on a GPU instance, tagged, with a bounded wait", async () => {
    const lines = await dryRun(sdMain, ["--model-prefix", "s3://models/sd", "--tag", "team=art"]);
    expect(lines.find((l) => l.operation === "PutObject")?.input).toMatchObject({
      Bucket: "models",
      Key: "sd/sd_base.tar.gz",
    });
    const model = lines.find((l) => l.operation === "CreateModel")?.input as Record<
      string,
      unknown
    >;
    expect(model.PrimaryContainer).toMatchObject({
      Mode: "MultiModel",
      ModelDataUrl: "s3://models/sd/",
    });
    const endpointConfig = lines.find((l) => l.operation === "CreateEndpointConfig")?.input as {
      ProductionVariants: { InstanceType: string }[];
    };
    expect(endpointConfig.ProductionVariants[0]?.InstanceType).toMatch(/^ml\.(g|p)\d/);
    for (const op of ["CreateModel", "CreateEndpointConfig", "CreateEndpoint"]) {
      const input = lines.find((l) => l.operation === op)?.input as
        | { Tags?: unknown[] }
        | undefined;
      const tags = input?.Tags;
      expect(tags, op).toContainEqual({ Key: "fmops:example", Value: "triton-stable-diffusion" });
      expect(tags, op).toContainEqual({ Key: "team", Value: "art" });
    }
    const wait = lines.find((l) => l.operation === "DescribeEndpoint") as {
      maxWaitSeconds?: number;
    };
    expect(wait.maxWaitSeconds).toBeGreaterThan(0);
    expect(wait.maxWaitSeconds).toBeLessThanOrEqual(180 * 60);
  });

  it("invoke sends what SageMakerImageModel sends for the same request", async () => {
    const [line] = await dryRun(sdMain, [
      "invoke",
      "--prompt",
      "a lighthouse",
      "--width",
      "768",
      "--height",
      "512",
      "--steps",
      "25",
      "--seed",
      "7",
    ]);
    const input = line?.input as {
      TargetModel: string;
      ContentType: string;
      Body: { text: string };
    };
    const seen: TritonCall[] = [];
    sm = await startSageMakerRuntime({ invokeEndpoint: tritonDiffusion(seen) });
    await new SageMakerImageModel({
      endpointName: "sd",
      format: "triton",
      targetModel: "sd_base.tar.gz",
      parameters: { num_inference_steps: 25 },
      client: sm.client,
    }).generate({ prompt: "a lighthouse", width: 768, height: 512, seed: 7 });
    expect(input.TargetModel).toBe(seen[0]?.targetModel);
    expect(input.ContentType).toBe(seen[0]?.contentType);
    const normalize = (inputs: { name: string; data: unknown[] }[]) =>
      inputs.map((t) => ({
        ...t,
        data: t.name === "gen_args" ? [JSON.parse(String(t.data[0]))] : t.data,
      }));
    expect(normalize(JSON.parse(input.Body.text).inputs)).toEqual(normalize(seen[0]?.inputs ?? []));
  });

  it("a real deploy needs the packed env and the weights, and says so before any call", async () => {
    const run = await runMain(sdMain, [
      "deploy",
      "--role-arn",
      "arn:aws:iam::123456789012:role/r",
      "--image",
      "1.dkr.ecr.us-east-1.amazonaws.com/t:1",
      "--model-prefix",
      "s3://b/p/",
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr.join("")).toMatch(/--conda-env.*--weights/);
  });
});
