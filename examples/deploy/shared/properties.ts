/**
 * A strict reader and writer for the `key=value` subset of Java `.properties` files that DJL
 * Serving's `serving.properties` uses. Strict on purpose: a duplicated key or a line without `=`
 * is almost always a mistake that LMI would otherwise ignore or resolve silently.
 *
 * @module
 */
import { ValidationError } from "../../../src/core/index.js";

/**
 * Parses `serving.properties` text into an ordered map. Comments (`#`, `!`) and blank lines are
 * skipped; keys and values are trimmed; a duplicate key, an empty key or a line without `=` is a
 * `ValidationError` naming the line.
 *
 * @example
 * ```ts
 * parseProperties("engine=Python\noption.rolling_batch=vllm\n").get("engine"); // "Python"
 * ```
 */
export function parseProperties(text: string, source = "serving.properties"): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) return;
    if (line.endsWith("\\")) {
      throw new ValidationError(`${source} line ${i + 1}: line continuations are not supported.`);
    }
    const at = line.indexOf("=");
    if (at < 0) {
      throw new ValidationError(`${source} line ${i + 1} has no "=": "${line.slice(0, 80)}".`);
    }
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(key)) {
      throw new ValidationError(`${source} line ${i + 1}: "${key}" is not a valid key.`);
    }
    if (out.has(key)) {
      throw new ValidationError(`${source} line ${i + 1}: "${key}" is set twice.`);
    }
    out.set(key, value);
  });
  return out;
}

/**
 * Writes properties back as text, one `key=value` per line, in insertion order. A value that
 * would not read back the same (a line break, whitespace at either end, a trailing backslash)
 * is a `ValidationError`.
 *
 * @example
 * ```ts
 * formatProperties(new Map([["engine", "Python"]])); // "engine=Python\n"
 * ```
 */
export function formatProperties(properties: ReadonlyMap<string, string>): string {
  let text = "";
  for (const [key, value] of properties) {
    if (/[\r\n]/.test(value)) {
      throw new ValidationError(`Property "${key}" has a line break in its value.`);
    }
    if (value !== value.trim()) {
      // The reader trims values (as LMI does), so the edge whitespace would be lost silently.
      throw new ValidationError(
        `Property "${key}" starts or ends with whitespace, which reading it back drops; trim it.`,
      );
    }
    if (value.endsWith("\\")) {
      // A trailing backslash would continue the line in .properties syntax.
      throw new ValidationError(`Property "${key}" ends with a backslash; remove or double it.`);
    }
    text += `${key}=${value}\n`;
  }
  return text;
}
