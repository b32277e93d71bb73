import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { FMOPS_ERROR_CODES, type FmopsErrorCode } from "../../src/core/error-codes.js";
import { FmopsError, TimeoutError } from "../../src/core/errors.js";

// The compiler is the first guard: FmopsError's constructor takes an FmopsErrorCode, so a code
// that is not in the union does not compile (see the @ts-expect-error cases below, checked by
// `npm run typecheck`). These tests keep the list itself honest: every code written in the
// sources is in it, every code in it is still thrown somewhere, and the troubleshooting guide
// documents exactly these codes.

const root = join(import.meta.dirname, "../..");
const CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
/** Codes built at run time from an external name: the union types each as a template. */
const TEMPLATE_PREFIXES = ["AWS_", "HTTP_", "MLFLOW_"];
/**
 * Codes the guide documents that are never thrown: the evaluator writes them on a failed
 * record (`record.error.code`) when the failure was not an FmopsError.
 */
const RECORDED_ONLY = new Set(["EVAL_MODEL_FAILURE", "EVAL_SCORING_FAILURE"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The argument text of the call whose `(` is at `open`, up to its matching `)`. */
function callArguments(text: string, open: number): string {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

/**
 * Every code written at an error's construction in src/: the first argument of
 * `new SomethingError(...)` / `super(...)` when it is a literal or a template, and a
 * `code: "..."` option inside those calls (TimeoutError's `STREAM_IDLE_TIMEOUT`, ...).
 */
function thrownCodes(): { literal: Map<string, string>; templates: Map<string, string> } {
  const literal = new Map<string, string>();
  const templates = new Map<string, string>();
  for (const file of sourceFiles(join(root, "src"))) {
    const text = readFileSync(file, "utf8");
    const where = relative(root, file);
    for (const call of text.matchAll(/(?:new [A-Za-z]*(?:Error|Failure)|\bsuper)\(/g)) {
      const args = callArguments(text, (call.index ?? 0) + call[0].length - 1);
      const first = /^\s*"([^"]*)"/.exec(args)?.[1];
      if (first !== undefined && CODE.test(first)) literal.set(first, where);
      // A derived code is a template that starts with its prefix (`AWS_${...}`), possibly in a
      // conditional (`errorCode ? \`MLFLOW_${errorCode}\` : "MLFLOW_REQUEST_FAILED"`).
      for (const template of args.matchAll(/`([A-Z][A-Z0-9_]*_)\$\{/g)) {
        templates.set(template[1] as string, where);
      }
      for (const option of args.matchAll(/\bcode: "([A-Z][A-Z0-9_]+)"/g)) {
        literal.set(option[1] as string, where);
      }
    }
  }
  return { literal, templates };
}

describe("FmopsErrorCode", () => {
  it("lists every code the sources pass to an error constructor", () => {
    const { literal } = thrownCodes();
    expect(literal.size).toBeGreaterThan(50); // the scan found the codes, not nothing
    const known = new Set<string>(FMOPS_ERROR_CODES);
    const missing = [...literal]
      .filter(([code]) => !known.has(code) && !TEMPLATE_PREFIXES.some((p) => code.startsWith(p)))
      .map(([code, file]) => `${code} (${file})`);
    expect(missing).toEqual([]);
  });

  it("types every code built from an external name with a template", () => {
    const { templates } = thrownCodes();
    expect([...templates.keys()].sort()).toEqual([...TEMPLATE_PREFIXES].sort());
  });

  it("lists no code that the sources no longer throw", () => {
    const sources = sourceFiles(join(root, "src"))
      .filter((file) => !file.endsWith("error-codes.ts"))
      .map((file) => readFileSync(file, "utf8"))
      .join("\n");
    const stale = FMOPS_ERROR_CODES.filter((code) => !sources.includes(`"${code}"`));
    expect(stale).toEqual([]);
  });

  it("is sorted and has no duplicates, so a new code has one obvious place", () => {
    expect([...new Set(FMOPS_ERROR_CODES)]).toEqual([...FMOPS_ERROR_CODES].sort());
  });

  it("matches the codes documented in docs/troubleshooting.md, in both directions", () => {
    const guide = readFileSync(join(root, "docs/troubleshooting.md"), "utf8");
    const undocumented = FMOPS_ERROR_CODES.filter((code) => !guide.includes(`\`${code}\``));
    expect(undocumented).toEqual([]);

    // The first cell of each row of the error-code tables names codes: fixed ones, or a
    // template written `AWS_<ERROR_NAME>`, `HTTP_<status>`, `MLFLOW_<error_code>`.
    const tables = guide.slice(guide.indexOf("\n## Error codes"));
    const documented = [...tables.matchAll(/^\| *([^|\n]*?) *\|/gm)]
      .flatMap((row) => [...(row[1] as string).matchAll(/`([A-Z][A-Z0-9_]*(?:<[^>`]+>)?)`/g)])
      .map((m) => m[1] as string)
      .filter((code) => CODE.test(code) || code.includes("<"));
    expect(documented.length).toBeGreaterThan(50);
    const known = new Set<string>(FMOPS_ERROR_CODES);
    const unknown = documented.filter(
      (code) =>
        !known.has(code) &&
        !RECORDED_ONLY.has(code) &&
        !TEMPLATE_PREFIXES.some((p) => code.startsWith(p)),
    );
    expect(unknown).toEqual([]);
  });

  it("is the type of FmopsError.code, so a switch over it is checked", () => {
    const err = new TimeoutError("late", 5, { code: "STREAM_IDLE_TIMEOUT" });
    const code: FmopsErrorCode = err.code;
    const advice = (c: FmopsErrorCode) => {
      switch (c) {
        case "STREAM_IDLE_TIMEOUT":
          return "raise idleTimeoutMs";
        // @ts-expect-error: not a code fmops throws, so the compiler refuses the case
        case "STREAM_IDLE_TIMOUT":
          return "never";
        default:
          return "other";
      }
    };
    expect(advice(code)).toBe("raise idleTimeoutMs");
    // Derived codes are typed by their template.
    const aws: FmopsErrorCode = "AWS_THROTTLING_EXCEPTION";
    expect(new FmopsError(aws, "slow down").code).toBe("AWS_THROTTLING_EXCEPTION");
  });

  it("refuses an unknown literal at compile time", () => {
    // @ts-expect-error: "SOMETHING_BROKE" is not an FmopsErrorCode
    const err = new FmopsError("SOMETHING_BROKE", "typo");
    // @ts-expect-error: an unknown code in TimeoutError's code option is refused too
    const late = new TimeoutError("late", 1, { code: "NOT_A_CODE" });
    // At run time nothing stops plain JavaScript; the union is a compile-time contract.
    expect([err.code, late.code]).toEqual(["SOMETHING_BROKE", "NOT_A_CODE"]);
  });
});
