/**
 * DuckDB result types and values in Trino's terms: type names as Athena reports them
 * (`bigint`, `decimal(10,2)`, `array(varchar)`, `row(a integer)`) and values converted from
 * DuckDB's JSON form into {@link SqlValue}s.
 *
 * @module
 */
import type { SqlValue } from "./types.js";

/** The parts of a `@duckdb/node-api` `DuckDBType` this module reads. */
export interface DuckTypeLike {
  typeId: number;
  valueType?: DuckTypeLike;
  keyType?: DuckTypeLike;
  entryNames?: readonly string[];
  entryTypes?: readonly DuckTypeLike[];
  width?: number;
  scale?: number;
}

// DuckDBTypeId values (stable across @duckdb/node-api 1.x).
const T = {
  BOOLEAN: 1,
  TINYINT: 2,
  SMALLINT: 3,
  INTEGER: 4,
  BIGINT: 5,
  UTINYINT: 6,
  USMALLINT: 7,
  UINTEGER: 8,
  UBIGINT: 9,
  FLOAT: 10,
  DOUBLE: 11,
  TIMESTAMP: 12,
  DATE: 13,
  TIME: 14,
  INTERVAL: 15,
  HUGEINT: 16,
  VARCHAR: 17,
  BLOB: 18,
  DECIMAL: 19,
  TIMESTAMP_S: 20,
  TIMESTAMP_MS: 21,
  TIMESTAMP_NS: 22,
  ENUM: 23,
  LIST: 24,
  STRUCT: 25,
  MAP: 26,
  UUID: 27,
  TIME_TZ: 30,
  TIMESTAMP_TZ: 31,
  UHUGEINT: 32,
  ARRAY: 33,
  SQLNULL: 36,
} as const;

/** The Trino name of a DuckDB type, e.g. HUGEINT -> `bigint` (what Trino's `sum(bigint)` returns). */
export function trinoTypeName(type: DuckTypeLike): string {
  switch (type.typeId) {
    case T.BOOLEAN:
      return "boolean";
    case T.TINYINT:
      return "tinyint";
    case T.SMALLINT:
    case T.UTINYINT:
      return "smallint";
    case T.INTEGER:
    case T.USMALLINT:
      return "integer";
    case T.BIGINT:
    case T.UINTEGER:
    case T.UBIGINT:
    case T.HUGEINT:
    case T.UHUGEINT:
      return "bigint";
    case T.FLOAT:
      return "real";
    case T.DOUBLE:
      return "double";
    case T.DECIMAL:
      return `decimal(${type.width ?? 38},${type.scale ?? 0})`;
    case T.VARCHAR:
    case T.ENUM:
      return "varchar";
    case T.BLOB:
      return "varbinary";
    case T.DATE:
      return "date";
    case T.TIME:
      return "time";
    case T.TIME_TZ:
      return "time with time zone";
    case T.TIMESTAMP:
    case T.TIMESTAMP_S:
    case T.TIMESTAMP_MS:
    case T.TIMESTAMP_NS:
      return "timestamp";
    case T.TIMESTAMP_TZ:
      return "timestamp with time zone";
    case T.INTERVAL:
      return "interval day to second";
    case T.UUID:
      return "uuid";
    case T.LIST:
    case T.ARRAY:
      return `array(${type.valueType ? trinoTypeName(type.valueType) : "unknown"})`;
    case T.MAP:
      return `map(${type.keyType ? trinoTypeName(type.keyType) : "unknown"}, ${type.valueType ? trinoTypeName(type.valueType) : "unknown"})`;
    case T.STRUCT:
      return `row(${(type.entryNames ?? []).map((n, i) => `${n} ${type.entryTypes?.[i] ? trinoTypeName(type.entryTypes[i] as DuckTypeLike) : "unknown"}`).join(", ")})`;
    case T.SQLNULL:
      return "unknown";
    default:
      return "varchar";
  }
}

/** A JSON value as `@duckdb/node-api`'s `getRowsJson()` returns it. */
export type DuckJson = null | boolean | number | string | DuckJson[] | { [key: string]: DuckJson };

/**
 * Converts one value from DuckDB's JSON form to a {@link SqlValue}: bigint columns to `bigint`,
 * decimals stay exact strings, timestamps become `Date` (UTC), dates stay `YYYY-MM-DD`, lists
 * become arrays, structs and maps become plain objects.
 */
export function fromDuckJson(value: DuckJson, type: DuckTypeLike): SqlValue {
  if (value === null) return null;
  switch (type.typeId) {
    case T.BIGINT:
    case T.UINTEGER:
    case T.UBIGINT:
    case T.HUGEINT:
    case T.UHUGEINT:
      return BigInt(value as string | number);
    case T.DECIMAL:
      return String(value);
    case T.FLOAT:
    case T.DOUBLE:
      return typeof value === "number" ? value : Number(value);
    case T.TIMESTAMP:
    case T.TIMESTAMP_S:
    case T.TIMESTAMP_MS:
    case T.TIMESTAMP_NS:
    case T.TIMESTAMP_TZ:
      return parseTimestamp(String(value));
    case T.LIST:
    case T.ARRAY:
      return (value as DuckJson[]).map((v) =>
        fromDuckJson(v, type.valueType ?? { typeId: T.VARCHAR }),
      );
    case T.STRUCT: {
      const out: Record<string, SqlValue> = {};
      const names = type.entryNames ?? [];
      const obj = value as Record<string, DuckJson>;
      names.forEach((name, i) => {
        out[name] = fromDuckJson(obj[name] ?? null, type.entryTypes?.[i] ?? { typeId: T.VARCHAR });
      });
      return out;
    }
    case T.MAP: {
      const out: Record<string, SqlValue> = {};
      for (const entry of value as { key: DuckJson; value: DuckJson }[]) {
        out[String(entry.key)] = fromDuckJson(entry.value, type.valueType ?? { typeId: T.VARCHAR });
      }
      return out;
    }
    case T.INTERVAL: {
      const v = value as { months?: number; days?: number; micros?: string };
      return `${v.months ?? 0} months ${v.days ?? 0} days ${Number(v.micros ?? 0) / 1e6} seconds`;
    }
    default:
      return value as SqlValue;
  }
}

/** Parses `2024-01-02 03:04:05.123` (UTC) or `2024-01-02 01:04:05+00` into a Date. */
function parseTimestamp(text: string): Date {
  const iso = text.replace(" ", "T");
  const withZone = /[+-]\d{2}(:?\d{2})?$|Z$/.test(iso)
    ? iso.replace(/([+-]\d{2})$/, "$1:00")
    : `${iso}Z`;
  return new Date(withZone);
}
