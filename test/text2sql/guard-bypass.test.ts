/**
 * Known families of read-only-guard bypasses (fmops issue #16): texts that DuckDB or Trino read as
 * more than one statement, or as a statement that changes something, while a naive tokenizer sees
 * one harmless query. Every one must be refused by the guard in every dialect, refused by the
 * DuckDB engine's validate() and execute(), and leave the engine's database exactly as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { checkReadOnly, type GuardDialect } from "../../src/text2sql/guard.js";
import { engineChecksum } from "./duckdb-oracle.js";
import { sampleTables } from "./sample.js";

const DROP = "DROP TABLE orders";
const POISON = "CREATE OR REPLACE TEMP MACRO arbitrary(x) AS 42";

/** [family, text]: each text is a bypass attempt that must never run. */
const bypasses: [string, string][] = [
  // Block comments nest in DuckDB: the first */ closes only the inner one.
  ["nested comment hides a quote", `SELECT 1 /* /* */ '*/; ${DROP}; --'`],
  ["nested comment hides a quote (macro)", `SELECT 1 /* /* */ '*/; ${POISON}; --'`],
  ["nested comment, then semicolon", `SELECT 1 /* /* */ ; ${DROP}`],
  ["deeper nesting", `SELECT 1 /* /* /* */ */ '*/; DELETE FROM orders; --'`],
  ["comment closer inside string", `SELECT '*/' /* /* */ '*/; ${DROP}; --'`],
  // E'' strings read backslash escapes in DuckDB; a Trino-style tokenizer does not.
  ["E-string escaped quote", `SELECT E'\\''; ${DROP}; SELECT '''`],
  ["e-string lower case", `SELECT e'\\'' AS a; UPDATE orders SET status = 'x'; SELECT '''`],
  ["E-string after a number", `SELECT 1e'\\''; ${DROP}; SELECT '''`],
  ["E-string in a WHERE", `SELECT * FROM orders WHERE status = E'\\'';${POISON};--'`],
  ["E-string backslash-backslash", `SELECT E'\\\\'; ${DROP}; --'`],
  // Dollar quoting.
  ["dollar quote around semicolon", `SELECT $$;$$; ${DROP}`],
  ["dollar quote hides a quote", `SELECT $$'$$; ${DROP}; SELECT '$$'`],
  ["tagged dollar quote", `SELECT $a$ ' $a$; ${POISON}; SELECT ' $a$`],
  ["identifier ending in dollars", `SELECT x$$ FROM orders; ${DROP}; --$$`],
  ["positional parameter", "SELECT $1; DROP TABLE orders"],
  // Control characters: DuckDB stops reading at NUL, so an appended LIMIT is never read.
  ["NUL before a second statement", `SELECT * FROM orders\u0000; ${DROP}`],
  ["NUL hides the row cap", "SELECT * FROM order_items\u0000"],
  ["NUL inside a comment", "SELECT 1 -- \u0000\n"],
  ["vertical tab", `SELECT 1\u000b; ${DROP}`],
  ["form feed", `SELECT 1\u000c;${DROP}`],
  ["C1 next-line", `SELECT 1 --\u0085; ${DROP}`],
  ["line separator", `SELECT 1 --\u2028; ${DROP}`],
  ["paragraph separator", `SELECT 1 \u2029; ${DROP}`],
  ["byte-order mark", `\ufeffSELECT 1; ${DROP}`],
  ["bidi override", "SELECT '\u202e' AS a FROM orders"],
  ["escape character", "SELECT 1\u001b"],
  ["delete character", "SELECT 1\u007f"],
  // Several statements, in many spellings.
  ["trailing statement", `SELECT 1; ${DROP}`],
  ["trailing macro redefinition", `SELECT 1;\n${POISON}`],
  ["case variation", "sElEcT 1; dRoP tAbLe orders"],
  ["CR ends a line comment", `SELECT 1 -- note\r; ${DROP}`],
  ["quoted identifier then statement", `SELECT 1 AS "a;b"; ${DROP}`],
  ["empty statements between", `SELECT 1; ; /* */ ; ${DROP}`],
  ["union then commit", "SELECT 1 UNION ALL SELECT 2; COMMIT"],
  ["FROM-first then drop", `FROM orders; ${DROP}`],
  ["non-breaking space after semicolon", `SELECT 1;\u00a0${DROP}`],
  ["backquoted semicolon", `SELECT \`;${DROP};\``],
  // Statements that are not queries.
  ["drop", DROP],
  ["delete", "DELETE FROM orders"],
  ["update", "UPDATE orders SET status = 'x'"],
  ["insert", "INSERT INTO orders SELECT * FROM orders"],
  ["insert or replace", "INSERT OR REPLACE INTO orders SELECT * FROM orders"],
  ["truncate", "TRUNCATE orders"],
  ["alter", "ALTER TABLE orders RENAME TO o2"],
  ["create macro", "CREATE MACRO m(x) AS x"],
  ["create or replace macro", POISON],
  ["create or replace table", "CREATE OR REPLACE TABLE orders AS SELECT 1 AS a"],
  ["create temp table", "CREATE TEMP TABLE z AS SELECT 1 AS a"],
  ["create view", "CREATE VIEW v AS SELECT 1 AS a"],
  ["create sequence", "CREATE SEQUENCE s"],
  ["create type", "CREATE TYPE e AS ENUM ('a')"],
  ["drop macro", "DROP MACRO arbitrary"],
  ["comment on", "COMMENT ON TABLE orders IS 'x'"],
  ["pragma", "PRAGMA enable_profiling"],
  ["pragma read", "PRAGMA table_info('orders')"],
  ["set", "SET threads = 1"],
  ["set variable", "SET VARIABLE x = 1"],
  ["reset", "RESET threads"],
  ["attach", "ATTACH ':memory:' AS z"],
  ["detach", "DETACH awsdatacatalog"],
  ["use", "USE memory"],
  ["copy to", "COPY orders TO 'orders-copy.csv'"],
  ["copy from", "COPY orders FROM 'orders.csv'"],
  ["install", "INSTALL httpfs"],
  ["load", "LOAD httpfs"],
  ["call", "CALL checkpoint()"],
  ["checkpoint", "CHECKPOINT"],
  ["vacuum", "VACUUM"],
  ["analyze", "ANALYZE"],
  ["export database", "EXPORT DATABASE 'exported'"],
  ["import database", "IMPORT DATABASE 'exported'"],
  ["begin", "BEGIN TRANSACTION"],
  ["commit", "COMMIT"],
  ["prepare", "PREPARE p AS DELETE FROM orders"],
  ["execute", "EXECUTE p"],
  ["deallocate", "DEALLOCATE p"],
  ["pivot creates an enum type", "PIVOT orders ON status USING count(*)"],
  ["explain analyze", "EXPLAIN ANALYZE DELETE FROM orders"],
  ["update extensions", "UPDATE EXTENSIONS"],
  ["data-modifying CTE", "WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d"],
  ["select into", "SELECT * INTO z FROM orders"],
  ["parenthesized delete", "(DELETE FROM orders)"],
  ["merge", "MERGE INTO orders USING orders o2 ON true WHEN MATCHED THEN DELETE"],
];

