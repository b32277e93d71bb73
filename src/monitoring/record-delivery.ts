/**
 * What every instrumented model does with its finished records, whatever it wraps (chat or
 * image): price them, hand them to `onRecord` and the sinks off the caller's path, wait for them
 * on `flush()`, and report a failing sink once instead of throwing at the caller. Also the option
 * schemas those shared options are checked with.
 *
 * @module
 */
import { z } from "zod";
import { type CallPrices, pricedCost } from "./call-cost.js";
import type { MonitorClock } from "./clock.js";
import type { MonitoringErrorContext } from "./instrument.js";
import type { InvocationRecord } from "./record.js";
import type { MetricSink } from "./types.js";

const fn = (v: unknown) => typeof v === "function";

/** Option schema for `sinks`: objects with a `write` method. */
export const metricSinksSchema = z
  .array(
    z.custom<MetricSink>(
      (v) => typeof v === "object" && v !== null && fn((v as MetricSink).write),
      "must be a MetricSink (an object with a write method)",
    ),
  )
  .optional();

/** Option schema for `clock`: an object with `now()` and `epochMs()`. */
export const monitorClockSchema = z
  .custom<MonitorClock>(
    (v) =>
      typeof v === "object" &&
      v !== null &&
      fn((v as MonitorClock).now) &&
      fn((v as MonitorClock).epochMs),
    "must have now() and epochMs()",
  )
  .optional();

/** The options {@link RecordDelivery} acts on, as the instrument functions take them. */
export interface RecordDeliveryOptions {
  sinks?: MetricSink[];
  onRecord?: (record: InvocationRecord) => void;
  onError?: (error: unknown, context: MonitoringErrorContext) => void;
  prices?: CallPrices;
}

/**
 * Delivers an instrumented model's records. Nothing it does throws at the model's caller: a
 * failing `onRecord` or sink goes to `onError`, or without one to a single `console.warn` per
 * failing source.
 */
export class RecordDelivery {
  readonly #options: RecordDeliveryOptions;
  readonly #sinks: MetricSink[];
  readonly #pending = new Set<Promise<void>>();
  readonly #warned = new Set<string>();

  constructor(options: RecordDeliveryOptions) {
    this.#options = options;
    this.#sinks = options.sinks ?? [];
  }

  /** Keeps `task` (a record on its way to the sinks) until it settles, for {@link flush}. */
  track(task: Promise<void>): void {
    const tracked = task.finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  /** Waits for every tracked task, including ones added meanwhile, then flushes every sink. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    await Promise.all(
      this.#sinks.map((sink, i) =>
        sink
          .flush?.()
          .catch((error: unknown) => this.report(error, { stage: "sink", name: String(i) })),
      ),
    );
  }

  /** Flushes, then closes every sink. */
  async close(): Promise<void> {
    await this.flush();
    await Promise.all(
      this.#sinks.map((sink, i) =>
        sink
          .close?.()
          .catch((error: unknown) => this.report(error, { stage: "sink", name: String(i) })),
      ),
    );
  }

  /** Prices `record` (when `prices` is set), then hands it to `onRecord` and every sink. */
  async emit(record: InvocationRecord): Promise<void> {
    if (this.#options.prices) record.cost = pricedCost(record, this.#options.prices);
    try {
      this.#options.onRecord?.(record);
    } catch (error) {
      this.report(error, { stage: "sink", name: "onRecord", record });
    }
    await Promise.all(
      this.#sinks.map(async (sink, i) => {
        try {
          await sink.write(record);
        } catch (error) {
          this.report(error, { stage: "sink", name: String(i), record });
        }
      }),
    );
  }

  /** Sends a background failure to `onError`, or warns once per failing source without one. */
  report(error: unknown, context: MonitoringErrorContext): void {
    if (this.#options.onError) {
      try {
        this.#options.onError(error, context);
      } catch {
        // A failing error handler has nowhere left to report to.
      }
      return;
    }
    const key = `${context.stage}:${context.name}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    const message = error instanceof Error ? error.message : String(error);
    console.warn(
      `fmops monitoring: ${context.stage} ${context.name} failed (further failures of it are not shown): ${message}`,
    );
  }
}
