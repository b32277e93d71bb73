/**
 * The workgroup's per-query scan cutoff at run time, on the Athena stand-in through the real SDK
 * client: a query that scans more than `BytesScannedCutoffPerQuery` ends CANCELLED with
 * "Bytes scanned limit was exceeded" (what Athena engine 3 reports), having scanned, and billed,
 * the cutoff; the engine turns that into a typed, non-retryable error that says what to do, and
 * Text2Sql records it as a cost refusal, not an engine error.
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GetQueryExecutionCommand } from "@aws-sdk/client-athena";
import { afterEach, describe, expect, it } from "vitest";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { AthenaEngine } from "../../src/text2sql/athena-engine.js";
import { MB } from "../../src/text2sql/cost-guard.js";
import { SqlExecutionError } from "../../src/text2sql/errors.js";
import { Text2Sql } from "../../src/text2sql/text2sql.js";
import { type AthenaStandIn, startAthena } from "../emulators/athena.js";

const events = join(dirname(fileURLToPath(import.meta.url)), "fixtures/events.csv");

let athena: AthenaStandIn | undefined;
afterEach(async () => {
  await athena?.close();
  athena = undefined;
});

async function standIn() {
  athena = await startAthena({
    duckdb: { tables: { events, users: events }, database: "shop" },
    workgroups: {
      capped: { outputLocation: "s3://athena-results/", bytesScannedCutoffPerQuery: 10 * MB },
    },
    // What a run reads: events is 64 MB of data, users 2 MB.
    tableBytes: { events: 64 * MB, users: 2 * MB },
    runningPolls: 0,
  });
  return new AthenaEngine({
    athena: athena.client,
    workgroup: "capped",
    database: "shop",
    pollMinDelayMs: 1,
    pollMaxDelayMs: 2,
  });
}

describe("Athena stand-in: BytesScannedCutoffPerQuery at run time", () => {
  it("cancels a query that scans past the cutoff the way Athena does, and bills the cutoff", async () => {
    const engine = await standIn();
    const error = await engine.execute("SELECT count(*) AS n FROM events").then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(SqlExecutionError);
    const sqlError = (error as SqlExecutionError).sqlError;
    expect(sqlError.code).toBe("BYTES_SCANNED_LIMIT_EXCEEDED");
    expect(sqlError.retryable).toBe(false);
    expect(sqlError.message).toContain("Bytes scanned limit was exceeded");
    expect(sqlError.message).toMatch(/partition|fewer columns|filter/i);

    const id = athena?.requests.find((r) => r.operation === "GetQueryExecution")?.input
      .QueryExecutionId as string;
    const described = await athena?.client.send(
      new GetQueryExecutionCommand({ QueryExecutionId: id }),
    );
    expect(described?.QueryExecution?.Status?.State).toBe("CANCELLED");
    expect(described?.QueryExecution?.Status?.StateChangeReason).toBe(
      "Bytes scanned limit was exceeded",
    );
    expect(described?.QueryExecution?.Statistics?.DataScannedInBytes).toBe(10 * MB);
  });

  it("runs a query under the cutoff and reports what it scanned", async () => {
    const engine = await standIn();
    const result = await engine.execute("SELECT count(*) AS n FROM users");
    expect(result.stats.dataScannedBytes).toBe(2 * MB);
  });

  it("Text2Sql records the cancellation as a cost refusal and gives the reason to the model", async () => {
    const engine = await standIn();
    const model = new FakeChatModel({
      responses: [
        "```sql\nSELECT count(*) AS n FROM events\n```",
        "```sql\nSELECT count(*) AS n FROM users\n```",
      ],
    });
    const t2s = new Text2Sql({
      model,
      engine,
      tables: [
        { name: "events", database: "shop", columns: [{ name: "action", type: "string" }] },
        { name: "users", database: "shop", columns: [{ name: "user_id", type: "int" }] },
      ],
    });
    const answer = await t2s.ask("How many events and users are there?");
    expect(answer.status).toBe("ok");
    expect(answer.attempts.map((a) => a.outcome)).toEqual(["cost_refused", "ok"]);
    expect(answer.attempts[0]?.error?.code).toBe("BYTES_SCANNED_LIMIT_EXCEEDED");
    const correction = model.requests[1]?.messages.map((m) => m.content).join("\n") ?? "";
    expect(correction).toContain("Bytes scanned limit was exceeded");
  });
});
