import { afterEach, describe, expect, it } from "vitest";
import {
  compareCandidates,
  Dataset,
  type EvaluationResult,
  evaluationMetrics,
  FactualKnowledge,
  MlflowClient,
  type MlflowClientOptions,
  MlflowError,
  MlflowTracker,
  ModelEvaluator,
  PrecomputedRunner,
  QaAccuracy,
  type TrackEvaluationOptions,
} from "../../../src/evaluation/index.js";
import { trackingKey } from "../../../src/evaluation/tracking/tracking.js";
import { VERSION } from "../../../src/version.js";
import {
  type MlflowStandIn,
  type MlflowStandInOptions,
  type S3StandIn,
  startMlflow,
  startS3,
  testCredentials,
} from "../../emulators/index.js";

const ARN = "arn:aws:sagemaker:us-west-2:123456789012:mlflow-tracking-server/eval-server";

const rows = [
  { q: "Capital of France?", a: "Paris", out: "Paris", cat: "geo" },
  { q: "Capital of Italy?", a: "Rome", out: "Milan", cat: "geo" },
  { q: "2+2?", a: "4<OR>four", out: "four", cat: "math" },
  { q: "Largest planet?", a: "Jupiter", out: "Jupiter", cat: "astro/space" },
  { q: "Smallest planet?", a: "Mercury", out: "Mars", cat: "astro/space" },
];

/** A real evaluation: ModelEvaluator over a precomputed dataset. */
async function evaluate(id = "precomputed"): Promise<EvaluationResult> {
  const encoder = new TextEncoder();
  const data = Dataset.fromJsonl(
    async function* () {
      yield encoder.encode(rows.map((r) => JSON.stringify(r)).join("\n"));
    },
    { input: "q", target: "a", category: "cat" },
  );
  const evaluator = new ModelEvaluator({
    runner: new PrecomputedRunner({ output: "out", id }),
    algorithms: [new QaAccuracy(), new FactualKnowledge()],
  });
  return evaluator.evaluate(data);
}

const stands: MlflowStandIn[] = [];
const s3s: S3StandIn[] = [];
afterEach(async () => {
  await Promise.all(stands.splice(0).map((s) => s.close()));
  await Promise.all(s3s.splice(0).map((s) => s.close()));
});

async function stand(options: MlflowStandInOptions = {}): Promise<MlflowStandIn> {
  const s = await startMlflow(options);
  stands.push(s);
  return s;
}

function client(s: MlflowStandIn, options: Partial<MlflowClientOptions> = {}): MlflowClient {
  return new MlflowClient({ trackingUri: s.endpoint, baseDelayMs: 1, ...options });
}

function onlyRun(s: MlflowStandIn) {
  expect(s.runs.size).toBe(1);
  return [...s.runs.values()][0]!;
}

