import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ValidationError } from "../../src/core/errors.js";
import { parseOptions } from "../../src/core/options.js";

const schema = z.object({
  endpointName: z.string().min(1),
  retry: z.object({ maxAttempts: z.int().min(1) }).optional(),
  tags: z.array(z.object({ key: z.string(), value: z.string() })).optional(),
});

describe("parseOptions", () => {
  it("returns the parsed value", () => {
    const value = parseOptions(
      schema,
      { endpointName: "e", retry: { maxAttempts: 2 } },
      "Thing options",
    );
    expect(value).toEqual({ endpointName: "e", retry: { maxAttempts: 2 } });
  });

  it("applies schema transforms and defaults", () => {
    const withDefault = z.object({ n: z.number().default(3) });
    expect(parseOptions(withDefault, {}, "x")).toEqual({ n: 3 });
  });

  it("throws ValidationError naming every nested field path", () => {
    const error = (() => {
      try {
        parseOptions(
          schema,
          { endpointName: "", retry: { maxAttempts: 0 }, tags: [{ key: "a", value: 1 }] },
          "Thing options",
        );
      } catch (err) {
        return err;
      }
      return undefined;
    })() as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe("VALIDATION_ERROR");
    expect(error.retryable).toBe(false);
    expect(error.issues.map((i) => i.path).sort()).toEqual(
      ["endpointName", "retry.maxAttempts", "tags.0.value"].sort(),
    );
    expect(error.message).toMatch(/^Invalid Thing options: /);
    expect(error.message).toContain("retry.maxAttempts:");
    expect(error.message).toContain("tags.0.value:");
    expect(error.unsafeCause()).toBeInstanceOf(z.ZodError);
  });

  it("reports a wrong top-level value without a path", () => {
    expect(() => parseOptions(schema, undefined, "Thing options")).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: "" })] }),
    );
  });
});
