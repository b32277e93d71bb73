/**
 * {@link BedrockBatchRunner}: evaluates datasets too large to run call by call through Amazon
 * Bedrock batch inference (CreateModelInvocationJob), then serves each record's output from the
 * job's output file as a {@link ModelRunner}.
 *
 * @module
 */
import {
  BedrockClient,
  CreateModelInvocationJobCommand,
  type CreateModelInvocationJobCommandInput,
  GetModelInvocationJobCommand,
  type GetModelInvocationJobCommandOutput,
  StopModelInvocationJobCommand,
} from "@aws-sdk/client-bedrock";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { signalledAwsCall } from "../async/aws-call.js";
import { bodyChunks } from "../async/body.js";
import { type PollDelayOptions, pollDelay, resolveDelays } from "../async/poller.js";
import { joinS3Uri, parseS3Uri } from "../async/s3-uri.js";
import {
  type AwsClientConfig,
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  type SendsCommands,
} from "../core/aws.js";
import {
  AbortedError,
  AwsServiceError,
  FmopsError,
  redact,
  TimeoutError,
  ValidationError,
} from "../core/errors.js";
import { parseOptions } from "../core/options.js";
import { isRetryableError } from "../core/retry.js";
import {
  abortError,
  Deadline,
  MAX_TIMER_MS,
  sleep,
  throwIfAborted,
  type WaitOptions,
  withDeadline,
} from "../core/wait.js";
import { LineIterator } from "../streaming/line-iterator.js";
import { ContentCodec, type ContentRunnerOptions, contentRunnerShape } from "./content-template.js";
import type { DatasetRecord } from "./dataset.js";
import type { ModelRunner, RunnerOutput } from "./runner.js";

const SERVICE = "Bedrock";

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
/** Default deadline of `runner()`: reading the output file. */
export const DEFAULT_BATCH_READ_TIMEOUT_MS = 600_000;
/** Default shortest delay between GetModelInvocationJob polls. */
export const DEFAULT_BATCH_MIN_DELAY_MS = 10_000;
/** Default longest delay between GetModelInvocationJob polls. */
export const DEFAULT_BATCH_MAX_DELAY_MS = 60_000;
/** Bedrock's default job timeout (`timeoutDurationInHours`). */
const DEFAULT_JOB_HOURS = 24;
const HOUR_MS = 3_600_000;
const STOP_TIMEOUT_MS = 30_000;
const CHECK_TIMEOUT_MS = 30_000;

/** The statuses of a Bedrock model invocation job, in the order a job goes through them. */
export type BatchJobStatus =
  | "Submitted"
  | "Validating"
  | "Scheduled"
  | "InProgress"
  | "Stopping"
  | "Completed"
  | "PartiallyCompleted"
  | "Failed"
  | "Stopped"
  | "Expired";

/** Statuses whose output can be read: every record has a line, some maybe with an error. */
const SUCCEEDED = new Set<string>(["Completed", "PartiallyCompleted"]);
/** Statuses that end a job without a usable output. */
const FAILED = new Set<string>(["Failed", "Stopped", "Expired"]);

/** What GetModelInvocationJob says about a job. */
export interface BatchJobInfo {
  /** The job's ARN. */
  jobArn: string;
  /** Its status. */
  status: BatchJobStatus;
  /** The service's message, e.g. why the job failed. */
  message?: string | undefined;
  /** When the job was submitted. */
  submitTime?: Date | undefined;
  /** When its status last changed. */
  lastModifiedTime?: Date | undefined;
  /** When it ended. */
  endTime?: Date | undefined;
  /** When it times out if still running. */
  jobExpirationTime?: Date | undefined;
  /** Records in the input. */
  totalRecordCount?: number | undefined;
  /** Records processed so far. */
  processedRecordCount?: number | undefined;
  /** Records that got an output. */
  successRecordCount?: number | undefined;
  /** Records that got an error. */
  errorRecordCount?: number | undefined;
}

