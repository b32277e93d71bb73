/**
 * {@link TokenStream}: the one streaming result type every chat model returns.
 *
 * @module
 */

import { z } from "zod";
import type { ChatLatency, ChatResponse, TokenUsage } from "../core/index.js";
import {
  Deadline,
  FmopsError,
  parseOptions,
  ValidationError,
  type WaitOptions,
} from "../core/index.js";
import type { ContentBlock, ToolCall, ToolSpec } from "../core/internal.js";
import { checkToolCall, MAX_TIMER_MS, schemaFor, ToolCallAssembler } from "../core/internal.js";
import type { StreamEvent } from "./events.js";
import { boundedIterable, idleTimeoutError, settleWithin } from "./idle-timeout.js";

/** Opens the underlying response stream; called once, on first use of the {@link TokenStream}. */
export type StreamOpener = (
  signal: AbortSignal,
) => Promise<AsyncIterable<StreamEvent>> | AsyncIterable<StreamEvent>;

/** Options for {@link TokenStream}. */
export interface TokenStreamOptions extends WaitOptions {
  /** Deadline for the whole stream, from opening to the last event. Default 600 000 ms (10 min). */
  timeoutMs?: number | undefined;
  /**
   * Longest wait without progress before `STREAM_IDLE_TIMEOUT`: from sending the request to the
   * response starting (its headers, or its first event where the transport waits for that), and
   * then between two events. Default 60 000 ms.
   */
  idleTimeoutMs?: number | undefined;
  /** Clock in milliseconds, replaceable in tests. Default `performance.now`. */
  now?: () => number;
  /**
   * The request's tools: each streamed tool call is checked against its tool's `inputSchema`
   * when it completes (see {@link ToolCall.inputError}).
   */
  tools?: readonly ToolSpec[] | undefined;
}

const optionsSchema = schemaFor<TokenStreamOptions>()(
  z
    .object({
      signal: z.instanceof(AbortSignal).optional(),
      timeoutMs: z.number().positive().max(MAX_TIMER_MS).optional(),
      idleTimeoutMs: z.number().positive().max(MAX_TIMER_MS).optional(),
      now: z.custom<() => number>((v) => typeof v === "function", "must be a function").optional(),
      tools: z
        .array(z.custom<ToolSpec>((v) => typeof v === "object" && v !== null))
        .readonly()
        .optional(),
    })
    .strict(),
);

const DEFAULT_TIMEOUT_MS = 600_000;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/**
 * An `AsyncIterable<string>` of text deltas from a model, with the whole answer, token usage and
 * latency (TTFT, end-to-end, output tokens per second) available once it ends.
 *
 * The request starts lazily, on the first `for await` or {@link TokenStream.text} call, and the
 * stream can be consumed once. Breaking out of the loop, aborting the signal or hitting a timeout
 * closes the underlying connection.
 *
 * @example
 * ```ts
 * const stream = model.stream({ messages: [{ role: "user", content: "Hello" }] });
 * for await (const delta of stream) process.stdout.write(delta);
 * console.log(stream.usage, stream.latency);
 * // { outputTokens: 12 } { ttftMs: 180, e2eMs: 950, otps: 14.3, e2eOtps: 12.6 }
 * ```
 */
export class TokenStream implements AsyncIterable<string> {
  readonly #open: StreamOpener;
  readonly #options: TokenStreamOptions;
  readonly #now: () => number;
  #started = false;
  #text = "";
  #usage: TokenUsage | undefined;
  #latency: ChatLatency | undefined;
  #stopReason: string | undefined;
  readonly #toolCalls = new ToolCallAssembler();
  #reasoning: { text: string; signature?: string } | undefined;
  readonly #done: Promise<ChatResponse>;
  #settle!: { resolve: (r: ChatResponse) => void; reject: (e: unknown) => void };

