/**
 * {@link InvocationRecord}: what monitoring keeps about one model call, and the pure arithmetic
 * that turns timings into TTFT, end-to-end latency and the two output-tokens-per-second figures.
 *
 * @module
 */
import type { ChatResponse } from "../core/index.js";
import { isFmopsError } from "../core/index.js";

/** How a call ended. */
export type InvocationStatus =
  /** The model answered completely. */
  | "ok"
  /** The call failed (service error, timeout, stream error). */
  | "error"
  /** The caller aborted it through its AbortSignal. */
  | "aborted"
  /** The caller stopped reading the stream before the model finished (a partial answer). */
  | "cancelled";

/** One model call, as monitoring sees it. Times are milliseconds; rates are tokens per second. */
export interface InvocationRecord {
  /** The model's id, e.g. `bedrock:anthropic.claude-3-haiku-20240307-v1:0`. */
  modelId: string;
  /**
   * Who serves the model, as an OpenTelemetry `gen_ai.provider.name`: `aws.bedrock`,
   * `aws.sagemaker` (a custom value: the conventions list no SageMaker provider), `openai`, or
   * the id's prefix.
   */
  provider: string;
  /** `chat` for a whole answer, `chat.stream` for a streamed one, `image` for an image model call. */
  operation: "chat" | "chat.stream" | "image";
  /** Whether the answer was streamed. */
  streaming: boolean;
  /** When the call started, milliseconds since the Unix epoch. */
  startTime: number;
  /** How it ended. */
  status: InvocationStatus;
  /** Time to first token (first non-empty text delta); streaming calls that produced text only. */
  ttftMs?: number;
  /**
   * Time between consecutive streamed chunks (text deltas) after the first, in arrival order:
   * one entry per chunk but the first. Streaming calls with two or more chunks only; the
   * OpenTelemetry sink records it as `gen_ai.client.operation.time_per_output_chunk`.
   */
  chunkGapsMs?: number[];
  /** End to end: from the call to its last byte, or to the failure / abort / cancellation. */
  e2eMs: number;
  /** Prompt tokens, when the model reported them. */
  inputTokens?: number;
  /**
   * Generated tokens: the service's count when it gave one, else the deltas counted (for a
   * partial stream, the deltas received before it stopped).
   */
  outputTokens?: number;
  /**
   * Prompt tokens read from the model's prompt cache, when it reported them (Bedrock
   * `cacheReadInputTokens`); billed at the cache-read rate.
   */
  cacheReadTokens?: number;
  /** Prompt tokens written to the prompt cache, when reported (Bedrock `cacheWriteInputTokens`). */
  cacheWriteTokens?: number;
  /** Decode speed: `(n - 1) / (tLast - tFirst)`, tokens per second after the first (streaming only). */
  otps?: number;
  /** End-to-end throughput: `n / e2e`, first-token wait included. */
  e2eOtps?: number;
  /** Image model calls: how many images came back. */
  images?: number;
  /** Image model calls: end-to-end time divided by the images returned. */
  msPerImage?: number;
  /**
   * What the call cost, in the currency of the prices given to `instrument({ prices })`; absent
   * without prices. See `callCost` for the arithmetic.
   */
  cost?: number;
  /** Why generation stopped, in the service's words. */
  stopReason?: string;
  /** The error's stable code (`FmopsError.code`) or name, when the call did not succeed. */
  errorType?: string;
  /** The AWS request id of a failed call, when the error carried one. */
  requestId?: string;
  /** Custom dimensions (application, tenant, config name...). */
  dimensions: Record<string, string>;
  /** Quality scores added by metric modules after the call, e.g. `{ semanticSimilarity: 0.82 }`. */
  metrics: Record<string, number>;
}

/** The names of the numeric fields of an {@link InvocationRecord} that summaries cover. */
export const LATENCY_FIELDS = [
  "ttftMs",
  "e2eMs",
  "otps",
  "e2eOtps",
  "inputTokens",
  "outputTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
] as const;

