/**
 * Deploys a 7B-class instruct model on the Hugging Face TGI (Text Generation Inference) container,
 * configured entirely through environment variables, with server-sent-event token streaming.
 *
 *   node --import tsx examples/deploy/tgi-streaming/deploy.ts --dry-run
 *   node --import tsx examples/deploy/tgi-streaming/deploy.ts --image <TGI DLC URI> \
 *     --role-arn arn:aws:iam::123456789012:role/SageMakerRole --quantize bitsandbytes-nf4
 *   node --import tsx examples/deploy/tgi-streaming/deploy.ts cleanup
 */
import { z } from "zod";
import { parseOptions, ValidationError } from "../../../src/core/index.js";
import { type CliIo, type CommonConfig, type ExampleCli, isMain, runCli } from "../shared/cli.js";
import { gpusPerInstance } from "../shared/instances.js";
import { cleanupSteps, endpointSteps } from "../shared/sagemaker.js";

/** The TGI container image: a placeholder until you pick the DLC URI for your region. */
export const TGI_IMAGE_PLACEHOLDER = (region: string) =>
  `<dlc-account>.dkr.ecr.${region}.amazonaws.com/huggingface-pytorch-tgi-inference:<tgi-tag>`;

/** Quantization methods TGI applies at load time (`awq`/`gptq` need pre-quantized weights). */
export const TGI_QUANTIZE = [
  "bitsandbytes",
  "bitsandbytes-nf4",
  "bitsandbytes-fp4",
  "eetq",
  "fp8",
  "awq",
  "gptq",
] as const;

/** This example's validated configuration. */
export interface TgiConfig extends CommonConfig {
  /** The container environment, exactly as sent in CreateModel. */
  environment: Record<string, string>;
  healthCheckTimeoutSeconds: number;
}

const flags = z
  .object({
    "model-id": z.string().min(1).default("Qwen/Qwen2.5-7B-Instruct"),
    "num-gpus": z.coerce.number().int().positive().optional(),
    "max-input-tokens": z.coerce.number().int().positive().default(4096),
    "max-total-tokens": z.coerce.number().int().positive().default(8192),
    "max-batch-prefill-tokens": z.coerce.number().int().positive().optional(),
    quantize: z.enum(TGI_QUANTIZE).optional(),
    "health-check-timeout": z.coerce.number().int().min(60).max(3600).default(600),
  })
  .refine((f) => f["max-input-tokens"] < f["max-total-tokens"], {
    message: "--max-input-tokens must be below --max-total-tokens (the rest is room to generate)",
    path: ["max-input-tokens"],
  });

/** Builds the TGI environment from the flags, checking GPUs against the instance type. */
export function configureTgi(common: CommonConfig, values: Record<string, unknown>): TgiConfig {
  const f = parseOptions(flags, values, "tgi-streaming flags");
  const gpus = gpusPerInstance(common.instanceType);
  const numGpus = f["num-gpus"] ?? gpus ?? 1;
  if (gpus !== undefined && numGpus > gpus) {
    throw new ValidationError(
      `--num-gpus ${numGpus} is more than the ${gpus} GPU(s) of ${common.instanceType}; lower it or pick a larger --instance-type.`,
    );
  }
  const environment: Record<string, string> = {
    HF_MODEL_ID: f["model-id"],
    // The SageMaker entrypoint turns SM_NUM_GPUS into TGI's --num-shard (tensor parallelism).
    SM_NUM_GPUS: String(numGpus),
    MAX_INPUT_TOKENS: String(f["max-input-tokens"]),
    MAX_TOTAL_TOKENS: String(f["max-total-tokens"]),
    // Prefill budget per batch: at least one full-length prompt.
    MAX_BATCH_PREFILL_TOKENS: String(f["max-batch-prefill-tokens"] ?? f["max-input-tokens"] * 2),
  };
  // The SageMaker entrypoint maps HF_MODEL_QUANTIZE to TGI's --quantize.
  if (f.quantize) environment.HF_MODEL_QUANTIZE = f.quantize;
  return { ...common, environment, healthCheckTimeoutSeconds: f["health-check-timeout"] };
}

/** The CLI definition (exported for tests and for reuse). */
export const cli: ExampleCli<TgiConfig> = {
  example: "tgi-streaming",
  usage: [
    "Usage: deploy.ts [deploy|cleanup] [flags]",
    "  --dry-run                    print every AWS request as JSON, send nothing",
    "  --image URI                  Hugging Face TGI DLC image for your region",
    "  --role-arn ARN               SageMaker execution role",
    "  --model-id ID                HF_MODEL_ID (default Qwen/Qwen2.5-7B-Instruct)",
    "  --num-gpus N                 SM_NUM_GPUS (default: the instance's GPUs)",
    "  --max-input-tokens N         MAX_INPUT_TOKENS (default 4096)",
    "  --max-total-tokens N         MAX_TOTAL_TOKENS (default 8192)",
    "  --max-batch-prefill-tokens N MAX_BATCH_PREFILL_TOKENS (default 2 x input)",
    `  --quantize Q                 HF_MODEL_QUANTIZE: ${TGI_QUANTIZE.join(", ")}`,
    "  --health-check-timeout S     ContainerStartupHealthCheckTimeoutInSeconds (default 600)",
    "  --instance-type T            default ml.g5.2xlarge",
    "  --name N  --region R  --tag k=v  --wait-minutes M  --poll-seconds S  --skip-wait",
  ].join("\n"),
  defaults: {
    name: "fmops-tgi-streaming",
    image: TGI_IMAGE_PLACEHOLDER,
    instanceType: "ml.g5.2xlarge",
  },
  options: {
    "model-id": { type: "string" },
    "num-gpus": { type: "string" },
    "max-input-tokens": { type: "string" },
    "max-total-tokens": { type: "string" },
    "max-batch-prefill-tokens": { type: "string" },
    quantize: { type: "string" },
    "health-check-timeout": { type: "string" },
  },
  configure: configureTgi,
  plans: {
    deploy: (config) =>
      endpointSteps(config, {
        // No ModelDataUrl: TGI downloads HF_MODEL_ID from the Hub at startup.
        container: { Image: config.image, Environment: config.environment },
        variant: { ContainerStartupHealthCheckTimeoutInSeconds: config.healthCheckTimeoutSeconds },
      }),
    cleanup: (config) => cleanupSteps(config),
  },
};

/** Runs the script with `argv` (without `node` and the script path). */
export function main(argv: readonly string[], io?: CliIo): Promise<number> {
  return runCli(cli, argv, io);
}

if (isMain(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
