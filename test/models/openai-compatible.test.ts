import type { IncomingMessage, ServerResponse } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatRequest } from "../../src/core/chat.js";
import {
  AbortedError,
  FmopsError,
  PermissionDeniedError,
  TimeoutError,
  ValidationError,
} from "../../src/core/errors.js";
import { HttpError, OpenAICompatibleChatModel } from "../../src/models/openai-compatible.js";
import { ModelStreamError } from "../../src/streaming/errors.js";
import { pause, type RunningServer, readBody, startServer, writeChunk } from "../emulators/http.js";

/** What the server received. */
interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

type Handler = (res: ServerResponse, received: Received) => Promise<void>;

const encode = (text: string) => new TextEncoder().encode(text);

let server: RunningServer;
let handler: Handler;
let received: Received[];

beforeAll(async () => {
  server = await startServer(async (req, res) => {
    const raw = new TextDecoder().decode(await readBody(req));
    const entry: Received = {
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
    };
    received.push(entry);
    await handler(res, entry);
  });
});
afterAll(() => server.close());
beforeEach(() => {
  received = [];
});

const API_KEY = "sk-local-test-key-123456";

function model(extra: Partial<ConstructorParameters<typeof OpenAICompatibleChatModel>[0]> = {}) {
  return new OpenAICompatibleChatModel({
    baseUrl: `${server.endpoint}/v1`,
    model: "meta-llama/Llama-3.1-8B-Instruct",
    ...extra,
  });
}

const request: ChatRequest = {
  system: "You are terse.",
  messages: [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello." },
    { role: "user", content: "Capital of France?" },
  ],
  temperature: 0.2,
  topP: 0.9,
  maxTokens: 64,
  stopSequences: ["\n\n"],
};

/** A vLLM (0.6+) non-streaming chat completion, as recorded from `vllm serve`. */
const vllmCompletion = {
  id: "chatcmpl-5b8e2d0c1f7a4c0e9d3b6a2f1e0d9c8b",
  object: "chat.completion",
  created: 1_726_000_000,
  model: "meta-llama/Llama-3.1-8B-Instruct",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "Paris.", tool_calls: [] },
      logprobs: null,
      finish_reason: "stop",
      stop_reason: null,
    },
  ],
  usage: { prompt_tokens: 41, total_tokens: 44, completion_tokens: 3 },
  prompt_logprobs: null,
};

function json(res: ServerResponse, status: number, body: unknown): Promise<void> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json" });
  res.end(text);
  return Promise.resolve();
}

/** vLLM's chat.completion.chunk events for the given deltas, with usage and [DONE]. */
function vllmSse(deltas: string[], finish = "stop"): string {
  return vllmEvents(deltas, finish).join("");
}

/** The SSE events of {@link vllmSse}, one string (ending in a blank line) per event. */
function vllmEvents(deltas: string[], finish = "stop"): string[] {
  const base = {
    id: "chatcmpl-0f1e2d3c",
    object: "chat.completion.chunk",
    created: 1_726_000_000,
    model: "meta-llama/Llama-3.1-8B-Instruct",
  };
  const events: unknown[] = [
    {
      ...base,
      choices: [
        {
          index: 0,
          delta: { role: "assistant", content: "" },
          logprobs: null,
          finish_reason: null,
        },
      ],
      usage: null,
    },
    ...deltas.map((content) => ({
      ...base,
      choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }],
      usage: null,
    })),
    {
      ...base,
      choices: [
        {
          index: 0,
          delta: { content: "" },
          logprobs: null,
          finish_reason: finish,
          stop_reason: null,
        },
      ],
      usage: null,
    },
    {
      ...base,
      choices: [],
      usage: {
        prompt_tokens: 41,
        total_tokens: 41 + deltas.length,
        completion_tokens: deltas.length,
      },
    },
  ];
  return [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), "data: [DONE]\n\n"];
}

/** Sends `text` as an SSE response, cut at the given byte offsets into separate writes. */
async function sse(res: ServerResponse, text: string, cuts: number[] = []): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const bytes = new TextEncoder().encode(text);
  let from = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (cut <= from || cut >= bytes.length) continue;
    await writeChunk(res, bytes.subarray(from, cut));
    from = cut;
  }
  await writeChunk(res, bytes.subarray(from));
  res.end();
}

/**
 * Makes the server start an SSE answer with `head` and then send nothing more until the client
 * goes away; `closed` resolves when it does (the server alone never ends the response).
 */
function stall(head: string): { closed: Promise<void> } {
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  handler = async (res) => {
    res.once("close", () => markClosed());
    res.writeHead(200, { "content-type": "text/event-stream" });
    await writeChunk(res, encode(head));
    await pause(res, 60_000);
    res.end();
  };
  return { closed };
}

