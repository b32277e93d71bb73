/**
 * What every token decoder produces: a provider-neutral sequence of {@link StreamEvent}s that
 * {@link TokenStream} turns into text deltas, usage and latency.
 *
 * @module
 */
import type { TokenUsage } from "../core/chat.js";

/** A piece of generated text. */
export interface TextEvent {
  /** Discriminant. */
  type: "text";
  /** The new text; never empty. */
  text: string;
  /** How many tokens this delta carries, when the format says (TGI, LMI: one per event). */
  tokens?: number;
}

/** Token counts, usually sent once near the end of a stream. */
export interface UsageEvent {
  /** Discriminant. */
  type: "usage";
  /** The counts; later usage events add to (and override) earlier ones. */
  usage: TokenUsage;
}

/** Why generation ended. */
export interface StopEvent {
  /** Discriminant. */
  type: "stop";
  /** The service's own stop reason, e.g. `end_turn`, `length`, `eos_token`. */
  reason: string;
}

/** The service's own latency measure (Bedrock ConverseStream `metadata.metrics.latencyMs`). */
export interface ServiceLatencyEvent {
  /** Discriminant. */
  type: "serviceLatency";
  /** Milliseconds, as the service measured them. */
  latencyMs: number;
}

/** One decoded element of a model's response stream. */
export type StreamEvent = TextEvent | UsageEvent | StopEvent | ServiceLatencyEvent;
