/**
 * `fmops/text2sql`: questions in plain language become SQL that an engine has checked, then rows.
 *
 * - {@link Text2Sql}: the self-correcting loop (schema selection, generation, read-only guard,
 *   engine validation, correction with the engine's exact error, execution).
 * - Engines: {@link AthenaEngine} and the embedded {@link DuckDbEngine} (optional peer
 *   `@duckdb/node-api`), both reporting errors in Athena's format.
 * - Catalogs: {@link GlueCatalog} and {@link DuckDbCatalog}; schema ranking with
 *   {@link SchemaRanker} (on rag's `Bm25Index`) or any rag `Retriever`.
 * - {@link checkReadOnly} and {@link extractSql} on their own.
 *
 * @example
 * ```ts
 * import { DuckDbCatalog, DuckDbEngine, Text2Sql } from "fmops/text2sql";
 *
 * const engine = new DuckDbEngine({ tables: { orders: "data/orders.parquet" }, database: "shop" });
 * const t2s = new Text2Sql({ model, engine, catalog: new DuckDbCatalog({ engine }) });
 * const { status, sql, result, attempts } = await t2s.ask("Revenue by month in 2024?");
 * ```
 *
 * @packageDocumentation
 */
export { AthenaEngine, type AthenaEngineOptions } from "./athena-engine.js";
export type { ScanEstimate } from "./cost-guard.js";
export { DuckDbCatalog, type DuckDbCatalogOptions } from "./duckdb-catalog.js";
export { DuckDbEngine, type DuckDbEngineOptions } from "./duckdb-engine.js";
export { SqlCostError, SqlExecutionError, SqlNotReadOnlyError } from "./errors.js";
export { extractSql } from "./extract.js";
export { tablesFromPaths } from "./files.js";
export { GlueCatalog, type GlueCatalogOptions } from "./glue-catalog.js";
export { applyRowLimit, checkReadOnly, type GuardVerdict } from "./guard.js";
export { toJsonRows, toJsonValue } from "./json-rows.js";
export { tableDocument } from "./schema.js";
export {
  DEFAULT_SCHEMA_SYNONYMS,
  SchemaRanker,
  type SchemaRankerOptions,
} from "./schema-ranking.js";
export type { SqlDialect } from "./sql-lexer.js";
export {
  Text2Sql,
  type Text2SqlAskOptions,
  type Text2SqlOptions,
  type Text2SqlResult,
} from "./text2sql.js";
export type {
  ColumnSchema,
  ExecuteOptions,
  QueryResult,
  SchemaCatalog,
  SchemaRetriever,
  SqlEngine,
  SqlError,
  SqlValue,
  TableSchema,
  ValidationOutcome,
} from "./types.js";
export { sampleColumnValues } from "./value-index.js";
