/**
 * Test helpers for the read-only guard: DuckDB's own parser as the oracle of what a text means,
 * and a checksum of everything a statement could change in a {@link DuckDbEngine}.
 */
import { type DuckDBConnection, DuckDBInstance, StatementType } from "@duckdb/node-api";
import type { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";

/** What DuckDB's parser makes of a text: an error, or its statements and their types. */
export type DuckDbReading =
  | { parsed: false; error: string }
  | { parsed: true; count: number; types: (StatementType | "SELECT?" | "NOT_SELECT?")[] };

/**
 * A bare DuckDB holding tables named like the engine's, so that statements bind. Only parsing
 * and preparing happen here: nothing is run on behalf of the text under test.
 */
export async function duckDbOracle(): Promise<{
  read(sql: string): Promise<DuckDbReading>;
  close(): void;
}> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection: DuckDBConnection = await instance.connect();
  await connection.run("CREATE TABLE orders (order_id INTEGER, status VARCHAR, amount DOUBLE)");
  await connection.run("CREATE TABLE customers (customer_id INTEGER, country VARCHAR)");
  return {
    async read(sql) {
      let extracted: Awaited<ReturnType<DuckDBConnection["extractStatements"]>>;
      try {
        extracted = await connection.extractStatements(sql);
      } catch (err) {
        return { parsed: false, error: String(err) };
      }
      const types: (StatementType | "SELECT?" | "NOT_SELECT?")[] = [];
      for (let i = 0; i < extracted.count; i++) {
        try {
          const prepared = await extracted.prepare(i);
          types.push(prepared.statementType);
          prepared.destroySync();
        } catch {
          // It did not bind (unknown table, say): ask the parser alone whether it is a query.
          types.push(
            (await isSelect(connection, sql, extracted.count)) ? "SELECT?" : "NOT_SELECT?",
          );
        }
      }
      return { parsed: true, count: extracted.count, types };
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** `json_serialize_sql` serializes SELECT statements only; anything else comes back as an error. */
async function isSelect(connection: DuckDBConnection, sql: string, count: number) {
  if (count !== 1) return false;
  const prepared = await connection.prepare("SELECT json_serialize_sql($1::VARCHAR) AS j");
  prepared.bindVarchar(1, sql);
  const reader = await prepared.runAndReadAll();
  const json = JSON.parse(String(reader.getRowsJson()[0]?.[0])) as { error?: boolean };
  return json.error === false;
}

/** True when DuckDB reads `reading` as exactly one SELECT-type statement. */
export function isOneRead(reading: DuckDbReading): boolean {
  if (!reading.parsed) return false;
  const type = reading.types[0];
  return reading.count === 1 && (type === StatementType.SELECT || type === "SELECT?");
}

/**
 * A fingerprint of everything model-written SQL must not change: databases, schemas, tables with
 * their row hashes, views, sequences, types, macros and other functions (the Trino shims
 * included), and the settings.
 */
export async function engineChecksum(engine: DuckDbEngine): Promise<string> {
  const q = async (sql: string) =>
    JSON.stringify((await engine.executeTrusted(sql)).rows, jsonSafe);
  const tables = (
    await engine.executeTrusted(
      "SELECT database_name, schema_name, table_name FROM duckdb_tables() ORDER BY ALL",
    )
  ).rows as { database_name: string; schema_name: string; table_name: string }[];
  const parts: string[] = [];
  for (const t of tables) {
    const name = [t.database_name, t.schema_name, t.table_name]
      .map((s) => `"${s.replace(/"/g, '""')}"`)
      .join(".");
    parts.push(`${name}=${await q(`SELECT count(*) AS n, sum(hash(x)) AS h FROM ${name} AS x`)}`);
  }
  parts.push(await q("SELECT database_name, readonly FROM duckdb_databases() ORDER BY ALL"));
  parts.push(await q("SELECT database_name, schema_name FROM duckdb_schemas() ORDER BY ALL"));
  parts.push(await q("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY ALL"));
  parts.push(await q("SELECT sequence_name FROM duckdb_sequences() ORDER BY ALL"));
  parts.push(await q("SELECT type_name FROM duckdb_types() WHERE NOT internal ORDER BY ALL"));
  parts.push(
    await q(
      `SELECT database_name, function_name, function_type, macro_definition
       FROM duckdb_functions() WHERE NOT internal OR function_type LIKE '%macro%' ORDER BY ALL`,
    ),
  );
  parts.push(await q("SELECT name, value FROM duckdb_settings() ORDER BY ALL"));
  return parts.join("\n");
}

function jsonSafe(_key: string, value: unknown) {
  return typeof value === "bigint" ? value.toString() : value;
}
