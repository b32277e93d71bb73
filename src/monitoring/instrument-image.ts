/**
 * {@link instrumentImageModel}: an {@link ImageModel} that records every call it passes through:
 * latency of the call and per image, the image count, and failures.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions, ValidationError } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import type { CallOptions, ImageModel, ImageRequest, ImageResult } from "../models/index.js";
import { type CallPrices, callPricesSchema } from "./call-cost.js";
import { type MonitorClock, systemClock } from "./clock.js";
import type { MonitoringErrorContext } from "./instrument.js";
import {
  errorTypeOf,
  type InvocationRecord,
  type InvocationStatus,
  isAbort,
  providerOf,
} from "./record.js";
import { metricSinksSchema, monitorClockSchema, RecordDelivery } from "./record-delivery.js";
import type { MetricSink } from "./types.js";

/** Options for {@link instrumentImageModel} (and `instrument()` given an image model). */
export interface InstrumentImageOptions {
  /** Where records go. Default none (use `onRecord` or a `MemorySink`). */
  sinks?: MetricSink[];
  /** Custom dimensions added to every record (application, tenant, config name...). */
  dimensions?: Record<string, string>;
  /** Overrides the provider derived from the model id (`gen_ai.provider.name`). */
  provider?: string;
  /** Called with each finished record. Must not throw. */
  onRecord?: (record: InvocationRecord) => void;
  /** Reports sink failures. Default: one `console.warn` per sink. */
  onError?: (error: unknown, context: MonitoringErrorContext) => void;
  /** Prices that give every record a `cost`, e.g. `{ perImage: 0.04 }`; see `callCost`. */
  prices?: CallPrices;
  /** Clock; default the system's monotonic clock. */
  clock?: MonitorClock;
}

const fn = (v: unknown) => typeof v === "function";

const optionsSchema = schemaFor<InstrumentImageOptions>()(
  z
    .object({
      sinks: metricSinksSchema,
      dimensions: z.record(z.string().min(1), z.string()).optional(),
      provider: z.string().min(1).optional(),
      onRecord: z.custom<(r: InvocationRecord) => void>(fn, "must be a function").optional(),
      onError: z.custom<InstrumentImageOptions["onError"]>(fn, "must be a function").optional(),
      prices: callPricesSchema.optional(),
      clock: monitorClockSchema,
    })
    .strict(),
);

/** The {@link ImageModel} `instrument(imageModel)` returns, with ways to wait for its records. */
export interface InstrumentedImageModel extends ImageModel {
  /** The wrapped model. */
  readonly model: ImageModel;
  /** Waits until every finished call is written, then flushes every sink. */
  flush(): Promise<void>;
  /** Flushes, then closes every sink. */
  close(): Promise<void>;
}

/** Whether `value` looks like an {@link ImageModel} (a `generate` method and a `tasks` list). */
export function isImageModel(value: unknown): value is ImageModel {
  return (
    typeof value === "object" &&
    value !== null &&
    fn((value as ImageModel).generate) &&
    Array.isArray((value as ImageModel).tasks) &&
    !fn((value as { stream?: unknown }).stream)
  );
}

/**
 * Wraps an image model so that every `generate` call produces an {@link InvocationRecord} with
 * `operation: "image"`: `e2eMs`, `images` (how many came back), `msPerImage`, the status, and on
 * failure the error's code and AWS request id. Refusals (`IMAGE_CONTENT_FILTERED`), validation
 * errors and timeouts are recorded as errors with their code; an abort through the caller's
 * signal is `aborted`. The caller sees the same images, errors and cancellation as without it.
 *
 * @example
 * ```ts
 * const memory = new MemorySink();
 * const canvas = instrumentImageModel(new BedrockImageModel({ modelId: "amazon.nova-canvas-v1:0" }), {
 *   sinks: [memory],
 *   dimensions: { application: "poster-maker" },
 * });
 * await canvas.generate({ prompt: "a poster", count: 3 });
 * await canvas.flush(); // memory.records[0].msPerImage
 * ```
 */
export function instrumentImageModel(
  model: ImageModel,
  options: InstrumentImageOptions = {},
): InstrumentedImageModel {
  // Metric modules score text answers, so `metrics` (and sampling) are not options here.
  const parsed = parseOptions(optionsSchema, options, "image instrument options");
  if (!isImageModel(model)) {
    throw new ValidationError(
      "instrumentImageModel needs an ImageModel (an object with generate and tasks).",
      [{ path: "model", message: "must be an ImageModel" }],
    );
  }
  return new InstrumentedImage(model, parsed);
}

class InstrumentedImage implements InstrumentedImageModel {
  readonly model: ImageModel;
  readonly #options: InstrumentImageOptions;
  readonly #clock: MonitorClock;
  readonly #delivery: RecordDelivery;

  constructor(model: ImageModel, options: InstrumentImageOptions) {
    this.model = model;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#delivery = new RecordDelivery(options);
  }

  get id(): string {
    return this.model.id;
  }

  get tasks() {
    return this.model.tasks;
  }

  async generate(request: ImageRequest, options?: CallOptions): Promise<ImageResult> {
    const startTime = this.#clock.epochMs();
    const startedAt = this.#clock.now();
    try {
      const result = await this.model.generate(request, options);
      this.#finish(this.#record("ok", startTime, startedAt, result.images.length));
      return result;
    } catch (error) {
      const status: InvocationStatus = isAbort(error, options?.signal) ? "aborted" : "error";
      const record = this.#record(status, startTime, startedAt, 0);
      record.errorType = errorTypeOf(error);
      const requestId = (error as { details?: { requestId?: unknown } } | undefined)?.details
        ?.requestId;
      if (typeof requestId === "string") record.requestId = requestId;
      this.#finish(record);
      throw error;
    }
  }

  flush(): Promise<void> {
    return this.#delivery.flush();
  }

  close(): Promise<void> {
    return this.#delivery.close();
  }

  #record(
    status: InvocationStatus,
    startTime: number,
    startedAt: number,
    images: number,
  ): InvocationRecord {
    const e2eMs = Math.max(0, this.#clock.now() - startedAt);
    const record: InvocationRecord = {
      modelId: this.model.id,
      provider: this.#options.provider ?? providerOf(this.model.id),
      operation: "image",
      streaming: false,
      startTime,
      status,
      e2eMs,
      dimensions: { ...this.#options.dimensions },
      metrics: {},
    };
    if (status === "ok") {
      record.images = images;
      if (images > 0) record.msPerImage = e2eMs / images;
    }
    return record;
  }

  /** Hands the record to `onRecord` and the sinks on a later task, off the caller's path. */
  #finish(record: InvocationRecord): void {
    this.#delivery.track(
      new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() =>
        this.#delivery.emit(record),
      ),
    );
  }
}