/** One of {@link LATENCY_FIELDS}. */
export type LatencyField = (typeof LATENCY_FIELDS)[number];

/** Who serves a model, from its fmops id (`bedrock:...`, `sagemaker:...`, `openai-compatible:...`). */
export function providerOf(modelId: string): string {
  const prefix = modelId.includes(":") ? modelId.slice(0, modelId.indexOf(":")) : modelId;
  switch (prefix) {
    case "bedrock":
      return "aws.bedrock";
    case "sagemaker":
      return "aws.sagemaker";
    case "openai":
    case "openai-compatible":
      return "openai";
    default:
      return prefix || "unknown";
  }
}

/** Monotonic timestamps of one call; `firstTokenAt`/`lastTokenAt` only for streams that produced text. */
export interface CallTimings {
  /** When the call was made, in milliseconds (e.g. `performance.now()`). */
  startedAt: number;
  /** When the first non-empty text delta arrived; absent for whole answers and empty streams. */
  firstTokenAt?: number | undefined;
  /** When the last text delta arrived; absent means the same as `firstTokenAt`. */
  lastTokenAt?: number | undefined;
  /** Time between each text delta and the one before it, in order; absent below two deltas. */
  chunkGapsMs?: number[] | undefined;
  /** When the call finished, failed, was aborted or was cancelled. */
  endedAt: number;
}

/** The latency fields computed from timings and an output-token count. */
export interface LatencyFigures {
  /** End-to-end latency in milliseconds (never negative). */
  e2eMs: number;
  /** Time to first token in milliseconds; absent when no token time was given. */
  ttftMs?: number;
  /** Decode speed `(n - 1) / (tLast - tFirst)` in tokens per second; absent below two tokens or with no decode time. */
  otps?: number;
  /** End-to-end throughput `n / e2e` in tokens per second; absent with no tokens or a zero duration. */
  e2eOtps?: number;
  /** The timings' gaps between chunks, copied; absent when there were none. */
  chunkGapsMs?: number[];
}

/**
 * TTFT, end to end and both OTPS figures from monotonic timings, with the same definitions as
 * `TokenStream.latency`: `otps = (n - 1) / (tLast - tFirst)` needs two tokens and a positive
 * decode time; `e2eOtps = n / e2e` needs a token and a positive duration.
 */
export function latencyFigures(
  timings: CallTimings,
  outputTokens: number | undefined,
): LatencyFigures {
  const figures: LatencyFigures = { e2eMs: Math.max(0, timings.endedAt - timings.startedAt) };
  const n = outputTokens ?? 0;
  if (timings.firstTokenAt !== undefined) {
    figures.ttftMs = timings.firstTokenAt - timings.startedAt;
    const last = timings.lastTokenAt ?? timings.firstTokenAt;
    const decodeSeconds = (last - timings.firstTokenAt) / 1000;
    if (n > 1 && decodeSeconds > 0) figures.otps = (n - 1) / decodeSeconds;
  }
  if (n > 0 && figures.e2eMs > 0) figures.e2eOtps = n / (figures.e2eMs / 1000);
  if (timings.chunkGapsMs !== undefined && timings.chunkGapsMs.length > 0) {
    figures.chunkGapsMs = [...timings.chunkGapsMs];
  }
  return figures;
}

/** What every record of one call shares, known before the call. */
export interface RecordContext {
  /** The model's fmops id, e.g. `bedrock:amazon.nova-lite-v1:0`. */
  modelId: string;
  /** The `gen_ai.provider.name`; default derived from the id's prefix by {@link providerOf}. */
  provider?: string;
  /** Whether the answer is streamed; sets the record's `operation` to `chat.stream` or `chat`. */
  streaming: boolean;
  /** Wall-clock start of the call, milliseconds since the Unix epoch. */
  startTime: number;
  /** Custom dimensions copied onto the record. Default none. */
  dimensions?: Record<string, string>;
}

