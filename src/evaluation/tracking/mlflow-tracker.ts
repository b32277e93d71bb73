/**
 * {@link MlflowTracker}: evaluation results as MLflow runs.
 *
 * @module
 */
import { z } from "zod";
import { isFmopsError, parseOptions, ValidationError } from "../../core/index.js";
import { schemaFor } from "../../core/internal.js";
import { VERSION } from "../../version.js";
import type { ComparisonResult } from "../compare/compare.js";
import type { ModelResult } from "../report/report.js";
import { checkMlflowBatch } from "./mlflow-batch.js";
import {
  type MlflowCallOptions,
  MlflowClient,
  type MlflowClientOptions,
  mlflowClientOptionsObject,
} from "./mlflow-client.js";
import {
  type EvaluationTracker,
  type PreparedRun,
  prepareRun,
  type TrackEvaluationOptions,
  type TrackedRun,
  trackingKey,
} from "./tracking.js";

/** Where {@link MlflowTracker.trackComparison} logged a comparison: the parent run and its children. */
export interface TrackedComparison extends TrackedRun {
  /** One child run per candidate, in the comparison's order. */
  children: (TrackedRun & {
    /** The candidate's name. */
    candidate: string;
  })[];
}

/** The parent run's metrics: paired differences per candidate, overall and per category. */
function comparisonMetrics(comparison: ComparisonResult): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (key: string, value: number | undefined | null) => {
    // MLflow refuses NaN and infinities; a difference with no pair has none to log.
    if (typeof value === "number" && Number.isFinite(value)) out[trackingKey(key)] = value;
  };
  for (const d of comparison.differences) {
    const cand = d.candidate.replaceAll("/", "_");
    for (const m of d.metrics) {
      const key = `diff/${cand}/${m.metric}`;
      put(key, m.meanDifference);
      put(`${key}.ci95_lower`, m.ci95?.lower);
      put(`${key}.ci95_upper`, m.ci95?.upper);
      put(`${key}.wins`, m.wins);
      put(`${key}.ties`, m.ties);
      put(`${key}.losses`, m.losses);
      put(`${key}.pairs`, m.count);
      put(`${key}.unpaired`, m.unpaired);
    }
    for (const [category, rows] of Object.entries(d.categories)) {
      for (const m of rows) {
        put(`diff/${cand}/category/${category.replaceAll("/", "_")}/${m.metric}`, m.meanDifference);
      }
    }
  }
  for (const c of comparison.candidates) {
    const name = c.name.replaceAll("/", "_");
    put(`latency_p90_ms/${name}`, c.result.latency?.p90);
    put(`cost_per_record/${name}`, c.cost?.perRecord.mean);
  }
  return out;
}

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

const optionsSchema = schemaFor<MlflowTrackerOptions>()(
  mlflowClientOptionsObject
    .partial()
    .extend({
      experimentName: z.string().min(1).max(500),
      client: z
        .custom<MlflowClient>((v) => v instanceof MlflowClient, "must be an MlflowClient")
        .optional(),
    })
    .strict()
    .refine((o) => o.client !== undefined || o.trackingUri !== undefined, {
      message:
        "give trackingUri (an MLflow server URL or a SageMaker managed MLflow ARN) or client",
      path: ["trackingUri"],
    }),
);

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
    return this.#log(prepareRun(result, options, "MlflowTracker.trackEvaluation"));
  }

  /**
   * Logs a comparison as MLflow shows one: a parent run holding the paired differences against
   * the baseline, and one child run per candidate (linked by the `mlflow.parentRunId` tag, so the
   * MLflow UI nests them) holding that candidate's own evaluation, as {@link trackEvaluation}
   * logs it. The parent's metrics, per candidate other than the baseline and per score, are
   * `diff/<candidate>/<algorithm>.<score>` (mean of candidate − baseline) with `.ci95_lower`,
   * `.ci95_upper` (paired t, 95%), `.wins`, `.ties`, `.losses`, `.pairs` and `.unpaired`, and
   * `diff/<candidate>/category/<category>/<algorithm>.<score>`; per candidate,
   * `latency_p90_ms/<candidate>` and `cost_per_record/<candidate>` when known. Its params are
   * yours plus `baseline` and `candidates`; `artifacts` go to the parent (the comparison report).
   * The parent is finished after its children; when a child fails, the parent is marked
   * `FAILED` too.
   *
   * @example
   * ```ts
   * const run = await tracker.trackComparison(comparison, {
   *   runName: "qa@3 vs qa@4",
   *   artifacts: [{ path: "compare.html", content: renderComparisonHtml(comparison) }],
   * });
   * run.children.map((c) => `${c.candidate}: ${c.runId}`);
   * ```
   */
  async trackComparison(
    comparison: ComparisonResult,
    options: TrackEvaluationOptions = {},
  ): Promise<TrackedComparison> {
    const subject = "MlflowTracker.trackComparison";
    const baseline = comparison.candidates.find((c) => c.name === comparison.baseline);
    if (baseline === undefined) {
      throw new ValidationError(
        `Invalid ${subject} comparison: its baseline "${String(comparison.baseline).slice(0, 100)}" is not one of its candidates; pass the result of compareCandidates as it is.`,
        [{ path: "comparison.baseline", message: "not a candidate" }],
      );
    }
    const { params: given = {}, ...rest } = options;
    const parent = prepareRun(
      baseline.result,
      {
        ...rest,
        runName:
          options.runName ??
          `compare ${comparison.candidates.map((c) => c.name).join(" vs ")}`.slice(0, 250),
        params: {
          ...given,
          baseline: comparison.baseline,
          candidates: comparison.candidates
            .map((c) => c.name)
            .join(", ")
            .slice(0, 6000),
        },
        tags: { ...options.tags, "fmops.comparison.baseline": comparison.baseline },
      },
      subject,
    );
    delete parent.params.model_id;
    parent.metrics = comparisonMetrics(comparison);
    const children = comparison.candidates.map((c) =>
      prepareRun(
        c.result,
        {
          runName: c.name.slice(0, 250),
          params: { ...given, candidate: c.name },
          ...(options.signal ? { signal: options.signal } : {}),
        },
        subject,
      ),
    );
    const tracked: TrackedComparison["children"] = [];
    const run = await this.#log(parent, async (parentRunId) => {
      for (const [i, child] of children.entries()) {
        child.tags["mlflow.parentRunId"] = parentRunId;
        const logged = await this.#log(child);
        tracked.push({ candidate: comparison.candidates[i]?.name as string, ...logged });
      }
    });
    return { ...run, children: tracked };
  }

  /**
   * Creates the run, logs its batch and artifacts, runs `inside` (child runs) and finishes it;
   * on a failure marks it `FAILED` (`KILLED` when aborted) and rethrows.
   */
  async #log(run: PreparedRun, inside?: (runId: string) => Promise<void>): Promise<TrackedRun> {
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
      await inside?.(created.runId);
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
