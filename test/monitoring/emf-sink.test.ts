import { afterEach, describe, expect, it, vi } from "vitest";
import { EmfSink } from "../../src/monitoring/emf-sink.js";
import { record } from "./helpers.js";

const UNITS = new Set(
  "Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits Kilobits Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second Megabytes/Second Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second Terabits/Second Count/Second None".split(
    " ",
  ),
);

/**
 * Checks one log line against the published EMF specification: a JSON object whose `_aws` member
 * has a numeric Timestamp and CloudWatchMetrics directives (Namespace, Dimensions as arrays of
 * at most 30 strings each, Metrics of at most 100 definitions with Name, a valid Unit and
 * StorageResolution 1 or 60); every referenced dimension is a string member of the root, every
 * metric a number or an array of at most 100 numbers.
 */
function checkEmf(line: string): Record<string, unknown> {
  const doc = JSON.parse(line) as Record<string, unknown>;
  const aws = doc._aws as { Timestamp: unknown; CloudWatchMetrics: unknown };
  expect(typeof aws).toBe("object");
  expect(Number.isInteger(aws.Timestamp)).toBe(true);
  expect(Array.isArray(aws.CloudWatchMetrics)).toBe(true);
  for (const directive of aws.CloudWatchMetrics as Record<string, unknown>[]) {
    expect(Object.keys(directive).sort()).toEqual(["Dimensions", "Metrics", "Namespace"]);
    expect(typeof directive.Namespace).toBe("string");
    for (const set of directive.Dimensions as string[][]) {
      expect(set.length).toBeLessThanOrEqual(30);
      for (const name of set) expect(typeof doc[name]).toBe("string");
    }
    const metrics = directive.Metrics as Record<string, unknown>[];
    expect(metrics.length).toBeGreaterThan(0);
    expect(metrics.length).toBeLessThanOrEqual(100);
    for (const m of metrics) {
      for (const key of Object.keys(m))
        expect(["Name", "Unit", "StorageResolution"]).toContain(key);
      expect(typeof m.Name).toBe("string");
      expect(UNITS.has(m.Unit as string)).toBe(true);
      if (m.StorageResolution !== undefined) expect([1, 60]).toContain(m.StorageResolution);
      const value = doc[m.Name as string];
      if (Array.isArray(value)) {
        expect(value.length).toBeLessThanOrEqual(100);
        for (const v of value) expect(typeof v).toBe("number");
      } else expect(typeof value).toBe("number");
    }
  }
  return doc;
}

function capture() {
  const chunks: string[] = [];
  return {
    output: { write: (s: string) => chunks.push(s) },
    lines: () => chunks.join("").split("\n").filter(Boolean),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("EmfSink", () => {
  it("writes one spec-valid object per record with dimensions and searchable properties", async () => {
    const out = capture();
    const sink = new EmfSink({
      namespace: "MyApp/GenAI",
      dimensions: [["ModelId"], ["ModelId", "application"]],
      output: out.output,
      storageResolution: 1,
    });
    sink.write(
      record({
        dimensions: { application: "bot" },
        requestId: "req-1",
        metrics: { refusalScore: 0.1 },
      }),
    );
    await sink.flush();
    const [line] = out.lines();
    const doc = checkEmf(line!);
    expect(doc).toMatchObject({
      ModelId: "bedrock:anthropic.claude-3-haiku",
      application: "bot",
      TimeToFirstToken: 200,
      EndToEndLatency: 1000,
      OutputTokensPerSecond: 50,
      Invocations: 1,
      InvocationErrors: 0,
      RefusalScore: 0.1,
      requestId: "req-1",
      status: "ok",
    });
    const directive = (
      doc._aws as {
        CloudWatchMetrics: { Metrics: { Name: string; StorageResolution?: number }[] }[];
      }
    ).CloudWatchMetrics[0]!;
    expect(directive.Metrics.every((m) => m.StorageResolution === 1)).toBe(true);
    expect((doc._aws as { Timestamp: number }).Timestamp).toBe(Date.UTC(2024, 0, 1));
  });

  it("splits records with more than 100 metrics over several objects", async () => {
    const out = capture();
    const sink = new EmfSink({ namespace: "App", output: out.output });
    const metrics = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`score${i}`, i]));
    sink.write(record({ metrics }));
    await sink.flush();
    const docs = out.lines().map(checkEmf);
    expect(docs).toHaveLength(2);
    const names = docs.flatMap((d) =>
      (
        d._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }
      ).CloudWatchMetrics[0]!.Metrics.map((m) => m.Name),
    );
    expect(new Set(names).size).toBe(150 + 8);
  });

  it("aggregates into value arrays of at most 100 per metric", async () => {
    const out = capture();
    const sink = new EmfSink({
      namespace: "App",
      output: out.output,
      aggregate: true,
      maxBufferedRecords: 1000,
    });
    for (let i = 0; i < 250; i++) sink.write(record({ e2eMs: i }));
    await sink.flush();
    const docs = out.lines().map(checkEmf);
    expect(docs).toHaveLength(3);
    const all = docs.flatMap((d) => d.EndToEndLatency as number[]);
    expect(all).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });

  it("flushes when the buffer is full and when the interval passes", () => {
    vi.useFakeTimers();
    const out = capture();
    const sink = new EmfSink({
      namespace: "App",
      output: out.output,
      maxBufferedRecords: 3,
      flushIntervalMs: 500,
    });
    sink.write(record());
    sink.write(record());
    expect(out.lines()).toHaveLength(0);
    sink.write(record());
    expect(out.lines()).toHaveLength(3);
    sink.write(record());
    vi.advanceTimersByTime(499);
    expect(out.lines()).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(out.lines()).toHaveLength(4);
  });

  it("rejects more than 30 dimensions per set and a bad namespace", () => {
    const many = Array.from({ length: 31 }, (_, i) => `d${i}`);
    expect(() => new EmfSink({ namespace: "App", dimensions: [many] })).toThrow(/at most 30/);
    expect(() => new EmfSink({ namespace: "" })).toThrow(/namespace/);
  });
});
