/**
 * Query rows as JSON-ready values. Engines return exact values ({@link SqlValue}): `bigint` for
 * Trino's `bigint` (every `count(*)`), `Date` for timestamps, `Uint8Array` for `varbinary`;
 * `JSON.stringify` throws on a `bigint`, and a `Date` or byte array would not read back as one.
 *
 * @module
 */
import type { SqlValue } from "./types.js";

/** A value `JSON.stringify` writes and `JSON.parse` reads back unchanged. */
export type JsonCell = null | boolean | number | string | JsonCell[] | { [key: string]: JsonCell };

/** How {@link toJsonRows} writes the values JSON has no type for. */
export interface JsonRowsOptions {
  /**
   * `bigint` values: `"auto"` (default) writes a JSON number when it is a safe integer
   * (|n| ≤ `Number.MAX_SAFE_INTEGER`, so every reader gets the same value) and a decimal string
   * otherwise; `"string"` always writes the decimal string, so a column has one JSON type.
   * Neither ever rounds.
   */
  bigint?: "auto" | "string";
  /** `Date` values: `"iso"` (default) as `2024-01-02T03:04:05.123Z`, `"epoch-ms"` as a number. */
  dates?: "iso" | "epoch-ms";
  /** `Uint8Array` values: `"base64"` (default) or `"hex"`. */
  bytes?: "base64" | "hex";
}

/**
 * Rows with every value made JSON-ready (`options.bigint`, `options.dates` and `options.bytes`
 * choose how those are written); other values, including
 * exact decimal strings and `YYYY-MM-DD` dates, stay as they are. Non-finite doubles (`NaN`,
 * `Infinity`), which JSON cannot hold, become the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
 *
 * @example
 * ```ts
 * const { rows } = await engine.execute("SELECT status, count(*) AS n FROM orders GROUP BY 1");
 * JSON.stringify(toJsonRows(rows)); // [{"status":"shipped","n":60}, ...]
 * ```
 */
export function toJsonRows(
  rows: readonly Record<string, SqlValue>[],
  options: JsonRowsOptions = {},
): Record<string, JsonCell>[] {
  return rows.map((row) => {
    const out: Record<string, JsonCell> = {};
    for (const [name, value] of Object.entries(row)) out[name] = toJsonValue(value, options);
    return out;
  });
}

/** One {@link SqlValue} made JSON-ready, as {@link toJsonRows} does for each cell. */
export function toJsonValue(value: SqlValue, options: JsonRowsOptions = {}): JsonCell {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") {
    const safe =
      value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER);
    return safe && options.bigint !== "string" ? Number(value) : value.toString();
  }
  if (value instanceof Date)
    return options.dates === "epoch-ms" ? value.getTime() : value.toISOString();
  if (value instanceof Uint8Array) return options.bytes === "hex" ? hex(value) : base64(value);
  if (Array.isArray(value)) return value.map((v) => toJsonValue(v, options));
  const out: Record<string, JsonCell> = {};
  for (const [key, v] of Object.entries(value)) out[key] = toJsonValue(v, options);
  return out;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// btoa over a binary string: web-standard, so the module runs in Node, Deno and browsers alike.
function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
