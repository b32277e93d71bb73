/**
 * {@link CloudWatchSink}: records as CloudWatch metrics through the PutMetricData API.
 *
 * @module
 */
import type {
  CloudWatchClient,
  MetricDatum,
  PutMetricDataCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { z } from "zod";
import { type AwsClientConfig, awsCall, parseOptions } from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  cloudWatchSdk,
  lazyAwsClient,
  type SendsCommands,
  schemaFor,
} from "../core/internal.js";
import { checkDimensionSets, cloudWatchValues, dimensionValues } from "./cloudwatch-metrics.js";
import type { InvocationRecord } from "./record.js";
import type { MetricSink } from "./types.js";
import { unrefTimer } from "./writable.js";

/**
 * One CloudWatch `MetricDatum` as {@link CloudWatchSink.requests} shows it: the fields the sink
 * sets, named and typed as `@aws-sdk/client-cloudwatch` has them, spelled out so that fmops's
 * declarations import no optional peer.
 */
export interface CloudWatchDatum {
  /** The metric's name, e.g. `E2ELatency`. */
  MetricName: string | undefined;
  /** The unit, e.g. `Milliseconds`. */
  Unit?: string | undefined;
  /** The start of the period the values fall in. */
  Timestamp?: Date | undefined;
  /** The dimension values the metric is published under. */
  Dimensions?: { Name: string | undefined; Value: string | undefined }[] | undefined;
  /** `1` for high-resolution (one-second) storage. */
  StorageResolution?: number | undefined;
  /** The distinct values. */
  Values?: number[] | undefined;
  /** How many times each of `Values` occurred. */
  Counts?: number[] | undefined;
}

/** Options for {@link CloudWatchSink}. */
export interface CloudWatchSinkOptions extends AwsClientConfig {
  /** CloudWatch namespace, e.g. `MyApp/GenAI`. Must not start with `AWS/`. */
  namespace: string;
  /** A ready `CloudWatchClient`; preferred, so connections and credentials are shared. */
  client?: SendsCommands;
  /**
   * Dimension sets, as for the EMF sink: each is published as its own metric. Default
   * `[["ModelId"]]`. At most 30 names per set.
   */
  dimensions?: string[][];
  /** Publish high-resolution (1-second) metrics. Default false (1-minute). */
  highResolution?: boolean;
  /** Send once this many records are buffered. Default 1000. */
  maxBufferedRecords?: number;
  /** Send at most this long after a record arrives, in milliseconds. Default 10 000. */
  flushIntervalMs?: number;
  /** Reports failures of timer-driven sends (explicit `flush()` rejects instead). Default `console.warn`. */
  onError?: (error: unknown) => void;
}

const optionsSchema = schemaFor<CloudWatchSinkOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      namespace: z
        .string()
        .min(1)
        .max(255)
        .refine(
          (v) => !v.startsWith("AWS/"),
          "must not start with AWS/ (reserved for AWS services)",
        )
        .refine((v) => !v.startsWith(":"), "must not start with a colon"),
      client: awsClientSchema("CloudWatchClient").optional(),
      dimensions: z.array(z.array(z.string())).optional(),
      highResolution: z.boolean().optional(),
      maxBufferedRecords: z.int().min(1).max(1_000_000).optional(),
      flushIntervalMs: z.number().positive().max(3_600_000).optional(),
      onError: z
        .custom<(e: unknown) => void>((v) => typeof v === "function", "must be a function")
        .optional(),
    })
    .strict(),
);

/** PutMetricData limits: metrics per request, distinct values per datum, request bytes (we stay under 1 MB). */
export const PUT_METRIC_DATA_LIMITS = {
  /** Most metric datums in one PutMetricData request. */
  maxDatums: 1000,
  /** Most distinct values one datum's `Values`/`Counts` arrays may hold. */
  maxValues: 150,
  /** Request size budget in bytes of JSON, kept under the service's 1 MB payload limit. */
  maxBytes: 900_000,
} as const;

/**
 * Publishes records to CloudWatch with PutMetricData. Records are buffered and aggregated:
 * values of one metric, dimension set and period (1 s with `highResolution`, else 1 min) are sent
 * as one datum with `Values`/`Counts` (at most 150 distinct values each), so CloudWatch can still
 * compute percentiles. Requests stay within the API's limits (1000 datums, 1 MB).
 *
 * Prefer {@link EmfSink} inside Lambda or where a CloudWatch agent runs (no API calls, no
 * `cloudwatch:PutMetricData` permission needed); use this sink elsewhere.
 *
 * @example
 * ```ts
 * const sink = new CloudWatchSink({ namespace: "MyApp/GenAI", highResolution: true });
 * const monitored = instrument(model, { sinks: [sink] });
 * // on shutdown
 * await monitored.close();
 * ```
 */
export class CloudWatchSink implements MetricSink {
  readonly #options: CloudWatchSinkOptions;
  readonly #cloudWatch;
  /** The client this sink built (none until the first send, none when one was passed). */
  #ownClient: CloudWatchClient | undefined;
  readonly #sets: string[][];
  readonly #names: string[];
  #buffer: InvocationRecord[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sending: Promise<void> = Promise.resolve();

