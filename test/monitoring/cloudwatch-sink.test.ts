import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudWatchSink } from "../../src/monitoring/cloudwatch-sink.js";
import { type CloudWatchStandIn, startCloudWatch } from "../emulators/cloudwatch.js";
import { standInError } from "../emulators/http.js";
import { record } from "./helpers.js";

let cw: CloudWatchStandIn;
beforeAll(async () => {
  cw = await startCloudWatch();
});
afterAll(async () => {
  await cw.close();
});

describe("CloudWatchSink", () => {
  it("publishes aggregated Values/Counts through the real client", async () => {
    cw.calls.length = 0;
    const sink = new CloudWatchSink({
      client: cw.client,
      namespace: "MyApp/GenAI",
      dimensions: [["ModelId"], ["ModelId", "app"]],
    });
    for (const e2eMs of [100, 100, 300]) sink.write(record({ e2eMs, dimensions: { app: "bot" } }));
    await sink.flush();
    const datums = cw.datums();
    const e2e = datums.filter((d) => d.MetricName === "EndToEndLatency");
    expect(e2e).toHaveLength(2); // one per dimension set
    const byModel = e2e.find((d) => d.Dimensions?.length === 1)!;
    expect(byModel).toMatchObject({
      Namespace: "MyApp/GenAI",
      Unit: "Milliseconds",
      Values: [100, 300],
      Counts: [2, 1],
    });
    expect(byModel.Dimensions).toEqual([
      { Name: "ModelId", Value: "bedrock:anthropic.claude-3-haiku" },
    ]);
    expect(byModel.Timestamp).toBe(Date.UTC(2024, 0, 1) / 1000);
    const invocations = datums.find(
      (d) => d.MetricName === "Invocations" && d.Dimensions?.length === 2,
    )!;
    expect(invocations).toMatchObject({ Values: [1], Counts: [3], Unit: "Count" });
  });

  it("stays within 1000 datums and 150 values per datum, with high resolution", async () => {
    cw.calls.length = 0;
    const sink = new CloudWatchSink({
      client: cw.client,
      namespace: "Load",
      highResolution: true,
      maxBufferedRecords: 100_000,
    });
    // 130 distinct models x 8 metrics = 1040 datums (over one request); 400 distinct latencies -> 3 datums.
    for (let i = 0; i < 130; i++) sink.write(record({ modelId: `bedrock:model-${i}` }));
    for (let i = 0; i < 400; i++) sink.write(record({ e2eMs: i }));
    await sink.flush();
    expect(cw.calls.length).toBe(2);
    for (const call of cw.calls) expect(call.MetricData.length).toBeLessThanOrEqual(1000);
    const datums = cw.datums();
    expect(datums.every((d) => d.StorageResolution === 1)).toBe(true);
    const e2e = datums.filter(
      (d) =>
        d.MetricName === "EndToEndLatency" &&
        d.Dimensions?.[0]?.Value === "bedrock:anthropic.claude-3-haiku",
    );
    expect(e2e.map((d) => d.Values!.length)).toEqual([150, 150, 100]);
    expect(cw.calls.some((c) => c.gzip)).toBe(true);
  });

  it("rejects flush with a wrapped AWS error when PutMetricData fails", async () => {
    const sink = new CloudWatchSink({ client: cw.client, namespace: "App" });
    cw.failNext(standInError({ status: 403, type: "AccessDeniedException", message: "no" }));
    sink.write(record());
    await expect(sink.flush()).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    sink.write(record());
    await expect(sink.flush()).resolves.toBeUndefined();
  });

  it("validates options", () => {
    expect(() => new CloudWatchSink({ client: cw.client, namespace: "AWS/Bedrock" })).toThrow(
      /namespace/,
    );
  });
});
