/**
 * {@link OpenAICompatibleChatModel}: chat over the OpenAI chat-completions HTTP API, as served
 * locally by vLLM, Text Generation Inference (Messages API) and Ollama.
 *
 * @module
 */
import { z } from "zod";
import type { ChatRequest, ChatResponse, TokenUsage } from "../core/index.js";
import {
  FmopsError,
  PermissionDeniedError,
  parseOptions,
  redact,
  ValidationError,
  withDeadline,
} from "../core/index.js";
import type { ToolSpec } from "../core/internal.js";
import { abortError, checkToolCall, describeNetworkError, schemaFor } from "../core/internal.js";
import type { StreamEvent } from "../streaming/index.js";
import { decodeOpenAI, LineIterator, parseSse, TokenStream } from "../streaming/index.js";
import {
  type ConstrainedDecodingField,
  chatCompletionsConstraint,
  constrainedDecodingFields,
} from "./constrained-decoding.js";
import { fromOpenAIMessage, toOpenAIMessages, toOpenAITools } from "./openai-messages.js";
import { validateChatRequest } from "./request.js";
import type { CallOptions, ChatModel, StructuredOutputMode } from "./types.js";

/** The part of `fetch` the model uses; pass your own to add proxies, logging or test doubles. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Options for {@link OpenAICompatibleChatModel}. */
export interface OpenAICompatibleChatModelOptions {
  /** The API root, up to and including `/v1`, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  /** The `model` field of each request: the served model's name (vLLM `--served-model-name`, an Ollama tag). */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>` (vLLM `--api-key`); never included in error messages. */
  apiKey?: string;
  /** Extra HTTP headers for every request. */
  headers?: Record<string, string>;
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: FetchLike;
  /**
   * Deadline for a call in milliseconds: the whole `generate`, or the whole `stream` from
   * request to last token. Default 120 000 for `generate`, 600 000 for `stream`.
   */
  timeoutMs?: number;
  /**
   * Longest wait without progress in a stream before `STREAM_IDLE_TIMEOUT`: from sending the
   * request to the response headers, then between two chunks. Default 60 000.
   */
  idleTimeoutMs?: number;
  /**
   * More body fields for every request, e.g. `{ top_k: 40, repetition_penalty: 1.1 }` or
   * vLLM's `{ chat_template_kwargs: { enable_thinking: false } }`. Fields the request sets
   * (`model`, `messages`, `temperature`, `top_p`, `max_tokens`, `stop`, `stream`) take precedence.
   */
  extraBody?: Record<string, unknown>;
  /**
   * The field that carries a request's `responseFormat` (constrained decoding): `"json_schema"`
   * (OpenAI `response_format`, also vLLM, Ollama, llama.cpp; the default), `"structured_outputs"`
   * (vLLM 0.10.2+), `"guided_json"` (vLLM before 0.12), `"tgi"` (TGI's Messages API), or `"none"`
   * for a server without constrained decoding (requests with `responseFormat` are then refused).
   */
  constrainedDecoding?: ConstrainedDecodingField | "none";
  /**
   * How `generateObject` asks this model for an object when the caller does not say. Default
   * `"constrained"` (the schema in `constrainedDecoding`'s field, the answer still validated and
   * repaired), or `"tool"` when `constrainedDecoding` is `"none"`.
   */
  structuredOutput?: StructuredOutputMode;
}

const optionsSchema = schemaFor<OpenAICompatibleChatModelOptions>()(
  z
    .object({
      baseUrl: z.url({
        protocol: /^https?$/,
        error: "must be an http(s) URL such as http://127.0.0.1:8000/v1",
      }),
      model: z.string().min(1),
      apiKey: z.string().min(1).optional(),
      headers: z.record(z.string(), z.string()).optional(),
      fetch: z
        .custom<FetchLike>((v) => typeof v === "function", "must be a fetch function")
        .optional(),
      timeoutMs: z.int().positive().optional(),
      idleTimeoutMs: z.int().positive().optional(),
      extraBody: z.record(z.string(), z.unknown()).optional(),
      constrainedDecoding: z.enum(["none", ...constrainedDecodingFields]).optional(),
      structuredOutput: z.enum(["tool", "constrained", "json"]).optional(),
    })
    .strict()
    .refine((o) => !(o.structuredOutput === "constrained" && o.constrainedDecoding === "none"), {
      path: ["structuredOutput"],
      message: 'cannot be "constrained" when constrainedDecoding is "none"',
    }),
);

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * An HTTP error response from an OpenAI-compatible server. Code `HTTP_<status>` (e.g.
 * `HTTP_429`); retryable for 408, 429 and 5xx. Authentication failures (401, 403) are
 * {@link PermissionDeniedError}s instead.
 */
export class HttpError extends FmopsError {
  /** The HTTP status code. */
  readonly status: number;

  constructor(status: number, message: string, options: { cause?: unknown } = {}) {
    super(`HTTP_${status}`, message, {
      retryable: status === 408 || status === 429 || status >= 500,
      cause: options.cause,
    });
    this.status = status;
  }
}

/**
 * A {@link ChatModel} on an OpenAI-compatible `/chat/completions` endpoint: a local vLLM server
 * (`vllm serve`), TGI's Messages API, Ollama's `/v1`, or any gateway that speaks the same API.
 * `generate` posts one request and reads `choices[0].message`; `stream` sets `stream: true` with
 * `stream_options.include_usage` and decodes the server-sent events into a {@link TokenStream}.
 *
 * Errors: 401/403 throw {@link PermissionDeniedError}; other HTTP errors throw {@link HttpError}
 * (`HTTP_<status>`, retryable for 408, 429 and 5xx) carrying the server's message; a connection
 * failure throws a retryable `NETWORK_ERROR`; an answer that is not the expected JSON throws
 * `UNEXPECTED_RESPONSE`.
 *
 * @example
 * ```ts
 * const model = new OpenAICompatibleChatModel({
 *   baseUrl: "http://127.0.0.1:8000/v1",
 *   model: "meta-llama/Llama-3.1-8B-Instruct",
 * });
 * const stream = model.stream({ messages: [{ role: "user", content: "Write a haiku" }] });
 * for await (const delta of stream) process.stdout.write(delta);
 * console.log(stream.usage, stream.latency);
 * ```
 */
export class OpenAICompatibleChatModel implements ChatModel {
  /** `openai-compatible:<model>`. */
  readonly id: string;
  readonly #options: OpenAICompatibleChatModelOptions;
  readonly #url: string;
  readonly #fetch: FetchLike;
  /**
   * The server takes `tools` and answers with `tool_calls` (vLLM needs `--enable-auto-tool-choice`
   * and a `--tool-call-parser` for `"auto"`); `generateObject` forces a tool call on this model.
   */
  readonly supportsTools = true;
  /** From the `structuredOutput` option; default `"constrained"` (`"tool"` without constrained decoding). */
  readonly structuredOutput: StructuredOutputMode;

  constructor(options: OpenAICompatibleChatModelOptions) {
    this.#options = parseOptions(optionsSchema, options, "OpenAICompatibleChatModel options");
    this.#url = `${this.#options.baseUrl.replace(/\/+$/, "")}/chat/completions`;
    this.#fetch = this.#options.fetch ?? ((url, init) => fetch(url, init));
    this.id = `openai-compatible:${this.#options.model}`;
    this.structuredOutput =
      this.#options.structuredOutput ??
      (this.#options.constrainedDecoding === "none" ? "tool" : "constrained");
  }

  /** Posts the request to `/chat/completions` and returns the whole answer. */
  async generate(request: ChatRequest, options: CallOptions = {}): Promise<ChatResponse> {
    const valid = validateChatRequest(request);
    const body = this.#body(valid, false);
    const startedAt = performance.now();
    const json = await withDeadline(
      { signal: options.signal, timeoutMs: options.timeoutMs ?? this.#options.timeoutMs },
      DEFAULT_TIMEOUT_MS,
      `waiting for ${this.#url}`,
      async (signal) => {
        const response = await this.#post(body, signal, "application/json");
        const text = await this.#readText(response, signal);
        return this.#parseJson(text, response.headers.get("content-type"));
      },
    );
    const answer = this.#parseCompletion(json, valid.tools);
    return { ...answer, latency: { e2eMs: performance.now() - startedAt } };
  }

  /** Streams the answer; the request is sent when the stream is first read. */
  stream(request: ChatRequest, options: CallOptions = {}): TokenStream {
    const valid = validateChatRequest(request);
    const body = this.#body(valid, true);
    const { idleTimeoutMs } = this.#options;
    return new TokenStream(
      // TokenStream aborts `signal` whenever the stream ends early (break, idle timeout, an
      // error), which cancels the fetch and frees its connection.
      async (signal) => {
        const response = await this.#post(body, signal, "text/event-stream");
        const contentType = response.headers.get("content-type");
        if (contentType !== null && /\bjson\b/i.test(contentType)) {
          // Some servers ignore `stream: true` for some models and answer with one JSON object.
          const text = await this.#readText(response, signal);
          // Tool calls are checked once, by the TokenStream, against the same tools.
          return eventsOf(this.#parseCompletion(this.#parseJson(text, contentType), undefined));
        }
        if (response.body === null) {
          throw new FmopsError(
            "UNEXPECTED_RESPONSE",
            `${this.#url} answered ${response.status} without a body to stream.`,
          );
        }
        const lines = new LineIterator(readBody(response.body), { idleTimeoutMs, signal });
        return decodeOpenAI(parseSse(lines));
      },
      {
        signal: options.signal,
        timeoutMs: options.timeoutMs ?? this.#options.timeoutMs,
        idleTimeoutMs,
        tools: valid.tools,
      },
    );
  }

  #body(request: ChatRequest, stream: boolean): string {
    const body: Record<string, unknown> = {
      ...this.#options.extraBody,
      model: this.#options.model,
      messages: toOpenAIMessages(request),
      ...toOpenAITools(request),
      ...this.#constraint(request),
      stream,
    };
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.topP !== undefined) body.top_p = request.topP;
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    if (request.stopSequences !== undefined) body.stop = request.stopSequences;
    if (stream) body.stream_options = { include_usage: true };
    return JSON.stringify(body);
  }

  /** The body fields for the request's `responseFormat`, in the server's form. */
  #constraint(request: ChatRequest): Record<string, unknown> {
    if (request.responseFormat === undefined) return {};
    const field = this.#options.constrainedDecoding ?? "json_schema";
    if (field === "none") {
      throw new ValidationError(
        `Invalid chat request: responseFormat: model "${this.#options.model}" was configured without constrained decoding (constrainedDecoding: "none"). Leave responseFormat out, or set constrainedDecoding to the field the server reads.`,
        [{ path: "responseFormat", message: "this model has no constrained decoding" }],
      );
    }
    return chatCompletionsConstraint(request.responseFormat, field);
  }

