import { describe, expect, it } from "vitest";
import {
  costAllocationTags,
  instanceHourCost,
  tokenCost,
  validateCostAllocationTags,
} from "../../src/monitoring/cost.js";
import { detectDrift, ksTest, populationStabilityIndex } from "../../src/monitoring/drift.js";

describe("cost", () => {
  it("prices calls by tokens and by instance hours", () => {
    expect(
      tokenCost(
        { inputTokens: 2000, outputTokens: 500 },
        { inputPer1k: 0.003, outputPer1k: 0.015 },
      ),
    ).toBeCloseTo(0.0135, 12);
    expect(
      instanceHourCost({ pricePerInstanceHour: 1.5, instances: 2, hours: 10 }, 3000),
    ).toBeCloseTo(0.01, 12);
    expect(() => tokenCost({}, { inputPer1k: -1, outputPer1k: 0 })).toThrow(/inputPer1k/);
  });

  it("validates cost-allocation tags", () => {
    expect(
      validateCostAllocationTags(
        { CostCenter: "42", "team:name": "ml-platform" },
        { required: ["CostCenter"] },
      ),
    ).toEqual([]);
    const problems = validateCostAllocationTags(
      { "aws:owner": "x", "bad#key": "v", Project: " ", Long: "v".repeat(257) },
      { required: ["Project", "CostCenter"] },
    );
    expect(problems.map((p) => `${p.key}: ${p.message}`)).toEqual([
      'aws:owner: the "aws:" prefix is reserved for AWS',
      "bad#key: key may only contain letters, digits, spaces and _ . : / = + - @",
      "Long: value must be at most 256 characters",
      "Project: required tag is empty",
      "CostCenter: required tag is missing",
    ]);
    expect(costAllocationTags({ Project: "bot" })).toEqual([{ Key: "Project", Value: "bot" }]);
    expect(() => costAllocationTags({}, { required: ["Project"] })).toThrow(
      /Project: required tag is missing/,
    );
  });
});

describe("drift", () => {
  it("computes the KS statistic by hand", () => {
    // F1 at 1,2,3 = 1/3,2/3,1; F2 (values 2.5,3.5,4.5) = 0,0,1/3 -> D = 2/3 at x = 2
    expect(ksTest([1, 2, 3], [2.5, 3.5, 4.5]).statistic).toBeCloseTo(2 / 3, 12);
    expect(ksTest([1, 2, 3], [1, 2, 3])).toEqual({ statistic: 0, pValue: 1 });
  });

  it("PSI is zero for the same distribution and large for a shifted one", () => {
    const base = Array.from({ length: 1000 }, (_, i) => i);
    expect(populationStabilityIndex(base, base)).toBeCloseTo(0, 12);
    const shifted = base.map((v) => v + 500);
    expect(populationStabilityIndex(base, shifted)).toBeGreaterThan(1);
  });

  it("flags drift past the thresholds only", () => {
    const base = Array.from({ length: 500 }, (_, i) => 100 + (i % 50));
    const same = Array.from({ length: 500 }, (_, i) => 100 + ((i * 7) % 50));
    const slower = base.map((v) => v * 1.5);
    expect(detectDrift(base, same).drifted).toBe(false);
    const drift = detectDrift(base, slower);
    expect(drift.drifted).toBe(true);
    expect(drift.reasons).toEqual(["psi", "ks"]);
    expect(drift.ks.pValue).toBeLessThan(1e-6);
  });
});
