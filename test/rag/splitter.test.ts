import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RecursiveTextSplitter } from "../../src/rag/splitter.js";

const wordish = fc.oneof(
  fc.constantFrom("alpha", "beta", "γάμμα", "delta", "😀x", "end.", "q?", "x!", "Mr.", "a"),
  fc.string({ maxLength: 12 }),
);
const separator = fc.constantFrom(" ", " ", "\n", "\n\n", ". ", "  \n \n", "\t");
const text = fc
  .array(fc.tuple(wordish, separator), { maxLength: 80 })
  .map((parts) => parts.map(([w, s]) => w + s).join(""));

function checkChunks(t: string, splitter: RecursiveTextSplitter, size: (s: string) => number) {
  const chunks = splitter.split({ id: "doc", text: t, metadata: { source: "s" } });
  const covered = new Uint8Array(t.length);
  for (const [i, c] of chunks.entries()) {
    const start = c.metadata.start as number;
    const end = c.metadata.end as number;
    expect(t.slice(start, end)).toBe(c.text);
    expect(c.id).toBe(`doc#${i}`);
    expect(c.metadata.chunkIndex).toBe(i);
    expect(c.metadata.source).toBe("s");
    expect(c.text.trim()).toBe(c.text);
    expect(c.text.length).toBeGreaterThan(0);
    // Only a single code point may exceed the limit (nothing smaller exists to cut to).
    if (Array.from(c.text).length > 1) expect(size(c.text)).toBeLessThanOrEqual(splitter.chunkSize);
    covered.fill(1, start, end);
  }
  for (let i = 0; i < t.length; i++) {
    if (!/\s/.test(t[i] as string)) expect(covered[i], `offset ${i} uncovered`).toBe(1);
  }
  // Chunks advance through the text.
  for (let i = 1; i < chunks.length; i++) {
    expect(chunks[i]?.metadata.start as number).toBeGreaterThanOrEqual(
      chunks[i - 1]?.metadata.start as number,
    );
    expect(chunks[i]?.metadata.end as number).toBeGreaterThan(
      chunks[i - 1]?.metadata.end as number,
    );
  }
  return chunks;
}

describe("RecursiveTextSplitter", () => {
  it("covers the text, respects the size in characters and gives stable ids (property)", () => {
    fc.assert(
      fc.property(
        text,
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 59 }),
        (t, size, overlap) => {
          const splitter = new RecursiveTextSplitter({
            chunkSize: size,
            chunkOverlap: Math.min(overlap, size - 1),
          });
          const a = checkChunks(t, splitter, (s) => s.length);
          const b = splitter.split({ id: "doc", text: t, metadata: { source: "s" } });
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("respects a token budget from a counter (property)", () => {
    const countWords = (s: string) => s.split(/\s+/).filter(Boolean).length;
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 15 }), (t, size) => {
        const splitter = new RecursiveTextSplitter({
          chunkSize: size,
          chunkOverlap: Math.floor(size / 3),
          lengthFunction: countWords,
        });
        checkChunks(t, splitter, countWords);
      }),
      { numRuns: 100 },
    );
  });

  it("prefers paragraph, then line, then sentence boundaries", () => {
    const t =
      "First paragraph one. Still first.\n\nSecond paragraph here.\nSecond line. Another sentence.";
    const splitter = new RecursiveTextSplitter({ chunkSize: 40 });
    const chunks = splitter.split({ id: "d", text: t });
    expect(chunks.map((c) => c.text)).toEqual([
      "First paragraph one. Still first.",
      "Second paragraph here.",
      "Second line. Another sentence.",
    ]);
  });

  it("repeats the tail of a chunk at the start of the next when overlap is set", () => {
    // Pieces keep their trailing space, so "four " (5) fits an overlap of 10 but "three four " (11) does not.
    const t = "one two three four five six seven eight nine ten";
    const chunks = new RecursiveTextSplitter({ chunkSize: 20, chunkOverlap: 10 }).split({
      id: "d",
      text: t,
    });
    expect(chunks.map((c) => c.text)).toEqual([
      "one two three four",
      "four five six seven",
      "six seven eight",
      "eight nine ten",
    ]);
  });

  it("never splits a surrogate pair", () => {
    const t = "😀😀😀😀😀";
    const chunks = new RecursiveTextSplitter({ chunkSize: 3 }).split({ id: "d", text: t });
    expect(chunks.map((c) => c.text)).toEqual(["😀", "😀", "😀", "😀", "😀"]);
  });

  it("rejects an overlap not smaller than the chunk size", () => {
    expect(() => new RecursiveTextSplitter({ chunkSize: 10, chunkOverlap: 10 })).toThrow(
      /chunkOverlap/,
    );
  });
});
