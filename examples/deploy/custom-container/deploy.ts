/**
 * Deploys the bring-your-own container: packs the model artifact (`model/`) into model.tar.gz,
 * uploads it, and creates a real-time endpoint from your image (build and push the Dockerfile to
 * ECR first; see README.md).
 *
 *   node --import tsx examples/deploy/custom-container/deploy.ts --dry-run
 *   node --import tsx examples/deploy/custom-container/deploy.ts package --out /tmp/custom
 *   node --import tsx examples/deploy/custom-container/deploy.ts deploy \
 *     --image 123456789012.dkr.ecr.us-east-1.amazonaws.com/fmops-custom-serve:1 \
 *     --role-arn arn:aws:iam::123456789012:role/SageMakerRole \
 *     --artifact-uri s3://my-bucket/fmops/custom/model.tar.gz
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseOptions, ValidationError } from "../../../src/core/index.js";
import { type CliIo, type CommonConfig, type ExampleCli, isMain, runCli } from "../shared/cli.js";
import { cleanupSteps, endpointSteps, uploadStep } from "../shared/sagemaker.js";
import { createTarGz, type TarEntry } from "../shared/tar.js";

const HERE = dirname(fileURLToPath(import.meta.url));

/** The sample model artifact shipped with this example. */
export const MODEL_DIR = join(HERE, "model");

/** Your image in ECR, once built from this folder's Dockerfile and pushed. */
export const CUSTOM_IMAGE_PLACEHOLDER = (region: string) =>
  `<account-id>.dkr.ecr.${region}.amazonaws.com/fmops-custom-serve:<tag>`;

/** This example's validated configuration. */
export interface CustomConfig extends CommonConfig {
  artifact: TarEntry[];
  artifactUri: string;
  outDir: string;
}

const flags = z.object({
  "model-dir": z.string().min(1).optional(),
  "artifact-uri": z
    .string()
    .regex(/^s3:\/\/[^/]+\/.+\.tar\.gz$/, "use s3://bucket/key.tar.gz")
    .optional(),
  out: z.string().min(1).default("."),
});

/** Reads the model artifact folder (flat: model.json and the files it names). */
export async function readArtifact(dir: string): Promise<TarEntry[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  if (!names.includes("model.json")) {
    throw new ValidationError(`${dir} has no model.json; see the artifact layout in README.md.`);
  }
  return Promise.all(
    names.map(async (name) => ({ path: name, data: await readFile(join(dir, name)) })),
  );
}

async function configureCustom(
  common: CommonConfig,
  values: Record<string, unknown>,
): Promise<CustomConfig> {
  const f = parseOptions(flags, values, "custom-container flags");
  return {
    ...common,
    artifact: await readArtifact(resolve(f["model-dir"] ?? MODEL_DIR)),
    artifactUri: f["artifact-uri"] ?? "s3://<your-bucket>/fmops/custom-container/model.tar.gz",
    outDir: resolve(f.out),
  };
}

/** The CLI definition (exported for tests and for reuse). */
export const cli: ExampleCli<CustomConfig> = {
  example: "custom-container",
  usage: [
    "Usage: deploy.ts [deploy|package|cleanup] [flags]",
    "  --dry-run                      print every AWS request as JSON, send nothing",
    "  --image URI                    your image in ECR (built from this Dockerfile)",
    "  --role-arn ARN                 SageMaker execution role",
    "  --artifact-uri s3://b/k.tar.gz where model.tar.gz is uploaded",
    "  --model-dir DIR                the artifact folder (default: ./model)",
    "  --instance-type T              default ml.g5.xlarge",
    "  --name N  --region R  --tag k=v  --wait-minutes M  --poll-seconds S  --skip-wait  --out DIR (package)",
  ].join("\n"),
  defaults: {
    name: "fmops-custom-serve",
    image: CUSTOM_IMAGE_PLACEHOLDER,
    instanceType: "ml.g5.xlarge",
  },
  options: {
    "model-dir": { type: "string" },
    "artifact-uri": { type: "string" },
    out: { type: "string" },
  },
  configure: configureCustom,
  plans: {
    deploy: (config) => [
      uploadStep(config, config.artifactUri, createTarGz(config.artifact)),
      ...endpointSteps(config, {
        container: { Image: config.image, ModelDataUrl: config.artifactUri },
        variant: { ContainerStartupHealthCheckTimeoutInSeconds: 300 },
      }),
    ],
    cleanup: (config) => cleanupSteps(config),
  },
  local: {
    package: async (config) => {
      await mkdir(config.outDir, { recursive: true });
      const file = join(config.outDir, "model.tar.gz");
      const bytes = createTarGz(config.artifact);
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
