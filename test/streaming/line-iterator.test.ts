import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AbortedError, FmopsError, TimeoutError, ValidationError } from "../../src/core/errors.js";
import type { StreamChunk } from "../../src/streaming/chunks.js";
import { InternalStreamFailure, ModelStreamError } from "../../src/streaming/errors.js";
import { LineIterator } from "../../src/streaming/line-iterator.js";
import { utf8Length } from "../../src/streaming/line-splitter.js";
import {
  chunk,
  chunking,
  collect,
  collectUntilError,
  cutAt,
  lineText,
  payloadParts,
  recordingSource,
  utf8,
} from "./stream-helpers.js";

/** The lines a correct splitter yields for `lines` joined with `terminators`. */
function encodeLines(
  lines: string[],
  crlf: boolean[],
  finalNewline: boolean,
): { bytes: Uint8Array; expected: string[] } {
  let text = "";
  lines.forEach((line, i) => {
    const last = i === lines.length - 1;
    text += line;
    if (!last || finalNewline) text += crlf[i % Math.max(1, crlf.length)] ? "\r\n" : "\n";
  });
  // Without a final newline, a trailing empty line is no line at all.
  const expected =
    !finalNewline && lines.length > 0 && lines[lines.length - 1] === ""
      ? lines.slice(0, -1)
      : lines;
  return { bytes: utf8(text), expected };
}

const lineList = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: lineText() },
    { weight: 1, arbitrary: fc.constant("") },
    // Very long lines, spanning many chunks.
    { weight: 1, arbitrary: lineText(20).map((s) => s.repeat(200)) },
  ),
  { maxLength: 30 },
);

