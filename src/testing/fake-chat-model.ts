/**
 * {@link FakeChatModel}: a scripted {@link ChatModel} for unit tests of code that calls a model.
 *
 * @module
 */
import { z } from "zod";
import {
  type ChatRequest,
  type ChatResponse,
  FmopsError,
  parseOptions,
  type TokenUsage,
  withDeadline,
} from "../core/index.js";
import {
  abortError,
  type ContentBlock,
  checkToolCall,
  messageText,
  schemaFor,
  sleep,
  type ToolCall,
  throwIfAborted,
} from "../core/internal.js";
import type { CallOptions, ChatModel, StructuredOutputMode } from "../models/index.js";
import { validateChatRequest } from "../models/internal.js";
import type { StreamEvent } from "../streaming/index.js";
import { TokenStream } from "../streaming/index.js";
import { countWhitespaceTokens, splitIntoDeltas } from "./tokens.js";

/** A scripted tool call; `id` defaults to `call_<call>_<index>`. */
export interface FakeToolCall {
  /** The call's id. */
  id?: string;
  /** The tool's name. */
  name: string;
  /** The arguments (checked against the request's tool schema like a real adapter does). */
  input: unknown;
}

/** A scripted answer: text, or text and/or tool calls. */
export type FakeReply =
  | string
  | {
      /** The answer's text; absent means empty (a reply made only of tool calls). */
      text?: string;
      /** Tool calls the model makes, in order; absent means none. A reply with any stops with `tool_use`. */
      toolCalls?: FakeToolCall[];
    };

/**
 * Computes the answer to one request. `call` is the zero-based index of the call among all calls
 * the model received (`generate` and `stream` alike).
 */
export type FakeResponder = (request: ChatRequest, call: number) => FakeReply | Promise<FakeReply>;

/** Options for {@link FakeChatModel}. */
export interface FakeChatModelOptions {
  /**
   * The answers. An array is consumed in order, one entry per call that does not fail (calls that
   * `failOn` selects do not use up an entry); running out throws `FAKE_RESPONSES_EXHAUSTED`.
   * A function is asked for each answer and may be async. An answer is a string, or
   * `{ text?, toolCalls? }` to script tool calls (streamed as input fragments of `chunkSize`
   * characters, default 8).
   */
  responses: readonly FakeReply[] | FakeResponder;
  /** What the model's `supportsTools` says (`generateObject` forces a tool call when true). Default true. */
  supportsTools?: boolean;
  /**
   * What the model's `structuredOutput` says, to script how `generateObject` asks it (with
   * `"constrained"`, requests carry `responseFormat` and the scripted text is the answer).
   * Default: absent, so `supportsTools` decides.
   */
  structuredOutput?: StructuredOutputMode;
  /** The model's `id`. Default `"fake:chat"`. */
  id?: string;
  /**
   * Characters (Unicode code points) per streamed delta. Default: one word per delta, with the
   * whitespace before it (`"Hi there"` streams as `"Hi"`, `" there"`).
   */
  chunkSize?: number;
  /** Pause between two streamed deltas, in milliseconds. Default 0. */
  delayMs?: number;
  /** Pause before the first delta, in milliseconds. Default 0. */
  firstTokenDelayMs?: number;
  /**
   * Calls that fail: zero-based call indices, or a predicate. A failing call throws the
   * {@link FakeChatModelOptions.error} (from `generate`, or on the first read of a `stream`).
   */
  failOn?: readonly number[] | ((request: ChatRequest, call: number) => boolean);
  /**
   * Builds the error a failing call throws. Default: a retryable {@link FmopsError} with code
   * `FAKE_MODEL_FAILURE`.
   */
  error?: (request: ChatRequest, call: number) => FmopsError;
}

const isFunction = (v: unknown): boolean => typeof v === "function";

