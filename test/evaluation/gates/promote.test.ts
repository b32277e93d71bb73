import { describe, expect, it } from "vitest";
import {
  checkGates,
  evaluationSummary,
  ModelEvaluator,
  PrecomputedRunner,
  parseGate,
  promoteIfPassed,
  QaAccuracy,
} from "../../../src/evaluation/index.js";
import { PromptCatalog } from "../../../src/prompts/index.js";

async function summaryWithF1(rightOf4: number) {
  const data = Array.from({ length: 4 }, (_, i) => ({
    index: i,
    line: i + 1,
    input: `q${i}`,
    targets: [`a${i}`],
    data: { out: i < rightOf4 ? `a${i}` : "nothing" },
  }));
  const result = await new ModelEvaluator({
    runner: new PrecomputedRunner({ output: "out" }),
    algorithms: [new QaAccuracy()],
  }).evaluate(data);
  return evaluationSummary(result);
}

function catalog(): PromptCatalog {
  let t = Date.UTC(2025, 0, 1);
  const c = new PromptCatalog({
    now: () => {
      t += 1000;
      return new Date(t);
    },
  });
  c.register({ id: "qa", version: "1", text: "Answer: {{question}}" }, { labels: ["production"] });
  c.register({ id: "qa", version: "2", text: "Answer briefly: {{question}}" });
  return c;
}

describe("promoteIfPassed", () => {
  it("leaves the label where it is when a gate failed", async () => {
    const c = catalog();
    const report = checkGates(await summaryWithF1(2), [parseGate("f1_score >= 0.75")]);
    const outcome = promoteIfPassed(c, {
      id: "qa",
      label: "production",
      version: "2",
      report,
      runId: "run-1",
    });
    expect(outcome).toMatchObject({ promoted: false, version: "1", failed: ["f1_score >= 0.75"] });
    expect(c.labels("qa").production).toBe("1");
    expect(c.history("qa").filter((e) => e.type === "label")).toHaveLength(1);
  });

  it("moves the label when every gate passed, recording the evaluation's run id in its history", async () => {
    const c = catalog();
    const report = checkGates(await summaryWithF1(3), [parseGate("f1_score >= 0.75")]);
    const outcome = promoteIfPassed(c, {
      id: "qa",
      label: "production",
      version: "2",
      report,
      runId: "run-2",
    });
    expect(outcome).toEqual({ promoted: true, version: "2", previous: "1", failed: [] });
    expect(c.get("qa").version).toBe("2");
    expect(c.history("qa").at(-1)).toMatchObject({
      type: "label",
      label: "production",
      version: "2",
      previous: "1",
      evaluationRunId: "run-2",
    });
    // The run id survives export and import, and rollback still works.
    const copy = new PromptCatalog();
    copy.import(JSON.parse(JSON.stringify(c.toJSON())));
    expect(copy.history("qa").at(-1)).toMatchObject({ evaluationRunId: "run-2" });
    expect(c.rollback("qa", "production")).toBe("1");
  });

  it("checks its arguments before moving anything", async () => {
    const c = catalog();
    const report = checkGates(await summaryWithF1(4), [parseGate("f1_score >= 0.75")]);
    expect(() =>
      promoteIfPassed(c, { id: "qa", label: "production", version: "9", report, runId: "r" }),
    ).toThrow(/has no version "9"/);
    expect(() =>
      promoteIfPassed(c, { id: "qa", label: "production", version: "2", report, runId: "" }),
    ).toThrow(/runId/);
    const empty = { ...report, verdicts: [] };
    expect(() =>
      promoteIfPassed(c, {
        id: "qa",
        label: "production",
        version: "2",
        report: empty,
        runId: "r",
      }),
    ).toThrow(/no gate/);
    expect(c.labels("qa").production).toBe("1");
  });
});