  constructor(options: CloudWatchSinkOptions) {
    this.#options = parseOptions(optionsSchema, options, "CloudWatchSink options");
    this.#sets = this.#options.dimensions ?? [["ModelId"]];
    checkDimensionSets(this.#sets, "dimensions");
    this.#names = [...new Set(this.#sets.flat())];
    const config = clientConfigFrom(this.#options);
    this.#cloudWatch = lazyAwsClient(
      cloudWatchSdk,
      "CloudWatchSink",
      // Typed structurally in the options (SendsCommands: no optional peer in fmops's declarations).
      this.#options.client as CloudWatchClient | undefined,
      (sdk) => {
        this.#ownClient = new sdk.CloudWatchClient(config);
        return this.#ownClient;
      },
    );
  }

  write(record: InvocationRecord): void {
    this.#buffer.push(record);
    if (this.#buffer.length >= (this.#options.maxBufferedRecords ?? 1000)) {
      this.#background();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#background(), this.#options.flushIntervalMs ?? 10_000);
      unrefTimer(this.#timer);
    }
  }

  /** Sends everything buffered; rejects with the wrapped AWS error if a request fails. */
  async flush(): Promise<void> {
    await this.#send();
  }

  /** Sends what is buffered and releases the client if this sink created it. */
  async close(): Promise<void> {
    try {
      await this.#send();
    } finally {
      this.#ownClient?.destroy();
    }
  }

  /** The PutMetricData inputs a flush of `records` would send (for inspection and tests). */
  requests(records: readonly InvocationRecord[]): {
    /** The sink's CloudWatch namespace. */
    Namespace: string;
    /** The aggregated datums of this request, within PutMetricData's request limits. */
    MetricData: CloudWatchDatum[];
  }[] {
    return batch(this.#datums(records)).map((MetricData) => ({
      Namespace: this.#options.namespace,
      MetricData,
    }));
  }

  #background(): void {
    this.#send().catch((error: unknown) => {
      if (this.#options.onError) this.#options.onError(error);
      else
        console.warn(
          `fmops CloudWatchSink: ${error instanceof Error ? error.message : String(error)}`,
        );
    });
  }

  #send(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const records = this.#buffer;
    this.#buffer = [];
    // One send at a time, in order; a failed send does not stop the next.
    const next = this.#sending
      .catch(() => {})
      .then(async () => {
        const inputs = this.requests(records);
        if (inputs.length === 0) return;
        const { sdk, client } = await this.#cloudWatch();
        for (const input of inputs) {
          await awsCall(
            {
              service: "CloudWatch",
              operation: "PutMetricData",
              iamAction: "cloudwatch:PutMetricData",
            },
            // requests() shows its datums as CloudWatchDatum; #datums built them as MetricDatum.
            () => client.send(new sdk.PutMetricDataCommand(input as PutMetricDataCommandInput)),
          );
        }
      });
    this.#sending = next;
    return next;
  }

  #datums(records: readonly InvocationRecord[]): MetricDatum[] {
    const period = this.#options.highResolution ? 1000 : 60_000;
    const groups = new Map<string, { datum: MetricDatum; counts: Map<number, number> }[]>();
    const order: string[] = [];
    for (const record of records) {
      const dims = dimensionValues(record, this.#names);
      const timestamp = Math.floor(record.startTime / period) * period;
      for (const value of cloudWatchValues(record)) {
        for (const set of this.#sets) {
          const key = JSON.stringify([value.name, set.map((n) => dims[n]), set, timestamp]);
          let chain = groups.get(key);
          if (!chain) {
            chain = [];
            groups.set(key, chain);
            order.push(key);
          }
          let last = chain[chain.length - 1];
          // A datum holds at most 150 distinct values; start another when full.
          if (
            !last ||
            (!last.counts.has(value.value) && last.counts.size >= PUT_METRIC_DATA_LIMITS.maxValues)
          ) {
            const datum: MetricDatum = {
              MetricName: value.name,
              Unit: value.unit,
              Timestamp: new Date(timestamp),
              Dimensions: set.map((Name) => ({ Name, Value: dims[Name] as string })),
            };
            if (this.#options.highResolution) datum.StorageResolution = 1;
            last = { datum, counts: new Map() };
            chain.push(last);
          }
          last.counts.set(value.value, (last.counts.get(value.value) ?? 0) + 1);
        }
      }
    }
    const datums: MetricDatum[] = [];
    for (const key of order) {
      for (const { datum, counts } of groups.get(key) ?? []) {
        datum.Values = [...counts.keys()];
        datum.Counts = [...counts.values()];
        datums.push(datum);
      }
    }
    return datums;
  }
}

/** Cuts datums into requests of at most 1000 datums and about 900 kB of JSON each. */
function batch(datums: MetricDatum[]): MetricDatum[][] {
  const batches: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = 0;
  for (const datum of datums) {
    const size = JSON.stringify(datum).length + 1;
    if (
      current.length > 0 &&
      (current.length >= PUT_METRIC_DATA_LIMITS.maxDatums ||
        bytes + size > PUT_METRIC_DATA_LIMITS.maxBytes)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(datum);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
