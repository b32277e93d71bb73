/**
 * {@link BedrockBatchRunner}: evaluates datasets too large to run call by call through Amazon
 * Bedrock batch inference (CreateModelInvocationJob), then serves each record's output from the
 * job's output file as a {@link ModelRunner}.
 *
 * @module
 */
import type * as BedrockModule from "@aws-sdk/client-bedrock";
import type { CreateModelInvocationJobCommandInput } from "@aws-sdk/client-bedrock";
import type * as S3Module from "@aws-sdk/client-s3";
import { z } from "zod";
import {
  type AwsClientConfig,
  FmopsError,
  parseOptions,
  parseS3Uri,
  ValidationError,
  type WaitOptions,
  withDeadline,
} from "../../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  bedrockSdk,
  clientConfigFrom,
  joinS3Uri,
  type LoadedAwsClient,
  lazyAwsClient,
  MAX_TIMER_MS,
  resolveDelays,
  resourceTags,
  type SendsCommands,
  s3Sdk,
  schemaFor,
  signalledAwsCall,
  throwIfAborted,
  validateCostAllocationTags,
} from "../../core/internal.js";
import type { DatasetRecord } from "../datasets/dataset.js";
import {
  type BatchContext,
  BedrockBatchJob,
  batchRecordId,
  CHECK_TIMEOUT_MS,
  DEFAULT_BATCH_MAX_DELAY_MS,
  DEFAULT_BATCH_MIN_DELAY_MS,
  getJob,
  infoOf,
  SERVICE,
} from "./bedrock-batch-job.js";
import { ContentCodec, type ContentRunnerOptions, contentRunnerShape } from "./content-template.js";
import type { ModelRunner } from "./runner.js";

/**
 * Bedrock's default "Minimum number of records per batch inference job" quota. Jobs with fewer
 * records fail in validation, so `submit()` refuses them before uploading anything.
 */
export const DEFAULT_BATCH_MIN_RECORDS = 100;
/** Bedrock's default "Records per batch inference job" (and per input file) quota. */
export const DEFAULT_BATCH_MAX_RECORDS = 50_000;
/** Bedrock's default "Batch inference input file size" quota: 1 GB. */
export const DEFAULT_BATCH_MAX_INPUT_BYTES = 1_000_000_000;
/** Default deadline of `submit()`: reading the dataset, the upload and CreateModelInvocationJob. */
export const DEFAULT_BATCH_SUBMIT_TIMEOUT_MS = 600_000;

/** Options of {@link BedrockBatchRunner.submit}. */
export interface BatchSubmitOptions extends WaitOptions {
  /** The job's name; overrides the runner's `jobName`. Default `fmops-eval-<time>-<random>`. */
  jobName?: string;
  /**
   * CreateModelInvocationJob's idempotency token: submitting again with the same token and the
   * same request returns the same job instead of starting another. Default: a new UUID.
   */
  clientRequestToken?: string;
}

/** Options of {@link BedrockBatchRunner}. */
export interface BedrockBatchRunnerOptions extends AwsClientConfig, ContentRunnerOptions {
  /** The model id or inference profile to run the job with. */
  modelId: string;
  /** The service role Bedrock assumes to read the input and write the output. */
  roleArn: string;
  /** S3 prefix the input JSONL file is written under, e.g. `s3://bucket/batch-in/`. */
  inputLocation: string;
  /** S3 prefix Bedrock writes the output under, e.g. `s3://bucket/batch-out/`. */
  outputLocation: string;
  /** A ready Bedrock (control plane) `BedrockClient`; preferred. */
  bedrock?: SendsCommands;
  /** A ready `S3Client`; preferred. */
  s3?: SendsCommands;
  /** The job's name; one per job. Default `fmops-eval-<time>-<random>` for each `submit()`. */
  jobName?: string;
  /** Tags put on the job. */
  tags?: Record<string, string>;
  /** Hours after which Bedrock stops the job (24 to 168). Default: the service's 24. */
  timeoutDurationInHours?: number;
  /**
   * The fewest records a job may have: your account's "Minimum number of records per batch
   * inference job" quota. Default 100.
   */
  minRecords?: number;
  /**
   * The most records a job may have: your "Records per batch inference job" quota. Default
   * 50 000.
   */
  maxRecords?: number;
  /**
   * The largest input file in bytes: your "Batch inference input file size" quota. Default
   * 1 000 000 000 (1 GB). The file is built in memory before its upload.
   */
  maxInputBytes?: number;
  /** Default shortest delay between polls of `wait()`, in ms. Default 10 000. */
  minDelayMs?: number;
  /** Default longest delay between polls of `wait()`, in ms. Default 60 000. */
  maxDelayMs?: number;
}

