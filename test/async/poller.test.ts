import type { S3Client } from "@aws-sdk/client-s3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AsyncInferenceFailedError } from "../../src/async/errors.js";
import { type AsyncPollEvent, AsyncResultPoller } from "../../src/async/poller.js";
import { AbortedError, PermissionDeniedError, TimeoutError } from "../../src/core/errors.js";
import { type S3StandIn, startFaultProxy, startS3 } from "../emulators/index.js";
import { s3ClientFor } from "./harness.js";

let s3: S3StandIn;
let client: S3Client;
let n = 0;
const fresh = () => {
  n++;
  return {
    outputLocation: `s3://results/out/${n}.out`,
    failureLocation: `s3://results/fail/${n}-error.out`,
  };
};

beforeAll(async () => {
  s3 = await startS3({ buckets: ["results"] });
  client = s3ClientFor(s3.endpoint);
});
afterAll(async () => {
  client.destroy();
  await s3.close();
});

describe("AsyncResultPoller", () => {
  it("check() says pending, then succeeded with the result's metadata", async () => {
    const loc = fresh();
    const poller = new AsyncResultPoller({ client: client, ...loc });
    expect(await poller.check()).toEqual({ status: "pending" });
    await s3.putObject(
      "results",
      loc.outputLocation.slice("s3://results/".length),
      '{"a":1}',
      "application/json",
    );
    const found = await poller.check();
    expect(found.status).toBe("succeeded");
    if (found.status !== "succeeded") return;
    expect(found.result).toMatchObject({
      location: loc.outputLocation,
      contentType: "application/json",
      size: 7,
    });
    expect(await found.result.json()).toEqual({ a: 1 });
  });

  it("wait() returns once the output appears", async () => {
    const loc = fresh();
    const events: AsyncPollEvent[] = [];
    const poller = new AsyncResultPoller({ client: client, ...loc, minDelayMs: 5, maxDelayMs: 20 });
    setTimeout(() => void s3.putObject("results", `out/${n}.out`, "done", "text/plain"), 60);
    const result = await poller.wait({ onPoll: (e) => events.push(e) });
    expect(await result.text()).toBe("done");
    expect(events.at(-1)?.outcome).toBe("succeeded");
    expect(events.slice(0, -1).every((e) => e.outcome === "pending")).toBe(true);
  });

  it("wait() throws AsyncInferenceFailedError with the failure object's text", async () => {
    const loc = fresh();
    await s3.putObject("results", `fail/${n}-error.out`, "CUDA out of memory", "text/plain");
    const poller = new AsyncResultPoller({
      client,
      ...loc,
      inferenceId: "inf-1",
      minDelayMs: 5,
    });
    const err = await poller.wait().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AsyncInferenceFailedError);
    expect(err).toMatchObject({
      code: "ASYNC_INFERENCE_FAILED",
      failureText: "CUDA out of memory",
      failureLocation: loc.failureLocation,
      inferenceId: "inf-1",
    });
    expect((err as Error).message).toContain("CUDA out of memory");
  });

  it("keeps at most 200 characters of a long failure in the message", async () => {
    const loc = fresh();
    const long = `Traceback ${"x".repeat(5_000)}`;
    await s3.putObject("results", `fail/${n}-error.out`, long, "text/plain");
    const err = (await new AsyncResultPoller({ client: client, ...loc })
      .wait()
      .catch((e: unknown) => e)) as AsyncInferenceFailedError;
    expect(err.failureText).toBe(long);
    expect(err.message.length).toBeLessThan(600);
  });

  it("times out with a TimeoutError naming both locations and the time waited", async () => {
    const loc = fresh();
    const poller = new AsyncResultPoller({ client: client, ...loc, minDelayMs: 5, maxDelayMs: 10 });
    const err = await poller.wait({ timeoutMs: 80 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: "TIMEOUT", timeoutMs: 80 });
    expect((err as Error).message).toContain(loc.outputLocation);
    expect((err as Error).message).toContain(loc.failureLocation);
    expect((err as Error).message).toMatch(/after \d+ ms \(\d+ probes/);
  });

  it("without a failure location watches only the output and says so on timeout", async () => {
    const loc = fresh();
    const proxy = await startFaultProxy(s3.endpoint);
    const viaProxy = s3ClientFor(proxy.endpoint);
    try {
      const poller = new AsyncResultPoller({
        client: viaProxy,
        outputLocation: loc.outputLocation,
        minDelayMs: 5,
        maxDelayMs: 10,
      });
      const err = await poller.wait({ timeoutMs: 60 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toContain("Only the output was watched");
      expect(proxy.requests.every((r) => r.path.includes(`/out/${n}.out`))).toBe(true);
    } finally {
      viaProxy.destroy();
      await proxy.close();
    }
  });

  it("stops at once with ABORTED when the signal aborts mid-wait", async () => {
    const loc = fresh();
    const proxy = await startFaultProxy(s3.endpoint);
    const viaProxy = s3ClientFor(proxy.endpoint);
    try {
      const controller = new AbortController();
      const poller = new AsyncResultPoller({
        client: viaProxy,
        ...loc,
        minDelayMs: 5,
        maxDelayMs: 10,
      });
      const err = await poller
        .wait({ signal: controller.signal, onPoll: (e) => e.attempt === 3 && controller.abort() })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AbortedError);
      const seen = proxy.requests.length;
      expect(seen).toBe(6); // 3 probes x (output + failure), then nothing more
      await new Promise((r) => setTimeout(r, 30));
      expect(proxy.requests.length).toBe(seen);
    } finally {
      viaProxy.destroy();
      await proxy.close();
    }
  });

  it("throws PERMISSION_DENIED on a 403 at once, with the s3:ListBucket hint", async () => {
    const loc = fresh();
    const proxy = await startFaultProxy(s3.endpoint, (r) =>
      r.method === "HEAD" ? { status: 403 } : undefined,
    );
    const viaProxy = s3ClientFor(proxy.endpoint);
    try {
      const poller = new AsyncResultPoller({ client: viaProxy, ...loc, minDelayMs: 5 });
      const err = await poller.wait({ timeoutMs: 60_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermissionDeniedError);
      expect(err).toMatchObject({ code: "PERMISSION_DENIED", retryable: false });
      expect((err as Error).message).toContain("s3:ListBucket");
      expect((err as Error).message).toContain("s3:GetObject");
      expect(proxy.requests.length).toBe(2); // one probe: output and failure, never retried
    } finally {
      viaProxy.destroy();
      await proxy.close();
    }
  });

  it("retries throttling and 5xx within the deadline, then succeeds", async () => {
    const loc = fresh();
    await s3.putObject("results", `out/${n}.out`, "late but fine", "text/plain");
    let heads = 0;
    const proxy = await startFaultProxy(s3.endpoint, (r) => {
      if (r.method !== "HEAD") return undefined;
      heads++;
      if (heads <= 4) return { status: 503, headers: { "content-type": "application/xml" } };
      if (heads <= 6) return { status: 429 };
      return undefined;
    });
    const viaProxy = s3ClientFor(proxy.endpoint);
    try {
      const events: AsyncPollEvent[] = [];
      const poller = new AsyncResultPoller({
        client: viaProxy,
        ...loc,
        minDelayMs: 5,
        maxDelayMs: 10,
      });
      const result = await poller.wait({ onPoll: (e) => events.push(e) });
      expect(await result.text()).toBe("late but fine");
      expect(events.map((e) => e.outcome)).toEqual(["error", "error", "error", "succeeded"]);
      expect(proxy.requests.filter((r) => r.faulted)).toHaveLength(6);
    } finally {
      viaProxy.destroy();
      await proxy.close();
    }
  });

  it("returns within one backoff step after the object appears (property, random completion times)", async () => {
    const minDelayMs = 5;
    const maxDelayMs = 25;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 120 }), async (completeAfterMs) => {
        const loc = fresh();
        const key = `out/${n}.out`;
        const events: AsyncPollEvent[] = [];
        let writtenAt = Number.POSITIVE_INFINITY;
        const writing = new Promise<void>((resolve) =>
          setTimeout(async () => {
            await s3.putObject("results", key, "x", "text/plain");
            writtenAt = Date.now();
            resolve();
          }, completeAfterMs),
        );
        const poller = new AsyncResultPoller({ client: client, ...loc, minDelayMs, maxDelayMs });
        await poller.wait({ timeoutMs: 10_000, onPoll: (e) => events.push(e) });
        await writing;
        // Every probe that started after the object existed: only the one that found it.
        const after = events.filter((e) => e.startedAt > writtenAt);
        expect(after.length).toBeLessThanOrEqual(1);
        expect(events.at(-1)?.outcome).toBe("succeeded");
        // And the sleep before that probe was one backoff step, at most maxDelayMs.
        const before = events.at(-2);
        if (before) expect(before.nextDelayMs).toBeLessThanOrEqual(maxDelayMs);
        expect(events.slice(0, -1).every((e) => e.outcome === "pending")).toBe(true);
      }),
      { numRuns: 12 },
    );
  });

  it("validates its options with VALIDATION_ERROR naming the field", () => {
    expect(() => new AsyncResultPoller({ client: client, outputLocation: "https://x/y" })).toThrow(
      /outputLocation/,
    );
    expect(
      () =>
        new AsyncResultPoller({
          client,
          outputLocation: "s3://bucket/k",
          minDelayMs: 50,
          maxDelayMs: 10,
        }),
    ).toThrow(/maxDelayMs/);
  });
});