describe("OpenAICompatibleChatModel.generate", () => {
  it("posts the chat request in the OpenAI shape and parses the vLLM answer", async () => {
    handler = (res) => json(res, 200, vllmCompletion);
    const m = model({
      apiKey: API_KEY,
      headers: { "x-team": "search" },
      extraBody: { top_k: 40, repetition_penalty: 1.1 },
    });
    expect(m.id).toBe("openai-compatible:meta-llama/Llama-3.1-8B-Instruct");
    const response = await m.generate(request);
    expect(response.text).toBe("Paris.");
    expect(response.stopReason).toBe("stop");
    expect(response.usage).toEqual({ inputTokens: 41, outputTokens: 3, totalTokens: 44 });
    expect(response.latency?.e2eMs).toBeGreaterThanOrEqual(0);

    expect(received).toHaveLength(1);
    const [r] = received;
    expect(r?.method).toBe("POST");
    expect(r?.url).toBe("/v1/chat/completions");
    expect(r?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(r?.headers["content-type"]).toBe("application/json");
    expect(r?.headers.accept).toBe("application/json");
    expect(r?.headers["x-team"]).toBe("search");
    expect(r?.body).toEqual({
      model: "meta-llama/Llama-3.1-8B-Instruct",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello." },
        { role: "user", content: "Capital of France?" },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 64,
      stop: ["\n\n"],
      stream: false,
      top_k: 40,
      repetition_penalty: 1.1,
    });
  });

  it("sends only what the request sets, and extraBody cannot override request fields", async () => {
    handler = (res) => json(res, 200, vllmCompletion);
    await model({ extraBody: { model: "other", stream: true, max_tokens: 10 } }).generate({
      messages: [{ role: "user", content: "x" }],
    });
    expect(received[0]?.body).toEqual({
      model: "meta-llama/Llama-3.1-8B-Instruct",
      messages: [{ role: "user", content: "x" }],
      stream: false,
      max_tokens: 10,
    });
    expect(received[0]?.headers.authorization).toBeUndefined();
  });

  it("joins baseUrl with or without a trailing slash", async () => {
    handler = (res) => json(res, 200, vllmCompletion);
    await model({ baseUrl: `${server.endpoint}/v1/` }).generate(request);
    expect(received[0]?.url).toBe("/v1/chat/completions");
  });

  it("lets apiKey replace an Authorization header given in headers", async () => {
    handler = (res) => json(res, 200, vllmCompletion);
    await model({ apiKey: API_KEY, headers: { Authorization: "Bearer other" } }).generate(request);
    expect(received[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it("treats a null content (tool-call answers) as empty text", async () => {
    const choice = {
      index: 0,
      message: { role: "assistant", content: null },
      finish_reason: "tool_calls",
    };
    handler = (res) => json(res, 200, { ...vllmCompletion, choices: [choice] });
    expect(await model().generate(request)).toMatchObject({ text: "", stopReason: "tool_calls" });
  });

  it("uses an injected fetch", async () => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) =>
      Response.json({ choices: [{ message: { content: "from fake fetch" } }] }),
    );
    const m = new OpenAICompatibleChatModel({
      baseUrl: "http://127.0.0.1:9/v1",
      model: "m",
      fetch,
    });
    const response = await m.generate({ messages: [{ role: "user", content: "q" }] });
    expect(response.text).toBe("from fake fetch");
    expect(response.usage).toBeUndefined();
    expect(fetch).toHaveBeenCalledWith(
      "http://127.0.0.1:9/v1/chat/completions",
      expect.objectContaining({ method: "POST", signal: expect.any(AbortSignal) }),
    );
  });

  it("rejects answers that are not chat completions with UNEXPECTED_RESPONSE", async () => {
    handler = (res) => json(res, 200, "<html>proxy login</html>");
    await expect(model().generate(request)).rejects.toMatchObject({ code: "UNEXPECTED_RESPONSE" });
    handler = (res) => json(res, 200, { object: "list", data: [] });
    const error = await model()
      .generate(request)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "UNEXPECTED_RESPONSE" });
    expect((error as Error).message).toContain("choices[0].message.content");
  });
});

