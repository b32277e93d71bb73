/**
 * {@link instrument}: a {@link ChatModel} that records every call it passes through.
 *
 * @module
 */
import { z } from "zod";
import {
  type ChatRequest,
  type ChatResponse,
  parseOptions,
  ValidationError,
} from "../core/index.js";
import { messageText, schemaFor } from "../core/internal.js";
import type { CallOptions, ChatModel, ImageModel, StructuredOutputMode } from "../models/index.js";
import type { TokenStream } from "../streaming/index.js";
import { type CallPrices, callPricesSchema } from "./call-cost.js";
import { type MonitorClock, systemClock } from "./clock.js";
import {
  type InstrumentedImageModel,
  type InstrumentImageOptions,
  instrumentImageModel,
  isImageModel,
} from "./instrument-image.js";
import {
  type MeasuredCall,
  type MeasureOptions,
  measureGenerate,
  measureStream,
} from "./measure.js";
import type { InvocationRecord } from "./record.js";
import { metricSinksSchema, monitorClockSchema, RecordDelivery } from "./record-delivery.js";
import type { MetricModule, MetricSink } from "./types.js";

/** Where a background failure happened. */
export interface MonitoringErrorContext {
  /** `metric` (a metric module threw) or `sink` (a sink's write or flush failed). */
  stage: "metric" | "sink";
  /** The module's name, or the sink's index in `sinks`. */
  name: string;
  /** The record being processed. */
  record?: InvocationRecord;
}

/** Options for {@link instrument}. */
export interface InstrumentOptions {
  /** Where records go. Default none (use `onRecord` or a {@link MemorySink}). */
  sinks?: MetricSink[];
  /** Quality metric modules run after each sampled call. */
  metrics?: MetricModule[];
  /** Custom dimensions added to every record (application, tenant, config name...). */
  dimensions?: Record<string, string>;
  /**
   * Fraction of calls, between 0 and 1, on which the metric modules run (they may call an
   * embedding model or Comprehend, which costs money). Latency records are always kept, so error
   * rates stay exact. Default 1.
   */
  sampleRate?: number;
  /** Overrides the provider derived from the model id (`gen_ai.provider.name`). */
  provider?: string;
  /** Most calls whose metric modules may be pending; past it, scoring is skipped. Default 1000. */
  maxPending?: number;
  /** Time limit for the metric modules of one call, in milliseconds. Default 30 000. */
  metricTimeoutMs?: number;
  /** Called with each finished record, after the metric modules ran. Must not throw. */
  onRecord?: (record: InvocationRecord) => void;
  /** Reports background failures (metric modules, sinks). Default: one `console.warn` per source. */
  onError?: (error: unknown, context: MonitoringErrorContext) => void;
  /**
   * Prices that give every record a `cost` (token prices, instance-hour prices); see
   * `callCost`. Default: no cost on the records.
   */
  prices?: CallPrices;
  /** Clock; default the system's monotonic clock. */
  clock?: MonitorClock;
  /** Random numbers in [0, 1) for sampling; replaceable in tests. Default `Math.random`. */
  random?: () => number;
}

const fn = (v: unknown) => typeof v === "function";

const optionsSchema = schemaFor<InstrumentOptions>()(
  z
    .object({
      sinks: metricSinksSchema,
      metrics: z
        .array(
          z.custom<MetricModule>(
            (v) =>
              typeof v === "object" &&
              v !== null &&
              typeof (v as MetricModule).name === "string" &&
              fn((v as MetricModule).evaluate),
            "must be a MetricModule (name and evaluate)",
          ),
        )
        .optional(),
      dimensions: z.record(z.string().min(1), z.string()).optional(),
      sampleRate: z.number().min(0).max(1).optional(),
      provider: z.string().min(1).optional(),
      maxPending: z.int().min(1).max(1_000_000).optional(),
      metricTimeoutMs: z.number().positive().max(3_600_000).optional(),
      onRecord: z.custom<(r: InvocationRecord) => void>(fn, "must be a function").optional(),
      onError: z.custom<InstrumentOptions["onError"]>(fn, "must be a function").optional(),
      prices: callPricesSchema.optional(),
      clock: monitorClockSchema,
      random: z.custom<() => number>(fn, "must be a function").optional(),
    })
    .strict(),
);

/** A {@link ChatModel} returned by {@link instrument}, with ways to wait for its records. */
export interface InstrumentedChatModel extends ChatModel {
  /** The wrapped model. */
  readonly model: ChatModel;
  /** Calls whose scoring was skipped because `maxPending` calls were already being scored. */
  readonly skipped: number;
  /** Waits until every finished call is scored and written, then flushes every sink. */
  flush(): Promise<void>;
  /** Flushes, then closes every sink. */
  close(): Promise<void>;
}

function lastUserMessage(request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role === "user") return messageText(message);
  }
  return "";
}

