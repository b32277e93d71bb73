/**
 * {@link chatModelContract}: the behaviour every {@link ChatModel} must share, whatever serves it,
 * as cases any test framework can run.
 *
 * @module
 */
import { z } from "zod";
import type { ChatRequest, ChatResponse, TokenUsage } from "../../core/index.js";
import type { ChatModel } from "../../models/index.js";
import {
  abortedSignal,
  type ContractCase,
  type ContractFactory,
  check,
  contractCase,
  describe,
  expectFmopsError,
  isFiniteNumber,
  rejection,
  settlesWithin,
} from "./contract.js";

/** A tool call the backend is scripted to make, as the contract expects it back in `toolCalls`. */
export interface ChatContractToolCall {
  /** The call's id, e.g. `call_contract_1`. */
  id: string;
  /** The tool's name (declared in the request). */
  name: string;
  /** The arguments, valid for the tool's schema. */
  input: Record<string, unknown>;
}

/**
 * What the backend behind the model must answer, for every call of one case. The factory makes
 * its stand-in (a local server, a scripted fake) answer this way: as its service would send
 * `text`, streamed as `deltas` when streaming.
 */
export interface ChatContractTurn {
  /** The whole answer. */
  text: string;
  /** The answer in stream pieces, in order; joined they equal `text`. */
  deltas: readonly string[];
  /** Tool calls the model makes after the text, only in cases for models with `tools: true`. */
  toolCalls?: readonly ChatContractToolCall[];
  /**
   * After the deltas, send nothing more and keep the response open until the client goes away
   * (a model still thinking): the case aborts the stream in the middle.
   */
  stall?: boolean;
  /**
   * Fail every call the way the service fails (an HTTP 500, a model error) with this message,
   * instead of answering.
   */
  fail?: {
    /** The error message the failing backend answers with. */
    message: string;
  };
}

/** Options of {@link chatModelContract}: what the model can do. */
export interface ChatModelContractOptions {
  /**
   * Whether `stream()` works. When false (a container that cannot stream), reading a stream must
   * fail with an FmopsError instead. Default true.
   */
  streaming?: boolean;
  /**
   * Whether the model takes `tools` and returns `toolCalls`. When false, a request with tools
   * must be refused with an FmopsError. Default false.
   */
  tools?: boolean;
  /**
   * How long a stream may take to end after its signal aborts before the case reports that it
   * hangs. A guard against a stream that never ends, not a speed requirement. Default 10 000 ms.
   */
  abortSettleMs?: number;
}

/** The contract's request: a system prompt and one user turn. */
const REQUEST: ChatRequest = {
  system: "Answer briefly.",
  messages: [{ role: "user", content: "Say hello in two languages." }],
  maxTokens: 64,
};

// Non-ASCII on purpose: several UTF-8 bytes per character, and a character outside the BMP, so
// that transports that split bytes across chunks are exercised.
const TEXT_TURN: ChatContractTurn = {
  text: "Hello! Grüße aus Köln, 你好 👋",
  deltas: ["Hello!", " Grüße", " aus Köln,", " 你好", " 👋"],
};

const STALLED_TURN: ChatContractTurn = {
  text: "Thinking about it",
  deltas: ["Thinking", " about it"],
  stall: true,
};

const FAILED_TURN: ChatContractTurn = {
  text: "",
  deltas: [],
  fail: { message: "The model container failed (contract test)." },
};

const WEATHER_TOOL = {
  name: "lookup_weather",
  description: "Looks up the weather forecast of a city.",
  inputSchema: z.object({ city: z.string(), days: z.number().int() }),
};

const TOOL_TURN: ChatContractTurn = {
  text: "Let me check.",
  deltas: ["Let me", " check."],
  toolCalls: [{ id: "call_contract_1", name: "lookup_weather", input: { city: "Paris", days: 2 } }],
};

const TOOL_REQUEST: ChatRequest = {
  messages: [{ role: "user", content: "Will it rain in Paris in the next two days?" }],
  tools: [WEATHER_TOOL],
};

