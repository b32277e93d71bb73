/**
 * {@link OtelSink}: records as OpenTelemetry metrics named by the GenAI semantic conventions.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";
import { loadOptional, rejectUnknownOptions } from "../core/internal.js";
import { VERSION } from "../version.js";
import type { InvocationRecord } from "./record.js";
import type { MetricSink } from "./types.js";

/** The GenAI semantic-convention metric and attribute names {@link OtelSink} uses. */
export const GEN_AI = {
  /** Histogram of end-to-end call duration, in seconds. */
  operationDuration: "gen_ai.client.operation.duration",
  /** Histogram of input and output token counts per call, split by `gen_ai.token.type`. */
  tokenUsage: "gen_ai.client.token.usage",
  /** Histogram of time to the first streamed chunk, in seconds. */
  timeToFirstChunk: "gen_ai.client.operation.time_to_first_chunk",
  /** Histogram of the time between consecutive streamed chunks after the first, in seconds. */
  timePerOutputChunk: "gen_ai.client.operation.time_per_output_chunk",
  /**
   * Attribute: the operation: `chat` for chat calls, `generate_content` for image generation (the
   * conventions name no image operation; theirs for multimodal content generation is the closest).
   */
  operationName: "gen_ai.operation.name",
  /** Attribute on image generation: `image`, the conventions' value for the content requested. */
  outputType: "gen_ai.output.type",
  /** Attribute: who serves the model, e.g. `aws.bedrock`. */
  providerName: "gen_ai.provider.name",
  /** Attribute: the model id as sent to the service (without the fmops prefix). */
  requestModel: "gen_ai.request.model",
  /** Attribute on token usage: `input` or `output`. */
  tokenType: "gen_ai.token.type",
  /** Attribute on failed calls: the error code, or the status (`aborted`, `cancelled`). */
  errorType: "error.type",
} as const;

// The conventions' advised bucket boundaries for durations (seconds) and token counts.
const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];

/** The attributes of one measurement: string, number or boolean values by name. */
export type OtelAttributes = Record<string, string | number | boolean | undefined>;

/** The part of an OpenTelemetry `Histogram` the sink uses. */
export interface OtelHistogram {
  /** Records one value with its attributes. */
  record(value: number, attributes?: OtelAttributes): void;
}

/**
 * The part of an OpenTelemetry `Meter` the sink uses. A `Meter` from `@opentelemetry/api` is
 * one; it is spelled out here so that fmops's declarations import no optional peer (a TypeScript
 * user without `@opentelemetry/api` would otherwise get error TS2307 from `fmops/monitoring`).
 */
export interface OtelMeter {
  /** Creates a histogram instrument. */
  createHistogram(
    name: string,
    options?: {
      /** What the histogram measures. */
      description?: string;
      /** The unit, e.g. `s` or `{token}`. */
      unit?: string;
      /** Advice to the SDK, e.g. explicit bucket boundaries. */
      advice?: { explicitBucketBoundaries?: number[] };
    },
  ): OtelHistogram;
}

/** Options for {@link OtelSink}. */
export interface OtelSinkOptions {
  /** The meter to record with, e.g. `metrics.getMeter("my-app")` from `@opentelemetry/api`. */
  meter: OtelMeter;
  /**
   * Also record `fmops.client.output_tokens_per_second`, the prompt-cache token histograms and
   * quality scores as `fmops.quality.<name>`. Default true.
   */
  extraMetrics?: boolean;
}

// Typed by the interface, so the compiler keeps this list and the interface in step.
const KNOWN_OPTIONS: Record<keyof OtelSinkOptions, true> = { meter: true, extraMetrics: true };

/**
 * Records each call on OpenTelemetry histograms named by the GenAI semantic conventions:
 *
 * - `gen_ai.client.operation.duration` (s): every call, with `error.type` on failures;
 * - `gen_ai.client.token.usage` ({token}): input and output counts, `gen_ai.token.type`
 *   `input` / `output`; none for a failed call whose usage is unknown (an output count of 0
 *   on a call that did not end `ok`), as the conventions ask;
 * - `gen_ai.client.operation.time_to_first_chunk` (s): streaming calls that produced text;
 * - `gen_ai.client.operation.time_per_output_chunk` (s): one value per streamed chunk after the
 *   first, the time since the chunk before it (the record's `chunkGapsMs`);
 * - `fmops.client.output_tokens_per_second` ({token}/s), `fmops.client.cache_read.input_tokens`
 *   and `fmops.client.cache_creation.input_tokens` ({token}: prompt-cache reads and writes, named
 *   after the conventions' `gen_ai.usage.cache_*` attributes, since their token histogram takes
 *   only `input` and `output`), and `fmops.quality.<score>` for quality modules (fmops names: the
 *   conventions define no metrics for these).
 *
 * Attributes: `gen_ai.operation.name` (`chat`; `generate_content` with `gen_ai.output.type`
 * `image` for image generation records), `gen_ai.provider.name` (`aws.bedrock`;
 * `aws.sagemaker` for SageMaker, a custom value since the conventions list no SageMaker
 * provider), `gen_ai.request.model` (the model or endpoint id without the fmops prefix), and the
 * record's custom dimensions. Export goes through your SDK's exporters; the sink never blocks.
 *
 * `@opentelemetry/api` is an optional peer dependency: install it to use this sink.
 *
 * @example
 * ```ts
 * import { metrics } from "@opentelemetry/api";
 * const otel = new OtelSink({ meter: metrics.getMeter("support-bot") });
 * // or, with the global meter provider:
 * const otel2 = await OtelSink.fromGlobal();
 * ```
 */
