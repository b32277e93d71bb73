/**
 * Text2Sql's default schema ranking samples column values when the engine is cheap to ask
 * (DuckDB), within a bound, so a question that names a value ("Lyon") and no table or column
 * still reaches the table holding it. Engines billed per query (Athena) are never sampled unless
 * asked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { Text2Sql } from "../../src/text2sql/text2sql.js";
import type { QueryResult, SqlEngine, TableSchema } from "../../src/text2sql/types.js";

const t = (name: string, columns: string[]): TableSchema => ({
  name,
  database: "travel",
  columns: columns.map((c) => ({ name: c, type: c.endsWith("_id") ? "integer" : "varchar" })),
});

/** Ten tables; only `venues` holds the value the question names, in a column it does not name. */
const tables: TableSchema[] = [
  t("artists", ["artist_id", "label", "genre"]),
  t("albums", ["album_id", "artist_id", "label"]),
  t("tours", ["tour_id", "artist_id", "label"]),
  t("tickets", ["ticket_id", "tour_id", "seat"]),
  t("sponsors", ["sponsor_id", "label"]),
  t("crews", ["crew_id", "label"]),
  t("trucks", ["truck_id", "plate"]),
  t("hotels", ["hotel_id", "label"]),
  t("caterers", ["caterer_id", "label"]),
  // Last, so that "nothing matched, show the first tables" cannot show it by chance.
  t("venues", ["venue_id", "label", "town"]),
];
const question = "How many shows were played in Lyon?";

const engine = new DuckDbEngine({ database: "main" });
beforeAll(async () => {
  await engine.executeTrusted("CREATE SCHEMA travel");
  for (const table of tables) {
    const columns = table.columns.map((c) => `${c.name} ${c.type}`).join(", ");
    await engine.executeTrusted(`CREATE TABLE travel.${table.name} (${columns})`);
  }
  await engine.executeTrusted(
    "INSERT INTO travel.venues VALUES (1, 'Hall A', 'Lyon'), (2, 'Hall B', 'Nantes')",
  );
  await engine.executeTrusted("INSERT INTO travel.artists VALUES (1, 'The Lions', 'rock')");
});
afterAll(() => engine.close());

describe("Text2Sql's default ranking samples values on DuckDB", () => {
  it("shows the table holding the value the question names", async () => {
    const model = new FakeChatModel({ responses: ["UNANSWERABLE: no data."] });
    const t2s = new Text2Sql({ model, engine, tables, maxTables: 2 });
    const answer = await t2s.ask(question);
    expect(answer.tables).toContain("travel.venues");
  });

  it("samples nothing when told not to, and nothing on an engine that bills per query", async () => {
    const model = new FakeChatModel({ responses: () => "UNANSWERABLE: no data." });
    const off = new Text2Sql({ model, engine, tables, maxTables: 2, sampleValues: false });
    expect((await off.ask(question)).tables).not.toContain("travel.venues");

    // An Athena-like engine: every statement it is asked to run is recorded.
    const statements: string[] = [];
    const billed: SqlEngine = {
      dialect: "Athena (Trino)",
      validate: async () => ({ ok: true }),
      execute: async (sql: string): Promise<QueryResult> => {
        statements.push(sql);
        return { columns: [], rows: [], stats: { elapsedMs: 0, rowCount: 0, truncated: false } };
      },
    };
    await new Text2Sql({ model, engine: billed, tables, maxTables: 2 }).ask(question);
    expect(statements).toEqual([]);
  });

  it("stays within maxColumns", async () => {
    const model = new FakeChatModel({ responses: () => "UNANSWERABLE: no data." });
    const statements: string[] = [];
    const counting: SqlEngine = {
      dialect: engine.dialect,
      validate: (sql) => engine.validate(sql),
      execute: (sql, options) => {
        statements.push(sql);
        return engine.execute(sql, options);
      },
    };
    const t2s = new Text2Sql({
      model,
      engine: counting,
      tables,
      maxTables: 2,
      sampleValues: { maxColumns: 3 },
    });
    await t2s.ask(question);
    await t2s.ask(question);
    // Sampled once per catalog, at most three columns.
    expect(statements.filter((s) => s.startsWith("SELECT DISTINCT"))).toHaveLength(3);
  });
});
