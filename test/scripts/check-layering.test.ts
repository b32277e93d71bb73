import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations.
import { checkLayering } from "../../scripts/check-layering.mjs";

// `npm run check:layering` (scripts/check-layering.mjs) on small source trees, each breaking one
// rule of docs/architecture.md, and on the real src/.
const root = join(import.meta.dirname, "../..");
const script = join(root, "scripts/check-layering.mjs");

interface Problem {
  rule: string;
  file: string;
  line: number;
  message: string;
}
const check = checkLayering as (srcDir: string) => {
  problems: Problem[];
  files: number;
  crossImports: number;
  graph: Record<string, string[]>;
};

let src: string;
beforeEach(() => {
  src = join(mkdtempSync(join(tmpdir(), "fmops-layering-")), "src");
});
afterEach(() => rmSync(dirname(src), { recursive: true, force: true }));

/** Writes a source tree: path (under src/) -> file text. */
function tree(files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  return src;
}

/** A tree that follows every rule; each case adds one file that breaks one. */
const healthy: Record<string, string> = {
  "version.ts": 'export const VERSION = "0";\n',
  "index.ts":
    'export { LineIterator } from "./streaming/index.js";\nexport { VERSION } from "./version.js";\n',
  "core/index.ts": 'export { FmopsError } from "./errors.js";\n',
  "core/internal.ts": 'export { lazyClient } from "./aws-sdk.js";\n',
  "core/errors.ts": "export class FmopsError extends Error {}\n",
  "core/aws-sdk.ts": "export const lazyClient = () => 1;\n",
  "streaming/index.ts": 'export { LineIterator } from "./lines.js";\n',
  "streaming/lines.ts":
    'import { FmopsError } from "../core/index.js";\nexport class LineIterator { e = FmopsError; }\n',
  "models/index.ts": 'export { Model } from "./model.js";\n',
  "models/model.ts": [
    'import type { LineIterator } from "../streaming/index.js";',
    'import { lazyClient } from "../core/internal.js";',
    'import { VERSION } from "../version.js";',
    "export class Model { l?: LineIterator; c = lazyClient; v = VERSION; }",
    "",
  ].join("\n"),
  "cli/main.ts": 'import { Model } from "../models/index.js";\nexport const m = Model;\n',
};

/** An import against the order that forms no cycle (rag imports nothing). */
const upward: Record<string, string> = {
  "rag/index.ts": "export const bm25 = 1;\n",
  "streaming/uses-rag.ts": 'import { bm25 } from "../rag/index.js";\nexport const b = bm25;\n',
};

function problemsWith(extra: Record<string, string>): Problem[] {
  return check(tree({ ...healthy, ...extra })).problems;
}