function isChatModel(value: unknown): boolean {
  const m = value as ChatModel | undefined;
  return (
    typeof m === "object" &&
    m !== null &&
    typeof m.generate === "function" &&
    typeof m.stream === "function"
  );
}

/** Checks the parts of a response every answer has: text, usage and latency. */
function checkResponse(
  name: string,
  what: string,
  response: ChatResponse,
  expectedText: string,
): void {
  check(
    typeof response === "object" && response !== null,
    name,
    `${what} must be an object, got ${describe(response)}`,
  );
  check(
    response.text === expectedText,
    name,
    `${what}.text must be the model's answer ${describe(expectedText)}, got ${describe(response.text)}`,
  );
  checkUsage(name, what, response.usage);
  check(
    isFiniteNumber(response.latency?.e2eMs) && response.latency.e2eMs >= 0,
    name,
    `${what}.latency.e2eMs must be a non-negative number of milliseconds, got ${describe(response.latency)}`,
  );
  if (response.stopReason !== undefined) {
    check(
      typeof response.stopReason === "string",
      name,
      `${what}.stopReason must be a string when set, got ${describe(response.stopReason)}`,
    );
  }
}

function checkUsage(name: string, what: string, usage: TokenUsage | undefined): void {
  if (usage === undefined) return;
  for (const [field, count] of Object.entries(usage)) {
    check(
      count === undefined || (Number.isInteger(count) && (count as number) >= 0),
      name,
      `${what}.usage.${field} must be a non-negative whole number of tokens, got ${describe(count)}`,
    );
  }
}

function checkNoToolCalls(name: string, what: string, response: ChatResponse): void {
  check(
    response.toolCalls === undefined || response.toolCalls.length === 0,
    name,
    `${what}.toolCalls must be absent or empty for a plain-text exchange, got ${describe(response.toolCalls)}`,
  );
}

/** One tool call of a response. */
type ToolCall = NonNullable<ChatResponse["toolCalls"]>[number];

function checkToolCalls(
  name: string,
  what: string,
  calls: readonly ToolCall[] | undefined,
  expected: readonly ChatContractToolCall[],
): void {
  check(
    Array.isArray(calls) && calls.length === expected.length,
    name,
    `${what}.toolCalls must hold the ${expected.length} call(s) the model made, got ${describe(calls)}`,
  );
  expected.forEach((want, i) => {
    const got = calls[i];
    check(
      got?.id === want.id && got.name === want.name,
      name,
      `${what}.toolCalls[${i}] must be ${want.name} with id ${want.id}, got ${describe(got)}`,
    );
    check(
      got.inputError === undefined,
      name,
      `${what}.toolCalls[${i}] has valid arguments, but inputError says ${describe(got.inputError)}`,
    );
    check(
      JSON.stringify(got.input) === JSON.stringify(want.input),
      name,
      `${what}.toolCalls[${i}].input must be the arguments ${describe(want.input)}, got ${describe(got.input)}`,
    );
  });
}

/** Reads a whole stream, keeping each delta. */
async function readDeltas(name: string, stream: AsyncIterable<string>): Promise<string[]> {
  const deltas: string[] = [];
  for await (const delta of stream) {
    check(
      typeof delta === "string" && delta.length > 0,
      name,
      `a stream must yield non-empty text deltas, got ${describe(delta)}`,
    );
    deltas.push(delta);
  }
  return deltas;
}

