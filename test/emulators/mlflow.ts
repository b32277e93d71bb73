/**
 * A local, in-memory MLflow tracking server on 127.0.0.1 speaking the REST API 2.0 subset fmops
 * uses: `experiments/get-by-name`, `experiments/create`, `runs/create`, `runs/log-batch`,
 * `runs/update` and the artifact proxy's `PUT /api/2.0/mlflow-artifacts/artifacts/<path>`.
 *
 * It enforces what a real server enforces: MLflow's error bodies (`{ error_code, message }` with
 * the matching HTTP status), the log-batch limits (1000 metrics, 100 params, 100 tags, 1000 in
 * all, 1 MB), key rules (characters, path-like names), param immutability, JSON content type.
 * Artifact URIs are `mlflow-artifacts:/<exp>/<run>/artifacts` (a server with
 * `--serve-artifacts`), `s3://...` (SageMaker managed MLflow) or a local path (a server that
 * does not proxy artifacts). With `requireSigV4` it checks every request's SigV4 signature by
 * signing it again with `@smithy/signature-v4` and the test credentials, as SageMaker managed
 * MLflow does; `faults` make routes answer errors or hang.
 *
 * @module
 */
import { createHash, createHmac, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, SourceData } from "@smithy/types";
import { plainHeaders, readBody, startServer, testCredentials, testRegion } from "./http.js";

/** How the stand-in's experiments store artifacts. */
export type MlflowArtifactUriStyle = "mlflow-artifacts" | "s3" | "file";

/** What `requireSigV4` checks. */
export interface MlflowSigV4Check {
  /** The signing region. Default `us-east-1`. */
  region?: string;
  /** The signing service. Default `sagemaker-mlflow`. */
  service?: string;
  /** The credentials the client must sign with. Default: the test credentials. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** When set, the `x-mlflow-sm-tracking-server-arn` header must equal it. */
  trackingServerArn?: string;
}

/** A scripted failure of the next requests to a route. */
export interface MlflowFault {
  /** The route: `experiments/get-by-name`, `runs/log-batch`, ..., or `mlflow-artifacts`. */
  route: string;
  /** The HTTP status to answer. Default 503. */
  status?: number;
  /** MLflow's error code; without one the body is plain text (as from a load balancer). */
  errorCode?: string;
  /** The error message. */
  message?: string;
  /** How many requests it applies to. Default 1. */
  times?: number;
  /** Never answer (until the client gives up or the stand-in closes). */
  hang?: boolean;
}

/** One request as the stand-in received it. */
export interface RecordedMlflowRequest {
  method: string;
  /** The raw path, without the query. */
  path: string;
  /** `runs/log-batch`, `mlflow-artifacts`, ... or `unknown`. */
  route: string;
  /** The decoded query parameters. */
  query: Record<string, string>;
  /** The raw query string (after `?`), to check its encoding. */
  rawQuery: string;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** The parsed JSON body, when it was JSON. */
  json?: unknown;
  /** With `requireSigV4`: whether the signature checked out. */
  signatureValid?: boolean;
}

/** An experiment the stand-in holds. */
export interface StandInExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: "active" | "deleted";
  creationTime: number;
}

/** One logged metric value. */
export interface StandInMetricValue {
  value: number;
  timestamp: number;
  step: number;
}

/** A run the stand-in holds. */
export interface StandInRun {
  runId: string;
  experimentId: string;
  runName: string;
  status: string;
  startTime: number;
  endTime?: number;
  artifactUri: string;
  params: Map<string, string>;
  tags: Map<string, string>;
  /** Each metric's history, in logging order. */
  metrics: Map<string, StandInMetricValue[]>;
}

/** Options of {@link startMlflow}. */
export interface MlflowStandInOptions {
  /** How artifact URIs look. Default `mlflow-artifacts`. */
  artifactUriStyle?: MlflowArtifactUriStyle;
  /** The artifact root for the `s3` style. Default `s3://mlflow-artifacts/managed`. */
  s3ArtifactRoot?: string;
  /** Check every request's SigV4 signature (SageMaker managed MLflow). */
  requireSigV4?: MlflowSigV4Check;
  /** Scripted failures, consumed in order per route. */
  faults?: MlflowFault[];
  /** Called for each request before it is handled (after the signature check), e.g. to race a creator. */
  onRequest?: (request: RecordedMlflowRequest, stand: MlflowStandIn) => void;
}