function isReply(v: unknown): boolean {
  if (typeof v === "string") return true;
  if (typeof v !== "object" || v === null) return false;
  const r = v as { text?: unknown; toolCalls?: unknown };
  return (
    (r.text === undefined || typeof r.text === "string") &&
    (r.toolCalls === undefined ||
      (Array.isArray(r.toolCalls) &&
        r.toolCalls.every(
          (c: unknown) =>
            typeof c === "object" &&
            c !== null &&
            typeof (c as { name?: unknown }).name === "string",
        )))
  );
}

const optionsSchema = schemaFor<FakeChatModelOptions>()(
  z
    .object({
      responses: z.union([
        z
          .array(
            z.union([
              z.string(),
              z.custom<FakeReply>(isReply, "must be a string or { text?, toolCalls? }"),
            ]),
          )
          .readonly(),
        z.custom<FakeResponder>(isFunction, "must be an array of strings or a function"),
      ]),
      id: z.string().min(1).optional(),
      supportsTools: z.boolean().optional(),
      structuredOutput: z.enum(["tool", "constrained", "json"]).optional(),
      chunkSize: z.int().positive().optional(),
      delayMs: z.number().min(0).max(600_000).optional(),
      firstTokenDelayMs: z.number().min(0).max(600_000).optional(),
      failOn: z
        .union([
          z.array(z.int().min(0)).readonly(),
          z.custom<(request: ChatRequest, call: number) => boolean>(
            isFunction,
            "must be an array of call indices or a predicate",
          ),
        ])
        .optional(),
      error: z
        .custom<(request: ChatRequest, call: number) => FmopsError>(
          isFunction,
          "must be a function",
        )
        .optional(),
    })
    .strict(),
);

const DEFAULT_TIMEOUT_MS = 120_000;

/** What a call will do, fixed when the call arrives so that calls keep their order. */
type Plan =
  | { kind: "fail"; error: FmopsError }
  | { kind: "text"; reply: FakeReply }
  | { kind: "ask" }
  | { kind: "exhausted" };

/** A finished answer after stop sequences and `maxTokens` were applied. */
interface Answer {
  text: string;
  toolCalls: ToolCall[];
  stopReason: string;
  usage: TokenUsage;
}

/**
 * A {@link ChatModel} that answers from a script, for testing code that uses a model without a
 * model. It validates each request like a real adapter, records it in {@link FakeChatModel.requests},
 * streams through a real {@link TokenStream} (so usage and latency work) with optional delays,
 * honours `signal` and `timeoutMs`, and fails on the calls you choose.
 *
 * Like a real model it stops early: the answer is cut before the first of the request's
 * `stopSequences` (stop reason `stop_sequence`) and after `maxTokens` whitespace-separated tokens
 * (stop reason `max_tokens`); otherwise the stop reason is `end_turn`. Usage counts
 * whitespace-separated tokens of the system prompt and messages (input) and of the answer (output).
 *
 * @example
 * ```ts
 * const model = new FakeChatModel({ responses: ["SELECT 1", "SELECT 2"], failOn: [0] });
 * await expect(model.generate(request)).rejects.toMatchObject({ code: "FAKE_MODEL_FAILURE" });
 * expect((await model.generate(request)).text).toBe("SELECT 1");
 * expect(model.requests).toHaveLength(2);
 * ```
 */
export class FakeChatModel implements ChatModel {
  /** The model id, `"fake:chat"` unless set. */
  readonly id: string;
  /** Whether `generateObject` should force a tool call (option `supportsTools`, default true). */
  readonly supportsTools: boolean;
  /** From the `structuredOutput` option; absent unless given. */
  readonly structuredOutput?: StructuredOutputMode;
  readonly #options: FakeChatModelOptions;
  readonly #requests: ChatRequest[] = [];
  #scripted = 0;