/**
 * The contract every {@link ChatModel} meets, as a list of cases to hand to a test framework.
 * `factory` builds the model with a backend scripted to answer each case's
 * {@link ChatContractTurn} (a local stand-in of the service, or a fake): the cases check the
 * model's side of the exchange, never the backend's.
 *
 * The cases check that `generate` returns the answer's text with well-formed usage and latency;
 * that a stream's deltas joined equal `response().text` (UTF-8 split anywhere); that an aborted
 * signal rejects with `ABORTED`, before the call and in the middle of a stream, and that the
 * stream then ends; that a stream past its `timeoutMs` rejects with `TIMEOUT`; that a failing backend surfaces as an `FmopsError` with a stable code; and,
 * with `tools: true`, that declared tools' calls come back whole in `toolCalls` from both
 * `generate` and `stream` (with `tools: false`, that a request with tools is refused).
 *
 * @example
 * ```ts
 * import { describe, it } from "vitest";
 * import { chatModelContract, FakeChatModel } from "fmops/testing";
 *
 * describe("FakeChatModel meets the ChatModel contract", () => {
 *   const cases = chatModelContract(
 *     (turn) =>
 *       new FakeChatModel({
 *         responses: () => (turn.toolCalls ? { text: turn.text, toolCalls: [...turn.toolCalls] } : turn.text),
 *         ...(turn.fail ? { failOn: () => true } : {}),
 *         ...(turn.stall ? { delayMs: 600_000 } : {}),
 *       }),
 *     { tools: true },
 *   );
 *   for (const c of cases) it(c.name, c.run);
 * });
 * ```
 */
