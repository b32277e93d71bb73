import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extractSql } from "../../src/text2sql/extract.js";

describe("extractSql", () => {
  const cases: [string, ReturnType<typeof extractSql>][] = [
    ["```sql\nSELECT 1;\n```", { kind: "sql", sql: "SELECT 1" }],
    [
      "Here it is:\n```sql\nSELECT a\nFROM t\n```\nThis returns a.",
      { kind: "sql", sql: "SELECT a\nFROM t" },
    ],
    ["```\nSELECT 2\n```", { kind: "sql", sql: "SELECT 2" }],
    [
      "First try:\n```sql\nSELECT 1\n```\nBetter:\n```sql\nSELECT 2\n```",
      { kind: "sql", sql: "SELECT 2" },
    ],
    ["```sql\nSELECT 1\n```\n```python\nprint(1)\n```", { kind: "sql", sql: "SELECT 1" }],
    [
      "SQLQuery: SELECT * FROM t WHERE a = 1\nSQLResult: [(1,)]\nAnswer: 1",
      { kind: "sql", sql: "SELECT * FROM t WHERE a = 1" },
    ],
    [
      "SQL: WITH x AS (SELECT 1) SELECT * FROM x;",
      { kind: "sql", sql: "WITH x AS (SELECT 1) SELECT * FROM x" },
    ],
    ["The query is\nSELECT a FROM t; It selects a.", { kind: "sql", sql: "SELECT a FROM t" }],
    ["SELECT a FROM t\n\n\nThis query lists a.", { kind: "sql", sql: "SELECT a FROM t" }],
    ["```sql\nSELECT 1; DROP TABLE t;\n```", { kind: "sql", sql: "SELECT 1; DROP TABLE t" }],
    ["```sql\nDROP TABLE t\n```", { kind: "sql", sql: "DROP TABLE t" }],
    ["```sql\nSELECT ';' AS s; -- done\n```", { kind: "sql", sql: "SELECT ';' AS s" }],
    ["```sql\nSELECT 1", { kind: "sql", sql: "SELECT 1" }],
    [
      "UNANSWERABLE The schema has no salaries.",
      { kind: "unanswerable", reason: "The schema has no salaries." },
    ],
    ["**UNANSWERABLE**: no such data", { kind: "unanswerable", reason: "no such data" }],
    [
      "```\nUNANSWERABLE: no table for that\n```",
      { kind: "unanswerable", reason: "no table for that" },
    ],
    ["I am not sure what you mean.", { kind: "none" }],
    ["", { kind: "none" }],
  ];
  it.each(cases)("%j", (text, expected) => {
    expect(extractSql(text)).toEqual(expected);
  });

  it("finds a fenced query whatever prose surrounds it", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.string({ maxLength: 60 }), (before, after) => {
        const clean = (s: string) => s.replace(/`/g, "").replace(/^\s*UNANSWERABLE/i, "");
        const text = `${clean(before)}\n\`\`\`sql\nSELECT x FROM t\n\`\`\`\n${clean(after)}`;
        expect(extractSql(text)).toEqual({ kind: "sql", sql: "SELECT x FROM t" });
      }),
    );
  });
});
