import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("examples/evaluate.ts", () => {
  it("scores the precomputed dataset offline", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "examples/evaluate.ts"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("my-model-2026-01: 7 records, 0 failed");
    // Hand-checked f1 per record: 1, 1, 0.5 ({atlantic, ocean} vs {pacific, ocean}), 0.4
    // ({shakespeare, wrote, it} vs {william, shakespeare}), 1, 1, 0.5 ({it, is, 9} vs {9}):
    // 5.4 / 7 = 0.771.
    expect(run.stdout).toContain("overall  f1 0.771");
    expect(run.stdout).toMatch(/"line":1,"category":"geography"/);
  }, 70_000);
});