export function chatModelContract(
  factory: ContractFactory<ChatContractTurn, ChatModel>,
  options: ChatModelContractOptions = {},
): ContractCase[] {
  const streaming = options.streaming ?? true;
  const tools = options.tools ?? false;
  const abortSettleMs = options.abortSettleMs ?? 10_000;
  const make = (
    name: string,
    turn: ChatContractTurn,
    body: (model: ChatModel, name: string) => Promise<void>,
  ) => contractCase(name, () => factory(turn), isChatModel, "ChatModel", body);

  const cases: ContractCase[] = [
    make(
      "generate resolves with the answer's text, usage and latency",
      TEXT_TURN,
      async (model, name) => {
        check(
          typeof model.id === "string" && model.id.length > 0,
          name,
          `model.id must be a non-empty string, got ${describe(model.id)}`,
        );
        const response = await model.generate(REQUEST);
        checkResponse(name, "generate()", response, TEXT_TURN.text);
        checkNoToolCalls(name, "generate()", response);
      },
    ),
    make("generate with an aborted signal rejects with ABORTED", TEXT_TURN, async (model, name) => {
      const err = await rejection(
        model.generate(REQUEST, { signal: abortedSignal() }),
        name,
        "generate() with an aborted signal",
      );
      expectFmopsError(err, name, "generate() with an aborted signal", "ABORTED");
    }),
    make(
      "a failing backend rejects generate with an FmopsError",
      FAILED_TURN,
      async (model, name) => {
        const err = await rejection(
          model.generate(REQUEST),
          name,
          "generate() on a failing backend",
        );
        expectFmopsError(err, name, "generate() on a failing backend");
      },
    ),
  ];

  if (streaming) {
    cases.push(
      make(
        "stream deltas joined equal response().text, with usage and latency",
        TEXT_TURN,
        async (model, name) => {
          const stream = model.stream(REQUEST);
          const deltas = await readDeltas(name, stream);
          const response = await stream.response();
          check(
            deltas.join("") === response.text,
            name,
            `the deltas joined (${describe(deltas.join(""))}) must equal response().text (${describe(response.text)})`,
          );
          checkResponse(name, "stream response()", response, TEXT_TURN.text);
          checkNoToolCalls(name, "stream response()", response);
          const ttft = response.latency?.ttftMs;
          check(
            isFiniteNumber(ttft) && ttft >= 0 && ttft <= (response.latency?.e2eMs ?? 0),
            name,
            `a stream's latency.ttftMs must be set, non-negative and at most e2eMs, got ${describe(response.latency)}`,
          );
        },
      ),
      make("stream with an aborted signal rejects with ABORTED", TEXT_TURN, async (model, name) => {
        const stream = model.stream(REQUEST, { signal: abortedSignal() });
        const err = await rejection(stream.text(), name, "reading a stream with an aborted signal");
        expectFmopsError(err, name, "reading a stream with an aborted signal", "ABORTED");
      }),
      make(
        "aborting in the middle of a stream rejects the read with ABORTED and ends the stream",
        STALLED_TURN,
        async (model, name) => {
          const controller = new AbortController();
          const stream = model.stream(REQUEST, { signal: controller.signal });
          const iterator = stream[Symbol.asyncIterator]();
          const first = await settlesWithin(
            iterator.next(),
            abortSettleMs,
            name,
            "the first delta of a stream whose backend sent some text",
          );
          check(
            first.done !== true && typeof first.value === "string",
            name,
            `the stream must yield the text sent before the pause, got ${describe(first)}`,
          );
          // Read on until the stream has nothing buffered and waits on the backend, then abort.
          const pending = (async () => {
            for (;;) {
              const next = await iterator.next();
              if (next.done) return next;
            }
          })();
          controller.abort();
          const err = await settlesWithin(
            rejection(pending, name, "reading a stream after its signal aborted"),
            abortSettleMs,
            name,
            "reading a stream after its signal aborted",
          );
          expectFmopsError(err, name, "reading a stream after its signal aborted", "ABORTED");
          const responseErr = await settlesWithin(
            rejection(stream.response(), name, "response() of an aborted stream"),
            abortSettleMs,
            name,
            "response() of an aborted stream",
          );
          expectFmopsError(responseErr, name, "response() of an aborted stream");
          const after = await iterator.next();
          check(
            after.done === true,
            name,
            `an aborted stream must be done, got ${describe(after)}`,
          );
        },
      ),
      make(
        "a stream past its timeoutMs rejects with TIMEOUT",
        STALLED_TURN,
        async (model, name) => {
          const what = "reading a stream whose backend stalls past timeoutMs";
          const err = await settlesWithin(
            rejection(model.stream(REQUEST, { timeoutMs: 200 }).text(), name, what),
            abortSettleMs,
            name,
            what,
          );
          expectFmopsError(err, name, what, "TIMEOUT");
        },
      ),
      make(
        "a failing backend rejects a stream with an FmopsError",
        FAILED_TURN,
        async (model, name) => {
          const err = await rejection(
            model.stream(REQUEST).text(),
            name,
            "reading a stream on a failing backend",
          );
          expectFmopsError(err, name, "reading a stream on a failing backend");
        },
      ),
    );
  } else {
    cases.push(
      make(
        "a model that cannot stream refuses stream() with an FmopsError",
        TEXT_TURN,
        async (model, name) => {
          const err = await rejection(
            Promise.resolve().then(() => model.stream(REQUEST).text()),
            name,
            "reading a stream from a model that cannot stream",
          );
          expectFmopsError(err, name, "reading a stream from a model that cannot stream");
        },
      ),
    );
  }

  if (tools) {
    const expected = TOOL_TURN.toolCalls ?? [];
    cases.push(
      make(
        "generate returns the calls of declared tools in toolCalls",
        TOOL_TURN,
        async (model, name) => {
          check(
            model.supportsTools !== false,
            name,
            "a model that returns tool calls must not say supportsTools: false",
          );
          const response = await model.generate(TOOL_REQUEST);
          checkResponse(name, "generate()", response, TOOL_TURN.text);
          checkToolCalls(name, "generate()", response.toolCalls, expected);
        },
      ),
    );
    if (streaming) {
      cases.push(
        make(
          "a stream's response() carries the tool calls assembled from its deltas",
          TOOL_TURN,
          async (model, name) => {
            const stream = model.stream(TOOL_REQUEST);
            const deltas = await readDeltas(name, stream);
            const response = await stream.response();
            check(
              deltas.join("") === response.text,
              name,
              `the deltas joined (${describe(deltas.join(""))}) must equal response().text (${describe(response.text)})`,
            );
            checkResponse(name, "stream response()", response, TOOL_TURN.text);
            checkToolCalls(name, "stream response()", response.toolCalls, expected);
          },
        ),
      );
    }
  } else {
    cases.push(
      make("a request with tools is refused with an FmopsError", TEXT_TURN, async (model, name) => {
        check(
          model.supportsTools !== true,
          name,
          "a model that refuses tools must not say supportsTools: true",
        );
        const err = await rejection(
          Promise.resolve().then(() => model.generate(TOOL_REQUEST)),
          name,
          "generate() with tools on a model without tool use",
        );
        expectFmopsError(err, name, "generate() with tools on a model without tool use");
      }),
    );
  }
  return cases;
}
