/**
 * The two extension points of monitoring: {@link MetricModule} (scores a call's quality) and
 * {@link MetricSink} (sends records somewhere).
 *
 * @module
 */
import type { ChatRequest } from "../core/index.js";
import type { InvocationRecord } from "./record.js";

/** What a {@link MetricModule} scores: the request, the answer and the call's record. */
export interface MetricInput {
  /** The last user message of the request: what the answer answers. */
  prompt: string;
  /** The whole request, for modules that need the system prompt or the history. */
  request: ChatRequest;
  /** The model's answer (partial for a cancelled stream). */
  completion: string;
  /** The call's record (read-only: return scores instead of changing it). */
  record: Readonly<InvocationRecord>;
}

/**
 * A quality signal computed after a call, off the hot path. Each returned entry lands in
 * `record.metrics` under its key; a module that cannot score a call returns `{}`.
 *
 * @example
 * ```ts
 * const answerLength: MetricModule = {
 *   name: "answerLength",
 *   async evaluate({ completion }) {
 *     return { answerChars: completion.length };
 *   },
 * };
 * ```
 */
export interface MetricModule {
  /** Names the module in error reports. */
  readonly name: string;
  /** Scores one call. May call models or services; honour `signal`. */
  evaluate(input: MetricInput, options: { signal: AbortSignal }): Promise<Record<string, number>>;
}

/**
 * Where records go: CloudWatch (EMF or PutMetricData), OpenTelemetry, a JSONL file, memory.
 * `write` must be cheap (buffer, then send in `flush`).
 */
export interface MetricSink {
  /** Accepts one finished record. */
  write(record: InvocationRecord): void | Promise<void>;
  /** Sends whatever is buffered. */
  flush?(): Promise<void>;
  /** Flushes and releases timers and connections. */
  close?(): Promise<void>;
}

/**
 * A {@link MetricSink} that keeps records in an array, for tests and for feeding `summarize`.
 *
 * @example
 * ```ts
 * const memory = new MemorySink();
 * const monitored = instrument(model, { sinks: [memory] });
 * await monitored.generate(request);
 * await monitored.flush();
 * summarize(memory.records);
 * ```
 */
export class MemorySink implements MetricSink {
  /** Every record written, in order. */
  readonly records: InvocationRecord[] = [];

  write(record: InvocationRecord): void {
    this.records.push(record);
  }
}
