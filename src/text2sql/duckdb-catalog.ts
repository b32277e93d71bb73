/**
 * {@link DuckDbCatalog}: the tables of a {@link DuckDbEngine} as {@link TableSchema}s.
 *
 * @module
 */
import { z } from "zod";
import type { WaitOptions } from "../core/index.js";
import { parseOptions } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import type { DuckDbEngine } from "./duckdb-engine.js";
import type { ColumnSchema, SchemaCatalog, TableSchema } from "./types.js";

/** Options for {@link DuckDbCatalog}. */
export interface DuckDbCatalogOptions {
  /** The engine whose tables to list. */
  engine: DuckDbEngine;
}

const optionsSchema = schemaFor<DuckDbCatalogOptions>()(
  z
    .object({
      engine: z.custom<DuckDbEngine>(
        (v) =>
          typeof v === "object" &&
          v !== null &&
          typeof (v as DuckDbEngine).executeTrusted === "function",
        "must be a DuckDbEngine",
      ),
    })
    .strict(),
);

/**
 * Lists the tables and views of a {@link DuckDbEngine}'s catalog, with column types in Trino
 * spelling and the comments set through `tableComments` / `columnComments`.
 *
 * @example
 * ```ts
 * const catalog = new DuckDbCatalog({ engine });
 * const tables = await catalog.listTables(); // [{ name: "orders", database: "sales", columns: [...] }, ...]
 * ```
 */
export class DuckDbCatalog implements SchemaCatalog {
  readonly #engine: DuckDbEngine;

  constructor(options: DuckDbCatalogOptions) {
    this.#engine = parseOptions(optionsSchema, options, "DuckDbCatalog options").engine;
  }

  /** Every table and view in the engine's catalog, in name order. */
  async listTables(options: WaitOptions = {}): Promise<TableSchema[]> {
    const catalog = this.#engine.catalog.replace(/'/g, "''");
    const tables = await this.#engine.executeTrusted(
      `SELECT schema_name AS db, table_name AS name, comment FROM duckdb_tables() WHERE database_name = '${catalog}'
       UNION ALL
       SELECT schema_name, view_name, comment FROM duckdb_views() WHERE database_name = '${catalog}' AND NOT internal
       ORDER BY 1, 2`,
      options,
    );
    const columns = await this.#engine.executeTrusted(
      `SELECT c.schema_name AS db, c.table_name AS name, c.column_name AS col, c.comment, c.data_type
       FROM duckdb_columns() c WHERE c.database_name = '${catalog}' ORDER BY c.schema_name, c.table_name, c.column_index`,
      options,
    );
    const byTable = new Map<string, ColumnSchema[]>();
    for (const row of columns.rows) {
      const key = `${String(row.db)}.${String(row.name)}`;
      const column: ColumnSchema = {
        name: String(row.col),
        type: trinoSpelling(String(row.data_type)),
      };
      if (typeof row.comment === "string" && row.comment !== "") column.comment = row.comment;
      const list = byTable.get(key) ?? [];
      list.push(column);
      byTable.set(key, list);
    }
    return tables.rows.map((row) => {
      const table: TableSchema = {
        name: String(row.name),
        database: String(row.db),
        catalog: this.#engine.catalog,
        columns: byTable.get(`${String(row.db)}.${String(row.name)}`) ?? [],
      };
      if (typeof row.comment === "string" && row.comment !== "") table.description = row.comment;
      return table;
    });
  }
}

/** DuckDB's type spelling (`BIGINT`, `VARCHAR`, `INTEGER[]`) in Trino's (`bigint`, `varchar`, `array(integer)`). */
export function trinoSpelling(duckType: string): string {
  const t = duckType.trim();
  if (t.endsWith("[]")) return `array(${trinoSpelling(t.slice(0, -2))})`;
  const upper = t.toUpperCase();
  const simple: Record<string, string> = {
    HUGEINT: "bigint",
    UBIGINT: "bigint",
    UINTEGER: "bigint",
    FLOAT: "real",
    BLOB: "varbinary",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    TIMESTAMP_NS: "timestamp",
    TIMESTAMP_MS: "timestamp",
    TIMESTAMP_S: "timestamp",
  };
  if (simple[upper]) return simple[upper] as string;
  if (upper.startsWith("STRUCT(")) return `row(${t.slice(7, -1)})`.toLowerCase().replace(/"/g, "");
  return t.toLowerCase().replace(/decimal\((\d+),\s*(\d+)\)/, "decimal($1,$2)");
}