describe("LineIterator", () => {
  it("splits lines across chunks, strips CRLF, keeps empty lines and yields a final unterminated line", async () => {
    const source = recordingSource(
      cutAt(utf8("alpha\r\nbe|ta\n\n\ngamma\r\nlast"), [3, 7, 8, 12, 21]),
    );
    expect(await collect(new LineIterator(source))).toEqual([
      "alpha",
      "be|ta",
      "",
      "",
      "gamma",
      "last",
    ]);
    expect(source.finished).toBe(true);
  });

  it("decodes a multi-byte character split over chunks of one byte", async () => {
    const chunks = cutAt(utf8("é東🙂\n"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(chunks.length).toBeGreaterThan(5);
    expect(await collect(new LineIterator(recordingSource(chunks)))).toEqual(["é東🙂"]);
  });

  it("turns invalid UTF-8 into U+FFFD without losing the line structure", async () => {
    const bytes = new Uint8Array([0x61, 0xff, 0x0a, 0xe6, 0x0a, 0xe6, 0x9d]);
    expect(await collect(new LineIterator(recordingSource(cutAt(bytes, [1, 4, 6]))))).toEqual([
      "a\ufffd",
      "\ufffd",
      "\ufffd",
    ]);
  });

  it("drops a byte-order mark at the start of the stream only", async () => {
    const bytes = utf8("\ufeffa\n\ufeffb\n");
    expect(await collect(new LineIterator(recordingSource(cutAt(bytes, [1, 2]))))).toEqual([
      "a",
      "\ufeffb",
    ]);
  });

  it("reads SageMaker PayloadPart events, including one without Bytes", async () => {
    const events = [
      { PayloadPart: { Bytes: utf8('{"a":1}\n{"b"') } },
      { PayloadPart: {} },
      { PayloadPart: { Bytes: utf8(":2}\n") } },
    ];
    expect(await collect(new LineIterator(recordingSource(events)))).toEqual([
      '{"a":1}',
      '{"b":2}',
    ]);
  });

  it("property: any lines, any chunking, bytes or PayloadPart events -> the same lines out", async () => {
    await fc.assert(
      fc.asyncProperty(
        lineList,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        chunking(),
        fc.boolean(),
        async (lines, crlf, finalNewline, how, asEvents) => {
          // A BOM at the very start is dropped by design; keep it out of this property.
          fc.pre(!(lines[0] ?? "").startsWith("\ufeff"));
          const { bytes, expected } = encodeLines(lines, crlf, finalNewline);
          const chunks = chunk(bytes, how);
          const source = recordingSource<Uint8Array | { PayloadPart: { Bytes: Uint8Array } }>(
            asEvents ? payloadParts(chunks) : chunks,
          );
          expect(await collect(new LineIterator(source, { maxLineBytes: 1 << 20 }))).toEqual(
            expected,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: arbitrary bytes (invalid UTF-8 included) decode as one whole-stream TextDecoder would", async () => {
    const byte = fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(
        0x0a,
        0x0d,
        0xc3,
        0xa9,
        0xe6,
        0x9d,
        0xb1,
        0xf0,
        0x9f,
        0x99,
        0x82,
        0xef,
        0xbb,
        0xbf,
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 200 }), chunking(), async (values, how) => {
        const bytes = new Uint8Array(values);
        const lines = new TextDecoder().decode(bytes).split("\n");
        if (lines[lines.length - 1] === "") lines.pop();
        const expected = lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
        const out = await collect(new LineIterator(recordingSource(chunk(bytes, how))));
        expect(out).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("property: batches() yields the same lines, grouped, never an empty batch", async () => {
    await fc.assert(
      fc.asyncProperty(lineList, fc.boolean(), chunking(), async (lines, finalNewline, how) => {
        fc.pre(!(lines[0] ?? "").startsWith("\ufeff"));
        const { bytes, expected } = encodeLines(lines, [false, true], finalNewline);
        const batches = await collect(
          new LineIterator(recordingSource(chunk(bytes, how))).batches(),
        );
        for (const batch of batches) expect(batch.length).toBeGreaterThan(0);
        expect(batches.flat()).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("property: a line over maxLineBytes throws STREAM_LINE_TOO_LONG, and only then", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineText(30), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 60 }),
        fc.boolean(),
        chunking(),
        async (lines, limit, finalNewline, how) => {
          fc.pre(!(lines[0] ?? "").startsWith("\ufeff"));
          const { bytes, expected } = encodeLines(lines, [false], finalNewline);
          const longest = Math.max(...expected.map(utf8Length), 0);
          const run = collectUntilError(
            new LineIterator(recordingSource(chunk(bytes, how)), { maxLineBytes: limit }),
          );
          const { items, error } = await run;
          if (longest <= limit) {
            expect(error).toBeUndefined();
            expect(items).toEqual(expected);
          } else {
            expect((error as FmopsError).code).toBe("STREAM_LINE_TOO_LONG");
            const firstLong = expected.findIndex((l) => utf8Length(l) > limit);
            // Every line before the over-long one came out first.
            expect(items).toEqual(expected.slice(0, firstLong));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("measures maxLineBytes in bytes, not characters", async () => {
    const line = "東".repeat(10); // 30 bytes, 10 characters
    await expect(
      collect(new LineIterator(recordingSource([utf8(`${line}\n`)]), { maxLineBytes: 29 })),
    ).rejects.toMatchObject({ code: "STREAM_LINE_TOO_LONG" });
    expect(
      await collect(new LineIterator(recordingSource([utf8(`${line}\n`)]), { maxLineBytes: 30 })),
    ).toEqual([line]);
  });

  it("stops a stream without newlines before it grows past maxLineBytes", async () => {
    const endless = recordingSource(Array.from({ length: 100 }, () => utf8("x".repeat(100))));
    const { items, error } = await collectUntilError(
      new LineIterator(endless, { maxLineBytes: 1000 }),
    );
    expect(items).toEqual([]);
    expect(error).toMatchObject({ code: "STREAM_LINE_TOO_LONG" });
    expect((error as Error).message).toContain("maxLineBytes");
    expect(endless.nextCalls).toBeLessThan(20);
    expect(endless.returnCalls).toBe(1);
  });

  describe("error events", () => {
    it("throws ModelStreamError with its ErrorCode after the lines before it", async () => {
      const source = recordingSource<StreamChunk>([
        { PayloadPart: { Bytes: utf8("one\ntwo\nunfin") } },
        {
          ModelStreamError: { Message: "took too long", ErrorCode: "ModelInvocationTimeExceeded" },
        },
        { PayloadPart: { Bytes: utf8("ished\n") } },
      ]);
      const { items, error } = await collectUntilError(new LineIterator(source));
      expect(items).toEqual(["one", "two"]);
      expect(error).toBeInstanceOf(ModelStreamError);
      expect(error).toMatchObject({
        code: "STREAM_MODEL_ERROR",
        errorCode: "ModelInvocationTimeExceeded",
        retryable: false,
      });
      expect((error as Error).message).toContain("took too long");
      expect(source.returnCalls).toBe(1);
    });

    it("marks StreamBroken retryable", async () => {
      const { error } = await collectUntilError(
        new LineIterator(
          recordingSource<StreamChunk>([
            { ModelStreamError: { Message: "reset", ErrorCode: "StreamBroken" } },
          ]),
        ),
      );
      expect(error).toMatchObject({ errorCode: "StreamBroken", retryable: true });
    });

    it("throws InternalStreamFailure (retryable)", async () => {
      const { error } = await collectUntilError(
        new LineIterator(
          recordingSource<StreamChunk>([{ InternalStreamFailure: { Message: "oops" } }]),
        ),
      );
      expect(error).toBeInstanceOf(InternalStreamFailure);
      expect(error).toMatchObject({ code: "STREAM_INTERNAL_FAILURE", retryable: true });
    });

    it("maps the SDK's thrown stream exceptions to the same typed errors", async () => {
      const sdkError = Object.assign(new Error("container died"), {
        name: "ModelStreamError",
        ErrorCode: "StreamBroken",
      });
      const source = recordingSource([utf8("a\nb")], { throwAt: { index: 1, error: sdkError } });
      const { items, error } = await collectUntilError(new LineIterator(source));
      expect(items).toEqual(["a"]);
      expect(error).toBeInstanceOf(ModelStreamError);
      expect(error).toMatchObject({ errorCode: "StreamBroken" });
      expect((error as ModelStreamError).unsafeCause()).toBe(sdkError);

      const failure = Object.assign(new Error("internal"), { name: "InternalStreamFailure" });
      const second = await collectUntilError(
        new LineIterator(recordingSource([], { throwAt: { index: 0, error: failure } })),
      );
      expect(second.error).toBeInstanceOf(InternalStreamFailure);
    });

    it("wraps any other error of the source as STREAM_READ_FAILED with its cause", async () => {
      const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      const { error } = await collectUntilError(
        new LineIterator(recordingSource([], { throwAt: { index: 0, error: reset } })),
      );
      expect(error).toMatchObject({ code: "STREAM_READ_FAILED", retryable: true });
      expect((error as FmopsError).unsafeCause()).toBe(reset);
    });

    // Events of an unknown type are skipped by default (test/streaming/unknown-events.test.ts);
    // with onUnknownEvent: "error", and for items that are no event at all, the stream fails.
    it.each([
      ["an unknown SDK member", { $unknown: ["NewEvent", { x: 1 }] }, "NewEvent", "error"],
      ["an object of another shape", { Chunk: { bytes: "aGk=" } }, "Chunk", "error"],
      ["a string", "hello\n", "string", "skip"],
      [
        "PayloadPart.Bytes that are not bytes",
        { PayloadPart: { Bytes: "text" } },
        "PayloadPart",
        "skip",
      ],
    ] as const)(
      "rejects %s with STREAM_UNKNOWN_EVENT instead of skipping it",
      async (_, item, named, onUnknownEvent) => {
        const source = recordingSource<unknown>([utf8("ok\n"), item, utf8("after\n")]);
        const { items, error } = await collectUntilError(
          new LineIterator(source as AsyncIterable<Uint8Array>, { onUnknownEvent }),
        );
        expect(items).toEqual(["ok"]);
        expect(error).toMatchObject({ code: "STREAM_UNKNOWN_EVENT" });
        expect((error as Error).message).toContain(named);
        expect(source.returnCalls).toBe(1);
      },
    );

    it("property: an error event at any position surfaces after exactly the lines before it", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(lineText(20), { maxLength: 15 }),
          chunking(),
          fc.nat(),
          fc.constantFrom("model", "internal", "thrown"),
          async (lines, how, position, kind) => {
            fc.pre(!(lines[0] ?? "").startsWith("\ufeff"));
            const bytes = utf8(lines.map((l) => `${l}\n`).join(""));
            const chunks = chunk(bytes, how);
            const at = chunks.length === 0 ? 0 : position % (chunks.length + 1);
            const before = chunks.slice(0, at);
            const seen = new TextDecoder().decode(
              new Uint8Array(before.flatMap((c) => Array.from(c))),
            );
            const complete = seen.split("\n").slice(0, -1);
            const events: unknown[] = payloadParts(before);
            let source: ReturnType<typeof recordingSource<unknown>>;
            if (kind === "thrown") {
              const error = Object.assign(new Error("boom"), {
                name: "ModelStreamError",
                ErrorCode: "StreamBroken",
              });
              source = recordingSource(events, { throwAt: { index: at, error } });
            } else {
              events.push(
                kind === "model"
                  ? { ModelStreamError: { Message: "boom", ErrorCode: "StreamBroken" } }
                  : { InternalStreamFailure: { Message: "boom" } },
                ...payloadParts(chunks.slice(at)),
              );
              source = recordingSource(events);
            }
            const { items, error } = await collectUntilError(
              new LineIterator(source as AsyncIterable<Uint8Array>),
            );
            expect(items).toEqual(complete);
            expect(error).toBeInstanceOf(
              kind === "internal" ? InternalStreamFailure : ModelStreamError,
            );
            if (kind !== "thrown") expect(source.returnCalls).toBe(1);
          },
        ),
        { numRuns: 200 },
      );
    });
  });

  describe("every way of ending ends promptly and releases the source", () => {
    it("normal end: the source ran to its end, nothing to release", async () => {
      const source = recordingSource([utf8("a\n")]);
      expect(await collect(new LineIterator(source))).toEqual(["a"]);
      expect(source.finished).toBe(true);
      expect(source.returnCalls).toBe(0);
    });

    it("consumer break: return() is called on the source", async () => {
      const source = recordingSource([utf8("a\nb\n"), utf8("c\n")], { stallAfter: 2 });
      for await (const line of new LineIterator(source)) {
        expect(line).toBe("a");
        break;
      }
      expect(source.returnCalls).toBe(1);
    });

    it("consumer break out of batches(): return() is called on the source", async () => {
      const source = recordingSource([utf8("a\nb\n"), utf8("c\n")], { stallAfter: 1 });
      for await (const batch of new LineIterator(source).batches()) {
        expect(batch).toEqual(["a", "b"]);
        break;
      }
      expect(source.returnCalls).toBe(1);
    });

    it("abort while waiting for a chunk: ABORTED, and the source is released", async () => {
      const controller = new AbortController();
      const source = recordingSource([utf8("first\n")], { stallAfter: 1 });
      const lines: string[] = [];
      const run = (async () => {
        for await (const line of new LineIterator(source, { signal: controller.signal })) {
          lines.push(line);
          setTimeout(() => controller.abort(new Error("user left")), 5);
        }
      })();
      await expect(run).rejects.toBeInstanceOf(AbortedError);
      expect(lines).toEqual(["first"]);
      expect(source.returnCalls).toBe(1);
    });

    it("already aborted: fails at once and still releases the source", async () => {
      const source = recordingSource([utf8("a\n")]);
      const iterator = new LineIterator(source, { signal: AbortSignal.abort() });
      await expect(collect(iterator)).rejects.toMatchObject({ code: "ABORTED" });
      expect(source.returnCalls).toBe(1);
      expect(source.nextCalls).toBe(0);
    });

    it("idle timeout: STREAM_IDLE_TIMEOUT, and the source is released", async () => {
      const source = recordingSource([utf8("a\npartial")], { stallAfter: 1 });
      const { items, error } = await collectUntilError(
        new LineIterator(source, { idleTimeoutMs: 20 }),
      );
      expect(items).toEqual(["a"]);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ code: "STREAM_IDLE_TIMEOUT", timeoutMs: 20 });
      expect(source.returnCalls).toBe(1);
    });

    it("error event: the source is released", async () => {
      const source = recordingSource<StreamChunk>([
        { ModelStreamError: { Message: "x", ErrorCode: "StreamBroken" } },
        { PayloadPart: { Bytes: utf8("never read\n") } },
      ]);
      await expect(collect(new LineIterator(source))).rejects.toBeInstanceOf(ModelStreamError);
      expect(source.returnCalls).toBe(1);
      expect(source.nextCalls).toBe(1);
    });
  });

  it("can be read once", async () => {
    const lines = new LineIterator(recordingSource([utf8("a\n")]));
    await collect(lines);
    expect(() => lines[Symbol.asyncIterator]()).toThrow(
      expect.objectContaining({ code: "STREAM_ALREADY_CONSUMED" }),
    );
    expect(() => lines.batches()[Symbol.asyncIterator]()).toThrow(FmopsError);
  });

  it("serves concurrent next() calls in order", async () => {
    const iterator = new LineIterator(recordingSource([utf8("a\nb"), utf8("\nc\n")]))[
      Symbol.asyncIterator
    ]();
    const results = await Promise.all([
      iterator.next(),
      iterator.next(),
      iterator.next(),
      iterator.next(),
    ]);
    expect(results.map((r) => r.value)).toEqual(["a", "b", "c", undefined]);
    expect(results[3]?.done).toBe(true);
  });

  it("validates its options and source, naming the field", () => {
    const source = recordingSource<Uint8Array>([]);
    expect(() => new LineIterator(source, { maxLineBytes: 0 })).toThrow(ValidationError);
    expect(() => new LineIterator(source, { maxLineBytes: 0 })).toThrow(/maxLineBytes/);
    expect(() => new LineIterator(source, { idleTimeoutMs: -1 })).toThrow(/idleTimeoutMs/);
    expect(
      () => new LineIterator(source, { idleTimout: 5 } as unknown as { idleTimeoutMs: number }),
    ).toThrow(ValidationError);
    expect(() => new LineIterator([] as unknown as AsyncIterable<Uint8Array>)).toThrow(/source/);
  });
});
