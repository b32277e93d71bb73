/**
 * A dataset line over `maxLineBytes` is reported as that line of the dataset (issue #17), not as
 * the line splitter's "response stream" error, which names no line and suggests a stream format.
 */
import { describe, expect, it } from "vitest";
import { isFmopsError } from "../../../src/core/index.js";
import { Dataset, DatasetRecordError } from "../../../src/evaluation/index.js";

const encoder = new TextEncoder();

async function* chunks(parts: readonly string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield encoder.encode(p);
}

async function failure(data: Dataset): Promise<unknown> {
  try {
    for await (const _ of data);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe("Dataset: a line over maxLineBytes", () => {
  it("is DATASET_RECORD_INVALID naming its line (blank lines counted) and the limit", async () => {
    const short = JSON.stringify({ q: "a" });
    const long = JSON.stringify({ q: "x".repeat(200) });
    // Split mid-line so the limit is crossed inside a chunk, before the line ends.
    const text = `${short}\n\n${short}\n${long}\n${short}\n`;
    const data = Dataset.fromJsonl(chunks([text.slice(0, 40), text.slice(40)]), {
      input: "q",
      maxLineBytes: 100,
    });
    const err = await failure(data);
    expect(err).toBeInstanceOf(DatasetRecordError);
    expect((err as DatasetRecordError).line).toBe(4);
    expect((err as Error).message).toContain("Dataset line 4: longer than 100 bytes");
    expect((err as Error).message).not.toContain("response stream");
    // The splitter's error stays reachable as the cause.
    const cause = (err as Error).cause;
    expect(isFmopsError(cause) && cause.code).toBe("STREAM_LINE_TOO_LONG");
  });

  it("names the first line when the file has no newline at all", async () => {
    const data = Dataset.fromJsonl(chunks(["y".repeat(300)]), { input: "q", maxLineBytes: 64 });
    const err = await failure(data);
    expect((err as DatasetRecordError).line).toBe(1);
  });

  it("keeps other errors as they are", async () => {
    const data = Dataset.fromJsonl(chunks(['{"q": 1}\n']), { input: "q", maxLineBytes: 64 });
    const err = await failure(data);
    expect((err as Error).message).toContain(
      "Dataset line 1: the input location selected a number",
    );
  });
});
