import { afterEach, describe, expect, it } from "vitest";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { AthenaEngine } from "../../src/text2sql/athena-engine.js";
import { SqlExecutionError } from "../../src/text2sql/errors.js";
import { Text2Sql } from "../../src/text2sql/text2sql.js";
import { type AthenaStandIn, type AthenaStandInOptions, startAthena } from "../emulators/athena.js";
import {
  ATHENA_ERROR_CATEGORY,
  ATHENA_ERROR_TYPES,
  athenaErrorCorpus,
} from "../emulators/athena-errors.js";
import { sampleTables } from "./sample.js";

// The Athena error mapping checked against Athena's own formats (test/emulators/athena-errors.ts),
// not against the text fmops's DuckDB engine writes.

let standIn: AthenaStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function engineFailingWith(failWith: AthenaStandInOptions["failWith"]) {
  standIn = await startAthena({
    duckdb: { tables: sampleTables, database: "shop" },
    runningPolls: 0,
    failWith,
  });
  return new AthenaEngine({
    athena: standIn.client,
    database: "shop",
    pollMinDelayMs: 1,
    pollMaxDelayMs: 2,
  });
}

describe("the Athena error corpus", () => {
  it("uses only the catalog's categories and the types it names", () => {
    const categories = Object.values(ATHENA_ERROR_CATEGORY) as number[];
    for (const entry of athenaErrorCorpus) {
      expect(categories).toContain(entry.athenaError.ErrorCategory);
      expect(ATHENA_ERROR_TYPES[entry.athenaError.ErrorType]).toBeDefined();
    }
  });

  it.each(athenaErrorCorpus.map((entry) => [entry.name, entry] as const))(
    "maps %s",
    async (_name, entry) => {
      const engine = await engineFailingWith(() => ({
        ...entry.athenaError,
        ErrorMessage: entry.message,
      }));
      const err = await engine.execute("SELECT 1 AS one").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlExecutionError);
      const { sqlError, code, retryable } = err as SqlExecutionError;
      expect(code).toBe("SQL_EXECUTION_ERROR");
      expect(retryable).toBe(entry.expected.retryable);
      const wanted: Record<string, unknown> = {
        code: entry.expected.code,
        message: entry.expected.message,
        retryable: entry.expected.retryable,
      };
      if (entry.expected.line !== undefined) wanted.line = entry.expected.line;
      if (entry.expected.column !== undefined) wanted.column = entry.expected.column;
      expect(sqlError).toEqual(wanted);
    },
  );

  it("gives the model the engine's message on the next attempt", async () => {
    const entry = athenaErrorCorpus.find((e) => e.expected.code === "TABLE_NOT_FOUND");
    if (!entry) throw new Error("corpus lacks TABLE_NOT_FOUND");
    // Text2Sql validates with EXPLAIN first: Athena then counts positions from `EXPLAIN `.
    const engine = await engineFailingWith((sql) => {
      if (!sql.includes("nosuch")) return undefined;
      const shifted = sql.startsWith("EXPLAIN ")
        ? entry.message.replace("line 1:15:", "line 1:23:")
        : entry.message;
      return { ...entry.athenaError, ErrorMessage: shifted };
    });
    const model = new FakeChatModel({
      responses: ["```sql\nSELECT * FROM nosuch\n```", "```sql\nSELECT 1 AS one\n```"],
    });
    const answer = await new Text2Sql({
      model,
      engine,
      tables: [{ name: "orders", database: "shop", columns: [{ name: "order_id", type: "int" }] }],
    }).ask("Anything?");
    expect(answer.status).toBe("ok");
    expect(answer.attempts[0]?.error?.message).toBe(entry.expected.message);
    expect(model.requests[1]?.messages.map((m) => m.content).join("\n")).toContain(
      entry.expected.message,
    );
  });

  it("the stand-in reports DuckDB's failures with the catalog's category and type for the name", async () => {
    standIn = await startAthena({
      duckdb: { tables: sampleTables, database: "shop" },
      runningPolls: 0,
    });
    const engine = new AthenaEngine({ athena: standIn.client, pollMinDelayMs: 1 });
    await engine.execute("SELECT * FROM nosuch").catch(() => undefined);
    const { GetQueryExecutionCommand } = await import("@aws-sdk/client-athena");
    const id = standIn.requests.find((r) => r.operation === "GetQueryExecution")?.input
      .QueryExecutionId as string;
    const out = await standIn.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    expect(out.QueryExecution?.Status?.AthenaError).toEqual({
      ErrorCategory: 2,
      ErrorType: 1110,
      Retryable: false,
      ErrorMessage: expect.stringMatching(/^TABLE_NOT_FOUND: line 1:15: /),
    });
    expect(out.QueryExecution?.Status?.StateChangeReason).toBe(
      out.QueryExecution?.Status?.AthenaError?.ErrorMessage,
    );
  });
});