/**
 * A batch job ended `Failed`, `Stopped` or `Expired`. Code `BATCH_JOB_FAILED`, not retryable;
 * the message carries the service's own message.
 */
export class BatchJobFailedError extends FmopsError {
  /** The job's ARN. */
  readonly jobArn: string;
  /** The status it ended in. */
  readonly status: BatchJobStatus;
  /** The service's message, when it gave one. */
  readonly jobMessage: string | undefined;

  constructor(info: BatchJobInfo) {
    const said = info.message ? `: ${redact(info.message)}` : " (the service gave no message)";
    const what =
      info.status === "Expired"
        ? "Raise timeoutDurationInHours or submit fewer records"
        : info.status === "Stopped"
          ? "It was stopped (by StopModelInvocationJob); submit it again to get results"
          : "Check the role's S3 and bedrock:InvokeModel permissions, the input records and the model id";
    super(
      "BATCH_JOB_FAILED",
      `Bedrock batch job ${info.jobArn} ended ${info.status}${said}. ${what}.`,
      {
        retryable: false,
      },
    );
    this.jobArn = info.jobArn;
    this.status = info.status;
    this.jobMessage = info.message;
  }
}

/** One GetModelInvocationJob poll of {@link BedrockBatchJob.wait}, for logging or progress. */
export interface BatchPollEvent {
  /** 1 for the first poll. */
  attempt: number;
  /** Milliseconds since the wait started. */
  elapsedMs: number;
  /** What the poll found; absent when it failed with a retryable error. */
  info?: BatchJobInfo | undefined;
  /** The retryable error (throttling, 5xx, network) the poll failed with. */
  error?: unknown;
  /** The sleep before the next poll; absent once the wait is over. */
  nextDelayMs?: number | undefined;
}

/** Options of {@link BedrockBatchJob.wait}. */
export interface BatchWaitOptions extends WaitOptions, PollDelayOptions {
  /**
   * Whether giving up (abort or `timeoutMs`) stops the job with StopModelInvocationJob.
   * Default `true`; `false` leaves it running, to pick up later with `attach()`.
   */
  stopJob?: boolean;
  /** Called after every poll. */
  onPoll?: (event: BatchPollEvent) => void;
}

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
  /** A ready Bedrock (control plane) client; preferred. */
  bedrock?: BedrockClient;
  /** A ready S3 client; preferred. */
  s3?: S3Client | SendsCommands;
  /** The job's name; one per job. Default `fmops-eval-<time>-<random>` for each `submit()`. */
  jobName?: string;
  /** Tags put on the job. */
  tags?: Record<string, string>;
  /** Hours after which Bedrock stops the job (24 to 168). Default: the service's 24. */
  timeoutDurationInHours?: number;
  /**
   * The fewest records a job may have: your account's "Minimum number of records per batch
   * inference job" quota. Default {@link DEFAULT_BATCH_MIN_RECORDS} (100).
   */
  minRecords?: number;
  /**
   * The most records a job may have: your "Records per batch inference job" quota. Default
   * {@link DEFAULT_BATCH_MAX_RECORDS} (50 000).
   */
  maxRecords?: number;
  /**
   * The largest input file in bytes: your "Batch inference input file size" quota. Default
   * {@link DEFAULT_BATCH_MAX_INPUT_BYTES} (1 GB). The file is built in memory before its upload.
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
const TAG_TEXT = /^[a-zA-Z0-9\s._:/=+@-]*$/;

const jobNameSchema = z.string().min(1).max(63).regex(JOB_NAME, "must be a Bedrock job name");
const s3PrefixSchema = z
  .string()
  .regex(/^s3:\/\/[^/]+(\/.*)?$/s, "must be an s3://bucket/prefix URI");

const optionsSchema = z
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
    bedrock: awsClientSchema<BedrockClient>("BedrockClient").optional(),
    s3: awsClientSchema<SendsCommands>("S3Client").optional(),
    jobName: jobNameSchema.optional(),
    tags: z
      .record(
        z.string().min(1).max(128).regex(TAG_TEXT, "has characters tags cannot hold"),
        z.string().max(256).regex(TAG_TEXT, "has characters tags cannot hold"),
      )
      .refine((t) => Object.keys(t).length <= 200, "at most 200 tags")
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
  );

const submitSchema = z
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
  .strict();

/**
 * The `recordId` of a dataset record in the batch files: its index, zero-padded to 11 digits
 * (Bedrock's documentation has asked for 11-character alphanumeric ids).
 */