describe("HTTP and network errors", () => {
  it("maps 401 and 403 to PermissionDeniedError without leaking the key", async () => {
    for (const status of [401, 403]) {
      handler = (res) =>
        json(res, status, {
          error: { message: `Invalid API key ${API_KEY}`, type: "auth", code: status },
        });
      const error = await model({ apiKey: API_KEY })
        .generate(request)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect((error as FmopsError).retryable).toBe(false);
      expect((error as Error).message).toContain(`HTTP ${status}`);
      expect((error as Error).message).toContain("Invalid API key [redacted]");
      expect((error as Error).message).not.toContain(API_KEY);
    }
  });

  it("maps 429 and 5xx to retryable HTTP_<status> errors with the server's message", async () => {
    for (const status of [429, 500, 503]) {
      handler = (res) =>
        json(res, status, {
          object: "error",
          message: `busy ${status}`,
          type: "ServiceUnavailableError",
          param: null,
          code: status,
        });
      const error = await model()
        .generate(request)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ code: `HTTP_${status}`, retryable: true, status });
      expect((error as Error).message).toContain(`busy ${status}`);
    }
  });

  it("maps other 4xx to non-retryable errors: vLLM, TGI and plain-text bodies", async () => {
    const cases: [number, unknown, string][] = [
      [
        400,
        {
          object: "error",
          message:
            "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
          type: "BadRequestError",
          param: null,
          code: 400,
        },
        "maximum context length is 8192",
      ],
      [
        422,
        {
          error: "Input validation error: `temperature` must be strictly positive",
          error_type: "validation",
        },
        "Input validation error",
      ],
      [
        404,
        {
          error: { message: "The model `llama` does not exist.", type: "NotFoundError", code: 404 },
        },
        "does not exist",
      ],
      [400, "plain text failure", "plain text failure"],
    ];
    for (const [status, body, expected] of cases) {
      handler = (res) => json(res, status, body);
      const error = await model()
        .generate(request)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: `HTTP_${status}`, retryable: false });
      expect((error as Error).message).toContain(expected);
      if (status === 404) expect((error as Error).message).toContain("/v1");
    }
  });

  it("quotes at most 200 characters of a long error body", async () => {
    handler = (res) => json(res, 400, { error: { message: "x".repeat(5_000) } });
    const error = (await model()
      .generate(request)
      .catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain("x".repeat(201));
    expect(error.message).toContain("more characters");
  });

  it("reports the same HTTP errors from a stream on first read", async () => {
    handler = (res) => json(res, 429, { error: { message: "rate limited" } });
    const error = await model()
      .stream(request)
      .text()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "HTTP_429", retryable: true });
  });

  it("turns a refused connection into a retryable NETWORK_ERROR", async () => {
    const closed = await startServer(async () => {});
    const url = `${closed.endpoint}/v1`;
    await closed.close();
    const m = new OpenAICompatibleChatModel({ baseUrl: url, model: "m", apiKey: API_KEY });
    const error = await m.generate(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FmopsError);
    expect(error).toMatchObject({ code: "NETWORK_ERROR", retryable: true });
    expect((error as Error).message).toContain("ECONNREFUSED");
    await expect(m.stream(request).text()).rejects.toMatchObject({ code: "NETWORK_ERROR" });
  });

  it("turns a connection dropped mid-answer into a retryable error", async () => {
    handler = async (res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      await writeChunk(res, new TextEncoder().encode('{"choices": ['));
      res.destroy();
    };
    await expect(model().generate(request)).rejects.toMatchObject({
      code: "NETWORK_ERROR",
      retryable: true,
    });
  });
});

describe("OpenAICompatibleChatModel.stream", () => {
  it("sends stream and include_usage, and decodes vLLM's SSE into a TokenStream", async () => {
    handler = (res) => sse(res, vllmSse(["The", " capital", " is", " Paris", "."]));
    const stream = model({ apiKey: API_KEY }).stream(request);
    expect(received).toHaveLength(0); // nothing is sent before the first read
    const deltas: string[] = [];
    for await (const delta of stream) deltas.push(delta);
    expect(deltas).toEqual(["The", " capital", " is", " Paris", "."]);
    const response = await stream.response();
    expect(response.text).toBe("The capital is Paris.");
    expect(response.stopReason).toBe("stop");
    expect(stream.usage).toEqual({ inputTokens: 41, outputTokens: 5, totalTokens: 46 });
    expect(stream.latency?.ttftMs).toBeGreaterThanOrEqual(0);
    const r = received[0];
    expect(r?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 64,
    });
    expect(r?.headers.accept).toBe("text/event-stream");
    expect(r?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it("decodes the same answer however the bytes are split across writes", async () => {
    const deltas = ["Ein", " Café", " für", " 🧑‍🍳", "\n", " und", " mehr"];
    const body = vllmSse(deltas, "length");
    const size = new TextEncoder().encode(body).length;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: size - 1 }), { maxLength: 12 }),
        async (cuts) => {
          handler = (res) => sse(res, body, cuts);
          const stream = model().stream(request);
          expect(await stream.text()).toBe(deltas.join(""));
          expect(stream.stopReason).toBe("length");
        },
      ),
      { numRuns: 25 },
    );
  });

  it("accepts CRLF line endings and comments", async () => {
    const body = vllmSse(["a", "b"]).replaceAll("\n", "\r\n");
    handler = (res) => sse(res, `: keep-alive\r\n\r\n${body}`);
    expect(await model().stream(request).text()).toBe("ab");
  });

  it("reads a JSON answer when the server did not stream", async () => {
    handler = (res) => json(res, 200, vllmCompletion);
    const stream = model().stream(request);
    expect(await stream.text()).toBe("Paris.");
    expect(stream.usage).toMatchObject({ inputTokens: 41, outputTokens: 3 });
    expect(stream.stopReason).toBe("stop");
  });

  it("throws ModelStreamError for an error event in the stream, after the text before it", async () => {
    const error = {
      object: "error",
      message: "CUDA out of memory",
      type: "InternalServerError",
      code: 500,
    };
    const [role, partial] = vllmEvents(["partial"]);
    handler = (res) => sse(res, `${role}${partial}data: ${JSON.stringify({ error })}\n\n`);
    const stream = model().stream(request);
    const seen: string[] = [];
    const reading = (async () => {
      for await (const delta of stream) seen.push(delta);
    })();
    await expect(reading).rejects.toBeInstanceOf(ModelStreamError);
    expect(seen).toEqual(["partial"]);
  });

  it("closes the connection when the consumer stops early", async () => {
    const { closed } = stall(vllmEvents(["one", " two"]).slice(0, 2).join(""));
    for await (const delta of model().stream(request)) {
      expect(delta).toBe("one");
      break;
    }
    // The server never ends this response: only the client closing it resolves `closed`.
    await closed;
  });
});

