/**
 * A local stand-in for the Bedrock control plane's batch inference API, on the routes the real
 * `@aws-sdk/client-bedrock` sends (restJson1): CreateModelInvocationJob
 * (`POST /model-invocation-job`), GetModelInvocationJob (`GET /model-invocation-job/{jobIdentifier}`)
 * and StopModelInvocationJob (`POST /model-invocation-job/{jobIdentifier}/stop`).
 *
 * It really runs the jobs: each GetModelInvocationJob moves a job one status on (Submitted,
 * Validating, Scheduled, InProgress, then Completed or PartiallyCompleted). Validation reads the
 * input JSONL from the S3 stand-in and fails the job as Bedrock does (too few records, unreadable
 * input, a scripted failure); the InProgress step computes every record's output with the
 * test's model function and writes `<output>/<jobId>/<input file>.out` and `manifest.json.out`.
 *
 * @module
 */

import { BedrockClient } from "@aws-sdk/client-bedrock";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { toUtf8 } from "@smithy/util-utf8";
import {
  clientPool,
  type MaybePromise,
  readBody,
  StandInError,
  type StandInErrorSpec,
  sendBody,
  standInClientConfig,
  standInError,
  startServer,
  testRegion,
} from "./http.js";
import { parseS3Uri, type S3StandIn } from "./s3.js";

/** A job status, as the service spells it. */
export type StandInJobStatus =
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

const TERMINAL = new Set<StandInJobStatus>([
  "Completed",
  "PartiallyCompleted",
  "Failed",
  "Stopped",
  "Expired",
]);

/** A job held by the stand-in. */
export interface StandInBatchJob {
  jobId: string;
  jobArn: string;
  jobName: string;
  modelId: string;
  roleArn: string;
  clientRequestToken: string | undefined;
  inputUri: string;
  outputUri: string;
  timeoutDurationInHours: number;
  tags: { key: string; value: string }[];
  status: StandInJobStatus;
  message?: string;
  submitTime: Date;
  lastModifiedTime: Date;
  endTime?: Date;
  /** GetModelInvocationJob calls seen for this job. */
  polls: number;
  /** Every status the job has been in, in order. */
  history: StandInJobStatus[];
  totalRecordCount?: number;
  processedRecordCount?: number;
  successRecordCount?: number;
  errorRecordCount?: number;
  /** Whether StopModelInvocationJob was called for it. */
  stopRequested: boolean;
}

/** What the model function gets for each record. */
export interface BatchRecordContext {
  recordId: string;
  modelId: string;
  job: StandInBatchJob;
}

/** One request the stand-in received. */
export interface RecordedControlRequest {
  operation: "CreateModelInvocationJob" | "GetModelInvocationJob" | "StopModelInvocationJob";
  jobIdentifier?: string;
  body: Record<string, unknown>;
}

/** Options of {@link startBedrock}. */
export interface BedrockStandInOptions {
  /** Where job inputs are read and outputs written. */
  s3: S3StandIn;
  /**
   * Computes each record's `modelOutput` from its `modelInput`. Throw a {@link StandInError} to
   * give the record an `error` line instead (`errorCode` = its status, `errorMessage` = its
   * message); other throws give errorCode 500. Default: echoes the input.
   */
  model?: (modelInput: unknown, context: BatchRecordContext) => MaybePromise<unknown>;
  /** Records a job needs; fewer fail it in validation, as the service's quota does. Default 100. */
  minRecords?: number;
  /** Called in validation; return a message to fail the job with it. */
  failJob?: (job: StandInBatchJob) => string | undefined;
  /** Jobs stay in this status (until stopped) instead of moving on. */
  stallAt?: StandInJobStatus;
  /** Writes the output lines in reverse input order (Bedrock does not keep the order). */
  reverseOutput?: boolean;
}

/** A running Bedrock control-plane stand-in. */
export interface BedrockStandIn {
  endpoint: string;
  /** A client wired to the stand-in (test credentials, one attempt). */
  client: BedrockClient;
  /** The jobs by id. */
  jobs: Map<string, StandInBatchJob>;
  /** Every request, in order. */
  requests: RecordedControlRequest[];
  /** Errors to answer the next requests with, one each, in order. */
  failNext: StandInErrorSpec[];
  /** Builds another client, e.g. with SDK retries. */
  newClient(config?: { maxAttempts?: number }): BedrockClient;
  close(): Promise<void>;
}

