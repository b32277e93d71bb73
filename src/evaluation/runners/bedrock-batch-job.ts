/**
 * {@link BedrockBatchJob}: one Bedrock batch inference job, once submitted (or attached to):
 * polling it to the end, stopping it, and reading its output file into a
 * {@link BatchResultsRunner} that answers each record from it.
 *
 * @module
 */
import type { GetModelInvocationJobCommandOutput } from "@aws-sdk/client-bedrock";
import {
  AbortedError,
  AwsServiceError,
  FmopsError,
  isRetryableError,
  parseS3Uri,
  redact,
  TimeoutError,
  type WaitOptions,
  waitFor,
  withDeadline,
} from "../../core/index.js";
import type { LoadedAwsClient, SendsCommands } from "../../core/internal.js";
import {
  bodyChunks,
  joinS3Uri,
  MAX_TIMER_MS,
  type PollDelayOptions,
  resolveDelays,
  signalledAwsCall,
  throwIfAborted,
  type WaiterPollEvent,
} from "../../core/internal.js";
import { LineIterator } from "../../streaming/index.js";
import type { DatasetRecord } from "../datasets/dataset.js";
import type { ContentCodec } from "./content-template.js";
import type { ModelRunner, RunnerOutput } from "./runner.js";

/** Default deadline of `runner()`: reading the output file. */
export const DEFAULT_BATCH_READ_TIMEOUT_MS = 600_000;
/** Default shortest delay between GetModelInvocationJob polls. */
export const DEFAULT_BATCH_MIN_DELAY_MS = 10_000;
/** Default longest delay between GetModelInvocationJob polls. */
export const DEFAULT_BATCH_MAX_DELAY_MS = 60_000;
/** @internal The service name in errors. */
export const SERVICE = "Bedrock";
/** Bedrock's default job timeout (`timeoutDurationInHours`). */
const DEFAULT_JOB_HOURS = 24;
const HOUR_MS = 3_600_000;
const STOP_TIMEOUT_MS = 30_000;
/** @internal Deadline of one GetModelInvocationJob look. */
export const CHECK_TIMEOUT_MS = 30_000;

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

/** The waiter's poll event in the terms of {@link BatchPollEvent}; `info` is the status just read. */
function batchPollEvent(
  e: WaiterPollEvent<BatchJobInfo>,
  last: BatchJobInfo | undefined,
): BatchPollEvent {
  const event: BatchPollEvent = {
    attempt: e.attempt,
    elapsedMs: e.elapsedMs,
    info: e.state === "retry" ? undefined : last,
  };
  if (e.state === "retry") event.error = e.error;
  if (e.nextDelayMs !== undefined) event.nextDelayMs = e.nextDelayMs;
  return event;
}

/**
 * The `recordId` of a dataset record in the batch files: its index, zero-padded to 11 digits
 * (Bedrock's documentation has asked for 11-character alphanumeric ids).
 */
export function batchRecordId(index: number): string {
  return String(index).padStart(11, "0");
}

/**
 * The command classes a batch job sends, typed by the input it gives them. The packages'
 * (`@aws-sdk/client-bedrock`, `@aws-sdk/client-s3`) are assignable to these; naming them here
 * keeps the optional peers out of fmops's declarations (the job's constructor takes a context).
 */
interface BatchBedrockCommands {
  /** GetModelInvocationJob. */
  GetModelInvocationJobCommand: new (input: {
    jobIdentifier: string;
  }) => object;
  /** StopModelInvocationJob. */
  StopModelInvocationJobCommand: new (input: {
    jobIdentifier: string;
  }) => object;
}

/** The S3 command class a batch job sends (see {@link BatchBedrockCommands}). */
interface BatchS3Commands {
  /** GetObject. */
  GetObjectCommand: new (input: {
    Bucket: string;
    Key: string;
  }) => object;
}

/**
 * Everything a {@link BedrockBatchJob} needs from the runner that made it.
 *
 * @internal
 */
