/**
 * Athena result values: `GetQueryResults` returns every value as text (`VarCharValue`), with
 * the column type in `ResultSetMetadata.ColumnInfo`. This module turns them into typed values.
 *
 * @module
 */
import type { SqlValue } from "./types.js";

/** The parts of Athena's `ColumnInfo` used here. */
export interface AthenaColumnInfo {
  /** Column name or alias. */
  Name?: string | undefined;
  /** Athena's type name, e.g. `varchar`, `bigint`, `decimal`, `array`. */
  Type?: string | undefined;
  /** Total digits of a `decimal` column. */
  Precision?: number | undefined;
  /** Digits after the point of a `decimal` column; absent means 0. */
  Scale?: number | undefined;
}

/** The Trino type name of a column: `decimal(10,2)` from `decimal` + precision/scale, others lower-cased. */
export function athenaTypeName(column: AthenaColumnInfo): string {
  const type = (column.Type ?? "varchar").toLowerCase();
  if (type === "decimal" && column.Precision !== undefined)
    return `decimal(${column.Precision},${column.Scale ?? 0})`;
  return type;
}

/**
 * Converts one Athena text value by column type: tinyint/smallint/integer -> number, bigint ->
 * bigint, real/float/double -> number (NaN and ±Infinity included), decimal -> exact string,
 * boolean -> boolean, timestamp -> Date (UTC), date/time/varchar -> string, array/map/row ->
 * parsed values (Athena prints them as `[a, b]` and `{k=v}`; elements that look numeric become
 * numbers), json -> parsed JSON. `undefined` (no VarCharValue) is NULL.
 */
export function fromAthenaValue(text: string | undefined, column: AthenaColumnInfo): SqlValue {
  if (text === undefined) return null;
  const type = (column.Type ?? "varchar").toLowerCase();
  switch (type.replace(/\(.*$/, "")) {
    case "tinyint":
    case "smallint":
    case "integer":
    case "int":
      return Number(text);
    case "bigint":
      return /^-?\d+$/.test(text) ? BigInt(text) : text;
    case "real":
    case "float":
    case "double":
      return parseDouble(text);
    case "boolean":
      return text === "true";
    case "timestamp":
    case "timestamp with time zone":
      return parseAthenaTimestamp(text);
    case "array":
    case "map":
    case "row":
      return parseComplex(text);
    case "json":
      try {
        return JSON.parse(text) as SqlValue;
      } catch {
        return text;
      }
    default:
      if (type.startsWith("timestamp")) return parseAthenaTimestamp(text);
      if (type.startsWith("array") || type.startsWith("map") || type.startsWith("row"))
        return parseComplex(text);
      return text;
  }
}

function parseDouble(text: string): number {
  if (text === "NaN") return Number.NaN;
  if (text === "Infinity") return Number.POSITIVE_INFINITY;
  if (text === "-Infinity") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** `2024-01-02 03:04:05.123` (UTC), or with a zone: ` UTC`, `+02:00`. */
export function parseAthenaTimestamp(text: string): Date | string {
  const m =
    /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/.exec(
      text.trim(),
    );
  if (!m) return text;
  const fraction = (m[2] as string).replace(/(\.\d{3})\d+$/, "$1");
  const zone =
    !m[3] || m[3] === "UTC" || m[3] === "Z" ? "Z" : m[3].replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  const date = new Date(`${m[1]}T${fraction}${zone}`);
  return Number.isNaN(date.getTime()) ? text : date;
}

/** Parses Athena's printed arrays, maps and rows: `[1, 2]`, `{a=1, b=[x, y]}`. */
export function parseComplex(text: string): SqlValue {
  const parser = { text, i: 0 };
  const value = parseValue(parser, "");
  return parser.i >= text.length ? value : text;
}

function parseValue(p: { text: string; i: number }, stops: string): SqlValue {
  const c = p.text[p.i];
  if (c === "[") {
    p.i++;
    const items: SqlValue[] = [];
    if (p.text[p.i] === "]") {
      p.i++;
      return items;
    }
    for (;;) {
      items.push(parseValue(p, ",]"));
      if (p.text[p.i] === ",") {
        p.i += p.text[p.i + 1] === " " ? 2 : 1;
        continue;
      }
      if (p.text[p.i] === "]") p.i++;
      return items;
    }
  }
  if (c === "{") {
    p.i++;
    const out: Record<string, SqlValue> = {};
    if (p.text[p.i] === "}") {
      p.i++;
      return out;
    }
    for (;;) {
      const eq = p.text.indexOf("=", p.i);
      if (eq < 0) return out;
      const key = p.text.slice(p.i, eq);
      p.i = eq + 1;
      out[key] = parseValue(p, ",}");
      if (p.text[p.i] === ",") {
        p.i += p.text[p.i + 1] === " " ? 2 : 1;
        continue;
      }
      if (p.text[p.i] === "}") p.i++;
      return out;
    }
  }
  let end = p.i;
  let depth = 0;
  while (end < p.text.length) {
    const ch = p.text[end] as string;
    if (ch === "[" || ch === "{") depth++;
    else if (ch === "]" || ch === "}") {
      if (depth === 0 && stops.includes(ch)) break;
      depth--;
    } else if (ch === "," && depth === 0 && stops.includes(",") && p.text[end + 1] === " ") break;
    end++;
  }
  const scalar = p.text.slice(p.i, end);
  p.i = end;
  if (scalar === "null") return null;
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(scalar)) return Number(scalar);
  return scalar;
}