// Bedrock's documented request patterns, so a bad name fails here rather than after the upload.
const JOB_NAME = /^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9+\-.]){0,63}$/;
const ROLE_ARN = /^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role\/.+$/;
const TOKEN = /^[a-zA-Z0-9]{1,256}(-*[a-zA-Z0-9]){0,256}$/;
/** Bedrock resources take up to 200 tags (most services: 50). */
const BEDROCK_TAG_RULES = { maxTags: 200 };
const TAG_TEXT = /^[a-zA-Z0-9\s._:/=+@-]*$/;

const jobNameSchema = z.string().min(1).max(63).regex(JOB_NAME, "must be a Bedrock job name");
const s3PrefixSchema = z
  .string()
  .regex(/^s3:\/\/[^/]+(\/.*)?$/s, "must be an s3://bucket/prefix URI");

const optionsSchema = schemaFor<BedrockBatchRunnerOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      ...contentRunnerShape,
      modelId: z
        .string()
        .min(1, "must name a model or inference profile")
        .max(2048)
        .regex(/^\S+$/, "must not contain whitespace"),
      roleArn: z.string().max(2048).regex(ROLE_ARN, "must be an IAM role ARN"),
      inputLocation: s3PrefixSchema,
      outputLocation: s3PrefixSchema,
      bedrock: awsClientSchema("BedrockClient").optional(),
      s3: awsClientSchema<SendsCommands>("S3Client").optional(),
      jobName: jobNameSchema.optional(),
      tags: z
        .record(
          z.string().min(1).max(128).regex(TAG_TEXT, "has characters tags cannot hold"),
          z.string().max(256).regex(TAG_TEXT, "has characters tags cannot hold"),
        )
        .refine((t) => Object.keys(t).length <= 200, "at most 200 tags")
        .superRefine((t, ctx) => {
          // The shared cost-allocation rules (no "aws:" prefix, ...), as for every tagged resource.
          for (const p of validateCostAllocationTags(t, BEDROCK_TAG_RULES))
            ctx.addIssue(`${p.key}: ${p.message}`);
        })
        .optional(),
      timeoutDurationInHours: z.int().min(24).max(168).optional(),
      minRecords: z.int().min(1).optional(),
      maxRecords: z.int().min(1).optional(),
      maxInputBytes: z.int().min(1).optional(),
      minDelayMs: z.int().min(1).max(3_600_000).optional(),
      maxDelayMs: z.int().min(1).max(3_600_000).optional(),
    })
    .strict()
    .refine(
      (o) =>
        (o.minRecords ?? DEFAULT_BATCH_MIN_RECORDS) <= (o.maxRecords ?? DEFAULT_BATCH_MAX_RECORDS),
      {
        message: "must be at most maxRecords",
        path: ["minRecords"],
      },
    ),
);

const submitSchema = schemaFor<BatchSubmitOptions>()(
  z
    .object({
      signal: z.instanceof(AbortSignal).optional(),
      timeoutMs: z.int().min(1).max(MAX_TIMER_MS).optional(),
      jobName: jobNameSchema.optional(),
      clientRequestToken: z
        .string()
        .min(1)
        .max(256)
        .regex(TOKEN, "must be letters, digits and hyphens")
        .optional(),
    })
    .strict(),
);