  constructor(options: FakeChatModelOptions) {
    this.#options = parseOptions(optionsSchema, options, "FakeChatModel options");
    this.id = this.#options.id ?? "fake:chat";
    this.supportsTools = this.#options.supportsTools ?? true;
    if (this.#options.structuredOutput !== undefined)
      this.structuredOutput = this.#options.structuredOutput;
  }

  /** Every valid request received, in order (deep copies, safe from later mutation). */
  get requests(): ChatRequest[] {
    return this.#requests;
  }

  /** How many valid requests were received. */
  get calls(): number {
    return this.#requests.length;
  }

  /** Answers the request after the scripted delays (first-token delay plus one delay per further delta). */
  async generate(request: ChatRequest, options: CallOptions = {}): Promise<ChatResponse> {
    const { call, copy, plan } = this.#receive(request);
    const startedAt = performance.now();
    return withDeadline(
      { signal: options.signal, timeoutMs: options.timeoutMs },
      DEFAULT_TIMEOUT_MS,
      `waiting for ${this.id}`,
      async (signal) => {
        const answer = await this.#answer(plan, copy, call, signal);
        const deltas = splitIntoDeltas(answer.text, this.#options.chunkSize);
        const waitMs =
          (this.#options.firstTokenDelayMs ?? 0) +
          (this.#options.delayMs ?? 0) * Math.max(0, deltas.length - 1);
        if (waitMs > 0) await sleep(waitMs, signal);
        const response: ChatResponse = {
          text: answer.text,
          stopReason: answer.stopReason,
          usage: answer.usage,
          latency: { e2eMs: performance.now() - startedAt },
        };
        if (answer.toolCalls.length > 0 || copy.tools?.length) {
          response.toolCalls = answer.toolCalls;
        }
        if (answer.toolCalls.length > 0) {
          const content: ContentBlock[] = [];
          if (answer.text !== "") content.push({ type: "text", text: answer.text });
          for (const c of answer.toolCalls) {
            content.push({ type: "toolUse", id: c.id, name: c.name, input: c.input });
          }
          response.content = content;
        }
        return response;
      },
    );
  }

  /**
   * Streams the answer as deltas with the scripted delays. The request is recorded now; the answer
   * is produced (and a scripted failure thrown) on the first read.
   */
  stream(request: ChatRequest, options: CallOptions = {}): TokenStream {
    const { call, copy, plan } = this.#receive(request);
    return new TokenStream(
      async (signal) => this.#events(await this.#answer(plan, copy, call, signal), signal),
      { signal: options.signal, timeoutMs: options.timeoutMs, tools: copy.tools },
    );
  }

  #receive(request: ChatRequest): { call: number; copy: ChatRequest; plan: Plan } {
    const valid = validateChatRequest(request);
    const call = this.#requests.length;
    this.#requests.push(cloneRequest(valid));
    return { call, copy: cloneRequest(valid), plan: this.#plan(valid, call) };
  }

  #plan(request: ChatRequest, call: number): Plan {
    const { failOn, responses } = this.#options;
    const fails = typeof failOn === "function" ? failOn(request, call) : failOn?.includes(call);
    if (fails) {
      const error =
        this.#options.error?.(request, call) ??
        new FmopsError(
          "FAKE_MODEL_FAILURE",
          `${this.id} failed call ${call} on purpose (failOn). This is the scripted failure of a FakeChatModel.`,
          { retryable: true },
        );
      return { kind: "fail", error };
    }
    if (typeof responses === "function") return { kind: "ask" };
    const reply = responses[this.#scripted];
    if (reply === undefined) return { kind: "exhausted" };
    this.#scripted++;
    return { kind: "text", reply };
  }

  async #answer(
    plan: Plan,
    request: ChatRequest,
    call: number,
    signal: AbortSignal,
  ): Promise<Answer> {
    throwIfAborted(signal);
    let raw: FakeReply;
    switch (plan.kind) {
      case "fail":
        throw plan.error;
      case "exhausted": {
        const n = (this.#options.responses as readonly FakeReply[]).length;
        throw new FmopsError(
          "FAKE_RESPONSES_EXHAUSTED",
          `${this.id} was scripted with ${n} response${n === 1 ? "" : "s"}, all used up, when call ${call} arrived. Add more entries to "responses" or pass a function.`,
        );
      }
      case "text":
        raw = plan.reply;
        break;
      case "ask":
        raw = await untilAborted(
          Promise.resolve((this.#options.responses as FakeResponder)(request, call)),
          signal,
        );
        if (!isReply(raw)) {
          throw new FmopsError(
            "FAKE_INVALID_RESPONSE",
            `The responses function of ${this.id} returned ${typeof raw} for call ${call}; it must return a string or { text?, toolCalls? }.`,
          );
        }
        break;
    }
    return finish(raw, request, call);
  }

  async *#events(answer: Answer, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    const deltas = splitIntoDeltas(answer.text, this.#options.chunkSize);
    const { firstTokenDelayMs = 0, delayMs = 0 } = this.#options;
    if (firstTokenDelayMs > 0) await sleep(firstTokenDelayMs, signal);
    for (const [i, text] of deltas.entries()) {
      if (i > 0 && delayMs > 0) await sleep(delayMs, signal);
      yield { type: "text", text, tokens: countWhitespaceTokens(text) };
    }
    // Tool calls stream like Bedrock's: a start, the input JSON in fragments, a stop, per index.
    const size = this.#options.chunkSize ?? 8;
    for (const [i, c] of answer.toolCalls.entries()) {
      const index = i + 1;
      yield { type: "toolUseStart", index, id: c.id, name: c.name };
      const json = JSON.stringify(c.input) ?? "{}";
      for (let at = 0; at < json.length; at += size) {
        if (delayMs > 0) await sleep(delayMs, signal);
        yield { type: "toolUseDelta", index, input: json.slice(at, at + size) };
      }
      yield { type: "toolUseStop", index };
    }
    yield { type: "usage", usage: answer.usage };
    yield { type: "stop", reason: answer.stopReason };
  }
}

/** Applies the request's stop sequences and token limit to a scripted answer, and counts usage. */
function finish(reply: FakeReply, request: ChatRequest, call: number): Answer {
  const raw = typeof reply === "string" ? reply : (reply.text ?? "");
  let text = raw;
  let stopReason = "end_turn";
  for (const stop of request.stopSequences ?? []) {
    const at = text.indexOf(stop);
    if (at !== -1) {
      text = text.slice(0, at);
      stopReason = "stop_sequence";
    }
  }
  if (request.maxTokens !== undefined) {
    const words = text.match(/\s*\S+/g) ?? [];
    if (words.length > request.maxTokens) {
      text = words.slice(0, request.maxTokens).join("");
      stopReason = "max_tokens";
    }
  }
  const prompt = [request.system ?? "", ...request.messages.map((m) => messageText(m))].join("\n");
  const toolCalls = (typeof reply === "string" ? [] : (reply.toolCalls ?? [])).map((c, i) =>
    checkToolCall({ id: c.id ?? `call_${call}_${i}`, name: c.name, input: c.input }, request.tools),
  );
  if (toolCalls.length > 0 && stopReason === "end_turn") stopReason = "tool_use";
  const inputTokens = countWhitespaceTokens(prompt);
  const outputTokens = countWhitespaceTokens(text);
  return {
    text,
    toolCalls,
    stopReason,
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
  };
}

/** A deep copy of a request; tool specs (zod schemas) are shared, not copied. */
function cloneRequest(request: ChatRequest): ChatRequest {
  const { tools, responseFormat, ...rest } = request;
  const copy = structuredClone(rest) as ChatRequest;
  if (tools) copy.tools = [...tools];
  // Zod schemas hold functions, which structuredClone refuses: keep the caller's schema object.
  if (responseFormat) copy.responseFormat = { ...responseFormat };
  return copy;
}

/** Resolves with `promise`, or rejects as soon as `signal` aborts (the promise is left to settle). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
