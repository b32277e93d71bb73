import { describe, expect, it } from "vitest";
import { instrument } from "../../src/monitoring/instrument.js";
import { MemorySink, type MetricModule } from "../../src/monitoring/types.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { ManualClock, request } from "./helpers.js";

const failing: MetricModule = {
  name: "broken",
  async evaluate() {
    throw new Error("metric bug");
  },
};
const length: MetricModule = {
  name: "length",
  async evaluate({ completion, prompt }) {
    return { answerChars: completion.length, promptChars: prompt.length };
  },
};

describe("instrument", () => {
  it("passes generate and stream through unchanged and records both", async () => {
    const plain = new FakeChatModel({ responses: ["Lakes are inland.", "They hold fresh water."] });
    const wrapped = new FakeChatModel({
      responses: ["Lakes are inland.", "They hold fresh water."],
    });
    const sink = new MemorySink();
    const monitored = instrument(wrapped, {
      sinks: [sink],
      metrics: [length],
      dimensions: { app: "test" },
    });
    expect(monitored.id).toBe("fake:chat");
    const a = await plain.generate(request);
    const b = await monitored.generate(request);
    expect(b.text).toBe(a.text);
    expect(b.usage).toEqual(a.usage);
    const s1 = plain.stream(request);
    const s2 = monitored.stream(request);
    const d1: string[] = [];
    const d2: string[] = [];
    for await (const d of s1) d1.push(d);
    for await (const d of s2) d2.push(d);
    expect(d2).toEqual(d1);
    expect(s2.usage).toEqual(s1.usage);
    expect(s2.stopReason).toBe(s1.stopReason);
    await monitored.flush();
    expect(sink.records.map((r) => [r.operation, r.status])).toEqual([
      ["chat", "ok"],
      ["chat.stream", "ok"],
    ]);
    expect(sink.records[1]!.metrics).toEqual({ answerChars: 22, promptChars: 19 });
    expect(sink.records[1]!.dimensions).toEqual({ app: "test" });
    expect(sink.records[1]!.outputTokens).toBe(4);
  });

  it("records errors and aborts, rethrowing exactly what the model threw", async () => {
    const model = new FakeChatModel({ responses: ["never"], failOn: [0, 1], delayMs: 0 });
    const sink = new MemorySink();
    const monitored = instrument(model, { sinks: [sink] });
    await expect(monitored.generate(request)).rejects.toMatchObject({ code: "FAKE_MODEL_FAILURE" });
    await expect(monitored.stream(request).text()).rejects.toMatchObject({
      code: "FAKE_MODEL_FAILURE",
    });
    const slow = instrument(
      new FakeChatModel({ responses: ["a b c d"], firstTokenDelayMs: 10_000 }),
      {
        sinks: [sink],
      },
    );
    const controller = new AbortController();
    const pending = slow.stream(request, { signal: controller.signal }).text();
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
    await monitored.flush();
    await slow.flush();
    expect(sink.records.map((r) => [r.status, r.errorType])).toEqual([
      ["error", "FAKE_MODEL_FAILURE"],
      ["error", "FAKE_MODEL_FAILURE"],
      ["aborted", "ABORTED"],
    ]);
  });

  it("records a stream the caller stops reading early as cancelled with the partial answer", async () => {
    const sink = new MemorySink();
    const monitored = instrument(new FakeChatModel({ responses: ["one two three four five"] }), {
      sinks: [sink],
      metrics: [length],
    });
    for await (const delta of monitored.stream(request)) if (delta === " two") break;
    await monitored.flush();
    expect(sink.records[0]).toMatchObject({ status: "cancelled", outputTokens: 2 });
    expect(sink.records[0]!.metrics.answerChars).toBe("one two".length);
  });

  it("never lets failing metric modules, sinks or record callbacks break a call", async () => {
    const errors: string[] = [];
    const good = new MemorySink();
    const monitored = instrument(new FakeChatModel({ responses: ["fine answer"] }), {
      sinks: [
        {
          write() {
            throw new Error("sink down");
          },
        },
        good,
      ],
      metrics: [failing, length],
      onRecord: () => {
        throw new Error("callback bug");
      },
      onError: (error, context) =>
        errors.push(`${context.stage}:${context.name}:${(error as Error).message}`),
    });
    expect((await monitored.generate(request)).text).toBe("fine answer");
    await monitored.flush();
    expect(errors.sort()).toEqual([
      "metric:broken:metric bug",
      "sink:0:sink down",
      "sink:onRecord:callback bug",
    ]);
    expect(good.records[0]!.metrics).toEqual({ answerChars: 11, promptChars: 19 });
  });

  it("runs metric modules on the sampled fraction of calls only, and always records", async () => {
    const draws = [0.05, 0.5, 0.09, 0.95];
    const sink = new MemorySink();
    const monitored = instrument(new FakeChatModel({ responses: () => "ok" }), {
      sinks: [sink],
      metrics: [length],
      sampleRate: 0.1,
      random: () => draws.shift() ?? 1,
      clock: new ManualClock(),
    });
    for (let i = 0; i < 4; i++) await monitored.generate(request);
    await monitored.flush();
    expect(sink.records).toHaveLength(4);
    expect(sink.records.map((r) => "answerChars" in r.metrics)).toEqual([true, false, true, false]);
  });

  it("skips scoring past maxPending instead of queueing without bound", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slowMetric: MetricModule = {
      name: "slow",
      async evaluate() {
        await gate;
        return { slow: 1 };
      },
    };
    const sink = new MemorySink();
    const monitored = instrument(new FakeChatModel({ responses: () => "ok" }), {
      sinks: [sink],
      metrics: [slowMetric],
      maxPending: 2,
    });
    for (let i = 0; i < 5; i++) await monitored.generate(request);
    expect(monitored.skipped).toBe(3);
    release();
    await monitored.flush();
    expect(sink.records.filter((r) => r.metrics.slow === 1)).toHaveLength(2);
    expect(sink.records).toHaveLength(5);
  });

  it("rejects invalid options naming the field", () => {
    const model = new FakeChatModel({ responses: ["x"] });
    expect(() => instrument(model, { sampleRate: 2 })).toThrow(/sampleRate/);
  });
});
