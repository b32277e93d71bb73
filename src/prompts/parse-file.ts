/**
 * Reads prompt files: YAML (`.yaml`, `.yml`) and Markdown with YAML front matter (`.md`). One
 * prompt per file; versions are entries. Pure text in, definitions out (no file system), so it
 * runs anywhere; `loader.ts` adds the folder reading for Node.
 *
 * Errors name the file and the line of the offending YAML node or template text. Hostile files
 * are refused the same way: over {@link MAX_PROMPT_FILE_CHARS}, nested deeper than
 * {@link MAX_YAML_DEPTH}, aliases expanding like a "billion laughs" bomb, or `__proto__` keys.
 *
 * @module
 */
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { ValidationError } from "../core/index.js";
import type { PromptCatalog } from "./catalog.js";
import { PromptFileError, PromptTemplateError, PromptVariableError } from "./errors.js";
import { lineColumn, parseTemplateText } from "./syntax.js";
import { type PromptDefinition, PromptTemplate } from "./template.js";

/** One parsed prompt file. */
export interface PromptFile {
  /** The file name given to the parser. */
  file: string;
  /** The prompt id. */
  id: string;
  /** Every version, in file order (for Markdown: front-matter `versions`, then the body). */
  templates: PromptTemplate[];
  /** Label to version, as written in the file. */
  labels: Record<string, string>;
  /** 1-based line of each label, for error messages. */
  labelLines: Record<string, number>;
}

// Integers are accepted for versions and label targets (YAML reads `version: 2` as a number);
// other numbers are not, because `1.10` would silently become "1.1".
const versionValue = z.union([
  z.string(),
  z.int().nonnegative().transform(String),
  z.number().transform((_v, ctx) => {
    ctx.addIssue({ code: "custom", message: 'quote non-integer versions, e.g. "1.10"' });
    return z.NEVER;
  }),
]);

const bodyFields = {
  description: z.string().optional(),
  system: z.string().optional(),
  messages: z.array(z.unknown()).optional(),
  text: z.string().optional(),
  negativeText: z.string().optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  modelHints: z.record(z.string(), z.unknown()).optional(),
  tags: z.array(z.string()).optional(),
};

const entrySchema = z.object({ version: versionValue, ...bodyFields }).strict();

const fileSchema = z
  .object({
    id: z.string(),
    version: versionValue.optional(),
    labels: z.record(z.string(), versionValue).optional(),
    versions: z.array(entrySchema).optional(),
    ...bodyFields,
  })
  .strict();

type FileData = z.output<typeof fileSchema>;
type Entry = z.output<typeof entrySchema>;
type BodyKey = keyof typeof bodyFields;

const BODY_KEYS = Object.keys(bodyFields) as BodyKey[];
const TEXT_KEYS = ["system", "text", "negativeText"] as const;

interface Located {
  doc: Document;
  counter: LineCounter;
  /** Added to YAML line numbers (the front matter starts after its `---`). */
  lineOffset: number;
}

function lineOf(loc: Located, path: readonly (string | number)[]): number | undefined {
  for (let p = [...path]; p.length > 0; p = p.slice(0, -1)) {
    const node = loc.doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return loc.counter.linePos(node.range[0]).line + loc.lineOffset;
    // The path may end in a key that is absent; fall back to its parent.
  }
  return undefined;
}

