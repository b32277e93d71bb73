/**
 * {@link EmfSink}: records as CloudWatch Embedded Metric Format log lines.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import {
  type CloudWatchUnit,
  type CloudWatchValue,
  checkDimensionSets,
  cloudWatchValues,
  dimensionValues,
} from "./cloudwatch-metrics.js";
import type { InvocationRecord } from "./record.js";
import type { MetricSink } from "./types.js";
import { defaultOutput, type TextOutput, unrefTimer } from "./writable.js";

/** Options for {@link EmfSink}. */
export interface EmfSinkOptions {
  /** CloudWatch namespace, e.g. `MyApp/GenAI` (1 to 255 of `A-Z a-z 0-9 . _ # : / -`). */
  namespace: string;
  /**
   * Dimension sets: each inner array is one combination CloudWatch aggregates by, from the
   * built-in `ModelId`, `Provider`, `Operation` and your custom dimension names. At most 30 names
   * per set. Default `[["ModelId"]]`. `[[]]` publishes without dimensions.
   */
  dimensions?: string[][];
  /** Where the JSON lines go. Default standard output (what Lambda and the CloudWatch agent read). */
  output?: TextOutput;
  /** `1` for high-resolution (per-second) metrics, `60` (default) for standard resolution. */
  storageResolution?: 1 | 60;
  /**
   * `false` (default): one log line per record, with its request id, status, error type and custom
   * dimensions as searchable properties. `true`: records with the same dimension values share a
   * line whose metric values are arrays (up to 100 values each): fewer, smaller log events.
   */
  aggregate?: boolean;
  /** Flush once this many records are buffered. Default 100. */
  maxBufferedRecords?: number;
  /** Flush at most this long after a record arrives, in milliseconds. Default 1000; 0 writes at once. */
  flushIntervalMs?: number;
}