/**
 * Builds the record of a call that completed: a whole answer (`generate`), or a stream read to its
 * end (pass the first and last token times too), timed by the caller with a monotonic clock.
 *
 * @example
 * ```ts
 * const t0 = performance.now();
 * const response = await model.generate(request);
 * const record = recordFromResponse(response, { startedAt: t0, endedAt: performance.now() },
 *   { modelId: model.id, streaming: false, startTime: Date.now() });
 * ```
 */
export function recordFromResponse(
  response: ChatResponse,
  timings: CallTimings,
  context: RecordContext,
): InvocationRecord {
  const record = baseRecord(context, "ok", latencyFigures(timings, response.usage?.outputTokens));
  addUsage(record, response.usage?.inputTokens, response.usage?.outputTokens);
  // Prompt-cache counts, from a whole answer or a stream's final metadata.
  const cacheRead = response.usage?.cacheReadTokens;
  const cacheWrite = response.usage?.cacheWriteTokens;
  if (cacheRead !== undefined) record.cacheReadTokens = cacheRead;
  if (cacheWrite !== undefined) record.cacheWriteTokens = cacheWrite;
  if (response.stopReason !== undefined) record.stopReason = response.stopReason;
  return record;
}

/** Builds the record of a call that failed, was aborted, or (streams) was cancelled. */
export function recordFromFailure(
  error: unknown,
  status: Exclude<InvocationStatus, "ok">,
  timings: CallTimings,
  context: RecordContext,
  outputTokens?: number,
): InvocationRecord {
  const record = baseRecord(context, status, latencyFigures(timings, outputTokens));
  addUsage(record, undefined, outputTokens);
  if (status !== "cancelled") record.errorType = errorTypeOf(error);
  const requestId = requestIdOf(error);
  if (requestId !== undefined) record.requestId = requestId;
  return record;
}

/** Whether an error means the caller aborted (rather than the call failing). */
export function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return true;
  return isFmopsError(error) && error.code === "ABORTED";
}

/** The stable type of an error: its fmops `code`, else its name. */
export function errorTypeOf(error: unknown): string {
  if (isFmopsError(error)) return error.code;
  if (error instanceof Error) return error.name || "Error";
  return "UnknownError";
}

function requestIdOf(error: unknown): string | undefined {
  const details = (error as { details?: { requestId?: unknown } } | undefined)?.details;
  if (typeof details?.requestId === "string") return details.requestId;
  const metadata = (error as { $metadata?: { requestId?: unknown } } | undefined)?.$metadata;
  return typeof metadata?.requestId === "string" ? metadata.requestId : undefined;
}

function baseRecord(
  context: RecordContext,
  status: InvocationStatus,
  figures: LatencyFigures,
): InvocationRecord {
  const record: InvocationRecord = {
    modelId: context.modelId,
    provider: context.provider ?? providerOf(context.modelId),
    operation: context.streaming ? "chat.stream" : "chat",
    streaming: context.streaming,
    startTime: context.startTime,
    status,
    e2eMs: figures.e2eMs,
    dimensions: { ...context.dimensions },
    metrics: {},
  };
  if (figures.ttftMs !== undefined) record.ttftMs = figures.ttftMs;
  if (figures.otps !== undefined) record.otps = figures.otps;
  if (figures.e2eOtps !== undefined) record.e2eOtps = figures.e2eOtps;
  if (figures.chunkGapsMs !== undefined) record.chunkGapsMs = figures.chunkGapsMs;
  return record;
}

function addUsage(
  record: InvocationRecord,
  inputTokens: number | undefined,
  outputTokens: number | undefined,
): void {
  if (inputTokens !== undefined) record.inputTokens = inputTokens;
  if (outputTokens !== undefined) record.outputTokens = outputTokens;
}
