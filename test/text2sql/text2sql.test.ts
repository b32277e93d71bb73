import { afterAll, describe, expect, it } from "vitest";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { DuckDbCatalog } from "../../src/text2sql/duckdb-catalog.js";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { Text2Sql } from "../../src/text2sql/text2sql.js";
import type { SqlEngine } from "../../src/text2sql/types.js";
import { sampleTables } from "./sample.js";

const engine = new DuckDbEngine({ tables: sampleTables, database: "shop" });
const catalog = new DuckDbCatalog({ engine });
afterAll(() => engine.close());

const fence = (sql: string) => `\`\`\`sql\n${sql}\n\`\`\``;

/** An engine wrapper that records what reached the real engine. */
function recording(inner: SqlEngine) {
  const validated: string[] = [];
  const executed: string[] = [];
  const wrapped: SqlEngine = {
    dialect: inner.dialect,
    validate: (sql, o) => {
      validated.push(sql);
      return inner.validate(sql, o);
    },
    execute: (sql, o) => {
      executed.push(sql);
      return inner.execute(sql, o);
    },
  };
  return { engine: wrapped, validated, executed };
}

describe("Text2Sql with a scripted model on DuckDB", () => {
  it("fixes a wrong column from the engine's error and returns rows", async () => {
    const model = new FakeChatModel({
      responses: [
        fence("SELECT count(*) AS cancelled FROM shop.orders WHERE order_status = 'cancelled'"),
        `The column is called status.\n${fence("SELECT count(*) AS cancelled FROM shop.orders WHERE status = 'cancelled';")}`,
      ],
    });
    const rec = recording(engine);
    const t2s = new Text2Sql({ model, engine: rec.engine, catalog, rowLimit: 100 });
    const answer = await t2s.ask("How many orders were cancelled?");
    expect(answer.status).toBe("ok");
    expect(answer.sql).toBe(
      "SELECT count(*) AS cancelled FROM shop.orders WHERE status = 'cancelled'\nLIMIT 100",
    );
    const expected = await engine.execute(
      "SELECT count(*) AS n FROM shop.orders WHERE status = 'cancelled'",
    );
    expect(answer.result?.rows).toEqual([{ cancelled: expected.rows[0]?.n }]);
    expect(answer.attempts.map((a) => [a.kind, a.outcome])).toEqual([
      ["generate", "invalid"],
      ["correct", "ok"],
    ]);
    expect(answer.attempts[0]?.error?.message).toBe(
      "COLUMN_NOT_FOUND: line 1:53: Column 'order_status' cannot be resolved",
    );
    // The correction prompt carries the failed SQL and the engine's exact error.
    const correction = model.requests[1]?.messages.at(-1)?.content ?? "";
    expect(correction).toContain("WHERE order_status = 'cancelled'");
    expect(correction).toContain(
      "COLUMN_NOT_FOUND: line 1:53: Column 'order_status' cannot be resolved",
    );
    expect(model.requests[0]?.messages[0]?.content).toContain("Table shop.orders");
    // Temperature steps up on the retry.
    expect(answer.attempts.map((a) => a.temperature)).toEqual([0, 0.2]);
    expect(model.requests.map((r) => r.temperature)).toEqual([0, 0.2]);
    expect(rec.executed).toHaveLength(1);
    expect(answer.usage.inputTokens).toBeGreaterThan(0);
    expect(answer.attempts[1]?.timings.validateMs).toBeGreaterThanOrEqual(0);
    expect(answer.tables).toContain("shop.orders");
  });

  it("fixes a syntax error", async () => {
    const model = new FakeChatModel({
      responses: [
        "SQLQuery: SELECT category, count(*) AS n FROM shop.products GROUP category\nSQLResult: (none)",
        fence(
          "SELECT category, count(*) AS n FROM shop.products GROUP BY category ORDER BY category",
        ),
      ],
    });
    const answer = await new Text2Sql({ model, engine, catalog }).ask(
      "How many products per category?",
    );
    expect(answer.status).toBe("ok");
    expect(answer.attempts[0]).toMatchObject({
      outcome: "invalid",
      error: { code: "SYNTAX_ERROR", line: 1, column: 57 },
    });
    expect(answer.result?.rows.map((r) => r.category)).toEqual([
      "accessories",
      "apparel",
      "bags",
      "camping",
      "footwear",
    ]);
  });

  it("reports an unanswerable question without running anything", async () => {
    const model = new FakeChatModel({
      responses: ["UNANSWERABLE The schema has no employee salaries."],
    });
    const rec = recording(engine);
    const answer = await new Text2Sql({ model, engine: rec.engine, catalog }).ask(
      "What is the average salary of our staff?",
    );
    expect(answer).toMatchObject({
      status: "unanswerable",
      reason: "The schema has no employee salaries.",
    });
    expect(answer.attempts).toHaveLength(1);
    expect(rec.validated).toEqual([]);
    expect(rec.executed).toEqual([]);
  });

  it("fails after maxAttempts, keeps every attempt and executes nothing", async () => {
    const model = new FakeChatModel({
      responses: (_req, call) => fence(`SELECT nope${call} FROM shop.orders`),
    });
    const rec = recording(engine);
    const answer = await new Text2Sql({ model, engine: rec.engine, catalog, maxAttempts: 3 }).ask(
      "Show the nope",
    );
    expect(answer.status).toBe("failed");
    expect(answer.attempts).toHaveLength(3);
    expect(answer.attempts.map((a) => a.error?.message)).toEqual([
      "COLUMN_NOT_FOUND: line 1:8: Column 'nope0' cannot be resolved",
      "COLUMN_NOT_FOUND: line 1:8: Column 'nope1' cannot be resolved",
      "COLUMN_NOT_FOUND: line 1:8: Column 'nope2' cannot be resolved",
    ]);
    expect(answer.reason).toContain("nope2");
    expect(answer.result).toBeUndefined();
    expect(rec.validated).toHaveLength(3);
    expect(rec.executed).toEqual([]);
    expect(model.requests).toHaveLength(3);
  });

  it("defaults to 4 attempts", async () => {
    const model = new FakeChatModel({ responses: () => fence("SELECT nope FROM shop.orders") });
    const answer = await new Text2Sql({ model, engine, catalog }).generate("x");
    expect(answer.attempts).toHaveLength(4);
    expect(answer.attempts.map((a) => a.temperature)).toEqual([
      0,
      0.2,
      0.4,
      expect.closeTo(0.6, 10),
    ]);
  });

  it("blocks a DROP with the guard, counts it as an attempt and recovers", async () => {
    const model = new FakeChatModel({
      responses: [fence("DROP TABLE shop.orders"), fence("SELECT count(*) AS n FROM shop.orders")],
    });
    const rec = recording(engine);
    const answer = await new Text2Sql({ model, engine: rec.engine, catalog }).ask(
      "Delete the orders table",
    );
    expect(answer.attempts[0]).toMatchObject({
      outcome: "blocked",
      sql: "DROP TABLE shop.orders",
      error: { code: "SQL_NOT_READ_ONLY" },
    });
    expect(answer.attempts[0]?.error?.message).toMatch(
      /^SQL_NOT_READ_ONLY: refused to run this statement: it starts with "DROP"/,
    );
    expect(model.requests[1]?.messages.at(-1)?.content).toContain("SQL_NOT_READ_ONLY");
    expect(rec.validated.some((s) => /DROP/i.test(s))).toBe(false);
    expect(answer.status).toBe("ok");
    expect(answer.result?.rows).toEqual([{ n: 400n }]);
  });

  it("reads the SQL with the engine's dialect: DuckDB's nested comments cannot hide a DROP", async () => {
    const own = new DuckDbEngine({ tables: sampleTables, database: "shop" });
    try {
      const hostile = [
        "SELECT 1 /* /* */ '*/; DROP TABLE shop.orders; --'",
        "SELECT E'\\''; CREATE OR REPLACE TEMP MACRO arbitrary(x) AS 42; SELECT '''",
        "SELECT $$'$$; DELETE FROM shop.orders; SELECT '$$'",
        "SELECT count(*) AS n FROM shop.order_items\u0000",
      ];
      const model = new FakeChatModel({
        responses: [
          ...hostile.map(fence),
          fence("SELECT count(*) AS n, arbitrary(7) AS a FROM shop.orders"),
        ],
      });
      const rec = recording(own);
      const answer = await new Text2Sql({
        model,
        engine: rec.engine,
        tables: await new DuckDbCatalog({ engine: own }).listTables(),
        maxAttempts: 5,
      }).ask("How many orders?");
      expect(answer.attempts.map((a) => a.outcome)).toEqual([
        "blocked",
        "blocked",
        "blocked",
        "blocked",
        "ok",
      ]);
      expect(answer.attempts[3]?.error?.code).toBe("SQL_FORBIDDEN_CHARACTER");
      expect(rec.validated).toHaveLength(1);
      expect(answer.result?.rows).toEqual([{ n: 400n, a: 7 }]);
    } finally {
      await own.close();
    }
  });

  it("uses the strictest guard for an engine of unknown dialect", async () => {
    const rec = recording(engine);
    const other: SqlEngine = { ...rec.engine, dialect: "PostgreSQL 16" };
    const model = new FakeChatModel({
      responses: [
        fence("SELECT 1 /* /* */ '*/; DROP TABLE shop.orders; --'"),
        fence("SELECT count(*) AS n FROM shop.orders"),
      ],
    });
    const answer = await new Text2Sql({ model, engine: other, catalog }).ask("How many orders?");
    expect(answer.attempts.map((a) => a.outcome)).toEqual(["blocked", "ok"]);
    expect(rec.validated).toEqual(["SELECT count(*) AS n FROM shop.orders\nLIMIT 1000"]);
  });

  it("re-prompts when the answer holds no SQL", async () => {
    const model = new FakeChatModel({
      responses: ["I think you should look at the orders table.", fence("SELECT 1 AS one")],
    });
    const answer = await new Text2Sql({ model, engine, catalog }).ask("How many orders?");
    expect(answer.attempts.map((a) => [a.kind, a.outcome])).toEqual([
      ["generate", "no_sql"],
      ["reprompt", "ok"],
    ]);
    const messages = model.requests[1]?.messages ?? [];
    expect(messages.at(-2)).toEqual({
      role: "assistant",
      content: "I think you should look at the orders table.",
    });
    expect(messages.at(-1)?.content).toContain("no SQL query");
  });

  it("feeds execution errors back to the model", async () => {
    const model = new FakeChatModel({
      responses: [
        fence("SELECT CAST(email AS INTEGER) AS e FROM shop.customers"),
        fence("SELECT count(*) AS n FROM shop.customers"),
      ],
    });
    const answer = await new Text2Sql({ model, engine, catalog }).ask("Customers?");
    expect(answer.attempts[0]).toMatchObject({
      outcome: "execution_error",
      error: { code: "INVALID_CAST_ARGUMENT" },
    });
    expect(answer.status).toBe("ok");
  });

  it("passes conversation history for follow-ups", async () => {
    const model = new FakeChatModel({
      responses: [fence("SELECT count(*) AS n FROM shop.orders WHERE channel = 'web'")],
    });
    const answer = await new Text2Sql({ model, engine, catalog }).ask("And only on the web?", {
      history: [
        { role: "user", content: "How many orders are there?" },
        { role: "assistant", content: "SELECT count(*) FROM shop.orders" },
      ],
    });
    expect(answer.status).toBe("ok");
    // Each turn is fenced under its speaker's name, with the nonce the system prompt names.
    const request = model.requests[0];
    const nonce = /UNTRUSTED DATA ([0-9a-f]{16}) TURN n/.exec(request?.system ?? "")?.[1];
    expect(nonce).toBeDefined();
    expect(request?.messages[0]?.content).toContain(
      [
        "Earlier in this conversation:",
        "User:",
        `<<<UNTRUSTED DATA ${nonce} TURN 1>>>`,
        "How many orders are there?",
        `<<<END UNTRUSTED DATA ${nonce} TURN 1>>>`,
        "Assistant:",
        `<<<UNTRUSTED DATA ${nonce} TURN 2>>>`,
        "SELECT count(*) FROM shop.orders",
        `<<<END UNTRUSTED DATA ${nonce} TURN 2>>>`,
        "",
        "Question: And only on the web?",
      ].join("\n"),
    );
  });

  it("honours the signal", async () => {
    const model = new FakeChatModel({ responses: [fence("SELECT 1")], firstTokenDelayMs: 10_000 });
    const controller = new AbortController();
    const pending = new Text2Sql({ model, engine, catalog }).ask("q", {
      signal: controller.signal,
    });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("validates its options", () => {
    const model = new FakeChatModel({ responses: [] });
    expect(() => new Text2Sql({ model, engine } as never)).toThrow(/catalog/);
    expect(() => new Text2Sql({ model, engine, catalog, maxAttempts: 0 })).toThrow(/maxAttempts/);
  });
});
