/**
 * JSON Lines reading shared by the files fmops reads back (the CLI's prompts file, JsonlSink's
 * records): one JSON value a line, blank lines skipped, and the same error naming the line when
 * one is not JSON.
 *
 * @module
 */
import { ValidationError } from "./errors.js";

/** One parsed line of a JSON Lines text. */
export interface JsonLine {
  /** 1-based line number in the text, for messages about the value. */
  line: number;
  /** The parsed value, not yet checked. */
  value: unknown;
}

/**
 * Parses `text` as JSON Lines: each non-blank line's value with its line number, in order. A line
 * that is not valid JSON throws `VALIDATION_ERROR` saying `<label> <n> is not valid JSON.` (issue
 * path `line <n>`) with the parser's error as `cause`; the caller checks each value's shape.
 *
 * @param label - How messages name a line, e.g. `"Prompts line"`; default `"Line"`.
 *
 * @example
 * ```ts
 * for (const { line, value } of parseJsonLines(text, "Prompts line")) check(value, line);
 * ```
 */
export function parseJsonLines(text: string, label = "Line"): JsonLine[] {
  const lines: JsonLine[] = [];
  text.split("\n").forEach((source, i) => {
    if (source.trim() === "") return;
    try {
      lines.push({ line: i + 1, value: JSON.parse(source) });
    } catch (error) {
      throw new ValidationError(
        `${label} ${i + 1} is not valid JSON.`,
        [{ path: `line ${i + 1}`, message: "invalid JSON" }],
        { cause: error },
      );
    }
  });
  return lines;
}