export function batchRecordId(index: number): string {
  return String(index).padStart(11, "0");
}

/** A file name S3 and Bedrock's `s3Uri` pattern both accept, from a job name. */
function fileNameOf(jobName: string): string {
  return `${jobName.replace(/[^-!_*'().a-zA-Z0-9]/g, "-")}.jsonl`;
}

function defaultJobName(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `fmops-eval-${stamp}-${globalThis.crypto.randomUUID().slice(0, 8)}`;
}

/** Everything a {@link BedrockBatchJob} needs from the runner that made it. */
interface BatchContext {
  bedrock: SendsCommands;
  s3: SendsCommands;
  codec: ContentCodec;
  modelId: string;
  delays: { minDelayMs: number; maxDelayMs: number };
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
 *   algorithms: [new QAAccuracy()],
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
  readonly #context: BatchContext;

  constructor(options: BedrockBatchRunnerOptions) {
    const o = parseOptions(optionsSchema, options, "BedrockBatchRunner options");
    parseS3Uri(o.inputLocation, "inputLocation");
    parseS3Uri(o.outputLocation, "outputLocation");
    this.#o = o;
    this.modelId = o.modelId;
    this.inputLocation = o.inputLocation;
    this.outputLocation = o.outputLocation;
    this.#context = {
      bedrock: o.bedrock ?? new BedrockClient(clientConfigFrom(o)),
      s3: o.s3 ?? new S3Client(clientConfigFrom(o)),
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
          () =>
            this.#context.s3.send(
              new PutObjectCommand({
                Bucket: bucket,
                Key: key,
                Body: body,
                ContentType: "application/jsonl",
              }),
              { abortSignal: signal },
            ),
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
          input.tags = Object.entries(o.tags).map(([key, value]) => ({ key, value }));
        }
        const created = await signalledAwsCall(
          signal,
          {
            service: SERVICE,
            operation: "CreateModelInvocationJob",
            iamAction: "bedrock:CreateModelInvocationJob",
          },
          () =>
            this.#context.bedrock.send(new CreateModelInvocationJobCommand(input), {
              abortSignal: signal,
            }) as Promise<{ jobArn?: string }>,
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

/** How a {@link BedrockBatchJob} is built (by {@link BedrockBatchRunner.submit} or `attach`). */
interface BatchJobInit {
  jobArn: string;
  jobName: string;
  inputLocation: string;
  outputPrefix: string;
  timeoutDurationInHours: number | undefined;
  recordCount: number | undefined;
}

/** The plain data of a {@link BedrockBatchJob}, e.g. to log or hand to another process. */
export interface BatchJobDescription {
  /** The job's ARN. */
  jobArn: string;
  /** The job id (the ARN's last segment), which names its output folder. */
  jobId: string;
  /** The job's name. */
  jobName: string;
  /** The model it runs. */
  modelId: string;
  /** The JSONL input file. */
  inputLocation: string;
  /** The output file Bedrock writes for it. */
  outputLocation: string;
  /** Records submitted, when known. */
  recordCount?: number | undefined;
}

/**
 * One Bedrock batch inference job: `check()` looks once, `wait()` polls until it ends,
 * `stop()` stops it, and `runner()` reads its output as a {@link ModelRunner}.
 */
