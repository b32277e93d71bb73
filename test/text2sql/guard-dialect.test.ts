/**
 * The read-only guard reads SQL by the engine's dialect: Text2Sql hands it the engine, the guard
 * resolves the engine's dialect, and whatever it cannot place for certain it reads by both
 * engines' rules (`strict`) or refuses. Differential checks: for each dialect, every statement
 * the guard hands on (LIMIT added) is exactly one read-only query to an independent reader of
 * that dialect: node-sql-parser's Trino grammar for Athena, DuckDB's own parser for DuckDB.
 */
import fc from "fast-check";
import * as trinoBuild from "node-sql-parser/build/trino.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { DuckDbCatalog } from "../../src/text2sql/duckdb-catalog.js";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { checkReadOnly, type GuardDialect, guardDialectFor } from "../../src/text2sql/guard.js";
import { Text2Sql } from "../../src/text2sql/text2sql.js";
import type { SqlEngine } from "../../src/text2sql/types.js";
import { duckDbOracle, isOneRead } from "./duckdb-oracle.js";
import { sampleTables } from "./sample.js";

const engine = new DuckDbEngine({ tables: sampleTables, database: "shop" });
const catalog = new DuckDbCatalog({ engine });
afterAll(() => engine.close());

/** The DuckDB engine under another dialect name, with or without its own guard dialect. */
function renamed(dialect: string, guardDialect?: unknown): SqlEngine {
  return {
    dialect,
    ...(guardDialect === undefined ? {} : { guardDialect: guardDialect as GuardDialect }),
    validate: (sql, o) => engine.validate(sql, o),
    execute: (sql, o) => engine.execute(sql, o),
  };
}

describe("guardDialectFor: the engine's dialect decides", () => {
  it.each([
    ["the DuckDB engine", engine, "duckdb"],
    ["an Athena-named engine", renamed("Athena (Trino)"), "trino"],
    ["a Presto-named engine", renamed("Presto 0.287"), "trino"],
    ["a DuckDB-named engine", renamed("DuckDB 1.3"), "duckdb"],
    ["an engine of another dialect", renamed("SQLite 3"), "strict"],
    ["a name that claims both families", renamed("DuckDB (Trino-compatible)"), "strict"],
    ["a declared guard dialect", renamed("Whatever", "trino"), "trino"],
    ["a declared guard dialect the guard does not know", renamed("Athena", "mysql"), "strict"],
  ] as const)("%s", (_, e, expected) => {
    expect(guardDialectFor(e)).toBe(expected);
  });
});

describe("checkReadOnly fails closed on dialects it does not know", () => {
  it.each(["mysql", "", "TRINO", "sqlite"])(
    "refuses everything under dialect %j, naming the known ones",
    (dialect) => {
      const verdict = checkReadOnly("SELECT 1", { dialect: dialect as GuardDialect });
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) expect(verdict.reason).toMatch(/trino, duckdb or strict/);
    },
  );

  it("reads by the engine's rules when given the engine", () => {
    // DuckDB nests block comments; Trino does not, so its rules refuse the text.
    const nested = "SELECT 1 /* a /* b */ c */";
    expect(checkReadOnly(nested, { engine }).ok).toBe(true);
    expect(checkReadOnly(nested, { engine: renamed("Athena (Trino)") }).ok).toBe(false);
    expect(checkReadOnly(nested, { engine: renamed("SQLite") }).ok).toBe(false);
    // An explicit dialect wins over the engine.
    expect(checkReadOnly(nested, { engine, dialect: "trino" }).ok).toBe(false);
  });
});

describe("Text2Sql guards with the engine's dialect", () => {
  const fence = (sql: string) => `\`\`\`sql\n${sql}\n\`\`\``;
  const nested = "SELECT count(*) AS n FROM shop.orders /* a /* b */ c */";

  it.each([
    ["DuckDB", engine, "ok"],
    ["Athena (Trino)", renamed("Athena (Trino)"), "failed"],
    ["an unknown dialect (strict)", renamed("SQLite"), "failed"],
  ] as const)("%s", async (_, e, status) => {
    const model = new FakeChatModel({ responses: [fence(nested)] });
    const t2s = new Text2Sql({ model, engine: e, catalog, maxAttempts: 1 });
    const answer = await t2s.ask("How many orders?");
    expect(answer.status).toBe(status);
    if (status === "failed") expect(answer.attempts[0]?.outcome).toBe("blocked");
  });
});

