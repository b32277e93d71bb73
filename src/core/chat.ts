/**
 * The chat and embedding data types shared by every module. Model adapters live in
 * `fmops/models`; these plain types live in core so that streaming, monitoring and evaluation can
 * use them without depending on any adapter.
 *
 * @module
 */

/** One turn of a conversation. */
export interface ChatMessage {
  /** Who said it. System instructions go in {@link ChatRequest.system}. */
  role: "user" | "assistant";
  /** The text of the turn. */
  content: string;
}

/** A request to a chat model. */
export interface ChatRequest {
  /** System prompt: instructions that frame the whole conversation. */
  system?: string;
  /** The conversation so far, oldest first, ending with a user turn. */
  messages: ChatMessage[];
  /** Sampling temperature. */
  temperature?: number;
  /** Upper bound on generated tokens. */
  maxTokens?: number;
  /** Nucleus-sampling probability mass. */
  topP?: number;
  /** Generation stops before any of these strings. */
  stopSequences?: string[];
}

/** Token counts reported by the model (or counted by fmops when the model does not say). */
export interface TokenUsage {
  /** Tokens in the prompt. */
  inputTokens?: number;
  /** Tokens generated. */
  outputTokens?: number;
  /** Total, when the service reports it. */
  totalTokens?: number;
}

/** Timings of one model call, in milliseconds. */
export interface ChatLatency {
  /** Time to first token: from sending the request to the first text delta (streaming only). */
  ttftMs?: number;
  /** End to end: from sending the request to the last byte of the answer. */
  e2eMs: number;
  /**
   * Output tokens per second, measured from the first token to the last (streaming only): the
   * decode speed a reader sees once text starts arriving.
   */
  otps?: number;
  /**
   * Output tokens per second end to end: output tokens divided by {@link ChatLatency.e2eMs} in
   * seconds, so time to first token counts against it (streaming only). This is the throughput a
   * caller waiting for the whole answer sees; {@link ChatLatency.otps} is the decode speed.
   */
  e2eOtps?: number;
  /** The service's own measure of latency, when it reports one (Bedrock's `metrics.latencyMs`). */
  serviceMs?: number;
}

/** A chat model's complete answer. */
export interface ChatResponse {
  /** The generated text. */
  text: string;
  /** Why generation stopped, in the service's own words (`end_turn`, `max_tokens`, `length`, ...). */
  stopReason?: string;
  /** Token counts. */
  usage?: TokenUsage;
  /** Timings. */
  latency?: ChatLatency;
}

/**
 * Adds `usage` into `total` field by field (a field stays absent until some usage reports it);
 * for answers built from several model calls, such as a condensation plus an answer.
 */
export function addUsage(total: TokenUsage, usage: TokenUsage | undefined): void {
  if (!usage) return;
  if (usage.inputTokens !== undefined)
    total.inputTokens = (total.inputTokens ?? 0) + usage.inputTokens;
  if (usage.outputTokens !== undefined) {
    total.outputTokens = (total.outputTokens ?? 0) + usage.outputTokens;
  }
  if (usage.totalTokens !== undefined)
    total.totalTokens = (total.totalTokens ?? 0) + usage.totalTokens;
}