/** Queries the guard accepts but DuckDB's engine must refuse: reading files, nested SQL text. */
const engineOnly: [string, string][] = [
  ["read_csv of a local file", `SELECT * FROM read_csv('${sampleTables.customers}')`],
  ["read_text", "SELECT * FROM read_text('/etc/hostname')"],
  ["read_blob", "SELECT * FROM read_blob('/etc/hostname')"],
  ["glob", "SELECT * FROM glob('/etc/*')"],
  ["replacement scan of a path", `SELECT * FROM '${sampleTables.customers}'`],
  ["read_parquet", `SELECT * FROM read_parquet('${sampleTables.orders}')`],
  ["read_json", `SELECT * FROM read_json('${sampleTables.order_items}')`],
  ["query() with DDL", `SELECT * FROM query('${POISON}')`],
  ["query_table()", "SELECT * FROM query_table('orders; DROP TABLE orders')"],
];

const dialects: GuardDialect[] = ["trino", "duckdb", "strict"];

describe("bypass families: the guard", () => {
  it("has a broad table", () => {
    expect(bypasses.length).toBeGreaterThan(80);
  });
  it.each(bypasses)("%s: refused in every dialect", (_family, sql) => {
    for (const dialect of dialects) {
      const verdict = checkReadOnly(sql, { dialect, maxRows: 10 });
      expect(verdict.ok, `${dialect}: ${JSON.stringify(sql)}`).toBe(false);
      if (!verdict.ok) expect(verdict.reason.length).toBeGreaterThan(10);
    }
    expect(checkReadOnly(sql).ok).toBe(false);
  });
  it("refuses each control character with its own code", () => {
    for (const sql of [
      "SELECT 1\u0000",
      "SELECT '\u0085'",
      "SELECT 1 -- \u2028",
      "\ufeffSELECT 1",
    ]) {
      expect(checkReadOnly(sql, { dialect: "duckdb" })).toMatchObject({
        ok: false,
        code: "SQL_FORBIDDEN_CHARACTER",
      });
    }
    // Tab, CR and LF are ordinary whitespace.
    expect(checkReadOnly("SELECT\t1\r\nFROM orders", { dialect: "duckdb" }).ok).toBe(true);
  });
});

describe("bypass families: the DuckDB engine", () => {
  const engine = new DuckDbEngine({ tables: sampleTables, database: "shop" });
  let before = "";
  beforeAll(async () => {
    before = await engineChecksum(engine);
  });
  afterAll(() => engine.close());

  it.each([...bypasses, ...engineOnly])(
    "%s: validate() and execute() refuse it and change nothing",
    async (_family, sql) => {
      const validation = await engine.validate(sql);
      expect(validation.ok, JSON.stringify(sql)).toBe(false);
      await expect(engine.execute(sql, { maxRows: 10 })).rejects.toMatchObject({
        code: expect.stringMatching(/^SQL_/),
      });
      expect(await engineChecksum(engine)).toBe(before);
      // The Trino shims still answer as Trino does.
      expect((await engine.execute("SELECT arbitrary(42) AS a")).rows).toEqual([{ a: 42 }]);
    },
  );
});
