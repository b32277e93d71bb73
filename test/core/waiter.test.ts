import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pollDelay } from "../../src/core/waiter.js";

describe("pollDelay", () => {
  it("stays within [minDelayMs, maxDelayMs] and starts sub-second (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, min, extra, r) => {
          const d = pollDelay(attempt, { minDelayMs: min, maxDelayMs: min + extra }, () => r);
          expect(d).toBeGreaterThanOrEqual(min);
          expect(d).toBeLessThanOrEqual(min + extra);
        },
      ),
    );
    expect(pollDelay(1, { minDelayMs: 250, maxDelayMs: 2_000 }, () => 0.999)).toBeLessThan(1_000);
  });
});
