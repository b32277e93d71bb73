import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import type { ImageModel } from "../../src/models/image-types.js";
import { callCost } from "../../src/monitoring/call-cost.js";
import { cloudWatchValues } from "../../src/monitoring/cloudwatch-metrics.js";
import { EmfSink } from "../../src/monitoring/emf-sink.js";
import { instrument } from "../../src/monitoring/instrument.js";
import { MemorySink } from "../../src/monitoring/types.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { tinyPng } from "../emulators/index.js";
import { ManualClock, record, request } from "./helpers.js";

describe("callCost", () => {
  it("prices input, cached and output tokens at their own rates", () => {
    const cost = callCost(
      {
        inputTokens: 1000,
        cacheReadTokens: 2000,
        cacheWriteTokens: 500,
        outputTokens: 200,
        e2eMs: 1,
      },
      { tokens: { inputPer1k: 3, outputPer1k: 15, cacheReadPer1k: 0.3, cacheWritePer1k: 3.75 } },
    );
    // 1000×3 + 2000×0.3 + 500×3.75 + 200×15 = 3000 + 600 + 1875 + 3000 per 1000 tokens
    expect(cost).toBeCloseTo(8.475, 10);
  });

  it("charges cached tokens at the input rate when no cache rate is given", () => {
    expect(
      callCost(
        { inputTokens: 100, cacheReadTokens: 100, outputTokens: 0, e2eMs: 1 },
        { tokens: { inputPer1k: 10, outputPer1k: 0 } },
      ),
    ).toBeCloseTo(2, 10);
  });

  it("adds per-image and instance-time parts, shared by concurrent calls", () => {
    const cost = callCost(
      { images: 4, e2eMs: 1_800_000 },
      { perImage: 0.04, instanceHour: { pricePerInstanceHour: 2, instances: 3, concurrency: 2 } },
    );
    // 4×0.04 + 0.5 h × 2 × 3 / 2
    expect(cost).toBeCloseTo(0.16 + 1.5, 10);
  });

  it("costs 0 for the parts a record has no count for", () => {
    expect(
      callCost({ e2eMs: 50 }, { tokens: { inputPer1k: 1, outputPer1k: 1 }, perImage: 1 }),
    ).toBe(0);
  });

  it("refuses negative prices and an empty price list", () => {
    expect(() => callCost({ e2eMs: 1 }, { perImage: -1 })).toThrow(ValidationError);
    expect(() => callCost({ e2eMs: 1 }, {})).toThrow(/at least one of/);
  });
});

describe("instrument({ prices })", () => {
  it("puts each chat call's token cost on its record", async () => {
    const sink = new MemorySink();
    const model = instrument(new FakeChatModel({ responses: ["Lakes hold fresh water."] }), {
      sinks: [sink],
      prices: { tokens: { inputPer1k: 3, outputPer1k: 15 } },
    });
    await model.generate(request);
    await model.flush();
    const record = sink.records[0];
    expect(record?.inputTokens).toBeGreaterThan(0);
    expect(record?.outputTokens).toBeGreaterThan(0);
    const expected = ((record?.inputTokens ?? 0) * 3 + (record?.outputTokens ?? 0) * 15) / 1000;
    expect(record?.cost).toBeCloseTo(expected, 12);
  });

  it("leaves cost off the records when no prices are given", async () => {
    const sink = new MemorySink();
    const model = instrument(new FakeChatModel({ responses: ["ok"] }), { sinks: [sink] });
    await model.generate(request);
    await model.flush();
    expect(sink.records[0]).not.toHaveProperty("cost");
  });

  it("refuses invalid prices when instrumenting, before any call", () => {
    expect(() =>
      instrument(new FakeChatModel({ responses: ["ok"] }), {
        prices: { tokens: { inputPer1k: -1, outputPer1k: 1 } },
      }),
    ).toThrow(ValidationError);
  });

  it("prices an image model's calls per image and per instance time", async () => {
    const clock = new ManualClock();
    const model: ImageModel = {
      id: "sagemaker:sd-triton",
      tasks: ["textToImage"],
      async generate(req) {
        clock.advance(36_000);
        return {
          images: Array.from({ length: req.count ?? 1 }, () => ({
            bytes: tinyPng(),
            mediaType: "image/png",
          })),
          metadata: {},
        };
      },
    };
    const sink = new MemorySink();
    const wrapped = instrument(model, {
      sinks: [sink],
      clock,
      prices: { perImage: 0.01, instanceHour: { pricePerInstanceHour: 1.5 } },
    });
    await wrapped.generate({ prompt: "a lighthouse", count: 2 });
    await wrapped.flush();
    // 2 × 0.01 + 0.01 h × 1.5
    expect(sink.records[0]?.cost).toBeCloseTo(0.02 + 0.015, 12);
  });
});

describe("cost in CloudWatch and EMF", () => {
  it("reports InvocationCost (unit None) when a record has a cost, and nothing when it has none", async () => {
    const priced = record({ cost: 0.0125 });
    expect(cloudWatchValues(priced)).toContainEqual({
      name: "InvocationCost",
      unit: "None",
      value: 0.0125,
    });
    expect(cloudWatchValues(record()).map((v) => v.name)).not.toContain("InvocationCost");
    const lines: string[] = [];
    const emf = new EmfSink({ namespace: "App", output: { write: (s: string) => lines.push(s) } });
    emf.write(priced);
    await emf.flush();
    const doc = JSON.parse(lines.join(""));
    expect(doc.InvocationCost).toBe(0.0125);
    const names = doc._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
    expect(names).toContain("InvocationCost");
  });
});
