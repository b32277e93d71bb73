#!/usr/bin/env node
// Rewrites imports between modules in src/ so that they go through each module's entry file, as
// `npm run check:layering` requires: `import { X } from "../core/errors.js"` becomes
// `import { X } from "../core/index.js"`. A name that core shares inside fmops but does not
// export to users goes through `core/internal.ts` instead, and is added there. `import type`
// stays `import type`, and a per-name `type` stays on its name.
//
//   node scripts/route-imports.mjs           rewrite src/ and report what it could not route
//   node scripts/route-imports.mjs --check   only report (exit 1 if anything would change)
//
// What it cannot route is listed and left as it is: a name another module does not export from
// its index.ts (make it public there, or move it to core), namespace and side-effect imports,
// and import() with a computed path. Format the files with biome afterwards.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "src");
const internalFile = join(srcDir, "core", "internal.ts");

function listTsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listTsFiles(path));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** `{ module, inModule }` of a file under src/ (`module` is undefined for files next to index.ts). */
function placeOf(file) {
  const parts = relative(srcDir, file).split(sep);
  return parts.length === 1
    ? { module: undefined, inModule: parts[0] }
    : { module: parts[0], inModule: parts.slice(1).join("/") };
}

function specifierTo(fromFile, targetFile) {
  const rel = relative(dirname(fromFile), targetFile).split(sep).join("/").replace(/\.ts$/, ".js");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

const files = listTsFiles(srcDir);
const program = ts.createProgram(files, {
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  types: [],
});
const checker = program.getTypeChecker();
const original = (symbol) =>
  symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;

/** The symbols a file exports, by identity. */
const exportsCache = new Map();
function exportedSymbols(file) {
  if (!exportsCache.has(file)) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    const set = new Map();
    if (moduleSymbol)
      for (const e of checker.getExportsOfModule(moduleSymbol)) set.set(original(e), e.getName());
    exportsCache.set(file, set);
  }
  return exportsCache.get(file);
}

/** The start of core/internal.ts when this script creates it. */
const INTERNAL_HEADER = `/**
 * Core's plumbing for the other fmops modules: the helpers every module shares (lazy AWS SDK
 * loading, option schemas, abort and deadline helpers, body reading, S3 URI joining, the waiter's
 * delays) that users should not depend on. package.json does not export this file, so only code
 * inside fmops can import it; npm run check:layering lets other modules import it besides
 * core's index.ts (see docs/architecture.md). Names are added by scripts/route-imports.mjs.
 *
 * @module
 */
`;

const internalNames = new Map(); // original symbol -> { name, file, typeOnly }
const problems = [];
let changedFiles = 0;

