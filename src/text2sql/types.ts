/**
 * The contracts of the text-to-SQL module: engines, query results, engine errors and catalogs.
 * Schema retrieval uses the RAG module's `Retriever` interface.
 *
 * @module
 */
import type { WaitOptions } from "../core/index.js";
import type { IndexDocument, Retriever } from "../rag/index.js";

/**
 * An error the SQL engine reported for a statement, in Athena's shape: a Trino error name such as
 * `COLUMN_NOT_FOUND`, the message as Athena prints it (`COLUMN_NOT_FOUND: line 1:8: Column 'x'
 * cannot be resolved`), and the 1-based position in the statement when the engine gave one.
 */
export interface SqlError {
  /** Trino/Athena error name, e.g. `COLUMN_NOT_FOUND`, `TABLE_NOT_FOUND`, `SYNTAX_ERROR`. */
  code: string;
  /** The full message as Athena formats it; this is what goes back to the model. */
  message: string;
  /** 1-based line in the submitted statement. */
  line?: number;
  /** 1-based column in the submitted statement. */
  column?: number;
  /** Whether running the same statement again may succeed (a transient engine failure). */
  retryable: boolean;
}

/** The outcome of {@link SqlEngine.validate}: user errors are returned, not thrown. */
export type ValidationOutcome =
  | {
      /** The engine accepted the statement. */
      ok: true;
    }
  | {
      /** The engine rejected the statement (syntax, unknown table or column, type error). */
      ok: false;
      /** The engine's error, in Athena's format. */
      error: SqlError;
    };

/** One result column: its name and its type in Trino spelling (`bigint`, `decimal(10,2)`, `array(varchar)`). */
export interface QueryColumn {
  /** Column name or alias. */
  name: string;
  /** Trino type name, lower case. */
  type: string;
}

/**
 * A typed value in a result row: numbers for integer/real/double columns, `bigint` for bigint,
 * strings for decimal (exact), varchar, date (`YYYY-MM-DD`) and time, `Date` for timestamps,
 * arrays for arrays, plain objects for rows and maps, `null` for NULL.
 */
export type SqlValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Date
  | Uint8Array
  | SqlValue[]
  | { [key: string]: SqlValue };

/** Engine-side statistics of a query. */
export interface QueryStats {
  /** Wall time of the query as seen by the caller, in milliseconds. */
  elapsedMs: number;
  /** Engine execution time, when the engine reports it. */
  engineMs?: number;
  /** Time spent queued, when the engine reports it. */
  queueMs?: number;
  /** Bytes the engine scanned (Athena's billing unit), when reported. */
  dataScannedBytes?: number;
  /** Rows returned (after any row cap). */
  rowCount: number;
  /** Whether the rows were cut at `maxRows`. */
  truncated: boolean;
  /** The engine's query id (Athena's QueryExecutionId), when there is one. */
  queryId?: string;
  /**
   * What the scan cost, in USD, for engines that bill by bytes scanned (Athena: the engine's
   * price per TB, rounded up to the MB with Athena's 10 MB minimum; 0 for a reused result).
   */
  costUsd?: number;
  /** Bytes the cost guard estimated before the query started, when it estimated them. */
  estimatedBytesScanned?: number;
  /** Whether Athena answered from an earlier query's result (result reuse) instead of scanning. */
  reusedPreviousResult?: boolean;
}

/** Rows and column metadata of a finished query. */
export interface QueryResult {
  /** Result columns in order. */
  columns: QueryColumn[];
  /** Rows as objects keyed by column name. */
  rows: Record<string, SqlValue>[];
  /** Timing and volume. */
  stats: QueryStats;
}

/** Options of {@link SqlEngine.execute}. */
export interface ExecuteOptions extends WaitOptions {
  /** Stop reading after this many rows. */
  maxRows?: number;
}

/**
 * A SQL engine the text-to-SQL loop can check and run statements on.
 *
 * @example
 * ```ts
 * const check = await engine.validate("SELECT total FROM orders");
 * if (!check.ok) console.log(check.error.message); // COLUMN_NOT_FOUND: line 1:8: ...
 * ```
 */
export interface SqlEngine {
  /** The dialect name shown to the model, e.g. `Athena (Trino)`. */
  readonly dialect: string;
  /**
   * Whose lexical rules and parser the read-only guard reads this engine's SQL by: `trino`,
   * `duckdb`, or `strict` (both). When absent, the guard infers it from `dialect` (`duckdb`
   * when the name mentions DuckDB, `trino` for Trino, Athena or Presto; see `guardDialectFor`)
   * and uses `strict` for any other engine, for a name that mentions both, and for a value
   * here that it does not know.
   */
  readonly guardDialect?: "trino" | "duckdb" | "strict";
  /** Checks a statement without running it (Athena `EXPLAIN`); user errors are returned. */
  validate(sql: string, options?: WaitOptions): Promise<ValidationOutcome>;
  /** Runs a statement; engine errors throw {@link SqlExecutionError}. */
  execute(sql: string, options?: ExecuteOptions): Promise<QueryResult>;
}

/** One column of a table in a catalog. */
export interface ColumnSchema {
  /** Column name. */
  name: string;
  /** Type in the catalog's spelling, e.g. `bigint`, `decimal(10,2)`, `array<string>`. */
  type: string;
  /** The column's comment, when the catalog has one. */
  comment?: string;
}

/** One table (or view) as a catalog describes it. */
export interface TableSchema {
  /** Table name. */
  name: string;
  /** Database (schema) holding it. */
  database?: string;
  /** Catalog holding the database, e.g. `awsdatacatalog`. */
  catalog?: string;
  /** The table's description. */
  description?: string;
  /** Regular columns. */
  columns: ColumnSchema[];
  /** Partition columns (queried like columns; filtering on them prunes data). */
  partitionKeys?: ColumnSchema[];
  /** Catalog parameters, e.g. `classification: parquet`. */
  parameters?: Record<string, string>;
}

/**
 * Where table definitions come from (Glue, DuckDB).
 *
 * @example
 * ```ts
 * const tables = await catalog.listTables();
 * ```
 */
export interface SchemaCatalog {
  /** Every table the catalog holds. */
  listTables(options?: WaitOptions): Promise<TableSchema[]>;
}

/**
 * What `Text2Sql` ranks tables with: any rag `Retriever` (`SchemaRanker`, `Bm25Index`, a
 * `VectorStoreRetriever`, ...). When it also has `add(documents)`, `Text2Sql` indexes one
 * document per table into it once (id and `metadata.table` = the qualified name, text from
 * `tableDocument`); otherwise its hits' `metadata.table` (or id) must be qualified table names.
 */
export type SchemaRetriever = Retriever & {
  /** Optional: indexes documents. */
  add?(documents: IndexDocument[]): unknown;
};
