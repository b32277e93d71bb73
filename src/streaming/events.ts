/**
 * What every token decoder produces: a provider-neutral sequence of {@link StreamEvent}s that
 * {@link TokenStream} turns into text deltas, usage and latency.
 *
 * @module
 */
import type { TokenUsage } from "../core/index.js";

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

/** A tool call starts (Bedrock `contentBlockStart.start.toolUse`, an OpenAI `tool_calls` entry with an id). */
export interface ToolUseStartEvent {
  /** Discriminant. */
  type: "toolUseStart";
  /** Which call of the turn this is (the content block index); its fragments carry the same. */
  index: number;
  /** The model's id for the call. */
  id: string;
  /** The tool's name. */
  name: string;
}

/** A fragment of a tool call's input JSON; the fragments of one index, joined, are the input. */
export interface ToolUseDeltaEvent {
  /** Discriminant. */
  type: "toolUseDelta";
  /** The call's index, as in its {@link ToolUseStartEvent}. */
  index: number;
  /** The next piece of the input's JSON text. */
  input: string;
}

/** A tool call's input is complete (calls still open when the stream ends complete then). */
export interface ToolUseStopEvent {
  /** Discriminant. */
  type: "toolUseStop";
  /** The call's index. */
  index: number;
}

/** A piece of the model's reasoning (Bedrock `reasoningContent`), kept apart from the answer. */
export interface ReasoningEvent {
  /** Discriminant. */
  type: "reasoning";
  /** Reasoning text (may be empty when only the signature arrives). */
  text: string;
  /** The signature over the reasoning, sent once at its end. */
  signature?: string;
}

/** One decoded element of a model's response stream. */
export type StreamEvent =
  | TextEvent
  | UsageEvent
  | StopEvent
  | ServiceLatencyEvent
  | ToolUseStartEvent
  | ToolUseDeltaEvent
  | ToolUseStopEvent
  | ReasoningEvent;
