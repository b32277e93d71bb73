import { afterEach, describe, expect, it } from "vitest";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { AthenaEngine } from "../../src/text2sql/athena-engine.js";
import { parseComplex } from "../../src/text2sql/athena-values.js";
import { GlueCatalog } from "../../src/text2sql/glue-catalog.js";
import { Text2Sql } from "../../src/text2sql/text2sql.js";
import { type AthenaStandIn, type AthenaStandInOptions, startAthena } from "../emulators/athena.js";
import { startGlue } from "../emulators/glue.js";
import { sampleTables } from "./sample.js";

let standIn: AthenaStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function setUp(
  extra: Partial<AthenaStandInOptions> = {},
  engineOptions: Record<string, unknown> = {},
) {
  standIn = await startAthena({ duckdb: { tables: sampleTables, database: "shop" }, ...extra });
  const engine = new AthenaEngine({
    athena: standIn.client,
    workgroup: "primary",
    database: "shop",
    pollMinDelayMs: 1,
    pollMaxDelayMs: 5,
    ...engineOptions,
  });
  return { engine, standIn };
}

describe("AthenaEngine against the Athena stand-in", () => {
  it("starts, polls through QUEUED and RUNNING, and reads typed, paginated results", async () => {
    // The stand-in runs DuckDB, and this statement uses DuckDB's struct literal to get a row
    // column; the Trino guard rightly cannot parse that, so it is switched off for this test.
    const { engine, standIn } = await setUp({}, { pageSize: 7, readOnly: false });
    const result = await engine.execute(
      `SELECT order_id, customer_id, order_date, status, CAST(order_id * 1.5 AS DOUBLE) AS score,
              CAST(order_id AS DECIMAL(10,2)) AS exact, order_id % 2 = 0 AS even, CAST(order_id AS BIGINT) AS big,
              [order_id, customer_id] AS pair, {'a': order_id, 'b': status} AS r, NULL AS nothing,
              TIMESTAMP '2024-05-06 07:08:09.123' AS ts
       FROM orders ORDER BY order_id LIMIT 20`,
    );
    expect(result.rows).toHaveLength(20);
    expect(result.columns.map((c) => c.type)).toEqual([
      "integer",
      "integer",
      "date",
      "varchar",
      "double",
      "decimal(10,2)",
      "boolean",
      "bigint",
      "array",
      "row",
      "integer",
      "timestamp",
    ]);
    const first = result.rows[0] as Record<string, unknown>;
    expect(first).toMatchObject({
      order_id: 1,
      score: 1.5,
      exact: "1.00",
      even: false,
      big: 1n,
      nothing: null,
    });
    expect(first.order_date).toMatch(/^2024-\d{2}-\d{2}$/);
    expect(first.pair).toEqual([1, first.customer_id]);
    expect(first.r).toEqual({ a: 1, b: first.status });
    expect(first.ts).toEqual(new Date("2024-05-06T07:08:09.123Z"));
    expect((result.rows[19] as Record<string, unknown>).order_id).toBe(20);
    const ops = standIn.requests.map((r) => r.operation);
    expect(ops.filter((o) => o === "GetQueryExecution")).toHaveLength(4); // QUEUED, RUNNING, RUNNING, SUCCEEDED
    expect(ops.filter((o) => o === "GetQueryResults")).toHaveLength(3); // 21 rows with the header, 7 a page
    expect(standIn.requests[0]?.input).toMatchObject({
      WorkGroup: "primary",
      QueryExecutionContext: { Catalog: "AwsDataCatalog", Database: "shop" },
    });
    expect(result.stats.queryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.stats.dataScannedBytes).toBeGreaterThan(0);
    expect(result.stats.engineMs).toBeGreaterThanOrEqual(0);
  });

  it("stops reading at maxRows", async () => {
    const { engine, standIn } = await setUp({}, { pageSize: 10 });
    const result = await engine.execute("SELECT * FROM order_items", { maxRows: 15 });
    expect(result.rows).toHaveLength(15);
    expect(result.stats.truncated).toBe(true);
    expect(standIn.requests.filter((r) => r.operation === "GetQueryResults")).toHaveLength(2);
  });

  it("validates with EXPLAIN and returns Athena's errors with positions in the user's SQL", async () => {
    const { engine, standIn } = await setUp();
    expect(await engine.validate("SELECT count(*) FROM orders")).toEqual({ ok: true });
    const bad = await engine.validate("SELECT totl FROM orders");
    expect(bad).toEqual({
      ok: false,
      error: {
        code: "COLUMN_NOT_FOUND",
        message: "COLUMN_NOT_FOUND: line 1:8: Column 'totl' cannot be resolved",
        line: 1,
        column: 8,
        retryable: false,
      },
    });
    expect(
      standIn.requests
        .filter((r) => r.operation === "StartQueryExecution")
        .map((r) => r.input.QueryString),
    ).toEqual(["EXPLAIN SELECT count(*) FROM orders", "EXPLAIN SELECT totl FROM orders"]);
    // No results are fetched for a validation.
    expect(standIn.requests.some((r) => r.operation === "GetQueryResults")).toBe(false);
    await expect(engine.execute("SELECT * FROM nosuch")).rejects.toMatchObject({
      code: "SQL_EXECUTION_ERROR",
      sqlError: { code: "TABLE_NOT_FOUND", line: 1, column: 15 },
    });
  });

  it("refuses statements that are not read-only queries before they reach Athena", async () => {
    const { engine, standIn } = await setUp();
    expect(await engine.validate("ANALYZE INSERT INTO orders SELECT * FROM orders")).toMatchObject({
      ok: false,
      error: { code: "SQL_NOT_READ_ONLY" },
    });
    await expect(engine.execute("DROP TABLE orders")).rejects.toMatchObject({
      code: "SQL_NOT_READ_ONLY",
    });
    expect(standIn.requests).toEqual([]);
  });

  it("retries throttled starts", async () => {
    const { engine, standIn } = await setUp({ throttleStarts: 2 });
    const result = await engine.execute("SELECT 1 AS one");
    expect(result.rows).toEqual([{ one: 1 }]);
    expect(standIn.requests.filter((r) => r.operation === "StartQueryExecution")).toHaveLength(3);
  });

  it("maps system errors to retryable SqlErrors and throws them from validate", async () => {
    const { engine } = await setUp({
      failWith: () => ({
        ErrorCategory: 1,
        ErrorType: 200, // the catalog's "query engine had an internal error"
        Retryable: true,
        ErrorMessage: "GENERIC_INTERNAL_ERROR: Worker node crashed",
      }),
    });
    await expect(engine.validate("SELECT 1")).rejects.toMatchObject({
      sqlError: { code: "GENERIC_INTERNAL_ERROR", retryable: true },
      retryable: true,
    });
  });

  it("stops the query when the deadline passes", async () => {
    const { engine, standIn } = await setUp({ neverFinish: /slow_marker/ });
    const err = await engine
      .execute("SELECT 'slow_marker' AS x", { timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TIMEOUT" });
    expect(standIn.stopped).toHaveLength(1);
    expect(standIn.requests.at(-1)?.operation).toBe("StopQueryExecution");
  });

  it("stops the query when the caller aborts", async () => {
    const { engine, standIn } = await setUp({ neverFinish: /slow_marker/ });
    const controller = new AbortController();
    const pending = engine.execute("SELECT 'slow_marker' AS x", { signal: controller.signal });
    while (!standIn.requests.some((r) => r.operation === "GetQueryExecution"))
      await new Promise((r) => setTimeout(r, 1));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
    expect(standIn.stopped).toHaveLength(1);
  });

  it("sends execution parameters and reports setup errors as AWS errors", async () => {
    const { engine, standIn } = await setUp(
      { workgroups: { primary: {} } },
      { outputLocation: "s3://results/x/" },
    );
    const result = await engine.execute("SELECT count(*) AS n FROM orders WHERE status = ?", {
      parameters: ["'cancelled'"],
    });
    expect(typeof result.rows[0]?.n).toBe("bigint");
    expect(standIn.requests[0]?.input).toMatchObject({
      ExecutionParameters: ["'cancelled'"],
      ResultConfiguration: { OutputLocation: "s3://results/x/" },
    });
    const noOutput = new AthenaEngine({ athena: standIn.client, pollMinDelayMs: 1 });
    await expect(noOutput.execute("SELECT 1")).rejects.toMatchObject({
      code: "AWS_INVALID_REQUEST_EXCEPTION",
      message: expect.stringMatching(/No output location/),
    });
  });

  it("drives the Text2Sql loop with Athena's error text", async () => {
    const { engine } = await setUp();
    const model = new FakeChatModel({
      responses: [
        "```sql\nSELECT sum(quantity) AS units FROM order_item\n```",
        "```sql\nSELECT sum(quantity) AS units FROM order_items\n```",
      ],
    });
    const answer = await new Text2Sql({
      model,
      engine,
      tables: [
        { name: "order_items", database: "shop", columns: [{ name: "quantity", type: "integer" }] },
      ],
    }).ask("How many units were sold?");
    expect(answer.status).toBe("ok");
    expect(answer.attempts[0]?.error?.message).toBe(
      "TABLE_NOT_FOUND: line 1:36: Table 'order_item' does not exist",
    );
    expect(typeof answer.result?.rows[0]?.units).toBe("bigint");
  });
});

describe("Glue + Athena end to end", () => {
  it("answers from a Glue schema on Athena, correcting a wrong column", async () => {
    const { engine } = await setUp();
    const glue = await startGlue({
      shop: [
        {
          Name: "orders",
          Description: "One row per order",
          StorageDescriptor: {
            Columns: [
              { Name: "order_id", Type: "int" },
              { Name: "customer_id", Type: "int" },
              { Name: "order_date", Type: "date" },
              {
                Name: "status",
                Type: "string",
                Comment: "delivered, shipped, cancelled, returned or pending",
              },
              { Name: "channel", Type: "string" },
            ],
          },
        },
        {
          Name: "customers",
          StorageDescriptor: {
            Columns: [
              { Name: "customer_id", Type: "int" },
              { Name: "country", Type: "string" },
            ],
          },
        },
      ],
    });
    try {
      const model = new FakeChatModel({
        responses: [
          "```sql\nSELECT channel, count(*) AS n FROM shop.orders WHERE state = 'cancelled' GROUP BY channel ORDER BY channel\n```",
          "```sql\nSELECT channel, count(*) AS n FROM shop.orders WHERE status = 'cancelled' GROUP BY channel ORDER BY channel\n```",
        ],
      });
      const answer = await new Text2Sql({
        model,
        engine,
        catalog: new GlueCatalog({ client: glue.client }),
      }).ask("Cancelled orders per channel?");
      expect(answer.status).toBe("ok");
      expect(answer.attempts[0]?.error?.message).toBe(
        "COLUMN_NOT_FOUND: line 1:54: Column 'state' cannot be resolved",
      );
      expect(model.requests[0]?.messages[0]?.content).toContain(
        "status string -- delivered, shipped, cancelled, returned or pending",
      );
      expect(answer.result?.rows.map((r) => r.channel)).toEqual(["mobile", "store", "web"]);
    } finally {
      await glue.close();
    }
  });
});

describe("parseComplex", () => {
  it("parses Athena's printed arrays, maps and rows", () => {
    expect(parseComplex("[1, 2, 3]")).toEqual([1, 2, 3]);
    expect(parseComplex("[]")).toEqual([]);
    expect(parseComplex("{a=1, b=[x, y], c={d=null}}")).toEqual({
      a: 1,
      b: ["x", "y"],
      c: { d: null },
    });
    expect(parseComplex("[{k=v}, {k=w}]")).toEqual([{ k: "v" }, { k: "w" }]);
  });
});