export class BedrockBatchJob {
  /** The job's ARN. */
  readonly jobArn: string;
  /** The job id (the ARN's last segment). */
  readonly jobId: string;
  /** The job's name. */
  readonly jobName: string;
  /** The JSONL input file. */
  readonly inputLocation: string;
  /** The output file: `<outputLocation>/<jobId>/<input file name>.out`. */
  readonly outputLocation: string;
  /** Records submitted, when known. */
  readonly recordCount: number | undefined;
  readonly #context: BatchContext;
  readonly #defaultWaitMs: number;
  #last: BatchJobInfo | undefined;

  /** @internal Built by {@link BedrockBatchRunner}. */
  constructor(context: BatchContext, init: BatchJobInit) {
    this.#context = context;
    this.jobArn = init.jobArn;
    this.jobId = init.jobArn.split("/").pop() ?? init.jobArn;
    this.jobName = init.jobName;
    this.inputLocation = init.inputLocation;
    const inputFile = parseS3Uri(init.inputLocation, "inputLocation").key.split("/").pop() ?? "";
    this.outputLocation = joinS3Uri(init.outputPrefix, this.jobId, `${inputFile}.out`);
    this.recordCount = init.recordCount;
    // Bedrock ends the job itself after timeoutDurationInHours; wait an hour past that by default.
    this.#defaultWaitMs = Math.min(
      MAX_TIMER_MS,
      ((init.timeoutDurationInHours ?? DEFAULT_JOB_HOURS) + 1) * HOUR_MS,
    );
  }

  /** The last status seen, if any. */
  get lastInfo(): BatchJobInfo | undefined {
    return this.#last;
  }

  /** @internal Records a status seen elsewhere (by `attach`). */
  observe(info: BatchJobInfo): void {
    this.#last = info;
  }

  /** Looks once with GetModelInvocationJob. Default deadline 30 s. */
  async check(options: WaitOptions = {}): Promise<BatchJobInfo> {
    const out = await withDeadline(
      options,
      CHECK_TIMEOUT_MS,
      `checking Bedrock batch job ${this.jobId}`,
      (signal) => getJob(this.#context.bedrock, this.jobArn, signal),
    );
    this.#last = infoOf(out, this.jobArn);
    return this.#last;
  }

  /**
   * Polls GetModelInvocationJob with jittered backoff until the job ends. Returns its info when
   * it is `Completed` or `PartiallyCompleted`; throws {@link BatchJobFailedError} for `Failed`,
   * `Stopped` or `Expired`. Throttling and 5xx errors are polled through; other errors are thrown.
   *
   * On abort or when `timeoutMs` passes (default: the job's own timeout plus an hour), the job is
   * stopped with StopModelInvocationJob (unless `stopJob: false`) and `ABORTED` or `TIMEOUT` is
   * thrown, saying whether the stop went through. Timers are always cleared.
   */
  async wait(options: BatchWaitOptions = {}): Promise<BatchJobInfo> {
    const delays = resolveDelays(options, this.#context.delays);
    const timeoutMs = options.timeoutMs ?? this.#defaultWaitMs;
    const started = Date.now();
    const deadline = Deadline.start(
      { signal: options.signal, timeoutMs },
      timeoutMs,
      `waiting for Bedrock batch job ${this.jobId}`,
    );
    let attempt = 0;
    let lastError: unknown;
    try {
      for (;;) {
        deadline.throwIfDone();
        attempt += 1;
        let info: BatchJobInfo | undefined;
        try {
          info = infoOf(
            await getJob(this.#context.bedrock, this.jobArn, deadline.signal),
            this.jobArn,
          );
          this.#last = info;
        } catch (err) {
          if (deadline.signal.aborted) throw abortError(deadline.signal);
          if (!isRetryableError(err)) throw err;
          lastError = err;
        }
        const event: BatchPollEvent = { attempt, elapsedMs: Date.now() - started, info };
        if (info === undefined) event.error = lastError;
        if (info && SUCCEEDED.has(info.status)) {
          options.onPoll?.(event);
          return info;
        }
        if (info && FAILED.has(info.status)) {
          options.onPoll?.(event);
          throw new BatchJobFailedError(info);
        }
        event.nextDelayMs = pollDelay(attempt, delays);
        options.onPoll?.(event);
        await sleep(event.nextDelayMs, deadline.signal);
      }
    } catch (err) {
      if (!deadline.signal.aborted) throw err;
      const stopped =
        options.stopJob === false
          ? "was left running (stopJob: false); attach() to it later"
          : await this.#stopAfterGivingUp();
      const status = this.#last ? ` It was ${this.#last.status} at the last poll, and` : " It";
      if (options.signal?.aborted) {
        throw new AbortedError(
          `Stopped waiting for Bedrock batch job ${this.jobId}: aborted by its AbortSignal.${status} ${stopped}.`,
          { cause: options.signal.reason },
        );
      }
      const last =
        lastError instanceof Error
          ? ` The last poll failed with: ${redact(lastError.message)}.`
          : "";
      throw new TimeoutError(
        `Bedrock batch job ${this.jobId} had not ended after ${Date.now() - started} ms (${attempt} polls, timeoutMs ${timeoutMs}).${status} ${stopped}.${last} Batch jobs can wait in the queue for hours: pass a larger timeoutMs, or stopJob: false to keep it running.`,
        timeoutMs,
        { cause: err },
      );
    } finally {
      deadline.dispose();
    }
  }

  /** Stops the job with StopModelInvocationJob (it then goes `Stopping`, then `Stopped`). */
  async stop(options: WaitOptions = {}): Promise<void> {
    await withDeadline(
      options,
      STOP_TIMEOUT_MS,
      `stopping Bedrock batch job ${this.jobId}`,
      (signal) =>
        signalledAwsCall(
          signal,
          {
            service: SERVICE,
            operation: "StopModelInvocationJob",
            iamAction: "bedrock:StopModelInvocationJob",
          },
          () =>
            this.#context.bedrock.send(
              new StopModelInvocationJobCommand({ jobIdentifier: this.jobArn }),
              { abortSignal: signal },
            ),
        ),
    );
  }

  /** Stops the job once waiting was given up, on its own deadline; says how that went. */
  async #stopAfterGivingUp(): Promise<string> {
    if (this.#last && (SUCCEEDED.has(this.#last.status) || FAILED.has(this.#last.status))) {
      return "had already ended";
    }
    try {
      await this.stop();
      return "was stopped with StopModelInvocationJob";
    } catch (err) {
      const why = err instanceof Error ? redact(err.message) : String(err);
      return `could not be stopped (${why}); stop it with StopModelInvocationJob, or it keeps running and costs money`;
    }
  }

  /**
   * Reads the job's output file and returns a {@link ModelRunner} that answers each record from
   * it (see {@link BatchResultsRunner}). The job must have ended `Completed` or
   * `PartiallyCompleted` (one GetModelInvocationJob call when `wait()` was not used). Only each
   * record's extracted output is kept in memory. Default deadline 10 minutes.
   */
  async runner(
    options: WaitOptions & {
      /** Longest output line accepted, in bytes. Default 16 MiB. */
      maxLineBytes?: number;
    } = {},
  ): Promise<BatchResultsRunner> {
    return withDeadline(
      options,
      DEFAULT_BATCH_READ_TIMEOUT_MS,
      `reading the output of Bedrock batch job ${this.jobId}`,
      async (signal) => {
        let info = this.#last;
        if (!info || !(SUCCEEDED.has(info.status) || FAILED.has(info.status))) {
          info = infoOf(await getJob(this.#context.bedrock, this.jobArn, signal), this.jobArn);
          this.#last = info;
        }
        if (FAILED.has(info.status)) throw new BatchJobFailedError(info);
        if (!SUCCEEDED.has(info.status)) {
          throw new FmopsError(
            "BATCH_JOB_NOT_DONE",
            `Bedrock batch job ${this.jobId} is still ${info.status}: call wait() before runner().`,
          );
        }
        const results = await this.#readOutput(signal, options.maxLineBytes);
        return new BatchResultsRunner(
          `bedrock-batch:${this.#context.modelId}`,
          this.jobId,
          results,
        );
      },
    );
  }

  async #readOutput(
    signal: AbortSignal,
    maxLineBytes: number | undefined,
  ): Promise<Map<string, StoredResult>> {
    const { bucket, key } = parseS3Uri(this.outputLocation, "outputLocation");
    let body: unknown;
    try {
      const out = (await signalledAwsCall(
        signal,
        { service: "S3", operation: "GetObject", iamAction: "s3:GetObject" },
        () =>
          this.#context.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
            abortSignal: signal,
          }),
      )) as { Body?: unknown };
      body = out.Body;
    } catch (err) {
      if (
        err instanceof AwsServiceError &&
        ["NoSuchKey", "NotFound"].includes(err.details.errorName)
      ) {
        throw new FmopsError(
          "BATCH_OUTPUT_MISSING",
          `Bedrock batch job ${this.jobId} has ended, but its output file ${this.outputLocation} does not exist. Check the job's outputDataConfig and that the job's role may write there.`,
          { cause: err },
        );
      }
      throw err;
    }
    const who = `Bedrock batch job ${this.jobId}`;
    const results = new Map<string, StoredResult>();
    let lineNumber = 0;
    for await (const line of new LineIterator(bodyChunks(body, signal), { signal, maxLineBytes })) {
      lineNumber += 1;
      if (line.trim() === "") continue;
      let parsed: OutputLine;
      try {
        parsed = JSON.parse(line) as OutputLine;
      } catch (err) {
        throw new FmopsError(
          "UNEXPECTED_RESPONSE",
          `Line ${lineNumber} of ${this.outputLocation} is not JSON: ${redact(line, 80)}`,
          { cause: err },
        );
      }
      if (typeof parsed?.recordId !== "string") {
        throw new FmopsError(
          "UNEXPECTED_RESPONSE",
          `Line ${lineNumber} of ${this.outputLocation} has no recordId: ${redact(line, 80)}`,
        );
      }
      if (parsed.error !== undefined && parsed.error !== null) {
        const e = parsed.error;
        const code = e.errorCode === undefined ? "" : `${String(e.errorCode)}: `;
        results.set(parsed.recordId, { error: `${code}${e.errorMessage ?? "no message"}` });
        continue;
      }
      try {
        results.set(
          parsed.recordId,
          this.#context.codec.extractor.extract(parsed.modelOutput, who),
        );
      } catch (err) {
        results.set(parsed.recordId, {
          error: err instanceof Error ? err.message : String(err),
          extraction: true,
        });
      }
    }
    return results;
  }

  /** The job as plain data. */
  toJSON(): BatchJobDescription {
    return {
      jobArn: this.jobArn,
      jobId: this.jobId,
      jobName: this.jobName,
      modelId: this.#context.modelId,
      inputLocation: this.inputLocation,
      outputLocation: this.outputLocation,
      recordCount: this.recordCount,
    };
  }
}

