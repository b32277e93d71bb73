import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { OtelSink } from "../../src/monitoring/otel-sink.js";
import { record } from "./helpers.js";

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

  it("needs a meter", () => {
    expect(() => new OtelSink({} as never)).toThrow(/meter/);
  });

  it("fromGlobal loads @opentelemetry/api lazily", async () => {
    const sink = await OtelSink.fromGlobal();
    expect(() => sink.write(record())).not.toThrow();
  });
});
