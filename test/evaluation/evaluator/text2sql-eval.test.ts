/**
 * evaluateText2Sql: execution accuracy of the Text2Sql loop before and after self-correction,
 * attempts and tokens per question, on the example questions with a scripted model and DuckDB.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/core/errors.js";
import { SqlReferenceError } from "../../../src/evaluation/algorithms/sql-accuracy.js";
import {
  evaluateText2Sql,
  parseText2SqlEvalJsonl,
} from "../../../src/evaluation/evaluator/text2sql-eval.js";
import { FakeChatModel } from "../../../src/testing/fake-chat-model.js";
import { DuckDbCatalog } from "../../../src/text2sql/duckdb-catalog.js";
import { DuckDbEngine } from "../../../src/text2sql/duckdb-engine.js";
import { tablesFromPaths } from "../../../src/text2sql/files.js";
import { Text2Sql } from "../../../src/text2sql/text2sql.js";

const data = join(dirname(fileURLToPath(import.meta.url)), "../../../examples/data");
const questions = readFileSync(join(data, "../sql-eval/questions.jsonl"), "utf8");
const answers = JSON.parse(readFileSync(join(data, "../sql-eval/script.json"), "utf8")) as string[];

let engine: DuckDbEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

function loop(responses: string[]) {
  engine = new DuckDbEngine({ tables: tablesFromPaths([data]) });
  const model = new FakeChatModel({ responses });
  const text2sql = new Text2Sql({ model, engine, catalog: new DuckDbCatalog({ engine }) });
  return { engine, model, text2sql };
}

describe("evaluateText2Sql", () => {
  it("reports accuracy with and without self-correction, attempts and tokens per question", async () => {
    const { engine, model, text2sql } = loop(answers);
    const report = await evaluateText2Sql({
      text2sql,
      engine,
      items: parseText2SqlEvalJsonl(questions),
    });
    expect(report.count).toBe(4);
    expect(
      report.records.map((r) => [r.id, r.firstAttemptMatch, r.finalMatch, r.attempts]),
    ).toEqual([
      ["customers", 1, 1, 1],
      ["footwear", 0, 1, 2],
      ["germany", 0, 0, 1],
      ["priciest", 1, 1, 1],
    ]);
    expect(report.accuracy).toEqual({ firstAttempt: 0.5, final: 0.75 });
    expect(report.attemptsPerQuestion).toBe(1.25);
    expect(report.statuses).toEqual({ ok: 4 });
    expect(model.requests).toHaveLength(5);
    const input = report.records.reduce((s, r) => s + r.tokens.input, 0) / 4;
    expect(report.tokensPerQuestion.input).toBe(input);
    expect(report.tokensPerQuestion.input).toBeGreaterThan(0);
    expect(report.tokensPerQuestion.total).toBe(
      report.tokensPerQuestion.input + report.tokensPerQuestion.output,
    );
  });

  it("scores a question the loop gave up on as 0, and stops on a broken gold query", async () => {
    const bad = "```sql\nSELECT nope FROM customers\n```";
    const { engine, text2sql } = loop([bad, bad, bad, bad]);
    const report = await evaluateText2Sql({
      text2sql,
      engine,
      items: [{ question: "How many customers?", sql: "SELECT count(*) FROM customers" }],
    });
    expect(report.records[0]).toMatchObject({
      status: "failed",
      attempts: 4,
      firstAttemptMatch: 0,
      finalMatch: 0,
    });
    await expect(
      evaluateText2Sql({
        text2sql,
        engine,
        items: [{ question: "How many customers?", sql: "SELECT count(*) FROM customer" }],
      }),
    ).rejects.toBeInstanceOf(SqlReferenceError);
  });

  it("names the line of a bad evaluation file", () => {
    expect(() =>
      parseText2SqlEvalJsonl('{"question":"a","sql":"SELECT 1"}\n\n{"question":"b"}\n'),
    ).toThrow(/Line 3 of evaluation file: sql /);
    expect(() => parseText2SqlEvalJsonl("{oops")).toThrow(ValidationError);
  });
});
