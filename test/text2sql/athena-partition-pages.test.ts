/**
 * The Athena cost guard's Glue fallback reads partitions through the SDK's GetPartitions
 * paginator: every page of a table with many partitions, and no more than its page cap.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { AthenaEngine } from "../../src/text2sql/athena-engine.js";
import { GB } from "../../src/text2sql/cost-guard.js";
import { type AthenaStandIn, startAthena } from "../emulators/athena.js";
import { type GlueStandIn, startGlue } from "../emulators/glue.js";

const events = join(dirname(fileURLToPath(import.meta.url)), "fixtures/events.csv");

let athena: AthenaStandIn | undefined;
let glue: GlueStandIn | undefined;
afterEach(async () => {
  await athena?.close();
  await glue?.close();
  athena = undefined;
  glue = undefined;
});

/** `events` partitioned by day, 1 GB per partition, 100 GB for the whole table; Glue pages of `pageSize`. */
async function setUp(partitionCount: number, pageSize: number) {
  athena = await startAthena({
    duckdb: { tables: { events }, database: "shop" },
    partitionKeys: { events: ["dt"] },
  });
  glue = await startGlue(
    {
      shop: [
        {
          Name: "events",
          StorageDescriptor: { Columns: [{ Name: "user_id", Type: "int" }] },
          PartitionKeys: [{ Name: "dt", Type: "string" }],
          Parameters: { classification: "csv", totalSize: String(100 * GB) },
          Partitions: Array.from({ length: partitionCount }, (_, i) => ({
            Values: [`2024-05-${String(i + 1).padStart(2, "0")}`],
            Parameters: { totalSize: String(GB) },
          })),
        },
      ],
    },
    pageSize,
  );
  const engine = new AthenaEngine({
    athena: athena.client,
    glue: glue.client,
    database: "shop",
    pollMinDelayMs: 1,
    pollMaxDelayMs: 5,
  });
  const partitionRequests = () =>
    (glue as GlueStandIn).requests.filter((r) => r.operation === "GetPartitions");
  return { engine, partitionRequests };
}

describe("AthenaEngine cost guard: Glue partitions through the paginator", () => {
  it("reads every page of partitions and sums their sizes", async () => {
    const { engine, partitionRequests } = await setUp(5, 2);
    const estimate = await engine.estimateScan("SELECT count(*) AS n FROM events");
    expect(estimate.tables[0]).toMatchObject({
      source: "glue-partitions",
      partitions: { matched: 5, total: 5 },
    });
    expect(estimate.bytes).toBe(5 * GB);
    const requests = partitionRequests();
    expect(requests).toHaveLength(3); // 2 + 2 + 1
    expect(requests[0]?.input).toMatchObject({ MaxResults: 1000, ExcludeColumnSchema: true });
    expect(requests[0]?.input.NextToken).toBeUndefined();
    expect(requests[1]?.input.NextToken).toEqual(expect.any(String));
  });

  it("stops after 20 pages and falls back to the table's size", async () => {
    const { engine, partitionRequests } = await setUp(25, 1);
    const estimate = await engine.estimateScan("SELECT count(*) AS n FROM events");
    expect(estimate.tables[0]).toMatchObject({ source: "glue-table", bytes: 100 * GB });
    expect(partitionRequests()).toHaveLength(20);
  });
});
