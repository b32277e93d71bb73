import { describe, expect, it } from "vitest";
import { MissingDependencyError } from "../../src/core/errors.js";
import { loadOptional } from "../../src/core/optional.js";

describe("loadOptional", () => {
  it("loads an installed package", async () => {
    const zod = await loadOptional<typeof import("zod")>("zod", "Option parsing");
    expect(typeof zod.z.object).toBe("function");
  });

  it("throws MISSING_DEPENDENCY naming the package and the install command", async () => {
    const error = await loadOptional(
      "fmops-test-package-that-is-not-installed",
      "DuckDbEngine",
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    const missing = error as MissingDependencyError;
    expect(missing.code).toBe("MISSING_DEPENDENCY");
    expect(missing.retryable).toBe(false);
    expect(missing.packageName).toBe("fmops-test-package-that-is-not-installed");
    expect(missing.message).toContain("DuckDbEngine");
    expect(missing.message).toContain("npm install fmops-test-package-that-is-not-installed");
    expect(missing.unsafeCause()).toBeInstanceOf(Error);
  });

  it("handles scoped package names", async () => {
    await expect(loadOptional("@fmops-test/not-installed", "Feature")).rejects.toMatchObject({
      code: "MISSING_DEPENDENCY",
      packageName: "@fmops-test/not-installed",
    });
  });
});
