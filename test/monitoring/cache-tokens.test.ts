/**
 * instrument() records prompt-cache tokens (Bedrock's cacheReadInputTokens and
 * cacheWriteInputTokens, read from Converse and from ConverseStream's metadata event) on every
 * record, and every sink reports them.
 */
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it } from "vitest";
import { BedrockChatModel } from "../../src/models/bedrock-chat.js";
import { cloudWatchValues } from "../../src/monitoring/cloudwatch-metrics.js";
import { EmfSink } from "../../src/monitoring/emf-sink.js";
import { instrument } from "../../src/monitoring/instrument.js";
import { OtelSink } from "../../src/monitoring/otel-sink.js";
import { summarize } from "../../src/monitoring/summarize.js";
import { MemorySink } from "../../src/monitoring/types.js";
import { startBedrockRuntime } from "../emulators/bedrock-runtime.js";
import { converseToolUseFrames, converseToolUseReply } from "../emulators/bedrock-tool-use.js";
import { record, request } from "./helpers.js";

const usage = {
  inputTokens: 5,
  outputTokens: 3,
  cacheReadInputTokens: 900,
  cacheWriteInputTokens: 12,
};
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("instrument() and prompt-cache tokens", () => {
  it("records cacheReadTokens and cacheWriteTokens from generate and from a stream's metadata", async () => {
    const br = await startBedrockRuntime({
      converse: () => converseToolUseReply({ text: "Lakes hold water.", usage }),
      converseStream: () => converseToolUseFrames({ text: "Lakes hold water.", usage }, 3),
    });
    closers.push(() => br.close());
    const sink = new MemorySink();
    const model = instrument(new BedrockChatModel({ modelId: "m", client: br.client }), {
      sinks: [sink],
    });
    await model.generate(request);
    await model.stream(request).text();
    await model.flush();
    expect(sink.records.map((r) => [r.operation, r.cacheReadTokens, r.cacheWriteTokens])).toEqual([
      ["chat", 900, 12],
      ["chat.stream", 900, 12],
    ]);
    expect(sink.records[1]).toMatchObject({ inputTokens: 5, outputTokens: 3 });
    // Summaries cover them like the other token counts.
    expect(summarize(sink.records).metrics.cacheReadTokens?.mean).toBe(900);
  });

  it("leaves them out when the model reports none", async () => {
    const br = await startBedrockRuntime({
      converse: () =>
        converseToolUseReply({ text: "ok", usage: { inputTokens: 1, outputTokens: 1 } }),
    });
    closers.push(() => br.close());
    const sink = new MemorySink();
    const model = instrument(new BedrockChatModel({ modelId: "m", client: br.client }), {
      sinks: [sink],
    });
    await model.generate(request);
    await model.flush();
    expect(sink.records[0]).not.toHaveProperty("cacheReadTokens");
    expect(sink.records[0]).not.toHaveProperty("cacheWriteTokens");
  });

  it("CloudWatch and EMF report CacheReadInputTokens and CacheWriteInputTokens (Count)", async () => {
    const cached = record({ cacheReadTokens: 900, cacheWriteTokens: 12 });
    expect(cloudWatchValues(cached)).toEqual(
      expect.arrayContaining([
        { name: "CacheReadInputTokens", unit: "Count", value: 900 },
        { name: "CacheWriteInputTokens", unit: "Count", value: 12 },
      ]),
    );
    expect(cloudWatchValues(record()).map((v) => v.name)).not.toContain("CacheReadInputTokens");
    const lines: string[] = [];
    const emf = new EmfSink({ namespace: "App", output: { write: (s: string) => lines.push(s) } });
    emf.write(cached);
    await emf.flush();
    const doc = JSON.parse(lines.join(""));
    expect(doc).toMatchObject({ CacheReadInputTokens: 900, CacheWriteInputTokens: 12 });
    const names = doc._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
    expect(names).toEqual(
      expect.arrayContaining(["CacheReadInputTokens", "CacheWriteInputTokens"]),
    );
  });

  it("OtelSink records them on fmops histograms named after the GenAI cache attributes", async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const sink = new OtelSink({ meter: provider.getMeter("test") });
    sink.write(record({ cacheReadTokens: 900, cacheWriteTokens: 12 }));
    sink.write(record());
    await reader.forceFlush();
    const metrics = exporter
      .getMetrics()
      .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
    await provider.shutdown();
    const point = (name: string) => {
      const metric = metrics.find((m) => m.descriptor.name === name);
      const points = metric?.dataPoints as { value: { sum: number; count: number } }[] | undefined;
      return {
        unit: metric?.descriptor.unit,
        sum: points?.[0]?.value.sum,
        count: points?.[0]?.value.count,
      };
    };
    expect(point("fmops.client.cache_read.input_tokens")).toEqual({
      unit: "{token}",
      sum: 900,
      count: 1,
    });
    expect(point("fmops.client.cache_creation.input_tokens")).toEqual({
      unit: "{token}",
      sum: 12,
      count: 1,
    });
    // The conventions' token histogram keeps only input and output.
    const tokenPoints = (metrics.find((m) => m.descriptor.name === "gen_ai.client.token.usage")
      ?.dataPoints ?? []) as { attributes: Record<string, unknown> }[];
    const tokenTypes = tokenPoints.map((p) => p.attributes["gen_ai.token.type"]);
    expect(new Set(tokenTypes)).toEqual(new Set(["input", "output"]));
  });
});
