#!/usr/bin/env node
// The public API report: one file per package entry point (`fmops`, `fmops/core`, ...) under
// api/, listing every exported name, sorted, with its kind and its declaration as the built
// package's type definitions (dist/<entry>/index.d.ts, after `npm run build`) declare it.
// Any change to what users can import is then a visible diff in review.
//
//   node scripts/api-report.mjs --check    fail (exit 1) with a diff when dist differs from api/
//   node scripts/api-report.mjs --update   rewrite api/ from dist
//   node scripts/api-report.mjs --count    print the number of exported names per entry point
//                                          (add --src to count from src/ without a build)
//   --dist <dir>                           read another build folder (default: dist)
//   --api <dir>                            compare with / write another folder (default: api)
//
// Why not api-extractor: it needs one configuration per entry point and checks with its own
// bundled TypeScript; the TypeScript compiler this project already pins reads the same .d.ts
// files. The report is deterministic: names sorted by code unit, declarations printed by the
// compiler's printer without comments, chunk-file names and rollup's `$1` renames left out.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const UPDATE_COMMAND = "npm run build && npm run api:update";

/** The entry points, from package.json `exports`: [import specifier, report file, d.ts path]. */
export function entryPoints(distDir, fromSources = false) {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  return Object.keys(pkg.exports)
    .filter((subpath) => subpath !== "./package.json")
    .map((subpath) => {
      const module = subpath === "." ? "" : subpath.slice(2);
      return {
        specifier: module === "" ? "fmops" : `fmops/${module}`,
        reportFile: `${module === "" ? "fmops" : `fmops-${module}`}.api.md`,
        dts: fromSources
          ? join(root, "src", module === "" ? "index.ts" : `${module}/index.ts`)
          : join(distDir, module === "" ? "index.d.ts" : `${module}/index.d.ts`),
      };
    })
    .sort((a, b) => (a.specifier < b.specifier ? -1 : a.specifier > b.specifier ? 1 : 0));
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

const KIND_OF = new Map([
  [ts.SyntaxKind.ClassDeclaration, "class"],
  [ts.SyntaxKind.InterfaceDeclaration, "interface"],
  [ts.SyntaxKind.TypeAliasDeclaration, "type"],
  [ts.SyntaxKind.FunctionDeclaration, "function"],
  [ts.SyntaxKind.VariableDeclaration, "variable"],
  [ts.SyntaxKind.EnumDeclaration, "enum"],
  [ts.SyntaxKind.ModuleDeclaration, "namespace"],
]);

/** Private members change no caller's code: leave them out of the report. */
function isPrivate(member) {
  if (member.name && ts.isPrivateIdentifier(member.name)) return true;
  return (ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Private) !== 0;
}

/** One declaration as text: comments, `export`/`declare` and private members removed. */
function printDeclaration(decl, sourceFile) {
  let node = decl;
  if (ts.isVariableDeclaration(decl)) {
    const keyword = decl.parent.flags & ts.NodeFlags.Const ? "const" : "let";
    const type = decl.type ? printer.printNode(ts.EmitHint.Unspecified, decl.type, sourceFile) : "";
    return `${keyword} ${decl.name.getText(sourceFile)}${type ? `: ${type}` : ""};`;
  }
  if (ts.isClassDeclaration(decl)) {
    node = ts.factory.updateClassDeclaration(
      decl,
      decl.modifiers,
      decl.name,
      decl.typeParameters,
      decl.heritageClauses,
      decl.members.filter((m) => !isPrivate(m)),
    );
  }
  return printer
    .printNode(ts.EmitHint.Unspecified, node, sourceFile)
    .replace(/^(export )?(default )?(declare )?/, "");
}

/** Exported name -> report lines, for one entry point's d.ts. */
function describeEntry(checker, program, dtsPath) {
  const sourceFile = program.getSourceFile(dtsPath);
  if (!sourceFile) throw new Error(`${dtsPath} not found: run \`npm run build\` first.`);
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  const exports = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
  const entries = [];
  for (const exported of exports) {
    const name = exported.getName();
    const target =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const parts = [];
    for (const decl of target.declarations ?? []) {
      const kind = KIND_OF.get(decl.kind) ?? ts.SyntaxKind[decl.kind];
      const text = printDeclaration(decl, decl.getSourceFile());
      // The declaration's own name may be a bundler rename (`estimateTokens$1`) or differ from
      // the exported alias: show the exported name, and drop rollup's `$n` suffixes throughout.
      const declName = target.getName();
      const renamed = declName === name ? text : text.replace(declName, name);
      parts.push({ kind, text: renamed.replace(/\b([A-Za-z_][\w]*)\$\d+\b/g, "$1") });
    }
    entries.push({ name, parts });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries;
}

/** The report files' contents from a build folder: report file name -> text. */
export function buildReports(distDir, fromSources = false) {
  const entries = entryPoints(distDir, fromSources);
  const program = ts.createProgram(
    entries.map((e) => e.dts),
    {
      noEmit: true,
      skipLibCheck: true,
      types: [],
      // Declarations are printed as written and exports resolved by name: no need to load lib.d.ts.
      noLib: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
    },
  );
  const checker = program.getTypeChecker();
  const reports = new Map();
  for (const entry of entries) {
    const described = describeEntry(checker, program, entry.dts);
    const lines = [
      `# API report: \`${entry.specifier}\``,
      "",
      "Generated from the built type definitions by `npm run api:update`; do not edit by hand.",
      "A change here is a change to what users can import: review it like code.",
      "",
      `${described.length} exported names.`,
      "",
      "```ts",
    ];
    for (const { name, parts } of described) {
      for (const { kind, text } of parts) {
        lines.push(`// ${kind} ${name}`, text, "");
      }
    }
    if (lines.at(-1) === "") lines.pop();
    lines.push("```", "");
    reports.set(entry.reportFile, {
      specifier: entry.specifier,
      count: described.length,
      text: lines.join("\n"),
    });
  }
  return reports;
}

/**
 * A unified-style line diff of two texts: only the changed lines, each run with three lines of
 * context and an `@@ line N @@` header (N: the line in the committed report). LCS over the lines
 * between the common head and tail, which is small for a real change.
 */
export function lineDiff(before, after) {
  const a = before.split("\n");
  const b = after.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  // lcs[i][j]: length of the longest common subsequence of x[i..] and y[j..].
  const lcs = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--)
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  // Every line as [mark, text, line in `before`]: " " kept, "-" removed, "+" added.
  const ops = a.slice(0, head).map((line, k) => [" ", line, k + 1]);
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      ops.push([" ", x[i], head + i + 1]);
      i++;
      j++;
    } else if (i < x.length && (j === y.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push(["-", x[i], head + i + 1]);
      i++;
    } else {
      ops.push(["+", y[j++], head + i + 1]);
    }
  }
  a.slice(a.length - tail).forEach((line, k) => {
    ops.push([" ", line, a.length - tail + k + 1]);
  });
  const CONTEXT = 3;
  const near = ops.map(() => false);
  ops.forEach(([mark], k) => {
    if (mark === " ") return;
    for (let d = Math.max(0, k - CONTEXT); d <= Math.min(ops.length - 1, k + CONTEXT); d++)
      near[d] = true;
  });
  const out = [];
  ops.forEach(([mark, text, line], k) => {
    if (!near[k]) return;
    if (k === 0 || !near[k - 1]) out.push(`@@ line ${line} @@`);
    out.push(`${mark} ${text}`);
  });
  return out.join("\n");
}

