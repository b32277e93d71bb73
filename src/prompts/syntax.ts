/**
 * The placeholder syntax: `{{name}}` (spaces inside the braces allowed), `\{{` for a literal
 * `{{`. Templates are parsed once into literal parts and variable names, so rendering is one pass
 * that never looks inside the values it inserts.
 *
 * @module
 */
import { PromptTemplateError } from "./errors.js";

/**
 * A variable name: a letter or underscore, then letters, digits or underscores; not
 * `__proto__`, which a plain JavaScript object cannot hold as an ordinary key.
 */
export const VARIABLE_NAME = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A parsed template string: `literals[0] + value(names[0]) + literals[1] + ...`;
 * `literals.length === names.length + 1`.
 */
export interface ParsedText {
  /** The literal text around the placeholders, escapes already resolved. */
  readonly literals: readonly string[];
  /** The variable of each placeholder, in order (a name may repeat). */
  readonly names: readonly string[];
}

const PLACEHOLDER = /\{\{[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}/y;

/** 1-based line and column of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses a template string. Throws {@link PromptTemplateError} (with line and column) for a `{{`
 * that does not open a valid placeholder; write `\{{` for literal braces.
 *
 * @example
 * ```ts
 * parseTemplateText("Hi {{ name }}, \\{{literal}}");
 * // { literals: ["Hi ", ", {{literal}}"], names: ["name"] }
 * ```
 */
export function parseTemplateText(text: string, where = "template"): ParsedText {
  const literals: string[] = [];
  const names: string[] = [];
  let current = "";
  let from = 0;
  for (let i = text.indexOf("{{"); i !== -1; i = text.indexOf("{{", from)) {
    if (i > 0 && text[i - 1] === "\\") {
      current += `${text.slice(from, i - 1)}{{`;
      from = i + 2;
      continue;
    }
    PLACEHOLDER.lastIndex = i;
    const match = PLACEHOLDER.exec(text);
    if (!match && text[i + 2] === "{") {
      // "{{{name}}": the first brace is literal text before the placeholder.
      current += text.slice(from, i + 1);
      from = i + 1;
      continue;
    }
    if (!match) {
      const { line, column } = lineColumn(text, i);
      const shown = JSON.stringify(text.slice(i, i + 30));
      throw new PromptTemplateError(
        `${where}: line ${line}, column ${column}: "{{" does not open a valid placeholder (${shown}). Write {{name}} with a name of letters, digits and underscores, or \\{{ for literal braces.`,
        line,
        column,
      );
    }
    const name = match[1] as string;
    if (name === "__proto__") {
      // Assigning it to an object sets the prototype instead of a value, so it cannot be a variable.
      const { line, column } = lineColumn(text, i);
      throw new PromptTemplateError(
        `${where}: line ${line}, column ${column}: "{{__proto__}}" is a reserved name and cannot be a variable. Rename the placeholder, e.g. {{proto}}.`,
        line,
        column,
      );
    }
    literals.push(current + text.slice(from, i));
    names.push(name);
    current = "";
    from = PLACEHOLDER.lastIndex;
  }
  literals.push(current + text.slice(from));
  return { literals, names };
}

/** Inserts `values` into a parsed template in one pass; values are never re-scanned. */
export function fillText(parsed: ParsedText, values: Readonly<Record<string, string>>): string {
  const { literals, names } = parsed;
  let out = literals[0] as string;
  for (let i = 0; i < names.length; i++) {
    out += (values[names[i] as string] as string) + (literals[i + 1] as string);
  }
  return out;
}

/** Every distinct variable name used in the texts, in order of first use. */
export function usedNames(parsed: readonly ParsedText[]): string[] {
  const seen = new Set<string>();
  for (const p of parsed) for (const n of p.names) seen.add(n);
  return [...seen];
}
