import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dataset, type DatasetRecord, DatasetRecordError } from "../../../src/evaluation/index.js";

const encoder = new TextEncoder();

async function collect(dataset: AsyncIterable<DatasetRecord>): Promise<DatasetRecord[]> {
  const out: DatasetRecord[] = [];
  for await (const r of dataset) out.push(r);
  return out;
}

async function* chunks(parts: readonly string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield encoder.encode(p);
}

const LINES = [
  JSON.stringify({ q: "Capital of France?", a: "Paris", meta: { topic: "geo" } }),
  "",
  JSON.stringify({ q: "2+2?", a: ["4", "four"], meta: { topic: 7 } }),
  JSON.stringify({ q: "Colour of the sky?", a: "blue", meta: { topic: "nature" } }),
];

describe("Dataset.fromJsonl", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "fmops-dataset-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a file with JMESPath locations, skipping blank lines but counting them", async () => {
    const path = join(dir, "qa.jsonl");
    await writeFile(path, `${LINES.join("\n")}\n`);
    const data = Dataset.fromJsonl(path, { input: "q", target: "a", category: "meta.topic" });
    const records = await collect(data);
    expect(records.map((r) => [r.index, r.line, r.input, r.targets, r.category])).toEqual([
      [0, 1, "Capital of France?", ["Paris"], "geo"],
      [1, 3, "2+2?", ["4", "four"], "7"],
      [2, 4, "Colour of the sky?", ["blue"], "nature"],
    ]);
    expect(records[0]?.data).toEqual(JSON.parse(LINES[0] as string));
    // A path-backed dataset can be read again.
    expect(await collect(data)).toHaveLength(3);
  });

  it("names the line of an invalid record", async () => {
    const path = join(dir, "bad.jsonl");
    await writeFile(path, `${LINES[0]}\n${LINES[2]}\n{"q": oops}\n`);
    const error = await collect(Dataset.fromJsonl(path, { input: "q" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetRecordError);
    expect(error).toMatchObject({ code: "DATASET_RECORD_INVALID", line: 3 });
    expect((error as Error).message).toContain("line 3");
  });

  it("rejects an input that is not a string and a target that is not strings", async () => {
    const noInput = Dataset.fromJsonl(chunks(['{"q":"x"}\n{"other":1}\n']), { input: "q" });
    await expect(collect(noInput)).rejects.toMatchObject({
      code: "DATASET_RECORD_INVALID",
      line: 2,
      message: expect.stringContaining("input location selected nothing"),
    });
    const badTarget = Dataset.fromJsonl(chunks(['{"q":"x","a":[1,2]}\n']), {
      input: "q",
      target: "a",
    });
    await expect(collect(badTarget)).rejects.toMatchObject({ line: 1 });
  });

  it("reads incrementally: breaking early leaves the rest of the source unread", async () => {
    let pulls = 0;
    let closed = false;
    const total = 1000;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; i < total; i++) {
          pulls += 1;
          yield encoder.encode(`${JSON.stringify({ q: `question ${i}` })}\n`);
        }
      } finally {
        closed = true;
      }
    }
    const seen: string[] = [];
    for await (const r of Dataset.fromJsonl(source(), { input: "q" })) {
      seen.push(r.input);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(["question 0", "question 1"]);
    expect(pulls).toBeLessThanOrEqual(3);
    // The source is closed asynchronously by LineIterator; give it a turn.
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(true);
  });

  it("gives the same records however the bytes are split", async () => {
    const text = `${LINES.join("\r\n")}\n${JSON.stringify({ q: "é ü 日本", a: "ß" })}`;
    const bytes = encoder.encode(text);
    const expected = await collect(Dataset.fromJsonl(chunks([text]), { input: "q", target: "a" }));
    expect(expected).toHaveLength(4);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }),
        async (cuts) => {
          const points = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
          async function* split(): AsyncGenerator<Uint8Array> {
            for (let i = 0; i + 1 < points.length; i++) {
              yield bytes.slice(points[i], points[i + 1]);
            }
          }
          const got = await collect(Dataset.fromJsonl(split(), { input: "q", target: "a" }));
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("accepts an async iterable of lines (strings), e.g. from readline", async () => {
    async function* lines(): AsyncGenerator<string> {
      yield LINES[0] as string;
      yield `${LINES[2]}\n${LINES[3]}`;
    }
    const records = await collect(Dataset.fromJsonl(lines(), { input: "q" }));
    expect(records.map((r) => [r.line, r.input])).toEqual([
      [1, "Capital of France?"],
      [2, "2+2?"],
      [3, "Colour of the sky?"],
    ]);
  });

  it("reads a stream once, and a source function any number of times", async () => {
    const once = Dataset.fromJsonl(chunks([`${LINES[0]}\n`]), { input: "q" });
    expect(await collect(once)).toHaveLength(1);
    await expect(collect(once)).rejects.toMatchObject({ code: "DATASET_ALREADY_CONSUMED" });
    const reopen = Dataset.fromJsonl(() => chunks([`${LINES[0]}\n`]), { input: "q" });
    expect(await collect(reopen)).toHaveLength(1);
    expect(await collect(reopen)).toHaveLength(1);
  });

  it("validates its options and reports a missing file", async () => {
    expect(() => Dataset.fromJsonl(chunks([]), { input: "a[" })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR" }),
    );
    expect(() => Dataset.fromJsonl(chunks([]), { input: "" })).toThrow(/input/);
    await expect(
      collect(Dataset.fromJsonl(join(dir, "missing.jsonl"), { input: "q" })),
    ).rejects.toMatchObject({ code: "DATASET_NOT_FOUND" });
  });

  it("stops with ABORTED when its signal is aborted", async () => {
    const controller = new AbortController();
    const data = Dataset.fromJsonl(chunks([`${LINES[0]}\n${LINES[3]}\n`]), {
      input: "q",
      signal: controller.signal,
    });
    const got: string[] = [];
    const error = await (async () => {
      for await (const r of data) {
        got.push(r.input);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(got).toHaveLength(1);
    expect(error).toMatchObject({ code: "ABORTED" });
  });
});

describe("Dataset.fromJsonl source checks", () => {
  it("rejects a source that is not a path, iterable or function", () => {
    expect(() => Dataset.fromJsonl(42 as unknown as string, { input: "q" })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR" }),
    );
  });
});
