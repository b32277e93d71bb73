/**
 * Deploys Stable Diffusion on an NVIDIA Triton multi-model endpoint (`Mode: MultiModel`) on a GPU
 * instance: each folder of `model_repository/` (here `sd_base`) becomes `<model>.tar.gz` under
 * one S3 prefix, with the packed conda environment and the diffusers weights inside, and
 * SageMaker loads it on the first request naming it in `TargetModel`. Call it from an
 * application with `new SageMakerImageModel({ endpointName, format: "triton", targetModel })`.
 *
 *   node --import tsx examples/deploy/triton-stable-diffusion/deploy.ts --dry-run
 *   node --import tsx examples/deploy/triton-stable-diffusion/deploy.ts package --out /tmp/sd \
 *     --conda-env ./python_env.tar.gz --weights ./sd-weights
 *   node --import tsx examples/deploy/triton-stable-diffusion/deploy.ts deploy --image <Triton DLC URI> \
 *     --role-arn arn:aws:iam::123456789012:role/SageMakerRole --model-prefix s3://my-bucket/fmops/sd/ \
 *     --conda-env ./python_env.tar.gz --weights ./sd-weights
 *   node --import tsx examples/deploy/triton-stable-diffusion/deploy.ts invoke --prompt "a lighthouse at dusk"
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseOptions, ValidationError } from "../../../src/core/index.js";
import { type CliIo, type CommonConfig, type ExampleCli, isMain, runCli } from "../shared/cli.js";
import {
  cleanupSteps,
  endpointSteps,
  invokeStep,
  resourceNames,
  s3Join,
  uploadStep,
} from "../shared/sagemaker.js";
import { createTarGz } from "../shared/tar.js";
import {
  CONDA_ENV_FILE,
  readModelRepository,
  TRITON_IMAGE_PLACEHOLDER,
  type TritonModel,
} from "../triton-multi-model/deploy.js";

const HERE = dirname(fileURLToPath(import.meta.url));

/** The model repository shipped with this example. */
export const MODEL_REPOSITORY = join(HERE, "model_repository");

/** The folder, inside each model's archive folder, that config.pbtxt's WEIGHTS_DIR names. */
export const WEIGHTS_DIR = "weights";

/**
 * Largest archive this script builds in memory. Stable Diffusion 1.5/2.1 in fp16 fits; for
 * larger weights build the archive with `tar` (see the README) and upload it yourself.
 */
export const MAX_ARCHIVE_BYTES = 1.9 * 1024 ** 3;

