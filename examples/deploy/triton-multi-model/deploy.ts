/**
 * Deploys an NVIDIA Triton multi-model endpoint (`Mode: MultiModel`): every folder of
 * `model_repository/` becomes `<model>.tar.gz` under one S3 prefix, SageMaker loads a model on
 * its first request naming it in `TargetModel`, and unloads idle ones under memory pressure.
 *
 *   node --import tsx examples/deploy/triton-multi-model/deploy.ts --dry-run
 *   node --import tsx examples/deploy/triton-multi-model/deploy.ts package --out /tmp/triton \
 *     --conda-env ./python_env.tar.gz
 *   node --import tsx examples/deploy/triton-multi-model/deploy.ts deploy --image <Triton DLC URI> \
 *     --role-arn arn:aws:iam::123456789012:role/SageMakerRole \
 *     --model-prefix s3://my-bucket/fmops/triton/ --conda-env ./python_env.tar.gz
 *   node --import tsx examples/deploy/triton-multi-model/deploy.ts invoke \
 *     --target-model extractive_summary.tar.gz --text "First sentence. Second one. ..."
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseOptions, ValidationError } from "../../../src/core/index.js";
import { type CliIo, type CommonConfig, type ExampleCli, isMain, runCli } from "../shared/cli.js";
import { one, parsePbtxt } from "../shared/pbtxt.js";
import {
  cleanupSteps,
  endpointSteps,
  invokeStep,
  resourceNames,
  s3Join,
  uploadStep,
} from "../shared/sagemaker.js";
import { createTarGz, type TarEntry } from "../shared/tar.js";

const HERE = dirname(fileURLToPath(import.meta.url));

/** The model repository shipped with this example. */
export const MODEL_REPOSITORY = join(HERE, "model_repository");

/** The Triton container image: a placeholder until you pick the DLC URI for your region. */
export const TRITON_IMAGE_PLACEHOLDER = (region: string) =>
  `<dlc-account>.dkr.ecr.${region}.amazonaws.com/sagemaker-tritonserver:<triton-tag>`;

/** The file name config.pbtxt's EXECUTION_ENV_PATH points at, inside each model folder. */
export const CONDA_ENV_FILE = "python_env.tar.gz";

/** One model folder, read into archive entries. */
export interface TritonModel {
  name: string;
  /** Archive name, which is also the `TargetModel` to invoke it with. */
  archive: string;
  entries: TarEntry[];
  /** Whether config.pbtxt asks for a packed conda environment. */
  needsCondaEnv: boolean;
}

/** This example's validated configuration. */
export interface TritonConfig extends CommonConfig {
  models: TritonModel[];
  modelPrefix: string;
  condaEnv: Uint8Array | undefined;
  condaEnvPath: string;
  outDir: string;
  targetModel: string;
  text: string;
  maxSentences: number;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === "__pycache__" || entry.name.startsWith(".")) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

/**
 * Reads every model folder of a Triton model repository, checking that each has a config.pbtxt
 * whose `name` matches the folder and a numbered version folder with a model.py.
 */
export async function readModelRepository(root: string): Promise<TritonModel[]> {
  const models: TritonModel[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const dir = join(root, entry.name);
    const files = await listFiles(dir);
    const configFile = join(dir, "config.pbtxt");
    if (!files.includes(configFile)) {
      throw new ValidationError(`Model folder "${entry.name}" has no config.pbtxt.`);
    }
    const config = parsePbtxt(await readFile(configFile, "utf8"));
    if (one(config, "name") !== entry.name) {
      throw new ValidationError(
        `config.pbtxt in "${entry.name}" has name ${JSON.stringify(one(config, "name"))}; it must equal the folder name.`,
      );
    }
    const relativeFiles = files.map((f) => relative(dir, f).split(sep).join("/"));
    if (!relativeFiles.some((f) => /^\d+\/model\.py$/.test(f))) {
      throw new ValidationError(`Model folder "${entry.name}" has no <version>/model.py.`);
    }
    const needsCondaEnv = (config.parameters ?? []).some((p) => {
      const key =
        typeof p === "object" && p !== null && !Array.isArray(p) && "key" in p ? p.key : [];
      return Array.isArray(key) && key[0] === "EXECUTION_ENV_PATH";
    });
    const entries: TarEntry[] = [];
    for (const [i, file] of files.entries()) {
      entries.push({ path: `${entry.name}/${relativeFiles[i]}`, data: await readFile(file) });
    }
    models.push({ name: entry.name, archive: `${entry.name}.tar.gz`, entries, needsCondaEnv });
  }
  if (models.length === 0) throw new ValidationError(`No model folders in ${root}.`);
  return models.sort((a, b) => a.name.localeCompare(b.name));
}

/** The archive of one model, with the packed conda environment added where config.pbtxt wants it. */
export function packageModel(model: TritonModel, condaEnv: Uint8Array | undefined): Uint8Array {
  const entries = [...model.entries];
  if (model.needsCondaEnv && condaEnv) {
    entries.push({ path: `${model.name}/${CONDA_ENV_FILE}`, data: condaEnv });
  }
  return createTarGz(entries);
}