  async #post(body: string, signal: AbortSignal, accept: string): Promise<Response> {
    // Header names are case-insensitive: Headers makes the apiKey replace any Authorization the
    // caller set, instead of sending both.
    const headers = new Headers(this.#options.headers);
    if (!headers.has("accept")) headers.set("accept", accept);
    headers.set("content-type", "application/json");
    if (this.#options.apiKey !== undefined) {
      headers.set("authorization", `Bearer ${this.#options.apiKey}`);
    }
    let response: Response;
    try {
      response = await this.#fetch(this.#url, { method: "POST", headers, body, signal });
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      throw new FmopsError(
        "NETWORK_ERROR",
        `Could not reach ${this.#url}: ${this.#clean(describeNetworkError(err))}. Check that the server is running and that baseUrl is right (it usually ends in /v1).`,
        { retryable: true, cause: err },
      );
    }
    if (!response.ok) throw await this.#httpError(response);
    return response;
  }

  /** Reads a whole (non-streamed) body; a dropped connection becomes a retryable `NETWORK_ERROR`. */
  async #readText(response: Response, signal: AbortSignal): Promise<string> {
    try {
      return await response.text();
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      throw new FmopsError(
        "NETWORK_ERROR",
        `The connection to ${this.#url} failed while reading the answer: ${this.#clean(describeNetworkError(err))}. Send the request again.`,
        { retryable: true, cause: err },
      );
    }
  }

  async #httpError(response: Response): Promise<FmopsError> {
    const raw = await response.text().catch(() => "");
    const serverMessage = this.#clean(errorMessageOf(raw) || response.statusText || "no message");
    const where = `${this.#url} answered HTTP ${response.status}`;
    const { status } = response;
    if (status === 401 || status === 403) {
      return new PermissionDeniedError(
        `${where}: ${serverMessage}. Check the apiKey option (sent as a Bearer token) and the server's --api-key setting.`,
      );
    }
    const hint =
      status === 404
        ? ` Check that baseUrl ends in /v1 and that the server serves model "${this.#options.model}".`
        : status === 429 || status >= 500
          ? " The server is busy or failing; retry with backoff."
          : " Check the request against the server's limits (context length, max_tokens).";
    return new HttpError(status, `${where}: ${serverMessage}.${hint}`);
  }

  #parseJson(text: string, contentType: string | null): unknown {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new FmopsError(
        "UNEXPECTED_RESPONSE",
        `${this.#url} answered ${contentType ?? "without a content type"} that is not JSON: ${this.#clean(text)}`,
        { cause: err },
      );
    }
  }

  /** Reads `choices[0].message`; tool calls are checked against `tools` when given. */
  #parseCompletion(
    json: unknown,
    tools: readonly ToolSpec[] | undefined,
  ): Omit<ChatResponse, "latency"> {
    const choice = isObject(json) && Array.isArray(json.choices) ? json.choices[0] : undefined;
    const message = isObject(choice) ? fromOpenAIMessage(choice.message) : undefined;
    if (!isObject(choice) || message === undefined) {
      throw new FmopsError(
        "UNEXPECTED_RESPONSE",
        `${this.#url} answered without choices[0].message.content: ${this.#clean(JSON.stringify(json))}. Is this an OpenAI-compatible chat-completions endpoint?`,
      );
    }
    const answer: Omit<ChatResponse, "latency"> = { text: message.text };
    if (typeof choice.finish_reason === "string") answer.stopReason = choice.finish_reason;
    const usage = isObject(json) ? usageOf(json.usage) : undefined;
    if (usage !== undefined) answer.usage = usage;
    // Present when tools were offered or called; a plain-text answer keeps its plain shape.
    if (message.toolCalls.length > 0 || tools?.length) {
      answer.toolCalls = message.toolCalls.map((call) => checkToolCall(call, tools));
    }
    if (message.toolCalls.length > 0) answer.content = message.content;
    return answer;
  }

  /** Redacts secrets (the apiKey above all) and shortens text for an error message. */
  #clean(text: string): string {
    const key = this.#options.apiKey;
    return redact(key === undefined ? text : text.split(key).join("[redacted]"));
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function usageOf(value: unknown): TokenUsage | undefined {
  if (!isObject(value)) return undefined;
  const usage: TokenUsage = {};
  if (typeof value.prompt_tokens === "number") usage.inputTokens = value.prompt_tokens;
  if (typeof value.completion_tokens === "number") usage.outputTokens = value.completion_tokens;
  if (typeof value.total_tokens === "number") usage.totalTokens = value.total_tokens;
  return Object.keys(usage).length > 0 ? usage : undefined;
}