describe("abort and timeouts", () => {
  /** Answers nothing until the client goes away; resolves `closed` when it does. */
  function hang(): { closed: Promise<void> } {
    let markClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      markClosed = resolve;
    });
    handler = async (res) => {
      await pause(res, 60_000);
      markClosed();
      res.end();
    };
    return { closed };
  }

  it("aborts generate with AbortedError and closes the connection", async () => {
    const { closed } = hang();
    const controller = new AbortController();
    const pending = model().generate(request, { signal: controller.signal });
    await vi.waitFor(() => expect(received).toHaveLength(1));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    await closed;
  });

  it("times out generate with TimeoutError", async () => {
    const { closed } = hang();
    const error = await model({ timeoutMs: 50 })
      .generate(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: "TIMEOUT" });
    await closed;
  });

  it("lets a per-call timeoutMs override the model's", async () => {
    const { closed } = hang();
    await expect(
      model({ timeoutMs: 600_000 }).generate(request, { timeoutMs: 20 }),
    ).rejects.toMatchObject({ code: "TIMEOUT" });
    await closed;
  });

  it("aborts a stream mid-answer and closes the connection", async () => {
    const { closed } = stall(vllmEvents(["first"]).slice(0, 2).join(""));
    const controller = new AbortController();
    const stream = model().stream(request, { signal: controller.signal });
    const reading = (async () => {
      for await (const _ of stream) controller.abort();
    })();
    await expect(reading).rejects.toBeInstanceOf(AbortedError);
    await closed;
  });

  it("ends a stalled stream with STREAM_IDLE_TIMEOUT and closes the connection", async () => {
    const { closed } = stall(vllmEvents(["first"]).slice(0, 2).join(""));
    const error = await model({ idleTimeoutMs: 50 })
      .stream(request)
      .text()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: "STREAM_IDLE_TIMEOUT" });
    await closed;
  });

  it("ends a stream that outlives timeoutMs with TIMEOUT", async () => {
    hang();
    await expect(model({ timeoutMs: 50 }).stream(request).text()).rejects.toMatchObject({
      code: "TIMEOUT",
    });
  });
});

describe("validation", () => {
  it("names the bad option", () => {
    const make = (o: Record<string, unknown>) => () =>
      new OpenAICompatibleChatModel({
        baseUrl: "http://127.0.0.1:1/v1",
        model: "m",
        ...o,
      } as never);
    expect(make({ baseUrl: "ftp://127.0.0.1/v1" })).toThrow(/baseUrl/);
    expect(make({ baseUrl: "not a url" })).toThrow(ValidationError);
    expect(make({ model: "" })).toThrow(/model/);
    expect(make({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(make({ headers: { a: 1 } })).toThrow(/headers\.a/);
    expect(make({ fetch: "fetch" })).toThrow(/fetch/);
    expect(make({ apiKey: "" })).toThrow(/apiKey/);
  });

  it("rejects a bad request before any network call", async () => {
    const fetch = vi.fn(async () => Response.json({}));
    const m = new OpenAICompatibleChatModel({
      baseUrl: "http://127.0.0.1:1/v1",
      model: "m",
      fetch,
    });
    await expect(m.generate({ messages: [] })).rejects.toBeInstanceOf(ValidationError);
    expect(() => m.stream({ messages: [{ role: "user", content: "x" }], temperature: 5 })).toThrow(
      /temperature/,
    );
    expect(fetch).not.toHaveBeenCalled();
  });
});
