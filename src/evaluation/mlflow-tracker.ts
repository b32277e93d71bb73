/**
 * {@link MlflowTracker}: evaluation results as MLflow runs.
 *
 * @module
 */
import { z } from "zod";
import { isFmopsError, ValidationError } from "../core/errors.js";
import { parseOptions } from "../core/options.js";
import { VERSION } from "../version.js";
import { checkMlflowBatch } from "./mlflow-batch.js";
import { type MlflowCallOptions, MlflowClient, type MlflowClientOptions } from "./mlflow-client.js";
import type { ModelResult } from "./report.js";
import {
  type EvaluationTracker,
  prepareRun,
  type TrackEvaluationOptions,
  type TrackedRun,
} from "./tracking.js";

/** How long the best-effort `FAILED` / `KILLED` status update after a failure may take. */
const CLEANUP_TIMEOUT_MS = 10_000;

/**
 * Options of {@link MlflowTracker}: the experiment, and either a ready {@link MlflowClient} or
 * the options to make one (`trackingUri` and the rest of {@link MlflowClientOptions}).
 */
export interface MlflowTrackerOptions extends Partial<MlflowClientOptions> {
  /** The experiment the runs go to; created on first use when it does not exist. At most 500 characters. */
  experimentName: string;
  /** A ready client (shared connections, custom fetch); then no other client option may be given. */
  client?: MlflowClient;
}

const optionsSchema = z
  .looseObject({
    experimentName: z.string().min(1).max(500),
    client: z
      .custom<MlflowClient>((v) => v instanceof MlflowClient, "must be an MlflowClient")
      .optional(),
  })
  .refine((o) => o.client !== undefined || o.trackingUri !== undefined, {
    message: "give trackingUri (an MLflow server URL or a SageMaker managed MLflow ARN) or client",
    path: ["trackingUri"],
  });

/**
 * Logs evaluation results to MLflow, one run per result, in the experiment `experimentName`
 * (found or created on first use, then its id is kept):
 *
 * 1. `runs/create` with the tags `mlflow.runName`, `mlflow.source.name` (`fmops`) and
 *    `fmops.version`;
 * 2. `runs/log-batch` (as many requests as MLflow's limits need) with the params (`model_id`
 *    plus yours), your tags, and the metrics of `evaluationMetrics` (`<algorithm>.<score>`, its
 *    `.ci95_lower` / `.ci95_upper`, `category/<category>/<algorithm>.<score>`, `num_records`,
 *    `num_failed`), every key sanitized with `trackingKey`;
 * 3. each artifact, through the server's artifact proxy or to S3 (see
 *    {@link MlflowClient.uploadArtifact});
 * 4. `runs/update` to `FINISHED`.
 *
 * Everything is validated before the first request. When a step after the run's creation fails,
 * the run is marked `FAILED` (`KILLED` when aborted), best effort and within 10 s, and the
 * original error is rethrown. Works with self-hosted MLflow 2+ and SageMaker managed MLflow
 * (an ARN `trackingUri`, SigV4).
 *
 * @example
 * ```ts
 * const tracker = new MlflowTracker({ trackingUri: "http://127.0.0.1:5000", experimentName: "qa-eval" });
 * const run = await tracker.trackEvaluation(result, {
 *   params: { prompt: "qa@3", dataset: "qa.jsonl", seed: 0 },
 *   artifacts: [{ path: "report.html", content: renderEvaluationHtml(result) }],
 * });
 * console.log(run.url); // http://127.0.0.1:5000/#/experiments/1/runs/...
 * ```
 */
export class MlflowTracker implements EvaluationTracker {
  /** The experiment's name. */
  readonly experimentName: string;
  /** The client used. */
  readonly client: MlflowClient;
  #experimentId: string | undefined;

  constructor(options: MlflowTrackerOptions) {
    const o = parseOptions(optionsSchema, options, "MlflowTracker options");
    const { experimentName, client, ...clientOptions } = o;
    this.experimentName = experimentName;
    if (client !== undefined) {
      const extra = Object.keys(clientOptions).filter(
        (k) => (clientOptions as Record<string, unknown>)[k] !== undefined,
      );
      if (extra.length > 0) {
        throw new ValidationError(
          `Invalid MlflowTracker options: ${extra.join(", ")}: give either client or the options to make one, not both.`,
          extra.map((path) => ({ path, message: "not allowed with client" })),
        );
      }
      this.client = client;
    } else {
      this.client = new MlflowClient(clientOptions as unknown as MlflowClientOptions);
    }
  }

  /** Logs `result` as one finished run and returns where it went. */
  async trackEvaluation(
    result: ModelResult,
    options: TrackEvaluationOptions = {},
  ): Promise<TrackedRun> {
    const run = prepareRun(result, options, "MlflowTracker.trackEvaluation");
    const metrics = Object.entries(run.metrics).map(([key, value]) => ({ key, value }));
    const batch = { metrics, params: run.params, tags: run.tags };
    checkMlflowBatch(batch, "MlflowTracker.trackEvaluation");
    const call: MlflowCallOptions = run.signal ? { signal: run.signal } : {};

    const experimentId = await this.#experiment(call);
    const created = await this.client.createRun(
      {
        experimentId,
        runName: run.runName,
        tags: {
          "mlflow.runName": run.runName,
          "mlflow.source.name": "fmops",
          "fmops.version": VERSION,
        },
      },
      call,
    );
    try {
      const timestamp = Date.now();
      await this.client.logBatch(
        created.runId,
        { ...batch, metrics: metrics.map((m) => ({ ...m, timestamp })) },
        call,
      );
      for (const artifact of run.artifacts) {
        await this.client.uploadArtifact(created, artifact.path, artifact.bytes, {
          ...call,
          contentType: artifact.contentType,
        });
      }
      await this.client.updateRun(created.runId, { status: "FINISHED" }, call);
    } catch (err) {
      const aborted = run.signal?.aborted === true || (isFmopsError(err) && err.code === "ABORTED");
      // Not under the caller's signal: after an abort the run must still be closed.
      await this.client
        .updateRun(
          created.runId,
          { status: aborted ? "KILLED" : "FAILED" },
          { timeoutMs: CLEANUP_TIMEOUT_MS, maxAttempts: 1 },
        )
        .catch(() => {});
      throw err;
    }
    return {
      runId: created.runId,
      experimentId,
      url: this.client.runUrl(experimentId, created.runId),
    };
  }

  async #experiment(call: MlflowCallOptions): Promise<string> {
    if (this.#experimentId !== undefined) return this.#experimentId;
    const experiment = await this.client.getOrCreateExperiment(this.experimentName, call);
    this.#experimentId = experiment.experimentId;
    return experiment.experimentId;
  }
}
