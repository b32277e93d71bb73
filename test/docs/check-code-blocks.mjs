#!/usr/bin/env node
// Type-checks every ```ts code block in README.md and docs/*.md against the sources, so a guide
// cannot drift from the API it describes. Each block becomes its own module under .docs-check/
// (`export {}` is appended, so top-level await works), `fmops` and `fmops/<module>` (also with
// Deno's `npm:` prefix) resolve to src/ through tsconfig `paths`, and `tsc --noEmit` checks them
// all in one program. Errors are reported as `docs/file.md:LINE:COL` of the line inside the block.
//
// Markers, for the rare block that cannot stand alone:
//   ```ts no-check            the block is not checked (a fragment, or pseudo-code)
//   <!-- no-check -->         the same, on the line(s) just before the fence
//   <!-- check-prelude
//   import type { ChatModel } from "fmops/models";
//   declare const model: ChatModel;
//   -->                       code the reader does not need to see (what an earlier block set
//                             up) that is put in front of the block when it is checked
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const outDir = join(root, ".docs-check");
const TSC_TIMEOUT_MS = 5 * 60_000;
const TS_LANGS = new Set(["ts", "typescript", "mts"]);

/** The guides to check: README.md and every Markdown file directly in docs/. */
function guides() {
  const docs = readdirSync(join(root, "docs"), { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".md"))
    .map((e) => `docs/${e.name}`)
    .sort();
  return ["README.md", ...docs];
}

/**
 * The HTML comment that ends on the last non-blank line before `index`, or undefined. Comments
 * may span lines; only a comment directly above the fence (blank lines allowed) counts.
 */
function commentBefore(lines, index) {
  let end = index - 1;
  while (end >= 0 && lines[end].trim() === "") end--;
  if (end < 0 || !lines[end].trimEnd().endsWith("-->")) return undefined;
  let start = end;
  while (start >= 0 && !lines[start].includes("<!--")) start--;
  if (start < 0) return undefined;
  const text = lines.slice(start, end + 1).join("\n");
  const body = text.slice(text.indexOf("<!--") + 4, text.lastIndexOf("-->"));
  return body;
}

/** Every fenced TypeScript block in one Markdown file, with its 1-based first content line. */
function extractBlocks(file) {
  const lines = readFileSync(join(root, file), "utf8").split(/\r?\n/);
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = lines[j].trim();
      if (close.length >= fence.length && close === fence[0].repeat(close.length)) break;
      // Blocks inside list items are indented; strip the fence's own indentation.
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    if (TS_LANGS.has(lang.toLowerCase())) {
      const comment = commentBefore(lines, i)?.trim();
      const skip =
        /(^|\s)no-check(\s|$)/.test(rest) || (comment !== undefined && /^no-check\b/.test(comment));
      const prelude =
        comment !== undefined && /^check-prelude\b/.test(comment)
          ? comment.replace(/^check-prelude\b:?/, "").trim()
          : "";
      blocks.push({ file, line: i + 2, code: body.join("\n"), skip, prelude });
    }
    i = j;
  }
  return blocks;
}

/** A file name for a block: docs/models.md line 23 -> docs-models/L0023.ts. */
function blockPath(block) {
  const dir = block.file.replace(/\.md$/, "").replace(/[\\/]/g, "-");
  return join(outDir, dir, `L${String(block.line).padStart(4, "0")}.ts`);
}

const blocks = guides().flatMap(extractBlocks);
const checked = blocks.filter((b) => !b.skip);

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const byPath = new Map();
for (const block of checked) {
  const path = blockPath(block);
  mkdirSync(dirname(path), { recursive: true });
  // The prelude shares the first line with nothing: it sits on lines of its own above the block,
  // so subtracting its line count maps an error back to the guide.
  const preludeLines = block.prelude ? block.prelude.split("\n").length : 0;
  const text = `${block.prelude ? `${block.prelude}\n` : ""}${block.code}\nexport {};\n`;
  writeFileSync(path, text);
  byPath.set(resolve(path), { ...block, preludeLines });
}

const src = (p) =>
  relative(outDir, join(root, "src", p))
    .split(sep)
    .join("/");
const tsconfig = {
  extends: "../tsconfig.json",
  compilerOptions: {
    noEmit: true,
    // Guides show fragments of programs; an unused import is not a mistake there.
    noUnusedLocals: false,
    noUnusedParameters: false,
    paths: {
      fmops: [src("index.ts")],
      "fmops/*": [src("*/index.ts")],
      "npm:fmops": [src("index.ts")],
      "npm:fmops/*": [src("*/index.ts")],
    },
  },
  include: ["**/*.ts"],
  exclude: [],
};
writeFileSync(join(outDir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);

const require = createRequire(import.meta.url);
const tsc = require.resolve("typescript/bin/tsc");
const run = spawnSync(
  process.execPath,
  [tsc, "--noEmit", "--pretty", "false", "-p", join(outDir, "tsconfig.json")],
  { cwd: root, encoding: "utf8", timeout: TSC_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
);
if (run.error) {
  console.error(`check:docs: could not run tsc: ${run.error.message}`);
  process.exit(2);
}

// tsc --pretty false prints `path(line,col): error TSnnnn: message`, continuation lines indented.
const failures = [];
const other = [];
for (const line of `${run.stdout}${run.stderr}`.split("\n")) {
  const m = /^(.+?)\((\d+),(\d+)\): (error|warning) (TS\d+): (.*)$/.exec(line);
  const block = m ? byPath.get(resolve(root, m[1])) : undefined;
  if (m && block) {
    const inBlock = Number(m[2]) - block.preludeLines;
    const where =
      inBlock >= 1
        ? `${block.file}:${block.line + inBlock - 1}:${m[3]}`
        : `${block.file}:${block.line - 1} (check-prelude line ${m[2]})`;
    failures.push(`${where} ${m[5]}: ${m[6]}`);
  } else if (failures.length > 0 && /^\s+\S/.test(line)) {
    failures[failures.length - 1] += `\n${line}`;
  } else if (line.trim() !== "") {
    other.push(line);
  }
}

const skipped = blocks.length - checked.length;
if (failures.length > 0 || other.length > 0 || run.status !== 0) {
  for (const f of failures) console.error(f);
  for (const o of other) console.error(o);
  console.error(
    `\ncheck:docs: ${failures.length} type error(s) in ${checked.length} TypeScript blocks` +
      ` (${skipped} marked no-check); the generated modules are in .docs-check/`,
  );
  process.exit(1);
}
console.log(
  `check:docs: ${checked.length} TypeScript blocks in ${new Set(checked.map((b) => b.file)).size} guides type-check (${skipped} marked no-check)`,
);