function committedReports(apiDir) {
  const files = new Map();
  let names = [];
  try {
    names = readdirSync(apiDir).filter((n) => n.endsWith(".api.md"));
  } catch {
    // No api/ folder yet: every report is new.
  }
  for (const name of names) files.set(name, readFileSync(join(apiDir, name), "utf8"));
  return files;
}

function main(argv) {
  const distIndex = argv.indexOf("--dist");
  const distDir = resolve(root, distIndex >= 0 ? argv[distIndex + 1] : "dist");
  const apiIndex = argv.indexOf("--api");
  const apiDir = resolve(root, apiIndex >= 0 ? argv[apiIndex + 1] : "api");
  if (argv.includes("--count")) {
    // --src counts from the sources (no build needed); the names are the same as in dist.
    const reports = buildReports(distDir, argv.includes("--src"));
    let total = 0;
    for (const { specifier, count } of reports.values()) {
      console.log(`${specifier.padEnd(20)} ${count}`);
      total += count;
    }
    console.log(`${"total".padEnd(20)} ${total}`);
    return 0;
  }

  const reports = buildReports(distDir);
  if (argv.includes("--update")) {
    rmSync(apiDir, { recursive: true, force: true });
    mkdirSync(apiDir, { recursive: true });
    for (const [file, { text }] of reports) writeFileSync(join(apiDir, file), text);
    console.log(`api/: ${reports.size} reports written.`);
    return 0;
  }

  if (argv.includes("--check")) {
    const committed = committedReports(apiDir);
    const problems = [];
    for (const [file, { text }] of reports) {
      const old = committed.get(file);
      if (old === undefined) problems.push(`api/${file} is missing (a new entry point?)`);
      else if (old !== text)
        problems.push(`api/${file} differs from the build:\n${lineDiff(old, text)}`);
    }
    for (const file of committed.keys()) {
      if (!reports.has(file)) problems.push(`api/${file} belongs to no entry point any more`);
    }
    if (problems.length === 0) {
      console.log(`API report: the built surface matches api/ (${reports.size} entry points).`);
      return 0;
    }
    console.error(problems.join("\n\n"));
    console.error(
      "\nThe public API changed. If the change is intended, run `" +
        UPDATE_COMMAND +
        "` and commit api/ with it, so that reviewers see the new surface.",
    );
    return 1;
  }

  console.error(
    "usage: node scripts/api-report.mjs --check | --update | --count [--src] [--dist <dir>]",
  );
  return 2;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
