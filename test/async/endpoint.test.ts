import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { AsyncEndpoint } from "../../src/async/endpoint.js";
import { AsyncInferenceFailedError } from "../../src/async/errors.js";
import type { InvokeManyProgress } from "../../src/async/invoke-many.js";
import { TimeoutError } from "../../src/core/errors.js";
import { startSageMaker, startSageMakerRuntime } from "../emulators/index.js";
import { type AsyncHarness, startAsyncHarness } from "./harness.js";

let h: AsyncHarness;
let endpoint: AsyncEndpoint;

beforeAll(async () => {
  h = await startAsyncHarness();
  endpoint = new AsyncEndpoint({
    endpointName: "echo-async",
    inputLocation: "s3://inputs/async/",
    sagemakerRuntime: h.runtime.client,
    s3: h.s3.client,
    minDelayMs: 5,
    maxDelayMs: 20,
  });
});
afterAll(async () => {
  await h.close();
});

describe("AsyncEndpoint.invoke", () => {
  it("uploads the payload, sends every InvokeEndpointAsync field, and waits for the output", async () => {
    const invocation = await endpoint.invoke(
      { echo: "héllo" },
      {
        accept: "application/json",
        requestTtlSeconds: 600,
        invocationTimeoutSeconds: 120,
        customAttributes: "trace=1;delay=30",
      },
    );
    expect(invocation.inputLocation).toMatch(
      /^s3:\/\/inputs\/async\/\d{4}-\d{2}-\d{2}\/[0-9a-f-]{36}$/,
    );
    expect(invocation.inferenceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(invocation.outputLocation).toBe(`s3://results/out/${invocation.inferenceId}.out`);
    expect(invocation.failureLocation).toBe(
      `s3://results/fail/${invocation.inferenceId}-error.out`,
    );

    const sent = h.runtime.requests.at(-1)?.headers ?? {};
    expect(sent).toMatchObject({
      "x-amzn-sagemaker-content-type": "application/json",
      "x-amzn-sagemaker-accept": "application/json",
      "x-amzn-sagemaker-inference-id": invocation.inferenceId,
      "x-amzn-sagemaker-inputlocation": invocation.inputLocation,
      "x-amzn-sagemaker-requestttlseconds": "600",
      "x-amzn-sagemaker-invocationtimeoutseconds": "120",
      "x-amzn-sagemaker-custom-attributes": "trace=1;delay=30",
    });
    const key = invocation.inputLocation.slice("s3://inputs/".length);
    expect(new TextDecoder().decode(await h.s3.getObject("inputs", key))).toBe('{"echo":"héllo"}');

    const result = await invocation.wait();
    expect(result.location).toBe(invocation.outputLocation);
    expect(result.contentType).toBe("application/json");
    expect(await result.json(z.object({ echo: z.string(), ok: z.boolean() }))).toEqual({
      echo: "héllo",
      ok: true,
    });
    await expect(result.json(z.object({ echo: z.number() }))).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringContaining("echo"),
    });
  });

  it("uses a given inference id and an existing input object as they are", async () => {
    await h.s3.putObject("inputs", "ready/one.json", '{"echo":"pre-uploaded"}', "application/json");
    const invocation = await endpoint.invoke(undefined, {
      inputLocation: "s3://inputs/ready/one.json",
      inferenceId: "my-id-1",
      contentType: "application/json",
    });
    expect(invocation.inferenceId).toBe("my-id-1");
    expect(invocation.inputLocation).toBe("s3://inputs/ready/one.json");
    expect(await (await invocation.wait()).json()).toEqual({ echo: "pre-uploaded", ok: true });
    await expect(
      endpoint.invoke({ a: 1 }, { inputLocation: "s3://inputs/ready/one.json" }),
    ).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
    });
  });

  it("sends bytes and strings with fitting content types", async () => {
    await endpoint.invoke(new TextEncoder().encode('{"echo":1}'));
    expect(h.runtime.requests.at(-1)?.headers["x-amzn-sagemaker-content-type"]).toBe(
      "application/octet-stream",
    );
    await endpoint.invoke('{"echo":2}', { contentType: "application/json" });
    expect(h.runtime.requests.at(-1)?.headers["x-amzn-sagemaker-content-type"]).toBe(
      "application/json",
    );
    await h.runtime.asyncSettled();
  });

  it("reports a model failure as AsyncInferenceFailedError", async () => {
    const invocation = await endpoint.invoke({ fail: "ValueError: input too long" });
    const err = await invocation.wait().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AsyncInferenceFailedError);
    expect(err).toMatchObject({
      code: "ASYNC_INFERENCE_FAILED",
      failureText: "ValueError: input too long",
      inferenceId: invocation.inferenceId,
    });
  });

  it("check() looks once: pending first, then succeeded", async () => {
    const invocation = await endpoint.invoke({ echo: 1 }, { customAttributes: "delay=80" });
    expect((await invocation.check()).status).toBe("pending");
    await h.runtime.asyncSettled();
    expect((await invocation.check()).status).toBe("succeeded");
  });

  it("rejects invalid options with VALIDATION_ERROR naming the field", async () => {
    expect(
      () => new AsyncEndpoint({ endpointName: "bad name", inputLocation: "s3://inputs/x" }),
    ).toThrow(/endpointName/);
    expect(() => new AsyncEndpoint({ endpointName: "ok", inputLocation: "/tmp/x" })).toThrow(
      /inputLocation/,
    );
    await expect(endpoint.invoke({}, { requestTtlSeconds: 5 })).rejects.toThrow(
      /requestTtlSeconds/,
    );
  });
});