/** Line where a scalar's text starts (block scalars start on the line after `|` / `>`). */
function textStartLine(loc: Located, path: readonly (string | number)[]): number | undefined {
  const node = loc.doc.getIn(path, true);
  const line = lineOf(loc, path);
  if (line === undefined) return undefined;
  return isScalar(node) && (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED")
    ? line + 1
    : line;
}

/**
 * Longest prompt file read, in characters (`readPromptFolder` applies the same number to the
 * file's size in bytes, before reading it). Prompts are small; this bounds parsing work and memory.
 */
export const MAX_PROMPT_FILE_CHARS = 1_048_576;

/** Deepest nesting of YAML collections in a prompt file (a file needs about five levels). */
export const MAX_YAML_DEPTH = 32;

// The `yaml` package's guard against alias expansion ("billion laughs"): expanding aliases may
// not take more than this many steps. Reusing a value a few times stays far below it.
const MAX_ALIAS_COUNT = 100;

/** Refuses a text over {@link MAX_PROMPT_FILE_CHARS}, naming the line where it crosses the limit. */
function checkSize(file: string, text: string): void {
  if (text.length <= MAX_PROMPT_FILE_CHARS) return;
  throw new PromptFileError(
    file,
    lineColumn(text, MAX_PROMPT_FILE_CHARS).line,
    `the file is too large: ${text.length} characters, over the ${MAX_PROMPT_FILE_CHARS}-character limit for prompt files, which it crosses on this line. Keep one prompt per file and move long reference text out of the prompt.`,
  );
}

function lineAt(
  loc: Located,
  node: { range?: [number, number, number] | null },
): number | undefined {
  return node.range ? loc.counter.linePos(node.range[0]).line + loc.lineOffset : undefined;
}

/**
 * Walks the parsed YAML without recursion: refuses nesting deeper than {@link MAX_YAML_DEPTH}
 * and `__proto__` keys (which would silently vanish from the data), and returns the line of the
 * first alias, for the error message if expanding aliases goes over the limit.
 */
function checkStructure(file: string, loc: Located): number | undefined {
  let firstAlias: number | undefined;
  const stack: { node: unknown; depth: number }[] = [{ node: loc.doc.contents, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (isAlias(node)) {
      const line = lineAt(loc, node);
      if (line !== undefined && (firstAlias === undefined || line < firstAlias)) firstAlias = line;
      continue;
    }
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > MAX_YAML_DEPTH) {
      throw new PromptFileError(
        file,
        lineAt(loc, node),
        `YAML nested too deeply: prompt files may nest mappings and lists at most ${MAX_YAML_DEPTH} levels.`,
      );
    }
    for (const item of node.items as unknown[]) {
      if (isMap(node)) {
        const { key, value } = item as { key: unknown; value: unknown };
        if (isScalar(key) && key.value === "__proto__") {
          throw new PromptFileError(
            file,
            lineAt(loc, key),
            '"__proto__" cannot be a key in a prompt file: it is reserved in JavaScript objects and would be dropped. Rename it.',
          );
        }
        stack.push({ node: key, depth: depth + 1 }, { node: value, depth: depth + 1 });
      } else {
        stack.push({ node: item, depth: depth + 1 });
      }
    }
  }
  return firstAlias;
}

function parseYaml(
  file: string,
  text: string,
  lineOffset: number,
): { data: unknown; loc: Located } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0]?.line;
    // The parser itself recurses; nesting deep enough to exhaust the stack is reported as an error.
    const problem = /call stack/i.test(error.message)
      ? `YAML nested too deeply: prompt files may nest mappings and lists at most ${MAX_YAML_DEPTH} levels.`
      : `invalid YAML: ${error.message.split("\n")[0]}`;
    throw new PromptFileError(file, line === undefined ? undefined : line + lineOffset, problem, {
      cause: error,
    });
  }
  const loc: Located = { doc, counter, lineOffset };
  const firstAlias = checkStructure(file, loc);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new PromptFileError(
      file,
      firstAlias,
      `too many YAML aliases: expanding them would take over ${MAX_ALIAS_COUNT} steps, as in an alias bomb. Reuse a value through an alias only a few times, or write it out.`,
      { cause: err },
    );
  }
  return { data, loc };
}

function checkShape(file: string, data: unknown, loc: Located): FileData {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new PromptFileError(
      file,
      1 + loc.lineOffset,
      "expected a mapping with at least an `id`.",
    );
  }
  const parsed = fileSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  let path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  if (issue.code === "unrecognized_keys") path = [...path, issue.keys[0] as string];
  const field = path.join(".") || "(top level)";
  throw new PromptFileError(file, lineOf(loc, path), `${field}: ${issue.message}.`, {
    cause: parsed.error,
  });
}

