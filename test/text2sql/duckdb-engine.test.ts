import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DuckDbCatalog } from "../../src/text2sql/duckdb-catalog.js";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { SqlNotReadOnlyError } from "../../src/text2sql/errors.js";
import { engineChecksum } from "./duckdb-oracle.js";
import { sampleTables } from "./sample.js";

const engine = new DuckDbEngine({
  tables: sampleTables,
  database: "shop",
  tableComments: { orders: "One row per order placed in the web shop" },
  columnComments: { orders: { status: "delivered, shipped, cancelled, returned or pending" } },
});
afterAll(() => engine.close());

describe("DuckDbEngine on the sample files", () => {
  it("loads CSV, Parquet and JSON and answers with typed values", async () => {
    const result = await engine.execute(
      `SELECT c.country, count(DISTINCT o.order_id) AS orders, sum(i.quantity * i.unit_price) AS revenue,
              CAST(sum(i.quantity * i.unit_price) AS DECIMAL(12,2)) AS revenue_exact, min(o.order_date) AS first_day
       FROM orders o JOIN customers c ON c.customer_id = o.customer_id JOIN order_items i ON i.order_id = o.order_id
       WHERE o.status = 'delivered' GROUP BY c.country ORDER BY revenue DESC`,
    );
    expect(result.columns).toEqual([
      { name: "country", type: "varchar" },
      { name: "orders", type: "bigint" },
      { name: "revenue", type: "double" },
      { name: "revenue_exact", type: "decimal(12,2)" },
      { name: "first_day", type: "date" },
    ]);
    expect(result.rows.length).toBeGreaterThan(3);
    const top = result.rows[0] as Record<string, unknown>;
    expect(typeof top.orders).toBe("bigint");
    expect(typeof top.revenue).toBe("number");
    expect(top.revenue_exact).toMatch(/^\d+\.\d{2}$/);
    expect(top.first_day).toMatch(/^2024-\d{2}-\d{2}$/);
    expect(result.stats.rowCount).toBe(result.rows.length);
  });

  it("resolves Athena-style three-part and two-part names", async () => {
    const three = await engine.execute(
      'SELECT count(*) AS n FROM "awsdatacatalog"."shop"."products"',
    );
    const two = await engine.execute("SELECT count(*) AS n FROM shop.products");
    expect(three.rows).toEqual([{ n: 20n }]);
    expect(two.rows).toEqual([{ n: 20n }]);
  });

  it("formats errors exactly as Athena does", async () => {
    const cases: [string, string][] = [
      ["SELECT totl FROM orders", "COLUMN_NOT_FOUND: line 1:8: Column 'totl' cannot be resolved"],
      [
        "SELECT *\nFROM orders\nWHERE statuz = 'x'",
        "COLUMN_NOT_FOUND: line 3:7: Column 'statuz' cannot be resolved",
      ],
      ["SELECT * FROM nosuch", "TABLE_NOT_FOUND: line 1:15: Table 'nosuch' does not exist"],
      ["SELECT nosuchfn(1)", "FUNCTION_NOT_FOUND: line 1:8: Function 'nosuchfn' not registered"],
      ["SELECT * FROM orders WHERE", "SYNTAX_ERROR: line 1:27: syntax error at end of input"],
    ];
    for (const [sql, message] of cases) {
      const outcome = await engine.validate(sql);
      expect(outcome, sql).toMatchObject({ ok: false, error: { message, retryable: false } });
    }
    const col = await engine.validate("SELECT o.totl FROM orders o");
    expect(col).toMatchObject({ ok: false, error: { code: "COLUMN_NOT_FOUND", line: 1 } });
  });

  it("throws SqlExecutionError from execute and refuses writes", async () => {
    await expect(engine.execute("SELECT CAST('x' AS INTEGER)")).rejects.toMatchObject({
      code: "SQL_EXECUTION_ERROR",
      sqlError: { code: "INVALID_CAST_ARGUMENT" },
    });
    const drop = await engine.validate("DROP TABLE orders");
    expect(drop).toMatchObject({ ok: false, error: { code: "SQL_NOT_READ_ONLY" } });
    await expect(engine.execute("DROP TABLE orders")).rejects.toBeInstanceOf(SqlNotReadOnlyError);
    expect((await engine.execute("SELECT count(*) AS n FROM orders")).rows).toEqual([{ n: 400n }]);
  });

  it("cannot read files other than the loaded tables", async () => {
    // A file-reading table function is refused before it binds...
    await expect(
      engine.execute(`SELECT * FROM read_csv('${sampleTables.customers}')`),
    ).rejects.toBeInstanceOf(SqlNotReadOnlyError);
    // ...and a path written as a table name meets DuckDB's own switch: file access is off.
    const err = await engine
      .execute(`SELECT * FROM '${sampleTables.customers}'`)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ sqlError: { code: "PERMISSION_DENIED" } });
  });

  it("shims common Trino functions", async () => {
    const { rows } = await engine.execute(
      `SELECT approx_distinct(customer_id) > 0 AS a, regexp_like('abc', '^a') AS r,
              date_format(TIMESTAMP '2024-03-05 07:08:09', '%Y-%m-%d %H:%i:%s') AS f,
              json_extract_scalar('{"a":{"b":"x"}}', '$.a.b') AS j, cardinality(ARRAY[1, 2, 3]) AS c
       FROM customers`,
    );
    expect(rows[0]).toEqual({ a: true, r: true, f: "2024-03-05 07:08:09", j: "x", c: 3n });
  });

  it("caps rows and reports truncation", async () => {
    const result = await engine.execute("SELECT * FROM order_items", { maxRows: 5 });
    expect(result.rows).toHaveLength(5);
    expect(result.stats.truncated).toBe(true);
  });

  it("converts nested types", async () => {
    const { rows, columns } = await engine.execute(
      "SELECT [1, 2] AS a, {'x': 1, 'y': 'z'} AS r, MAP(['k'], [2.5]) AS m, TIMESTAMP '2024-01-02 03:04:05' AS t, NULL AS n",
    );
    expect(columns.map((c) => c.type)).toEqual([
      "array(integer)",
      "row(x integer, y varchar)",
      "map(varchar, decimal(2,1))",
      "timestamp",
      "integer",
    ]);
    expect(rows[0]).toEqual({
      a: [1, 2],
      r: { x: 1, y: "z" },
      m: { k: "2.5" },
      t: new Date("2024-01-02T03:04:05Z"),
      n: null,
    });
  });

  it("ends a long query at its deadline", async () => {
    const err = await engine
      .execute("SELECT count(*) FROM range(1000000000) a, range(1000) b", { timeoutMs: 50 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TIMEOUT" });
    expect((await engine.execute("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });
});

describe("DuckDbEngine runs exactly one read-only statement", () => {
  it("validate() never executes anything, even with the guard switched off", async () => {
    const trusting = new DuckDbEngine({ tables: sampleTables, database: "shop", readOnly: false });
    try {
      const before = await engineChecksum(trusting);
      for (const sql of [
        "SELECT 1; DROP TABLE orders",
        "DROP TABLE orders",
        "CREATE OR REPLACE TEMP MACRO arbitrary(x) AS 42",
        "DELETE FROM orders",
        "SELECT 1; CREATE TABLE extra AS SELECT 1 AS a",
      ]) {
        await trusting.validate(sql);
        expect(await engineChecksum(trusting), sql).toBe(before);
      }
      // It still reports errors in the statement.
      expect(await trusting.validate("SELECT totl FROM orders")).toMatchObject({
        ok: false,
        error: { code: "COLUMN_NOT_FOUND" },
      });
    } finally {
      await trusting.close();
    }
  });

  it("refuses what DuckDB's parser reads as several statements or a non-query", async () => {
    const before = await engineChecksum(engine);
    const nested = "SELECT 1 /* /* */ '*/; DROP TABLE orders; --'";
    expect(await engine.validate(nested)).toMatchObject({
      ok: false,
      error: { code: "SQL_NOT_READ_ONLY" },
    });
    await expect(engine.execute(nested)).rejects.toBeInstanceOf(SqlNotReadOnlyError);
    expect(await engineChecksum(engine)).toBe(before);
  });

  it("refuses NUL and other control characters, which would hide an appended LIMIT", async () => {
    await expect(engine.execute("SELECT * FROM order_items\u0000")).rejects.toMatchObject({
      code: "SQL_FORBIDDEN_CHARACTER",
    });
    expect(await engine.validate("SELECT 1 -- \u0000")).toMatchObject({
      ok: false,
      error: { code: "SQL_FORBIDDEN_CHARACTER" },
    });
  });

  it("refuses text over maxSqlLength", async () => {
    const short = new DuckDbEngine({ maxSqlLength: 20 });
    try {
      await expect(short.execute("SELECT 1 AS a, 2 AS b, 3 AS c")).rejects.toMatchObject({
        code: "SQL_TOO_LONG",
      });
      expect((await short.execute("SELECT 1 AS a")).rows).toEqual([{ a: 1 }]);
    } finally {
      await short.close();
    }
  });

  it("stops computing at the row cap instead of reading the whole result", async () => {
    // The query fails if DuckDB ever computes row ten million; with maxRows only the first
    // chunks are produced.
    const result = await engine.execute(
      `SELECT CASE WHEN range < 10000000 THEN range ELSE error('computed past the row cap') END AS n
       FROM range(1000000000)`,
      { maxRows: 5 },
    );
    expect(result.rows).toHaveLength(5);
    expect(result.stats.truncated).toBe(true);
  });

  it("reports positions in the text it was given", async () => {
    expect(await engine.validate("SELECT 1;\nSELECT totl FROM orders")).toMatchObject({
      ok: false,
      error: { code: "SQL_NOT_READ_ONLY" },
    });
    expect(await engine.validate("SELECT * FROM orders WHERE")).toMatchObject({
      ok: false,
      error: { message: "SYNTAX_ERROR: line 1:27: syntax error at end of input" },
    });
  });
});

describe("DuckDbCatalog", () => {
  it("lists tables, columns in Trino spelling and comments", async () => {
    const tables = await new DuckDbCatalog({ engine }).listTables();
    expect(tables.map((t) => t.name)).toEqual(["customers", "order_items", "orders", "products"]);
    const orders = tables.find((t) => t.name === "orders");
    expect(orders).toMatchObject({
      database: "shop",
      catalog: "awsdatacatalog",
      description: "One row per order placed in the web shop",
    });
    expect(orders?.columns).toContainEqual({
      name: "status",
      type: "varchar",
      comment: "delivered, shipped, cancelled, returned or pending",
    });
    expect(orders?.columns).toContainEqual({ name: "order_date", type: "date" });
  });
});

describe("DuckDbEngine over an existing DuckDB file", () => {
  it("attaches it read-only under the catalog name", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "fmops-duckfile-")), "shop.duckdb");
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run("CREATE TABLE sales (region VARCHAR, amount DECIMAL(10,2))");
    await connection.run("INSERT INTO sales VALUES ('eu', 10.50), ('us', 4.25)");
    connection.closeSync();
    instance.closeSync();
    const fileEngine = new DuckDbEngine({ file: path });
    try {
      const { rows } = await fileEngine.execute(
        "SELECT region, amount FROM awsdatacatalog.main.sales ORDER BY region",
      );
      expect(rows).toEqual([
        { region: "eu", amount: "10.50" },
        { region: "us", amount: "4.25" },
      ]);
      const tables = await new DuckDbCatalog({ engine: fileEngine }).listTables();
      expect(tables).toEqual([
        {
          name: "sales",
          database: "main",
          catalog: "awsdatacatalog",
          columns: [
            { name: "region", type: "varchar" },
            { name: "amount", type: "decimal(10,2)" },
          ],
        },
      ]);
    } finally {
      await fileEngine.close();
    }
  });
});

describe("DuckDbEngine options", () => {
  it("validates options and reports bad files clearly", async () => {
    expect(() => new DuckDbEngine({ tables: { "bad name": "x.csv" } })).toThrow(/tables/);
    const dir = mkdtempSync(join(tmpdir(), "fmops-duck-"));
    const missing = new DuckDbEngine({ tables: { t: join(dir, "missing.csv") } });
    await expect(missing.execute("SELECT 1")).rejects.toMatchObject({
      code: "SQL_EXECUTION_ERROR",
    });
    writeFileSync(join(dir, "x.xlsx"), "");
    const unknown = new DuckDbEngine({ tables: { t: join(dir, "x.xlsx") } });
    await expect(unknown.execute("SELECT 1")).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
    await missing.close();
    await unknown.close();
  });
});
