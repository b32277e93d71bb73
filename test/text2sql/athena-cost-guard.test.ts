/**
 * The Athena cost guard against the Athena and Glue stand-ins, through the real SDK clients:
 * estimates from EXPLAIN (TYPE IO) with and without table statistics, the Glue fallback
 * (partition sizes, table parameters), the workgroup's per-query cutoff, approval callbacks,
 * result reuse, cost on every result, and the refusal fed back to the model by Text2Sql.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { AthenaEngine, type AthenaEngineOptions } from "../../src/text2sql/athena-engine.js";
import {
  athenaScanCostUsd,
  constraintAllows,
  GB,
  parseIoPlan,
  TB,
} from "../../src/text2sql/cost-guard.js";
import { SqlCostError, SqlExecutionError } from "../../src/text2sql/errors.js";
import { Text2Sql } from "../../src/text2sql/text2sql.js";
import { type AthenaStandIn, type AthenaStandInOptions, startAthena } from "../emulators/athena.js";
import { type GlueStandIn, type GlueTableSpec, startGlue } from "../emulators/glue.js";

const events = join(dirname(fileURLToPath(import.meta.url)), "fixtures/events.csv");
const DAYS = ["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04", "2024-05-05"];

/** `events` partitioned by dt, 4 GB per partition; `users` unpartitioned with a crawler size. */
function glueTables(partitionSizes = true): GlueTableSpec[] {
  return [
    {
      Name: "events",
      StorageDescriptor: {
        Columns: [
          { Name: "user_id", Type: "int" },
          { Name: "action", Type: "string" },
        ],
      },
      PartitionKeys: [{ Name: "dt", Type: "string" }],
      Parameters: { classification: "csv", totalSize: String(50 * GB) },
      Partitions: DAYS.map((dt) => ({
        Values: [dt],
        ...(partitionSizes ? { Parameters: { totalSize: String(4 * GB) } } : {}),
      })),
    },
    {
      Name: "users",
      StorageDescriptor: { Columns: [{ Name: "user_id", Type: "int" }] },
      Parameters: { classification: "csv", sizeKey: String(3 * GB), recordCount: "1000" },
    },
  ];
}

let athena: AthenaStandIn | undefined;
let glue: GlueStandIn | undefined;
afterEach(async () => {
  await athena?.close();
  await glue?.close();
  athena = undefined;
  glue = undefined;
});

async function setUp(
  standIn: Partial<AthenaStandInOptions> = {},
  engine: Partial<AthenaEngineOptions> = {},
  tables: GlueTableSpec[] = glueTables(),
) {
  athena = await startAthena({
    duckdb: { tables: { events, users: events, other: events }, database: "shop" },
    partitionKeys: { events: ["dt"] },
    ...standIn,
  });
  glue = await startGlue({ shop: tables });
  return {
    athena,
    glue,
    engine: new AthenaEngine({
      athena: athena.client,
      glue: glue.client,
      workgroup: "primary",
      database: "shop",
      pollMinDelayMs: 1,
      pollMaxDelayMs: 5,
      ...engine,
    }),
  };
}

const started = (s: AthenaStandIn) =>
  s.requests
    .filter((r) => r.operation === "StartQueryExecution")
    .map((r) => String(r.input.QueryString));

async function refusal(promise: Promise<unknown>): Promise<SqlCostError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SqlCostError);
  return err as SqlCostError;
}

describe("parseIoPlan and partition matching", () => {
  it("reads estimates, leaves NaN estimates out, and finds constraints in both places", () => {
    const plan = parseIoPlan(
      JSON.stringify({
        inputTableColumnInfos: [
          {
            table: { catalog: "awsdatacatalog", schemaTable: { schema: "web", table: "a" } },
            columnConstraints: [
              {
                columnName: "dt",
                type: "varchar",
                domain: {
                  nullsAllowed: false,
                  ranges: [
                    {
                      low: { value: "2024-05-02", bound: "EXACTLY" },
                      high: { value: "2024-05-03", bound: "BELOW" },
                    },
                  ],
                },
              },
            ],
            estimate: { outputRowCount: 10, outputSizeInBytes: 2048 },
          },
          {
            table: { catalog: "awsdatacatalog", schemaTable: { schema: "web", table: "b" } },
            constraint: { none: false, columnConstraints: [{ columnName: "h", domain: {} }] },
            estimate: { outputRowCount: "NaN", outputSizeInBytes: "NaN" },
          },
        ],
      }),
    );
    expect(plan[0]).toMatchObject({ schema: "web", table: "a", rows: 10, bytes: 2048 });
    expect(plan[1]?.bytes).toBeUndefined();
    expect(plan[1]?.rows).toBeUndefined();
    expect(plan[1]?.constraints.map((c) => c.column)).toEqual(["h"]);
    const dt = plan[0]?.constraints[0];
    if (!dt) throw new Error("no constraint");
    expect(["2024-05-01", "2024-05-02", "2024-05-03"].map((v) => constraintAllows(dt, v))).toEqual([
      false,
      true,
      false,
    ]);
  });

  it("bills like Athena: whole MB, 10 MB minimum, nothing for nothing scanned", () => {
    expect(athenaScanCostUsd(TB)).toBe(5);
    expect(athenaScanCostUsd(TB, 6.75)).toBe(6.75);
    expect(athenaScanCostUsd(1)).toBe(athenaScanCostUsd(10 * 1024 * 1024));
    expect(athenaScanCostUsd(0)).toBe(0);
  });
});

