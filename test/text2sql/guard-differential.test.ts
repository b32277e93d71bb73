/**
 * Differential tests of the read-only guard against DuckDB's own parser. Candidate texts are
 * built from a grammar of pieces that tokenizers disagree on (nested and unterminated comments,
 * E'' strings with backslashes, dollar quotes, quoted identifiers holding `;`, control and
 * Unicode space characters, statement keywords in any case). Whatever the guard accepts must be
 * exactly one query as DuckDB reads it, and no candidate, accepted or not, may change the
 * DuckDB engine's tables, macros or settings.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { checkReadOnly, type GuardDialect } from "../../src/text2sql/guard.js";
import { type DuckDbReading, duckDbOracle, engineChecksum, isOneRead } from "./duckdb-oracle.js";
import { sampleTables } from "./sample.js";

const heads = [
  "SELECT 1",
  "SELECT count(*) FROM orders",
  "select status from orders where amount > 1",
  "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
  "VALUES (1)",
  "(SELECT 2)",
  "FROM orders",
  "SELECT 'a' AS s",
  'SELECT 1 AS "x"',
];

const payloads = [
  "DROP TABLE orders",
  "DELETE FROM orders",
  "UPDATE orders SET status = 'x'",
  "INSERT INTO orders SELECT * FROM orders",
  "CREATE OR REPLACE TEMP MACRO arbitrary(x) AS 42",
  "CREATE MACRO m(x) AS x",
  "CREATE TABLE z AS SELECT 1",
  "ALTER TABLE orders RENAME TO o2",
  "TRUNCATE orders",
  "PRAGMA enable_profiling",
  "SET threads = 1",
  "ATTACH ':memory:' AS z",
  "DETACH awsdatacatalog",
  "COPY orders TO 'copy.csv'",
  "CALL checkpoint()",
  "CHECKPOINT",
  "EXPORT DATABASE 'exported'",
  "INSTALL httpfs",
  "LOAD httpfs",
  "BEGIN",
  "COMMIT",
  "PIVOT orders ON status",
];

/** Pieces where tokenizers disagree. */
const glue = [
  ";",
  " ",
  "\n",
  "\r",
  "\t",
  "/*",
  "*/",
  "/* /* */",
  "/* /* */ '*/",
  "'*/",
  "--",
  "'",
  "''",
  "\\",
  "\\'",
  "E'",
  "e'",
  "E'\\''",
  "1e'",
  "$$",
  "$a$",
  "$1",
  "$",
  "x$",
  '"',
  '""',
  '";"',
  "`",
  "(",
  ")",
  ",",
  "AS",
  "x",
  "1",
  "U&'",
  "\u0000",
  "\u0001",
  "\u000b",
  "\u000c",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\u200b",
  "\u202e",
  "é",
];

/** Random letter case, as a model (or an attacker) might write keywords. */
const anyCase = (text: string) =>
  fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((flags) =>
      [...text].map((c, i) => (flags[i] ? c.toUpperCase() : c.toLowerCase())).join(""),
    );

const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...glue) },
  { weight: 2, arbitrary: fc.constantFrom(...payloads).chain(anyCase) },
  { weight: 1, arbitrary: fc.constantFrom(...heads) },
);

/** A read-only head, then a mix of pieces: most candidates are attacks, some are plain queries. */
const candidate = fc
  .tuple(fc.constantFrom(...heads), fc.array(piece, { maxLength: 10 }))
  .map(([head, rest]) => head + rest.join(""));

/** The families an attacker composes on purpose: a wrapper that hides a payload from one reader. */
const wrapped = fc
  .tuple(
    fc.constantFrom(...heads),
    fc.constantFrom(
      ["/* /* */ '*/; ", "; --'"],
      ["E'\\''; ", "; SELECT '''"],
      ["$$'$$; ", "; SELECT '$$'"],
      ["/* ", " */"],
      [" -- \u2028; ", ""],
      [" -- \r; ", ""],
      ['"x";', ';"'],
      ["\u0000; ", ""],
      ["; ", ""],
      [" /* */ ; ", " --"],
    ),
    fc.constantFrom(...payloads).chain(anyCase),
  )
  .map(([head, [open, close], payload]) => `${head} ${open}${payload}${close}`);

const dialects: GuardDialect[] = ["trino", "duckdb", "strict"];

describe("guard versus DuckDB's parser", () => {
  let oracle: Awaited<ReturnType<typeof duckDbOracle>>;
  beforeAll(async () => {
    oracle = await duckDbOracle();
  });
  afterAll(() => oracle.close());

  const agrees = async (sql: string) => {
    let reading: DuckDbReading | undefined;
    for (const dialect of dialects) {
      const verdict = checkReadOnly(sql, { dialect, maxRows: 10 });
      if (!verdict.ok) continue;
      reading ??= await oracle.read(sql);
      // Accepted: DuckDB reads exactly one query (a text DuckDB cannot parse never runs at all).
      if (reading.parsed) {
        expect(isOneRead(reading), `${dialect} accepted ${JSON.stringify(sql)}`).toBe(true);
      }
      // The statement the guard hands on, LIMIT added, is still one query to DuckDB.
      const limited = await oracle.read(verdict.sql);
      if (limited.parsed) expect(isOneRead(limited), JSON.stringify(verdict.sql)).toBe(true);
    }
  };

  it("never accepts a text DuckDB reads as several statements or a non-query", async () => {
    await fc.assert(fc.asyncProperty(candidate, agrees), { numRuns: 1500 });
  }, 60_000);

  it("refuses every composed wrapper that hides a payload", async () => {
    await fc.assert(fc.asyncProperty(wrapped, agrees), { numRuns: 500 });
  });

  it("accepts the plain queries, so the property is not vacuous", () => {
    for (const head of heads.filter((h) => !h.startsWith("FROM") && !h.startsWith("VALUES"))) {
      expect(checkReadOnly(head, { dialect: "duckdb" }).ok, head).toBe(true);
      expect(checkReadOnly(head, { dialect: "trino" }).ok, head).toBe(true);
    }
  });
});

describe("the DuckDB engine changes nothing, whatever it is given", () => {
  const engine = new DuckDbEngine({ tables: { orders: sampleTables.orders }, database: "shop" });
  let before = "";
  beforeAll(async () => {
    before = await engineChecksum(engine);
  });
  afterAll(() => engine.close());

  it("keeps tables, macros and settings after validate() and execute() of any candidate", async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(candidate, wrapped), async (sql) => {
        await engine.validate(sql);
        try {
          const result = await engine.execute(sql, { maxRows: 3 });
          ran++;
          expect(result.rows.length).toBeLessThanOrEqual(3);
        } catch (err) {
          expect(err).toMatchObject({ code: expect.stringMatching(/^SQL_/) });
        }
        expect(await engineChecksum(engine)).toBe(before);
      }),
      { numRuns: 200 },
    );
    // Some candidates are plain queries, so execution itself was exercised.
    expect(ran).toBeGreaterThan(0);
  }, 120_000);
});
