/**
 * The chat and embedding data types shared by every module. Model adapters live in
 * `fmops/models`; these plain types live in core so that streaming, monitoring and evaluation can
 * use them without depending on any adapter.
 *
 * @module
 */

import type { z } from "zod";

/** Plain text. */
export interface TextBlock {
  /** Discriminant. */
  type: "text";
  /** The text. */
  text: string;
}

/**
 * An image: its bytes, or (Bedrock only) an `s3://bucket/key` location the model's role can read.
 * Exactly one of `bytes` and `s3Uri` is given.
 */
export interface ImageBlock {
  /** Discriminant. */
  type: "image";
  /** `image/png`, `image/jpeg`, `image/gif` or `image/webp`. */
  mediaType: string;
  /** The encoded image. */
  bytes?: Uint8Array;
  /** Where the image is, as `s3://bucket/key`. */
  s3Uri?: string;
}

/** A document (PDF, CSV, Word, HTML, text, ...) given to the model. Exactly one of `bytes` and `s3Uri`. */
export interface DocumentBlock {
  /** Discriminant. */
  type: "document";
  /** A name for the document; Bedrock allows letters, digits, spaces, hyphens, parentheses and brackets. */
  name: string;
  /** `application/pdf`, `text/csv`, `text/plain`, `text/html`, `text/markdown`, ... */
  mediaType: string;
  /** The document's bytes. */
  bytes?: Uint8Array;
  /** Where the document is, as `s3://bucket/key`. */
  s3Uri?: string;
}

/** The model asking to call a tool (an assistant turn). */
export interface ToolUseBlock {
  /** Discriminant. */
  type: "toolUse";
  /** The id of this call, chosen by the model; the matching {@link ToolResultBlock} repeats it. */
  id: string;
  /** The tool's name, as in its {@link ToolSpec}. */
  name: string;
  /** The arguments, as the model sent them. */
  input: unknown;
}

/** What a tool returned (a user turn), for the tool use with the same id. */
export interface ToolResultBlock {
  /** Discriminant. */
  type: "toolResult";
  /** The {@link ToolUseBlock.id} this answers. */
  toolUseId: string;
  /** The result: text (JSON for structured results) or blocks. */
  content: string | ContentBlock[];
  /** True when the call failed; `content` then says why, so that the model can correct itself. */
  isError?: boolean;
}

/**
 * The model's reasoning before its answer, from models that return it (Claude extended thinking
 * on Bedrock). Send it back unchanged in the assistant turn when continuing a tool-use
 * conversation: Bedrock checks its `signature`.
 */
export interface ReasoningBlock {
  /** Discriminant. */
  type: "reasoning";
  /** The reasoning text. */
  text: string;
  /** The model's signature over the text, when it gave one. */
  signature?: string;
  /** Reasoning the provider encrypted (`redactedContent`), kept opaque. */
  redacted?: Uint8Array;
}

/**
 * A prompt-cache checkpoint: everything before it (in the system prompt, the messages or the
 * tools) may be cached by models that support prompt caching (Bedrock `cachePoint`).
 */
export interface CachePointBlock {
  /** Discriminant. */
  type: "cachePoint";
}

/** One piece of a message's content. */
export type ContentBlock =
  | TextBlock
  | ImageBlock
  | DocumentBlock
  | ToolUseBlock
  | ToolResultBlock
  | ReasoningBlock
  | CachePointBlock;

/** One turn of a conversation. */
export interface ChatMessage {
  /** Who said it. System instructions go in {@link ChatRequest.system}. */
  role: "user" | "assistant";
  /**
   * The turn: plain text, or content blocks (text, images, documents, tool uses in assistant
   * turns, tool results in user turns). Use {@link messageText} to read the text of either.
   */
  content: string | ContentBlock[];
}

/** A tool the model may call: its name, what it does, and its input as a zod schema. */
export interface ToolSpec {
  /** Letters, digits, `_` and `-`, at most 64 characters; unique within a request. */
  name: string;
  /** What the tool does and when to use it; models choose tools by this text. */
  description?: string;
  /** The input schema; converted to JSON Schema for the model and used to validate its input. */
  inputSchema: z.ZodType;
}

/**
 * How the model may use the tools: `"auto"` (it decides; the default), `"any"` (it must call
 * some tool) or `{ name }` (it must call that tool).
 */
