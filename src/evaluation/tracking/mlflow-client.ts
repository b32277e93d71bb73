/**
 * {@link MlflowClient}: the part of the MLflow tracking REST API (2.0) that logging a finished
 * evaluation needs, for self-hosted servers and SageMaker managed MLflow (SigV4-signed).
 *
 * @module
 */
import type * as S3Module from "@aws-sdk/client-s3";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { z } from "zod";
import type { FmopsErrorCode } from "../../core/index.js";
import {
  awsCall,
  FmopsError,
  type FmopsErrorOptions,
  PermissionDeniedError,
  parseOptions,
  redact,
  retry,
  ValidationError,
  withDeadline,
} from "../../core/index.js";
import {
  abortError,
  awsClientConfigShape,
  awsClientSchema,
  describeNetworkError,
  escapeUriComponent,
  lazyAwsClient,
  type SendsCommands,
  SigV4Signer,
  s3Sdk,
  schemaFor,
} from "../../core/internal.js";
import type { FetchLike } from "../../models/index.js";
import { checkMlflowBatch, chunkMlflowBatch, type MlflowBatch } from "./mlflow-batch.js";
import { checkArtifactPath } from "./tracking.js";

const encoder = new TextEncoder();

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_ATTEMPTS = 4;
const DEFAULT_BASE_DELAY_MS = 200;
const SIGNING_SERVICE = "sagemaker-mlflow";

/** A run's status, as MLflow names it. */
export type MlflowRunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

/** Options of {@link MlflowClient}. */
export interface MlflowClientOptions {
  /**
   * The tracking server: an `http(s)://` URL of a self-hosted MLflow server (its root, e.g.
   * `http://127.0.0.1:5000`), or the ARN of a SageMaker managed MLflow tracking server,
   * `arn:aws:sagemaker:<region>:<account>:mlflow-tracking-server/<name>`, whose requests are
   * sent to `https://<region>.experiments.sagemaker.aws` and signed with SigV4.
   */
  trackingUri: string;
  /**
   * For an ARN only: where requests go instead of `https://<region>.experiments.sagemaker.aws`
   * (a VPC endpoint, a local stand-in). Default: the `SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT`
   * environment variable when set, as in the AWS `sagemaker-mlflow` Python plugin.
   */
  endpoint?: string;
  /** Extra HTTP headers for every request, e.g. `{ authorization: "Bearer <token>" }` for an authenticated server; never shown in errors. */
  headers?: Record<string, string>;
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Deadline of one HTTP request in milliseconds (each attempt). Default 30 000. */
  timeoutMs?: number;
  /** Attempts per call for throttling (429), 5xx, network errors and timeouts, including the first. Default 4. */
  maxAttempts?: number;
  /** Scale of the full-jitter backoff between attempts in milliseconds. Default 200. */
  baseDelayMs?: number;
  /** AWS credentials for SigV4 (ARN) and for S3 artifact uploads. Default: the AWS SDK's default chain, loaded on first use. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** AWS region for SigV4 and for the S3 client made for `s3://` artifacts. Default: the ARN's region. */
  region?: string;
  /** A ready S3 client for runs whose artifact URI is `s3://...` (managed MLflow). Default: one made on first use with `region` and `credentials`. */
  s3?: SendsCommands;
}

/** Options of one {@link MlflowClient} call. */
export interface MlflowCallOptions {
  /** Stops the call (and its retries) with `ABORTED`. */
  signal?: AbortSignal | undefined;
  /** Deadline of each HTTP request of the call. Default: the client's `timeoutMs`. */
  timeoutMs?: number | undefined;
  /** Attempts per request. Default: the client's `maxAttempts`. */
  maxAttempts?: number | undefined;
}

/** An MLflow experiment. */
export interface MlflowExperiment {
  /** Its id. */
  experimentId: string;
  /** Its name. */
  name: string;
  /** Where its runs' artifacts go, e.g. `mlflow-artifacts:/1` or `s3://bucket/prefix/1`. */
  artifactLocation?: string | undefined;
  /** `active`, or `deleted` for an experiment in the trash. */
  lifecycleStage: string;
}

/** An MLflow run as `runs/create` returns it. */
export interface MlflowRun {
  /** Its id. */
  runId: string;
  /** Its experiment's id. */
  experimentId: string;
  /** Its name. */
  runName?: string | undefined;
  /** Where its artifacts go, e.g. `mlflow-artifacts:/1/<runId>/artifacts`. */
  artifactUri: string;
  /** Its status (`RUNNING` once created). */
  status: string;
  /** When it started, in milliseconds since the epoch. */
  startTime: number;
}

