/**
 * The two model interfaces every adapter implements and every other module consumes.
 *
 * @module
 */
import type { ChatRequest, ChatResponse } from "../core/index.js";
import type { TokenStream } from "../streaming/index.js";

/** Per-call options accepted by every model method. */
export interface CallOptions {
  /** Cancels the call (and closes its connection). */
  signal?: AbortSignal;
  /** Gives up after this many milliseconds; each adapter documents its default. */
  timeoutMs?: number;
}

/**
 * A text-generation model: Bedrock, a SageMaker endpoint, an OpenAI-compatible server, or a fake.
 *
 * @example
 * ```ts
 * async function summarize(model: ChatModel, text: string) {
 *   const { text: summary } = await model.generate({
 *     system: "Summarize in one sentence.",
 *     messages: [{ role: "user", content: text }],
 *   });
 *   return summary;
 * }
 * ```
 */
export interface ChatModel {
  /** Identifies the model in logs and metrics, e.g. `bedrock:anthropic.claude-3-haiku-20240307-v1:0`. */
  readonly id: string;
  /** Sends the request and resolves with the whole answer. */
  generate(request: ChatRequest, options?: CallOptions): Promise<ChatResponse>;
  /** Sends the request and streams the answer; the request starts on first read. */
  stream(request: ChatRequest, options?: CallOptions): TokenStream;
  /**
   * True when the model takes `tools` and returns `toolCalls` (Bedrock); `generateObject` then
   * forces a tool call instead of asking for JSON in text.
   */
  readonly supportsTools?: boolean;
  /**
   * How `generateObject` gets an object from this model when the caller does not choose:
   * `"tool"` (a forced tool call), `"constrained"` (the server constrains decoding to the JSON
   * Schema in `request.responseFormat`) or `"json"` (JSON asked for in the prompt). Absent:
   * `"tool"` when {@link ChatModel.supportsTools}, else `"json"`.
   */
  readonly structuredOutput?: StructuredOutputMode;
}

/**
 * How a typed object is asked for: a forced tool call, decoding constrained by the server to a
 * JSON Schema, or JSON requested in the prompt (validated and repaired in every case).
 */
export type StructuredOutputMode = "tool" | "constrained" | "json";

/** A text-embedding model. */
export interface EmbeddingModel {
  /** Identifies the model, e.g. `bedrock:amazon.titan-embed-text-v2:0`. */
  readonly id: string;
  /** Length of every vector this model returns. */
  readonly dimensions: number;
  /** Embeds each text; the result has one vector per input, in order. */
  embed(texts: string[], options?: CallOptions): Promise<Float32Array[]>;
}