const ACCOUNT = "123456789012";
const JOB_NAME = /^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9+\-.]){0,63}$/;
const ROLE_ARN = /^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role\/.+$/;
const S3_URI =
  /^s3:\/\/[a-z0-9][-.a-z0-9]{1,61}(?:\/[-!_*'().a-z0-9A-Z]+(?:\/[-!_*'().a-z0-9A-Z]+)*)?\/?$/;

function validation(message: string): StandInError {
  return standInError({ status: 400, type: "ValidationException", message });
}

function notFound(identifier: string): StandInError {
  return standInError({
    status: 404,
    type: "ResourceNotFoundException",
    message: `The model invocation job ${identifier} could not be found.`,
  });
}

function newJobId(): string {
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789";
  let id = "";
  for (let i = 0; i < 12; i++) id += chars[Math.floor(Math.random() * chars.length)];
  return id;
}

function view(job: StandInBatchJob) {
  return {
    jobArn: job.jobArn,
    jobName: job.jobName,
    modelId: job.modelId,
    ...(job.clientRequestToken ? { clientRequestToken: job.clientRequestToken } : {}),
    roleArn: job.roleArn,
    status: job.status,
    ...(job.message !== undefined ? { message: job.message } : {}),
    submitTime: job.submitTime.toISOString(),
    lastModifiedTime: job.lastModifiedTime.toISOString(),
    ...(job.endTime ? { endTime: job.endTime.toISOString() } : {}),
    inputDataConfig: { s3InputDataConfig: { s3Uri: job.inputUri, s3InputFormat: "JSONL" } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: job.outputUri } },
    timeoutDurationInHours: job.timeoutDurationInHours,
    jobExpirationTime: new Date(
      job.submitTime.getTime() + job.timeoutDurationInHours * 3_600_000,
    ).toISOString(),
    ...(job.totalRecordCount !== undefined
      ? {
          totalRecordCount: job.totalRecordCount,
          processedRecordCount: job.processedRecordCount,
          successRecordCount: job.successRecordCount,
          errorRecordCount: job.errorRecordCount,
        }
      : {}),
  };
}

/**
 * Starts the stand-in on 127.0.0.1 port 0.
 *
 * @example
 * ```ts
 * const bedrock = await startBedrock({ s3, model: (input) => ({ results: [{ outputText: "hi" }] }) });
 * await bedrock.client.send(new CreateModelInvocationJobCommand({ ... }));
 * await bedrock.close();
 * ```
 */
