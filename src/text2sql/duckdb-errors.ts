/**
 * Maps DuckDB's structured errors (`SET errors_as_json = true`) to Athena's error text, so that
 * prompts, tests and users see the same `COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be
 * resolved` whichever engine ran the statement.
 *
 * @module
 */
import type { SqlError } from "./types.js";

interface DuckDbJsonError {
  exception_type?: string;
  exception_message?: string;
  error_subtype?: string;
  position?: string;
  name?: string;
  type?: string;
}

/** Parses DuckDB's JSON error text (optionally behind a `Parser Error: ` prefix). */
function parseJsonError(message: string): DuckDbJsonError | undefined {
  const brace = message.indexOf("{");
  if (brace < 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(message.slice(brace));
    return parsed && typeof parsed === "object" ? (parsed as DuckDbJsonError) : undefined;
  } catch {
    return undefined;
  }
}

/** 1-based line and column of a 0-based offset into `sql`. */
export function lineColumn(sql: string, offset: number): { line: number; column: number } {
  const before = sql.slice(0, Math.max(0, Math.min(offset, sql.length)));
  const lines = before.split("\n");
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

const USER_ERROR_TYPES = new Set([
  "Parser",
  "Binder",
  "Catalog",
  "Conversion",
  "Invalid Input",
  "Out of Range",
  "Constraint",
  "Not implemented",
  "Permission",
  "Syntax",
  "Invalid type",
  "Mismatch Type",
]);

/**
 * Converts what DuckDB threw for `sql` (run with `prefixLength` characters of wrapper in front,
 * e.g. 8 for `EXPLAIN `) into a {@link SqlError} in Athena's format.
 *
 * @example
 * ```ts
 * duckDbError(err, "SELECT nosuch FROM t", 8).message; // "COLUMN_NOT_FOUND: line 1:8: Column 'nosuch' cannot be resolved"
 * ```
 */
export function duckDbError(err: unknown, sql: string, prefixLength = 0): SqlError {
  const raw = err instanceof Error ? err.message : String(err);
  const json = parseJsonError(raw);
  if (!json)
    return {
      code: "GENERIC_INTERNAL_ERROR",
      message: `GENERIC_INTERNAL_ERROR: ${firstLine(raw)}`,
      retryable: false,
    };
  const type = json.exception_type ?? "";
  const text = firstLine(json.exception_message ?? raw);
  const position =
    json.position !== undefined && /^\d+$/.test(json.position)
      ? lineColumn(sql, Number(json.position) - prefixLength)
      : undefined;
  const { code, detail } = classify(json, type, text);
  const where = position ? `line ${position.line}:${position.column}: ` : "";
  const error: SqlError = {
    code,
    message: `${code}: ${where}${detail}`,
    // Only I/O trouble may pass on a second try. Running out of memory is not retryable: the
    // engine's memory limit is fixed, so the same statement fails the same way again.
    retryable: type === "IO",
  };
  if (position) {
    error.line = position.line;
    error.column = position.column;
  }
  return error;
}

function classify(
  json: DuckDbJsonError,
  type: string,
  text: string,
): { code: string; detail: string } {
  const subtype = json.error_subtype;
  // DuckDB's own out-of-memory error, or the engine's value-size caps (raised with error()).
  const memory = /^EXCEEDED_LOCAL_MEMORY_LIMIT: (.*)$/.exec(text);
  if (type === "Out of Memory" || memory)
    return {
      code: "EXCEEDED_LOCAL_MEMORY_LIMIT",
      detail: memory?.[1] ?? `Query exceeded the engine's memory limit (${text})`,
    };
  if (subtype === "COLUMN_NOT_FOUND")
    return {
      code: "COLUMN_NOT_FOUND",
      detail: `Column '${json.name ?? unquote(text)}' cannot be resolved`,
    };
  const tableColumn = /^Table "([^"]+)" does not have a column named "([^"]+)"/.exec(text);
  if (tableColumn)
    return {
      code: "COLUMN_NOT_FOUND",
      detail: `Column '${tableColumn[1]}.${tableColumn[2]}' cannot be resolved`,
    };
  if (subtype === "MISSING_ENTRY" || /does not exist/.test(text)) {
    const kind = json.type ?? "";
    const name = json.name ?? /with name (\S+) does not exist/.exec(text)?.[1] ?? "";
    if (/Function|Macro/i.test(kind) || /Function with name/.test(text)) {
      return { code: "FUNCTION_NOT_FOUND", detail: `Function '${name}' not registered` };
    }
    if (/Schema/i.test(kind))
      return { code: "SCHEMA_NOT_FOUND", detail: `Schema '${name}' does not exist` };
    if (/Catalog/i.test(kind) && !/Table/i.test(kind))
      return { code: "CATALOG_NOT_FOUND", detail: `Catalog '${name}' does not exist` };
    return { code: "TABLE_NOT_FOUND", detail: `Table '${name}' does not exist` };
  }
  if (subtype === "SYNTAX_ERROR" || type === "Parser")
    return { code: "SYNTAX_ERROR", detail: text };
  if (/must appear in the GROUP BY clause/.test(text)) {
    const column = /column "?([^" ]+)"? must appear/.exec(text)?.[1] ?? "";
    return {
      code: "EXPRESSION_NOT_AGGREGATE",
      detail: `'${column}' must be an aggregate expression or appear in GROUP BY clause`,
    };
  }
  if (/Ambiguous reference/i.test(text)) return { code: "AMBIGUOUS_NAME", detail: text };
  if (/No function matches/i.test(text)) return { code: "FUNCTION_NOT_FOUND", detail: text };
  if (/Cannot compare|Cannot mix|type mismatch|Could not choose a best candidate/i.test(text))
    return { code: "TYPE_MISMATCH", detail: text };
  if (type === "Conversion") return { code: "INVALID_CAST_ARGUMENT", detail: text };
  if (/division by zero/i.test(text))
    return { code: "DIVISION_BY_ZERO", detail: "Division by zero" };
  if (type === "Permission") return { code: "PERMISSION_DENIED", detail: text };
  if (type === "Out of Range") return { code: "NUMERIC_VALUE_OUT_OF_RANGE", detail: text };
  if (type === "Interrupt") return { code: "USER_CANCELED", detail: "Query was canceled" };
  if (USER_ERROR_TYPES.has(type)) return { code: "GENERIC_USER_ERROR", detail: text };
  return { code: "GENERIC_INTERNAL_ERROR", detail: text };
}

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? "").trim();
}

function unquote(text: string): string {
  return /"([^"]+)"/.exec(text)?.[1] ?? text;
}
