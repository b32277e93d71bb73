/**
 * Deploys a 7B-class instruct model on an LMI (DJL Serving) container with token streaming:
 * packs `serving.properties` + `model.py` into `model.tar.gz` (no external tools), uploads it,
 * and creates the model, endpoint config and endpoint on one single-GPU g5/g6 instance.
 *
 *   node --import tsx examples/deploy/lmi-streaming/deploy.ts --dry-run
 *   node --import tsx examples/deploy/lmi-streaming/deploy.ts package --out /tmp/lmi
 *   node --import tsx examples/deploy/lmi-streaming/deploy.ts deploy --image <LMI DLC URI> \
 *     --role-arn arn:aws:iam::123456789012:role/SageMakerRole \
 *     --artifact-uri s3://my-bucket/fmops/lmi-streaming/model.tar.gz
 *   node --import tsx examples/deploy/lmi-streaming/deploy.ts cleanup
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseOptions, ValidationError } from "../../../src/core/index.js";
import { type CliIo, type CommonConfig, type ExampleCli, isMain, runCli } from "../shared/cli.js";
import { gpusPerInstance } from "../shared/instances.js";
import { formatProperties, parseProperties } from "../shared/properties.js";
import { cleanupSteps, endpointSteps, uploadStep } from "../shared/sagemaker.js";
import { createTarGz } from "../shared/tar.js";

const HERE = dirname(fileURLToPath(import.meta.url));

/** The LMI container image: a placeholder until you pick the DLC URI for your region. */
export const LMI_IMAGE_PLACEHOLDER = (region: string) =>
  `<dlc-account>.dkr.ecr.${region}.amazonaws.com/djl-inference:<lmi-tag>`;

/** This example's validated configuration. */
export interface LmiConfig extends CommonConfig {
  /** serving.properties after overrides, in file order. */
  properties: Map<string, string>;
  modelPy: string;
  artifactUri: string;
  outDir: string;
  maxNewTokensCap: number;
}

const flags = z.object({
  "model-id": z.string().min(1).optional(),
  "tensor-parallel-degree": z.coerce.number().int().positive().optional(),
  "max-rolling-batch-size": z.coerce.number().int().positive().optional(),
  "max-new-tokens-cap": z.coerce.number().int().positive().max(32768).default(2048),
  "artifact-uri": z
    .string()
    .regex(/^s3:\/\/[^/]+\/.+\.tar\.gz$/, "use s3://bucket/key.tar.gz")
    .optional(),
  out: z.string().min(1).default("."),
});

/** Reads the example's `serving.properties` and `model.py` and applies the flag overrides. */
export async function loadLmiConfig(
  common: CommonConfig,
  values: Record<string, unknown>,
): Promise<LmiConfig> {
  const f = parseOptions(flags, values, "lmi-streaming flags");
  const properties = parseProperties(await readFile(join(HERE, "serving.properties"), "utf8"));
  if (f["model-id"]) properties.set("option.model_id", f["model-id"]);
  if (f["tensor-parallel-degree"]) {
    properties.set("option.tensor_parallel_degree", String(f["tensor-parallel-degree"]));
  }
  if (f["max-rolling-batch-size"]) {
    properties.set("option.max_rolling_batch_size", String(f["max-rolling-batch-size"]));
  }
  const tp = Number(properties.get("option.tensor_parallel_degree") ?? "1");
  const gpus = gpusPerInstance(common.instanceType);
  if (gpus !== undefined && tp > gpus) {
    throw new ValidationError(
      `option.tensor_parallel_degree=${tp} needs ${tp} GPUs but ${common.instanceType} has ${gpus}; lower --tensor-parallel-degree or pick a larger --instance-type.`,
    );
  }
  return {
    ...common,
    properties,
    modelPy: await readFile(join(HERE, "model.py"), "utf8"),
    artifactUri: f["artifact-uri"] ?? "s3://<your-bucket>/fmops/lmi-streaming/model.tar.gz",
    outDir: resolve(f.out),
    maxNewTokensCap: f["max-new-tokens-cap"],
  };
}

/** The `model.tar.gz` LMI loads from `/opt/ml/model`: serving.properties and model.py at its root. */
export function packageLmi(config: LmiConfig): Uint8Array {
  return createTarGz([
    { path: "serving.properties", data: formatProperties(config.properties) },
    { path: "model.py", data: config.modelPy },
  ]);
}

/** The CLI definition (exported for tests and for reuse). */
export const cli: ExampleCli<LmiConfig> = {
  example: "lmi-streaming",
  usage: [
    "Usage: deploy.ts [deploy|package|cleanup] [flags]",
    "  --dry-run                     print every AWS request as JSON, send nothing",
    "  --image URI                   LMI (djl-inference) DLC image for your region",
    "  --role-arn ARN                SageMaker execution role",
    "  --artifact-uri s3://b/k.tar.gz where model.tar.gz is uploaded",
    "  --model-id ID                 override option.model_id",
    "  --tensor-parallel-degree N    override option.tensor_parallel_degree",
    "  --max-rolling-batch-size N    override option.max_rolling_batch_size",
    "  --max-new-tokens-cap N        FMOPS_MAX_NEW_TOKENS_CAP for model.py (default 2048)",
    "  --instance-type T             default ml.g5.2xlarge (ml.g6.2xlarge also fits)",
    "  --name N  --region R  --tag k=v  --wait-minutes M  --poll-seconds S  --skip-wait  --out DIR (package)",
  ].join("\n"),
  defaults: {
    name: "fmops-lmi-streaming",
    image: LMI_IMAGE_PLACEHOLDER,
    instanceType: "ml.g5.2xlarge",
  },
  options: {
    "model-id": { type: "string" },
    "tensor-parallel-degree": { type: "string" },
    "max-rolling-batch-size": { type: "string" },
    "max-new-tokens-cap": { type: "string" },
    "artifact-uri": { type: "string" },
    out: { type: "string" },
  },
  configure: loadLmiConfig,
  plans: {
    deploy: (config) => [
      uploadStep(config, config.artifactUri, packageLmi(config)),
      ...endpointSteps(config, {
        container: {
          Image: config.image,
          ModelDataUrl: config.artifactUri,
          Environment: {
            FMOPS_MAX_NEW_TOKENS_CAP: String(config.maxNewTokensCap),
            FMOPS_DEFAULT_MAX_NEW_TOKENS: String(Math.min(512, config.maxNewTokensCap)),
          },
        },
        variant: {
          // Weights download from the Hub and load into GPU memory before /ping answers.
          ContainerStartupHealthCheckTimeoutInSeconds: 900,
          ModelDataDownloadTimeoutInSeconds: 900,
        },
      }),
    ],
    cleanup: (config) => cleanupSteps(config),
  },
  local: {
    package: async (config) => {
      await mkdir(config.outDir, { recursive: true });
      const file = join(config.outDir, "model.tar.gz");
      const bytes = packageLmi(config);
      await writeFile(file, bytes);
      return [JSON.stringify({ wrote: file, bytes: bytes.byteLength })];
    },
  },
};

/** Runs the script with `argv` (without `node` and the script path). */
export function main(argv: readonly string[], io?: CliIo): Promise<number> {
  return runCli(cli, argv, io);
}

if (isMain(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
