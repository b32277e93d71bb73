/**
 * The pure parts of the Athena cost guard: reading `EXPLAIN (TYPE IO, FORMAT JSON)` output,
 * matching Glue partitions against the plan's partition constraints, reading table sizes from
 * Glue parameters, Athena's billing arithmetic and the refusal message the model reads.
 * {@link AthenaEngine} does the I/O.
 *
 * Units are binary, as Athena's billing pages use them: 1 MB = 2^20 bytes, 1 TB = 2^40 bytes.
 *
 * @module
 */

/** Bytes in one megabyte (2^20), Athena's billing granularity. */
export const MB = 1024 ** 2;
/** Bytes in one gigabyte (2^30). */
export const GB = 1024 ** 3;
/** Bytes in one terabyte (2^40), the unit Athena's price is quoted in. */
export const TB = 1024 ** 4;
/** Athena's on-demand price per TB scanned in most regions, USD. */
export const DEFAULT_PRICE_PER_TB_USD = 5;
/** Athena bills at least this much per query that scans anything. */
const MIN_BILLED_BYTES = 10 * MB;

/** One end of a range in a plan's constraint: `EXACTLY` includes the value, `ABOVE`/`BELOW` exclude it; no value means unbounded. */
export interface PlanBound {
  /** The value as text; absent for an unbounded end. */
  value?: string;
  /** `EXACTLY`, `ABOVE` or `BELOW`. */
  bound: string;
}

/** The values a constraint lets through for one column, as the IO plan prints them. */
export interface PlanColumnConstraint {
  /** Column name. */
  column: string;
  /** Trino type name, e.g. `varchar`, `date`, `integer`. */
  type?: string;
  /** Whether NULL passes. */
  nullsAllowed: boolean;
  /** Allowed ranges; a value passes when it is in any of them. */
  ranges: {
    /** The lower end; unbounded when it has no `value`. */
    low: PlanBound;
    /** The upper end; unbounded when it has no `value`. */
    high: PlanBound;
  }[];
}

/** One table the query reads, from the IO plan. */
export interface PlanInputTable {
  /** Catalog as the plan names it, e.g. `awsdatacatalog`. */
  catalog?: string;
  /** Database (schema). */
  schema: string;
  /** Table name. */
  table: string;
  /** Estimated rows read; absent when the engine had no statistics (the plan says `NaN`). */
  rows?: number;
  /** Estimated bytes read; absent when the engine had no statistics. */
  bytes?: number;
  /** Constraints pushed down to the scan (partition pruning reads these). */
  constraints: PlanColumnConstraint[];
  /** True when the plan proved that no row can pass (`constraint.none`). */
  none: boolean;
}

/** How the bytes of one table were estimated. */
export type ScanEstimateSource = "explain" | "glue-partitions" | "glue-table" | "none";

/** The scan estimate of one table. */
export interface TableScanEstimate {
  /** `database.table`. */
  table: string;
  /** Estimated bytes read; absent when neither the plan nor Glue gave a size. */
  bytes?: number;
  /** Estimated rows read, when known. */
  rows?: number;
  /** Where `bytes` came from. */
  source: ScanEstimateSource;
  /** The table's partition columns, when Glue was asked. */
  partitionKeys?: string[];
  /** Partition columns the query filters on (constraints in the plan). */
  filteredPartitionKeys: string[];
  /** Partitions the filter keeps, out of all, when Glue listed them. */
  partitions?: {
    /** Partitions whose values pass every constraint on a partition column. */
    matched: number;
    /** All partitions Glue listed for the table. */
    total: number;
  };
}

/** What a query would scan, before it runs. */
export interface ScanEstimate {
  /** Total estimated bytes; absent when any table's size is unknown. */
  bytes?: number;
  /** Price of `bytes` at the engine's price per TB, in USD. */
  costUsd?: number;
  /** Each table read. */
  tables: TableScanEstimate[];
  /** `maxBytesScanned` of the engine, when set. */
  budgetBytes?: number;
  /** The workgroup's `BytesScannedCutoffPerQuery`: Athena cancels (and bills) a query at this many bytes. */
  workgroupCutoffBytes?: number;
}

