/**
 * How an {@link InvocationRecord} becomes CloudWatch metrics: names, units and the dimension
 * values, shared by the EMF and PutMetricData sinks so both publish the same metrics.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";
import type { InvocationRecord } from "./record.js";

/** CloudWatch's metric units (the `StandardUnit` values both EMF and PutMetricData accept). */
export type CloudWatchUnit =
  | "Seconds"
  | "Microseconds"
  | "Milliseconds"
  | "Bytes"
  | "Kilobytes"
  | "Megabytes"
  | "Gigabytes"
  | "Terabytes"
  | "Bits"
  | "Kilobits"
  | "Megabits"
  | "Gigabits"
  | "Terabits"
  | "Percent"
  | "Count"
  | "Bytes/Second"
  | "Kilobytes/Second"
  | "Megabytes/Second"
  | "Gigabytes/Second"
  | "Terabytes/Second"
  | "Bits/Second"
  | "Kilobits/Second"
  | "Megabits/Second"
  | "Gigabits/Second"
  | "Terabits/Second"
  | "Count/Second"
  | "None";

/** One metric value of a record. */
export interface CloudWatchValue {
  /** CloudWatch metric name, e.g. `TimeToFirstToken` (see {@link CLOUDWATCH_METRIC_NAMES}). */
  name: string;
  /** CloudWatch unit: `Count`, `Milliseconds`, `Count/Second`, or `None` for quality scores. */
  unit: CloudWatchUnit;
  /** The value, always finite. */
  value: number;
}

/** CloudWatch's metric names for the record's fields. */
export const CLOUDWATCH_METRIC_NAMES = {
  /** 1 per call (unit Count). */
  invocations: "Invocations",
  /** 1 for a call with status `error`, else 0 (unit Count); aborts and cancellations count 0. */
  errors: "InvocationErrors",
  /** Time to first token (unit Milliseconds); streaming calls that produced text only. */
  ttftMs: "TimeToFirstToken",
  /** End-to-end latency (unit Milliseconds). */
  e2eMs: "EndToEndLatency",
  /** Decode speed after the first token (unit Count/Second); streaming only. */
  otps: "OutputTokensPerSecond",
  /** Output tokens over end-to-end time (unit Count/Second). */
  e2eOtps: "EndToEndOutputTokensPerSecond",
  /** Prompt tokens, when the model reported them (unit Count). */
  inputTokens: "InputTokens",
  /** Generated tokens (unit Count). */
  outputTokens: "OutputTokens",
  /** Prompt tokens read from the prompt cache, when reported (unit Count). */
  cacheReadTokens: "CacheReadInputTokens",
  /** Prompt tokens written to the prompt cache, when reported (unit Count). */
  cacheWriteTokens: "CacheWriteInputTokens",
  /** The call's cost from `instrument({ prices })`, in the prices' currency (unit None). */
  cost: "InvocationCost",
} as const;

/**
 * The metric values of one record: `Invocations` (1), `InvocationErrors` (1 on error, else 0),
 * latency in milliseconds, throughput in Count/Second, token counts, and each quality score
 * (`record.metrics`, unit None) under its own name with the first letter upper-cased.
 */
export function cloudWatchValues(record: InvocationRecord): CloudWatchValue[] {
  const values: CloudWatchValue[] = [
    { name: CLOUDWATCH_METRIC_NAMES.invocations, unit: "Count", value: 1 },
    {
      name: CLOUDWATCH_METRIC_NAMES.errors,
      unit: "Count",
      value: record.status === "error" ? 1 : 0,
    },
  ];
  const push = (name: string, unit: CloudWatchUnit, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) values.push({ name, unit, value });
  };
  push(CLOUDWATCH_METRIC_NAMES.ttftMs, "Milliseconds", record.ttftMs);
  push(CLOUDWATCH_METRIC_NAMES.e2eMs, "Milliseconds", record.e2eMs);
  push(CLOUDWATCH_METRIC_NAMES.otps, "Count/Second", record.otps);
  push(CLOUDWATCH_METRIC_NAMES.e2eOtps, "Count/Second", record.e2eOtps);
  push(CLOUDWATCH_METRIC_NAMES.inputTokens, "Count", record.inputTokens);
  push(CLOUDWATCH_METRIC_NAMES.outputTokens, "Count", record.outputTokens);
  push(CLOUDWATCH_METRIC_NAMES.cacheReadTokens, "Count", record.cacheReadTokens);
  push(CLOUDWATCH_METRIC_NAMES.cacheWriteTokens, "Count", record.cacheWriteTokens);
  push(CLOUDWATCH_METRIC_NAMES.cost, "None", record.cost);
  for (const [name, value] of Object.entries(record.metrics)) {
    push(name.charAt(0).toUpperCase() + name.slice(1), "None", value);
  }
  return values;
}

/** The dimensions every record has, besides the custom ones: `ModelId`, `Provider`, `Operation`. */
export function builtInDimensions(record: InvocationRecord): Record<string, string> {
  return { ModelId: record.modelId, Provider: record.provider, Operation: record.operation };
}

/**
 * The value of each named dimension for `record`: built-in (`ModelId`, `Provider`, `Operation`)
 * or custom (`record.dimensions`). A dimension the record lacks gets `"none"`, since CloudWatch
 * rejects empty dimension values.
 */
export function dimensionValues(
  record: InvocationRecord,
  names: readonly string[],
): Record<string, string> {
  const all = { ...builtInDimensions(record), ...record.dimensions };
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = all[name];
    out[name] = value === undefined || value.trim() === "" ? "none" : value;
  }
  return out;
}

/** CloudWatch's limit on dimensions per metric (PutMetricData and EMF DimensionSet alike). */
export const MAX_DIMENSIONS = 30;

/**
 * Checks dimension sets: at most 30 names each, names of 1 to 255 ASCII characters not starting
 * with `:` (CloudWatch's rules). Throws a {@link ValidationError} naming `field`.
 */
export function checkDimensionSets(sets: readonly (readonly string[])[], field: string): void {
  sets.forEach((set, i) => {
    if (set.length > MAX_DIMENSIONS) {
      throw new ValidationError(
        `${field}[${i}] has ${set.length} dimensions; CloudWatch allows at most ${MAX_DIMENSIONS} per metric. Drop some.`,
        [{ path: `${field}.${i}`, message: `more than ${MAX_DIMENSIONS} dimensions` }],
      );
    }
    for (const name of set) {
      if (!/^[\x20-\x7e]{1,255}$/.test(name) || name.startsWith(":") || name.trim() === "") {
        throw new ValidationError(
          `${field}[${i}] has an invalid dimension name "${name.slice(0, 60)}": use 1 to 255 printable ASCII characters, not starting with ":".`,
          [{ path: `${field}.${i}`, message: "invalid dimension name" }],
        );
      }
    }
  });
}