  constructor(open: StreamOpener, options: TokenStreamOptions = {}) {
    if (typeof open !== "function") {
      throw new ValidationError("TokenStream needs a function that opens the stream.", [
        { path: "open", message: "must be a function" },
      ]);
    }
    this.#open = open;
    this.#options = parseOptions(optionsSchema, options, "TokenStream options");
    // zod copies what it parses; the tools' schemas are used as given.
    if (options.tools) this.#options.tools = options.tools;
    this.#now = options.now ?? (() => performance.now());
    this.#done = new Promise<ChatResponse>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // A stream nobody awaits must not surface as an unhandled rejection.
    this.#done.catch(() => {});
  }

  /** Token counts once the stream has ended: the service's counts, else the deltas counted. */
  get usage(): TokenUsage | undefined {
    return this.#usage;
  }

  /**
   * Once the stream has ended: `ttftMs` (request to first non-empty delta), `e2eMs`, `otps`
   * (output tokens per second after the first token: `(n - 1) / (last - first)`), `e2eOtps`
   * (output tokens per second over the whole request: `n / e2e`) and `serviceMs` when reported.
   */
  get latency(): ChatLatency | undefined {
    return this.#latency;
  }

  /** Why generation stopped, once the stream has ended. */
  get stopReason(): string | undefined {
    return this.#stopReason;
  }

  /** Iterates the text deltas. A TokenStream can be iterated once. */
  [Symbol.asyncIterator](): AsyncIterator<string> {
    if (this.#started) {
      throw new FmopsError(
        "STREAM_ALREADY_CONSUMED",
        "This TokenStream is already being read. Iterate it once, or call text()/response() for the whole answer.",
      );
    }
    this.#started = true;
    return this.#run();
  }