/** The YAML path of `key` for version entry `index` (or the top level when inherited). */
function pathOf(data: FileData, index: number | undefined, key: string): (string | number)[] {
  if (index !== undefined) {
    const entry = data.versions?.[index] as Record<string, unknown> | undefined;
    if (entry && entry[key] !== undefined) return ["versions", index, key];
  }
  return [key];
}

function buildTemplate(
  file: string,
  data: FileData,
  entry: Partial<Entry> & { version: string },
  index: number | undefined,
  loc: Located,
  bodyLines?: Partial<Record<string, number>>,
): PromptTemplate {
  const def: Record<string, unknown> = { id: data.id, version: entry.version };
  for (const key of BODY_KEYS) {
    const own = (entry as Record<string, unknown>)[key];
    const inherited = (data as Record<string, unknown>)[key];
    const value = own !== undefined ? own : inherited;
    if (value !== undefined) def[key] = value;
  }
  // A version that defines its own messages or text replaces the inherited one.
  if ((entry.messages !== undefined || entry.text !== undefined) && index !== undefined) {
    if (entry.messages === undefined) delete def.messages;
    if (entry.text === undefined) delete def.text;
  }
  const where = (key: string) => bodyLines?.[key] ?? textStartLine(loc, pathOf(data, index, key));
  // Check placeholder syntax field by field first, to report the exact line.
  for (const key of TEXT_KEYS) {
    if (typeof def[key] === "string") checkText(file, def[key] as string, key, where(key));
  }
  if (Array.isArray(def.messages)) {
    def.messages.forEach((m, i) => {
      const content = (m as { content?: unknown })?.content;
      if (typeof content === "string") {
        const path = [...pathOf(data, index, "messages"), i, "content"];
        checkText(
          file,
          content,
          `messages.${i}.content`,
          bodyLines?.[`messages.${i}`] ?? textStartLine(loc, path),
        );
      }
    });
  }
  try {
    return new PromptTemplate(def as unknown as PromptDefinition);
  } catch (err) {
    if (err instanceof ValidationError) {
      const issue = err.issues[0];
      const parts = (issue?.path ?? "").split(".").filter(Boolean);
      const path = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      const head = path[0] === undefined ? "" : String(path[0]);
      const yamlPath = head === "" ? [] : [...pathOf(data, index, head), ...path.slice(1)];
      throw new PromptFileError(
        file,
        bodyLines?.[head] ??
          lineOf(
            loc,
            yamlPath.length ? yamlPath : index === undefined ? ["id"] : ["versions", index],
          ),
        `version "${entry.version}": ${issue?.path ? `${issue.path}: ` : ""}${issue?.message ?? err.message}.`,
        { cause: err },
      );
    }
    if (err instanceof PromptVariableError) {
      throw new PromptFileError(
        file,
        lineOf(loc, pathOf(data, index, "variables")),
        `version "${entry.version}": ${err.message}`,
        { cause: err },
      );
    }
    throw err;
  }
}

function checkText(file: string, text: string, field: string, startLine: number | undefined): void {
  try {
    parseTemplateText(text, field);
  } catch (err) {
    if (err instanceof PromptTemplateError) {
      const line = startLine === undefined ? undefined : startLine + err.line - 1;
      throw new PromptFileError(file, line, err.message, { cause: err });
    }
    throw err;
  }
}

function labelsOf(file: string, data: FileData, loc: Located, templates: PromptTemplate[]) {
  const labels: Record<string, string> = {};
  const labelLines: Record<string, number> = {};
  for (const [label, version] of Object.entries(data.labels ?? {})) {
    const line = lineOf(loc, ["labels", label]);
    if (!templates.some((t) => t.version === version)) {
      throw new PromptFileError(
        file,
        line,
        `label "${label}" points at version "${version}", which this file does not define. Versions: ${templates.map((t) => t.version).join(", ")}.`,
      );
    }
    labels[label] = version;
    if (line !== undefined) labelLines[label] = line;
  }
  return { labels, labelLines };
}

