import { afterAll, describe, expect, it } from "vitest";
import { abortError } from "../../../src/core/wait.js";
import { SqlAccuracy, SqlReferenceError } from "../../../src/evaluation/index.js";
import { DuckDbEngine } from "../../../src/text2sql/duckdb-engine.js";
import type { ExecuteOptions, QueryResult, SqlEngine } from "../../../src/text2sql/types.js";
import { sampleTables } from "../../text2sql/sample.js";

const duckdb = new DuckDbEngine({ tables: sampleTables, database: "shop" });
afterAll(() => duckdb.close());

/** The real engine, with every statement it receives written down. */
function recorded(engine: SqlEngine = duckdb): SqlEngine & { executed: string[] } {
  const executed: string[] = [];
  return {
    dialect: engine.dialect,
    executed,
    validate: (sql, options) => engine.validate(sql, options),
    execute: (sql: string, options?: ExecuteOptions): Promise<QueryResult> => {
      executed.push(sql);
      return engine.execute(sql, options);
    },
  };
}

const DELIVERED = "SELECT count(*) AS n FROM orders WHERE status = 'delivered'";

describe("SqlAccuracy on DuckDB over the sample shop data", () => {
  it("matches an equivalent query pulled out of a model answer", async () => {
    const algo = new SqlAccuracy({ engine: duckdb });
    expect(algo.name).toBe("sql_accuracy");
    const scores = await algo.evaluateSample({
      output:
        "Here is the query:\n```sql\nSELECT count(order_id) AS delivered_orders\nFROM orders\nWHERE status = 'delivered';\n```\nIt counts delivered orders.",
      targets: [DELIVERED],
    });
    expect(scores).toEqual({ execution_match: 1, valid_sql: 1 });
  });

  it("scores different rows 0 while the SQL is valid", async () => {
    const scores = await new SqlAccuracy({ engine: duckdb }).evaluateSample({
      output: "SELECT count(*) FROM orders WHERE status = 'shipped'",
      targets: [DELIVERED],
    });
    expect(scores).toEqual({ execution_match: 0, valid_sql: 1 });
  });

  it("compares in order only when the reference orders its rows", async () => {
    const algo = new SqlAccuracy({ engine: duckdb });
    const ascending =
      "SELECT product_id FROM products WHERE category = 'footwear' ORDER BY product_id";
    const descending =
      "SELECT product_id FROM products WHERE category = 'footwear' ORDER BY product_id DESC";
    const unordered = "SELECT product_id FROM products WHERE category = 'footwear'";
    expect(await algo.evaluateSample({ output: descending, targets: [ascending] })).toEqual({
      execution_match: 0,
      valid_sql: 1,
    });
    expect(await algo.evaluateSample({ output: descending, targets: [unordered] })).toEqual({
      execution_match: 1,
      valid_sql: 1,
    });
  });

  it("compares numbers with the tolerance", async () => {
    const sample = { output: "SELECT 0.3333333 AS third", targets: ["SELECT 1.0 / 3 AS x"] };
    expect((await new SqlAccuracy({ engine: duckdb }).evaluateSample(sample)).execution_match).toBe(
      1,
    );
    expect(
      (await new SqlAccuracy({ engine: duckdb, tolerance: 0 }).evaluateSample(sample))
        .execution_match,
    ).toBe(0);
  });

  it("takes the best over several reference queries", async () => {
    const scores = await new SqlAccuracy({ engine: duckdb }).evaluateSample({
      output: "SELECT count(*) FROM customers",
      targets: [DELIVERED, "SELECT count(DISTINCT customer_id) FROM customers"],
    });
    expect(scores).toEqual({ execution_match: 1, valid_sql: 1 });
  });

  it("never sends a non-read-only candidate to the engine", async () => {
    const engine = recorded();
    const algo = new SqlAccuracy({ engine });
    for (const output of [
      "DROP TABLE orders",
      "```sql\nSELECT 1; DELETE FROM orders\n```",
      "WITH x AS (DELETE FROM orders RETURNING *) SELECT * FROM x",
    ]) {
      expect(await algo.evaluateSample({ output, targets: [DELIVERED] })).toEqual({
        execution_match: 0,
        valid_sql: 0,
      });
    }
    // Only the reference ran, once (then it came from the cache).
    expect(engine.executed).toHaveLength(1);
    expect(engine.executed[0]).toContain("status = 'delivered'");
    const check = await duckdb.execute("SELECT count(*) AS n FROM orders");
    expect(Number(check.rows[0]?.n)).toBeGreaterThan(0);
  });

  it("scores 0 for a failing candidate, an answer without SQL and UNANSWERABLE", async () => {
    const algo = new SqlAccuracy({ engine: duckdb });
    for (const output of [
      "SELECT totl FROM orders",
      "SELECT * FROM no_such_table",
      "I do not know how to write this query.",
      "UNANSWERABLE: the schema has no salaries.",
    ]) {
      expect(await algo.evaluateSample({ output, targets: [DELIVERED] })).toEqual({
        execution_match: 0,
        valid_sql: 0,
      });
    }
  });

  it("stops with SqlReferenceError when a reference query fails", async () => {
    const algo = new SqlAccuracy({ engine: duckdb });
    const error = await algo
      .evaluateSample({ output: DELIVERED, targets: ["SELECT totl FROM orders"] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlReferenceError);
    expect(error).toMatchObject({ code: "EVAL_REFERENCE_SQL_FAILED", retryable: false });
    expect((error as Error).message).toContain("COLUMN_NOT_FOUND");
    expect((error as Error).message).toContain("Fix the dataset");

    await expect(
      algo.evaluateSample({ output: DELIVERED, targets: ["DELETE FROM orders"] }),
    ).rejects.toMatchObject({ code: "EVAL_REFERENCE_SQL_FAILED" });
    await expect(algo.evaluate([{ output: DELIVERED, targets: ["SELECT nope"] }])).rejects.toThrow(
      SqlReferenceError,
    );
    await expect(algo.evaluateSample({ output: DELIVERED, targets: [] })).rejects.toMatchObject({
      code: "EVAL_TARGET_MISSING",
    });
  });

  it("runs a reference once per SQL text, within the LRU bound", async () => {
    const engine = recorded();
    const cached = new SqlAccuracy({ engine });
    const other = "SELECT count(*) FROM products";
    for (const target of [DELIVERED, DELIVERED, other, DELIVERED]) {
      await cached.evaluateSample({ output: "SELECT 1", targets: [target] });
    }
    // Each sample ran its candidate; the two references ran once each.
    expect(engine.executed.filter((s) => s !== "SELECT 1")).toEqual([DELIVERED, other]);

    const small = recorded();
    const one = new SqlAccuracy({ engine: small, cacheSize: 1 });
    for (const target of [DELIVERED, other, DELIVERED]) {
      await one.evaluateSample({ output: "SELECT 1", targets: [target] });
    }
    expect(small.executed.filter((s) => s !== "SELECT 1")).toEqual([DELIVERED, other, DELIVERED]);
  });

  it("reruns a shared reference when the sample that started it is cancelled", async () => {
    let references = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The real engine, with the first reference run held until that sample's signal aborts.
    const gated: SqlEngine = {
      dialect: duckdb.dialect,
      validate: (sql, o) => duckdb.validate(sql, o),
      execute: async (sql, options) => {
        if (sql === DELIVERED && ++references === 1) {
          const signal = options?.signal as AbortSignal;
          await new Promise((_, reject) => {
            if (signal.aborted) reject(abortError(signal));
            signal.addEventListener("abort", () => reject(abortError(signal)), { once: true });
          });
        }
        if (sql === DELIVERED) await gate;
        return duckdb.execute(sql, options);
      },
    };
    const algo = new SqlAccuracy({ engine: gated });
    const candidate = "SELECT count(order_id) FROM orders WHERE status = 'delivered'";
    const controller = new AbortController();
    const first = algo.evaluateSample(
      { output: candidate, targets: [DELIVERED] },
      { signal: controller.signal },
    );
    const second = algo.evaluateSample({ output: candidate, targets: [DELIVERED] });
    controller.abort(new Error("stop"));
    await expect(first).rejects.toMatchObject({ code: "ABORTED" });
    release();
    expect(await second).toEqual({ execution_match: 1, valid_sql: 1 });
    expect(references).toBe(2);
  });

  it("bounds the rows compared with maxRows", async () => {
    const algo = new SqlAccuracy({ engine: duckdb, maxRows: 5 });
    expect(
      await algo.evaluateSample({
        output: "SELECT customer_id FROM customers",
        targets: ["SELECT customer_id FROM customers ORDER BY customer_id LIMIT 5"],
      }),
    ).toEqual({ execution_match: 0, valid_sql: 1 });
    await expect(
      algo.evaluateSample({ output: "SELECT 1", targets: ["SELECT customer_id FROM customers"] }),
    ).rejects.toMatchObject({
      code: "EVAL_REFERENCE_SQL_FAILED",
      message: expect.stringContaining("maxRows"),
    });
  });

  it("scores a candidate that runs past timeoutMs 0, and honours the signal", async () => {
    // The real engine for the reference; the candidate "hangs" until its deadline aborts it.
    const hanging: SqlEngine = {
      dialect: duckdb.dialect,
      validate: (sql, o) => duckdb.validate(sql, o),
      execute: (sql, options) =>
        sql.includes("hang_here")
          ? new Promise((_, reject) => {
              const signal = options?.signal as AbortSignal;
              if (signal.aborted) reject(abortError(signal));
              signal.addEventListener("abort", () => reject(abortError(signal)), { once: true });
            })
          : duckdb.execute(sql, options),
    };
    const algo = new SqlAccuracy({ engine: hanging, timeoutMs: 50 });
    expect(
      await algo.evaluateSample({ output: "SELECT 1 AS hang_here", targets: [DELIVERED] }),
    ).toEqual({ execution_match: 0, valid_sql: 0 });

    const controller = new AbortController();
    const pending = new SqlAccuracy({ engine: hanging }).evaluateSample(
      { output: "SELECT 1 AS hang_here", targets: [DELIVERED] },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error("stop")), 0);
    await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
    await expect(
      new SqlAccuracy({ engine: duckdb }).evaluate([{ output: "SELECT 1", targets: [DELIVERED] }], {
        signal: AbortSignal.abort(new Error("stop")),
      }),
    ).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("validates its options", () => {
    expect(() => new SqlAccuracy({ engine: {} as unknown as SqlEngine })).toThrow(/engine/);
    expect(() => new SqlAccuracy({ engine: duckdb, tolerance: -1 })).toThrow(/tolerance/);
    expect(() => new SqlAccuracy({ engine: duckdb, cacheSize: 1.5 })).toThrow(/cacheSize/);
  });
});