  /** The whole answer with stop reason, usage and latency; reads the stream if nobody else does. */
  async response(): Promise<ChatResponse> {
    if (!this.#started) for await (const _ of this);
    return this.#done;
  }

  /** The whole generated text; reads the stream if nobody else does. */
  async text(): Promise<string> {
    return (await this.response()).text;
  }

  async *#run(): AsyncGenerator<string, void, undefined> {
    const deadline = Deadline.start(
      this.#options,
      DEFAULT_TIMEOUT_MS,
      "reading the model's response stream",
    );
    const startedAt = this.#now();
    let firstTokenAt: number | undefined;
    let lastTokenAt = startedAt;
    let countedTokens = 0;
    let serviceMs: number | undefined;
    let completed = false;
    // The opener gets its own signal so that ending early (break, idle timeout, a decode error)
    // aborts the request and frees its socket: a pending read cannot be interrupted otherwise.
    const connection = new AbortController();
    const idleTimeoutMs = this.#options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    try {
      const requestSignal = AbortSignal.any([deadline.signal, connection.signal]);
      // The idle limit starts when the request is sent. An endpoint that accepts the request and
      // then sends nothing (no headers; or headers but no first frame, which the AWS SDK waits
      // for before send() resolves) is given up after idleTimeoutMs, not at the whole-stream
      // deadline. The opener is raced, not trusted to honour its signal: one that never settles
      // cannot hold the stream past its deadline or the caller's abort.
      const source = await settleWithin(() => this.#open(requestSignal), {
        idleTimeoutMs,
        signal: deadline.signal,
        idleError: (ms) =>
          idleTimeoutError(
            ms,
            `No response for ${ms} ms after the request was sent; the request was cancelled. Raise idleTimeoutMs if the model needs longer before it starts answering (a long prompt, a cold endpoint).`,
          ),
        discard: closeQuietly,
      });
      const events = boundedIterable(source, {
        idleTimeoutMs,
        signal: deadline.signal,
        what: "the model's next token",
      });
      for await (const event of events) {
        switch (event.type) {
          case "text":
            if (event.text === "") break;
            lastTokenAt = this.#now();
            firstTokenAt ??= lastTokenAt;
            countedTokens += event.tokens ?? 1;
            this.#text += event.text;
            yield event.text;
            break;
          case "usage":
            this.#usage = { ...this.#usage, ...event.usage };
            break;
          case "stop":
            this.#stopReason = event.reason;
            break;
          case "serviceLatency":
            serviceMs = event.latencyMs;
            break;
          case "toolUseStart":
            this.#toolCalls.start(event.index, event.id, event.name);
            break;
          case "toolUseDelta":
            this.#toolCalls.delta(event.index, event.input);
            break;
          case "toolUseStop":
            this.#toolCalls.stop(event.index);
            break;
          case "reasoning":
            this.#reasoning ??= { text: "" };
            this.#reasoning.text += event.text;
            if (event.signature !== undefined) this.#reasoning.signature = event.signature;
            break;
        }
      }
      completed = true;
    } catch (err) {
      const error = deadline.signal.aborted ? deadline.signal.reason : err;
      this.#settle.reject(error);
      throw error;
    } finally {
      deadline.dispose();
      if (!completed)
        connection.abort(new FmopsError("STREAM_CANCELLED", "The stream ended early."));
      if (completed) {
        const endedAt = this.#now();
        const outputTokens = this.#usage?.outputTokens ?? countedTokens;
        this.#usage = { ...this.#usage, outputTokens };
        this.#latency = latencyOf(
          { startedAt, firstTokenAt, lastTokenAt, endedAt },
          outputTokens,
          serviceMs,
        );
        this.#settle.resolve(this.#response());
      } else {
        // The consumer stopped early (break): the answer is partial and there is nothing to await.
        this.#settle.reject(
          new FmopsError(
            "STREAM_CANCELLED",
            "The stream was closed before the model finished answering.",
          ),
        );
      }
    }
  }

  #response(): ChatResponse {
    const response: ChatResponse = { text: this.#text };
    if (this.#stopReason !== undefined) response.stopReason = this.#stopReason;
    if (this.#usage !== undefined) response.usage = this.#usage;
    if (this.#latency !== undefined) response.latency = this.#latency;
    const calls: ToolCall[] = this.#toolCalls
      .finish()
      .map((call) => checkToolCall(call, this.#options.tools));
    // Present when tools were offered or called; a plain-text stream keeps its plain shape.
    if (calls.length > 0 || this.#options.tools?.length) response.toolCalls = calls;
    if (calls.length > 0 || this.#reasoning) {
      const content: ContentBlock[] = [];
      if (this.#reasoning) content.push({ type: "reasoning", ...this.#reasoning });
      if (this.#text !== "") content.push({ type: "text", text: this.#text });
      for (const call of calls) {
        content.push({ type: "toolUse", id: call.id, name: call.name, input: call.input });
      }
      response.content = content;
    }
    return response;
  }
}

/** Closes a source that arrived after the stream gave up on it, ignoring whatever that throws. */
function closeQuietly(source: AsyncIterable<StreamEvent>): void {
  try {
    const iterator = source[Symbol.asyncIterator]();
    void Promise.resolve(iterator.return?.()).catch(() => {});
  } catch {
    // A source that cannot even be opened holds nothing to release.
  }
}

interface StreamTimes {
  startedAt: number;
  firstTokenAt: number | undefined;
  lastTokenAt: number;
  endedAt: number;
}

function latencyOf(
  times: StreamTimes,
  outputTokens: number,
  serviceMs: number | undefined,
): ChatLatency {
  const latency: ChatLatency = { e2eMs: times.endedAt - times.startedAt };
  if (times.firstTokenAt !== undefined) {
    latency.ttftMs = times.firstTokenAt - times.startedAt;
    const decodeSeconds = (times.lastTokenAt - times.firstTokenAt) / 1000;
    // OTPS is the inverse of the time per output token after the first: (n - 1) / (t_last - t_first).
    if (outputTokens > 1 && decodeSeconds > 0) latency.otps = (outputTokens - 1) / decodeSeconds;
    // End to end: every output token over the whole wait, first-token latency included.
    const e2eSeconds = latency.e2eMs / 1000;
    if (outputTokens > 0 && e2eSeconds > 0) latency.e2eOtps = outputTokens / e2eSeconds;
  }
  if (serviceMs !== undefined) latency.serviceMs = serviceMs;
  return latency;
}
