/**
 * Reads a JSON file named by a flag, and reports a syntax error by file, line and column.
 *
 * `JSON.parse` gives a position for some errors and only a quoted piece of the input for others
 * (`Unexpected token '}', "[1,}" is not valid JSON`), so the position comes from a small scanner
 * of our own, run only once parsing has already failed.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";
import { readTextFile } from "./file-errors.js";

/**
 * The parsed contents of the JSON file `path`, given as `flag` on the command line. A file
 * that cannot be read is a {@link CliFileError}; bad JSON is a {@link ValidationError} naming
 * the flag, the file, the line and the column.
 */
export async function readJsonFile(path: string, flag: string): Promise<unknown> {
  const text = await readTextFile(path);
  try {
    return JSON.parse(text);
  } catch (err) {
    const offset = jsonErrorOffset(text) ?? text.length;
    const { line, column } = lineAndColumn(text, offset);
    const found = describeCharacter(text, offset);
    throw new ValidationError(
      `${flag} ${path} is not valid JSON at line ${line}, column ${column} (found ${found} there).`,
      [{ path: flag, message: `invalid JSON at ${line}:${column}` }],
      { cause: err },
    );
  }
}

/** The character at `offset`, in words that quote nothing unbalanced. */
function describeCharacter(text: string, offset: number): string {
  const c = text[offset];
  if (c === undefined) return "the end of the file";
  if (c === '"') return "a double quote";
  if (/\s/.test(c)) return `whitespace (U+${c.charCodeAt(0).toString(16).padStart(4, "0")})`;
  return `"${c}"`;
}

/** 1-based line and column of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: (before.match(/\n/g)?.length ?? 0) + 1, column: offset - lineStart + 1 };
}

const WHITESPACE = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings may not hold raw U+0000-U+001F.
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const LITERAL = /true|false|null/y;

/**
 * The offset of the first character where `text` stops being JSON (RFC 8259), `text.length`
 * when it ends too early, or `undefined` when it is valid. Iterative, so deep nesting cannot
 * overflow the stack.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const skip = () => {
    WHITESPACE.lastIndex = i;
    WHITESPACE.test(text);
    i = WHITESPACE.lastIndex;
  };
  const token = (pattern: RegExp) => {
    pattern.lastIndex = i;
    if (!pattern.test(text)) return false;
    i = pattern.lastIndex;
    return true;
  };
  // Each open container: its closing character, and whether a value or a key comes next.
  const stack: ("]" | "}")[] = [];
  let expectValue = true;
  for (;;) {
    skip();
    if (expectValue) {
      const c = text[i];
      if (c === "[" || c === "{") {
        stack.push(c === "[" ? "]" : "}");
        i++;
        skip();
        if (text[i] === stack[stack.length - 1]) {
          stack.pop();
          i++;
          expectValue = false;
          continue;
        }
        if (c === "{" && !keyAndColon()) return i;
        continue;
      }
      if (!(token(STRING) || token(NUMBER) || token(LITERAL))) return i;
      expectValue = false;
      continue;
    }
    const close = stack[stack.length - 1];
    if (close === undefined) return i < text.length ? i : undefined;
    if (text[i] === ",") {
      i++;
      if (close === "}") {
        skip();
        if (!keyAndColon()) return i;
      }
      expectValue = true;
    } else if (text[i] === close) {
      stack.pop();
      i++;
    } else return i;
  }

  /** An object member's `"key" :`, leaving `i` after the colon. */
  function keyAndColon(): boolean {
    if (!token(STRING)) return false;
    skip();
    if (text[i] !== ":") return false;
    i++;
    return true;
  }
}
