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

const STRIP_RE = new RegExp(`^[${PY_WHITESPACE}]+|[${PY_WHITESPACE}]+$`, "gu");

/** `str.isspace()` for one UTF-16 code unit (every Python whitespace character is in the BMP). */
export function isPyWhitespace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/**
 * Python's `text.split()`: split on runs of whitespace, dropping empty pieces. A hand-written
 * scan rather than `String.split(regex)`: tokenizers call this once per text and the regex
 * split was a measurable share of their time.
 */
export function pySplit(text: string): string[] {
  const parts: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isPyWhitespace(text.charCodeAt(i))) {
      if (start >= 0) {
        parts.push(text.slice(start, i));
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) parts.push(text.slice(start));
  return parts;
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