/** This example's validated configuration. */
export interface StableDiffusionConfig extends CommonConfig {
  models: TritonModel[];
  modelPrefix: string;
  condaEnv: Uint8Array | undefined;
  /** Files of the diffusers weights folder, relative to it. */
  weights: { path: string; data: Uint8Array }[] | undefined;
  outDir: string;
  targetModel: string;
  prompt: string;
  genArgs: Record<string, number>;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

/** Reads a diffusers `save_pretrained()` folder, checking it has the pipeline's `model_index.json`. */
export async function readWeights(dir: string): Promise<{ path: string; data: Uint8Array }[]> {
  const files = await listFiles(dir);
  const paths = files.map((f) => relative(dir, f).split(sep).join("/"));
  if (!paths.includes("model_index.json")) {
    throw new ValidationError(
      `--weights ${dir} has no model_index.json: pass a folder written by a diffusers pipeline's save_pretrained().`,
    );
  }
  return Promise.all(
    files.map(async (f, i) => ({
      path: paths[i] as string,
      data: new Uint8Array(await readFile(f)),
    })),
  );
}

/** The archive of one model: its folder, the packed environment and the weights when given. */
export function packageStableDiffusion(
  model: TritonModel,
  condaEnv: Uint8Array | undefined,
  weights: { path: string; data: Uint8Array }[] | undefined,
): Uint8Array {
  const entries = [...model.entries];
  if (model.needsCondaEnv && condaEnv) {
    entries.push({ path: `${model.name}/${CONDA_ENV_FILE}`, data: condaEnv });
  }
  for (const file of weights ?? []) {
    entries.push({ path: `${model.name}/${WEIGHTS_DIR}/${file.path}`, data: file.data });
  }
  const size = entries.reduce(
    (n, e) => n + (typeof e.data === "string" ? e.data.length : e.data.byteLength),
    0,
  );
  if (size > MAX_ARCHIVE_BYTES) {
    throw new ValidationError(
      `The ${model.name} archive would hold ${size} bytes, more than this script builds in memory (${MAX_ARCHIVE_BYTES}). Build it with tar as the README shows.`,
    );
  }
  return createTarGz(entries);
}

/**
 * The KServe v2 request body `SageMakerImageModel({ format: "triton" })` sends for a text-to-image
 * request: BYTES tensors of shape [1, 1], `gen_args` as JSON. The example's tests check that the
 * two agree, and that model.py reads it.
 */
export function textToImageRequest(prompt: string, genArgs: Record<string, number>): string {
  return JSON.stringify({
    inputs: [
      { name: "prompt", shape: [1, 1], datatype: "BYTES", data: [prompt] },
      { name: "gen_args", shape: [1, 1], datatype: "BYTES", data: [JSON.stringify(genArgs)] },
    ],
  });
}

const flags = z.object({
  "model-prefix": z
    .string()
    .regex(/^s3:\/\/[^/]+\/.*$/, "use s3://bucket/prefix/")
    .default("s3://<your-bucket>/fmops/triton-sd/"),
  "conda-env": z.string().min(1).optional(),
  weights: z.string().min(1).optional(),
  "model-repository": z.string().min(1).optional(),
  out: z.string().min(1).default("."),
  "target-model": z
    .string()
    .regex(/\.tar\.gz$/, "name the model archive, e.g. sd_base.tar.gz")
    .optional(),
  prompt: z.string().min(1).max(2000).default("a lighthouse on a cliff at dusk, oil painting"),
  width: z.coerce.number().int().min(256).max(1536).multipleOf(8).default(512),
  height: z.coerce.number().int().min(256).max(1536).multipleOf(8).default(512),
  steps: z.coerce.number().int().min(1).max(150).default(30),
  seed: z.coerce.number().int().min(0).max(4_294_967_295).optional(),
});

/** Validates the flags and reads the model repository, the packed env and the weights. */
export async function configureStableDiffusion(
  common: CommonConfig,
  values: Record<string, unknown>,
): Promise<StableDiffusionConfig> {
  const f = parseOptions(flags, values, "triton-stable-diffusion flags");
  const models = await readModelRepository(resolve(f["model-repository"] ?? MODEL_REPOSITORY));
  if (common.command === "deploy" && !common.dryRun) {
    const missing = [
      f["conda-env"] ? undefined : "--conda-env (pack_env.sh builds it)",
      f.weights ? undefined : "--weights (a diffusers save_pretrained() folder)",
    ].filter((m) => m !== undefined);
    if (missing.length > 0) {
      throw new ValidationError(
        `deploy needs ${missing.join(" and ")}: without them the endpoint starts but the model cannot load.`,
      );
    }
  }
  const condaEnv = f["conda-env"] ? new Uint8Array(await readFile(f["conda-env"])) : undefined;
  const weights = f.weights ? await readWeights(resolve(f.weights)) : undefined;
  const targetModel = f["target-model"] ?? (models[0] as TritonModel).archive;
  if (!models.some((m) => m.archive === targetModel)) {
    throw new ValidationError(
      `--target-model ${targetModel} is not in the model repository (${models.map((m) => m.archive).join(", ")}).`,
    );
  }
  const genArgs: Record<string, number> = {
    width: f.width,
    height: f.height,
    num_inference_steps: f.steps,
  };
  if (f.seed !== undefined) genArgs.seed = f.seed;
  return {
    ...common,
    models,
    modelPrefix: f["model-prefix"].endsWith("/") ? f["model-prefix"] : `${f["model-prefix"]}/`,
    condaEnv,
    weights,
    outDir: resolve(f.out),
    targetModel,
    prompt: f.prompt,
    genArgs,
  };
}

/** The CLI definition (exported for tests). */
export const cli: ExampleCli<StableDiffusionConfig> = {
  example: "triton-stable-diffusion",
  usage: [
    "Usage: deploy.ts [deploy|package|invoke|cleanup] [flags]",
    "  --dry-run                 print every AWS request as JSON, send nothing",
    "  --image URI               SageMaker Triton (sagemaker-tritonserver) DLC image",
    "  --role-arn ARN            SageMaker execution role",
    "  --model-prefix s3://b/p/  where the <model>.tar.gz archives go (the ModelDataUrl)",
    "  --conda-env FILE          python_env.tar.gz built by pack_env.sh (deploy: required)",
    "  --weights DIR             a diffusers save_pretrained() folder (deploy: required)",
    "  --model-repository DIR    default: this example's model_repository/",
    "  --out DIR                 package: where the archives are written",
    "  --target-model M.tar.gz   invoke: the model to run (default: the first)",
    "  --prompt P --width W --height H --steps N --seed S  invoke: the request",
    "  --instance-type T         a GPU instance; default ml.g5.xlarge",
    "  --name N  --region R  --tag k=v  --wait-minutes M  --poll-seconds S  --skip-wait",
  ].join("\n"),
  defaults: {
    name: "fmops-triton-sd",
    image: TRITON_IMAGE_PLACEHOLDER,
    instanceType: "ml.g5.xlarge",
  },
  options: {
    "model-prefix": { type: "string" },
    "conda-env": { type: "string" },
    weights: { type: "string" },
    "model-repository": { type: "string" },
    out: { type: "string" },
    "target-model": { type: "string" },
    prompt: { type: "string" },
    width: { type: "string" },
    height: { type: "string" },
    steps: { type: "string" },
    seed: { type: "string" },
  },
  configure: configureStableDiffusion,
  plans: {
    deploy: (config) => [
      ...config.models.map((model) =>
        uploadStep(
          config,
          s3Join(config.modelPrefix, model.archive),
          packageStableDiffusion(model, config.condaEnv, config.weights),
          `upload-${model.name}`,
        ),
      ),
      ...endpointSteps(config, {
        container: {
          Image: config.image,
          Mode: "MultiModel",
          // A prefix, not an object: TargetModel names the archive under it.
          ModelDataUrl: config.modelPrefix,
        },
        // Loading a diffusion pipeline onto the GPU takes minutes on the first request.
        variant: { ContainerStartupHealthCheckTimeoutInSeconds: 900 },
      }),
    ],
    invoke: (config) => [
      invokeStep({
        EndpointName: resourceNames(config.name).endpoint,
        TargetModel: config.targetModel,
        // What SageMakerImageModel sends for format "triton".
        ContentType: "application/octet-stream",
        Accept: "application/json",
        Body: new TextEncoder().encode(textToImageRequest(config.prompt, config.genArgs)),
      }),
    ],
    cleanup: (config) => cleanupSteps(config),
  },
  local: {
    package: async (config) => {
      await mkdir(config.outDir, { recursive: true });
      const lines: string[] = [];
      for (const model of config.models) {
        const file = join(config.outDir, model.archive);
        const bytes = packageStableDiffusion(model, config.condaEnv, config.weights);
        await writeFile(file, bytes);
        const missing = [
          model.needsCondaEnv && !config.condaEnv ? CONDA_ENV_FILE : undefined,
          config.weights ? undefined : `${WEIGHTS_DIR}/`,
        ].filter((m) => m !== undefined);
        lines.push(
          JSON.stringify({
            wrote: file,
            bytes: bytes.byteLength,
            ...(missing.length > 0 ? { missing } : {}),
          }),
        );
      }
      return lines;
    },
  },
};

/** Runs the script with `argv` (without `node` and the script path). */
export function main(argv: readonly string[], io?: CliIo): Promise<number> {
  return runCli(cli, argv, io);
}

if (isMain(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
