import { describe, expect, it } from "vitest";
import { AbortedError, TimeoutError, ValidationError } from "../../src/core/errors.js";
import { decodeResponseStream } from "../../src/streaming/decoders.js";
import { ModelStreamError } from "../../src/streaming/errors.js";
import type { StreamEvent } from "../../src/streaming/events.js";
import { TokenStream } from "../../src/streaming/token-stream.js";
import { collect, collectUntilError, recordingSource, utf8 } from "./stream-helpers.js";

/** A scripted stream: each step sets the fake clock, then yields its event (if any). */
type Step = { at: number; event?: StreamEvent };

function scripted(steps: Step[], endAt: number) {
  let now = 0;
  async function* events(): AsyncGenerator<StreamEvent> {
    for (const step of steps) {
      now = step.at;
      if (step.event) yield step.event;
    }
    now = endAt;
  }
  return { clock: () => now, events };
}

const text = (t: string, tokens?: number): StreamEvent =>
  tokens === undefined ? { type: "text", text: t } : { type: "text", text: t, tokens };

describe("TokenStream", () => {
  it("measures ttft, e2e, otps and e2eOtps on an injected clock, counting tokens itself", async () => {
    const { clock, events } = scripted(
      [
        { at: 200, event: text("Hel", 1) },
        { at: 300, event: text("lo", 1) },
        { at: 400, event: text("!", 1) },
      ],
      500,
    );
    const stream = new TokenStream(() => events(), { now: clock });
    expect(await collect(stream)).toEqual(["Hel", "lo", "!"]);
    expect(stream.usage).toEqual({ outputTokens: 3 });
    expect(stream.latency).toEqual({
      ttftMs: 200,
      e2eMs: 500,
      otps: 10, // (3 - 1) tokens over the 0.2 s from first to last token
      e2eOtps: 6, // 3 tokens over the whole 0.5 s
    });
    expect((await stream.response()).text).toBe("Hello!");
  });

  it("prefers the service's usage to its own count, and reads stop reason and service latency", async () => {
    const { clock, events } = scripted(
      [
        { at: 100, event: { type: "text", text: "a" } },
        { at: 300, event: { type: "text", text: "b" } },
        { at: 300, event: { type: "stop", reason: "length" } },
        { at: 350, event: { type: "usage", usage: { inputTokens: 7, outputTokens: 11 } } },
        { at: 350, event: { type: "serviceLatency", latencyMs: 321 } },
      ],
      400,
    );
    const stream = new TokenStream(() => events(), { now: clock });
    const response = await stream.response();
    expect(response).toEqual({
      text: "ab",
      stopReason: "length",
      usage: { inputTokens: 7, outputTokens: 11 },
      latency: { ttftMs: 100, e2eMs: 400, otps: 50, e2eOtps: 27.5, serviceMs: 321 },
    });
  });

  it("counts multi-token deltas, ignores empty ones for TTFT, and keeps usage without outputTokens", async () => {
    const { clock, events } = scripted(
      [
        { at: 50, event: text("") },
        { at: 100, event: text("ab", 2) },
        { at: 200, event: text("c") },
        { at: 200, event: { type: "usage", usage: { inputTokens: 4 } } },
      ],
      250,
    );
    const stream = new TokenStream(() => events(), { now: clock });
    expect(await stream.text()).toBe("abc");
    expect(stream.usage).toEqual({ inputTokens: 4, outputTokens: 3 });
    expect(stream.latency?.ttftMs).toBe(100);
    expect(stream.latency?.otps).toBe(20);
    expect(stream.latency?.e2eOtps).toBe(12);
  });

  it("reports only e2e latency when no text arrived", async () => {
    const { clock, events } = scripted(
      [{ at: 10, event: { type: "stop", reason: "end_turn" } }],
      40,
    );
    const stream = new TokenStream(() => events(), { now: clock });
    expect(await stream.text()).toBe("");
    expect(stream.latency).toEqual({ e2eMs: 40 });
    expect(stream.usage).toEqual({ outputTokens: 0 });
  });

  it("can be consumed once", async () => {
    const stream = new TokenStream(() => scripted([{ at: 1, event: text("x") }], 2).events());
    await collect(stream);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(
      expect.objectContaining({ code: "STREAM_ALREADY_CONSUMED" }),
    );
    // response() after a full read returns the finished answer instead.
    expect((await stream.response()).text).toBe("x");
  });

  it("an early break closes the source, aborts the opener's signal and leaves response() rejected as cancelled", async () => {
    const source = recordingSource<StreamEvent>([text("a"), text("b")], { stallAfter: 1 });
    let openSignal: AbortSignal | undefined;
    const stream = new TokenStream((signal) => {
      openSignal = signal;
      return source;
    });
    for await (const delta of stream) {
      expect(delta).toBe("a");
      break;
    }
    expect(source.returnCalls).toBe(1);
    // Aborting the opener's signal is what cancels the request and frees its socket.
    expect(openSignal?.aborted).toBe(true);
    await expect(stream.response()).rejects.toMatchObject({ code: "STREAM_CANCELLED" });
  });

  it("abort: rejects with ABORTED, aborts the opener's signal and closes the source", async () => {
    const controller = new AbortController();
    const source = recordingSource<StreamEvent>([text("a")], { stallAfter: 1 });
    let openSignal: AbortSignal | undefined;
    const stream = new TokenStream(
      (signal) => {
        openSignal = signal;
        return source;
      },
      { signal: controller.signal },
    );
    const seen: string[] = [];
    const { error } = await collectUntilError(
      (async function* () {
        for await (const delta of stream) {
          seen.push(delta);
          setTimeout(() => controller.abort(), 5);
          yield delta;
        }
      })(),
    );
    expect(seen).toEqual(["a"]);
    expect(error).toBeInstanceOf(AbortedError);
    expect(openSignal?.aborted).toBe(true);
    expect(source.returnCalls).toBe(1);
    await expect(stream.response()).rejects.toBeInstanceOf(AbortedError);
  });

  it("idle timeout: STREAM_IDLE_TIMEOUT when the model goes quiet", async () => {
    const source = recordingSource<StreamEvent>([text("a")], { stallAfter: 1 });
    const stream = new TokenStream(() => source, { idleTimeoutMs: 20 });
    const { items, error } = await collectUntilError(stream);
    expect(items).toEqual(["a"]);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: "STREAM_IDLE_TIMEOUT" });
    expect(source.returnCalls).toBe(1);
  });

  describe("opening", () => {
    /** An opener that never settles and ignores its signal, recording the signal it got. */
    function stuckOpener() {
      const seen: { signal?: AbortSignal } = {};
      const open = (signal: AbortSignal) => {
        seen.signal = signal;
        return new Promise<AsyncIterable<StreamEvent>>(() => {});
      };
      return { open, seen };
    }

    it("an opener that never settles ends with TIMEOUT at the deadline, its signal aborted", async () => {
      const { open, seen } = stuckOpener();
      const stream = new TokenStream(open, { timeoutMs: 50, idleTimeoutMs: 60_000 });
      await expect(stream.text()).rejects.toMatchObject({ code: "TIMEOUT" });
      expect(seen.signal?.aborted).toBe(true);
    });

    it("the idle limit counts from the request: an opener slower than idleTimeoutMs ends with STREAM_IDLE_TIMEOUT", async () => {
      const { open, seen } = stuckOpener();
      const stream = new TokenStream(open, { timeoutMs: 60_000, idleTimeoutMs: 50 });
      const error = await stream.text().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ code: "STREAM_IDLE_TIMEOUT", timeoutMs: 50 });
      expect(seen.signal?.aborted).toBe(true);
    });

    it("the caller's signal ends a stuck opener with ABORTED and aborts the opener's signal", async () => {
      const { open, seen } = stuckOpener();
      const controller = new AbortController();
      const stream = new TokenStream(open, { signal: controller.signal, idleTimeoutMs: 60_000 });
      const done = stream.text().catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort(new Error("user left"));
      expect(await done).toBeInstanceOf(AbortedError);
      expect(seen.signal?.aborted).toBe(true);
    });

    it("closes a source that the opener delivers after the stream gave up", async () => {
      let deliver!: (source: AsyncIterable<StreamEvent>) => void;
      const stream = new TokenStream(
        () =>
          new Promise<AsyncIterable<StreamEvent>>((resolve) => {
            deliver = resolve;
          }),
        { idleTimeoutMs: 20 },
      );
      await expect(stream.text()).rejects.toMatchObject({ code: "STREAM_IDLE_TIMEOUT" });
      const source = recordingSource<StreamEvent>([text("late")]);
      deliver(source);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(source.returnCalls).toBe(1);
      expect(source.nextCalls).toBe(0);
    });
  });

  it("leaves the opener's signal alone when the stream completes", async () => {
    let openSignal: AbortSignal | undefined;
    const stream = new TokenStream((signal) => {
      openSignal = signal;
      return recordingSource<StreamEvent>([text("done")]);
    });
    expect(await stream.text()).toBe("done");
    expect(openSignal?.aborted).toBe(false);
  });

  it("whole-stream timeout: TIMEOUT even while tokens keep coming slowly", async () => {
    async function* trickle(signal: AbortSignal): AsyncGenerator<StreamEvent> {
      while (!signal.aborted) {
        yield text(".");
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    const stream = new TokenStream((signal) => trickle(signal), {
      timeoutMs: 40,
      idleTimeoutMs: 1_000,
    });
    const { error } = await collectUntilError(stream);
    expect(error).toMatchObject({ code: "TIMEOUT" });
  });

  it("passes errors of the stream through, to the loop and to response()", async () => {
    async function* failing(): AsyncGenerator<StreamEvent> {
      yield text("partial");
      throw new ModelStreamError("model died", "StreamBroken");
    }
    const stream = new TokenStream(() => failing());
    const { items, error } = await collectUntilError(stream);
    expect(items).toEqual(["partial"]);
    expect(error).toBeInstanceOf(ModelStreamError);
    await expect(stream.response()).rejects.toBe(error);
  });

  it("decodes a real response stream end to end", async () => {
    const tgi =
      'data:{"token":{"id":1,"text":" Hi","special":false},"generated_text":null,"details":null}\n\n' +
      'data:{"token":{"id":2,"text":"</s>","special":true},"generated_text":" Hi","details":{"finish_reason":"eos_token","generated_tokens":2,"input_length":4}}\n\n';
    const stream = new TokenStream(() =>
      decodeResponseStream(recordingSource([utf8(tgi.slice(0, 30)), utf8(tgi.slice(30))]), {
        contentType: "text/event-stream",
      }),
    );
    const response = await stream.response();
    expect(response.text).toBe(" Hi");
    expect(response.stopReason).toBe("eos_token");
    expect(response.usage).toEqual({ inputTokens: 4, outputTokens: 2 });
  });

  it("validates its options", () => {
    const open = () => scripted([], 0).events();
    expect(() => new TokenStream(open, { idleTimeoutMs: 0 })).toThrow(ValidationError);
    expect(() => new TokenStream(open, { timeoutMs: -5 })).toThrow(/timeoutMs/);
    expect(() => new TokenStream("nope" as unknown as typeof open)).toThrow(/open/);
  });
});