const flags = z.object({
  "model-prefix": z
    .string()
    .regex(/^s3:\/\/[^/]+\/.*$/, "use s3://bucket/prefix/")
    .default("s3://<your-bucket>/fmops/triton-mme/"),
  "conda-env": z.string().min(1).optional(),
  "model-repository": z.string().min(1).optional(),
  out: z.string().min(1).default("."),
  "target-model": z
    .string()
    .regex(/\.tar\.gz$/, "name the model archive, e.g. m.tar.gz")
    .optional(),
  text: z.string().min(1).default("Paste the text to summarise here."),
  "max-sentences": z.coerce.number().int().positive().default(3),
});

/** Validates the flags and reads the model repository (and the packed env, when given). */
export async function configureTriton(
  common: CommonConfig,
  values: Record<string, unknown>,
): Promise<TritonConfig> {
  const f = parseOptions(flags, values, "triton-multi-model flags");
  const models = await readModelRepository(resolve(f["model-repository"] ?? MODEL_REPOSITORY));
  const condaEnv = f["conda-env"] ? new Uint8Array(await readFile(f["conda-env"])) : undefined;
  const targetModel = f["target-model"] ?? (models[0] as TritonModel).archive;
  if (!models.some((m) => m.archive === targetModel)) {
    throw new ValidationError(
      `--target-model ${targetModel} is not in the repository; use one of: ${models.map((m) => m.archive).join(", ")}.`,
    );
  }
  return {
    ...common,
    models,
    modelPrefix: f["model-prefix"].endsWith("/") ? f["model-prefix"] : `${f["model-prefix"]}/`,
    condaEnv,
    // Real deploys of models that need the env must name it; the placeholder check enforces that.
    condaEnvPath:
      f["conda-env"] ??
      (models.some((m) => m.needsCondaEnv) ? "<python_env.tar.gz from conda-pack>" : ""),
    outDir: resolve(f.out),
    targetModel,
    text: f.text,
    maxSentences: f["max-sentences"],
  };
}

/** The KServe v2 JSON request Triton takes for the example model. */
export function inferenceRequest(text: string, maxSentences: number): string {
  return JSON.stringify({
    inputs: [
      { name: "TEXT", shape: [1, 1], datatype: "BYTES", data: [text] },
      { name: "MAX_SENTENCES", shape: [1, 1], datatype: "INT32", data: [maxSentences] },
    ],
  });
}

/** The CLI definition (exported for tests and for reuse). */
export const cli: ExampleCli<TritonConfig> = {
  example: "triton-multi-model",
  usage: [
    "Usage: deploy.ts [deploy|package|invoke|cleanup] [flags]",
    "  --dry-run                 print every AWS request as JSON, send nothing",
    "  --image URI               SageMaker Triton (sagemaker-tritonserver) DLC image",
    "  --role-arn ARN            SageMaker execution role",
    "  --model-prefix s3://b/p/  where the <model>.tar.gz archives go (the ModelDataUrl)",
    "  --conda-env FILE          python_env.tar.gz built with conda-pack from environment.yml",
    "  --model-repository DIR    default: this example's model_repository/",
    "  --out DIR                 package: where the archives are written",
    "  --target-model M.tar.gz   invoke: the model to run (default: the first)",
    "  --text T --max-sentences N  invoke: the request",
    "  --instance-type T         default ml.g5.xlarge",
    "  --name N  --region R  --tag k=v  --wait-minutes M  --poll-seconds S  --skip-wait",
  ].join("\n"),
  defaults: {
    name: "fmops-triton-mme",
    image: TRITON_IMAGE_PLACEHOLDER,
    instanceType: "ml.g5.xlarge",
  },
  options: {
    "model-prefix": { type: "string" },
    "conda-env": { type: "string" },
    "model-repository": { type: "string" },
    out: { type: "string" },
    "target-model": { type: "string" },
    text: { type: "string" },
    "max-sentences": { type: "string" },
  },
  configure: configureTriton,
  plans: {
    deploy: (config) => [
      ...config.models.map((model) =>
        uploadStep(
          config,
          s3Join(config.modelPrefix, model.archive),
          packageModel(model, config.condaEnv),
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
        variant: { ContainerStartupHealthCheckTimeoutInSeconds: 600 },
      }),
    ],
    invoke: (config) => [
      invokeStep({
        EndpointName: resourceNames(config.name).endpoint,
        TargetModel: config.targetModel,
        ContentType: "application/json",
        Accept: "application/json",
        Body: new TextEncoder().encode(inferenceRequest(config.text, config.maxSentences)),
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
        const bytes = packageModel(model, config.condaEnv);
        await writeFile(file, bytes);
        lines.push(
          JSON.stringify({
            wrote: file,
            bytes: bytes.byteLength,
            ...(model.needsCondaEnv && !config.condaEnv ? { missing: CONDA_ENV_FILE } : {}),
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