describe("endpoints without a failure location", () => {
  it("watch only the output: success works, a failure ends in a timeout that says why", async () => {
    const bare = await startAsyncHarness({ asyncFailureLocation: null });
    try {
      const ep = new AsyncEndpoint({
        endpointName: "no-failure-path",
        inputLocation: "s3://inputs/x/",
        sagemakerRuntime: bare.runtime.client,
        s3: bare.s3.client,
        minDelayMs: 5,
        maxDelayMs: 10,
      });
      const ok = await ep.invoke({ echo: "fine" });
      expect(ok.failureLocation).toBeUndefined();
      expect(await (await ok.wait()).json()).toEqual({ echo: "fine", ok: true });
      const bad = await ep.invoke({ fail: "nope" });
      const err = await bad.wait({ timeoutMs: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toContain("no failure location");
    } finally {
      await bare.close();
    }
  });
});

describe("AsyncEndpoint.invokeMany", () => {
  it("bounds concurrency, keeps input order, and reports each item's outcome", async () => {
    let accepted = 0;
    let finished = 0;
    let maxInFlight = 0;
    const mixed = await startAsyncHarness({
      acceptAsync: () => {
        accepted++;
        maxInFlight = Math.max(maxInFlight, accepted - finished);
        return undefined;
      },
    });
    try {
      const ep = new AsyncEndpoint({
        endpointName: "batch",
        inputLocation: "s3://inputs/batch/",
        sagemakerRuntime: mixed.runtime.client,
        s3: mixed.s3.client,
        minDelayMs: 5,
        maxDelayMs: 15,
      });
      const payloads = [0, 1, 2, 3, 4, 5, 6].map((i) =>
        i % 3 === 1 ? { fail: `bad ${i}` } : { echo: i },
      );
      const progress: InvokeManyProgress[] = [];
      const outcomes = await ep.invokeMany(payloads, {
        concurrency: 2,
        invoke: { customAttributes: "delay=10" },
        onProgress: (p) => {
          finished = p.completed;
          progress.push(p);
        },
      });
      expect(outcomes.map((o) => o.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(outcomes.map((o) => o.status)).toEqual([
        "succeeded",
        "failed",
        "succeeded",
        "succeeded",
        "failed",
        "succeeded",
        "succeeded",
      ]);
      for (const o of outcomes) {
        if (o.status === "succeeded")
          expect(await o.result.json()).toEqual({ echo: o.index, ok: true });
        else
          expect(o.error).toMatchObject({
            code: "ASYNC_INFERENCE_FAILED",
            failureText: `bad ${o.index}`,
          });
      }
      expect(maxInFlight).toBeLessThanOrEqual(2);
      expect(progress).toHaveLength(7);
      expect(progress.at(-1)).toMatchObject({ completed: 7, total: 7, succeeded: 5, failed: 2 });
    } finally {
      await mixed.close();
    }
  });

  it("with failFast, stops at the first failure and marks the rest ABORTED", async () => {
    const outcomes = await endpoint.invokeMany([{ fail: "first" }, { echo: 1 }, { echo: 2 }], {
      concurrency: 1,
      failFast: true,
    });
    expect(outcomes.map((o) => o.status)).toEqual(["failed", "failed", "failed"]);
    expect(outcomes[0]).toMatchObject({ error: { code: "ASYNC_INFERENCE_FAILED" } });
    expect(outcomes[1]).toMatchObject({ error: { code: "ABORTED" }, invocation: undefined });
  });

  it("ends with every item ABORTED when the batch deadline passes", async () => {
    const outcomes = await endpoint.invokeMany([{ echo: 1 }, { echo: 2 }], {
      concurrency: 1,
      timeoutMs: 30,
      invoke: { customAttributes: "delay=200" },
    });
    expect(outcomes.map((o) => o.status)).toEqual(["failed", "failed"]);
    expect(outcomes.every((o) => o.status === "failed" && o.error.code === "TIMEOUT")).toBe(true);
    await h.runtime.asyncSettled();
  });
});

describe("cold start", () => {
  it("describe() reports status and instance count; wait() adds coldStartTimeoutMs when scaled to zero", async () => {
    let instances = 0;
    const control = await startSageMaker({
      describeEndpoint: (name) =>
        name === "sleepy"
          ? { currentInstanceCount: instances, desiredInstanceCount: 1 }
          : undefined,
    });
    // No S3 behind this runtime: requests are accepted and never answered, like a cold endpoint.
    const silent = await startSageMakerRuntime({ invokeEndpointAsync: () => ({ output: "" }) });
    try {
      const ep = new AsyncEndpoint({
        endpointName: "sleepy",
        inputLocation: "s3://inputs/cold/",
        sagemakerRuntime: silent.client,
        s3: h.s3.client,
        sagemaker: control.client,
        minDelayMs: 5,
        maxDelayMs: 10,
        coldStartTimeoutMs: 60,
      });
      expect(await ep.describe()).toMatchObject({
        endpointName: "sleepy",
        status: "InService",
        currentInstanceCount: 0,
        desiredInstanceCount: 1,
        scaledToZero: true,
      });
      const invocation = await ep.invoke({ echo: 1 });
      const cold = await invocation.wait({ timeoutMs: 40 }).catch((e: unknown) => e);
      expect(cold).toMatchObject({ code: "TIMEOUT", timeoutMs: 100 });
      instances = 1;
      const warm = await invocation.wait({ timeoutMs: 40 }).catch((e: unknown) => e);
      expect(warm).toMatchObject({ code: "TIMEOUT", timeoutMs: 40 });
      const none = await invocation
        .wait({ timeoutMs: 40, coldStartTimeoutMs: 0 })
        .catch((e: unknown) => e);
      expect(none).toMatchObject({ code: "TIMEOUT", timeoutMs: 40 });
      expect(control.requests.filter((r) => r.operation === "DescribeEndpoint")).toHaveLength(3);
      await expect(
        new AsyncEndpoint({
          endpointName: "missing",
          inputLocation: "s3://inputs/x",
          sagemaker: control.client,
        }).describe(),
      ).rejects.toMatchObject({
        code: "AWS_VALIDATION_EXCEPTION",
        message: expect.stringContaining("missing"),
      });
    } finally {
      await silent.close();
      await control.close();
    }
  });
});