/**
 * The message of an error body: OpenAI's and newer vLLM's `{"error":{"message"}}`, older vLLM's
 * `{"object":"error","message"}`, TGI's `{"error":"..."}`, or the raw text.
 */
function errorMessageOf(raw: string): string {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return raw.trim();
  }
  if (isObject(json)) {
    const { error } = json;
    if (isObject(error) && typeof error.message === "string") return error.message;
    if (typeof error === "string") return error;
    if (typeof json.message === "string") return json.message;
    if (typeof json.detail === "string") return json.detail;
  }
  return raw.trim();
}

/** The events of a complete (non-streamed) answer, for servers that did not stream. */
async function* eventsOf(answer: Omit<ChatResponse, "latency">): AsyncGenerator<StreamEvent> {
  if (answer.text !== "") yield { type: "text", text: answer.text };
  for (const [index, call] of (answer.toolCalls ?? []).entries()) {
    yield { type: "toolUseStart", index, id: call.id, name: call.name };
    const input = typeof call.input === "string" ? call.input : JSON.stringify(call.input);
    yield { type: "toolUseDelta", index, input };
    yield { type: "toolUseStop", index };
  }
  if (answer.usage !== undefined) yield { type: "usage", usage: answer.usage };
  if (answer.stopReason !== undefined) yield { type: "stop", reason: answer.stopReason };
}

/**
 * Reads a fetch body through its reader, which every runtime supports (not all make
 * `ReadableStream` async-iterable), and cancels it when the consumer stops early so the
 * connection is released.
 */
async function* readBody(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let done = false;
  try {
    while (true) {
      const result = await reader.read();
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