export type ToolChoice =
  | "auto"
  | "any"
  | {
      /** The name of the tool the model must call, as given in its {@link ToolSpec}. */
      name: string;
    };

/** A tool call the model made, assembled whole (from stream deltas too). */
export interface ToolCall {
  /** The model's id for the call; answer it with a `toolResult` content block of the same id. */
  id: string;
  /** The tool's name. */
  name: string;
  /**
   * The arguments. When the request declared a matching {@link ToolSpec} and the arguments are
   * valid, this is the schema's parsed output; otherwise what the model sent (see `inputError`).
   */
  input: unknown;
  /**
   * Why the arguments are not usable: not JSON, no such tool, or the schema's validation issues.
   * Absent when they are valid.
   */
  inputError?: string;
}

/**
 * Asks the server to constrain decoding so that the answer's text is JSON matching `schema`
 * (OpenAI `response_format` JSON schema, vLLM structured outputs, TGI grammars). Only adapters
 * whose `structuredOutput` is `"constrained"` take it; `generateObject` sets it for them.
 */
export interface ResponseFormat {
  /** Discriminant: JSON text that matches {@link ResponseFormat.schema}. */
  type: "json";
  /** The answer's schema; sent to the server as JSON Schema. */
  schema: z.ZodType;
  /** A name for the schema (OpenAI `json_schema.name`): letters, digits, `_` and `-`. Default `"response"`. */
  name?: string;
  /** What the answer is, for servers that pass it to the model. */
  description?: string;
  /**
   * OpenAI's strict mode (`json_schema.strict`): the server refuses schemas outside its
   * supported subset instead of following them loosely. Not sent when left out.
   */
  strict?: boolean;
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
  /** Tools the model may call (models without tool support reject a request with tools). */
  tools?: ToolSpec[];
  /** How the model may use {@link ChatRequest.tools}. Default `"auto"`. */
  toolChoice?: ToolChoice;
  /**
   * Constrained decoding to a JSON schema, for models that support it (see
   * {@link ResponseFormat}); others refuse the request. Cannot be combined with `tools`.
   */
  responseFormat?: ResponseFormat;
}

/** Token counts reported by the model (or counted by fmops when the model does not say). */
export interface TokenUsage {
  /** Tokens in the prompt. */
  inputTokens?: number;
  /** Tokens generated. */
  outputTokens?: number;
  /** Total, when the service reports it. */
  totalTokens?: number;
  /** Prompt tokens read from the prompt cache (Bedrock `cacheReadInputTokens`). */
  cacheReadTokens?: number;
  /** Prompt tokens written to the prompt cache (Bedrock `cacheWriteInputTokens`). */
  cacheWriteTokens?: number;
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
  /**
   * The tool calls the model made, in order: set (possibly empty) whenever the request offered
   * tools or the model called one, absent for a plain-text exchange. The stop reason is then
   * usually `tool_use`.
   */
  toolCalls?: ToolCall[];
  /**
   * The answer's blocks in order, when the model returned more than text (tool uses, reasoning):
   * append `{ role: "assistant", content: response.content }` to continue the conversation.
   */
  content?: ContentBlock[];
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
  if (usage.cacheReadTokens !== undefined)
    total.cacheReadTokens = (total.cacheReadTokens ?? 0) + usage.cacheReadTokens;
  if (usage.cacheWriteTokens !== undefined)
    total.cacheWriteTokens = (total.cacheWriteTokens ?? 0) + usage.cacheWriteTokens;
}

/**
 * The text of a message's content: the string itself, or its text blocks joined (tool uses,
 * tool results, images, documents and reasoning carry no text of the turn).
 *
 * @example
 * ```ts
 * messageText({ role: "user", content: [{ type: "text", text: "Hi" }, { type: "image", ... }] }); // "Hi"
 * ```
 */
export function messageText(message: Pick<ChatMessage, "content">): string {
  return contentText(message.content);
}

/** The text of a content value (see {@link messageText}). */
export function contentText(content: string | readonly ContentBlock[]): string {
  if (typeof content === "string") return content;
  let text = "";
  for (const block of content) if (block.type === "text") text += block.text;
  return text;
}

/** Whether a message holds anything besides text (images, documents, tool use or results). */
export function hasNonTextContent(message: Pick<ChatMessage, "content">): boolean {
  return (
    typeof message.content !== "string" &&
    message.content.some((b) => b.type !== "text" && b.type !== "cachePoint")
  );
}
