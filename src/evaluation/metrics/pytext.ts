/**
 * Python string semantics the reference metrics depend on, so that fmops splits, strips and
 * measures text exactly as CPython does (JavaScript's `\s`, `trim()` and `.length` differ).
 *
 * @module
 */

/**
 * The characters CPython's `str.isspace()` accepts: what `str.split()` and `str.strip()` with
 * no argument use. Unlike JavaScript's `\s` it includes U+001C..U+001F and U+0085 and excludes
 * U+FEFF.
 */
export const PY_WHITESPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

const SPLIT_RE = new RegExp(`[${PY_WHITESPACE}]+`, "u");
const STRIP_RE = new RegExp(`^[${PY_WHITESPACE}]+|[${PY_WHITESPACE}]+$`, "gu");

/** Python's `text.split()`: split on runs of whitespace, dropping empty pieces. */
export function pySplit(text: string): string[] {
  const parts = text.split(SPLIT_RE);
  // Leading/trailing whitespace leaves one empty piece at either end; nothing else is empty.
  let start = 0;
  let end = parts.length;
  if (end > 0 && parts[0] === "") start = 1;
  if (end > start && parts[end - 1] === "") end -= 1;
  return start === 0 && end === parts.length ? parts : parts.slice(start, end);
}

/** Python's `text.strip()` with no argument. */
export function pyStrip(text: string): string {
  return text.replace(STRIP_RE, "");
}

/** Python's `len(text)`: the number of code points, not UTF-16 units. */
export function pyLen(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n -= 1;
        i += 1;
      }
    }
  }
  return n;
}

/** True when `text` holds a character outside the Basic Multilingual Plane. */
export function hasAstral(text: string): boolean {
  return /[\ud800-\udbff][\udc00-\udfff]/.test(text);
}