/**
 * Wraps `model` so that every `generate` and `stream` call produces an {@link InvocationRecord}
 * (TTFT, end to end, both OTPS figures, tokens, status, error type) sent to `sinks`.
 *
 * The wrapper changes nothing the caller sees: same answers, same deltas, same errors, same
 * cancellation. Recording is synchronous arithmetic; metric modules and sinks run afterwards on
 * a later task, and their failures go to `onError`, never to the caller.
 *
 * @example
 * ```ts
 * const monitored = instrument(new BedrockChatModel({ modelId }), {
 *   sinks: [new EmfSink({ namespace: "MyApp/GenAI" })],
 *   metrics: [semanticSimilarity({ embeddings })],
 *   dimensions: { application: "support-bot" },
 *   sampleRate: 0.1,
 * });
 * const answer = await monitored.generate({ messages: [{ role: "user", content: "Hi" }] });
 * ```
 */
export function instrument(model: ChatModel, options?: InstrumentOptions): InstrumentedChatModel;
/** An image model is wrapped too: one record per `generate` call. */
export function instrument(
  model: ImageModel,
  options?: InstrumentImageOptions,
): InstrumentedImageModel;
export function instrument(
  model: ChatModel | ImageModel,
  options: InstrumentOptions | InstrumentImageOptions = {},
): InstrumentedChatModel | InstrumentedImageModel {
  if (isImageModel(model)) return instrumentImageModel(model, options as InstrumentImageOptions);
  const parsed = parseOptions(optionsSchema, options, "instrument options");
  if (typeof model !== "object" || model === null || !fn(model.generate) || !fn(model.stream)) {
    throw new ValidationError(
      "instrument needs a ChatModel (an object with generate and stream methods).",
      [{ path: "model", message: "must be a ChatModel" }],
    );
  }
  return new Instrumented(model, parsed);
}

class Instrumented implements InstrumentedChatModel {
  readonly model: ChatModel;
  readonly #options: InstrumentOptions;
  readonly #modules: MetricModule[];
  readonly #clock: MonitorClock;
  readonly #random: () => number;
  readonly #delivery: RecordDelivery;
  #scoring = 0;
  #skipped = 0;

  constructor(model: ChatModel, options: InstrumentOptions) {
    this.model = model;
    this.#options = options;
    this.#modules = options.metrics ?? [];
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#delivery = new RecordDelivery(options);
  }

  get id(): string {
    return this.model.id;
  }

  /** The wrapped model's, so that `generateObject` and `runTools` ask it the way they ask the model. */
  get supportsTools(): boolean | undefined {
    return this.model.supportsTools;
  }

  /** The wrapped model's `structuredOutput`. */
  get structuredOutput(): StructuredOutputMode | undefined {
    return this.model.structuredOutput;
  }

  get skipped(): number {
    return this.#skipped;
  }

  generate(request: ChatRequest, options?: CallOptions): Promise<ChatResponse> {
    return measureGenerate(
      () => this.model.generate(request, options),
      this.#measureOptions(request, options),
    );
  }

  stream(request: ChatRequest, options?: CallOptions): TokenStream {
    return measureStream(
      this.model.stream(request, options),
      this.#measureOptions(request, options),
    );
  }

  async flush(): Promise<void> {
    // A stream closed by a consumer's break reports a task later: let that land first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await this.#delivery.flush();
  }

  close(): Promise<void> {
    return this.#delivery.close();
  }

  #measureOptions(request: ChatRequest, options: CallOptions | undefined): MeasureOptions {
    const measure: MeasureOptions = {
      modelId: this.model.id,
      clock: this.#clock,
      signal: options?.signal,
      onEnd: (call) => this.#schedule(request, call),
    };
    if (this.#options.provider !== undefined) measure.provider = this.#options.provider;
    if (this.#options.dimensions !== undefined) measure.dimensions = this.#options.dimensions;
    return measure;
  }

  /** Queues the slow part (scoring, sinks) behind the caller's continuation. */
  #schedule(request: ChatRequest, call: MeasuredCall): void {
    const score =
      this.#modules.length > 0 && (this.#options.sampleRate ?? 1) > this.#random() && this.#admit();
    // setTimeout(0) rather than a microtask: the caller's own continuation runs first.
    this.#delivery.track(
      new Promise<void>((resolve) => setTimeout(resolve, 0))
        .then(() => (score ? this.#score(request, call) : undefined))
        .then(() => this.#delivery.emit(call.record))
        .finally(() => {
          if (score) this.#scoring--;
        }),
    );
  }

  #admit(): boolean {
    if (this.#scoring >= (this.#options.maxPending ?? 1000)) {
      this.#skipped++;
      return false;
    }
    this.#scoring++;
    return true;
  }

  async #score(request: ChatRequest, call: MeasuredCall): Promise<void> {
    const signal = AbortSignal.timeout(this.#options.metricTimeoutMs ?? 30_000);
    const input = {
      prompt: lastUserMessage(request),
      request,
      completion: call.completion,
      record: call.record,
    };
    const results = await Promise.allSettled(
      this.#modules.map((module) =>
        Promise.resolve().then(() => module.evaluate(input, { signal })),
      ),
    );
    results.forEach((result, i) => {
      const module = this.#modules[i] as MetricModule;
      if (result.status === "rejected") {
        this.#delivery.report(result.reason, {
          stage: "metric",
          name: module.name,
          record: call.record,
        });
        return;
      }
      for (const [key, value] of Object.entries(result.value ?? {})) {
        if (typeof value === "number" && Number.isFinite(value)) call.record.metrics[key] = value;
      }
    });
  }
}
