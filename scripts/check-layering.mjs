#!/usr/bin/env node
// The layering check (`npm run check:layering`): reads the imports of every TypeScript file under
// src/ with the TypeScript compiler's parser and fails, with one line per problem, when the code
// leaves the module graph that docs/architecture.md describes:
//
//   upward     a module imports one that it may not use (upward or sideways in the order below)
//   internal   a module imports another module's file other than that module's entry files
//              (`index.ts`, its public face, and `internal.ts`, what it shares inside fmops only)
//   self-entry a file imports its own module's entry file (a barrel cycle waiting to happen)
//   public-internal
//              the root entry (`src/index.ts`) imports an `internal.ts`: it re-exports only names
//              that are public in their own module
//   exported-internal
//              package.json `exports` names an `internal` file, or a `*` pattern that would
//              publish every built file (the check reads the package.json next to the tree)
//   cli        anything imports the `cli` module
//   unknown    a folder under src/ that the table below does not list
//   cycle      the modules' imports form a cycle
//
// Every form of import counts: `import`, `import type`, `export ... from`, `import("...")` calls
// and `import("...")` types. Package imports ("zod", "@aws-sdk/...") are not checked here.
//
//   node scripts/check-layering.mjs              check src/
//   node scripts/check-layering.mjs --src <dir>  check another tree laid out the same way
//   node scripts/check-layering.mjs --graph      print which modules import which (the real graph)
//
// The table is the one place the order is written in code; docs/architecture.md explains it.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const BELOW_MONITORING = ["core", "streaming", "models", "async", "prompts", "rag", "text2sql"];

/**
 * Which modules each module may import. `async` and `prompts` sit side by side on `models`, so
 * neither may use the other; monitoring may use everything below it; evaluation also monitoring;
 * testing everything but cli; cli everything. Nothing may import cli.
 */
export const ALLOWED_DEPENDENCIES = {
  core: [],
  streaming: ["core"],
  models: ["core", "streaming"],
  async: ["core", "streaming", "models"],
  prompts: ["core", "streaming", "models"],
  rag: ["core", "streaming", "models", "prompts"],
  text2sql: ["core", "streaming", "models", "prompts", "rag"],
  monitoring: BELOW_MONITORING,
  evaluation: [...BELOW_MONITORING, "monitoring"],
  testing: [...BELOW_MONITORING, "monitoring", "evaluation"],
  cli: [...BELOW_MONITORING, "monitoring", "evaluation", "testing"],
};

/**
 * The files of a module that other modules may import: `index.ts`, the public face that
 * package.json exports, and `internal.ts`, the names a module shares with the modules above it
 * but not with users (core's AWS plumbing, the models' request check, the evaluation report's
 * interval format for the CLI). package.json never exports an `internal.ts`; the direction rules
 * apply to both files alike.
 */
export const ENTRY_FILES = ["index.ts", "internal.ts"];

/** The file of a module that package.json exports (the others are for fmops only). */
const PUBLIC_ENTRY = "index.ts";

/** The root entry (`src/index.ts`) re-exports the modules; files next to it are shared leaves. */
const ROOT = "(root)";

/** Whether a path names an internal entry (`internal`, `internal.ts`, `internal.d.cts`, ...). */
const INTERNAL_NAME = /(^|\/)internal(\.[a-z.]*)?$/;

/** Every target string in a package.json `exports` value (conditions nest). */
function exportTargets(value) {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(exportTargets);
  if (value && typeof value === "object") return Object.values(value).flatMap(exportTargets);
  return [];
}

/**
 * The problems of package.json's `exports`: a subpath or a target that names an `internal`
 * file, and `*` patterns, which would export every built file, internal ones included.
 */
