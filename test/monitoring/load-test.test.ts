import { describe, expect, it } from "vitest";
import { renderLoadTestHtml } from "../../src/monitoring/html-report.js";
import { parseRecordsJsonl } from "../../src/monitoring/jsonl-sink.js";
import {
  compareRuns,
  type LoadTestProgress,
  loadTestJsonl,
  runLoadTest,
} from "../../src/monitoring/load-test.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";

describe("runLoadTest", () => {
  it("runs every config at every level, respects concurrency, reports progress and compares", async () => {
    let inFlight = 0;
    let peak = 0;
    const responder = async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return "alpha beta gamma";
    };
    const slow = new FakeChatModel({ id: "fake:standard", responses: responder, failOn: [3] });
    const fast = new FakeChatModel({ id: "fake:optimized", responses: responder });
    const progress: LoadTestProgress[] = [];
    const result = await runLoadTest({
      configs: [
        { name: "standard", model: slow },
        { name: "optimized", model: fast },
      ],
      prompts: ["one", { messages: [{ role: "user", content: "two" }] }],
      concurrency: [1, 4],
      requestsPerLevel: 8,
      onProgress: (p) => progress.push(p),
    });
    expect(result.runs.map((r) => [r.config, r.concurrency, r.records.length])).toEqual([
      ["standard", 1, 8],
      ["standard", 4, 8],
      ["optimized", 1, 8],
      ["optimized", 4, 8],
    ]);
    expect(peak).toBeLessThanOrEqual(4);
    expect(result.runs[0]!.summary.errors).toBe(1);
    expect(result.runs[0]!.records.every((r) => r.dimensions.config === "standard")).toBe(true);
    expect(progress).toHaveLength(32);
    expect(progress.at(-1)).toMatchObject({ overallDone: 32, overallTotal: 32 });
    expect(slow.requests.map((r) => r.messages[0]!.content).slice(0, 3)).toEqual([
      "one",
      "two",
      "one",
    ]);

    const comparison = compareRuns(result, "standard", "optimized");
    expect(comparison).toHaveLength(2);
    const e2e = comparison[0]!.metrics.find((m) => m.metric === "e2eMs")!;
    expect(e2e.change.p50).toBeCloseTo(
      (e2e.candidate.p50 - e2e.baseline.p50) / e2e.baseline.p50,
      12,
    );

    const lines = parseRecordsJsonl(loadTestJsonl(result));
    expect(lines).toHaveLength(32);

    const html = renderLoadTestHtml(result, { title: "A <test>", comparisons: comparison });
    expect(html).toContain("<svg");
    expect(html).toContain("A &#60;test&#62;");
    expect(html).not.toMatch(/<script|<link|src=|href=/);
    expect(html).toContain("optimized vs standard at concurrency 4");
  });

  it("stops when aborted", async () => {
    const controller = new AbortController();
    const model = new FakeChatModel({ responses: () => "x", delayMs: 0 });
    const run = runLoadTest({
      model,
      prompts: ["p"],
      requestsPerLevel: 1000,
      onProgress: (p) => {
        if (p.done === 3) controller.abort();
      },
      signal: controller.signal,
    });
    await expect(run).rejects.toMatchObject({ code: "ABORTED" });
    expect(model.calls).toBeLessThan(10);
  });

  it("validates options", async () => {
    await expect(runLoadTest({ prompts: ["p"] })).rejects.toThrow(/model/);
  });
});