const NAMESPACE = /^[A-Za-z0-9._#:/\- ]{1,255}$/;

const optionsSchema = schemaFor<EmfSinkOptions>()(
  z
    .object({
      namespace: z
        .string()
        .regex(NAMESPACE, "must be 1 to 255 of A-Z a-z 0-9 . _ # : / - and space"),
      dimensions: z.array(z.array(z.string())).optional(),
      output: z
        .custom<TextOutput>(
          (v) =>
            typeof v === "object" && v !== null && typeof (v as TextOutput).write === "function",
          "must have a write(chunk) method",
        )
        .optional(),
      storageResolution: z.union([z.literal(1), z.literal(60)]).optional(),
      aggregate: z.boolean().optional(),
      maxBufferedRecords: z.int().min(1).max(100_000).optional(),
      flushIntervalMs: z.number().min(0).max(3_600_000).optional(),
    })
    .strict(),
);

/** EMF's limits: metric definitions per directive and values per metric. */
export const EMF_MAX_METRICS = 100;
/** Most values one EMF metric member may hold (an array). */
export const EMF_MAX_VALUES = 100;

/** One entry of an EMF `Metrics` array: names a member of the log event as a metric. */
export interface MetricDefinition {
  /** Name of the metric; the log event holds its value (or array of values) under this key. */
  Name: string;
  /** CloudWatch unit of the values, e.g. `Milliseconds` or `Count`. */
  Unit: CloudWatchUnit;
  /** `1` for high-resolution (1-second) storage; absent means standard 60-second resolution. */
  StorageResolution?: 1;
}

/** The root object of one EMF log event. */
export interface EmfDocument {
  /** The EMF metadata directive that tells CloudWatch Logs which members are metrics. */
  _aws: {
    /** Time of the metrics in epoch milliseconds (the earliest record's start time). */
    Timestamp: number;
    /** Metric directives; this sink always writes exactly one. */
    CloudWatchMetrics: {
      /** CloudWatch namespace the metrics are published under. */
      Namespace: string;
      /** Dimension sets: each inner array lists member names that together form one dimension set. */
      Dimensions: string[][];
      /** The metrics in this event, at most {@link EMF_MAX_METRICS}. */
      Metrics: MetricDefinition[];
    }[];
  };
  [member: string]: unknown;
}

/**
 * Writes records as CloudWatch Embedded Metric Format: one JSON object per line, which CloudWatch
 * Logs turns into metrics (in Lambda, or through the CloudWatch agent), with no API call on the
 * request path. Each object declares at most 100 metrics and at most 30 dimensions per dimension
 * set, as the specification requires; a record with more quality metrics is split over several
 * objects. Buffered lines are written when `maxBufferedRecords` is reached or `flushIntervalMs`
 * after the first buffered record, and on {@link EmfSink.flush} / {@link EmfSink.close}.
 *
 * Metrics: `Invocations`, `InvocationErrors`, `TimeToFirstToken` and `EndToEndLatency`
 * (Milliseconds), `OutputTokensPerSecond` and `EndToEndOutputTokensPerSecond` (Count/Second),
 * `InputTokens`, `OutputTokens`, `CacheReadInputTokens` and `CacheWriteInputTokens` (when the
 * model reported prompt-cache use), and each quality score.
 *
 * @example
 * ```ts
 * const emf = new EmfSink({ namespace: "MyApp/GenAI", dimensions: [["ModelId"], ["ModelId", "application"]] });
 * const monitored = instrument(model, { sinks: [emf], dimensions: { application: "support-bot" } });
 * ```
 */
export class EmfSink implements MetricSink {
  readonly #options: EmfSinkOptions;
  readonly #output: TextOutput;
  readonly #dimensionSets: string[][];
  readonly #dimensionNames: string[];
  #buffer: InvocationRecord[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: EmfSinkOptions) {
    this.#options = parseOptions(optionsSchema, options, "EmfSink options");
    this.#dimensionSets = this.#options.dimensions ?? [["ModelId"]];
    checkDimensionSets(this.#dimensionSets, "dimensions");
    this.#dimensionNames = [...new Set(this.#dimensionSets.flat())];
    this.#output = this.#options.output ?? defaultOutput();
  }

  /** Buffers a record; writes the buffer when it is full. */
  write(record: InvocationRecord): void {
    this.#buffer.push(record);
    const interval = this.#options.flushIntervalMs ?? 1000;
    if (this.#buffer.length >= (this.#options.maxBufferedRecords ?? 100) || interval === 0) {
      this.#writeBuffered();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#writeBuffered();
      }, interval);
      unrefTimer(this.#timer);
    }
  }

  /** Writes every buffered record now. */
  async flush(): Promise<void> {
    this.#writeBuffered();
  }

  /** Writes what is buffered and stops the timer. */
  async close(): Promise<void> {
    this.#writeBuffered();
  }

  /** The EMF objects for `records` (what a flush would write), for inspection and tests. */
  documents(records: readonly InvocationRecord[]): EmfDocument[] {
    return this.#options.aggregate
      ? this.#aggregated(records)
      : records.flatMap((r) => this.#single(r));
  }

  #writeBuffered(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#buffer.length === 0) return;
    const records = this.#buffer;
    this.#buffer = [];
    const lines = this.documents(records).map((doc) => JSON.stringify(doc));
    this.#output.write(`${lines.join("\n")}\n`);
  }

  #single(record: InvocationRecord): EmfDocument[] {
    const dims = dimensionValues(record, this.#dimensionNames);
    const properties: Record<string, unknown> = {
      ...record.dimensions,
      status: record.status,
      streaming: record.streaming,
    };
    if (record.errorType !== undefined) properties.errorType = record.errorType;
    if (record.requestId !== undefined) properties.requestId = record.requestId;
    if (record.stopReason !== undefined) properties.stopReason = record.stopReason;
    const values = cloudWatchValues(record).map((v) => ({ ...v, values: [v.value] }));
    return this.#documents(record.startTime, dims, values, properties);
  }

  #aggregated(records: readonly InvocationRecord[]): EmfDocument[] {
    const groups = new Map<
      string,
      {
        timestamp: number;
        dims: Record<string, string>;
        metrics: Map<string, CloudWatchValue & { values: number[] }>;
      }
    >();
    for (const record of records) {
      const dims = dimensionValues(record, this.#dimensionNames);
      const key = JSON.stringify(dims);
      let group = groups.get(key);
      if (!group) {
        group = { timestamp: record.startTime, dims, metrics: new Map() };
        groups.set(key, group);
      }
      group.timestamp = Math.min(group.timestamp, record.startTime);
      for (const value of cloudWatchValues(record)) {
        const metric = group.metrics.get(value.name);
        if (metric) metric.values.push(value.value);
        else group.metrics.set(value.name, { ...value, values: [value.value] });
      }
    }
    const docs: EmfDocument[] = [];
    for (const group of groups.values()) {
      docs.push(...this.#documents(group.timestamp, group.dims, [...group.metrics.values()], {}));
    }
    return docs;
  }

  /**
   * Lays metrics out over as many objects as the limits need: at most 100 metric definitions per
   * object, at most 100 values per metric member (longer series continue in the next object).
   */
  #documents(
    timestamp: number,
    dims: Record<string, string>,
    metrics: (CloudWatchValue & { values: number[] })[],
    properties: Record<string, unknown>,
  ): EmfDocument[] {
    const docs: EmfDocument[] = [];
    const pending = metrics.map((m) => ({ ...m, offset: 0 }));
    while (pending.some((m) => m.offset < m.values.length)) {
      const chunk = pending.filter((m) => m.offset < m.values.length).slice(0, EMF_MAX_METRICS);
      const doc: EmfDocument = {
        _aws: {
          Timestamp: Math.round(timestamp),
          CloudWatchMetrics: [
            {
              Namespace: this.#options.namespace,
              Dimensions: this.#dimensionSets.map((set) => [...set]),
              Metrics: chunk.map((m) => this.#definition(m.name, m.unit)),
            },
          ],
        },
      };
      // Properties first so that a dimension or metric of the same name wins.
      Object.assign(doc, properties, dims);
      for (const m of chunk) {
        const slice = m.values.slice(m.offset, m.offset + EMF_MAX_VALUES);
        m.offset += slice.length;
        doc[m.name] = slice.length === 1 ? slice[0] : slice;
      }
      docs.push(doc);
    }
    return docs;
  }

  #definition(name: string, unit: CloudWatchUnit): MetricDefinition {
    const definition: MetricDefinition = { Name: name, Unit: unit };
    if (this.#options.storageResolution === 1) definition.StorageResolution = 1;
    return definition;
  }
}