for (const file of files) {
  const from = placeOf(file);
  const source = program.getSourceFile(file);
  const text = source.getFullText();
  const edits = [];
  const where = (node) =>
    `src/${relative(srcDir, file).split(sep).join("/")}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;

  for (const statement of source.statements) {
    const isImport = ts.isImportDeclaration(statement);
    if (!isImport && !ts.isExportDeclaration(statement)) continue;
    const literal = statement.moduleSpecifier;
    if (!literal || !ts.isStringLiteral(literal) || !literal.text.startsWith(".")) continue;
    const target = resolve(dirname(file), literal.text).replace(/\.js$/, ".ts");
    const to = placeOf(target);
    if (to.module === undefined || to.module === from.module) continue;
    const entries = to.module === "core" ? ["index.ts", "internal.ts"] : ["index.ts"];
    if (entries.includes(to.inModule)) continue;

    const clause = isImport ? statement.importClause : undefined;
    const named = isImport ? clause?.namedBindings : statement.exportClause;
    if (!named || !(ts.isNamedImports(named) || ts.isNamedExports(named)) || clause?.name) {
      problems.push(
        `${where(statement)}: "${literal.text}" is not a list of names; route it by hand`,
      );
      continue;
    }
    const statementTypeOnly = isImport ? Boolean(clause?.isTypeOnly) : statement.isTypeOnly;
    const indexFile = join(srcDir, to.module, "index.ts");
    const publicNames = exportedSymbols(indexFile);
    const groups = new Map(); // entry file -> specifier texts
    let unroutable = false;
    for (const element of named.elements) {
      const importedName = (element.propertyName ?? element.name).text;
      const symbol = checker.getSymbolAtLocation(element.propertyName ?? element.name);
      const target0 = symbol && original(symbol);
      let entry;
      let exportedAs = importedName;
      if (target0 && publicNames.has(target0)) {
        entry = indexFile;
        exportedAs = publicNames.get(target0);
      } else if (to.module === "core" && target0) {
        entry = internalFile;
        const typeOnly = (target0.flags & ts.SymbolFlags.Value) === 0;
        internalNames.set(target0, { name: importedName, file: target, typeOnly });
      } else {
        problems.push(
          `${where(statement)}: ${to.module} does not export \`${importedName}\` from its index.ts (make it public there, or move it to core)`,
        );
        unroutable = true;
        continue;
      }
      const local = element.name.text;
      const typeMark = element.isTypeOnly ? "type " : "";
      const spec =
        exportedAs === local ? `${typeMark}${local}` : `${typeMark}${exportedAs} as ${local}`;
      if (!groups.has(entry)) groups.set(entry, []);
      groups.get(entry).push(spec);
    }
    if (unroutable) continue;
    const keyword = isImport ? "import" : "export";
    const typeWord = statementTypeOnly ? "type " : "";
    const replacement = [...groups]
      .map(
        ([entry, specs]) =>
          `${keyword} ${typeWord}{ ${specs.join(", ")} } from "${specifierTo(file, entry)}";`,
      )
      .join("\n");
    edits.push([statement.getStart(source), statement.getEnd(), replacement]);
  }

  // import("...") calls and types that reach into another module cannot be rewritten by name.
  const visit = (node) => {
    const arg = ts.isImportTypeNode(node)
      ? ts.isLiteralTypeNode(node.argument) && node.argument.literal
      : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword
        ? node.arguments[0]
        : undefined;
    if (arg && ts.isStringLiteral(arg) && arg.text.startsWith(".")) {
      const to = placeOf(resolve(dirname(file), arg.text).replace(/\.js$/, ".ts"));
      if (to.module !== undefined && to.module !== from.module && to.inModule !== "index.ts")
        problems.push(
          `${where(node)}: import("${arg.text}") reaches into ${to.module}; route it by hand`,
        );
    }
    ts.forEachChild(node, visit);
  };
  visit(source);

  if (edits.length > 0) {
    changedFiles++;
    let out = text;
    for (const [start, end, replacement] of edits.sort((a, b) => b[0] - a[0]))
      out = out.slice(0, start) + replacement + out.slice(end);
    if (!process.argv.includes("--check")) writeFileSync(file, out);
  }
}

// core/internal.ts: the names routed there, added to what it already exports.
if (internalNames.size > 0) {
  const existing = exportedSymbols(internalFile);
  const byFile = new Map();
  for (const [symbol, info] of internalNames) {
    if (existing.has(symbol)) continue;
    if (!byFile.has(info.file)) byFile.set(info.file, []);
    byFile.get(info.file).push(info);
  }
  if (byFile.size > 0 && !process.argv.includes("--check")) {
    let text = existsSync(internalFile) ? readFileSync(internalFile, "utf8") : INTERNAL_HEADER;
    for (const [file, infos] of [...byFile].sort()) {
      const specs = infos
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((i) => `${i.typeOnly ? "type " : ""}${i.name}`);
      text += `export { ${specs.join(", ")} } from "${specifierTo(internalFile, file)}";\n`;
    }
    writeFileSync(internalFile, text);
  }
  const added = [...byFile.values()].reduce((n, l) => n + l.length, 0);
  console.log(`core/internal.ts: ${added} name(s) added.`);
}

console.log(
  `${changedFiles} file(s) ${process.argv.includes("--check") ? "would change" : "rewritten"}.`,
);
if (problems.length > 0) {
  console.error(`\n${problems.length} import(s) left as they are:\n  ${problems.join("\n  ")}`);
}
process.exitCode =
  process.argv.includes("--check") && (changedFiles > 0 || problems.length > 0) ? 1 : 0;
