/**
 * GlueCatalog and AthenaEngine read through the AWS SDK's paginators, which accept only an
 * instance of the SDK's own client class. A ready client that is anything else (here a wrapper
 * that only forwards `send`) is refused with VALIDATION_ERROR naming the class, before any
 * request: for Athena that means before a query is started and billed.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { AthenaEngine } from "../../src/text2sql/athena-engine.js";
import { GB } from "../../src/text2sql/cost-guard.js";
import { GlueCatalog } from "../../src/text2sql/glue-catalog.js";
import { type AthenaStandIn, startAthena } from "../emulators/athena.js";
import { type GlueStandIn, startGlue } from "../emulators/glue.js";
import { sampleTables } from "./sample.js";

const events = join(dirname(fileURLToPath(import.meta.url)), "fixtures/events.csv");

let athena: AthenaStandIn | undefined;
let glue: GlueStandIn | undefined;
afterEach(async () => {
  await athena?.close();
  await glue?.close();
  athena = undefined;
  glue = undefined;
});

/** An object that forwards `send` to the real client but is not an instance of its class. */
function sendOnly(client: { send: (...args: never[]) => unknown }): never {
  return { send: client.send.bind(client) } as never;
}

describe("a ready client that is not the SDK's own class", () => {
  it("GlueCatalog refuses it with VALIDATION_ERROR naming GlueClient, before any request", async () => {
    glue = await startGlue({ web: [{ Name: "t", StorageDescriptor: { Columns: [] } }] });
    for (const databases of [undefined, ["web"]]) {
      const catalog = new GlueCatalog({ client: sendOnly(glue.client), databases });
      await expect(catalog.listTables()).rejects.toMatchObject({
        code: "VALIDATION_ERROR",
        message: expect.stringMatching(/GlueCatalog.*GlueClient/),
      });
    }
    expect(glue.requests).toEqual([]);
  });

  it("AthenaEngine refuses it with VALIDATION_ERROR naming AthenaClient, before starting a query", async () => {
    athena = await startAthena({ duckdb: { tables: sampleTables, database: "shop" } });
    const engine = new AthenaEngine({
      athena: sendOnly(athena.client),
      database: "shop",
      pollMinDelayMs: 1,
      pollMaxDelayMs: 5,
    });
    await expect(engine.execute("SELECT count(*) AS n FROM orders")).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringMatching(/AthenaEngine.*AthenaClient/),
    });
    expect(athena.requests).toEqual([]);
  });

  it("AthenaEngine's cost guard refuses a Glue client that is not a GlueClient, before calling Glue", async () => {
    athena = await startAthena({
      duckdb: { tables: { events }, database: "shop" },
      partitionKeys: { events: ["dt"] },
    });
    glue = await startGlue({
      shop: [
        {
          Name: "events",
          StorageDescriptor: { Columns: [{ Name: "user_id", Type: "int" }] },
          PartitionKeys: [{ Name: "dt", Type: "string" }],
          Parameters: { classification: "csv", totalSize: String(100 * GB) },
          Partitions: [{ Values: ["2024-05-01"], Parameters: { totalSize: String(GB) } }],
        },
      ],
    });
    const engine = new AthenaEngine({
      athena: athena.client,
      glue: sendOnly(glue.client),
      database: "shop",
      pollMinDelayMs: 1,
      pollMaxDelayMs: 5,
    });
    await expect(engine.estimateScan("SELECT count(*) AS n FROM events")).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringMatching(/AthenaEngine.*GlueClient/),
    });
    expect(glue.requests).toEqual([]);
  });
});
