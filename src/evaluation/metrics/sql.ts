/**
 * SQL execution accuracy: do two query results hold the same rows? Rows are compared as
 * multisets unless order matters (the reference query has a top-level ORDER BY, or `ordered`
 * says so); numbers, numeric strings and bigints compare with a tolerance.
 *
 * @module
 */

/** One result row: cells in column order, or an object whose values are in column order. */
export type ResultRow = readonly unknown[] | Readonly<Record<string, unknown>>;

/** Options of {@link sqlExecutionMatch}. */
export interface SqlMatchOptions {
  /** Compare rows in order. Default: `queryOrders(referenceSql)` when given, else false. */
  ordered?: boolean;
  /** The reference query, used to decide `ordered` when it is not set. */
  referenceSql?: string;
  /** Numbers match when |a - b| <= tolerance * max(1, |a|, |b|). Default 1e-6. */
  tolerance?: number;
}

/**
 * True when `sql` has an ORDER BY at its top level (not only inside a subquery, a window
 * function or a string literal), i.e. when its row order is part of its meaning.
 *
 * @example
 * ```ts
 * queryOrders("SELECT a FROM t ORDER BY a"); // true
 * queryOrders("SELECT * FROM (SELECT a FROM t ORDER BY a) s"); // false
 * ```
 */
export function queryOrders(sql: string): boolean {
  // Blank out comments and quoted text so that their contents cannot match.
  const bare = sql
    .replace(/--[^\n]*/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""');
  let depth = 0;
  let top = "";
  for (const ch of bare) {
    if (ch === "(") depth += 1;
    else if (ch === ")") depth = Math.max(0, depth - 1);
    else if (depth === 0) top += ch;
    else continue;
    if (depth > 0 && ch === "(") top += " ";
  }
  return /\border\s+by\b/i.test(top);
}

function cells(row: ResultRow): readonly unknown[] {
  return Array.isArray(row) ? row : Object.values(row as Record<string, unknown>);
}

/** A number for numeric-looking cells, otherwise undefined. */
function asNumber(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string" && /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(v))
    return Number(v);
  return undefined;
}

function asText(v: unknown): string {
  if (v === null || v === undefined) return "\u0000null";
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function cellsEqual(a: unknown, b: unknown, tolerance: number): boolean {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== undefined && y !== undefined) {
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
    if (x === y) return true;
    return Math.abs(x - y) <= tolerance * Math.max(1, Math.abs(x), Math.abs(y));
  }
  return asText(a) === asText(b);
}

/** Orders cells: numbers before text, numbers numerically, text by code unit. */
function compareCells(a: unknown, b: unknown): number {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  if (x !== undefined) return -1;
  if (y !== undefined) return 1;
  const s = asText(a);
  const t = asText(b);
  return s < t ? -1 : s > t ? 1 : 0;
}

function compareRows(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareCells(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * 1 when `actual` has the same rows as `expected` (same count, same cells in column order), else
 * 0. Unordered comparison sorts both sides first, so it treats rows as a multiset.
 *
 * @example
 * ```ts
 * sqlExecutionMatch([[1, "a"], [2, "b"]], [[2, "b"], [1.0000000001, "a"]]); // 1
 * sqlExecutionMatch([[1], [2]], [[2], [1]], { referenceSql: "SELECT x FROM t ORDER BY x" }); // 0
 * ```
 */
export function sqlExecutionMatch(
  expected: readonly ResultRow[],
  actual: readonly ResultRow[],
  options: SqlMatchOptions = {},
): number {
  const tolerance = options.tolerance ?? 1e-6;
  const ordered =
    options.ordered ??
    (options.referenceSql !== undefined ? queryOrders(options.referenceSql) : false);
  if (expected.length !== actual.length) return 0;
  let e = expected.map(cells);
  let a = actual.map(cells);
  if (!ordered) {
    e = [...e].sort(compareRows);
    a = [...a].sort(compareRows);
  }
  for (let i = 0; i < e.length; i++) {
    const x = e[i] as readonly unknown[];
    const y = a[i] as readonly unknown[];
    if (x.length !== y.length) return 0;
    for (let j = 0; j < x.length; j++) if (!cellsEqual(x[j], y[j], tolerance)) return 0;
  }
  return 1;
}