/** A running MLflow stand-in. */
export interface MlflowStandIn {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  experiments: Map<string, StandInExperiment>;
  runs: Map<string, StandInRun>;
  /** Uploaded artifacts by their path below `mlflow-artifacts/artifacts/`. */
  artifacts: Map<string, { body: Uint8Array; contentType: string | undefined }>;
  /** Every request, in order. */
  requests: RecordedMlflowRequest[];
  /** Scripted failures; push more at any time. */
  faults: MlflowFault[];
  /** Requests to one route so far. */
  count(route: string): number;
  /** Creates an experiment server-side, as another client would; returns its id. */
  createExperiment(name: string): string;
  /** Moves an experiment to the trash. */
  deleteExperiment(experimentId: string): void;
  /** Stops the server (hanging requests included). */
  close(): Promise<void>;
}

/** MLflow's limits (mlflow/utils/validation.py). */
const LIMITS = {
  metrics: 1000,
  paramsTags: 100,
  entities: 1000,
  requestBytes: 1_000_000,
  keyLength: 250,
  paramValue: 6000,
  tagValue: 5000,
  experimentName: 500,
};

const STATUS_OF: Record<string, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  BAD_REQUEST: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
};

class MlflowApiError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly status = STATUS_OF[errorCode] ?? 500,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new MlflowApiError("INVALID_PARAMETER_VALUE", message);

/** Python's `\w` is Unicode-aware: letters, digits, underscore. */
const VALID_NAME = /^[/\p{L}\p{N}_.\- ]*$/u;

function normpath(name: string): string {
  const absolute = name.startsWith("/");
  const out: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (part === ".." && absolute) continue;
    else out.push(part);
  }
  const joined = (absolute ? "/" : "") + out.join("/");
  return joined === "" ? "." : joined;
}

