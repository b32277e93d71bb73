/**
 * Text2Sql's generation step asks models that can give objects (tools or constrained decoding)
 * for `{ sql, reasoning? }` through generateObject, and extracts SQL from prose otherwise.
 */
import { afterAll, describe, expect, it } from "vitest";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { DuckDbCatalog } from "../../src/text2sql/duckdb-catalog.js";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { Text2Sql } from "../../src/text2sql/text2sql.js";
import { sampleTables } from "./sample.js";

const engine = new DuckDbEngine({ tables: sampleTables, database: "shop" });
const catalog = new DuckDbCatalog({ engine });
afterAll(() => engine.close());

const answerSql = (sql: string, reasoning?: string) => ({
  toolCalls: [
    { name: "answer_sql", input: reasoning === undefined ? { sql } : { sql, reasoning } },
  ],
});

describe("Text2Sql generation through generateObject", () => {
  it("forces the answer_sql tool on a tool-using model and runs the object's SQL", async () => {
    const model = new FakeChatModel({
      responses: [
        answerSql("SELECT count(*) AS n FROM shop.orders WHERE status = 'cancelled'", "status"),
      ],
    });
    const answer = await new Text2Sql({ model, engine, catalog, rowLimit: 10 }).ask(
      "How many orders were cancelled?",
    );
    expect(answer.status).toBe("ok");
    expect(answer.sql).toBe(
      "SELECT count(*) AS n FROM shop.orders WHERE status = 'cancelled'\nLIMIT 10",
    );
    expect(model.calls).toBe(1);
    expect(model.requests[0]?.toolChoice).toEqual({ name: "answer_sql" });
    expect(model.requests[0]?.tools?.map((t) => t.name)).toEqual(["answer_sql"]);
    expect(JSON.parse(answer.attempts[0]?.answer ?? "")).toEqual({
      sql: "SELECT count(*) AS n FROM shop.orders WHERE status = 'cancelled'",
      reasoning: "status",
    });
    expect(answer.usage.inputTokens).toBeGreaterThan(0);
  });

  it("sends the engine's error back and takes the corrected object", async () => {
    const model = new FakeChatModel({
      responses: [
        answerSql("SELECT count(*) AS n FROM shop.orders WHERE order_status = 'cancelled'"),
        answerSql("SELECT count(*) AS n FROM shop.orders WHERE status = 'cancelled'"),
      ],
    });
    const answer = await new Text2Sql({ model, engine, catalog }).generate("Cancelled orders?");
    expect(answer.attempts.map((a) => [a.kind, a.outcome])).toEqual([
      ["generate", "invalid"],
      ["correct", "ok"],
    ]);
    expect(model.requests[1]?.messages.at(-1)?.content).toMatch(
      /COLUMN_NOT_FOUND: line 1:\d+: Column 'order_status' cannot be resolved/,
    );
  });

  it("reads UNANSWERABLE in the object's sql as unanswerable", async () => {
    const model = new FakeChatModel({
      responses: [answerSql("UNANSWERABLE The schema has no salary column.")],
    });
    const answer = await new Text2Sql({ model, engine, catalog }).ask("Average salary?");
    expect(answer.status).toBe("unanswerable");
    expect(answer.reason).toBe("The schema has no salary column.");
  });

  it("asks a constrained-decoding model with a responseFormat and reads the JSON text", async () => {
    const model = new FakeChatModel({
      structuredOutput: "constrained",
      responses: ['{"sql": "SELECT count(*) AS n FROM shop.products"}'],
    });
    const answer = await new Text2Sql({ model, engine, catalog }).generate("How many products?");
    expect(answer.status).toBe("ok");
    expect(answer.sql).toMatch(/^SELECT count\(\*\) AS n FROM shop\.products/);
    expect(model.requests[0]?.responseFormat?.name).toBe("answer_sql");
    expect(model.requests[0]?.tools).toBeUndefined();
  });

  it("extracts SQL from prose when a tool-using model answers in text anyway (one call)", async () => {
    const model = new FakeChatModel({
      responses: ["Here:\n```sql\nSELECT count(*) AS n FROM shop.products\n```"],
    });
    const answer = await new Text2Sql({ model, engine, catalog }).generate("How many products?");
    expect(answer.status).toBe("ok");
    expect(model.calls).toBe(1);
    expect(answer.usage.inputTokens).toBeGreaterThan(0);
  });

  it("keeps extraction from prose for models without tools or constrained decoding", async () => {
    const model = new FakeChatModel({
      supportsTools: false,
      responses: ["```sql\nSELECT count(*) AS n FROM shop.products\n```"],
    });
    const answer = await new Text2Sql({ model, engine, catalog }).generate("How many products?");
    expect(answer.status).toBe("ok");
    expect(model.requests[0]?.tools).toBeUndefined();
    expect(model.requests[0]?.responseFormat).toBeUndefined();
    expect(model.requests[0]?.system).not.toMatch(/JSON Schema/);
  });
});
