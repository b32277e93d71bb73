import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../../src/core/chat.js";
import { messageText } from "../../src/core/chat.js";
import { AbortedError, FmopsError, TimeoutError, ValidationError } from "../../src/core/errors.js";
import { TokenStream } from "../../src/streaming/token-stream.js";
import { FakeChatModel } from "../../src/testing/index.js";
import { countWhitespaceTokens, splitIntoDeltas } from "../../src/testing/tokens.js";

const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: "user", content }],
  ...extra,
});

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const delta of stream) out.push(delta);
  return out;
}

describe("FakeChatModel.generate", () => {
  it("answers from the script in order and records every request", async () => {
    const model = new FakeChatModel({ responses: ["one", "two"] });
    expect(model.id).toBe("fake:chat");
    const first = await model.generate(ask("a", { system: "be brief" }));
    const second = await model.generate(ask("b"));
    expect(first.text).toBe("one");
    expect(second.text).toBe("two");
    expect(first.stopReason).toBe("end_turn");
    expect(first.latency?.e2eMs).toBeGreaterThanOrEqual(0);
    expect(model.calls).toBe(2);
    expect(model.requests).toEqual([ask("a", { system: "be brief" }), ask("b")]);
  });

  it("keeps deep copies of requests, safe from later mutation", async () => {
    const model = new FakeChatModel({ responses: ["x"] });
    const request = ask("original");
    await model.generate(request);
    (request.messages[0] as { content: string }).content = "mutated";
    request.messages.push({ role: "assistant", content: "added" });
    expect(model.requests[0]).toEqual(ask("original"));
  });

  it("throws FAKE_RESPONSES_EXHAUSTED naming how many answers were scripted", async () => {
    const model = new FakeChatModel({ responses: ["only"] });
    await model.generate(ask("1"));
    const error = await model.generate(ask("2")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FmopsError);
    expect(error).toMatchObject({ code: "FAKE_RESPONSES_EXHAUSTED", retryable: false });
    expect((error as Error).message).toContain("scripted with 1 response,");
    expect(model.calls).toBe(2);
  });

  it("passes the request and the zero-based call index to a responder function", async () => {
    const seen: [string, number][] = [];
    const model = new FakeChatModel({
      responses: async (request, call) => {
        seen.push([messageText(request.messages[0] ?? { content: "" }), call]);
        return `answer ${call}`;
      },
    });
    expect((await model.generate(ask("hi"))).text).toBe("answer 0");
    expect(await model.stream(ask("there")).text()).toBe("answer 1");
    expect(seen).toEqual([
      ["hi", 0],
      ["there", 1],
    ]);
  });

  it("fails the calls named in failOn with a retryable FAKE_MODEL_FAILURE, without using up answers", async () => {
    const model = new FakeChatModel({ responses: ["first", "second"], failOn: [0, 2] });
    await expect(model.generate(ask("a"))).rejects.toMatchObject({
      code: "FAKE_MODEL_FAILURE",
      retryable: true,
    });
    expect((await model.generate(ask("b"))).text).toBe("first");
    await expect(model.stream(ask("c")).text()).rejects.toMatchObject({
      code: "FAKE_MODEL_FAILURE",
    });
    expect((await model.generate(ask("d"))).text).toBe("second");
    expect(model.calls).toBe(4);
  });

  it("uses a failOn predicate and a custom error factory", async () => {
    const model = new FakeChatModel({
      responses: () => "ok",
      failOn: (request) => request.messages[0]?.content === "boom",
      error: (_request, call) => new FmopsError("AWS_MODEL_ERROR", `call ${call} broke`),
    });
    await expect(model.generate(ask("boom"))).rejects.toMatchObject({
      code: "AWS_MODEL_ERROR",
      message: "call 0 broke",
    });
    expect((await model.generate(ask("fine"))).text).toBe("ok");
  });

  it("counts usage as whitespace tokens of the prompt and the answer", async () => {
    const model = new FakeChatModel({ responses: ["three word answer"] });
    const response = await model.generate({
      system: "You are helpful",
      messages: [
        { role: "user", content: "first question" },
        { role: "assistant", content: "reply" },
        { role: "user", content: "and another one" },
      ],
    });
    expect(response.usage).toEqual({ inputTokens: 9, outputTokens: 3, totalTokens: 12 });
  });

  it("cuts the answer at stop sequences and maxTokens like a real model", async () => {
    const model = new FakeChatModel({
      responses: ["SELECT 1;\nEND more text", "a b c d e", "a b STOP c"],
    });
    const stopped = await model.generate(ask("q", { stopSequences: ["nothing", "\nEND"] }));
    expect(stopped).toMatchObject({ text: "SELECT 1;", stopReason: "stop_sequence" });
    const limited = await model.generate(ask("q", { maxTokens: 3 }));
    expect(limited).toMatchObject({ text: "a b c", stopReason: "max_tokens" });
    expect(limited.usage?.outputTokens).toBe(3);
    const earliest = await model.generate(ask("q", { stopSequences: ["c", "STOP"] }));
    expect(earliest.text).toBe("a b ");
  });

  it("rejects invalid requests with ValidationError before recording them", async () => {
    const model = new FakeChatModel({ responses: ["x"] });
    const bad = { messages: [{ role: "robot", content: "hi" }] } as unknown as ChatRequest;
    await expect(model.generate(bad)).rejects.toBeInstanceOf(ValidationError);
    await expect(model.generate(bad)).rejects.toThrow(/messages\.0\.role/);
    expect(() => model.stream({ messages: [] })).toThrow(ValidationError);
    expect(model.calls).toBe(0);
  });

  it("rejects invalid options naming the field", () => {
    expect(() => new FakeChatModel({ responses: ["a"], chunkSize: 0 })).toThrow(/chunkSize/);
    expect(() => new FakeChatModel({ responses: ["a"], delayMs: -1 })).toThrow(/delayMs/);
    expect(() => new FakeChatModel({ responses: "a" as unknown as string[] })).toThrow(/responses/);
    expect(() => new FakeChatModel({ responses: ["a"], failOn: [-1] })).toThrow(/failOn/);
  });

  it("rejects a responder that returns a non-string", async () => {
    const model = new FakeChatModel({ responses: () => 42 as unknown as string });
    await expect(model.generate(ask("q"))).rejects.toMatchObject({
      code: "FAKE_INVALID_RESPONSE",
    });
  });

  it("waits the scripted delays, and an abort during them ends the call at once", async () => {
    const model = new FakeChatModel({ responses: ["slow answer"], firstTokenDelayMs: 60_000 });
    const controller = new AbortController();
    const pending = model.generate(ask("q"), { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
  });

  it("times out with TimeoutError when timeoutMs is shorter than the delays", async () => {
    const model = new FakeChatModel({ responses: ["a b c"], delayMs: 60_000 });
    await expect(model.generate(ask("q"), { timeoutMs: 10 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it("stops waiting for a hanging responder when aborted", async () => {
    const model = new FakeChatModel({ responses: () => new Promise<string>(() => {}) });
    const controller = new AbortController();
    const pending = model.generate(ask("q"), { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
  });
});

describe("FakeChatModel.stream", () => {
  it("returns a TokenStream of word deltas with usage, stop reason and latency", async () => {
    const model = new FakeChatModel({ responses: ["Hello big  world "] });
    const stream = model.stream(ask("hi there"));
    expect(stream).toBeInstanceOf(TokenStream);
    expect(await collect(stream)).toEqual(["Hello", " big", "  world", " "]);
    const response = await stream.response();
    expect(response.text).toBe("Hello big  world ");
    expect(response.stopReason).toBe("end_turn");
    expect(stream.usage).toMatchObject({ inputTokens: 2, outputTokens: 3 });
    expect(stream.latency?.ttftMs).toBeGreaterThanOrEqual(0);
    expect(stream.latency?.e2eMs).toBeGreaterThanOrEqual(stream.latency?.ttftMs ?? 0);
  });

  it("streams fixed-size chunks without splitting surrogate pairs", async () => {
    const model = new FakeChatModel({ responses: ["ab😀cde"], chunkSize: 2 });
    expect(await collect(model.stream(ask("q")))).toEqual(["ab", "😀c", "de"]);
  });

  it("records the request when stream() is called and keeps call order for scripted answers", async () => {
    const model = new FakeChatModel({ responses: ["first", "second"] });
    const a = model.stream(ask("a"));
    const b = model.stream(ask("b"));
    expect(model.calls).toBe(2);
    expect(await b.text()).toBe("second");
    expect(await a.text()).toBe("first");
  });

  it("honours delays between deltas and ends promptly when aborted mid-stream", async () => {
    const model = new FakeChatModel({ responses: ["one two three"], delayMs: 60_000 });
    const controller = new AbortController();
    const stream = model.stream(ask("q"), { signal: controller.signal });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const delta of stream) {
        seen.push(delta);
        controller.abort();
      }
    })();
    await expect(reading).rejects.toBeInstanceOf(AbortedError);
    expect(seen).toEqual(["one"]);
    await expect(stream.response()).rejects.toBeInstanceOf(AbortedError);
  });

  it("times out during the first-token delay", async () => {
    const model = new FakeChatModel({ responses: ["x"], firstTokenDelayMs: 60_000 });
    await expect(model.stream(ask("q"), { timeoutMs: 10 }).text()).rejects.toMatchObject({
      code: "TIMEOUT",
    });
  });

  it("streams with real delays and measures a positive TTFT", async () => {
    const model = new FakeChatModel({ responses: ["a b"], firstTokenDelayMs: 20, delayMs: 5 });
    const stream = model.stream(ask("q"));
    expect(await stream.text()).toBe("a b");
    expect(stream.latency?.ttftMs).toBeGreaterThan(0);
  });

  it("streams exhausted scripts as FAKE_RESPONSES_EXHAUSTED on first read", async () => {
    const model = new FakeChatModel({ responses: [] });
    const stream = model.stream(ask("q"));
    await expect(stream.text()).rejects.toMatchObject({ code: "FAKE_RESPONSES_EXHAUSTED" });
  });
});

describe("delta splitting", () => {
  it("reassembles to the original text for any text and chunk size", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme" }),
        fc.option(fc.integer({ min: 1, max: 8 })),
        (text, size) => {
          const deltas = splitIntoDeltas(text, size ?? undefined);
          expect(deltas.join("")).toBe(text);
          for (const d of deltas) expect(d.length).toBeGreaterThan(0);
          if (size === null) {
            // Word mode: every delta holds at most one word.
            for (const d of deltas) expect(countWhitespaceTokens(d)).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });

  it("streams any scripted text back exactly", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string(),
        fc.option(fc.integer({ min: 1, max: 5 })),
        async (text, size) => {
          const model = new FakeChatModel({ responses: [text], chunkSize: size ?? undefined });
          expect(await model.stream(ask("q")).text()).toBe(text);
        },
      ),
      { numRuns: 50 },
    );
  });
});