describe("Athena cost guard against the stand-ins", () => {
  it("with table statistics, refuses a scan over maxBytesScanned before starting it, naming the partition column", async () => {
    const { engine, athena } = await setUp(
      { statistics: { events: { rowCount: 1e9, sizeInBytes: 50 * GB } } },
      { maxBytesScanned: 10 * GB },
    );
    const err = await refusal(
      engine.execute("SELECT action, count(*) AS n FROM events GROUP BY 1"),
    );
    expect(err.code).toBe("SQL_SCAN_LIMIT");
    expect(err.sqlError.code).toBe("QUERY_TOO_EXPENSIVE");
    expect(err.sqlError.message).toContain("about 50.0 GB");
    expect(err.sqlError.message).toContain(
      "Add a filter on the partition column dt of shop.events",
    );
    expect(err.estimate.tables[0]).toMatchObject({ source: "explain", bytes: 50 * GB });
    // Only the free EXPLAIN reached Athena.
    expect(started(athena)).toEqual([
      "EXPLAIN (TYPE IO, FORMAT JSON) SELECT action, count(*) AS n FROM events GROUP BY 1",
    ]);
  });

  it("without statistics, estimates from the Glue partitions the filter keeps", async () => {
    const { engine, athena } = await setUp({}, { maxBytesScanned: 10 * GB });
    const all = await engine.estimateScan("SELECT count(*) AS n FROM events");
    expect(all.bytes).toBe(20 * GB);
    expect(all.tables[0]).toMatchObject({
      source: "glue-partitions",
      partitions: { matched: 5, total: 5 },
      partitionKeys: ["dt"],
      filteredPartitionKeys: [],
    });
    const two = await engine.estimateScan(
      "SELECT count(*) AS n FROM events WHERE dt BETWEEN '2024-05-02' AND '2024-05-03'",
    );
    expect(two.bytes).toBe(8 * GB);
    expect(two.tables[0]?.partitions).toEqual({ matched: 2, total: 5 });

    const refused = await refusal(engine.execute("SELECT count(*) AS n FROM events"));
    expect(refused.sqlError.message).toContain("about 20.0 GB");
    const result = await engine.execute("SELECT count(*) AS n FROM events WHERE dt = '2024-05-02'");
    expect(result.rows).toEqual([{ n: 4n }]);
    expect(result.stats.estimatedBytesScanned).toBe(4 * GB);
    expect(started(athena).filter((q) => !q.startsWith("EXPLAIN"))).toEqual([
      "SELECT count(*) AS n FROM events WHERE dt = '2024-05-02'",
    ]);
  });

  it("shares the table size among partitions without sizes, and reads crawler sizes of unpartitioned tables", async () => {
    const { engine } = await setUp({}, { maxBytesScanned: 100 * GB }, glueTables(false));
    const one = await engine.estimateScan("SELECT * FROM events WHERE dt = '2024-05-05'");
    expect(one.bytes).toBe(10 * GB);
    const users = await engine.estimateScan("SELECT * FROM users");
    expect(users.tables[0]).toMatchObject({ source: "glue-table", bytes: 3 * GB, rows: 1000 });
  });

  it("refuses what it cannot estimate while a budget is set, unless unknownScan is run", async () => {
    const { engine } = await setUp({}, { maxBytesScanned: 10 * GB });
    const err = await refusal(engine.execute("SELECT count(*) AS n FROM other"));
    expect(err.sqlError.code).toBe("QUERY_COST_UNKNOWN");
    expect(err.sqlError.message).toContain("shop.other");
    const lenient = new AthenaEngine({
      athena: athena?.client,
      glue: glue?.client,
      database: "shop",
      pollMinDelayMs: 1,
      pollMaxDelayMs: 5,
      maxBytesScanned: 10 * GB,
      unknownScan: "run",
    });
    const result = await lenient.execute("SELECT count(*) AS n FROM other");
    expect(result.rows).toEqual([{ n: 20n }]);
    expect(result.stats.estimatedBytesScanned).toBeUndefined();
  });

  it("reads the workgroup's per-query cutoff and refuses a scan Athena would cancel", async () => {
    const { engine } = await setUp(
      {
        workgroups: {
          primary: { outputLocation: "s3://athena-results/", bytesScannedCutoffPerQuery: GB },
        },
      },
      { maxBytesScanned: 100 * GB },
    );
    expect(await engine.workgroupCutoffBytes()).toBe(GB);
    const err = await refusal(engine.execute("SELECT * FROM events WHERE dt = '2024-05-01'"));
    expect(err.estimate.workgroupCutoffBytes).toBe(GB);
    expect(err.sqlError.message).toContain("the workgroup's cutoff of 1.00 GB per query");
    expect(err.sqlError.message).toContain("Narrow the filter on dt of shop.events");
  });

  it("onCostEstimate can approve a query over the budget, or decline one under it", async () => {
    const seen: (number | undefined)[] = [];
    const { engine } = await setUp(
      {},
      {
        maxBytesScanned: GB,
        onCostEstimate: (estimate, { sql }) => {
          seen.push(estimate.bytes);
          return sql.includes("2024-05-01");
        },
      },
    );
    const approved = await engine.execute(
      "SELECT count(*) AS n FROM events WHERE dt = '2024-05-01'",
    );
    expect(approved.rows).toEqual([{ n: 4n }]);
    const err = await refusal(engine.execute("SELECT count(*) AS n FROM users"));
    expect(err.sqlError.code).toBe("QUERY_NOT_APPROVED");
    expect(seen).toEqual([4 * GB, 3 * GB]);
  });

  it("validate() reports statement errors from EXPLAIN (TYPE IO) at their place in the statement", async () => {
    const { engine } = await setUp({}, { maxBytesScanned: 10 * GB });
    const check = await engine.validate("SELECT totl FROM events WHERE dt = '2024-05-01'");
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.error).toMatchObject({ code: "COLUMN_NOT_FOUND", line: 1, column: 8 });
    expect(check.error.message).toContain("line 1:8:");
    await expect(engine.estimateScan("SELECT totl FROM events")).rejects.toBeInstanceOf(
      SqlExecutionError,
    );
  });

  it("reports bytes scanned and cost on every result, and uses result reuse when asked", async () => {
    const { engine, athena } = await setUp({}, { resultReuseMaxAgeMinutes: 60, pricePerTbUsd: 6 });
    const sql = "SELECT user_id, action FROM events WHERE dt = '2024-05-03' ORDER BY user_id";
    const first = await engine.execute(sql);
    expect(first.stats.reusedPreviousResult).toBe(false);
    expect(first.stats.dataScannedBytes).toBeGreaterThan(0);
    expect(first.stats.costUsd).toBe(athenaScanCostUsd(first.stats.dataScannedBytes ?? 0, 6));
    const second = await engine.execute(sql);
    expect(second.rows).toEqual(first.rows);
    expect(second.stats).toMatchObject({
      reusedPreviousResult: true,
      dataScannedBytes: 0,
      costUsd: 0,
    });
    const starts = athena.requests.filter((r) => r.operation === "StartQueryExecution");
    expect(starts.map((r) => r.input.ResultReuseConfiguration)).toEqual([
      { ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 60 } },
      { ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 60 } },
    ]);

    const plain = new AthenaEngine({ athena: athena.client, database: "shop", pollMinDelayMs: 1 });
    const again = await plain.execute(sql);
    expect(again.stats.reusedPreviousResult).toBeUndefined();
    expect(again.stats.dataScannedBytes).toBeGreaterThan(0);
    expect(athena.requests.at(-1)?.operation).not.toBe("GetWorkGroup");
    expect(
      athena.requests.filter((r) => r.operation === "StartQueryExecution").at(-1)?.input
        .ResultReuseConfiguration,
    ).toBeUndefined();
  });

  it("Text2Sql gives the refusal to the model, which adds the partition filter; the estimate runs once per approved query", async () => {
    const estimates: (number | undefined)[] = [];
    const { engine, athena } = await setUp(
      {},
      {
        maxBytesScanned: 10 * GB,
        onCostEstimate: (estimate) => {
          estimates.push(estimate.bytes);
          return undefined;
        },
      },
    );
    const model = new FakeChatModel({
      responses: [
        "```sql\nSELECT count(*) AS n FROM events WHERE action = 'buy'\n```",
        "```sql\nSELECT count(*) AS n FROM events WHERE action = 'buy' AND dt = '2024-05-02'\n```",
      ],
    });
    const t2s = new Text2Sql({
      model,
      engine,
      tables: [
        {
          name: "events",
          database: "shop",
          columns: [{ name: "action", type: "string" }],
          partitionKeys: [{ name: "dt", type: "string" }],
        },
      ],
    });
    const answer = await t2s.ask("How many purchases on 2 May 2024?");
    expect(answer.status).toBe("ok");
    // A cost refusal is its own outcome, not an invalid statement or an engine error.
    expect(answer.attempts.map((a) => a.outcome)).toEqual(["cost_refused", "ok"]);
    expect(answer.attempts[0]?.error?.code).toBe("QUERY_TOO_EXPENSIVE");
    const correction = model.requests[1]?.messages.map((m) => m.content).join("\n") ?? "";
    expect(correction).toContain("Add a filter on the partition column dt of shop.events");
    expect(answer.result?.stats.estimatedBytesScanned).toBe(4 * GB);
    expect(answer.result?.stats.costUsd).toBeGreaterThan(0);
    // validate() estimated each query once; execute() reused the approved estimate.
    expect(estimates).toEqual([20 * GB, 4 * GB]);
    expect(started(athena).filter((q) => !q.startsWith("EXPLAIN"))).toHaveLength(1);
  });
});