function duplicateCheck(file: string, templates: PromptTemplate[], loc: Located): void {
  const seen = new Set<string>();
  templates.forEach((t, i) => {
    if (seen.has(t.version)) {
      throw new PromptFileError(
        file,
        lineOf(loc, ["versions", i, "version"]),
        `version "${t.version}" is defined twice.`,
      );
    }
    seen.add(t.version);
  });
}

/**
 * Parses a YAML prompt file: `id`, shared fields (`description`, `system`, `variables`,
 * `modelHints`, `tags`), `labels`, and either one version's fields at the top level (`version`
 * plus `messages` or `text`) or a `versions` list whose entries inherit the shared fields.
 *
 * @example
 * ```ts
 * parseYamlPrompt("greet.yaml", 'id: greet\nversion: "1"\ntext: "Hello {{name}}"\n');
 * ```
 */
export function parseYamlPrompt(file: string, text: string): PromptFile {
  checkSize(file, text);
  const { data: raw, loc } = parseYaml(file, text, 0);
  const data = checkShape(file, raw, loc);
  let templates: PromptTemplate[];
  if (data.versions) {
    if (data.version !== undefined || data.messages !== undefined || data.text !== undefined) {
      const key =
        data.version !== undefined ? "version" : data.messages !== undefined ? "messages" : "text";
      throw new PromptFileError(
        file,
        lineOf(loc, [key]),
        `top-level "${key}" cannot be combined with a versions list; put it in a version entry.`,
      );
    }
    if (data.versions.length === 0)
      throw new PromptFileError(file, lineOf(loc, ["versions"]), "versions is empty.");
    templates = data.versions.map((entry, i) => buildTemplate(file, data, entry, i, loc));
  } else {
    if (data.version === undefined) {
      throw new PromptFileError(
        file,
        lineOf(loc, ["id"]),
        "missing `version` (or a `versions` list).",
      );
    }
    templates = [buildTemplate(file, data, { version: data.version }, undefined, loc)];
  }
  duplicateCheck(file, templates, loc);
  return { file, id: data.id, templates, ...labelsOf(file, data, loc, templates) };
}

const SECTION = /^#{1,3}[ \t]+(system|user|assistant|negative)[ \t]*$/i;

/**
 * Parses a Markdown prompt file. The YAML front matter (between `---` lines) holds `id`,
 * `version` (the body's version), shared fields, `labels`, and optionally older `versions`.
 * The body is the template: with no section headings it is the `text`; with headings
 * `# System`, `# User`, `# Assistant` (and `# Negative` for image prompts) it is split into the
 * system prompt, messages and negative text.
 */
export function parseMarkdownPrompt(file: string, text: string): PromptFile {
  checkSize(file, text);
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== "---") {
    throw new PromptFileError(
      file,
      1,
      "a Markdown prompt must start with YAML front matter between `---` lines.",
    );
  }
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === "---");
  if (end === -1)
    throw new PromptFileError(file, 1, "the front matter is not closed by a `---` line.");
  const { data: raw, loc } = parseYaml(file, lines.slice(1, end).join("\n"), 1);
  const data = checkShape(file, raw, loc);
  if (data.version === undefined) {
    throw new PromptFileError(
      file,
      lineOf(loc, ["id"]) ?? 2,
      "front matter needs `version`: the version of the body.",
    );
  }
  if (data.messages !== undefined || data.text !== undefined) {
    const key = data.messages !== undefined ? "messages" : "text";
    throw new PromptFileError(
      file,
      lineOf(loc, [key]),
      `"${key}" belongs in the body of a Markdown prompt, not the front matter.`,
    );
  }
  const { body, bodyLines } = splitBody(file, lines, end + 1);
  const older = (data.versions ?? []).map((entry, i) => buildTemplate(file, data, entry, i, loc));
  const current = buildTemplate(
    file,
    { ...data, ...body },
    { version: data.version },
    undefined,
    loc,
    bodyLines,
  );
  const templates = [...older, current];
  duplicateCheck(file, templates, loc);
  return { file, id: data.id, templates, ...labelsOf(file, data, loc, templates) };
}

