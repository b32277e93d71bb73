/**
 * extractSql reads the model's whole answer before any length limit applies, and a model's answer
 * is attacker-influenced (prompt injection through the question or the data). Its regular
 * expressions must therefore run in time linear in the answer: a quadratic pattern turns a 1 MB
 * answer into tens of minutes of a blocked event loop that no deadline or AbortSignal can stop.
 * Each answer below is shaped to make one formerly ambiguous pattern backtrack; with the linear
 * patterns each call returns at once, with the quadratic ones the test never finishes.
 */
import { describe, expect, it } from "vitest";
import { extractSql } from "../../src/text2sql/extract.js";

const MB = 1_000_000;

describe("extractSql runs in linear time on hostile answers", () => {
  it.each([
    ["an unclosed fence with a long info string", `\`\`\`${"a".repeat(MB)}`],
    ["a fence opener followed by blanks and tabs only", `\`\`\`${" \t".repeat(MB / 2)}`],
    ["a megabyte of backquotes", "`".repeat(MB)],
    ["a line of blanks that never starts a statement", `${" ".repeat(MB)}x`],
    [
      "blanks and parentheses before a non-statement",
      `${" ".repeat(MB / 2)}(${" ".repeat(MB / 2)}x`,
    ],
  ])("%s", (_, answer) => {
    expect(extractSql(answer)).toEqual({ kind: "none" });
  });

  it("still finds the query after a long run of blanks and parentheses", () => {
    const answer = `${" ".repeat(MB / 2)}((  SELECT 1))`;
    expect(extractSql(answer)).toEqual({ kind: "sql", sql: "((  SELECT 1))" });
  });

  it("still reads the language of a fence after a long info string", () => {
    const answer = `\`\`\`sql ${"x".repeat(MB)}\nSELECT 2\n\`\`\``;
    expect(extractSql(answer)).toEqual({ kind: "sql", sql: "SELECT 2" });
  });
});
