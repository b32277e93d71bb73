/**
 * Timing one call: wraps a `generate` promise or a {@link TokenStream} so that its
 * {@link InvocationRecord} is produced when it ends, however it ends, without changing what the
 * caller sees.
 *
 * @module
 */
import type { ChatResponse } from "../core/index.js";
import { MAX_TIMER_MS } from "../core/internal.js";
import type { StreamEvent } from "../streaming/index.js";
import { TokenStream } from "../streaming/index.js";
import { replayAnswerEvents } from "../streaming/internal.js";
import { type MonitorClock, systemClock } from "./clock.js";
import {
  type CallTimings,
  type InvocationRecord,
  isAbort,
  type RecordContext,
  recordFromFailure,
  recordFromResponse,
} from "./record.js";

/** What a finished call hands to its observer: the record and the (possibly partial) answer text. */
export interface MeasuredCall {
  /** The call's record: status, latency figures, token counts and dimensions. */
  record: InvocationRecord;
  /** The answer, or the part received before a stream failed or was cancelled. */
  completion: string;
}

/** Options shared by {@link measureGenerate} and {@link measureStream}. */
export interface MeasureOptions {
  /** The model id and custom dimensions of the call. */
  modelId: string;
  /** Overrides the provider derived from the model id. */
  provider?: string;
  /** Custom dimensions copied onto the record (application, tenant, ...). Default none. */
  dimensions?: Record<string, string>;
  /** Clock; default `systemClock`. */
  clock?: MonitorClock;
  /** The caller's signal, to tell an abort from a failure. */
  signal?: AbortSignal | undefined;
  /** Called once when the call ends. Must not throw (exceptions are swallowed). */
  onEnd: (call: MeasuredCall) => void;
}

function contextOf(
  options: MeasureOptions,
  streaming: boolean,
  clock: MonitorClock,
): RecordContext {
  const context: RecordContext = {
    modelId: options.modelId,
    streaming,
    startTime: clock.epochMs(),
  };
  if (options.provider !== undefined) context.provider = options.provider;
  if (options.dimensions !== undefined) context.dimensions = options.dimensions;
  return context;
}

function deliver(options: MeasureOptions, call: MeasuredCall): void {
  try {
    options.onEnd(call);
  } catch {
    // Observing must never change the call's outcome.
  }
}

/**
 * Runs `call` (a `generate`) and reports its record through `options.onEnd`; resolves or rejects
 * exactly as `call` does.
 *
 * @example
 * ```ts
 * const answer = await measureGenerate(() => model.generate(request), {
 *   modelId: model.id,
 *   onEnd: ({ record }) => records.push(record),
 * });
 * ```
 */
export async function measureGenerate(
  call: () => Promise<ChatResponse>,
  options: MeasureOptions,
): Promise<ChatResponse> {
  const clock = options.clock ?? systemClock;
  const context = contextOf(options, false, clock);
  const startedAt = clock.now();
  let response: ChatResponse;
  try {
    response = await call();
  } catch (error) {
    const timings = { startedAt, endedAt: clock.now() };
    const status = isAbort(error, options.signal) ? "aborted" : "error";
    deliver(options, {
      record: recordFromFailure(error, status, timings, context),
      completion: "",
    });
    throw error;
  }
  const record = recordFromResponse(response, { startedAt, endedAt: clock.now() }, context);
  deliver(options, { record, completion: response.text });
  return response;
}

/**
 * Returns a {@link TokenStream} that yields exactly what `inner` yields (same deltas, text, usage,
 * stop reason, errors) and reports the call's record through `options.onEnd` when it ends:
 * completed, failed, aborted, or cancelled by a consumer that stopped reading (a partial record).
 * The clock starts on the first read, when the request is actually sent.
 *
 * The wrapper adds no deadline of its own: the inner stream's timeouts govern.
 */
export function measureStream(inner: TokenStream, options: MeasureOptions): TokenStream {
  const clock = options.clock ?? systemClock;
  return new TokenStream(
    (signal) => observe(inner, options, clock, signal),
    // The inner stream enforces the caller's timeouts; the wrapper must not add tighter ones.
    { timeoutMs: MAX_TIMER_MS, idleTimeoutMs: MAX_TIMER_MS },
  );
}

async function* observe(
  inner: TokenStream,
  options: MeasureOptions,
  clock: MonitorClock,
  signal: AbortSignal,
): AsyncGenerator<StreamEvent> {
  const context = contextOf(options, true, clock);
  const timings: CallTimings = { startedAt: clock.now(), endedAt: 0 };
  let text = "";
  let deltas = 0;
  let outcome: "ok" | "error" | "cancelled" = "cancelled";
  let failure: unknown;
  const iterator = inner[Symbol.asyncIterator]();
  // When the consumer of the wrapper stops early, its opener signal aborts: close the inner stream
  // too, so that its connection is released even if it is waiting for a read.
  const onAbort = () => void iterator.return?.().catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    while (true) {
      const step = await iterator.next();
      if (step.done) break;
      const now = clock.now();
      if (timings.lastTokenAt !== undefined) {
        timings.chunkGapsMs ??= [];
        timings.chunkGapsMs.push(now - timings.lastTokenAt);
      }
      timings.firstTokenAt ??= now;
      timings.lastTokenAt = now;
      deltas++;
      text += step.value;
      yield { type: "text", text: step.value };
    }
    outcome = "ok";
    const response = await inner.response();
    // The inner answer's reasoning and tool calls, replayed whole: the wrapper's response() must
    // carry them too (a tool-use turn with extended thinking is sent back with its reasoning).
    yield* replayAnswerEvents(response);
    if (inner.usage !== undefined) yield { type: "usage", usage: inner.usage };
    if (inner.stopReason !== undefined) yield { type: "stop", reason: inner.stopReason };
    if (inner.latency?.serviceMs !== undefined) {
      yield { type: "serviceLatency", latencyMs: inner.latency.serviceMs };
    }
  } catch (error) {
    outcome = "error";
    failure = error;
    throw error;
  } finally {
    signal.removeEventListener("abort", onAbort);
    timings.endedAt = clock.now();
    if (outcome !== "ok") await iterator.return?.().catch(() => {});
    let record: InvocationRecord;
    if (outcome === "ok") {
      record = recordFromResponse(
        { text, ...(inner.usage ? { usage: inner.usage } : {}), ...stop(inner) },
        timings,
        context,
      );
    } else if (outcome === "error") {
      const status = isAbort(failure, options.signal) ? "aborted" : "error";
      record = recordFromFailure(failure, status, timings, context, deltas);
    } else {
      record = recordFromFailure(undefined, "cancelled", timings, context, deltas);
    }
    deliver(options, { record, completion: text });
  }
}

function stop(inner: TokenStream): { stopReason?: string } {
  return inner.stopReason === undefined ? {} : { stopReason: inner.stopReason };
}