describe("MlflowTracker", () => {
  it("logs a real evaluation as a finished run: tags, params, metrics and artifacts", async () => {
    const mlflow = await stand();
    const result = await evaluate();
    const tracker = new MlflowTracker({ client: client(mlflow), experimentName: "qa eval" });
    const summary = JSON.stringify({ modelId: result.modelId });
    const tracked = await tracker.trackEvaluation(result, {
      params: { prompt: "qa@3", seed: 0, "dataset:name": "qa.jsonl", sampled: false },
      tags: { team: "ml", "mlflow.note.content": "nightly run" },
      artifacts: [
        { path: "summary.json", content: summary },
        { path: "reports/report.html", content: "<html></html>" },
      ],
    });

    const run = onlyRun(mlflow);
    expect(tracked).toEqual({
      runId: run.runId,
      experimentId: run.experimentId,
      url: `${mlflow.endpoint}/#/experiments/${run.experimentId}/runs/${run.runId}`,
    });
    expect(mlflow.experiments.get(run.experimentId)?.name).toBe("qa eval");
    expect(run.status).toBe("FINISHED");
    expect(run.endTime).toBeGreaterThanOrEqual(run.startTime);
    expect(run.runName).toBe("precomputed");
    expect(Object.fromEntries(run.tags)).toEqual({
      "mlflow.runName": "precomputed",
      "mlflow.source.name": "fmops",
      "fmops.version": VERSION,
      team: "ml",
      "mlflow.note.content": "nightly run",
    });
    expect(Object.fromEntries(run.params)).toEqual({
      model_id: "precomputed",
      prompt: "qa@3",
      seed: "0",
      dataset_name: "qa.jsonl",
      sampled: "false",
    });

    // Metric names and values straight from the evaluator's result.
    const metrics = Object.fromEntries(
      [...run.metrics].map(([key, history]) => [key, history.map((h) => h.value)]),
    );
    // Score names come from the algorithms: read them off the result rather than hard-coding.
    let checked = 0;
    for (const [algorithm, byScore] of Object.entries(result.scores)) {
      for (const [score, s] of Object.entries(byScore)) {
        expect(metrics[`${algorithm}.${score}`]).toEqual([s.mean]);
        expect(metrics[`${algorithm}.${score}.ci95_lower`]).toEqual([s.ci95?.lower]);
        expect(metrics[`${algorithm}.${score}.ci95_upper`]).toEqual([s.ci95?.upper]);
        // "astro/space" is one key segment: its slash becomes "_".
        const astro = result.categories["astro/space"]?.[algorithm]?.[score];
        expect(metrics[`category/astro_space/${algorithm}.${score}`]).toEqual([astro?.mean]);
        // One record in "math": no interval, so no bounds.
        expect(metrics[`category/math/${algorithm}.${score}`]).toHaveLength(1);
        expect(metrics[`category/math/${algorithm}.${score}.ci95_lower`]).toBeUndefined();
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(7); // five QA scores and two factual-knowledge scores
    expect(metrics.num_records).toEqual([5]);
    expect(metrics.num_failed).toEqual([0]);
    expect(Object.keys(metrics).some((k) => k.startsWith("category/astro/"))).toBe(false);
    expect(Object.keys(metrics).sort()).toEqual(Object.keys(evaluationMetrics(result)).sort());
    const steps = [...run.metrics.values()].flat();
    expect(new Set(steps.map((h) => h.step))).toEqual(new Set([0]));
    expect(new Set(steps.map((h) => h.timestamp)).size).toBe(1);

    const prefix = `${run.experimentId}/${run.runId}/artifacts`;
    const stored = mlflow.artifacts.get(`${prefix}/summary.json`);
    expect(new TextDecoder().decode(stored?.body)).toBe(summary);
    expect(stored?.contentType).toBe("application/json");
    expect(mlflow.artifacts.get(`${prefix}/reports/report.html`)?.contentType).toBe(
      "text/html; charset=utf-8",
    );
    expect(mlflow.requests.map((r) => r.route)).toEqual([
      "experiments/get-by-name",
      "experiments/create",
      "runs/create",
      "runs/log-batch",
      "mlflow-artifacts",
      "mlflow-artifacts",
      "runs/update",
    ]);
  });

  it("creates the experiment once and reuses it", async () => {
    const mlflow = await stand();
    const result = await evaluate();
    const tracker = new MlflowTracker({ client: client(mlflow), experimentName: "reuse" });
    const a = await tracker.trackEvaluation(result);
    const b = await tracker.trackEvaluation(result, { runName: "second" });
    expect(a.experimentId).toBe(b.experimentId);
    expect(a.runId).not.toBe(b.runId);
    expect(mlflow.count("experiments/create")).toBe(1);
    expect(mlflow.count("experiments/get-by-name")).toBe(1);
    expect(mlflow.runs.get(b.runId)?.runName).toBe("second");

    // Another tracker finds the existing experiment and creates nothing.
    const other = new MlflowTracker({ client: client(mlflow), experimentName: "reuse" });
    const c = await other.trackEvaluation(result);
    expect(c.experimentId).toBe(a.experimentId);
    expect(mlflow.count("experiments/create")).toBe(1);
    expect(mlflow.count("experiments/get-by-name")).toBe(2);
  });

  it("uses the experiment a concurrent creator made first (RESOURCE_ALREADY_EXISTS)", async () => {
    let theirs: string | undefined;
    const mlflow = await stand({
      onRequest: (request, s) => {
        // Another client creates the experiment between our lookup and our create.
        if (request.route === "experiments/create" && theirs === undefined) {
          theirs = s.createExperiment("raced");
        }
      },
    });
    const tracker = new MlflowTracker({ client: client(mlflow), experimentName: "raced" });
    const tracked = await tracker.trackEvaluation(await evaluate());
    expect(tracked.experimentId).toBe(theirs);
    expect(mlflow.requests.map((r) => r.route).slice(0, 4)).toEqual([
      "experiments/get-by-name",
      "experiments/create",
      "experiments/get-by-name",
      "runs/create",
    ]);
    expect([...mlflow.experiments.values()].filter((e) => e.name === "raced")).toHaveLength(1);
  });

  it("refuses a deleted experiment with advice, creating no run", async () => {
    const mlflow = await stand();
    mlflow.deleteExperiment(mlflow.createExperiment("trashed"));
    const tracker = new MlflowTracker({ client: client(mlflow), experimentName: "trashed" });
    await expect(tracker.trackEvaluation(await evaluate())).rejects.toMatchObject({
      code: "MLFLOW_EXPERIMENT_DELETED",
      message: expect.stringContaining("Restore it"),
    });
    expect(mlflow.runs.size).toBe(0);
  });

  it("marks the run FAILED when an artifact upload fails, and rethrows the upload's error", async () => {
    const mlflow = await stand({
      faults: [{ route: "mlflow-artifacts", status: 500, errorCode: "INTERNAL_ERROR", times: 5 }],
    });
    const tracker = new MlflowTracker({
      client: client(mlflow, { maxAttempts: 2 }),
      experimentName: "failing",
    });
    const error = await tracker
      .trackEvaluation(await evaluate(), { artifacts: [{ path: "a.txt", content: "x" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowError);
    expect(error).toMatchObject({
      code: "MLFLOW_INTERNAL_ERROR",
      status: 500,
      errorCode: "INTERNAL_ERROR",
      operation: "mlflow-artifacts/artifacts",
      retryable: true,
    });
    expect(mlflow.count("mlflow-artifacts")).toBe(2);
    const run = onlyRun(mlflow);
    expect(run.status).toBe("FAILED");
    expect(run.endTime).toBeGreaterThan(0);
    expect(run.metrics.size).toBeGreaterThan(0);
  });

  it("says how to fix a server that does not proxy artifacts, and fails the run", async () => {
    const mlflow = await stand({ artifactUriStyle: "file" });
    const tracker = new MlflowTracker({ client: client(mlflow), experimentName: "local" });
    await expect(
      tracker.trackEvaluation(await evaluate(), { artifacts: [{ path: "a.txt", content: "x" }] }),
    ).rejects.toMatchObject({
      code: "MLFLOW_ARTIFACT_STORE_UNSUPPORTED",
      message: expect.stringContaining("--serve-artifacts"),
    });
    expect(onlyRun(mlflow).status).toBe("FAILED");
  });

  it("validates everything before the first request", async () => {
    const mlflow = await stand();
    const tracker = new MlflowTracker({ client: client(mlflow), experimentName: "checked" });
    const result = await evaluate();
    const invalidOptions: TrackEvaluationOptions[] = [
      { artifacts: [{ path: "../escape.txt", content: "x" }] },
      { artifacts: [{ path: "/etc/passwd", content: "x" }] },
      { params: { prompt: "x".repeat(6001) } },
      { params: { "a:b": "1", a_b: "2" } },
      { tags: { "mlflow.runName": "other" } },
      { tags: { note: "x".repeat(5001) } },
    ];
    for (const bad of invalidOptions) {
      await expect(tracker.trackEvaluation(result, bad)).rejects.toMatchObject({
        code: "VALIDATION_ERROR",
      });
    }
    expect(mlflow.requests).toHaveLength(0);
  });

  it("marks the run KILLED when aborted while logging, and ends the wait", async () => {
    const controller = new AbortController();
    const mlflow = await stand({
      faults: [{ route: "runs/log-batch", hang: true }],
      onRequest: (request) => {
        if (request.route === "runs/log-batch") controller.abort();
      },
    });
    const tracker = new MlflowTracker({ client: client(mlflow), experimentName: "aborted" });
    await expect(
      tracker.trackEvaluation(await evaluate(), { signal: controller.signal }),
    ).rejects.toMatchObject({ code: "ABORTED" });
    expect(onlyRun(mlflow).status).toBe("KILLED");
  });

  it("checks its options", () => {
    expect(() => new MlflowTracker({ experimentName: "x" })).toThrow(/trackingUri/);
    expect(
      () => new MlflowTracker({ experimentName: "", trackingUri: "http://127.0.0.1:1" }),
    ).toThrow(/experimentName/);
    const c = new MlflowClient({ trackingUri: "http://127.0.0.1:1" });
    expect(
      () =>
        new MlflowTracker({ experimentName: "x", client: c, trackingUri: "http://127.0.0.1:1" }),
    ).toThrow(/either client/);
  });
});

describe("MlflowClient", () => {
  it("splits 2,500 metrics into 3 log-batch requests the server accepts", async () => {
    const mlflow = await stand();
    const c = client(mlflow);
    const { experimentId } = await c.getOrCreateExperiment("chunks");
    const run = await c.createRun({ experimentId, runName: "r" });
    const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: `m${i}`, value: i }));
    expect(await c.logBatch(run.runId, { metrics })).toBe(3);
    const sizes = mlflow.requests
      .filter((r) => r.route === "runs/log-batch")
      .map((r) => (r.json as { metrics: unknown[] }).metrics.length);
    expect(sizes).toEqual([1000, 1000, 500]);
    const stored = mlflow.runs.get(run.runId);
    expect(stored?.metrics.size).toBe(2500);
    expect(stored?.metrics.get("m2499")?.[0]?.value).toBe(2499);
  });

  it("keeps params, tags and the total per request within MLflow's limits", async () => {
    const mlflow = await stand();
    const c = client(mlflow);
    const { experimentId } = await c.getOrCreateExperiment("limits");
    const run = await c.createRun({ experimentId });
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, `${i}`]));
    const tags = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`t${i}`, `${i}`]));
    const metrics = Array.from({ length: 10 }, (_, i) => ({ key: `m${i}`, value: i }));
    expect(await c.logBatch(run.runId, { params, tags, metrics })).toBe(4);
    const stored = mlflow.runs.get(run.runId);
    expect(stored?.params.size).toBe(250);
    expect(stored?.tags.size).toBe(150 + 1); // + mlflow.runName

    // Long values: 100 params of 6000 characters and 100 tags of 5000 do not fit in 1 MB.
    const run2 = await c.createRun({ experimentId });
    const before = mlflow.count("runs/log-batch");
    await c.logBatch(run2.runId, {
      params: Object.fromEntries(
        Array.from({ length: 100 }, (_, i) => [`p${i}`, "x".repeat(6000)]),
      ),
      tags: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`t${i}`, "y".repeat(5000)])),
    });
    expect(mlflow.count("runs/log-batch") - before).toBe(2);
    expect(mlflow.runs.get(run2.runId)?.params.size).toBe(100);
  });

  it("is checked against a stand-in that rejects over-limit batches as MLflow does", async () => {
    const mlflow = await stand();
    const c = client(mlflow);
    const { experimentId } = await c.getOrCreateExperiment("raw");
    const run = await c.createRun({ experimentId });
    const response = await fetch(`${mlflow.endpoint}/api/2.0/mlflow/runs/log-batch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        run_id: run.runId,
        metrics: Array.from({ length: 1001 }, (_, i) => ({ key: `m${i}`, value: 1, timestamp: 0 })),
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message:
        "A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again.",
    });
  });

  it("retries 503 and 429 answers, then succeeds", async () => {
    const mlflow = await stand({
      faults: [
        { route: "runs/log-batch", status: 503, times: 2 },
        { route: "runs/log-batch", status: 429, errorCode: "REQUEST_LIMIT_EXCEEDED" },
      ],
    });
    const c = client(mlflow);
    const { experimentId } = await c.getOrCreateExperiment("retry");
    const run = await c.createRun({ experimentId });
    await c.logBatch(run.runId, { metrics: [{ key: "m", value: 1 }] });
    expect(mlflow.count("runs/log-batch")).toBe(4);
    expect(mlflow.runs.get(run.runId)?.metrics.get("m")).toHaveLength(1);
  });

  it("gives up after maxAttempts with a retryable error naming the status", async () => {
    const mlflow = await stand({ faults: [{ route: "runs/create", status: 503, times: 10 }] });
    const c = client(mlflow, { maxAttempts: 3 });
    const error = await c.createRun({ experimentId: "0" }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "MLFLOW_REQUEST_FAILED",
      status: 503,
      retryable: true,
      message: expect.stringContaining("HTTP 503"),
    });
    expect(mlflow.count("runs/create")).toBe(3);
  });

  it("does not retry a 400, and keeps MLflow's error code (param immutability)", async () => {
    const mlflow = await stand();
    const c = client(mlflow);
    const { experimentId } = await c.getOrCreateExperiment("immutable");
    const run = await c.createRun({ experimentId });
    await c.logBatch(run.runId, { params: { lr: "0.1" } });
    await c.logBatch(run.runId, { params: { lr: "0.1" } }); // the same value again is fine
    const error = await c.logBatch(run.runId, { params: { lr: "0.2" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowError);
    expect(error).toMatchObject({
      code: "MLFLOW_INVALID_PARAMETER_VALUE",
      status: 400,
      errorCode: "INVALID_PARAMETER_VALUE",
      retryable: false,
      message: expect.stringContaining("Changing param values is not allowed"),
    });
    expect(mlflow.count("runs/log-batch")).toBe(3);
    expect(mlflow.runs.get(run.runId)?.params.get("lr")).toBe("0.1");
  });

  it("rejects keys MLflow would reject before sending", async () => {
    const mlflow = await stand();
    const c = client(mlflow);
    for (const key of ["a:b", "a//b", "a/", "./a", "..", "", "k".repeat(251)]) {
      await expect(c.logBatch("r", { metrics: [{ key, value: 1 }] })).rejects.toMatchObject({
        code: "VALIDATION_ERROR",
      });
    }
    await expect(c.logBatch("r", { metrics: [{ key: "m", value: Number.NaN }] })).rejects.toThrow(
      /finite/,
    );
    expect(mlflow.requests).toHaveLength(0);
    // trackingKey makes such keys valid.
    expect(["a:b", "a//b", "a/", "./a", "..", ""].map(trackingKey)).toEqual([
      "a_b",
      "a/_/b",
      "a/_",
      "_/a",
      "__",
      "_",
    ]);
  });

  it("ends a request that never answers at timeoutMs", async () => {
    const mlflow = await stand({
      faults: [{ route: "experiments/get-by-name", hang: true, times: 2 }],
    });
    const c = client(mlflow, { timeoutMs: 100, maxAttempts: 2 });
    await expect(c.getExperimentByName("slow")).rejects.toMatchObject({ code: "TIMEOUT" });
    expect(mlflow.count("experiments/get-by-name")).toBe(2);
  });

  it("ends the wait when the signal aborts", async () => {
    const controller = new AbortController();
    const mlflow = await stand({
      faults: [{ route: "experiments/get-by-name", hang: true }],
      onRequest: () => controller.abort(),
    });
    await expect(
      client(mlflow).getExperimentByName("x", { signal: controller.signal }),
    ).rejects.toMatchObject({ code: "ABORTED" });
    expect(mlflow.count("experiments/get-by-name")).toBe(1);
  });

  it("retries a refused connection, then reports it", async () => {
    const mlflow = await startMlflow();
    const endpoint = mlflow.endpoint;
    await mlflow.close();
    const c = new MlflowClient({ trackingUri: endpoint, maxAttempts: 2, baseDelayMs: 1 });
    await expect(c.getExperimentByName("x")).rejects.toMatchObject({
      code: "MLFLOW_REQUEST_FAILED",
      retryable: true,
      message: expect.stringContaining("Could not reach"),
    });
  });

  it("explains a URL that is not an MLflow server", async () => {
    const mlflow = await stand();
    const c = new MlflowClient({ trackingUri: `${mlflow.endpoint}/not-mlflow` });
    await expect(c.createExperiment("x")).rejects.toMatchObject({
      code: "MLFLOW_REQUEST_FAILED",
      status: 404,
      retryable: false,
      message: expect.stringContaining("root URL"),
    });
    expect(mlflow.requests).toHaveLength(1);
  });

  it("checks its options", () => {
    expect(() => new MlflowClient({ trackingUri: "ftp://x" })).toThrow(/trackingUri/);
    expect(() => new MlflowClient({ trackingUri: "arn:aws:s3:::bucket" })).toThrow(/trackingUri/);
    expect(
      () => new MlflowClient({ trackingUri: "http://127.0.0.1:1", endpoint: "http://127.0.0.1:2" }),
    ).toThrow(/endpoint/);
    expect(() => new MlflowClient({ trackingUri: "http://u:p@127.0.0.1:1" })).toThrow(
      /credentials/,
    );
    expect(new MlflowClient({ trackingUri: "http://127.0.0.1:5000/" }).baseUrl).toBe(
      "http://127.0.0.1:5000",
    );
  });
});

describe("SageMaker managed MLflow", () => {
  it("maps the ARN to the regional endpoint (or SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT) without I/O", () => {
    const saved = process.env.SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT;
    try {
      delete process.env.SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT;
      const c = new MlflowClient({ trackingUri: ARN });
      expect(c.baseUrl).toBe("https://us-west-2.experiments.sagemaker.aws");
      expect(c.runUrl("1", "r")).toBeUndefined();
      process.env.SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT = "http://127.0.0.1:9/";
      expect(new MlflowClient({ trackingUri: ARN }).baseUrl).toBe("http://127.0.0.1:9");
      expect(new MlflowClient({ trackingUri: ARN, endpoint: "http://127.0.0.1:8" }).baseUrl).toBe(
        "http://127.0.0.1:8",
      );
    } finally {
      if (saved === undefined) delete process.env.SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT;
      else process.env.SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT = saved;
    }
  });

  it("signs every request with SigV4 for sagemaker-mlflow and uploads artifacts to S3", async () => {
    const s3 = await startS3({ buckets: ["mlflow-bucket"] });
    s3s.push(s3);
    const mlflow = await stand({
      artifactUriStyle: "s3",
      s3ArtifactRoot: "s3://mlflow-bucket/managed",
      requireSigV4: { region: "us-west-2", trackingServerArn: ARN },
    });
    const tracker = new MlflowTracker({
      trackingUri: ARN,
      endpoint: mlflow.endpoint,
      credentials: testCredentials,
      s3: s3.client,
      baseDelayMs: 1,
      experimentName: "qa eval/nova lite", // spaces travel as %20 and are signed so
    });
    const result = await evaluate();
    const tracked = await tracker.trackEvaluation(result, {
      artifacts: [{ path: "summary.json", content: '{"ok":true}' }],
    });
    expect(tracked.url).toBeUndefined();
    expect(mlflow.requests.length).toBeGreaterThanOrEqual(5);
    expect(mlflow.requests.every((r) => r.signatureValid === true)).toBe(true);
    const lookup = mlflow.requests.find((r) => r.route === "experiments/get-by-name");
    expect(lookup?.rawQuery).toBe("experiment_name=qa%20eval%2Fnova%20lite");
    expect(lookup?.query.experiment_name).toBe("qa eval/nova lite");
    expect(lookup?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-west-2\/sagemaker-mlflow\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=/,
    );

    const run = onlyRun(mlflow);
    expect(run.status).toBe("FINISHED");
    expect(run.artifactUri).toBe(
      `s3://mlflow-bucket/managed/${run.experimentId}/${run.runId}/artifacts`,
    );
    const object = await s3.getObject(
      "mlflow-bucket",
      `managed/${run.experimentId}/${run.runId}/artifacts/summary.json`,
    );
    expect(new TextDecoder().decode(object)).toBe('{"ok":true}');
  });

  it("reports a bad signature as PERMISSION_DENIED naming the IAM action, without retrying", async () => {
    const mlflow = await stand({ requireSigV4: { region: "us-west-2" } });
    const c = new MlflowClient({
      trackingUri: ARN,
      endpoint: mlflow.endpoint,
      credentials: { accessKeyId: "test", secretAccessKey: "wrong" },
    });
    await expect(c.getExperimentByName("x")).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
      message: expect.stringContaining("sagemaker-mlflow:GetExperimentByName"),
    });
    expect(mlflow.requests).toHaveLength(1);
    expect(mlflow.requests[0]?.signatureValid).toBe(false);
  });

  it("signs with credentials from a provider and sends the tracking server ARN", async () => {
    const mlflow = await stand({ requireSigV4: { region: "us-west-2", trackingServerArn: ARN } });
    let calls = 0;
    const c = new MlflowClient({
      trackingUri: ARN,
      endpoint: mlflow.endpoint,
      credentials: async () => {
        calls += 1;
        return testCredentials;
      },
    });
    const id = await c.createExperiment("from-provider");
    expect(mlflow.experiments.get(id)?.name).toBe("from-provider");
    expect(calls).toBeGreaterThan(0);
    expect(mlflow.requests[0]?.headers["x-mlflow-sm-tracking-server-arn"]).toBe(ARN);
  });
});

