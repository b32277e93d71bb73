import { afterEach, describe, expect, it } from "vitest";
import { GlueCatalog } from "../../src/text2sql/glue-catalog.js";
import { type GlueStandIn, type GlueTableSpec, startGlue } from "../emulators/glue.js";
import { testCredentials } from "../emulators/http.js";

let standIn: GlueStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

const logs: GlueTableSpec = {
  Name: "access_logs",
  Description: "CloudFront access logs",
  StorageDescriptor: {
    Columns: [
      { Name: "url", Type: "string", Comment: "request path" },
      { Name: "bytes", Type: "bigint" },
    ],
    Location: "s3://logs/",
  },
  PartitionKeys: [{ Name: "dt", Type: "string", Comment: "yyyy-mm-dd" }],
  TableType: "EXTERNAL_TABLE",
  Parameters: {
    classification: "parquet",
    UPDATED_BY_CRAWLER: "crawler-1",
    "projection.dt.type": "date",
  },
};
const many = (n: number): GlueTableSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    Name: `t${String(i).padStart(3, "0")}`,
    StorageDescriptor: { Columns: [{ Name: "id", Type: "int" }] },
  }));

describe("GlueCatalog against the Glue stand-in", () => {
  it("pages through every database and table and keeps columns, comments, partitions and parameters", async () => {
    standIn = await startGlue({ web: [logs, ...many(4)], sales: many(7) }, 3);
    const tables = await new GlueCatalog({ client: standIn.client }).listTables();
    expect(tables).toHaveLength(12);
    expect(tables[0]).toEqual({
      name: "access_logs",
      database: "web",
      catalog: "awsdatacatalog",
      description: "CloudFront access logs",
      columns: [
        { name: "url", type: "string", comment: "request path" },
        { name: "bytes", type: "bigint" },
      ],
      partitionKeys: [{ name: "dt", type: "string", comment: "yyyy-mm-dd" }],
      parameters: { classification: "parquet", "projection.dt.type": "date" },
    });
    const ops = standIn.requests.map((r) => r.operation);
    expect(ops.filter((o) => o === "GetTables")).toHaveLength(5); // 2 pages for web, 3 for sales
    expect(ops[0]).toBe("GetDatabases");
  });

  it("reads only the named databases, with an expression, through a client it builds", async () => {
    standIn = await startGlue({ web: [logs, ...many(4)], sales: many(2) });
    const catalog = new GlueCatalog({
      databases: ["web"],
      expression: "t00[0-1]",
      region: "us-east-1",
      endpoint: standIn.endpoint,
      credentials: testCredentials,
    });
    expect((await catalog.listTables()).map((t) => t.name)).toEqual(["t000", "t001"]);
    expect(standIn.requests.every((r) => r.operation === "GetTables")).toBe(true);
  });

  it("wraps Glue errors and enforces maxTables", async () => {
    standIn = await startGlue({ web: many(5) });
    await expect(
      new GlueCatalog({ client: standIn.client, databases: ["nope"] }).listTables(),
    ).rejects.toMatchObject({
      code: "AWS_ENTITY_NOT_FOUND_EXCEPTION",
      message: expect.stringContaining("Glue.GetTables"),
    });
    await expect(
      new GlueCatalog({ client: standIn.client, maxTables: 3 }).listTables(),
    ).rejects.toMatchObject({ code: "SCHEMA_TOO_LARGE" });
  });
});
