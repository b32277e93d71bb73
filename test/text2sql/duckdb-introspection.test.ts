/**
 * DuckDB's own catalog (duckdb_databases, information_schema, pg_catalog, sqlite_master, ...)
 * shows database names and the attached file's path. Model-written SQL may read the loaded
 * tables only: every introspection view and table function is refused, written as a view
 * (`FROM duckdb_tables`) or as a function (`FROM duckdb_tables()`), unless the user opts in.
 * The library's own catalog reads (DuckDbCatalog, through executeTrusted) keep working.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbCatalog } from "../../src/text2sql/duckdb-catalog.js";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { SqlNotReadOnlyError } from "../../src/text2sql/errors.js";
import { sampleTables } from "./sample.js";

const INTROSPECTION = [
  "SELECT * FROM duckdb_databases",
  "SELECT * FROM duckdb_databases()",
  "SELECT path FROM main.duckdb_databases",
  "SELECT path FROM system.main.duckdb_databases",
  'SELECT * FROM "DuckDB_Databases"',
  "SELECT * FROM duckdb_tables",
  "SELECT * FROM duckdb_tables()",
  "SELECT * FROM duckdb_columns",
  "SELECT * FROM duckdb_columns()",
  "SELECT * FROM duckdb_views",
  "SELECT * FROM duckdb_schemas",
  "SELECT * FROM duckdb_schemas()",
  "SELECT * FROM pragma_database_list",
  "SELECT * FROM pragma_database_list()",
  "SELECT * FROM information_schema.tables",
  "SELECT * FROM information_schema.schemata",
  "SELECT * FROM sqlite_master",
  "SELECT * FROM pg_tables",
  "SELECT * FROM pg_catalog.pg_tables",
  "SELECT * FROM pg_catalog.pg_namespace",
  "SELECT count(*) AS n FROM orders WHERE customer_id IN (SELECT 1 FROM duckdb_databases)",
  "WITH d AS (SELECT * FROM duckdb_databases) SELECT * FROM d",
];

describe("DuckDbEngine keeps its own catalog out of model-written SQL", () => {
  let path: string;
  let engine: DuckDbEngine;
  beforeAll(async () => {
    path = join(mkdtempSync(join(tmpdir(), "fmops-introspect-")), "secret-name.duckdb");
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run("CREATE TABLE sales (region VARCHAR, amount INTEGER)");
    await connection.run("CREATE TABLE tables (id INTEGER)");
    await connection.run("INSERT INTO sales VALUES ('eu', 10)");
    connection.closeSync();
    instance.closeSync();
    engine = new DuckDbEngine({ file: path });
  });
  afterAll(() => engine.close());

  it.each(INTROSPECTION)("refuses %s", async (sql) => {
    const err = await engine.execute(sql).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlNotReadOnlyError);
    expect((err as Error).message).not.toContain(path);
    const outcome = await engine.validate(sql);
    expect(outcome).toMatchObject({ ok: false, error: { code: "SQL_NOT_READ_ONLY" } });
  });

  it("still reads the user's tables, even one named like a catalog view", async () => {
    expect((await engine.execute("SELECT region FROM sales")).rows).toEqual([{ region: "eu" }]);
    expect((await engine.execute("SELECT count(*) AS n FROM tables")).rows).toEqual([{ n: 0n }]);
    expect((await engine.execute("SELECT 1 AS duckdb_tables FROM sales")).rows).toEqual([
      { duckdb_tables: 1 },
    ]);
  });

  it("keeps the library's own catalog reads working", async () => {
    const tables = await new DuckDbCatalog({ engine }).listTables();
    expect(tables.map((t) => t.name).sort()).toEqual(["sales", "tables"]);
    const trusted = await engine.executeTrusted(
      "SELECT path FROM duckdb_databases WHERE path IS NOT NULL",
    );
    expect(trusted.rows).toEqual([{ path }]);
  });
});

describe("DuckDbEngine with allowCatalogIntrospection", () => {
  const open = new DuckDbEngine({
    tables: sampleTables,
    database: "shop",
    allowCatalogIntrospection: true,
  });
  afterAll(() => open.close());

  it.each([
    "SELECT table_name FROM duckdb_tables WHERE schema_name = 'shop' ORDER BY 1 LIMIT 1",
    "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'shop' ORDER BY 1 LIMIT 1",
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'shop' ORDER BY 1 LIMIT 1",
  ])("lets %s read the catalog", async (sql) => {
    expect((await open.execute(sql)).rows).toEqual([{ table_name: "customers" }]);
  });

  it("still refuses settings and files", async () => {
    for (const sql of [
      "SELECT * FROM duckdb_settings()",
      "SELECT current_setting('threads') AS t",
      "SELECT * FROM read_csv('x.csv')",
    ]) {
      await expect(open.execute(sql), sql).rejects.toBeInstanceOf(SqlNotReadOnlyError);
    }
  });
});
