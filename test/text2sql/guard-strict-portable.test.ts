/**
 * `strict` is what the guard uses for an engine it cannot place (SQLite, MySQL, SQL Server,
 * BigQuery, ... or any third-party engine without a `guardDialect`). Passing both Trino's and
 * DuckDB's lexical rules is not enough there: those engines end strings at a backslash-escaped
 * quote, read `[...]` as an identifier, `#` as a comment start, `--x` as two minus signs and
 * MySQL's `/*! ... *\/` as code. So under `strict` the text must also avoid every construct on
 * which such engines disagree: no backslash, no comments, no `#`, `[`, `]`, `{` or `}` outside
 * strings. Independent readers: node-sql-parser's MySQL, SQLite, Transact-SQL and BigQuery
 * grammars.
 */
import * as bigquery from "node-sql-parser/build/bigquery.js";
import * as mysql from "node-sql-parser/build/mysql.js";
import * as sqlite from "node-sql-parser/build/sqlite.js";
import * as transactsql from "node-sql-parser/build/transactsql.js";
import { describe, expect, it } from "vitest";
import { checkReadOnly } from "../../src/text2sql/guard.js";

interface Parser {
  astify(sql: string, options: { database: string }): unknown;
}
function parser(mod: unknown): Parser {
  const m = mod as { Parser?: new () => Parser; default?: { Parser?: new () => Parser } };
  const Parser = (m.Parser ?? m.default?.Parser) as new () => Parser;
  return new Parser();
}
const readers: [string, Parser][] = [
  ["mysql", parser(mysql)],
  ["sqlite", parser(sqlite)],
  ["transactsql", parser(transactsql)],
  ["bigquery", parser(bigquery)],
];

/** Statement types as one engine family's grammar reads the text; undefined when it cannot. */
function reading(database: string, p: Parser, sql: string): string[] | undefined {
  try {
    const ast = p.astify(sql, { database });
    return (Array.isArray(ast) ? ast : [ast]).map((s) => String((s as { type?: unknown }).type));
  } catch {
    return undefined;
  }
}

describe("strict refuses what engines of other families read as more than one query", () => {
  it.each([
    ["a backslash-escaped double quote", 'SELECT "\\"" ; DROP TABLE t; -- "'],
    ["a bracketed array holding a quote", "SELECT ARRAY['] ; DROP TABLE t; --'][1]"],
  ])("%s: some other grammar reads a DROP, and strict refuses it", (_, sql) => {
    const hidden = readers.filter(([name, p]) => reading(name, p, sql)?.includes("drop"));
    expect(hidden.length).toBeGreaterThan(0);
    expect(checkReadOnly(sql, { dialect: "strict" }).ok).toBe(false);
  });

  it.each([
    ["MySQL reads --1 as two minus signs", "SELECT 1 --1; DROP TABLE t"],
    ["MySQL runs /*! ... */ as code", "SELECT 1 /*! ; DROP TABLE t */"],
    ["MySQL versioned code in a comment", "SELECT 1 /*!50000 , (SELECT 2) */"],
    ["a backslash in a string", "SELECT 'a\\' AS x"],
    ["a hash outside strings", "SELECT 1 # 2"],
    ["an ODBC escape", "SELECT {fn now()}"],
  ])("%s: refused under strict", (_, sql) => {
    const verdict = checkReadOnly(sql, { dialect: "strict" });
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(/guardDialect/);
  });

  it("still accepts plain portable queries, and the same characters inside strings", () => {
    for (const sql of [
      "SELECT count(*) AS n FROM orders WHERE status = 'shipped'",
      "SELECT 'a#b[c]{d}' AS s, \"odd name\" FROM t",
      "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
    ]) {
      expect(checkReadOnly(sql, { dialect: "strict" }).ok, sql).toBe(true);
    }
  });

  it("leaves the engines' own dialects as they were", () => {
    expect(checkReadOnly("SELECT 1 -- count\n", { dialect: "trino" }).ok).toBe(true);
    expect(checkReadOnly("SELECT [1, 2][1]", { dialect: "duckdb" }).ok).toBe(true);
  });
});