export interface BatchContext {
  /** The Bedrock client and its package, loaded on first use. */
  bedrock: () => Promise<LoadedAwsClient<BatchBedrockCommands, SendsCommands>>;
  /** The S3 client and its package, loaded on first use. */
  s3: () => Promise<LoadedAwsClient<BatchS3Commands, SendsCommands>>;
  codec: ContentCodec;
  modelId: string;
  delays: { minDelayMs: number; maxDelayMs: number };
}

/**
 * How a {@link BedrockBatchJob} is built (by `BedrockBatchRunner.submit` or `attach`).
 *
 * @internal
 */
export interface BatchJobInit {
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
    const onPoll = options.onPoll;
    const keepRunning = options.stopJob === false;
    // What became of the job after giving up, for the error message; the hook fills it in.
    let stopped = keepRunning
      ? "was left running (stopJob: false); attach() to it later"
      : `could not be stopped within ${STOP_TIMEOUT_MS} ms; stop it with StopModelInvocationJob, or it keeps running and costs money`;
    return waitFor<BatchJobInfo>(
      async (signal) => {
        const info = infoOf(await getJob(this.#context.bedrock, this.jobArn, signal), this.jobArn);
        this.#last = info;
        if (SUCCEEDED.has(info.status)) return { state: "done", value: info };
        if (FAILED.has(info.status))
          return { state: "failed", error: new BatchJobFailedError(info) };
        return { state: "pending" };
      },
      {
        signal: options.signal,
        timeoutMs,
        what: `waiting for Bedrock batch job ${this.jobId}`,
        ...delays,
        retryOn: isRetryableError,
        ...(onPoll ? { onPoll: (e) => onPoll(batchPollEvent(e, this.#last)) } : {}),
        giveUpTimeoutMs: STOP_TIMEOUT_MS,
        ...(keepRunning
          ? {}
          : {
              onGiveUp: async (_info, signal) => {
                stopped = await this.#stopAfterGivingUp(signal);
              },
            }),
        giveUpError: (info) => {
          const status = this.#last ? ` It was ${this.#last.status} at the last poll, and` : " It";
          if (info.cause === "abort" && options.signal?.aborted) {
            return new AbortedError(
              `Stopped waiting for Bedrock batch job ${this.jobId}: aborted by its AbortSignal.${status} ${stopped}.`,
              { cause: options.signal.reason },
            );
          }
          const last =
            info.lastError instanceof Error
              ? ` The last poll failed with: ${redact(info.lastError.message)}.`
              : "";
          return new TimeoutError(
            `Bedrock batch job ${this.jobId} had not ended after ${info.elapsedMs} ms (${info.attempts} polls, timeoutMs ${timeoutMs}).${status} ${stopped}.${last} Batch jobs can wait in the queue for hours: pass a larger timeoutMs, or stopJob: false to keep it running.`,
            timeoutMs,
            { cause: info.reason },
          );
        },
      },
    );
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
          async () => {
            const { sdk, client } = await this.#context.bedrock();
            return client.send(
              new sdk.StopModelInvocationJobCommand({ jobIdentifier: this.jobArn }),
              { abortSignal: signal },
            );
          },
        ),
    );
  }

  /** Stops the job once waiting was given up, on its own deadline; says how that went. */
  async #stopAfterGivingUp(signal: AbortSignal): Promise<string> {
    if (this.#last && (SUCCEEDED.has(this.#last.status) || FAILED.has(this.#last.status))) {
      return "had already ended";
    }
    try {
      await this.stop({ signal });
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
        async () => {
          const { sdk, client } = await this.#context.s3();
          return client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), {
            abortSignal: signal,
          });
        },
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

/** @internal GetModelInvocationJob, with fmops errors. */
export async function getJob(
  bedrock: BatchContext["bedrock"],
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
    async () => {
      const { sdk, client } = await bedrock();
      return client.send(new sdk.GetModelInvocationJobCommand({ jobIdentifier }), {
        abortSignal: signal,
      });
    },
  )) as GetModelInvocationJobCommandOutput;
}

/** @internal The {@link BatchJobInfo} of a GetModelInvocationJob answer. */
export function infoOf(out: GetModelInvocationJobCommandOutput, fallbackArn: string): BatchJobInfo {
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