describe("check-layering on fixture trees", () => {
  it("accepts a tree whose imports go downward and through entry files", () => {
    const result = check(tree(healthy));
    expect(result.problems).toEqual([]);
    // The real graph, as docs/architecture.md lists it: the root entry and leaves left out.
    expect(result.graph).toEqual({
      cli: ["models"],
      models: ["core", "streaming"],
      streaming: ["core"],
    });
  });

  it("refuses an upward import (streaming using rag)", () => {
    const problems = problemsWith(upward);
    expect(problems).toEqual([
      expect.objectContaining({ rule: "upward", file: "streaming/uses-rag.ts", line: 1 }),
    ]);
    expect(problems[0]?.message).toContain("streaming may not use rag (streaming may use: core)");
  });

  it("refuses a sideways import between siblings (async using prompts)", () => {
    const problems = problemsWith({
      "prompts/index.ts": "export const p = 1;\n",
      "async/index.ts": 'export { p } from "../prompts/index.js";\n',
    });
    expect(problems.map((p) => [p.rule, p.file])).toEqual([["upward", "async/index.ts"]]);
    expect(problems[0]?.message).toContain("async may use: core, streaming, models");
  });

  it("refuses a reach into another module's file, type-only imports included", () => {
    const problems = problemsWith({
      "models/typed.ts": [
        'import type { LineIterator } from "../streaming/lines.js";',
        "export type L = LineIterator;",
        "",
      ].join("\n"),
    });
    expect(problems).toEqual([
      expect.objectContaining({ rule: "internal", file: "models/typed.ts", line: 1 }),
    ]);
    expect(problems[0]?.message).toContain("streaming/lines.ts");
    expect(problems[0]?.message).toContain("streaming/index.ts");
  });

  it("sees import() calls, import() types and export-from, not only import statements", () => {
    const problems = problemsWith({
      "models/lazy.ts": [
        "export type L = import('../streaming/lines.js').LineIterator;",
        "export const load = () => import('../streaming/lines.js');",
        'export { LineIterator } from "../streaming/lines.js";',
        "",
      ].join("\n"),
    });
    expect(problems.map((p) => [p.rule, p.line])).toEqual([
      ["internal", 1],
      ["internal", 2],
      ["internal", 3],
    ]);
  });

  it("allows core's internal.ts but no other core file", () => {
    const problems = problemsWith({
      "models/errors.ts": 'export { FmopsError } from "../core/errors.js";\n',
    });
    expect(problems.map((p) => [p.rule, p.file])).toEqual([["internal", "models/errors.ts"]]);
    expect(problems[0]?.message).toContain("core/index.ts or core/internal.ts");
  });

  it("allows any module's internal.ts to a module below it, as it allows its index.ts", () => {
    const result = check(
      tree({
        ...healthy,
        "streaming/internal.ts": 'export { splitLines } from "./split.js";\n',
        "streaming/split.ts": 'export const splitLines = (t: string) => t.split("\\n");\n',
        "models/lines.ts": [
          'import { splitLines } from "../streaming/internal.js";',
          "export const lines = splitLines;",
          "",
        ].join("\n"),
      }),
    );
    expect(result.problems).toEqual([]);
    expect(result.graph.models).toEqual(["core", "streaming"]);
  });

  it("refuses an upward import of an internal.ts as upward, not as a reach inside", () => {
    const problems = problemsWith({
      "rag/index.ts": "export const bm25 = 1;\n",
      "rag/internal.ts": 'export { tokenize } from "./tokenize.js";\n',
      "rag/tokenize.ts": 'export const tokenize = (t: string) => t.split(" ");\n',
      "models/words.ts":
        'import { tokenize } from "../rag/internal.js";\nexport const w = tokenize;\n',
    });
    expect(problems.map((p) => [p.rule, p.file])).toEqual([["upward", "models/words.ts"]]);
    expect(problems[0]?.message).toContain("models may not use rag");
  });

  it("refuses an internal.ts that itself imports upward", () => {
    const problems = problemsWith({
      "rag/index.ts": "export const bm25 = 1;\n",
      "streaming/internal.ts": 'export { bm25 } from "../rag/index.js";\n',
    });
    expect(problems.map((p) => [p.rule, p.file])).toEqual([["upward", "streaming/internal.ts"]]);
  });

  it("refuses a file importing its own module's internal.ts, like its index.ts", () => {
    const problems = problemsWith({
      "models/internal.ts": 'export { Model } from "./model.js";\n',
      "models/helper.ts": 'import { Model } from "./internal.js";\nexport const m = Model;\n',
    });
    expect(problems.map((p) => [p.rule, p.file])).toEqual([["self-entry", "models/helper.ts"]]);
  });

  it("treats only internal.ts at the top of a module as an entry file", () => {
    const problems = problemsWith({
      "streaming/deep/internal.ts": "export const deep = 1;\n",
      "models/deep.ts":
        'import { deep } from "../streaming/deep/internal.js";\nexport const d = deep;\n',
    });
    expect(problems.map((p) => [p.rule, p.file])).toEqual([["internal", "models/deep.ts"]]);
    expect(problems[0]?.message).toContain("streaming/index.ts or streaming/internal.ts");
  });

  it("refuses a root entry that re-exports an internal.ts, but lets a module publish one", () => {
    const problems = problemsWith({
      "index.ts": `${healthy["index.ts"]}export { lazyClient } from "./core/internal.js";\n`,
      // fmops/models publishes chat types that core defines and shares through core/internal.ts.
      "models/index.ts":
        'export { Model } from "./model.js";\nexport { lazyClient } from "../core/internal.js";\n',
    });
    expect(problems.map((p) => [p.rule, p.file, p.line])).toEqual([
      ["public-internal", "index.ts", 3],
    ]);
    expect(problems[0]?.message).toContain("core/internal.ts");
  });

  it("refuses a package.json that exports an internal.ts or every file by a pattern", () => {
    tree(healthy);
    const exportsWith = (extra: Record<string, unknown>) =>
      writeFileSync(
        join(dirname(src), "package.json"),
        JSON.stringify({
          name: "fixture",
          exports: { ".": "./dist/index.js", "./core": "./dist/core/index.js", ...extra },
        }),
      );
    exportsWith({});
    expect(check(src).problems).toEqual([]);
    exportsWith({
      "./core/internal": {
        import: { types: "./dist/core/internal.d.ts", default: "./dist/core/internal.js" },
      },
      "./models/plumbing": "./dist/models/internal.js",
      "./*": "./dist/*.js",
    });
    const problems = check(src).problems;
    expect(problems.map((p) => [p.rule, p.file])).toEqual([
      ["exported-internal", "package.json"],
      ["exported-internal", "package.json"],
      ["exported-internal", "package.json"],
    ]);
    expect(problems.map((p) => p.message).join("\n")).toMatch(/"\.\/core\/internal"/);
    expect(problems.map((p) => p.message).join("\n")).toMatch(/"\.\/models\/plumbing"/);
    expect(problems.map((p) => p.message).join("\n")).toMatch(/"\.\/\*"/);
  });

  it("refuses any import of cli, even from the top of the order", () => {
    const problems = problemsWith({
      "cli/index.ts": "export const run = () => 0;\n",
      "testing/fake.ts": 'import { run } from "../cli/index.js";\nexport const r = run;\n',
    });
    expect(problems.map((p) => [p.rule, p.file])).toEqual([["cli", "testing/fake.ts"]]);
  });

  it("refuses a file importing its own module's entry file", () => {
    const problems = problemsWith({
      "models/helper.ts": 'import { Model } from "./index.js";\nexport const m = Model;\n',
    });
    expect(problems.map((p) => [p.rule, p.file])).toEqual([["self-entry", "models/helper.ts"]]);
  });

  it("reports a cycle between modules as a cycle, besides the upward edge", () => {
    const problems = problemsWith({
      "core/back.ts":
        'import { LineIterator } from "../streaming/index.js";\nexport const l = 1;\n',
    });
    expect(problems.map((p) => p.rule).sort()).toEqual(["cycle", "upward"]);
    expect(problems.find((p) => p.rule === "cycle")?.message).toMatch(
      /core -> streaming -> core|streaming -> core -> streaming/,
    );
  });

  it("refuses a module folder that the layering table does not know", () => {
    const problems = problemsWith({ "widgets/index.ts": "export const w = 1;\n" });
    expect(problems.map((p) => [p.rule, p.file])).toEqual([["unknown", "widgets/"]]);
  });

  it("exits 1 with one readable line per problem from the command line", () => {
    tree({
      ...healthy,
      ...upward,
      "models/typed.ts": 'import type { LineIterator } from "../streaming/lines.js";\n',
    });
    const r = spawnSync(process.execPath, [script, "--src", src], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("2 problem(s)");
    expect(r.stderr).toMatch(
      /\[upward\] \S*streaming\/uses-rag\.ts:1: import "\.\.\/rag\/index\.js"/,
    );
    expect(r.stderr).toMatch(/\[internal\] \S*models\/typed\.ts:1: type import/);
  });
});

describe("check-layering on the real src/", () => {
  it("finds no problem: every import between modules goes downward, through an entry file", () => {
    const result = check(join(root, "src"));
    expect(result.problems.map((p) => `[${p.rule}] ${p.file}:${p.line} ${p.message}`)).toEqual([]);
    // Guard against a walk that reads nothing: the tree has hundreds of cross-module imports.
    expect(result.files).toBeGreaterThan(200);
    expect(result.crossImports).toBeGreaterThan(300);
  });

  it("has the graph docs/architecture.md describes: models uses streaming, nothing uses cli", () => {
    const { graph } = check(join(root, "src"));
    expect(graph.models).toContain("streaming");
    expect(Object.values(graph).some((uses) => uses.includes("cli"))).toBe(false);
    expect(graph.core ?? []).toEqual([]);
  });
});
