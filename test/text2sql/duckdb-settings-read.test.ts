/**
 * The DuckDB engine refuses table functions that show engine internals (`duckdb_settings()`),
 * and must refuse the scalar route to the same values: `current_setting()` reads any setting,
 * among them host paths such as `allowed_directories` (the process's working directory) and
 * `temp_directory`. The same word as a column name still works.
 */
import { afterAll, describe, expect, it } from "vitest";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { SqlNotReadOnlyError } from "../../src/text2sql/errors.js";
import { sampleTables } from "./sample.js";

const engine = new DuckDbEngine({ tables: sampleTables, database: "shop" });
afterAll(() => engine.close());

describe("DuckDbEngine keeps engine settings out of query results", () => {
  it.each([
    "SELECT current_setting('allowed_directories') AS d",
    "SELECT CURRENT_SETTING('temp_directory') AS d",
    "SELECT \"current_setting\"('home_directory') AS d",
    "SELECT count(*) AS n FROM shop.orders WHERE current_setting('threads') IS NOT NULL",
  ])("refuses %s", async (sql) => {
    const err = await engine.execute(sql).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlNotReadOnlyError);
    expect((err as Error).message).toContain("current_setting");
  });

  it("still runs a query with a column of that name", async () => {
    const result = await engine.execute("SELECT 1 AS current_setting FROM shop.orders LIMIT 1");
    expect(result.rows).toEqual([{ current_setting: 1 }]);
  });
});
