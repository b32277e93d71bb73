import { describe, expect, it } from "vitest";
import { FmopsError } from "../../src/core/errors.js";
import type { MeasuredCall } from "../../src/monitoring/measure.js";
import { measureGenerate, measureStream } from "../../src/monitoring/measure.js";
import { latencyFigures, providerOf } from "../../src/monitoring/record.js";
import { ManualClock, scriptedStream } from "./helpers.js";

describe("latencyFigures", () => {
  it("computes TTFT, decode OTPS and end-to-end OTPS by hand", () => {
    const f = latencyFigures(
      { startedAt: 1000, firstTokenAt: 1250, lastTokenAt: 1750, endedAt: 2000 },
      11,
    );
    expect(f.ttftMs).toBe(250);
    expect(f.e2eMs).toBe(1000);
    expect(f.otps).toBeCloseTo(10 / 0.5, 10); // (n - 1) / (last - first)
    expect(f.e2eOtps).toBeCloseTo(11 / 1.0, 10); // n / e2e
  });

  it("leaves OTPS out when it is undefined (one token, no decode time, no tokens)", () => {
    expect(
      latencyFigures({ startedAt: 0, firstTokenAt: 5, lastTokenAt: 5, endedAt: 10 }, 1).otps,
    ).toBeUndefined();
    const none = latencyFigures({ startedAt: 0, endedAt: 10 }, 0);
    expect(none).toEqual({ e2eMs: 10 });
  });

  it("maps model ids to gen_ai provider names", () => {
    expect(providerOf("bedrock:amazon.nova-lite-v1:0")).toBe("aws.bedrock");
    expect(providerOf("sagemaker:my-endpoint")).toBe("aws.sagemaker");
    expect(providerOf("openai-compatible:llama")).toBe("openai");
  });
});

describe("measureStream", () => {
  it("records a complete stream with a controlled clock", async () => {
    const clock = new ManualClock();
    const calls: MeasuredCall[] = [];
    const inner = scriptedStream(clock, [
      { after: 100, text: "The" },
      { after: 20, text: " lake" },
      { after: 20, text: " is" },
      { after: 20, text: " deep." },
      { after: 10, usage: 4 },
    ]);
    const stream = measureStream(inner, {
      modelId: "bedrock:m",
      clock,
      onEnd: (c) => calls.push(c),
    });
    const deltas: string[] = [];
    for await (const d of stream) deltas.push(d);
    expect(deltas).toEqual(["The", " lake", " is", " deep."]);
    expect(stream.usage).toEqual({ inputTokens: 7, outputTokens: 4 });
    expect(calls).toHaveLength(1);
    const r = calls[0]!.record;
    expect(calls[0]!.completion).toBe("The lake is deep.");
    expect(r).toMatchObject({
      status: "ok",
      streaming: true,
      operation: "chat.stream",
      ttftMs: 100,
      e2eMs: 170,
    });
    expect(r.otps).toBeCloseTo(3 / 0.06, 9);
    expect(r.e2eOtps).toBeCloseTo(4 / 0.17, 9);
    expect(r.inputTokens).toBe(7);
    expect(r.startTime).toBe(Date.UTC(2024, 0, 1));
  });

  it("records a partial stream the consumer stopped reading as cancelled", async () => {
    const clock = new ManualClock();
    const calls: MeasuredCall[] = [];
    const inner = scriptedStream(clock, [
      { after: 50, text: "a" },
      { after: 10, text: " b" },
      { after: 10, text: " c" },
    ]);
    const stream = measureStream(inner, {
      modelId: "bedrock:m",
      clock,
      onEnd: (c) => calls.push(c),
    });
    for await (const d of stream) if (d === " b") break;
    // The wrapped stream learns of the break when its source is closed, a task later.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.record).toMatchObject({
      status: "cancelled",
      ttftMs: 50,
      e2eMs: 60,
      outputTokens: 2,
    });
    expect(calls[0]!.record.errorType).toBeUndefined();
    expect(calls[0]!.completion).toBe("a b");
  });

  it("records a stream that fails midway and rethrows the same error", async () => {
    const clock = new ManualClock();
    const calls: MeasuredCall[] = [];
    const inner = scriptedStream(clock, [
      { after: 30, text: "x" },
      { after: 5, fail: "STREAM_MODEL_ERROR" },
    ]);
    const stream = measureStream(inner, {
      modelId: "sagemaker:e",
      clock,
      onEnd: (c) => calls.push(c),
    });
    await expect(stream.text()).rejects.toMatchObject({ code: "STREAM_MODEL_ERROR" });
    expect(calls[0]!.record).toMatchObject({
      status: "error",
      errorType: "STREAM_MODEL_ERROR",
      provider: "aws.sagemaker",
      ttftMs: 30,
      e2eMs: 35,
      outputTokens: 1,
    });
  });

  it("a throwing observer does not change the stream", async () => {
    const clock = new ManualClock();
    const inner = scriptedStream(clock, [{ after: 1, text: "ok" }]);
    const stream = measureStream(inner, {
      modelId: "m",
      clock,
      onEnd: () => {
        throw new Error("observer bug");
      },
    });
    expect(await stream.text()).toBe("ok");
  });
});

describe("measureGenerate", () => {
  it("records a whole answer and a failure, passing both through", async () => {
    const clock = new ManualClock();
    const calls: MeasuredCall[] = [];
    const ok = await measureGenerate(
      async () => {
        clock.advance(400);
        return {
          text: "four words right here",
          usage: { inputTokens: 3, outputTokens: 4 },
          stopReason: "end_turn",
        };
      },
      { modelId: "bedrock:m", clock, onEnd: (c) => calls.push(c) },
    );
    expect(ok.text).toBe("four words right here");
    expect(calls[0]!.record).toMatchObject({
      status: "ok",
      streaming: false,
      e2eMs: 400,
      e2eOtps: 10,
      stopReason: "end_turn",
    });
    expect(calls[0]!.record.ttftMs).toBeUndefined();
    const boom = new FmopsError("AWS_THROTTLING_EXCEPTION", "slow down");
    await expect(
      measureGenerate(
        async () => {
          clock.advance(20);
          throw boom;
        },
        { modelId: "bedrock:m", clock, onEnd: (c) => calls.push(c) },
      ),
    ).rejects.toBe(boom);
    expect(calls[1]!.record).toMatchObject({
      status: "error",
      errorType: "AWS_THROTTLING_EXCEPTION",
      e2eMs: 20,
    });
  });
});
