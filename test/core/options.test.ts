import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ValidationError } from "../../src/core/errors.js";
import { parseOptions, rejectUnknownOptions } from "../../src/core/options.js";
import { closestMatch } from "../../src/core/suggest.js";

const schema = z
  .object({
    endpointName: z.string().min(1),
    retry: z
      .object({ maxAttempts: z.int().min(1) })
      .strict()
      .optional(),
    tags: z.array(z.object({ key: z.string(), value: z.string() }).strict()).optional(),
    idleTimeoutMs: z.int().positive().optional(),
  })
  .strict();

function thrown(run: () => unknown): ValidationError {
  try {
    run();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error("expected a ValidationError, but nothing was thrown");
}

describe("parseOptions", () => {
  it("returns the parsed value", () => {
    const value = parseOptions(
      schema,
      { endpointName: "e", retry: { maxAttempts: 2 } } as z.input<typeof schema>,
      "Thing options",
    );
    expect(value).toEqual({ endpointName: "e", retry: { maxAttempts: 2 } });
  });

  it("applies schema transforms and defaults", () => {
    const withDefault = z.object({ n: z.number().default(3) });
    expect(parseOptions(withDefault, {} as unknown, "x")).toEqual({ n: 3 });
  });

  it("throws ValidationError naming every nested field path", () => {
    const error = (() => {
      try {
        parseOptions(
          schema,
          {
            endpointName: "",
            retry: { maxAttempts: 0 },
            tags: [{ key: "a", value: 1 }],
          } as unknown,
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

describe("parseOptions: unknown keys", () => {
  it("names an unknown key and the closest known one", () => {
    const error = thrown(() =>
      parseOptions(schema, { endpointName: "e", idleTimeout: 5 } as unknown, "Thing options"),
    );
    expect(error.code).toBe("VALIDATION_ERROR");
    expect(error.message).toBe(
      "Invalid Thing options: unknown option `idleTimeout`; did you mean `idleTimeoutMs`?",
    );
    expect(error.issues).toEqual([
      {
        path: "idleTimeout",
        message: "unknown option `idleTimeout`; did you mean `idleTimeoutMs`?",
      },
    ]);
  });

  it("names a nested unknown key with its path, suggesting among that object's keys", () => {
    const error = thrown(() =>
      parseOptions(
        schema,
        { endpointName: "e", retry: { maxAttempt: 2 }, tags: [{ key: "k", valu: "v" }] } as unknown,
        "Thing options",
      ),
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual(
      ["retry.maxAttempt", "retry.maxAttempts", "tags.0.valu", "tags.0.value"].sort(),
    );
    expect(error.message).toContain(
      "unknown option `retry.maxAttempt`; did you mean `retry.maxAttempts`?",
    );
    expect(error.message).toContain("unknown option `tags.0.valu`; did you mean `tags.0.value`?");
  });

  it("lists the known keys when none is close, and reports other problems alongside", () => {
    const error = thrown(() =>
      parseOptions(schema, { endpointName: "", colour: "red" } as unknown, "Thing options"),
    );
    expect(error.message).toContain(
      "unknown option `colour`; known options: `endpointName`, `retry`, `tags`, `idleTimeoutMs`",
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual(["colour", "endpointName"]);
  });

  it("suggests across the members of a union and through wrappers and pipes", () => {
    const union = z
      .union([
        z.object({ kind: z.literal("a"), alpha: z.number() }).strict(),
        z.object({ kind: z.literal("b"), beta: z.number() }).strict(),
      ])
      .optional();
    const wrapped = z
      .object({ inner: union.default({ kind: "a", alpha: 1 }) })
      .strict()
      .transform((o) => o.inner);
    const error = thrown(() =>
      parseOptions(wrapped, { inner: { kind: "b", beta: 1, bta: 2 } } as unknown, "Wrapped"),
    );
    expect(error.message).toContain("unknown option `inner.bta`; did you mean `inner.beta`?");
  });

  it("suggests through tuples, intersections and lazy schemas", () => {
    const leaf = z.lazy(() => z.object({ gamma: z.number() }).strict());
    const both = z.intersection(
      z.object({ left: z.number() }).loose(),
      z.object({ right: leaf.optional() }).loose(),
    );
    const tupled = z.object({ pair: z.tuple([z.string(), both]) }).strict();
    const error = thrown(() =>
      parseOptions(
        tupled,
        { pair: ["x", { left: 1, right: { gamma: 1, gama: 2 } }] } as unknown,
        "Tupled",
      ),
    );
    expect(error.message).toContain(
      "unknown option `pair.1.right.gama`; did you mean `pair.1.right.gamma`?",
    );
  });

  it("treats a key that differs only in case as a typo", () => {
    const error = thrown(() =>
      parseOptions(schema, { endpointname: "e" } as unknown, "Thing options"),
    );
    expect(error.message).toContain("unknown option `endpointname`; did you mean `endpointName`?");
  });
  // The compile-time agreement of options types and schemas: test/core/schema-for-options.test.ts.
});

describe("rejectUnknownOptions", () => {
  const known = { output: true, flushEvery: true } as const;

  it("passes objects whose keys are all known, and non-objects", () => {
    expect(() => rejectUnknownOptions({ output: 1 }, known, "Sink options")).not.toThrow();
    expect(() => rejectUnknownOptions(undefined, known, "Sink options")).not.toThrow();
  });

  it("refuses an unknown key with the closest known one", () => {
    const error = thrown(() => rejectUnknownOptions({ outptu: 1 }, known, "Sink options"));
    expect(error.code).toBe("VALIDATION_ERROR");
    expect(error.message).toBe(
      "Invalid Sink options: unknown option `outptu`; did you mean `output`?",
    );
    expect(error.issues).toEqual([
      { path: "outptu", message: "unknown option `outptu`; did you mean `output`?" },
    ]);
  });
});

describe("closestMatch", () => {
  it("finds a missing unit suffix, a missing letter, a swap and a case change", () => {
    const keys = ["timeoutMs", "idleTimeoutMs", "maxAttempts", "endpointName"];
    expect(closestMatch("idleTimeout", keys)).toBe("idleTimeoutMs");
    expect(closestMatch("timeout", keys)).toBe("timeoutMs");
    expect(closestMatch("maxAttempt", keys)).toBe("maxAttempts");
    expect(closestMatch("maxAtetmpts", keys)).toBe("maxAttempts");
    expect(closestMatch("EndpointName", keys)).toBe("endpointName");
  });

  it("suggests nothing for a word far from every candidate", () => {
    expect(closestMatch("colour", ["endpointName", "timeoutMs"])).toBeUndefined();
    expect(closestMatch("x", [])).toBeUndefined();
  });

  it("prefers the nearer candidate, then the first listed", () => {
    expect(closestMatch("rowLimt", ["rowLimits", "rowLimit"])).toBe("rowLimit");
    expect(closestMatch("ab", ["ax", "xb"])).toBe("ax");
  });
});