/** Options of {@link MlflowClient.uploadArtifact}. */
export interface MlflowUploadOptions extends MlflowCallOptions {
  /** The media type. Default `application/octet-stream`. */
  contentType?: string;
}

/** Where an MLflow error happened: the HTTP status and MLflow's own error code. */
export interface MlflowErrorOptions extends FmopsErrorOptions {
  /** The HTTP status of the failed response, when there was one. */
  status?: number | undefined;
  /** MLflow's `error_code`, e.g. `INVALID_PARAMETER_VALUE`, when the server sent one. */
  errorCode?: string | undefined;
  /** The API call, e.g. `runs/log-batch`. */
  operation?: string | undefined;
}

/**
 * An MLflow tracking server error. Code `MLFLOW_<error_code>` when the server sent one
 * (`MLFLOW_INVALID_PARAMETER_VALUE`, `MLFLOW_RESOURCE_DOES_NOT_EXIST`, ...), else
 * `MLFLOW_REQUEST_FAILED` (network errors, answers without an MLflow error body), or a specific
 * code such as `MLFLOW_ARTIFACT_STORE_UNSUPPORTED`. Retryable for 429, 5xx and network errors.
 */
export class MlflowError extends FmopsError {
  /** The HTTP status of the failed response, when there was one. */
  readonly status: number | undefined;
  /** MLflow's `error_code`, when the server sent one. */
  readonly errorCode: string | undefined;
  /** The API call that failed, e.g. `runs/log-batch`. */
  readonly operation: string | undefined;

  constructor(code: FmopsErrorCode, message: string, options: MlflowErrorOptions = {}) {
    super(code, message, { retryable: options.retryable ?? false, cause: options.cause });
    this.status = options.status;
    this.errorCode = options.errorCode;
    this.operation = options.operation;
  }
}

/** One REST call: its name in messages and the IAM action SageMaker checks for it. */
interface Operation {
  name: string;
  iamAction?: string;
}

const OPS = {
  getExperimentByName: {
    name: "experiments/get-by-name",
    iamAction: "sagemaker-mlflow:GetExperimentByName",
  },
  createExperiment: { name: "experiments/create", iamAction: "sagemaker-mlflow:CreateExperiment" },
  createRun: { name: "runs/create", iamAction: "sagemaker-mlflow:CreateRun" },
  logBatch: { name: "runs/log-batch", iamAction: "sagemaker-mlflow:LogBatch" },
  updateRun: { name: "runs/update", iamAction: "sagemaker-mlflow:UpdateRun" },
  uploadArtifact: { name: "mlflow-artifacts/artifacts" },
} satisfies Record<string, Operation>;

/** SageMaker managed MLflow resource ARNs (tracking servers, and MLflow apps). */
const ARN_PATTERN =
  /^arn:(aws|aws-us-gov):sagemaker:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):(mlflow-tracking-server|mlflow-app)\/([A-Za-z0-9](?:-*[A-Za-z0-9]){0,255})$/;

/** The fields of {@link MlflowClientOptions}; the tracker extends them, so both refuse the same typos. */
export const mlflowClientOptionsObject = z
  .object({
    trackingUri: z
      .string()
      .min(1)
      .refine(
        (v) => ARN_PATTERN.test(v) || /^https?:\/\/[^\s/]+/i.test(v),
        "must be an http(s):// URL of an MLflow tracking server, or a SageMaker managed MLflow ARN such as arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/my-server",
      ),
    endpoint: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    fetch: z
      .custom<FetchLike>((v) => typeof v === "function", "must be a fetch function")
      .optional(),
    timeoutMs: z.int().min(1).max(2_147_483_647).optional(),
    maxAttempts: z.int().min(1).max(20).optional(),
    baseDelayMs: z.number().min(0).max(60_000).optional(),
    credentials: awsClientConfigShape.credentials,
    region: awsClientConfigShape.region,
    s3: awsClientSchema<SendsCommands>("S3Client").optional(),
  })
  .strict();

const mlflowClientOptionsSchema = schemaFor<MlflowClientOptions>()(mlflowClientOptionsObject);

type Target =
  | { kind: "url"; base: string }
  | { kind: "arn"; base: string; arn: string; region: string };

