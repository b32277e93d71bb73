/**
 * Model-written SQL can ask DuckDB for more memory than the host has (a cross join sorted, a
 * string_agg over a large range, repeat('x', 2e9)). The engine caps DuckDB's memory, keeps
 * spilling to disk off for its in-memory database, locks those settings, and turns running out
 * into a typed SQL_RESOURCE_LIMIT error; the engine keeps working afterwards.
 */
import { afterAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { SqlExecutionError, SqlNotReadOnlyError } from "../../src/text2sql/errors.js";
import { sampleTables } from "./sample.js";

const engine = new DuckDbEngine({ tables: sampleTables, database: "shop", memoryLimit: "128MB" });
afterAll(() => engine.close());

describe("DuckDbEngine memory limit", () => {
  it.each([
    "SELECT length(string_agg(CAST(i AS VARCHAR), ',')) AS n FROM range(100000000) t(i)",
    "SELECT count(*) AS n FROM (SELECT a.i + b.i AS s FROM range(100000) a(i), range(1000) b(i) ORDER BY s DESC)",
    "SELECT count(DISTINCT i) AS n FROM range(50000000) t(i)",
  ])("fails %s with SQL_RESOURCE_LIMIT and stays usable", async (sql) => {
    const err = await engine.execute(sql).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlExecutionError);
    expect(err).toMatchObject({
      code: "SQL_RESOURCE_LIMIT",
      retryable: false,
      sqlError: { code: "EXCEEDED_LOCAL_MEMORY_LIMIT", retryable: false },
    });
    expect((err as Error).message).toContain("memoryLimit");
    const next = await engine.execute("SELECT count(*) AS n FROM shop.orders");
    expect(next.rows).toEqual([{ n: 400n }]);
  });

  it.each([
    "SELECT repeat('x', 2000000000) AS s",
    "SELECT length(repeat('x', 2000000000)) AS n",
    "SELECT lpad('x', 2000000000, 'y') AS s",
    "SELECT rpad('x', 2000000000, 'y') AS s",
  ])("refuses to build one huge value: %s", async (sql) => {
    await expect(engine.execute(sql)).rejects.toMatchObject({
      code: "SQL_RESOURCE_LIMIT",
      sqlError: { code: "EXCEEDED_LOCAL_MEMORY_LIMIT" },
    });
  });

  it.each([
    "SELECT len(range(0, 2000000000)) AS n",
    "SELECT len(generate_series(1, 2000000000)) AS n",
    "SELECT len(list_resize([1], 2000000000)) AS n",
    "SELECT len(array_resize([1], 2000000000)) AS n",
    "SELECT length(printf('%2000000000d', 1)) AS n",
    "SELECT length(format('{:>2000000000}', 1)) AS n",
    "SELECT length(printf('%*d', 2000000000, 1)) AS n",
    "SELECT length(format('{:>{}}', 1, 2000000000)) AS n",
    "SELECT length(printf(status, 1)) AS n FROM shop.orders",
  ])("refuses a value builder DuckDB cannot interrupt or cap: %s", async (sql) => {
    await expect(engine.execute(sql)).rejects.toBeInstanceOf(SqlNotReadOnlyError);
  });

  it("still runs the row generators in FROM and ordinary formatting", async () => {
    const { rows } = await engine.execute(
      "SELECT count(*) AS n, printf('%05d', 7) AS p, format('{:>3}', 'a') AS f FROM range(0, 1000) t(i)",
    );
    expect(rows).toEqual([{ n: 1000n, p: "00007", f: "  a" }]);
  });

  it("still builds ordinary padded and repeated values", async () => {
    const { rows } = await engine.execute(
      "SELECT repeat('ab', 3) AS r, lpad('7', 3, '0') AS l, rpad('7', 3, '0') AS p, repeat([1, 2], 2) AS list",
    );
    expect(rows).toEqual([{ r: "ababab", l: "007", p: "700", list: [1, 2, 1, 2] }]);
  });

  it.each([
    "SELECT system.main.repeat('x', 2000000000) AS s",
    "SELECT system.repeat('x', 2000000000) AS s",
    "SELECT pg_catalog.repeat('x', 2000000000) AS s",
  ])("refuses to reach past the caps by a qualified name: %s", async (sql) => {
    await expect(engine.execute(sql)).rejects.toMatchObject({ code: "SQL_NOT_READ_ONLY" });
  });

  it("applies the limit, keeps spilling off, and a query cannot change them", async () => {
    const { rows } = await engine.executeTrusted(
      "SELECT current_setting('memory_limit') AS m, current_setting('temp_directory') AS t",
    );
    expect(rows).toEqual([{ m: "122.0 MiB", t: "" }]);
    for (const sql of [
      "SET memory_limit = '10GB'",
      "RESET memory_limit",
      "SET temp_directory = '/tmp'",
    ]) {
      await expect(engine.executeTrusted(sql), sql).rejects.toBeInstanceOf(SqlExecutionError);
    }
    const after = await engine.executeTrusted("SELECT current_setting('memory_limit') AS m");
    expect(after.rows).toEqual([{ m: "122.0 MiB" }]);
  });

  it("has a bounded default and takes threads", async () => {
    const other = new DuckDbEngine({ threads: 1 });
    try {
      const { rows } = await other.executeTrusted(
        "SELECT current_setting('memory_limit') AS m, current_setting('threads') AS n, current_setting('temp_directory') AS t",
      );
      expect(rows).toEqual([{ m: "1.0 GiB", n: 1n, t: "" }]);
    } finally {
      await other.close();
    }
  });

  it("takes memoryLimit in bytes", async () => {
    const bytes = new DuckDbEngine({ memoryLimit: 200 * 1024 * 1024 });
    try {
      const { rows } = await bytes.executeTrusted("SELECT current_setting('memory_limit') AS m");
      expect(rows).toEqual([{ m: "200.0 MiB" }]);
    } finally {
      await bytes.close();
    }
  });

  it("says so when the tables themselves do not fit", async () => {
    const tiny = new DuckDbEngine({ tables: sampleTables, memoryLimit: "16MB" });
    try {
      const err = await tiny.execute("SELECT 1 AS x").catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "SQL_RESOURCE_LIMIT" });
      expect((err as Error).message).toMatch(/tables do not fit.*memoryLimit/);
    } finally {
      await tiny.close();
    }
  });

  it("names a bad memoryLimit", () => {
    expect(() => new DuckDbEngine({ memoryLimit: "lots" })).toThrow(ValidationError);
    expect(() => new DuckDbEngine({ memoryLimit: 0 })).toThrow(/memoryLimit/);
  });
});