/** A file name S3 and Bedrock's `s3Uri` pattern both accept, from a job name. */
function fileNameOf(jobName: string): string {
  return `${jobName.replace(/[^-!_*'().a-zA-Z0-9]/g, "-")}.jsonl`;
}

function defaultJobName(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `fmops-eval-${stamp}-${globalThis.crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Runs a whole dataset as one Amazon Bedrock batch inference job, for datasets too large (or too
 * costly) to run call by call: batch inference is priced at about half of on-demand.
 *
 * `submit()` renders every record like {@link BedrockModelRunner} (the `{{input}}` prompt, then
 * the fmeval content template), writes them as one JSONL file
 * (`{"recordId": "00000000042", "modelInput": {...}}` per line) under `inputLocation`, and calls
 * CreateModelInvocationJob. The returned {@link BedrockBatchJob} waits for the job and then gives
 * a {@link ModelRunner} that answers each record from the job's output file, so
 * `ModelEvaluator` scores it unchanged.
 *
 * Bedrock's quotas are checked before anything is uploaded: at least `minRecords` (default 100)
 * and at most `maxRecords` (default 50 000) records, and an input file of at most
 * `maxInputBytes` (default 1 GB). Raise them to match your account's quotas.
 *
 * @example
 * ```ts
 * const data = Dataset.fromJsonl("qa.jsonl", { input: "question", target: "answer" });
 * const batch = new BedrockBatchRunner({
 *   modelId: "amazon.titan-text-express-v1",
 *   roleArn: "arn:aws:iam::111122223333:role/BedrockBatch",
 *   inputLocation: "s3://my-bucket/batch-in/",
 *   outputLocation: "s3://my-bucket/batch-out/",
 *   contentTemplate: '{"inputText": $prompt, "textGenerationConfig": {"maxTokenCount": 256}}',
 *   output: "results[0].outputText",
 * });
 * const job = await batch.submit(data);
 * await job.wait({ timeoutMs: 6 * 3_600_000 });
 * const result = await new ModelEvaluator({
 *   runner: await job.runner(),
 *   algorithms: [new QaAccuracy()],
 * }).evaluate(data);
 * ```
 */
export class BedrockBatchRunner {
  /** The model the jobs run. */
  readonly modelId: string;
  /** Where input files are written. */
  readonly inputLocation: string;
  /** Where Bedrock writes outputs. */
  readonly outputLocation: string;
  readonly #o: z.output<typeof optionsSchema>;
  // The jobs get the narrower BatchContext; the runner also writes inputs and creates jobs.
  readonly #context: Omit<BatchContext, "bedrock" | "s3"> & {
    bedrock: () => Promise<LoadedAwsClient<typeof BedrockModule, SendsCommands>>;
    s3: () => Promise<LoadedAwsClient<typeof S3Module, SendsCommands>>;
  };

  constructor(options: BedrockBatchRunnerOptions) {
    const o = parseOptions(optionsSchema, options, "BedrockBatchRunner options");
    parseS3Uri(o.inputLocation, "inputLocation");
    parseS3Uri(o.outputLocation, "outputLocation");
    this.#o = o;
    this.modelId = o.modelId;
    this.inputLocation = o.inputLocation;
    this.outputLocation = o.outputLocation;
    const config = clientConfigFrom(o);
    this.#context = {
      bedrock: lazyAwsClient<typeof BedrockModule, SendsCommands>(
        bedrockSdk,
        "BedrockBatchRunner",
        o.bedrock,
        (sdk) => new sdk.BedrockClient(config),
      ),
      s3: lazyAwsClient<typeof S3Module, SendsCommands>(
        s3Sdk,
        "BedrockBatchRunner",
        o.s3,
        (sdk) => new sdk.S3Client(config),
      ),
      codec: new ContentCodec(o, "BedrockBatchRunner"),
      modelId: o.modelId,
      delays: resolveDelays(o, {
        minDelayMs: DEFAULT_BATCH_MIN_DELAY_MS,
        maxDelayMs: DEFAULT_BATCH_MAX_DELAY_MS,
      }),
    };
  }

  /**
   * Writes the dataset's records as the job's JSONL input and creates the batch job. Throws
   * `VALIDATION_ERROR` (nothing uploaded, no job) for too few or too many records, an input file
   * over `maxInputBytes`, or two records with the same index. Default deadline 10 minutes.
   */
  async submit(
    dataset: AsyncIterable<DatasetRecord> | Iterable<DatasetRecord>,
    options: BatchSubmitOptions = {},
  ): Promise<BedrockBatchJob> {
    const s = parseOptions(submitSchema, options, "BedrockBatchRunner.submit options");
    const o = this.#o;
    const jobName = s.jobName ?? o.jobName ?? defaultJobName();
    const inputUri = joinS3Uri(o.inputLocation, fileNameOf(jobName));
    return withDeadline(
      { signal: s.signal, timeoutMs: s.timeoutMs },
      DEFAULT_BATCH_SUBMIT_TIMEOUT_MS,
      `submitting Bedrock batch job "${jobName}"`,
      async (signal) => {
        const { body, count } = await this.#inputFile(dataset, signal);
        const { bucket, key } = parseS3Uri(inputUri, "inputLocation");
        await signalledAwsCall(
          signal,
          { service: "S3", operation: "PutObject", iamAction: "s3:PutObject" },
          async () => {
            const { sdk, client } = await this.#context.s3();
            return client.send(
              new sdk.PutObjectCommand({
                Bucket: bucket,
                Key: key,
                Body: body,
                ContentType: "application/jsonl",
              }),
              { abortSignal: signal },
            );
          },
        );
        const input: CreateModelInvocationJobCommandInput = {
          jobName,
          roleArn: o.roleArn,
          modelId: o.modelId,
          clientRequestToken: s.clientRequestToken ?? globalThis.crypto.randomUUID(),
          inputDataConfig: { s3InputDataConfig: { s3Uri: inputUri, s3InputFormat: "JSONL" } },
          outputDataConfig: { s3OutputDataConfig: { s3Uri: o.outputLocation } },
        };
        if (o.timeoutDurationInHours !== undefined)
          input.timeoutDurationInHours = o.timeoutDurationInHours;
        if (o.tags !== undefined) {
          input.tags = resourceTags(o.tags, BEDROCK_TAG_RULES).bedrock();
        }
        const created = await signalledAwsCall(
          signal,
          {
            service: SERVICE,
            operation: "CreateModelInvocationJob",
            iamAction: "bedrock:CreateModelInvocationJob",
          },
          async () => {
            const { sdk, client } = await this.#context.bedrock();
            return (await client.send(new sdk.CreateModelInvocationJobCommand(input), {
              abortSignal: signal,
            })) as { jobArn?: string };
          },
        );
        if (typeof created.jobArn !== "string" || created.jobArn === "") {
          throw new FmopsError(
            "UNEXPECTED_RESPONSE",
            `CreateModelInvocationJob for "${jobName}" returned no jobArn.`,
          );
        }
        return new BedrockBatchJob(this.#context, {
          jobArn: created.jobArn,
          jobName,
          inputLocation: inputUri,
          outputPrefix: o.outputLocation,
          timeoutDurationInHours: o.timeoutDurationInHours,
          recordCount: count,
        });
      },
    );
  }

  /**
   * A handle on an existing job (from `job.jobArn` saved earlier, or a job another process
   * submitted with the same settings), found with one GetModelInvocationJob call. The job must
   * read one `.jsonl` file, as jobs from `submit()` do.
   */
  async attach(jobIdentifier: string, options: WaitOptions = {}): Promise<BedrockBatchJob> {
    if (typeof jobIdentifier !== "string" || jobIdentifier.trim() === "") {
      throw new ValidationError("attach() needs the job's ARN or id.", [
        { path: "jobIdentifier", message: "must be a job ARN or id" },
      ]);
    }
    const out = await withDeadline(
      options,
      CHECK_TIMEOUT_MS,
      `looking up Bedrock batch job ${jobIdentifier}`,
      (signal) => getJob(this.#context.bedrock, jobIdentifier, signal),
    );
    const inputUri = out.inputDataConfig?.s3InputDataConfig?.s3Uri;
    const outputUri = out.outputDataConfig?.s3OutputDataConfig?.s3Uri;
    if (!inputUri?.endsWith(".jsonl") || !outputUri) {
      throw new ValidationError(
        `Bedrock batch job ${jobIdentifier} reads ${inputUri ?? "no S3 input"}; attach() reads the results of jobs whose input is one .jsonl file, as submit() creates them.`,
        [{ path: "jobIdentifier", message: "job input is not a single .jsonl file" }],
      );
    }
    const job = new BedrockBatchJob(this.#context, {
      jobArn: out.jobArn ?? jobIdentifier,
      jobName: out.jobName ?? jobIdentifier,
      inputLocation: inputUri,
      outputPrefix: outputUri,
      timeoutDurationInHours: out.timeoutDurationInHours,
      recordCount: out.totalRecordCount,
    });
    job.observe(infoOf(out, jobIdentifier));
    return job;
  }

  /** Renders every record into the JSONL input, enforcing the quotas as it goes. */
  async #inputFile(
    dataset: AsyncIterable<DatasetRecord> | Iterable<DatasetRecord>,
    signal: AbortSignal,
  ): Promise<{ body: Uint8Array; count: number }> {
    const minRecords = this.#o.minRecords ?? DEFAULT_BATCH_MIN_RECORDS;
    const maxRecords = this.#o.maxRecords ?? DEFAULT_BATCH_MAX_RECORDS;
    const maxBytes = this.#o.maxInputBytes ?? DEFAULT_BATCH_MAX_INPUT_BYTES;
    const encoder = new TextEncoder();
    const chunks: Uint8Array[] = [];
    const seen = new Set<number>();
    let bytes = 0;
    for await (const record of dataset) {
      throwIfAborted(signal);
      if (seen.has(record.index)) {
        throw new ValidationError(
          `Two records have index ${record.index}: batch record ids come from the index, so each must be unique. Pass each record once.`,
          [{ path: "dataset", message: "duplicate record index" }],
        );
      }
      seen.add(record.index);
      if (seen.size > maxRecords) {
        throw new ValidationError(
          `The dataset has more than ${maxRecords} records, the most one Bedrock batch job takes (maxRecords; the "Records per batch inference job" quota). Split it, sample it, or raise maxRecords if your quota is higher.`,
          [{ path: "dataset", message: `more than ${maxRecords} records` }],
        );
      }
      const line = encoder.encode(
        `${JSON.stringify({ recordId: batchRecordId(record.index), modelInput: this.#context.codec.compose(record) })}\n`,
      );
      bytes += line.byteLength;
      if (bytes > maxBytes) {
        throw new ValidationError(
          `The batch input file would exceed ${maxBytes} bytes (maxInputBytes; the "Batch inference input file size" quota) at line ${seen.size}. Submit fewer or shorter records, or raise maxInputBytes if your quota is higher.`,
          [{ path: "dataset", message: `input file over ${maxBytes} bytes` }],
        );
      }
      chunks.push(line);
    }
    throwIfAborted(signal);
    if (seen.size < minRecords) {
      throw new ValidationError(
        `The dataset has ${seen.size} record${seen.size === 1 ? "" : "s"}, but a Bedrock batch job needs at least ${minRecords} (minRecords; the "Minimum number of records per batch inference job" quota). Use BedrockModelRunner for small datasets.`,
        [{ path: "dataset", message: `fewer than ${minRecords} records` }],
      );
    }
    const body = new Uint8Array(bytes);
    let at = 0;
    for (const chunk of chunks) {
      body.set(chunk, at);
      at += chunk.byteLength;
    }
    return { body, count: seen.size };
  }
}