/** One line of a batch output file. */
interface OutputLine {
  recordId?: unknown;
  modelOutput?: unknown;
  error?: { errorCode?: unknown; errorMessage?: string } | null;
}

/** What is kept per record: the extracted output, or why there is none. */
type StoredResult = RunnerOutput | { error: string; extraction?: boolean };

/**
 * The {@link ModelRunner} of a finished batch job: `run(record)` returns the output the job
 * produced for that record (matched by record id, since Bedrock does not keep the input order).
 * A record the model failed on throws `BATCH_RECORD_FAILED` with Bedrock's error; one missing
 * from the output throws `BATCH_RECORD_MISSING`; an answer without a string at the output
 * JMESPath throws `UNEXPECTED_RESPONSE`. None of them is retryable: the file will not change.
 * Evaluate the same dataset that was submitted.
 */
export class BatchResultsRunner implements ModelRunner {
  /** `bedrock-batch:<modelId>`. */
  readonly id: string;
  /** The job the outputs come from. */
  readonly jobId: string;
  readonly #results: Map<string, StoredResult>;

  /** @internal Built by {@link BedrockBatchJob.runner}. */
  constructor(id: string, jobId: string, results: Map<string, StoredResult>) {
    this.id = id;
    this.jobId = jobId;
    this.#results = results;
  }