const toNumber = (v: unknown): number | undefined => {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function parseBound(v: unknown): PlanBound {
  const b = isRecord(v) ? v : {};
  const bound = typeof b.bound === "string" ? b.bound : "EXACTLY";
  return typeof b.value === "string" ? { value: b.value, bound } : { bound };
}

function parseConstraint(v: unknown): PlanColumnConstraint | undefined {
  if (!isRecord(v) || typeof v.columnName !== "string") return undefined;
  const domain = isRecord(v.domain) ? v.domain : {};
  const ranges = Array.isArray(domain.ranges) ? domain.ranges : [];
  const type =
    typeof v.type === "string"
      ? v.type
      : typeof v.typeSignature === "string"
        ? v.typeSignature
        : undefined;
  return {
    column: v.columnName,
    ...(type ? { type } : {}),
    nullsAllowed: domain.nullsAllowed === true,
    ranges: ranges.map((r) => {
      const range = isRecord(r) ? r : {};
      return { low: parseBound(range.low), high: parseBound(range.high) };
    }),
  };
}

/**
 * Reads the JSON that `EXPLAIN (TYPE IO, FORMAT JSON)` returns: the tables read, their pushed-down
 * column constraints (at `columnConstraints`, or `constraint.columnConstraints` in newer Trino) and
 * their estimates. Estimates the engine could not make (no table statistics) are printed as
 * `"NaN"` and come back absent.
 *
 * @example
 * ```ts
 * parseIoPlan('{"inputTableColumnInfos":[{"table":{"catalog":"awsdatacatalog","schemaTable":{"schema":"web","table":"events"}},"columnConstraints":[],"estimate":{"outputRowCount":"NaN","outputSizeInBytes":"NaN"}}]}');
 * // [{ catalog: "awsdatacatalog", schema: "web", table: "events", constraints: [], none: false }]
 * ```
 */
export function parseIoPlan(json: string): PlanInputTable[] {
  const plan: unknown = JSON.parse(json);
  const infos =
    isRecord(plan) && Array.isArray(plan.inputTableColumnInfos) ? plan.inputTableColumnInfos : [];
  const out: PlanInputTable[] = [];
  for (const info of infos) {
    if (!isRecord(info) || !isRecord(info.table)) continue;
    const st = isRecord(info.table.schemaTable) ? info.table.schemaTable : {};
    if (typeof st.table !== "string") continue;
    const constraint = isRecord(info.constraint) ? info.constraint : {};
    const raw = Array.isArray(info.columnConstraints)
      ? info.columnConstraints
      : Array.isArray(constraint.columnConstraints)
        ? constraint.columnConstraints
        : [];
    const estimate = isRecord(info.estimate) ? info.estimate : {};
    const rows = toNumber(estimate.outputRowCount);
    const bytes = toNumber(estimate.outputSizeInBytes);
    out.push({
      ...(typeof info.table.catalog === "string" ? { catalog: info.table.catalog } : {}),
      schema: typeof st.schema === "string" ? st.schema : "",
      table: st.table,
      ...(rows !== undefined ? { rows } : {}),
      ...(bytes !== undefined ? { bytes } : {}),
      constraints: raw.map(parseConstraint).filter((c) => c !== undefined),
      none: constraint.none === true,
    });
  }
  return out;
}

const NUMERIC_TYPE = /^(tinyint|smallint|integer|int|bigint|real|double|float|decimal)/i;

function compare(a: string, b: string, type: string | undefined): number {
  if (type && NUMERIC_TYPE.test(type)) {
    const x = Number(a);
    const y = Number(b);
    if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  }
  // Dates and timestamps in ISO form order correctly as text.
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether a partition value passes a constraint. Hive stores a NULL partition value as
 * `__HIVE_DEFAULT_PARTITION__`.
 */
export function constraintAllows(c: PlanColumnConstraint, value: string): boolean {
  if (value === "__HIVE_DEFAULT_PARTITION__") return c.nullsAllowed;
  return c.ranges.some(({ low, high }) => {
    if (low.value !== undefined) {
      const d = compare(value, low.value, c.type);
      if (d < 0 || (d === 0 && low.bound === "ABOVE")) return false;
    }
    if (high.value !== undefined) {
      const d = compare(value, high.value, c.type);
      if (d > 0 || (d === 0 && high.bound === "BELOW")) return false;
    }
    return true;
  });
}

/**
 * The partitions a scan keeps: those whose value of every constrained partition column passes.
 * `values` are in partition-key order, as Glue's GetPartitions returns them.
 */
export function partitionMatches(
  partitionKeys: readonly string[],
  values: readonly string[],
  constraints: readonly PlanColumnConstraint[],
): boolean {
  return constraints.every((c) => {
    const i = partitionKeys.findIndex((k) => k.toLowerCase() === c.column.toLowerCase());
    return i < 0 || constraintAllows(c, values[i] ?? "");
  });
}

/**
 * Bytes of a table or partition from its Glue parameters: `totalSize` (Hive and Athena
 * statistics), `sizeKey` (Glue crawlers), `rawDataSize`, or rows times `averageRecordSize`.
 */
export function glueSizeBytes(parameters: Record<string, string> | undefined): number | undefined {
  if (!parameters) return undefined;
  const direct =
    toNumber(parameters.totalSize) ??
    toNumber(parameters.sizeKey) ??
    toNumber(parameters.rawDataSize);
  if (direct !== undefined) return direct;
  const rows = toNumber(parameters.numRows) ?? toNumber(parameters.recordCount);
  const average = toNumber(parameters.averageRecordSize);
  return rows !== undefined && average !== undefined ? rows * average : undefined;
}

/** Rows of a table or partition from its Glue parameters (`numRows` or `recordCount`). */
export function glueRowCount(parameters: Record<string, string> | undefined): number | undefined {
  return toNumber(parameters?.numRows) ?? toNumber(parameters?.recordCount);
}

/**
 * What Athena charges for scanning `bytes`: rounded up to the next MB, at least 10 MB for a query
 * that scans anything, at `pricePerTbUsd` per TB (2^40 bytes). Nothing scanned (a reused
 * result, DDL) costs nothing.
 *
 * @example
 * ```ts
 * athenaScanCostUsd(1024 ** 4); // 5
 * athenaScanCostUsd(1000);      // the 10 MB minimum: about 0.0000477
 * ```
 */
export function athenaScanCostUsd(bytes: number, pricePerTbUsd = DEFAULT_PRICE_PER_TB_USD): number {
  if (!(bytes > 0)) return 0;
  const billed = Math.max(MIN_BILLED_BYTES, Math.ceil(bytes / MB) * MB);
  return (billed / TB) * pricePerTbUsd;
}

/** Bytes as a short human figure: `512 B`, `3.4 MB`, `12.3 GB`, `1.50 TB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units: [number, string][] = [
    [TB, "TB"],
    [GB, "GB"],
    [MB, "MB"],
    [1024, "KB"],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) {
      const n = bytes / size;
      return `${n >= 100 ? Math.round(n) : n.toFixed(n >= 10 ? 1 : 2)} ${unit}`;
    }
  }
  return `${bytes} B`;
}

/**
 * Advice for the model on how to scan less: the partition columns of the tables it reads without
 * filtering on them, or, when every partitioned table is filtered, narrower filters and fewer
 * columns.
 */
export function scanAdvice(estimate: ScanEstimate): string {
  const unfiltered = estimate.tables.filter(
    (t) => (t.partitionKeys?.length ?? 0) > 0 && t.filteredPartitionKeys.length === 0,
  );
  if (unfiltered.length > 0) {
    const parts = unfiltered.map((t) => {
      const keys = t.partitionKeys ?? [];
      return `${keys.length === 1 ? "the partition column" : "a partition column"} ${keys.join(" or ")} of ${t.table}`;
    });
    return `Add a filter on ${parts.join(", and on ")} so that Athena reads only the partitions needed.`;
  }
  const filtered = estimate.tables.filter((t) => t.filteredPartitionKeys.length > 0);
  if (filtered.length > 0) {
    return `Narrow the filter on ${filtered.map((t) => `${t.filteredPartitionKeys.join(", ")} of ${t.table}`).join(" and ")}, or select fewer columns.`;
  }
  return "Filter the rows more narrowly, select fewer columns, or aggregate over a smaller range.";
}
