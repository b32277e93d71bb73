import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

// `npm run api:check` / `api:update` (scripts/api-report.mjs) over a small stand-in for dist/:
// one .d.ts per entry point of package.json, sharing a chunk the way tsup's build does.
const root = join(import.meta.dirname, "../..");
const script = join(root, "scripts/api-report.mjs");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  exports: Record<string, unknown>;
};
const modules = Object.keys(pkg.exports)
  .filter((s) => s !== "./package.json")
  .map((s) => (s === "." ? "" : s.slice(2)));

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "fmops-api-report-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function writeDist(coreExtra = ""): string {
  const dist = join(work, "dist");
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dist, path)), { recursive: true });
    writeFileSync(join(dist, path), text);
  };
  // A bundler-renamed class with private members, and an options interface, in a shared chunk.
  write(
    "chunk-AbC123.d.ts",
    `/** Options. */
interface WidgetOptions { size?: number }
/** A widget. */
declare class Widget$1 {
    private secret;
    #hidden;
    readonly size: number;
    constructor(options?: WidgetOptions);
    /** Runs it. */
    run(input: string): Promise<string>;
}
export { Widget$1 as Widget, type WidgetOptions };
`,
  );
  for (const m of modules) {
    const path = m === "" ? "index.d.ts" : `${m}/index.d.ts`;
    const chunk = m === "" ? "./chunk-AbC123.js" : "../chunk-AbC123.js";
    const extra = m === "core" ? coreExtra : "";
    write(
      path,
      `export { Widget, type WidgetOptions } from '${chunk}';\n/** The answer. */\ndeclare const ANSWER: 42;\nexport { ANSWER };\n${extra}`,
    );
  }
  return dist;
}

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("API report", () => {
  it("writes one sorted report per entry point, without comments, private members or renames", () => {
    const dist = writeDist();
    const api = join(work, "api");
    expect(run("--update", "--dist", dist, "--api", api).code).toBe(0);
    const core = readFileSync(join(api, "fmops-core.api.md"), "utf8");
    expect(core).toContain("`fmops/core`");
    expect(core).toContain("3 exported names.");
    const body = core.slice(core.indexOf("```ts"));
    expect(body.indexOf("// variable ANSWER")).toBeLessThan(body.indexOf("// class Widget"));
    expect(body.indexOf("// class Widget")).toBeLessThan(
      body.indexOf("// interface WidgetOptions"),
    );
    expect(body).toContain("const ANSWER: 42;");
    expect(body).toContain("class Widget {");
    expect(body).toContain("run(input: string): Promise<string>;");
    expect(body).not.toMatch(/secret|#hidden|Widget\$1|Runs it|chunk-AbC123/);
    expect(readFileSync(join(api, "fmops.api.md"), "utf8")).toContain("`fmops`");
  });

  it("is deterministic and passes --check when nothing changed", () => {
    const dist = writeDist();
    const api = join(work, "api");
    run("--update", "--dist", dist, "--api", api);
    const first = readFileSync(join(api, "fmops-rag.api.md"), "utf8");
    run("--update", "--dist", dist, "--api", api);
    expect(readFileSync(join(api, "fmops-rag.api.md"), "utf8")).toBe(first);
    const check = run("--check", "--dist", dist, "--api", api);
    expect(check.code).toBe(0);
    expect(check.out).toContain("matches");
  });

  it("fails --check with a diff and the update command when the surface changed", () => {
    const api = join(work, "api");
    run("--update", "--dist", writeDist(), "--api", api);
    const changed = writeDist("export declare function helper(x: number): string;\n");
    const check = run("--check", "--dist", changed, "--api", api);
    expect(check.code).toBe(1);
    expect(check.err).toContain("api/fmops-core.api.md differs from the build");
    expect(check.err).toContain("+ function helper(x: number): string;");
    expect(check.err).toContain("- 3 exported names.");
    expect(check.err).toContain("npm run build && npm run api:update");
  });

  it("fails --check when an entry point has no committed report", () => {
    const dist = writeDist();
    const api = join(work, "api");
    run("--update", "--dist", dist, "--api", api);
    rmSync(join(api, "fmops-testing.api.md"));
    const check = run("--check", "--dist", dist, "--api", api);
    expect(check.code).toBe(1);
    expect(check.err).toContain("api/fmops-testing.api.md is missing");
  });
});