export class OtelSink implements MetricSink {
  readonly #duration: OtelHistogram;
  readonly #tokens: OtelHistogram;
  readonly #ttfc: OtelHistogram;
  readonly #tpoc: OtelHistogram;
  readonly #otps: OtelHistogram | undefined;
  readonly #cacheRead: OtelHistogram | undefined;
  readonly #cacheWrite: OtelHistogram | undefined;
  readonly #meter: OtelMeter;
  readonly #quality = new Map<string, OtelHistogram>();
  readonly #extra: boolean;

  constructor(options: OtelSinkOptions) {
    rejectUnknownOptions(options, KNOWN_OPTIONS, "OtelSink options");
    const meter = options?.meter;
    if (typeof meter?.createHistogram !== "function") {
      throw new ValidationError(
        'OtelSink needs a meter: pass { meter: metrics.getMeter("my-app") } from @opentelemetry/api, or use OtelSink.fromGlobal().',
        [{ path: "meter", message: "must be an OpenTelemetry Meter" }],
      );
    }
    this.#meter = meter;
    this.#extra = options.extraMetrics ?? true;
    this.#duration = meter.createHistogram(GEN_AI.operationDuration, {
      description: "GenAI operation duration.",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.#tokens = meter.createHistogram(GEN_AI.tokenUsage, {
      description: "Number of input and output tokens used.",
      unit: "{token}",
      advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
    });
    this.#ttfc = meter.createHistogram(GEN_AI.timeToFirstChunk, {
      description: "Time to receive the first chunk of a streamed response.",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.#tpoc = meter.createHistogram(GEN_AI.timePerOutputChunk, {
      description: "Time between consecutive chunks of a streamed response, after the first.",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.#otps = this.#extra
      ? meter.createHistogram("fmops.client.output_tokens_per_second", {
          description: "Output tokens per second after the first token (decode speed).",
          unit: "{token}/s",
        })
      : undefined;
    const tokens = (name: string, description: string) =>
      this.#extra
        ? meter.createHistogram(name, {
            description,
            unit: "{token}",
            advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
          })
        : undefined;
    this.#cacheRead = tokens(
      "fmops.client.cache_read.input_tokens",
      "Input tokens served from the provider's prompt cache.",
    );
    this.#cacheWrite = tokens(
      "fmops.client.cache_creation.input_tokens",
      "Input tokens written to the provider's prompt cache.",
    );
  }

  /** An OtelSink on the global meter provider's `fmops` meter; loads `@opentelemetry/api` lazily. */
  static async fromGlobal(options: Omit<OtelSinkOptions, "meter"> = {}): Promise<OtelSink> {
    const api = await loadOptional<typeof import("@opentelemetry/api")>(
      "@opentelemetry/api",
      "OtelSink",
    );
    return new OtelSink({ ...options, meter: api.metrics.getMeter("fmops", VERSION) });
  }

  write(record: InvocationRecord): void {
    const attributes: OtelAttributes = {
      ...record.dimensions,
      [GEN_AI.operationName]: record.operation === "image" ? "generate_content" : "chat",
      [GEN_AI.providerName]: record.provider,
      [GEN_AI.requestModel]: requestModel(record.modelId),
    };
    if (record.operation === "image") attributes[GEN_AI.outputType] = "image";
    if (record.errorType !== undefined) attributes[GEN_AI.errorType] = record.errorType;
    else if (record.status !== "ok") attributes[GEN_AI.errorType] = record.status;
    this.#duration.record(record.e2eMs / 1000, attributes);
    if (record.inputTokens !== undefined) {
      this.#tokens.record(record.inputTokens, { ...attributes, [GEN_AI.tokenType]: "input" });
    }
    // The conventions ask not to report usage that could not be obtained: a call that failed
    // before its first chunk carries an output count of 0 that measures nothing. A partial
    // stream's positive count is real usage and is kept, with its error.type.
    const output = record.outputTokens;
    if (output !== undefined && (record.status === "ok" || output > 0)) {
      this.#tokens.record(output, {
        ...attributes,
        [GEN_AI.tokenType]: "output",
      });
    }
    if (record.streaming && record.ttftMs !== undefined)
      this.#ttfc.record(record.ttftMs / 1000, attributes);
    if (record.streaming && record.chunkGapsMs !== undefined) {
      for (const gapMs of record.chunkGapsMs) this.#tpoc.record(gapMs / 1000, attributes);
    }
    if (!this.#extra) return;
    if (record.otps !== undefined) this.#otps?.record(record.otps, attributes);
    if (record.cacheReadTokens !== undefined)
      this.#cacheRead?.record(record.cacheReadTokens, attributes);
    if (record.cacheWriteTokens !== undefined)
      this.#cacheWrite?.record(record.cacheWriteTokens, attributes);
    for (const [name, value] of Object.entries(record.metrics)) {
      let histogram = this.#quality.get(name);
      if (!histogram) {
        histogram = this.#meter.createHistogram(`fmops.quality.${snake(name)}`, {
          description: `Quality score ${name} from an fmops metric module.`,
        });
        this.#quality.set(name, histogram);
      }
      histogram.record(value, attributes);
    }
  }
}

/** The model as the service knows it: the fmops id without its `bedrock:` / `sagemaker:` prefix. */
function requestModel(modelId: string): string {
  const at = modelId.indexOf(":");
  const prefix = at === -1 ? "" : modelId.slice(0, at);
  return ["bedrock", "sagemaker", "openai-compatible", "openai"].includes(prefix)
    ? modelId.slice(at + 1)
    : modelId;
}

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}