function envEndpoint(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const value = env?.SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT;
  return value === undefined || value === "" ? undefined : value;
}

function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`Invalid MlflowClient options: ${field}: ${message}.`, [
    { path: field, message },
  ]);
}

function resolveTarget(o: MlflowClientOptions): Target {
  const arn = ARN_PATTERN.exec(o.trackingUri);
  if (arn) {
    const region = o.region ?? (arn[2] as string);
    const fromEnv = o.endpoint === undefined ? envEndpoint() : undefined;
    if (fromEnv !== undefined && !/^https?:\/\/[^\s/]+/i.test(fromEnv)) {
      throw invalid("SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT", "must be an http(s) URL");
    }
    const base = o.endpoint ?? fromEnv ?? `https://${arn[2]}.experiments.sagemaker.aws`;
    return { kind: "arn", base: base.replace(/\/+$/, ""), arn: o.trackingUri, region };
  }
  if (o.endpoint !== undefined) {
    throw invalid(
      "endpoint",
      "applies to a SageMaker managed MLflow ARN only; put the URL in trackingUri",
    );
  }
  let url: URL;
  try {
    url = new URL(o.trackingUri);
  } catch {
    throw invalid("trackingUri", "is not a valid URL");
  }
  if (url.username !== "" || url.password !== "") {
    throw invalid(
      "trackingUri",
      "must not contain credentials; pass them in headers (e.g. an authorization header)",
    );
  }
  return { kind: "url", base: `${url.origin}${url.pathname}`.replace(/\/+$/, "") };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface RequestSpec {
  op: Operation;
  method: "GET" | "POST" | "PUT";
  /** The path below the base URL, already percent-encoded, starting with `/`. */
  path: string;
  query?: Record<string, string>;
  body?: Uint8Array;
  contentType?: string;
  /** Another base URL (a `mlflow-artifacts://host/...` artifact URI). */
  base?: string;
}

/**
 * A client for the MLflow tracking REST API (2.0): experiments (get by name, create, get or
 * create), runs (create, log a batch, update) and artifact uploads, against a self-hosted
 * server (`http(s)://` URL) or SageMaker managed MLflow (a tracking server ARN; every request is
 * SigV4-signed for `sagemaker-mlflow` with the ARN's region, as the AWS `sagemaker-mlflow`
 * plugin does).
 *
 * Errors are {@link MlflowError}s (`MLFLOW_<error_code>`), or `PERMISSION_DENIED` for 401/403
 * (naming the `sagemaker-mlflow:` action for an ARN). Throttling (429), 5xx, network errors and
 * per-request timeouts are retried with `retry()` (`maxAttempts`, full-jitter backoff); other
 * errors are not. Every call takes `{ signal, timeoutMs }`.
 *
 * @example
 * ```ts
 * const mlflow = new MlflowClient({ trackingUri: "http://127.0.0.1:5000" });
 * const experiment = await mlflow.getOrCreateExperiment("qa-eval");
 * const run = await mlflow.createRun({ experimentId: experiment.experimentId, runName: "nova-lite" });
 * await mlflow.logBatch(run.runId, { metrics: [{ key: "qa_accuracy.f1", value: 0.71 }] });
 * await mlflow.updateRun(run.runId, { status: "FINISHED" });
 * ```
 */
export class MlflowClient {
  /** The tracking URI as given. */
  readonly trackingUri: string;
  /** The base URL requests go to (no trailing slash). */
  readonly baseUrl: string;
  readonly #target: Target;
  readonly #headers: Record<string, string>;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  readonly #region: string | undefined;
  readonly #s3;
  #signer: SigV4Signer | undefined;

  constructor(options: MlflowClientOptions) {
    const o = parseOptions(mlflowClientOptionsSchema, options, "MlflowClient options");
    this.#target = resolveTarget(o);
    this.trackingUri = o.trackingUri;
    this.baseUrl = this.#target.base;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(o.headers ?? {}))
      headers[name.toLowerCase()] = value;
    if (this.#target.kind === "arn") headers["x-mlflow-sm-tracking-server-arn"] = this.#target.arn;
    this.#headers = headers;
    this.#fetch = o.fetch ?? ((url, init) => fetch(url, init));
    this.#timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.#baseDelayMs = o.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.#credentials = o.credentials as AwsCredentialIdentity | AwsCredentialIdentityProvider;
    this.#region = o.region ?? (this.#target.kind === "arn" ? this.#target.region : undefined);
    // Artifacts go to S3 only for servers that store them there; the package loads on that first upload.
    const s3Config = {
      ...(this.#region === undefined ? {} : { region: this.#region }),
      ...(this.#credentials === undefined ? {} : { credentials: this.#credentials }),
    };
    this.#s3 = lazyAwsClient<typeof S3Module, SendsCommands>(
      s3Sdk,
      "MlflowClient (S3 artifacts)",
      o.s3,
      (sdk) => new sdk.S3Client(s3Config),
    );
  }

  /** The experiment named `name` (active or deleted), or `undefined` when there is none. */
  async getExperimentByName(
    name: string,
    options: MlflowCallOptions = {},
  ): Promise<MlflowExperiment | undefined> {
    let json: unknown;
    try {
      json = await this.#call(
        {
          op: OPS.getExperimentByName,
          method: "GET",
          path: "/api/2.0/mlflow/experiments/get-by-name",
          query: { experiment_name: name },
        },
        options,
      );
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === "RESOURCE_DOES_NOT_EXIST")
        return undefined;
      throw err;
    }
    const e = isObject(json) ? json.experiment : undefined;
    if (!isObject(e) || typeof e.experiment_id !== "string") {
      throw this.#unexpected(OPS.getExperimentByName, "an experiment with an experiment_id", json);
    }
    return {
      experimentId: e.experiment_id,
      name: typeof e.name === "string" ? e.name : name,
      artifactLocation: typeof e.artifact_location === "string" ? e.artifact_location : undefined,
      lifecycleStage: typeof e.lifecycle_stage === "string" ? e.lifecycle_stage : "active",
    };
  }

  /** Creates an experiment and returns its id; `MLFLOW_RESOURCE_ALREADY_EXISTS` when the name is taken. */
  async createExperiment(name: string, options: MlflowCallOptions = {}): Promise<string> {
    const json = await this.#post(OPS.createExperiment, "experiments/create", { name }, options);
    const id = isObject(json) ? json.experiment_id : undefined;
    if (typeof id !== "string")
      throw this.#unexpected(OPS.createExperiment, "an experiment_id", json);
    return id;
  }

  /**
   * The experiment named `name`, created when there is none. A concurrent creator winning the
   * race (`RESOURCE_ALREADY_EXISTS`) is handled by reading the experiment again. An experiment
   * in the trash throws `MLFLOW_EXPERIMENT_DELETED`.
   */
  async getOrCreateExperiment(
    name: string,
    options: MlflowCallOptions = {},
  ): Promise<MlflowExperiment> {
    const found = await this.getExperimentByName(name, options);
    if (found !== undefined) return this.#active(found);
    try {
      const experimentId = await this.createExperiment(name, options);
      return { experimentId, name, lifecycleStage: "active" };
    } catch (err) {
      if (!(err instanceof MlflowError && err.errorCode === "RESOURCE_ALREADY_EXISTS")) throw err;
      const again = await this.getExperimentByName(name, options);
      if (again === undefined) throw err;
      return this.#active(again);
    }
  }

  /** Starts a run in an experiment; `tags` go with it (e.g. `mlflow.runName`). */
  async createRun(
    input: {
      /** The experiment's id. */
      experimentId: string;
      /** The run's name. */
      runName?: string;
      /** Start time in milliseconds since the epoch. Default: now. */
      startTime?: number;
      /** Tags set at creation. */
      tags?: Record<string, string>;
    },
    options: MlflowCallOptions = {},
  ): Promise<MlflowRun> {
    const tags = input.tags ?? {};
    checkMlflowBatch({ tags }, "MlflowClient.createRun");
    const startTime = input.startTime ?? Date.now();
    const body: Record<string, unknown> = {
      experiment_id: input.experimentId,
      start_time: startTime,
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    };
    if (input.runName !== undefined) body.run_name = input.runName;
    const json = await this.#post(OPS.createRun, "runs/create", body, options);
    const info = isObject(json) && isObject(json.run) ? json.run.info : undefined;
    const runId = isObject(info) ? (info.run_id ?? info.run_uuid) : undefined;
    if (!isObject(info) || typeof runId !== "string" || typeof info.artifact_uri !== "string") {
      throw this.#unexpected(OPS.createRun, "run.info with run_id and artifact_uri", json);
    }
    return {
      runId,
      experimentId:
        typeof info.experiment_id === "string" ? info.experiment_id : input.experimentId,
      runName: typeof info.run_name === "string" ? info.run_name : input.runName,
      artifactUri: info.artifact_uri,
      status: typeof info.status === "string" ? info.status : "RUNNING",
      startTime: typeof info.start_time === "number" ? info.start_time : startTime,
    };
  }

  /**
   * Logs metrics, params and tags to a run, in as many `runs/log-batch` requests as
   * `MLFLOW_BATCH_LIMITS` need (1000 metrics, 100 params, 100 tags, 1000 items in all per
   * request), sent one after another. Everything is checked first, so an invalid key or an
   * over-long value throws a `ValidationError` before any request: keys may only contain
   * letters, digits, `_ - . space /` and must not have empty, `.` or `..` segments (see
   * `trackingKey`); param values are at most 6000 characters, tag values 5000; metric values
   * must be finite. Returns the number of requests sent.
   */
  async logBatch(
    runId: string,
    batch: MlflowBatch,
    options: MlflowCallOptions = {},
  ): Promise<number> {
    const chunks = chunkMlflowBatch(checkMlflowBatch(batch), runId);
    for (const chunk of chunks) {
      await this.#post(OPS.logBatch, "runs/log-batch", { run_id: runId, ...chunk }, options);
    }
    return chunks.length;
  }

  /** Sets a run's status (and end time, default now for a terminal status). */
  async updateRun(
    runId: string,
    update: {
      /** The new status. */
      status: MlflowRunStatus;
      /** End time in milliseconds since the epoch. Default: now, unless the status is RUNNING or SCHEDULED. */
      endTime?: number;
    },
    options: MlflowCallOptions = {},
  ): Promise<void> {
    const body: Record<string, unknown> = { run_id: runId, run_uuid: runId, status: update.status };
    const terminal = update.status !== "RUNNING" && update.status !== "SCHEDULED";
    const endTime = update.endTime ?? (terminal ? Date.now() : undefined);
    if (endTime !== undefined) body.end_time = endTime;
    await this.#post(OPS.updateRun, "runs/update", body, options);
  }

  /**
   * Uploads one artifact of a run to `path` below its artifact URI:
   *
   * - `mlflow-artifacts:/...` (a server started with `--serve-artifacts`, the default of
   *   `mlflow server` since 2.0): `PUT <server>/api/2.0/mlflow-artifacts/artifacts/<uri path>/<path>`,
   *   through the tracking server (`mlflow-artifacts://host/...` sends it to that host);
   * - `s3://bucket/prefix` (SageMaker managed MLflow, or a server whose artifact root is S3):
   *   `PutObject` of `prefix/<path>` with the `s3` client (made on first use otherwise);
   * - anything else throws `MLFLOW_ARTIFACT_STORE_UNSUPPORTED`.
   *
   * `path` is relative: no leading `/`, no `.`, `..` or empty segments (a `ValidationError`).
   */
  async uploadArtifact(
    run: Pick<MlflowRun, "runId" | "artifactUri">,
    path: string,
    content: string | Uint8Array,
    options: MlflowUploadOptions = {},
  ): Promise<void> {
    checkArtifactPath(path);
    const bytes = typeof content === "string" ? encoder.encode(content) : content;
    const contentType = options.contentType ?? "application/octet-stream";
    const uri = run.artifactUri;
    const proxied = /^mlflow-artifacts:(?:\/\/([^/]*))?(\/.*)?$/.exec(uri);
    if (proxied) {
      const host = proxied[1];
      const root = (proxied[2] ?? "").split("/").filter((s) => s !== "");
      const segments = [...root, ...path.split("/")].map(escapeUriComponent).join("/");
      const spec: RequestSpec = {
        op: OPS.uploadArtifact,
        method: "PUT",
        path: `/api/2.0/mlflow-artifacts/artifacts/${segments}`,
        body: bytes,
        contentType,
      };
      if (host !== undefined && host !== "" && host !== new URL(this.baseUrl).host) {
        spec.base = `${new URL(this.baseUrl).protocol}//${host}`;
      }
      await this.#call(spec, options);
      return;
    }
    const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (s3) {
      const bucket = s3[1] as string;
      const prefix = (s3[2] ?? "").replace(/\/+$/, "");
      await this.#putS3(
        bucket,
        prefix === "" ? path : `${prefix}/${path}`,
        bytes,
        contentType,
        options,
      );
      return;
    }
    throw new MlflowError(
      "MLFLOW_ARTIFACT_STORE_UNSUPPORTED",
      `Run ${run.runId} stores artifacts at "${redact(uri)}", which fmops cannot write to: it uploads through the tracking server's artifact proxy (mlflow-artifacts:) or to S3 (s3://). Start the MLflow server with --serve-artifacts (and no file --default-artifact-root), or give it an s3:// artifact root; for S3, pass an S3 client (s3) or credentials and region.`,
      { operation: OPS.uploadArtifact.name },
    );
  }

  /** The MLflow UI page of a run, for a self-hosted server; `undefined` for SageMaker managed MLflow, whose UI needs a presigned URL. */
  runUrl(experimentId: string, runId: string): string | undefined {
    if (this.#target.kind === "arn") return undefined;
    return `${this.baseUrl}/#/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}`;
  }

  #active(experiment: MlflowExperiment): MlflowExperiment {
    if (experiment.lifecycleStage === "deleted") {
      throw new MlflowError(
        "MLFLOW_EXPERIMENT_DELETED",
        `The MLflow experiment "${experiment.name.slice(0, 200)}" (id ${experiment.experimentId}) is deleted. Restore it (MLflow UI, or "mlflow experiments restore --experiment-id ${experiment.experimentId}") or use another experiment name.`,
        { operation: OPS.getExperimentByName.name },
      );
    }
    return experiment;
  }

  #post(op: Operation, route: string, body: unknown, options: MlflowCallOptions): Promise<unknown> {
    return this.#call(
      {
        op,
        method: "POST",
        path: `/api/2.0/mlflow/${route}`,
        body: encoder.encode(JSON.stringify(body)),
        contentType: "application/json",
      },
      options,
    );
  }

  /** One call: each attempt under its own deadline, retried when retryable. */
  #call(spec: RequestSpec, options: MlflowCallOptions): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    return retry(
      (_attempt, signal) =>
        withDeadline(
          { signal, timeoutMs },
          timeoutMs,
          `waiting for MLflow ${spec.op.name}`,
          (deadline) => this.#send(spec, deadline),
        ),
      {
        maxAttempts: options.maxAttempts ?? this.#maxAttempts,
        baseDelayMs: this.#baseDelayMs,
        maxDelayMs: 10_000,
        signal: options.signal,
      },
    );
  }

  async #send(spec: RequestSpec, signal: AbortSignal): Promise<unknown> {
    const query = spec.query ?? {};
    const search = Object.entries(query)
      .map(([k, v]) => `${escapeUriComponent(k)}=${escapeUriComponent(v)}`)
      .join("&");
    const url = new URL(`${spec.base ?? this.baseUrl}${spec.path}${search ? `?${search}` : ""}`);
    let headers: Record<string, string> = { ...this.#headers };
    if (spec.contentType !== undefined) headers["content-type"] = spec.contentType;
    if (this.#target.kind === "arn") headers = await this.#sign(spec, url, query, headers);

    let response: Response;
    try {
      const init: RequestInit = { method: spec.method, headers, signal };
      if (spec.body !== undefined) init.body = spec.body as Uint8Array<ArrayBuffer>;
      response = await this.#fetch(url.href, init);
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      throw new MlflowError(
        "MLFLOW_REQUEST_FAILED",
        `Could not reach the MLflow tracking server at ${url.origin} (${spec.op.name}): ${redact(describeNetworkError(err))}. Check trackingUri and that the server is running.`,
        { retryable: true, cause: err, operation: spec.op.name },
      );
    }
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      throw new MlflowError(
        "MLFLOW_REQUEST_FAILED",
        `The connection to ${url.origin} failed while reading the answer to ${spec.op.name}: ${redact(describeNetworkError(err))}.`,
        { retryable: true, cause: err, operation: spec.op.name, status: response.status },
      );
    }
    if (!response.ok) throw this.#httpError(spec.op, response.status, text);
    if (text.trim() === "") return {};
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new MlflowError(
        "MLFLOW_UNEXPECTED_RESPONSE",
        `MLflow ${spec.op.name} answered HTTP ${response.status} with a body that is not JSON: ${redact(text)}. Check that trackingUri is the root URL of an MLflow tracking server.`,
        { cause: err, operation: spec.op.name, status: response.status },
      );
    }
  }

  /** SigV4 for `sagemaker-mlflow`: returns the headers to send (everything signed but `host`). */
  async #sign(
    spec: RequestSpec,
    url: URL,
    query: Record<string, string>,
    headers: Record<string, string>,
  ): Promise<Record<string, string>> {
    const target = this.#target as Extract<Target, { kind: "arn" }>;
    this.#signer ??= new SigV4Signer({
      service: SIGNING_SERVICE,
      region: this.#region ?? target.region,
      credentials: this.#credentials,
    });
    try {
      return await this.#signer.sign({ method: spec.method, url, query, headers, body: spec.body });
    } catch (err) {
      throw new MlflowError(
        "MLFLOW_CREDENTIALS_UNAVAILABLE",
        `Could not sign the request to SageMaker managed MLflow (${spec.op.name}): ${redact(err instanceof Error ? err.message : String(err))}. Pass credentials, or configure the AWS default credential chain (AWS_PROFILE, environment variables, an instance or task role).`,
        { cause: err, operation: spec.op.name },
      );
    }
  }

  async #putS3(
    bucket: string,
    key: string,
    body: Uint8Array,
    contentType: string,
    options: MlflowCallOptions,
  ): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    await withDeadline(
      { signal: options.signal, timeoutMs },
      timeoutMs,
      `uploading s3://${bucket}/${key}`,
      (signal) =>
        awsCall({ service: "S3", operation: "PutObject", iamAction: "s3:PutObject" }, async () => {
          const { sdk, client } = await this.#s3();
          return client.send(
            new sdk.PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: body,
              ContentType: contentType,
            }),
            { abortSignal: signal },
          );
        }),
    );
  }

  #unexpected(op: Operation, wanted: string, json: unknown): MlflowError {
    return new MlflowError(
      "MLFLOW_UNEXPECTED_RESPONSE",
      `MLflow ${op.name} answered without ${wanted}: ${redact(JSON.stringify(json) ?? String(json))}. Is trackingUri an MLflow tracking server?`,
      { operation: op.name },
    );
  }

  #httpError(op: Operation, status: number, text: string): FmopsError {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const errorCode =
      isObject(body) &&
      typeof body.error_code === "string" &&
      /^[A-Z0-9_]{1,64}$/.test(body.error_code)
        ? body.error_code
        : undefined;
    const raw =
      isObject(body) && typeof body.message === "string"
        ? body.message
        : isObject(body) && typeof body.Message === "string"
          ? body.Message
          : text
              .replace(/<[^>]*>/g, " ")
              .replace(/\s+/g, " ")
              .trim();
    const detail = redact((raw || "no message").replace(/\.\s*$/, ""));
    const where = `MLflow ${op.name} failed with HTTP ${status}${errorCode ? ` ${errorCode}` : ""}`;
    if (status === 401 || status === 403) {
      const hint =
        this.#target.kind === "arn"
          ? ` Grant the caller's IAM identity${op.iamAction ? ` the "${op.iamAction}" permission` : " the sagemaker-mlflow permissions"} on ${this.#target.arn}, and check the credentials and region.`
          : " Check the headers option (for example an authorization header) against the server's authentication.";
      return new PermissionDeniedError(`${where}: ${detail}.${hint}`);
    }
    const retryable =
      status === 429 ||
      status >= 500 ||
      errorCode === "REQUEST_LIMIT_EXCEEDED" ||
      errorCode === "TEMPORARILY_UNAVAILABLE";
    const hint =
      errorCode === "RESOURCE_DOES_NOT_EXIST"
        ? " Check the experiment or run id, and that trackingUri names the server that holds it."
        : errorCode === "INVALID_PARAMETER_VALUE"
          ? " Check the logged keys and values against MLflow's rules (a param that already has another value cannot change)."
          : retryable
            ? " The tracking server is busy or failing; retry later."
            : status === 404 || errorCode === "ENDPOINT_NOT_FOUND"
              ? op === OPS.uploadArtifact
                ? " The server does not proxy artifacts: start it with --serve-artifacts."
                : " Check that trackingUri is the root URL of an MLflow tracking server (MLflow 2 or later)."
              : "";
    return new MlflowError(
      errorCode ? `MLFLOW_${errorCode}` : "MLFLOW_REQUEST_FAILED",
      `${where}: ${detail}.${hint}`,
      { status, errorCode, operation: op.name, retryable },
    );
  }
}