function trimBlankLines(lines: string[]): string {
  let a = 0;
  let b = lines.length;
  while (a < b && (lines[a] as string).trim() === "") a++;
  while (b > a && (lines[b - 1] as string).trim() === "") b--;
  return lines.slice(a, b).join("\n");
}

function firstContentLine(lines: string[], start: number, end: number): number {
  let i = start;
  while (i < end && (lines[i] as string).trim() === "") i++;
  return i + 1;
}

function splitBody(file: string, lines: string[], start: number) {
  const bodyLines: Record<string, number> = {};
  const headings: { index: number; kind: string }[] = [];
  for (let i = start; i < lines.length; i++) {
    const m = SECTION.exec(lines[i] as string);
    if (m) headings.push({ index: i, kind: (m[1] as string).toLowerCase() });
  }
  if (headings.length === 0) {
    bodyLines.text = firstContentLine(lines, start, lines.length);
    return { body: { text: trimBlankLines(lines.slice(start)) }, bodyLines };
  }
  const before = trimBlankLines(lines.slice(start, headings[0]?.index));
  if (before !== "") {
    throw new PromptFileError(
      file,
      firstContentLine(lines, start, headings[0]?.index ?? lines.length),
      "text before the first section heading; put it under a # System or # User heading.",
    );
  }
  const body: {
    system?: string;
    messages: { role: "user" | "assistant"; content: string }[];
    negativeText?: string;
  } = {
    messages: [],
  };
  headings.forEach((h, n) => {
    const to = headings[n + 1]?.index ?? lines.length;
    const content = trimBlankLines(lines.slice(h.index + 1, to));
    const line = firstContentLine(lines, h.index + 1, to);
    if (h.kind === "system") {
      body.system = content;
      bodyLines.system = line;
    } else if (h.kind === "negative") {
      body.negativeText = content;
      bodyLines.negativeText = line;
    } else {
      bodyLines[`messages.${body.messages.length}`] = line;
      body.messages.push({ role: h.kind as "user" | "assistant", content });
    }
  });
  return { body, bodyLines };
}

/**
 * Parses one prompt file by its extension: `.yaml`/`.yml` or `.md`. Throws
 * `PROMPT_FILE_ERROR` naming the file and line for anything malformed.
 */
export function parsePromptFile(file: string, text: string): PromptFile {
  const lower = file.toLowerCase();
  if (lower.endsWith(".yaml") || lower.endsWith(".yml")) return parseYamlPrompt(file, text);
  if (lower.endsWith(".md") || lower.endsWith(".markdown")) return parseMarkdownPrompt(file, text);
  throw new PromptFileError(file, undefined, "unsupported file type: use .yaml, .yml or .md.");
}

/**
 * Registers parsed files into a catalog, in the order given: every version, then the labels.
 * A prompt id defined by two files throws `PROMPT_FILE_ERROR` naming both. Nothing is
 * registered when any file fails.
 */
export function registerPromptFiles(catalog: PromptCatalog, files: readonly PromptFile[]): void {
  const owner = new Map<string, string>();
  for (const f of files) {
    const first = owner.get(f.id);
    if (first !== undefined) {
      throw new PromptFileError(
        f.file,
        undefined,
        `prompt id "${f.id}" is already defined in ${first}; keep one prompt per id.`,
      );
    }
    if (catalog.has(f.id)) {
      // Merging into an existing catalog is allowed, but versions stay immutable.
      for (const t of f.templates) {
        if (
          catalog.has(f.id, { version: t.version }) &&
          catalog.get(f.id, { version: t.version }).hash !== t.hash
        ) {
          throw new PromptFileError(
            f.file,
            undefined,
            `prompt "${f.id}" version "${t.version}" differs from the one already in the catalog; versions are immutable, add a new version instead.`,
          );
        }
      }
    }
    owner.set(f.id, f.file);
  }
  for (const f of files) {
    for (const t of f.templates) catalog.register(t);
    for (const [label, version] of Object.entries(f.labels)) catalog.setLabel(f.id, label, version);
  }
}