  /** Records in the output file. */
  get size(): number {
    return this.#results.size;
  }

  /** Records whose line holds an error (or an answer the output JMESPath finds nothing in). */
  get errorCount(): number {
    let n = 0;
    for (const r of this.#results.values()) if ("error" in r) n += 1;
    return n;
  }

  /** The job's output for `record`. */
  async run(record: DatasetRecord, options: { signal?: AbortSignal } = {}): Promise<RunnerOutput> {
    throwIfAborted(options.signal);
    const id = batchRecordId(record.index);
    const result = this.#results.get(id);
    if (result === undefined) {
      throw new FmopsError(
        "BATCH_RECORD_MISSING",
        `Record ${record.index} (line ${record.line}, recordId ${id}) is not in the output of Bedrock batch job ${this.jobId}. Evaluate the same dataset that was submitted.`,
        { retryable: false },
      );
    }
    if ("error" in result) {
      if (result.extraction) {
        throw new FmopsError("UNEXPECTED_RESPONSE", `Record ${record.index}: ${result.error}`, {
          retryable: false,
        });
      }
      throw new FmopsError(
        "BATCH_RECORD_FAILED",
        `Bedrock batch job ${this.jobId} could not run record ${record.index} (line ${record.line}): ${redact(result.error)}.`,
        { retryable: false },
      );
    }
    return { ...result };
  }
}

async function getJob(
  bedrock: SendsCommands,
  jobIdentifier: string,
  signal: AbortSignal,
): Promise<GetModelInvocationJobCommandOutput> {
  return (await signalledAwsCall(
    signal,
    {
      service: SERVICE,
      operation: "GetModelInvocationJob",
      iamAction: "bedrock:GetModelInvocationJob",
    },
    () =>
      bedrock.send(new GetModelInvocationJobCommand({ jobIdentifier }), { abortSignal: signal }),
  )) as GetModelInvocationJobCommandOutput;
}

function infoOf(out: GetModelInvocationJobCommandOutput, fallbackArn: string): BatchJobInfo {
  const status = out.status as BatchJobStatus | undefined;
  if (status === undefined) {
    throw new FmopsError(
      "UNEXPECTED_RESPONSE",
      `GetModelInvocationJob for ${fallbackArn} returned no status.`,
      { retryable: true },
    );
  }
  const info: BatchJobInfo = { jobArn: out.jobArn ?? fallbackArn, status };
  if (out.message !== undefined) info.message = out.message;
  if (out.submitTime !== undefined) info.submitTime = out.submitTime;
  if (out.lastModifiedTime !== undefined) info.lastModifiedTime = out.lastModifiedTime;
  if (out.endTime !== undefined) info.endTime = out.endTime;
  if (out.jobExpirationTime !== undefined) info.jobExpirationTime = out.jobExpirationTime;
  if (out.totalRecordCount !== undefined) info.totalRecordCount = out.totalRecordCount;
  if (out.processedRecordCount !== undefined) info.processedRecordCount = out.processedRecordCount;
  if (out.successRecordCount !== undefined) info.successRecordCount = out.successRecordCount;
  if (out.errorRecordCount !== undefined) info.errorRecordCount = out.errorRecordCount;
  return info;
}