function validateName(kind: "metric" | "parameter" | "tag", name: unknown): string {
  if (typeof name !== "string") {
    const title = kind === "parameter" ? "Parameter" : kind === "metric" ? "Metric" : "Tag";
    throw invalid(`${title} name cannot be None. A key name must be provided.`);
  }
  if (!VALID_NAME.test(name)) {
    throw invalid(
      `Invalid ${kind} name: '${name}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
    );
  }
  const norm = normpath(name);
  if (norm !== name || norm === "." || norm.startsWith("..") || norm.startsWith("/")) {
    throw invalid(
      `Invalid ${kind} name: '${name}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${norm}'`,
    );
  }
  return name;
}

function validateLength(entity: string, limit: number, value: string): void {
  if (value.length > limit) {
    throw invalid(
      `${entity} '${value.slice(0, 250)}' had length ${value.length}, which exceeded length limit of ${limit}`,
    );
  }
}

function batchLimit(entity: string, limit: number, length: number): void {
  if (length > limit) {
    throw invalid(
      `A batch logging request can contain at most ${limit} ${entity}. Got ${length} ${entity}. Please split up ${entity} across multiple requests and try again.`,
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function keyValues(value: unknown, field: string): { key: unknown; value: unknown }[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(`Invalid value for parameter '${field}' supplied.`);
  return value.map((v) => (isObject(v) ? { key: v.key, value: v.value } : { key: v, value: v }));
}

/** node:crypto SHA-256 / HMAC for re-signing requests. */
class NodeSha256 implements Checksum {
  readonly #secret: Buffer | undefined;
  #hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;

  constructor(secret?: SourceData) {
    this.#secret =
      secret === undefined
        ? undefined
        : typeof secret === "string"
          ? Buffer.from(secret)
          : Buffer.from(
              ArrayBuffer.isView(secret)
                ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength)
                : new Uint8Array(secret),
            );
    this.#hash = this.#fresh();
  }

  #fresh() {
    return this.#secret === undefined ? createHash("sha256") : createHmac("sha256", this.#secret);
  }

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }

  reset(): void {
    this.#hash = this.#fresh();
  }
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** Checks the SigV4 signature of a request; returns what is wrong, or undefined. */
async function checkSignature(
  check: MlflowSigV4Check,
  method: string,
  path: string,
  rawQuery: string,
  headers: Record<string, string>,
  body: Uint8Array,
  port: number,
): Promise<string | undefined> {
  const credentials = check.credentials ?? testCredentials;
  const region = check.region ?? testRegion;
  const service = check.service ?? "sagemaker-mlflow";
  const auth = headers.authorization;
  if (auth === undefined) return "Missing Authentication Token";
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return "Authorization header is not a SigV4 header";
  const [, accessKeyId, day, signedRegion, signedService, signedList] = m as unknown as string[];
  if (accessKeyId !== credentials.accessKeyId)
    return "The security token included in the request is invalid.";
  if (signedRegion !== region)
    return `Credential should be scoped to a valid region, not '${signedRegion}'.`;
  if (signedService !== service)
    return `Credential should be scoped to correct service: '${service}'.`;
  const amzDate = headers["x-amz-date"];
  const signingDate = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (amzDate === undefined || signingDate === undefined || !amzDate.startsWith(day as string))
    return "Missing or invalid X-Amz-Date";
  const sha = headers["x-amz-content-sha256"];
  if (sha !== createHash("sha256").update(body).digest("hex"))
    return "The provided x-amz-content-sha256 header does not match what was computed.";
  const signed = (signedList as string).split(";");
  for (const required of ["host", "x-amz-date", "x-amz-content-sha256"]) {
    if (!signed.includes(required)) return `SignedHeaders must include ${required}`;
  }
  if (check.trackingServerArn !== undefined) {
    if (headers["x-mlflow-sm-tracking-server-arn"] !== check.trackingServerArn)
      return "x-mlflow-sm-tracking-server-arn does not name this tracking server";
    if (!signed.includes("x-mlflow-sm-tracking-server-arn"))
      return "x-mlflow-sm-tracking-server-arn is not signed";
  }
  const query: Record<string, string> = {};
  for (const pair of rawQuery.split("&").filter((p) => p !== "")) {
    const at = pair.indexOf("=");
    const key = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
    query[key] = at < 0 ? "" : decodeURIComponent(pair.slice(at + 1));
  }
  const toSign: Record<string, string> = {};
  for (const name of signed) {
    const value = headers[name];
    if (value === undefined) return `Signed header ${name} is missing`;
    toSign[name] = value;
  }
  const signer = new SignatureV4({ service, region, credentials, sha256: NodeSha256 });
  const again = await signer.sign(
    {
      method,
      protocol: "http:",
      hostname: "127.0.0.1",
      port,
      path,
      query,
      headers: toSign,
      body: body.byteLength === 0 ? undefined : body,
    },
    { signingDate },
  );
  if (again.headers.authorization !== auth) {
    return "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.";
  }
  return undefined;
}

const API = "/api/2.0/mlflow/";
const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts/";

/**
 * Starts the stand-in on 127.0.0.1 port 0.
 *
 * @example
 * ```ts
 * const mlflow = await startMlflow({ faults: [{ route: "runs/log-batch", status: 503 }] });
 * const client = new MlflowClient({ trackingUri: mlflow.endpoint });
 * await mlflow.close();
 * ```
 */
export async function startMlflow(options: MlflowStandInOptions = {}): Promise<MlflowStandIn> {
  const style = options.artifactUriStyle ?? "mlflow-artifacts";
  const s3Root = (options.s3ArtifactRoot ?? "s3://mlflow-artifacts/managed").replace(/\/+$/, "");
  const experiments = new Map<string, StandInExperiment>();
  const runs = new Map<string, StandInRun>();
  const artifacts = new Map<string, { body: Uint8Array; contentType: string | undefined }>();
  const requests: RecordedMlflowRequest[] = [];
  const faults = options.faults ?? [];
  let nextExperimentId = 0;
  let port = 0;

  const artifactLocation = (id: string) =>
    style === "s3"
      ? `${s3Root}/${id}`
      : style === "file"
        ? `/mlflow/mlruns/${id}`
        : `mlflow-artifacts:/${id}`;

  const createExperiment = (name: unknown): string => {
    if (typeof name !== "string" || name === "")
      throw invalid(`Invalid experiment name: '${String(name ?? "")}'`);
    if (name.length > LIMITS.experimentName)
      throw invalid(
        `Experiment name exceeds the maximum length of ${LIMITS.experimentName} characters`,
      );
    for (const e of experiments.values()) {
      if (e.name === name)
        throw new MlflowApiError(
          "RESOURCE_ALREADY_EXISTS",
          `Experiment(name=${name}) already exists. Error: (raised as a result of Query-invoked autoflush; consider using a session.no_autoflush block if this flush is occurring prematurely)`,
        );
    }
    const experimentId = String(nextExperimentId++);
    experiments.set(experimentId, {
      experimentId,
      name,
      artifactLocation: artifactLocation(experimentId),
      lifecycleStage: "active",
      creationTime: Date.now(),
    });
    return experimentId;
  };
  createExperiment("Default");

  const experimentView = (e: StandInExperiment) => ({
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.creationTime,
    creation_time: e.creationTime,
  });

  const runInfo = (r: StandInRun) => ({
    run_id: r.runId,
    run_uuid: r.runId,
    experiment_id: r.experimentId,
    run_name: r.runName,
    user_id: "",
    status: r.status,
    start_time: r.startTime,
    ...(r.endTime === undefined ? {} : { end_time: r.endTime }),
    artifact_uri: r.artifactUri,
    lifecycle_stage: "active",
  });

  const findRun = (id: unknown): StandInRun => {
    if (typeof id !== "string" || id === "")
      throw invalid(
        "Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.",
      );
    const run = runs.get(id);
    if (!run) throw new MlflowApiError("RESOURCE_DOES_NOT_EXIST", `Run with id=${id} not found`);
    return run;
  };

  const routes: Record<
    string,
    (json: Record<string, unknown>, req: RecordedMlflowRequest) => unknown
  > = {
    "experiments/get-by-name": (_json, req) => {
      const name = req.query.experiment_name;
      if (name === undefined || name === "")
        throw invalid(
          "Missing value for required parameter 'experiment_name'. See the API docs for more information about request parameters.",
        );
      for (const e of experiments.values()) {
        if (e.name === name) return { experiment: experimentView(e) };
      }
      throw new MlflowApiError(
        "RESOURCE_DOES_NOT_EXIST",
        `Could not find experiment with name '${name}'`,
      );
    },
    "experiments/create": (json) => ({ experiment_id: createExperiment(json.name) }),
    "runs/create": (json) => {
      const experimentId = json.experiment_id;
      const experiment =
        typeof experimentId === "string" ? experiments.get(experimentId) : undefined;
      if (!experiment)
        throw new MlflowApiError(
          "RESOURCE_DOES_NOT_EXIST",
          `No Experiment with id=${String(experimentId)} exists`,
        );
      if (experiment.lifecycleStage !== "active")
        throw invalid(
          `The experiment ${experiment.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
        );
      const tags = new Map<string, string>();
      for (const t of keyValues(json.tags, "tags")) {
        const key = validateName("tag", t.key);
        if (typeof t.value !== "string") throw invalid(`Invalid value for tag '${key}'.`);
        validateLength("Tag value", LIMITS.tagValue, t.value);
        tags.set(key, t.value);
      }
      const runName = json.run_name;
      const tagName = tags.get("mlflow.runName");
      if (typeof runName === "string" && tagName !== undefined && tagName !== runName)
        throw invalid(
          `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${runName}', mlflow.runName='${tagName}').`,
        );
      const name = typeof runName === "string" ? runName : (tagName ?? "unnamed-run");
      tags.set("mlflow.runName", name);
      if (json.start_time !== undefined && typeof json.start_time !== "number")
        throw invalid("Invalid value for parameter 'start_time' supplied.");
      const runId = randomUUID().replace(/-/g, "");
      const run: StandInRun = {
        runId,
        experimentId: experiment.experimentId,
        runName: name,
        status: "RUNNING",
        startTime: (json.start_time as number | undefined) ?? Date.now(),
        artifactUri: `${experiment.artifactLocation}/${runId}/artifacts`,
        params: new Map(),
        tags,
        metrics: new Map(),
      };
      runs.set(runId, run);
      return {
        run: {
          info: runInfo(run),
          data: { tags: [...tags].map(([key, value]) => ({ key, value })) },
          inputs: {},
        },
      };
    },
    "runs/log-batch": (json, req) => {
      if (req.body.byteLength > LIMITS.requestBytes)
        throw invalid(
          `Batched logging API requests must be at most ${LIMITS.requestBytes} bytes, got a request of size ${req.body.byteLength}.`,
        );
      const run = findRun(json.run_id);
      const rawMetrics = json.metrics ?? [];
      if (!Array.isArray(rawMetrics))
        throw invalid("Invalid value for parameter 'metrics' supplied.");
      const metrics = rawMetrics.map((m): Record<string, unknown> => (isObject(m) ? m : {}));
      const params = keyValues(json.params, "params");
      const tags = keyValues(json.tags, "tags");
      batchLimit("metrics", LIMITS.metrics, metrics.length);
      batchLimit("params", LIMITS.paramsTags, params.length);
      batchLimit("tags", LIMITS.paramsTags, tags.length);
      batchLimit(
        "metrics, params, and tags",
        LIMITS.entities,
        metrics.length + params.length + tags.length,
      );
      const checkedMetrics = metrics.map((m) => {
        const key = validateName("metric", m.key);
        const { value, timestamp } = m;
        const step = m.step ?? 0;
        if (typeof value !== "number")
          throw invalid(
            `Got invalid value ${String(value)} for metric '${key}' (timestamp=${String(timestamp)}). Please specify value as a valid double (64-bit floating point)`,
          );
        if (typeof timestamp !== "number" || timestamp < 0)
          throw invalid(
            `Got invalid timestamp ${String(timestamp)} for metric '${key}' (value=${value}). Timestamp must be a nonnegative long (64-bit integer) `,
          );
        if (typeof step !== "number")
          throw invalid(
            `Got invalid step ${String(step)} for metric '${key}' (value=${value}). Step must be a valid long (64-bit integer).`,
          );
        validateLength("Metric name", LIMITS.keyLength, key);
        return { key, value, timestamp, step };
      });
      const seen = new Set<string>();
      const dupes: string[] = [];
      const checkedParams = params.map((p) => {
        const key = validateName("parameter", p.key);
        validateLength("Param key", LIMITS.keyLength, key);
        if (typeof p.value !== "string") throw invalid(`Invalid value for param '${key}'.`);
        validateLength("Param value", LIMITS.paramValue, p.value);
        if (seen.has(key)) dupes.push(key);
        seen.add(key);
        return { key, value: p.value };
      });
      if (dupes.length > 0)
        throw invalid(
          `Duplicate parameter keys have been submitted: ${JSON.stringify(dupes)}. Please ensure the request contains only one param value per param key.`,
        );
      const checkedTags = tags.map((t) => {
        const key = validateName("tag", t.key);
        validateLength("Tag key", LIMITS.keyLength, key);
        if (typeof t.value !== "string") throw invalid(`Invalid value for tag '${key}'.`);
        validateLength("Tag value", LIMITS.tagValue, t.value);
        return { key, value: t.value };
      });
      for (const p of checkedParams) {
        const old = run.params.get(p.key);
        if (old !== undefined && old !== p.value)
          throw invalid(
            `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for run ID='${run.runId}'. Attempted logging new value '${p.value}'.`,
          );
      }
      for (const p of checkedParams) run.params.set(p.key, p.value);
      for (const t of checkedTags) run.tags.set(t.key, t.value);
      for (const m of checkedMetrics) {
        const history = run.metrics.get(m.key) ?? [];
        history.push({ value: m.value, timestamp: m.timestamp, step: m.step });
        run.metrics.set(m.key, history);
      }
      return {};
    },
    "runs/update": (json) => {
      const run = findRun(json.run_id ?? json.run_uuid);
      const status = json.status;
      if (
        typeof status !== "string" ||
        !["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"].includes(status)
      )
        throw invalid(`Invalid value ${String(status)} for parameter 'status' supplied.`);
      run.status = status;
      if (typeof json.end_time === "number") run.endTime = json.end_time;
      return { run_info: runInfo(run) };
    },
  };

  const send = (res: ServerResponse, status: number, body: string, type = "application/json") => {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  const sendApiError = (res: ServerResponse, err: MlflowApiError) =>
    send(res, err.status, JSON.stringify({ error_code: err.errorCode, message: err.message }));
  const notFound = (res: ServerResponse) =>
    send(
      res,
      404,
      "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.</p>\n",
      "text/html; charset=utf-8",
    );

  const stand: MlflowStandIn = {
    endpoint: "",
    experiments,
    runs,
    artifacts,
    requests,
    faults,
    count: (route) => requests.filter((r) => r.route === route).length,
    createExperiment: (name) => createExperiment(name),
    deleteExperiment(id) {
      const e = experiments.get(id);
      if (e) e.lifecycleStage = "deleted";
    },
    close: async () => {},
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? "" : url.slice(q + 1);
    const method = req.method ?? "GET";
    const body = await readBody(req);
    const route = path.startsWith(ARTIFACTS)
      ? "mlflow-artifacts"
      : path.startsWith(API)
        ? path.slice(API.length)
        : "unknown";
    const recorded: RecordedMlflowRequest = {
      method,
      path,
      route,
      query: Object.fromEntries(new URLSearchParams(rawQuery)),
      rawQuery,
      headers: plainHeaders(req.headers),
      body,
    };
    requests.push(recorded);

    if (options.requireSigV4) {
      const problem = await checkSignature(
        options.requireSigV4,
        method,
        path,
        rawQuery,
        recorded.headers,
        body,
        port,
      );
      recorded.signatureValid = problem === undefined;
      if (problem !== undefined) {
        const payload = JSON.stringify({ message: problem });
        res.writeHead(403, {
          "content-type": "application/json",
          "x-amzn-errortype": "InvalidSignatureException",
          "content-length": Buffer.byteLength(payload),
        });
        res.end(payload);
        return;
      }
    }
    options.onRequest?.(recorded, stand);

    const fault = faults.find((f) => f.route === route && (f.times ?? 1) > 0);
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.hang) return; // never answered; close() ends the connection
      const status = fault.status ?? 503;
      if (fault.errorCode !== undefined) {
        sendApiError(
          res,
          new MlflowApiError(fault.errorCode, fault.message ?? "Scripted failure", status),
        );
      } else {
        send(res, status, fault.message ?? "Service Unavailable", "text/plain");
      }
      return;
    }

    if (route === "mlflow-artifacts") {
      if (method !== "PUT" || style !== "mlflow-artifacts") return notFound(res);
      const segments = path.slice(ARTIFACTS.length).split("/").map(decodeURIComponent);
      if (segments.some((s) => s === ".." || s === "") || segments.length === 0)
        return sendApiError(res, invalid("Invalid path"));
      const type = recorded.headers["content-type"];
      artifacts.set(segments.join("/"), { body, contentType: type });
      return send(res, 200, "{}");
    }
    const handler = routes[route];
    const expected = route === "experiments/get-by-name" ? "GET" : "POST";
    if (!handler) return notFound(res);
    if (method !== expected)
      return send(
        res,
        405,
        "<!doctype html>\n<title>405 Method Not Allowed</title>\n",
        "text/html; charset=utf-8",
      );
    let json: Record<string, unknown> = {};
    if (method === "POST") {
      if (!(recorded.headers["content-type"] ?? "").startsWith("application/json"))
        return sendApiError(
          res,
          new MlflowApiError(
            "BAD_REQUEST",
            "Bad Request. Content-Type must be 'application/json'.",
          ),
        );
      try {
        const parsed: unknown = JSON.parse(new TextDecoder().decode(body));
        if (!isObject(parsed)) throw new Error("not an object");
        json = parsed;
        recorded.json = parsed;
      } catch {
        return sendApiError(res, new MlflowApiError("MALFORMED_REQUEST", "Malformed JSON", 400));
      }
    }
    try {
      send(res, 200, JSON.stringify(handler(json, recorded)));
    } catch (err) {
      if (err instanceof MlflowApiError) return sendApiError(res, err);
      throw err;
    }
  };

  const running = await startServer((req, res) => handle(req, res));
  port = running.port;
  stand.endpoint = running.endpoint;
  stand.close = running.close;
  return stand;
}
