/**
 * The idle limit costs a fixed number of timers and abort listeners per stream, however many
 * tokens flow through it: it is armed when the stream starts and re-armed only when a whole idle
 * period has passed, never once per chunk or per event.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeResponseStream } from "../../src/streaming/decoders.js";
import { LineIterator } from "../../src/streaming/line-iterator.js";
import { TokenStream } from "../../src/streaming/token-stream.js";
import { recordingSource, utf8 } from "./stream-helpers.js";

/** An LMI rolling-batch stream of `n` tokens, one token per chunk (the worst case for timers). */
function lmiChunks(n: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < n; i++) chunks.push(utf8(`{"token":{"id":${i},"text":" t${i}"}}\n`));
  return chunks;
}

/** Counts timers created and abort listeners added while `run` runs. */
async function countArming(
  run: () => Promise<void>,
): Promise<{ timers: number; listeners: number }> {
  const timers = vi.spyOn(globalThis, "setTimeout");
  const add = EventTarget.prototype.addEventListener;
  let listeners = 0;
  const spy = vi.spyOn(EventTarget.prototype, "addEventListener").mockImplementation(function (
    this: EventTarget,
    type,
    listener,
    options,
  ) {
    if (type === "abort") listeners++;
    return add.call(this, type, listener, options);
  });
  try {
    await run();
    return { timers: timers.mock.calls.length, listeners };
  } finally {
    timers.mockRestore();
    spy.mockRestore();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("one idle timer per stream", () => {
  const tokenStream = (n: number) =>
    countArming(async () => {
      const controller = new AbortController();
      const stream = new TokenStream(
        (signal) =>
          decodeResponseStream(recordingSource(lmiChunks(n)), {
            format: "lmi",
            idleTimeoutMs: 30_000,
            signal,
          }),
        { idleTimeoutMs: 30_000, signal: controller.signal },
      );
      let deltas = 0;
      for await (const _ of stream) deltas++;
      expect(deltas).toBe(n);
    });

  it("a TokenStream over a decoded SageMaker stream arms the same timers for 10 or 2000 tokens", async () => {
    const small = await tokenStream(10);
    const large = await tokenStream(2000);
    expect(large.timers).toBe(small.timers);
    expect(large.listeners).toBe(small.listeners);
    // Deadline, opener race, the token-stream idle watch and the line-iterator idle watch.
    expect(large.timers).toBeLessThanOrEqual(4);
  });

  it("LineIterator arms one timer and one abort listener however many chunks arrive", async () => {
    const lines = (n: number) =>
      countArming(async () => {
        const controller = new AbortController();
        let count = 0;
        for await (const _ of new LineIterator(recordingSource(lmiChunks(n)), {
          idleTimeoutMs: 30_000,
          signal: controller.signal,
        })) {
          count++;
        }
        expect(count).toBe(n);
      });
    const small = await lines(5);
    const large = await lines(3000);
    expect(large).toEqual(small);
    expect(large.timers).toBe(1);
    expect(large.listeners).toBe(1);
  });

  it("a consumer slower than the idle limit between items is not timed out: only waiting counts", async () => {
    // Each item arrives at once, but the consumer holds it for longer than the idle limit.
    const source = recordingSource(lmiChunks(3));
    const seen: string[] = [];
    for await (const line of new LineIterator(source, { idleTimeoutMs: 20 })) {
      seen.push(line);
      await new Promise((resolve) => setTimeout(resolve, 45));
    }
    expect(seen).toHaveLength(3);
  });

  it("items that keep coming within the limit outlast the first timer: it re-arms for what is left", async () => {
    // Eight items, each a quarter of the limit apart: the stream runs twice the limit in all,
    // so a timer that was armed once and never re-armed would end it half way.
    const idleTimeoutMs = 400;
    const items = lmiChunks(8);
    let index = 0;
    const slow: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise<IteratorResult<Uint8Array>>((resolve) =>
            setTimeout(
              () =>
                resolve(
                  index < items.length
                    ? { value: items[index++] as Uint8Array, done: false }
                    : { value: undefined, done: true },
                ),
              idleTimeoutMs / 4,
            ),
          ),
      }),
    };
    const seen: string[] = [];
    for await (const line of new LineIterator(slow, { idleTimeoutMs })) seen.push(line);
    expect(seen).toHaveLength(8);
  });

  it("still times out a source that goes quiet after many items", async () => {
    const source = recordingSource(lmiChunks(50), { stallAfter: 50 });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const line of new LineIterator(source, { idleTimeoutMs: 20 })) seen.push(line);
      })(),
    ).rejects.toMatchObject({ code: "STREAM_IDLE_TIMEOUT" });
    expect(seen).toHaveLength(50);
    expect(source.returnCalls).toBeGreaterThan(0);
  });
});
