/**
 * `fmops image`: generate images with a Bedrock image model or a SageMaker diffusion endpoint
 * and save them to a folder.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ValidationError } from "../core/index.js";
import type { ImageModel, ImageRequest } from "../models/index.js";
import {
  BedrockImageModel,
  type SageMakerImageFormat,
  SageMakerImageModel,
  saveImages,
} from "../models/index.js";
import { awsFlags, modelSpecParts, numberFlag, positiveIntFlag } from "./flags.js";
import { type CliCommand, type CliIo, readPrompt } from "./io.js";

const usage = `Usage: fmops image --model <model> [options] [prompt...]

Generates images and writes them to a folder, one path per line on stdout. Without a prompt
argument, reads stdin.

Model:
  --model <model>           bedrock:<model-id> | sagemaker:<endpoint>
                            (e.g. bedrock:amazon.nova-canvas-v1:0, bedrock:stability.sd3-5-large-v1:0)
  --format <f>              SageMaker payload format: jumpstart | triton (default jumpstart)
  --target-model <name>     SageMaker multi-model endpoints: the model artifact (TargetModel)
  --region <region>         AWS region (default: the SDK's configuration)
  --endpoint-url <url>      Custom AWS endpoint (VPC endpoint or local stand-in)
Options:
  --size <WxH>              Output size in pixels, e.g. 1024x1024 (Titan, Nova, Triton)
  --aspect-ratio <r>        Output aspect ratio, e.g. 16:9 (Stability, JumpStart)
  --count <n>               Number of images (default 1)
  --seed <n>                Seed, for repeatable images
  --negative <text>         What to keep out of the image
  --cfg-scale <x>           How closely to follow the prompt
  --out <dir>               Folder to write to (default: the current folder)
  --prefix <name>           File name stem (default image): <prefix>-1.png, ...
  --overwrite               Replace existing files
  --timeout <ms>            Give up after this many milliseconds
`;

function modelFromFlags(values: Record<string, string | boolean | undefined>): ImageModel {
  const spec = values.model as string | undefined;
  const { kind, target } = modelSpecParts(spec, "bedrock:amazon.nova-canvas-v1:0");
  const aws = awsFlags(values);
  if (kind === "bedrock" && target) return new BedrockImageModel({ modelId: target, ...aws });
  if (kind === "sagemaker" && target) {
    const format = (values.format ?? "jumpstart") as string;
    if (format !== "jumpstart" && format !== "triton") {
      throw new ValidationError(`--format must be jumpstart or triton; got "${format}".`, [
        { path: "--format", message: "unknown format" },
      ]);
    }
    return new SageMakerImageModel({
      endpointName: target,
      format: format as SageMakerImageFormat,
      ...(values["target-model"] !== undefined
        ? { targetModel: values["target-model"] as string }
        : {}),
      ...aws,
    });
  }
  throw new ValidationError(
    `--model must be bedrock:<model-id> or sagemaker:<endpoint>; got "${spec}".`,
    [{ path: "--model", message: "unknown model kind" }],
  );
}

function sizeFlag(value: string | undefined): { width: number; height: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(value.trim());
  if (!match) {
    throw new ValidationError(`--size takes WIDTHxHEIGHT, e.g. 1024x1024; got "${value}".`, [
      { path: "--size", message: "not WIDTHxHEIGHT" },
    ]);
  }
  return { width: Number(match[1]), height: Number(match[2]) };
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      model: { type: "string" },
      format: { type: "string" },
      "target-model": { type: "string" },
      region: { type: "string" },
      "endpoint-url": { type: "string" },
      size: { type: "string" },
      "aspect-ratio": { type: "string" },
      count: { type: "string" },
      seed: { type: "string" },
      negative: { type: "string" },
      "cfg-scale": { type: "string" },
      out: { type: "string" },
      prefix: { type: "string" },
      overwrite: { type: "boolean" },
      timeout: { type: "string" },
    },
  });
  const model = modelFromFlags(values);
  const prompt = await readPrompt(positionals, io);
  const request: ImageRequest = { prompt, ...sizeFlag(values.size) };
  if (values["aspect-ratio"] !== undefined) request.aspectRatio = values["aspect-ratio"];
  if (values.negative !== undefined) request.negativePrompt = values.negative;
  const count = positiveIntFlag(values.count, "--count");
  if (count !== undefined) request.count = count;
  const seed = numberFlag(values.seed, "--seed");
  if (seed !== undefined) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new ValidationError(
        `--seed takes a whole number of at least 0; got "${values.seed}".`,
        [{ path: "--seed", message: "not a non-negative integer" }],
      );
    }
    request.seed = seed;
  }
  const cfgScale = numberFlag(values["cfg-scale"], "--cfg-scale");
  if (cfgScale !== undefined) request.cfgScale = cfgScale;
  const timeoutMs = positiveIntFlag(values.timeout, "--timeout");
  const result = await model.generate(request, {
    signal: io.signal,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  const paths = await saveImages(result, values.out ?? ".", {
    ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
    ...(values.overwrite ? { overwrite: true } : {}),
  });
  for (const path of paths) io.stdout.write(`${path}\n`);
  return 0;
}

/** The `fmops image` command. */
export const imageCommand: CliCommand = {
  summary: "Generate images with a Bedrock image model or a SageMaker diffusion endpoint",
  usage,
  run,
};