describe("MlflowTracker.trackComparison", () => {
  async function comparison() {
    const encoder = new TextEncoder();
    const data = Dataset.fromJsonl(
      async function* () {
        yield encoder.encode(
          rows.map((r) => JSON.stringify({ ...r, good: r.a.split("<OR>")[0] })).join("\n"),
        );
      },
      { input: "q", target: "a", category: "cat" },
    );
    return compareCandidates({
      dataset: data,
      candidates: [
        { name: "v1", runner: new PrecomputedRunner({ output: "out", id: "v1-outputs" }) },
        { name: "v2", runner: new PrecomputedRunner({ output: "good", id: "v2-outputs" }) },
      ],
      algorithms: [new QaAccuracy()],
    });
  }

  it("logs one parent run with the paired differences and a child run per candidate", async () => {
    const mlflow = await stand();
    const c = await comparison();
    const tracker = new MlflowTracker({ client: client(mlflow), experimentName: "compare" });
    const tracked = await tracker.trackComparison(c, {
      runName: "v1 vs v2",
      params: { dataset: "capitals" },
      artifacts: [{ path: "compare.html", content: "<!doctype html>" }],
    });
    expect(mlflow.runs.size).toBe(3);
    const parent = mlflow.runs.get(tracked.runId);
    expect(parent?.runName).toBe("v1 vs v2");
    expect(parent?.status).toBe("FINISHED");
    expect(parent?.tags.get("fmops.comparison.baseline")).toBe("v1");
    expect(parent?.params.get("dataset")).toBe("capitals");
    expect(parent?.params.get("baseline")).toBe("v1");
    const f1 = c.differences[0]?.metrics.find((m) => m.metric === "qa_accuracy.f1_score");
    const last = (key: string) => parent?.metrics.get(key)?.at(-1)?.value;
    expect(last("diff/v2/qa_accuracy.f1_score")).toBe(f1?.meanDifference);
    expect(last("diff/v2/qa_accuracy.f1_score.ci95_lower")).toBe(f1?.ci95?.lower);
    expect(last("diff/v2/qa_accuracy.f1_score.wins")).toBe(f1?.wins);
    expect(last("diff/v2/qa_accuracy.f1_score.losses")).toBe(f1?.losses);
    expect(last("diff/v2/qa_accuracy.f1_score.pairs")).toBe(f1?.count);
    expect(
      mlflow.artifacts.has(`${parent?.experimentId}/${tracked.runId}/artifacts/compare.html`),
    ).toBe(true);

    expect(tracked.children.map((ch) => ch.candidate)).toEqual(["v1", "v2"]);
    for (const [i, child] of tracked.children.entries()) {
      const run = mlflow.runs.get(child.runId);
      expect(run?.tags.get("mlflow.parentRunId")).toBe(tracked.runId);
      expect(run?.runName).toBe(["v1", "v2"][i]);
      expect(run?.status).toBe("FINISHED");
      expect(run?.params.get("model_id")).toBe(["v1-outputs", "v2-outputs"][i]);
      expect(run?.params.get("candidate")).toBe(["v1", "v2"][i]);
      const own = c.candidates[i]?.result.scores.qa_accuracy?.f1_score?.mean;
      expect(run?.metrics.get("qa_accuracy.f1_score")?.at(-1)?.value).toBe(own);
    }
  });
});
