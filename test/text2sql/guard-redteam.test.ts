/**
 * Red-team findings against the read-only guard and the DuckDB engine (fmops issue #16). Every
 * text here is one statement that DuckDB's parser types as a SELECT, so the statement-type check
 * and the read-only transaction let it through, yet running it changes the session (profiling,
 * logging, the parser itself), checkpoints, stalls the connection, or makes DuckDB try to fetch
 * an extension. Each must be refused before it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { checkReadOnly, type GuardDialect } from "../../src/text2sql/guard.js";
import { engineChecksum } from "./duckdb-oracle.js";
import { sampleTables } from "./sample.js";

/** [family, text]: side-effecting functions in query position, in several spellings. */
const sideEffects: [string, string][] = [
  ["profiling switched on for every later query", "SELECT * FROM enable_profiling()"],
  ["profiling, quoted upper-case name", 'SELECT * FROM "ENABLE_PROFILING"()'],
  ["profiling, schema-qualified", "SELECT * FROM main.enable_profiling()"],
  ["profiling off", "SELECT (SELECT count(*) FROM disable_profiling()) AS x"],
  ["logging on, beside a real table", "SELECT * FROM orders, enable_logging() LIMIT 1"],
  ["logging off", "SELECT * FROM disable_logging()"],
  ["log truncation", "SELECT * FROM truncate_duckdb_logs()"],
  ["checkpoint, catalog-qualified", "SELECT * FROM system.main.force_checkpoint()"],
  ["checkpoint, quoted keyword", 'SELECT * FROM "checkpoint"()'],
  ["parser swapped for the next statements", "SELECT * FROM enable_peg_parser()"],
  ["parser swapped back", "SELECT * FROM disable_peg_parser()"],
  ["serialized statement executed", "SELECT * FROM json_execute_serialized_sql('{}')"],
  ["connection held by a sleep", "SELECT sleep_ms(1) AS s"],
  ["log written", "SELECT write_log('x') AS s"],
  ["random seed reset", "SELECT setseed(0.5) AS s"],
  ["sequence advanced", "SELECT nextval('s') AS s"],
  ["nested SQL text", "SELECT * FROM query('SELECT 1 AS a')"],
  ["nested table name text", "SELECT * FROM query_table('orders')"],
];

/** Table functions that need an extension DuckDB would try to download. */
const extensionFetch: [string, string][] = [
  ["sqlite scanner", "SELECT * FROM sqlite_scan('x.db', 't')"],
  ["postgres scanner", "SELECT * FROM postgres_scan('host=127.0.0.1', 'public', 't')"],
  ["aws credential chain", "SELECT * FROM load_aws_credentials()"],
  ["delta lake", "SELECT * FROM delta_scan('/tmp')"],
  ["iceberg", "SELECT * FROM iceberg_scan('s3://bucket/t')"],
];

const dialects: GuardDialect[] = ["duckdb", "strict", "trino"];

describe("red team: side-effecting functions in a SELECT", () => {
  it.each(sideEffects)("%s: the guard refuses it in every dialect", (_family, sql) => {
    for (const dialect of dialects) {
      expect(checkReadOnly(sql, { dialect }).ok, `${dialect}: ${sql}`).toBe(false);
    }
  });

  it("a column or table that happens to share such a name still reads", () => {
    for (const sql of [
      'SELECT query, "checkpoint" FROM logs',
      "SELECT l.query FROM logs AS l WHERE l.query LIKE '%sleep_ms(%'",
    ]) {
      expect(checkReadOnly(sql, { dialect: "duckdb" }).ok, sql).toBe(true);
    }
  });
});

describe("red team: the DuckDB engine", () => {
  const engine = new DuckDbEngine({ tables: sampleTables, database: "shop" });
  let before = "";
  beforeAll(async () => {
    before = await engineChecksum(engine);
  });
  afterAll(() => engine.close());

  it.each([...sideEffects, ...extensionFetch])(
    "%s: validate() and execute() refuse it and change nothing",
    async (_family, sql) => {
      expect((await engine.validate(sql)).ok, sql).toBe(false);
      await expect(engine.execute(sql, { maxRows: 10 })).rejects.toMatchObject({
        code: expect.stringMatching(/^SQL_/),
      });
      expect(await engineChecksum(engine)).toBe(before);
    },
  );

  it("never tries to install or load an extension on its own", async () => {
    // Trusted: current_setting() is refused to guarded queries (it shows engine internals).
    const { rows } = await engine.executeTrusted(
      `SELECT current_setting('autoinstall_known_extensions') AS auto_install,
              current_setting('autoload_known_extensions') AS auto_load`,
    );
    expect(rows).toEqual([{ auto_install: false, auto_load: false }]);
  });

  it("refuses table functions other than the row generators, before binding", async () => {
    const outcome = await engine.validate("SELECT * FROM duckdb_settings()");
    expect(outcome).toMatchObject({ ok: false, error: { code: "SQL_NOT_READ_ONLY" } });
    // The row generators that queries legitimately use still run.
    const { rows } = await engine.execute(
      `SELECT CAST(count(*) AS INTEGER) AS n FROM range(3) r, generate_series(1, 2) g, unnest([1, 2]) u`,
    );
    expect(rows).toEqual([{ n: 12 }]);
  });
});