export async function startBedrock(options: BedrockStandInOptions): Promise<BedrockStandIn> {
  const jobs = new Map<string, StandInBatchJob>();
  const requests: RecordedControlRequest[] = [];
  const failNext: StandInErrorSpec[] = [];
  const s3 = options.s3;
  const minRecords = options.minRecords ?? 100;
  const model = options.model ?? ((input: unknown) => input);

  const find = (identifier: string): StandInBatchJob => {
    const id = identifier.startsWith("arn:") ? (identifier.split("/").pop() ?? "") : identifier;
    const job = jobs.get(id);
    if (!job) throw notFound(identifier);
    return job;
  };

  const setStatus = (job: StandInBatchJob, status: StandInJobStatus, message?: string): void => {
    job.status = status;
    job.history.push(status);
    job.lastModifiedTime = new Date();
    if (message !== undefined) job.message = message;
    if (TERMINAL.has(status)) job.endTime = job.lastModifiedTime;
  };

  /** The input files of a job: its one .jsonl file, or every .jsonl under its prefix. */
  const inputKeys = async (uri: string): Promise<{ bucket: string; keys: string[] }> => {
    const { bucket, key } = parseS3Uri(/^s3:\/\/[^/]+$/.test(uri) ? `${uri}/` : uri);
    if (key.endsWith(".jsonl")) return { bucket, keys: [key] };
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));
    const keys = (listed.Contents ?? [])
      .map((o) => o.Key ?? "")
      .filter((k) => k.endsWith(".jsonl"));
    return { bucket, keys };
  };

  const readRecords = async (job: StandInBatchJob) => {
    const { bucket, keys } = await inputKeys(job.inputUri);
    const files: { name: string; records: { recordId: string; modelInput: unknown }[] }[] = [];
    for (const key of keys) {
      const text = toUtf8(await s3.getObject(bucket, key));
      const records = text
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as { recordId: string; modelInput: unknown });
      files.push({ name: key.split("/").pop() ?? key, records });
    }
    return files;
  };

  const validate = async (job: StandInBatchJob): Promise<void> => {
    let count = 0;
    try {
      for (const file of await readRecords(job)) count += file.records.length;
    } catch (err) {
      setStatus(
        job,
        "Failed",
        `Unable to read the input data at ${job.inputUri}: ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
    if (count < minRecords) {
      setStatus(
        job,
        "Failed",
        `The number of records in the input (${count}) is less than the minimum of ${minRecords} records per batch inference job.`,
      );
      return;
    }
    const scripted = options.failJob?.(job);
    if (scripted !== undefined) {
      setStatus(job, "Failed", scripted);
      return;
    }
    job.totalRecordCount = count;
    job.processedRecordCount = 0;
    job.successRecordCount = 0;
    job.errorRecordCount = 0;
    setStatus(job, "Scheduled");
  };

  const run = async (job: StandInBatchJob): Promise<void> => {
    const { bucket: outBucket, key: outKey } = parseS3Uri(
      job.outputUri.endsWith("/") ? job.outputUri : `${job.outputUri}/`,
    );
    let ok = 0;
    let failed = 0;
    for (const file of await readRecords(job)) {
      const lines: string[] = [];
      for (const record of file.records) {
        try {
          const modelOutput = await model(record.modelInput, {
            recordId: record.recordId,
            modelId: job.modelId,
            job,
          });
          lines.push(JSON.stringify({ ...record, modelOutput }));
          ok += 1;
        } catch (err) {
          const e = err instanceof StandInError ? err : undefined;
          lines.push(
            JSON.stringify({
              ...record,
              error: {
                errorCode: e?.status ?? 500,
                errorMessage: err instanceof Error ? err.message : String(err),
              },
            }),
          );
          failed += 1;
        }
      }
      if (options.reverseOutput) lines.reverse();
      await s3.putObject(
        outBucket,
        `${outKey}${job.jobId}/${file.name}.out`,
        `${lines.join("\n")}\n`,
      );
    }
    job.processedRecordCount = ok + failed;
    job.successRecordCount = ok;
    job.errorRecordCount = failed;
    await s3.putObject(
      outBucket,
      `${outKey}${job.jobId}/manifest.json.out`,
      JSON.stringify({
        totalRecordCount: job.totalRecordCount,
        processedRecordCount: ok + failed,
        successRecordCount: ok,
        errorRecordCount: failed,
        inputTokenCount: 0,
        outputTokenCount: 0,
      }),
    );
    setStatus(job, failed > 0 ? "PartiallyCompleted" : "Completed");
  };

  /** Moves a job one status on, as a later poll would see it. */
  const advance = async (job: StandInBatchJob): Promise<void> => {
    if (job.status === "Stopping") {
      setStatus(job, "Stopped");
      return;
    }
    if (TERMINAL.has(job.status) || options.stallAt === job.status) return;
    if (job.status === "Submitted") setStatus(job, "Validating");
    else if (job.status === "Validating") await validate(job);
    else if (job.status === "Scheduled") setStatus(job, "InProgress");
    else if (job.status === "InProgress") await run(job);
  };

  const create = (body: Record<string, unknown>): { jobArn: string } => {
    const jobName = body.jobName;
    if (typeof jobName !== "string" || jobName.length > 63 || !JOB_NAME.test(jobName)) {
      throw validation(
        `1 validation error detected: Value '${String(jobName)}' at 'jobName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\\+\\-\\.]){0,63}`,
      );
    }
    if (typeof body.roleArn !== "string" || !ROLE_ARN.test(body.roleArn)) {
      throw validation(
        `1 validation error detected: Value '${String(body.roleArn)}' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$`,
      );
    }
    if (typeof body.modelId !== "string" || body.modelId === "") {
      throw validation(
        "1 validation error detected: Value at 'modelId' failed to satisfy constraint: Member must not be null",
      );
    }
    const input = (body.inputDataConfig as { s3InputDataConfig?: { s3Uri?: unknown } } | undefined)
      ?.s3InputDataConfig?.s3Uri;
    const output = (
      body.outputDataConfig as { s3OutputDataConfig?: { s3Uri?: unknown } } | undefined
    )?.s3OutputDataConfig?.s3Uri;
    for (const [field, uri] of [
      ["inputDataConfig.s3InputDataConfig.s3Uri", input],
      ["outputDataConfig.s3OutputDataConfig.s3Uri", output],
    ] as const) {
      if (typeof uri !== "string" || !S3_URI.test(uri)) {
        throw validation(
          `1 validation error detected: Value '${String(uri)}' at '${field}' failed to satisfy constraint: Member must satisfy the S3 URI pattern`,
        );
      }
    }
    const hours = body.timeoutDurationInHours;
    if (hours !== undefined && (typeof hours !== "number" || hours < 24 || hours > 168)) {
      throw validation(
        `1 validation error detected: Value '${String(hours)}' at 'timeoutDurationInHours' failed to satisfy constraint: Member must have value between 24 and 168`,
      );
    }
    const token = typeof body.clientRequestToken === "string" ? body.clientRequestToken : undefined;
    if (token !== undefined) {
      for (const existing of jobs.values()) {
        if (existing.clientRequestToken !== token) continue;
        // The same idempotency token: the same request gets the same job back.
        if (existing.jobName === jobName && existing.modelId === body.modelId) {
          return { jobArn: existing.jobArn };
        }
        throw standInError({
          // Bedrock's model gives ConflictException HTTP 400 (not the usual 409).
          status: 400,
          type: "ConflictException",
          message: "The clientRequestToken was already used for a different request.",
        });
      }
    }
    const jobId = newJobId();
    const now = new Date();
    const job: StandInBatchJob = {
      jobId,
      jobArn: `arn:aws:bedrock:${testRegion}:${ACCOUNT}:model-invocation-job/${jobId}`,
      jobName,
      modelId: body.modelId,
      roleArn: body.roleArn,
      clientRequestToken: token,
      inputUri: input as string,
      outputUri: output as string,
      timeoutDurationInHours: (hours as number | undefined) ?? 24,
      tags: (body.tags as { key: string; value: string }[] | undefined) ?? [],
      status: "Submitted",
      submitTime: now,
      lastModifiedTime: now,
      polls: 0,
      history: ["Submitted"],
      stopRequested: false,
    };
    jobs.set(jobId, job);
    return { jobArn: job.jobArn };
  };

  const running = await startServer(
    async (req, res, requestId) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const raw = await readBody(req);
      const body = raw.length > 0 ? (JSON.parse(toUtf8(raw)) as Record<string, unknown>) : {};
      const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
      const send = (json: unknown) =>
        sendBody(res, requestId, JSON.stringify(json), { "content-type": "application/json" });
      const noRoute = () =>
        standInError({
          status: 404,
          type: "UnknownOperationException",
          message: `No route for ${req.method} ${url.pathname}`,
        });
      if (segments[0] !== "model-invocation-job") throw noRoute();
      const [, identifier, action] = segments;

      if (identifier === undefined && req.method === "POST") {
        requests.push({ operation: "CreateModelInvocationJob", body });
        const fault = failNext.shift();
        if (fault) throw standInError(fault);
        send(create(body));
        return;
      }
      if (identifier !== undefined && action === undefined && req.method === "GET") {
        requests.push({ operation: "GetModelInvocationJob", jobIdentifier: identifier, body });
        const fault = failNext.shift();
        if (fault) throw standInError(fault);
        const job = find(identifier);
        // The first poll sees the job as created; each later one sees it a step further on.
        if (job.polls > 0) await advance(job);
        job.polls += 1;
        send(view(job));
        return;
      }
      if (identifier !== undefined && action === "stop" && req.method === "POST") {
        requests.push({ operation: "StopModelInvocationJob", jobIdentifier: identifier, body });
        const fault = failNext.shift();
        if (fault) throw standInError(fault);
        const job = find(identifier);
        if (TERMINAL.has(job.status) || job.status === "Stopping") {
          throw validation(
            `The model invocation job ${job.jobArn} is ${job.status} and cannot be stopped.`,
          );
        }
        job.stopRequested = true;
        setStatus(job, "Stopping");
        send({});
        return;
      }
      throw noRoute();
    },
    { errorStyle: { coralNamespace: "com.amazon.bedrock" } },
  );

  const pool = clientPool(
    (maxAttempts) => new BedrockClient(standInClientConfig(running.endpoint, maxAttempts)),
  );
  const client = pool.newClient();
  return {
    endpoint: running.endpoint,
    client,
    jobs,
    requests,
    failNext,
    newClient: pool.newClient,
    async close() {
      pool.destroyAll();
      await running.close();
    },
  };
}
