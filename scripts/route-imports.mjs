#!/usr/bin/env node
// Rewrites imports between modules in src/ so that they go through each module's entry file, as
// `npm run check:layering` requires: `import { X } from "../core/errors.js"` becomes
// `import { X } from "../core/index.js"`. A name that a module shares inside fmops but does not
// export to users goes through that module's `internal.ts` instead, and is added there (the file
// is created when the module has none). `import type` stays `import type`, and a per-name `type`
// stays on its name.
//
//   node scripts/route-imports.mjs           rewrite src/ and report what it could not route
//   node scripts/route-imports.mjs --check   only report (exit 1 if anything would change)
//
// What it cannot route is listed and left as it is: namespace and side-effect imports, import()
// calls and types that reach into a module, and names it cannot resolve. Each name it adds to an
// internal.ts is listed: decide whether it stays there, moves to core, or becomes public in the
// module's index.ts. Format the files with biome afterwards.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "src");
/** The entry files of every module: the public `index.ts` and `internal.ts`, for fmops only. */
const ENTRY_FILES = ["index.ts", "internal.ts"];
const internalFileOf = (module) => join(srcDir, module, "internal.ts");

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

/** The start of a module's internal.ts when this script creates it (say why each name is here). */
const internalHeader = (module) => `/**
 * What \`${module}\` shares with the modules above it but not with users. package.json does not
 * export this file; npm run check:layering lets modules above \`${module}\` import it (see
 * docs/architecture.md). Names are added by scripts/route-imports.mjs.
 *
 * @module
 */
`;

const internalNames = new Map(); // internal.ts path -> Map(original symbol -> { name, file, typeOnly })
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
    if (ENTRY_FILES.includes(to.inModule)) continue;

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
      } else if (target0) {
        entry = internalFileOf(to.module);
        const typeOnly = (target0.flags & ts.SymbolFlags.Value) === 0;
        if (!internalNames.has(entry)) internalNames.set(entry, new Map());
        internalNames.get(entry).set(target0, { name: importedName, file: target, typeOnly });
      } else {
        problems.push(
          `${where(statement)}: \`${importedName}\` does not resolve to a declaration in ${to.module}; route it by hand`,
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
      if (
        to.module !== undefined &&
        to.module !== from.module &&
        !ENTRY_FILES.includes(to.inModule)
      )
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

// Each module's internal.ts: the names routed there, added to what it already exports.
for (const [internalFile, names] of [...internalNames].sort(([a], [b]) => (a < b ? -1 : 1))) {
  const existing = existsSync(internalFile) ? exportedSymbols(internalFile) : new Map();
  const byFile = new Map();
  for (const [symbol, info] of names) {
    if (existing.has(symbol)) continue;
    if (!byFile.has(info.file)) byFile.set(info.file, []);
    byFile.get(info.file).push(info);
  }
  const module = placeOf(internalFile).module;
  if (byFile.size > 0 && !process.argv.includes("--check")) {
    let text = existsSync(internalFile)
      ? readFileSync(internalFile, "utf8")
      : internalHeader(module);
    for (const [file, infos] of [...byFile].sort()) {
      const specs = infos
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((i) => `${i.typeOnly ? "type " : ""}${i.name}`);
      text += `export { ${specs.join(", ")} } from "${specifierTo(internalFile, file)}";\n`;
    }
    writeFileSync(internalFile, text);
  }
  const added = [...byFile.values()].flat().map((i) => i.name);
  if (added.length > 0)
    console.log(
      `${module}/internal.ts: ${added.length} name(s) added: ${added.sort().join(", ")}.`,
    );
}

console.log(
  `${changedFiles} file(s) ${process.argv.includes("--check") ? "would change" : "rewritten"}.`,
);
if (problems.length > 0) {
  console.error(`\n${problems.length} import(s) left as they are:\n  ${problems.join("\n  ")}`);
}
process.exitCode =
  process.argv.includes("--check") && (changedFiles > 0 || problems.length > 0) ? 1 : 0;
