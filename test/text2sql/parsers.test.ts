import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromAthenaValue, parseComplex } from "../../src/text2sql/athena-values.js";
import { lineColumn } from "../../src/text2sql/duckdb-errors.js";
import { sqlErrorFromMessage } from "../../src/text2sql/errors.js";
import { lexSql } from "../../src/text2sql/sql-lexer.js";

const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);

describe("parseComplex (Athena's printed arrays, maps and rows)", () => {
  it("reads back nested arrays of numbers and words", () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), word),
      node: fc.oneof({ depthSize: "small" }, tie("leaf"), fc.array(tie("node"), { maxLength: 4 })),
    })).node;
    const print = (v: unknown): string =>
      Array.isArray(v) ? `[${v.map(print).join(", ")}]` : String(v);
    fc.assert(
      fc.property(fc.array(value, { maxLength: 5 }), (items) => {
        expect(parseComplex(print(items))).toEqual(items);
      }),
    );
  });
  it("reads back maps of words to numbers", () => {
    fc.assert(
      fc.property(fc.dictionary(word, fc.integer()), (map) => {
        const text = `{${Object.entries(map)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}}`;
        expect(parseComplex(text)).toEqual(map);
      }),
    );
  });
  it("types scalars from the column type", () => {
    expect(fromAthenaValue("9007199254740993", { Type: "bigint" })).toBe(9007199254740993n);
    expect(fromAthenaValue("12.50", { Type: "decimal", Precision: 10, Scale: 2 })).toBe("12.50");
    expect(fromAthenaValue("NaN", { Type: "double" })).toBeNaN();
    expect(
      fromAthenaValue("2024-01-02 03:04:05.123 UTC", { Type: "timestamp with time zone" }),
    ).toEqual(new Date("2024-01-02T03:04:05.123Z"));
    expect(fromAthenaValue('{"a":[1]}', { Type: "json" })).toEqual({ a: [1] });
    expect(fromAthenaValue(undefined, { Type: "varchar" })).toBeNull();
  });
});

describe("lexSql", () => {
  it("returns ordered, non-overlapping tokens whose text is the source slice", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (sql) => {
        const lexed = lexSql(sql);
        if (!lexed.ok) return;
        let at = 0;
        for (const t of lexed.tokens) {
          expect(t.start).toBeGreaterThanOrEqual(at);
          expect(sql.slice(t.start, t.end)).toBe(t.text);
          expect(sql.slice(at, t.start).trim()).toBe("");
          at = t.end;
        }
        expect(sql.slice(at).trim()).toBe("");
      }),
    );
  });
});

describe("error positions", () => {
  it("lineColumn is 1-based and counts lines", () => {
    expect(lineColumn("SELECT a\nFROM t\nWHERE x", 22)).toEqual({ line: 3, column: 7 });
    expect(lineColumn("abc", 0)).toEqual({ line: 1, column: 1 });
  });
  it("sqlErrorFromMessage reads Athena's CODE: line L:C: prefix", () => {
    expect(
      sqlErrorFromMessage(
        "COLUMN_NOT_FOUND: line 2:5: Column 'x' cannot be resolved",
        "GENERIC_USER_ERROR",
      ),
    ).toEqual({
      code: "COLUMN_NOT_FOUND",
      message: "COLUMN_NOT_FOUND: line 2:5: Column 'x' cannot be resolved",
      line: 2,
      column: 5,
      retryable: false,
    });
    expect(
      sqlErrorFromMessage("line 1:8: mismatched input 'FORM'", "MALFORMED_QUERY"),
    ).toMatchObject({
      code: "MALFORMED_QUERY",
      message: "MALFORMED_QUERY: line 1:8: mismatched input 'FORM'",
      line: 1,
      column: 8,
    });
  });
});
