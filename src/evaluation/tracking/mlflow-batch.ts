/**
 * What one MLflow `runs/log-batch` request may hold, and how {@link MlflowClient.logBatch}
 * checks a batch against MLflow's key and value rules and splits it into requests within the
 * server's limits.
 *
 * @module
 */
import { ValidationError } from "../../core/index.js";
import type { ValidationIssue } from "../../core/internal.js";
import type { MlflowClient } from "./mlflow-client.js";

const encoder = new TextEncoder();

/**
 * The limits of one MLflow `runs/log-batch` request and of the values in it, as the MLflow
 * server enforces them. {@link MlflowClient.logBatch} splits batches to fit the per-request
 * limits and rejects values over the per-value ones before sending anything.
 */
export const MLFLOW_BATCH_LIMITS = {
  /** Metrics per request. */
  metrics: 1000,
  /** Params per request. */
  params: 100,
  /** Tags per request. */
  tags: 100,
  /** Metrics, params and tags together per request. */
  total: 1000,
  /** Bytes of one request body (MLflow allows 1 000 000; a margin is kept). */
  bytes: 900_000,
  /** Characters of a metric, param or tag key. */
  keyLength: 250,
  /** Characters of a param value. */
  paramValueLength: 6000,
  /** Characters of a tag value (5000 on MLflow 2; newer servers allow more). */
  tagValueLength: 5000,
} as const;

/** One metric value to log. */
export interface MlflowMetric {
  /** The metric's key (see {@link MlflowClient.logBatch} for the rules). */
  key: string;
  /** A finite number. */
  value: number;
  /** When it was measured, in milliseconds since the epoch. Default: now. */
  timestamp?: number;
  /** The step. Default 0. */
  step?: number;
}

/** What one {@link MlflowClient.logBatch} call logs. */
export interface MlflowBatch {
  /** Metric values. */
  metrics?: readonly MlflowMetric[];
  /** Params; MLflow keeps the first value of each key and rejects a different one later. */
  params?: Record<string, string>;
  /** Tags; a later value replaces an earlier one. */
  tags?: Record<string, string>;
}

/** MLflow's key rule: letters, digits, `_ - . space /`, and the same name when read as a path. */
const KEY_PATTERN = /^[\p{L}\p{N}_\-. /]*$/u;

function keyProblem(key: string): string | undefined {
  if (key === "") return "must not be empty";
  if (key.length > MLFLOW_BATCH_LIMITS.keyLength)
    return `is ${key.length} characters long; MLflow allows ${MLFLOW_BATCH_LIMITS.keyLength}`;
  if (!KEY_PATTERN.test(key))
    return 'may only contain letters, digits, "_", "-", ".", " " and "/" (sanitize it with trackingKey)';
  if (key.split("/").some((s) => s === "" || s === "." || s === ".."))
    return 'must not have empty, "." or ".." segments between slashes';
  return undefined;
}

/**
 * A batch checked against MLflow's rules, in the wire shape.
 *
 * @internal
 */
export interface WireBatch {
  metrics: { key: string; value: number; timestamp: number; step: number }[];
  params: { key: string; value: string }[];
  tags: { key: string; value: string }[];
}

/**
 * Checks a batch against MLflow's key and value rules and puts it in the wire shape; throws one
 * `ValidationError` listing every problem (at most 20 shown).
 *
 * @internal
 */
export function checkMlflowBatch(batch: MlflowBatch, subject = "MlflowClient.logBatch"): WireBatch {
  const issues: ValidationIssue[] = [];
  const now = Date.now();
  const out: WireBatch = { metrics: [], params: [], tags: [] };
  (batch.metrics ?? []).forEach((m, i) => {
    const problem = keyProblem(m.key);
    if (problem)
      issues.push({ path: `metrics.${i}.key`, message: `"${m.key.slice(0, 80)}" ${problem}` });
    if (typeof m.value !== "number" || !Number.isFinite(m.value))
      issues.push({
        path: `metrics.${i}.value`,
        message: `must be a finite number (MLflow's JSON API cannot carry ${String(m.value)})`,
      });
    const timestamp = m.timestamp ?? now;
    if (!Number.isInteger(timestamp) || timestamp < 0)
      issues.push({ path: `metrics.${i}.timestamp`, message: "must be a whole number of ms >= 0" });
    const step = m.step ?? 0;
    if (!Number.isInteger(step))
      issues.push({ path: `metrics.${i}.step`, message: "must be an integer" });
    out.metrics.push({ key: m.key, value: m.value, timestamp, step });
  });
  const entries = (
    kind: "params" | "tags",
    record: Record<string, string> | undefined,
    limit: number,
  ) => {
    for (const [key, value] of Object.entries(record ?? {})) {
      const problem = keyProblem(key);
      if (problem) issues.push({ path: `${kind}.${key.slice(0, 80)}`, message: problem });
      if (typeof value !== "string")
        issues.push({ path: `${kind}.${key.slice(0, 80)}`, message: "value must be a string" });
      else if (value.length > limit)
        issues.push({
          path: `${kind}.${key.slice(0, 80)}`,
          message: `value is ${value.length} characters long; MLflow allows ${limit} (it would be cut or rejected)`,
        });
      out[kind].push({ key, value });
    }
  };
  entries("params", batch.params, MLFLOW_BATCH_LIMITS.paramValueLength);
  entries("tags", batch.tags, MLFLOW_BATCH_LIMITS.tagValueLength);
  if (issues.length > 0) {
    const listed = issues
      .slice(0, 20)
      .map((i) => `${i.path}: ${i.message}`)
      .join("; ");
    throw new ValidationError(
      `Invalid ${subject} batch: ${listed}${issues.length > 20 ? `; and ${issues.length - 20} more` : ""}.`,
      issues,
    );
  }
  return out;
}

/**
 * Splits a checked batch into requests within {@link MLFLOW_BATCH_LIMITS}: params, then tags,
 * then metrics.
 *
 * @internal
 */
export function chunkMlflowBatch(batch: WireBatch, runId: string): WireBatch[] {
  const envelope = 64 + runId.length;
  const chunks: WireBatch[] = [];
  let current: WireBatch = { metrics: [], params: [], tags: [] };
  let bytes = envelope;
  const add = <K extends keyof WireBatch>(kind: K, item: WireBatch[K][number]) => {
    const size = encoder.encode(JSON.stringify(item)).byteLength + 1;
    const count = current.metrics.length + current.params.length + current.tags.length;
    const perKind =
      kind === "metrics" ? MLFLOW_BATCH_LIMITS.metrics : MLFLOW_BATCH_LIMITS[kind as "params"];
    if (
      count > 0 &&
      (count >= MLFLOW_BATCH_LIMITS.total ||
        current[kind].length >= perKind ||
        bytes + size > MLFLOW_BATCH_LIMITS.bytes)
    ) {
      chunks.push(current);
      current = { metrics: [], params: [], tags: [] };
      bytes = envelope;
    }
    (current[kind] as WireBatch[K][number][]).push(item);
    bytes += size;
  };
  for (const p of batch.params) add("params", p);
  for (const t of batch.tags) add("tags", t);
  for (const m of batch.metrics) add("metrics", m);
  if (current.metrics.length + current.params.length + current.tags.length > 0)
    chunks.push(current);
  return chunks;
}
