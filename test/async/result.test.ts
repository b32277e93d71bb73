import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AsyncResult } from "../../src/async/result.js";
import { type S3StandIn, startS3 } from "../emulators/index.js";

// A "1 GB-style" object scaled down: big enough that S3 sends it in many chunks.
const SIZE = 24 * 1024 * 1024;
let s3: S3StandIn;
let digest: string;

beforeAll(async () => {
  s3 = await startS3({ buckets: ["results"] });
  const big = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i += 4096) big[i] = (i / 4096) % 251;
  digest = createHash("sha256").update(big).digest("hex");
  await s3.putObject("results", "out/big.out", big, "application/octet-stream");
});
afterAll(async () => {
  await s3.close();
});

const bigResult = () =>
  new AsyncResult({
    s3: s3.client,
    location: "s3://results/out/big.out",
    size: SIZE,
    contentType: "application/octet-stream",
  });

describe("AsyncResult with large objects", () => {
  it("stream() hands out chunks as they arrive, never the whole object at once", async () => {
    const hash = createHash("sha256");
    let chunks = 0;
    let largest = 0;
    let total = 0;
    for await (const chunk of bigResult().stream()) {
      hash.update(chunk);
      chunks++;
      largest = Math.max(largest, chunk.byteLength);
      total += chunk.byteLength;
    }
    expect(total).toBe(SIZE);
    expect(hash.digest("hex")).toBe(digest);
    expect(chunks).toBeGreaterThan(1);
    expect(largest).toBeLessThan(SIZE);
  });

  it("bytes() fills one array of exactly the object's size (no chunk list plus copy)", async () => {
    const bytes = await bigResult().bytes();
    expect(bytes.byteLength).toBe(SIZE);
    expect(bytes.buffer.byteLength).toBe(SIZE);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(digest);
  });

  it("leaving stream() early releases the download", async () => {
    let seen = 0;
    for await (const chunk of bigResult().stream()) {
      seen += chunk.byteLength;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(SIZE);
  });

  it("aborting mid-stream ends the read with ABORTED", async () => {
    const controller = new AbortController();
    const reading = (async () => {
      for await (const _ of bigResult().stream({ signal: controller.signal })) controller.abort();
    })();
    await expect(reading).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("text() and json() reuse one read; non-JSON fails with ASYNC_RESULT_NOT_JSON", async () => {
    await s3.putObject("results", "out/t.out", "plain words", "text/plain");
    const r = new AsyncResult({ s3: s3.client, location: "s3://results/out/t.out" });
    expect(await r.text()).toBe("plain words");
    await expect(r.json()).rejects.toMatchObject({ code: "ASYNC_RESULT_NOT_JSON" });
  });
});