// Pieces models and attackers put around a query; most candidates are hostile.
const heads = [
  "SELECT 1",
  "SELECT count(*) FROM orders",
  "SELECT status FROM orders WHERE amount > 1",
  "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
  "SELECT * FROM orders LIMIT 5000",
  "SELECT * FROM orders ORDER BY 1 LIMIT ALL",
  "(SELECT 2)",
];
const pieces = [
  ";",
  " ",
  "\n",
  "--",
  "/*",
  "*/",
  "/* /* */",
  "'",
  "''",
  '"',
  "E'\\''",
  "$$",
  "`",
  " DROP TABLE orders",
  " INSERT INTO orders SELECT 1",
  " UNLOAD (SELECT 1) TO 's3://x/'",
  " CALL system.sync_partition_metadata('a','b','FULL')",
  " SET SESSION x = 1",
  " UNION SELECT 2",
  " LIMIT 3",
  " AS x",
  ")",
  "(",
];
const candidate = fc
  .tuple(fc.constantFrom(...heads), fc.array(fc.constantFrom(...pieces), { maxLength: 8 }))
  .map(([head, rest]) => head + rest.join(""));

const MODIFYING =
  /"type":"(insert|update|delete|create|drop|alter|truncate|rename|grant|revoke|call|set|use|replace|merge|unload)"/;

interface TrinoReader {
  astify(sql: string, options: { database: string }): unknown;
}
// A UMD bundle: ESM sees its exports as a default export, CommonJS as named ones.
const trinoModule = trinoBuild as unknown as {
  Parser?: new () => TrinoReader;
  default?: { Parser?: new () => TrinoReader };
};
const Parser = (trinoModule.Parser ?? trinoModule.default?.Parser) as new () => TrinoReader;

describe("differential: what the guard hands on is one read-only query to that dialect's reader", () => {
  it("Athena (Trino): node-sql-parser's Trino grammar reads every accepted statement, LIMIT included, as one SELECT", () => {
    const trino = new Parser();
    const athena = renamed("Athena (Trino)");
    let accepted = 0;
    fc.assert(
      fc.property(candidate, (sql) => {
        for (const options of [{ engine: athena }, { dialect: "strict" as const }]) {
          const verdict = checkReadOnly(sql, { ...options, maxRows: 100 });
          if (!verdict.ok) continue;
          accepted++;
          const ast = trino.astify(verdict.sql, { database: "trino" });
          const list = Array.isArray(ast) ? ast : [ast];
          expect(list, verdict.sql).toHaveLength(1);
          expect((list[0] as { type?: string }).type, verdict.sql).toBe("select");
          expect(JSON.stringify(list[0]), verdict.sql).not.toMatch(MODIFYING);
        }
      }),
      { numRuns: 1500 },
    );
    // Plain queries are among the candidates, so the property is not vacuous.
    expect(accepted).toBeGreaterThan(0);
  });

  describe("DuckDB", () => {
    let oracle: Awaited<ReturnType<typeof duckDbOracle>>;
    beforeAll(async () => {
      oracle = await duckDbOracle();
    });
    afterAll(() => oracle.close());

    it("DuckDB's parser reads every statement the guard accepts for the DuckDB engine as one query", async () => {
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(candidate, async (sql) => {
          const verdict = checkReadOnly(sql, { engine, maxRows: 100 });
          if (!verdict.ok) return;
          accepted++;
          const reading = await oracle.read(verdict.sql);
          // Text DuckDB cannot parse never runs; text it can parse must be one read.
          if (reading.parsed) expect(isOneRead(reading), verdict.sql).toBe(true);
        }),
        { numRuns: 800 },
      );
      expect(accepted).toBeGreaterThan(0);
    }, 60_000);
  });
});
