import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { FmopsError } from "../../src/core/errors.js";
import type { ChatModel } from "../../src/models/types.js";
import { instrument } from "../../src/monitoring/instrument.js";
import { OtelSink } from "../../src/monitoring/otel-sink.js";
import type { InvocationRecord } from "../../src/monitoring/record.js";
import { ManualClock, record, request, scriptedStream } from "./helpers.js";

type HistogramPoint = {
  attributes: Record<string, unknown>;
  value: { sum: number; count: number };
};

async function collect(write: (sink: OtelSink) => void) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const sink = new OtelSink({ meter: provider.getMeter("test") });
  write(sink);
  await reader.forceFlush();
  const metrics = exporter
    .getMetrics()
    .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
  await provider.shutdown();
  return metrics;
}

async function collectAsync(write: (sink: OtelSink) => Promise<void>) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  await write(new OtelSink({ meter: provider.getMeter("test") }));
  await reader.forceFlush();
  const metrics = exporter
    .getMetrics()
    .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
  await provider.shutdown();
  return metrics;
}

describe("OtelSink", () => {
  it("records GenAI semantic-convention histograms with the right units and attributes", async () => {
    const metrics = await collect((sink) => {
      sink.write(
        record({
          e2eMs: 1500,
          ttftMs: 250,
          inputTokens: 12,
          outputTokens: 30,
          metrics: { refusalScore: 0.2 },
        }),
      );
      sink.write(
        record({
          modelId: "sagemaker:my-endpoint",
          provider: "aws.sagemaker",
          streaming: false,
          operation: "chat",
          status: "error",
          errorType: "TIMEOUT",
          e2eMs: 500,
          ttftMs: undefined,
          inputTokens: undefined,
          outputTokens: undefined,
          otps: undefined,
        }),
      );
    });
    const byName = new Map(metrics.map((m) => [m.descriptor.name, m]));
    const duration = byName.get("gen_ai.client.operation.duration")!;
    expect(duration.descriptor.unit).toBe("s");
    const points = duration.dataPoints as {
      attributes: Record<string, unknown>;
      value: { sum: number; count: number };
    }[];
    const bedrock = points.find((p) => p.attributes["gen_ai.provider.name"] === "aws.bedrock")!;
    expect(bedrock.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "anthropic.claude-3-haiku",
    });
    expect(bedrock.value.sum).toBeCloseTo(1.5, 9);
    const sagemaker = points.find((p) => p.attributes["gen_ai.provider.name"] === "aws.sagemaker")!;
    expect(sagemaker.attributes).toMatchObject({
      "error.type": "TIMEOUT",
      "gen_ai.request.model": "my-endpoint",
    });

    const tokens = byName.get("gen_ai.client.token.usage")!;
    expect(tokens.descriptor.unit).toBe("{token}");
    const tokenPoints = tokens.dataPoints as {
      attributes: Record<string, unknown>;
      value: { sum: number };
    }[];
    expect(tokenPoints.map((p) => [p.attributes["gen_ai.token.type"], p.value.sum]).sort()).toEqual(
      [
        ["input", 12],
        ["output", 30],
      ],
    );
    const ttfc = byName.get("gen_ai.client.operation.time_to_first_chunk")!;
    expect(
      (ttfc.dataPoints as { value: { sum: number; count: number } }[])[0]!.value,
    ).toMatchObject({ count: 1, sum: 0.25 });
    expect(byName.get("fmops.quality.refusal_score")).toBeDefined();
  });

  it("labels an image record with the conventions' generate_content operation and output type image", async () => {
    const metrics = await collect((sink) => {
      sink.write(
        record({
          modelId: "bedrock:amazon.nova-canvas-v1:0",
          operation: "image",
          streaming: false,
          ttftMs: undefined,
          outputTokens: undefined,
          otps: undefined,
        }),
      );
      sink.write(record({ operation: "chat", streaming: false, modelId: "bedrock:other" }));
    });
    const duration = metrics.find((m) => m.descriptor.name === "gen_ai.client.operation.duration")!;
    const points = duration.dataPoints as HistogramPoint[];
    const image = points.find(
      (p) => p.attributes["gen_ai.request.model"] === "amazon.nova-canvas-v1:0",
    )!;
    expect(image.attributes).toMatchObject({
      "gen_ai.operation.name": "generate_content",
      "gen_ai.output.type": "image",
    });
    const chat = points.find((p) => p.attributes["gen_ai.request.model"] === "other")!;
    expect(chat.attributes["gen_ai.operation.name"]).toBe("chat");
    expect(chat.attributes).not.toHaveProperty("gen_ai.output.type");
  });

  it("reports no token usage for a call that failed before any usage was known", async () => {
    const failedStream = {
      status: "error" as const,
      errorType: "STREAM_MODEL_ERROR",
      ttftMs: undefined,
      otps: undefined,
      e2eOtps: undefined,
      inputTokens: undefined,
      outputTokens: 0,
    };
    const metrics = await collect((sink) => {
      sink.write(record(failedStream));
      sink.write(
        record({ ...failedStream, streaming: false, operation: "chat", outputTokens: undefined }),
      );
    });
    const names = metrics.map((m) => m.descriptor.name);
    expect(names).toContain("gen_ai.client.operation.duration");
    const tokens = metrics.find((m) => m.descriptor.name === "gen_ai.client.token.usage");
    expect(tokens?.dataPoints ?? []).toEqual([]);
  });

  it("keeps the output tokens a stream delivered before it failed or was cancelled", async () => {
    const metrics = await collect((sink) => {
      sink.write(record({ status: "cancelled", inputTokens: undefined, outputTokens: 7 }));
    });
    const tokens = metrics.find((m) => m.descriptor.name === "gen_ai.client.token.usage")!;
    const points = tokens.dataPoints as {
      attributes: Record<string, unknown>;
      value: { sum: number };
    }[];
    expect(
      points.map((p) => [
        p.attributes["gen_ai.token.type"],
        p.attributes["error.type"],
        p.value.sum,
      ]),
    ).toEqual([["output", "cancelled", 7]]);
  });

  it("records the time between chunks after the first as time_per_output_chunk", async () => {
    const metrics = await collect((sink) => {
      sink.write(record({ chunkGapsMs: [100, 300, 50] }));
      // A whole answer has no chunks: nothing is recorded for it.
      sink.write(record({ streaming: false, operation: "chat", modelId: "bedrock:other" }));
    });
    const metric = metrics.find(
      (m) => m.descriptor.name === "gen_ai.client.operation.time_per_output_chunk",
    );
    expect(metric?.descriptor.unit).toBe("s");
    const points = (metric?.dataPoints ?? []) as HistogramPoint[];
    expect(points).toHaveLength(1);
    expect(points[0]?.attributes["gen_ai.request.model"]).toBe("anthropic.claude-3-haiku");
    expect(points[0]?.value.count).toBe(3);
    expect(points[0]?.value.sum).toBeCloseTo(0.45, 10);
  });

  it("gets the gaps between chunks from an instrumented stream, the first chunk's wait excluded", async () => {
    const clock = new ManualClock();
    const model: ChatModel = {
      id: "bedrock:anthropic.claude-3-haiku",
      generate: () => Promise.reject(new Error("not used")),
      stream: () =>
        scriptedStream(clock, [
          { after: 200, text: "Lakes " },
          { after: 100, text: "are " },
          { after: 300, text: "deep." },
          { after: 5, usage: 3 },
        ]),
    };
    const records: unknown[] = [];
    const exported = await collectAsync(async (sink) => {
      const monitored = instrument(model, {
        sinks: [sink],
        clock,
        onRecord: (r) => records.push(r),
      });
      await monitored.stream(request).text();
      await monitored.flush();
    });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ ttftMs: 200, chunkGapsMs: [100, 300] });
    const metric = exported.find(
      (m) => m.descriptor.name === "gen_ai.client.operation.time_per_output_chunk",
    );
    const points = (metric?.dataPoints ?? []) as HistogramPoint[];
    expect(points[0]?.value.count).toBe(2);
    expect(points[0]?.value.sum).toBeCloseTo(0.4, 10);
  });

  it("through instrument: a stream that fails before its first chunk reports no token usage, as a failed generate", async () => {
    // Issue #17: the failed stream used to export output = 0 with error.type, the failed
    // generate nothing; the GenAI conventions say usage that could not be obtained is not reported.
    const clock = new ManualClock();
    const model: ChatModel = {
      id: "bedrock:anthropic.claude-3-haiku",
      generate: () => Promise.reject(new FmopsError("MODEL_ERROR", "scripted failure")),
      stream: () => scriptedStream(clock, [{ after: 50, fail: "STREAM_MODEL_ERROR" }]),
    };
    const records: InvocationRecord[] = [];
    const exported = await collectAsync(async (sink) => {
      const monitored = instrument(model, {
        sinks: [sink],
        clock,
        onRecord: (r) => records.push(r),
      });
      await expect(monitored.stream(request).text()).rejects.toThrow("scripted failure");
      await expect(monitored.generate(request)).rejects.toThrow("scripted failure");
      await monitored.flush();
    });
    expect(records.map((r) => [r.operation, r.status, r.errorType])).toEqual([
      ["chat.stream", "error", "STREAM_MODEL_ERROR"],
      ["chat", "error", "MODEL_ERROR"],
    ]);
    const duration = exported.find((m) => m.descriptor.name === "gen_ai.client.operation.duration");
    const failed = (duration?.dataPoints ?? []) as HistogramPoint[];
    expect(failed.map((p) => p.attributes["error.type"]).sort()).toEqual([
      "MODEL_ERROR",
      "STREAM_MODEL_ERROR",
    ]);
    const tokens = exported.find((m) => m.descriptor.name === "gen_ai.client.token.usage");
    expect(tokens?.dataPoints ?? []).toEqual([]);
    const chunks = exported.find(
      (m) => m.descriptor.name === "gen_ai.client.operation.time_per_output_chunk",
    );
    expect(chunks?.dataPoints ?? []).toEqual([]);
  });

  it("needs a meter", () => {
    expect(() => new OtelSink({} as never)).toThrow(/meter/);
  });

  it("fromGlobal loads @opentelemetry/api lazily", async () => {
    const sink = await OtelSink.fromGlobal();
    expect(() => sink.write(record())).not.toThrow();
  });
});
