import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineIterator } from "../../src/streaming/line-iterator.js";
import { parseSse, type SseEvent, SseParser } from "../../src/streaming/sse.js";
import { chunk, chunking, collect, lineText, recordingSource, utf8 } from "./stream-helpers.js";

async function* linesOf(text: string): AsyncGenerator<string> {
  for (const line of text.split("\n")) yield line;
}

const parse = (text: string) => collect(parseSse(linesOf(text)));

describe("parseSse", () => {
  it("reads data with and without the space after the colon, removing only one space", async () => {
    expect(await parse("data:a\n\ndata: b\n\ndata:  c\n\n")).toEqual([
      { event: "message", data: "a" },
      { event: "message", data: "b" },
      { event: "message", data: " c" },
    ]);
  });

  it("joins multi-line data with \\n and keeps empty data lines", async () => {
    expect(await parse("data: one\ndata:\ndata: three\n\n")).toEqual([
      { event: "message", data: "one\n\nthree" },
    ]);
  });

  it("honours event, id (persisting across events) and retry", async () => {
    const events = await parse(
      "event: token\nid: 7\nretry: 1500\ndata: x\n\ndata: y\n\nid\ndata: z\n\n",
    );
    expect(events).toEqual([
      { event: "token", data: "x", id: "7", retry: 1500 },
      { event: "message", data: "y", id: "7" },
      { event: "message", data: "z" },
    ]);
  });

  it("ignores comments, unknown fields, ids containing NUL and non-numeric retry", async () => {
    const events = await parse(
      ": keep-alive\nfoo: bar\nid: a\u0000b\nretry: 12a\ndata: ok\n:comment\n\n",
    );
    expect(events).toEqual([{ event: "message", data: "ok" }]);
  });

  it("treats a field name without a colon as an empty value", async () => {
    expect(await parse("data\n\nevent\ndata: x\n\n")).toEqual([
      { event: "message", data: "" },
      { event: "message", data: "x" },
    ]);
  });

  it("drops an event whose data buffer is empty, and resets its event type", async () => {
    expect(await parse("event: ping\n\n\n\ndata: x\n\n")).toEqual([
      { event: "message", data: "x" },
    ]);
  });

  it("dispatches a final event that has no blank line after it", async () => {
    expect(await parse("data: first\n\nevent: last\ndata: tail")).toEqual([
      { event: "message", data: "first" },
      { event: "last", data: "tail" },
    ]);
  });

  it("accepts lone CR line endings inside lines", async () => {
    const out: SseEvent[] = [];
    const parser = new SseParser();
    parser.push("data: a\r\rdata: b\rdata: c", out);
    parser.push("", out);
    expect(out).toEqual([
      { event: "message", data: "a" },
      { event: "message", data: "b\nc" },
    ]);
  });

  it("closes the line source when the consumer stops early", async () => {
    const source = recordingSource([utf8("data: a\n\ndata: b\n\n")], { stallAfter: 1 });
    for await (const event of parseSse(new LineIterator(source))) {
      expect(event.data).toBe("a");
      break;
    }
    expect(source.returnCalls).toBe(1);
  });

  it("property: serialized events, any line endings, any chunking -> the same events", async () => {
    const eventArb = fc.record({
      event: fc.option(
        lineText(10).filter((s) => s.length > 0),
        { nil: undefined },
      ),
      data: fc.array(lineText(), { minLength: 1, maxLength: 4 }),
      id: fc.option(
        lineText(8).filter((s) => !s.includes("\u0000")),
        { nil: undefined },
      ),
      comment: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { maxLength: 12 }),
        fc.constantFrom("\n", "\r\n"),
        fc.boolean(),
        chunking(),
        async (events, eol, trailingBlank, how) => {
          let text = "";
          const expected: SseEvent[] = [];
          let lastId = "";
          events.forEach((e, i) => {
            if (e.comment) text += `: comment ${i}${eol}`;
            if (e.event !== undefined) text += `event: ${e.event}${eol}`;
            if (e.id !== undefined) {
              text += `id: ${e.id}${eol}`;
              lastId = e.id;
            }
            for (const line of e.data) text += `data: ${line}${eol}`;
            if (i < events.length - 1 || trailingBlank) text += eol;
            const out: SseEvent = { event: e.event ?? "message", data: e.data.join("\n") };
            if (lastId !== "") out.id = lastId;
            expected.push(out);
          });
          fc.pre(!text.startsWith("\ufeff"));
          const source = recordingSource(chunk(utf8(text), how));
          expect(await collect(parseSse(new LineIterator(source)))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