export function checkPackageExports(pkg) {
  const problems = [];
  const exports = pkg?.exports;
  if (!exports || typeof exports !== "object") return problems;
  for (const [subpath, value] of Object.entries(exports)) {
    if (!subpath.startsWith(".")) continue; // Conditions at the top level: no subpaths to check.
    const targets = exportTargets(value);
    const internal = [subpath, ...targets].find((t) => INTERNAL_NAME.test(t));
    const pattern = [subpath, ...targets].find((t) => t.includes("*"));
    if (!internal && !pattern) continue;
    problems.push({
      rule: "exported-internal",
      file: "package.json",
      line: 0,
      message: internal
        ? `exports "${subpath}" publishes ${internal === subpath ? "an internal entry" : `"${internal}"`}; an internal.ts is for fmops' own modules: export the module's index.ts only`
        : `exports "${subpath}" is a pattern that would publish every built file, internal.ts included; list each module's index.ts instead`,
    });
  }
  return problems;
}

function listTsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listTsFiles(path));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Every relative module specifier in one file, with its 1-based line and whether it is type-only. */
export function importsOf(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const add = (literal, typeOnly) => {
    if (!literal || !ts.isStringLiteralLike(literal)) return;
    const line = source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1;
    found.push({ specifier: literal.text, line, typeOnly });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      add(node.moduleSpecifier, Boolean(node.importClause?.isTypeOnly));
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node)) {
      if (ts.isExternalModuleReference(node.moduleReference))
        add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(arg.literal, true);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The file a relative specifier names (`./x.js` is `./x.ts`), or undefined outside the tree. */
function resolveSpecifier(fromFile, specifier, files) {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [
    base.replace(/\.(m|c)?js$/, ".$1ts"),
    base,
    `${base}.ts`,
    join(base, "index.ts"),
  ];
  return candidates.find((c) => files.has(c));
}

/** `{ module, inModule }` for a path relative to the source root. */
function placeOf(relPath) {
  const parts = relPath.split(sep);
  if (parts.length === 1) return { module: ROOT, inModule: parts[0] };
  return { module: parts[0], inModule: parts.slice(1).join("/") };
}

/** The module graph's cycles, each as a list of modules (the first repeated at the end). */
function findCycles(edges) {
  const cycles = [];
  const seen = new Set();
  const onStack = [];
  const state = new Map(); // 1: on the stack, 2: done
  const visit = (node) => {
    state.set(node, 1);
    onStack.push(node);
    for (const next of [...(edges.get(node) ?? [])].sort()) {
      if (state.get(next) === 1) {
        const cycle = [...onStack.slice(onStack.indexOf(next)), next];
        const key = [...cycle.slice(0, -1)].sort().join(",");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    onStack.pop();
    state.set(node, 2);
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/**
 * Checks one source tree. Returns the problems (`{ rule, file, line, message }`, in file order)
 * and counts for the summary line.
 */
export function checkLayering(srcDir = join(root, "src")) {
  const files = listTsFiles(srcDir);
  const fileSet = new Set(files);
  const problems = [];
  const edges = new Map();
  const unknown = new Set();
  let crossImports = 0;
  const rel = (path) => relative(srcDir, path).split(sep).join("/");

  for (const file of files) {
    const from = placeOf(relative(srcDir, file));
    if (from.module !== ROOT && !(from.module in ALLOWED_DEPENDENCIES)) unknown.add(from.module);
    for (const { specifier, line, typeOnly } of importsOf(file, readFileSync(file, "utf8"))) {
      if (!specifier.startsWith(".")) continue;
      const target = resolveSpecifier(file, specifier, fileSet);
      if (!target) continue; // Not a source file (JSON, a missing file): tsc reports those.
      const to = placeOf(relative(srcDir, target));
      const where = { file: rel(file), line };
      const what = `${typeOnly ? "type import" : "import"} "${specifier}"`;
      const report = (rule, message) => problems.push({ rule, ...where, message });

      if (to.module === from.module) {
        if (from.module !== ROOT && ENTRY_FILES.includes(to.inModule))
          report(
            "self-entry",
            `${what} is ${from.module}'s own entry file; import the file that defines the name, so the module's barrel cannot form a cycle`,
          );
        continue;
      }
      // Files next to the root entry (version.ts) are leaves that any module may read.
      if (to.module === ROOT) continue;
      crossImports++;
      if (from.module !== ROOT) {
        if (!edges.has(from.module)) edges.set(from.module, new Set());
        edges.get(from.module).add(to.module);
      }
      if (to.module === "cli") {
        report("cli", `${what} reaches into cli; nothing may import the command-line module`);
        continue;
      }
      // The root entry re-exports names that are public in their own module. (A module's index.ts
      // may publish a lower module's internal name on purpose: fmops/models publishes the chat
      // content types that core defines and shares through core/internal.ts.)
      if (to.inModule === "internal.ts" && from.module === ROOT && from.inModule === PUBLIC_ENTRY) {
        report(
          "public-internal",
          `${what} is ${to.module}/internal.ts, in the root entry; the root re-exports only names that are public in their module: export the name from ${to.module}/index.ts first`,
        );
      }
      if (!(to.module in ALLOWED_DEPENDENCIES)) continue; // Reported once as unknown below.
      const allowed = from.module === ROOT ? null : ALLOWED_DEPENDENCIES[from.module];
      if (allowed && !allowed.includes(to.module)) {
        report(
          "upward",
          `${what}: ${from.module} may not use ${to.module} (${from.module} may use: ${allowed.join(", ") || "nothing"})`,
        );
      }
      if (!ENTRY_FILES.includes(to.inModule)) {
        const through = ENTRY_FILES.map((e) => `${to.module}/${e}`).join(" or ");
        report(
          "internal",
          `${what} reaches inside ${to.module} (${to.module}/${to.inModule}); import through ${through}, and export the name there (index.ts for users, internal.ts for fmops only)`,
        );
      }
    }
  }
  const packageJson = join(dirname(srcDir), "package.json");
  if (existsSync(packageJson))
    problems.push(...checkPackageExports(JSON.parse(readFileSync(packageJson, "utf8"))));
  for (const module of [...unknown].sort()) {
    problems.push({
      rule: "unknown",
      file: `${module}/`,
      line: 0,
      message: `module "${module}" is not in the layering table; add it to scripts/check-layering.mjs and docs/architecture.md`,
    });
  }
  for (const cycle of findCycles(edges)) {
    problems.push({
      rule: "cycle",
      file: `${cycle[0]}/`,
      line: 0,
      message: `the modules import each other in a cycle: ${cycle.join(" -> ")}`,
    });
  }
  const graph = Object.fromEntries(
    [...edges].sort(([a], [b]) => (a < b ? -1 : 1)).map(([m, to]) => [m, [...to].sort()]),
  );
  return { problems, files: files.length, crossImports, graph };
}

/** The report printed for a failed check. */
export function formatProblems(problems, srcLabel) {
  const lines = [`Layering check: ${problems.length} problem(s) in ${srcLabel}:`];
  for (const p of problems) {
    const at = p.line > 0 ? `${srcLabel}/${p.file}:${p.line}` : `${srcLabel}/${p.file}`;
    lines.push(`  [${p.rule}] ${at}: ${p.message}`);
  }
  lines.push(
    "",
    "The module order and the rules are in docs/architecture.md. Shared plumbing belongs in core;",
    "a name another module needs belongs in its module's index.ts (public) or internal.ts (fmops only).",
  );
  return lines.join("\n");
}

function main(argv) {
  const srcIndex = argv.indexOf("--src");
  const srcDir = resolve(srcIndex >= 0 ? argv[srcIndex + 1] : join(root, "src"));
  const srcLabel = relative(process.cwd(), srcDir) || ".";
  const { problems, files, crossImports, graph } = checkLayering(srcDir);
  if (argv.includes("--graph")) {
    for (const [module, uses] of Object.entries(graph))
      console.log(`${module} -> ${uses.join(", ")}`);
    return 0;
  }
  if (problems.length > 0) {
    console.error(formatProblems(problems, srcLabel));
    return 1;
  }
  console.log(
    `Layering check: ${files} files, ${crossImports} imports between modules, all through entry files and downward.`,
  );
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
