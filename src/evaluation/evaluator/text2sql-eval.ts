/**
 * {@link evaluateText2Sql}: execution accuracy of the whole `Text2Sql` loop on questions with
 * gold SQL, before and after self-correction, with attempts and tokens per question.
 *
 * @module
 */
import { z } from "zod";
import type { ChatMessage } from "../../core/index.js";
import { ValidationError } from "../../core/index.js";
import { throwIfAborted } from "../../core/internal.js";
import type { SqlEngine, Text2SqlAskOptions, Text2SqlResult } from "../../text2sql/index.js";
import { SqlAccuracy } from "../algorithms/sql-accuracy.js";

/** One question of an evaluation file: the question, its gold SQL (one or more), optional earlier turns. */
export interface Text2SqlEvalItem {
  /** An id for the report; default the 1-based line or position. */
  id?: string;
  /** The question in plain language. */
  question: string;
  /** Gold SQL; with several, matching any one counts. */
  sql: string | string[];
  /** Earlier turns, as text, for follow-up questions. */
  history?: (ChatMessage & {
    /** The turn's text (text only). */
    content: string;
  })[];
}

/** What became of one question. */
export interface Text2SqlEvalRecord {
  /** The item's id. */
  id: string;
  /** The question. */
  question: string;
  /** The loop's final status. */
  status: Text2SqlResult["status"];
  /** Model calls made. */
  attempts: number;
  /** 1 when the first attempt's SQL returns the gold rows, else 0: accuracy without self-correction. */
  firstAttemptMatch: number;
  /** 1 when the final SQL returns the gold rows, else 0: accuracy with self-correction. */
  finalMatch: number;
  /** The SQL the model wrote first, when it wrote any. */
  firstSql?: string;
  /** The SQL the loop ended with, when `ok`. */
  finalSql?: string;
  /** Tokens of all model calls for this question. */
  tokens: {
    /** Input (prompt) tokens; 0 when the loop threw or the model did not report them. */
    input: number;
    /** Output (generated) tokens; 0 when the loop threw or the model did not report them. */
    output: number;
  };
  /** Why the question failed outright (an error thrown by the loop), when it did. */
  error?: string;
}

/** The summary of {@link evaluateText2Sql}. */
export interface Text2SqlEvalReport {
  /** Questions evaluated. */
  count: number;
  /** Execution accuracy (0 to 1) of the first attempt alone and of the final answer. */
  accuracy: {
    /** Share of questions whose first SQL returns the gold rows (no self-correction). */
    firstAttempt: number;
    /** Share of questions that ended `ok` with SQL returning the gold rows (after self-correction). */
    final: number;
  };
  /** Mean model calls per question. */
  attemptsPerQuestion: number;
  /** Mean tokens per question. */
  tokensPerQuestion: {
    /** Mean input (prompt) tokens per question. */
    input: number;
    /** Mean output (generated) tokens per question. */
    output: number;
    /** `input` plus `output`. */
    total: number;
  };
  /** Questions by final status, plus `error` for those where the loop threw. */
  statuses: Record<string, number>;
  /** One record per question, in order. */
  records: Text2SqlEvalRecord[];
}

/** Options of {@link evaluateText2Sql}. */
export interface EvaluateText2SqlOptions {
  /** The loop under test (a `Text2Sql`, or anything with its `ask`). */
  text2sql: {
    /**
     * Answers one question; called once per item, with the item's `history` and the run's
     * `signal` when they are set. A thrown error becomes that question's `error` and the run
     * goes on.
     */
    ask(question: string, options?: Text2SqlAskOptions): Promise<Text2SqlResult>;
  };
  /** Where gold and generated SQL run for comparison (usually the loop's own engine). */
  engine: SqlEngine;
  /** The questions. */
  items: Iterable<Text2SqlEvalItem> | AsyncIterable<Text2SqlEvalItem>;
  /** Numbers match within this relative tolerance. Default 1e-6. */
  tolerance?: number;
  /** Called after each question, for progress output. */
  onRecord?: (record: Text2SqlEvalRecord) => void;
  /** Stops the run. */
  signal?: AbortSignal;
}

const itemSchema = z
  .object({
    id: z.union([z.string(), z.number()]).optional(),
    question: z.string().min(1),
    sql: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    history: z
      .array(z.object({ role: z.enum(["user", "assistant"]), content: z.string() }))
      .optional(),
  })
  .strict();

/**
 * Reads an evaluation file in JSON Lines: one `{"question": ..., "sql": ...}` object a line
 * (`sql` may be an array of equally good answers; `id` and `history` are optional). Blank lines
 * are skipped; a bad line throws `ValidationError` naming its line number.
 *
 * @example
 * ```ts
 * const items = parseText2SqlEvalJsonl('{"question":"How many orders?","sql":"SELECT count(*) FROM orders"}\n');
 * ```
 */
export function parseText2SqlEvalJsonl(
  text: string,
  source = "evaluation file",
): Text2SqlEvalItem[] {
  const items: Text2SqlEvalItem[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      throw new ValidationError(
        `Line ${i + 1} of ${source} is not JSON (${(err as Error).message}). Each line must be one {"question": ..., "sql": ...} object.`,
        [{ path: `line ${i + 1}`, message: "not JSON" }],
      );
    }
    const checked = itemSchema.safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const field = issue?.path.join(".") || "(line)";
      throw new ValidationError(
        `Line ${i + 1} of ${source}: ${field} ${issue?.message ?? "is invalid"}. Each line needs "question" (text) and "sql" (the gold query, or an array of them).`,
        [{ path: `line ${i + 1}.${field}`, message: issue?.message ?? "invalid" }],
      );
    }
    const { id, ...rest } = checked.data;
    items.push({ ...rest, id: id === undefined ? String(i + 1) : String(id) });
  });
  return items;
}

const fenced = (sql: string) => `\`\`\`sql\n${sql}\n\`\`\``;

/**
 * Runs `text2sql.ask` on every question and scores execution accuracy with {@link SqlAccuracy}
 * (rows compared as a multiset, in order when the gold SQL orders them): once for the SQL of the
 * first attempt (what the model gets right without feedback) and once for the final SQL (after
 * the engine's errors went back to it). Also counts attempts and tokens per question. A question
 * on which the loop throws (a model or engine outage) is recorded with its error and scores 0; a
 * broken gold query stops the run with `SqlReferenceError`.
 *
 * @example
 * ```ts
 * const report = await evaluateText2Sql({ text2sql: t2s, engine, items: parseText2SqlEvalJsonl(text) });
 * console.log(report.accuracy.firstAttempt, report.accuracy.final, report.attemptsPerQuestion);
 * ```
 */
export async function evaluateText2Sql(
  options: EvaluateText2SqlOptions,
): Promise<Text2SqlEvalReport> {
  const { signal } = options;
  const scorer = new SqlAccuracy({
    engine: options.engine,
    ...(options.tolerance !== undefined ? { tolerance: options.tolerance } : {}),
  });
  const records: Text2SqlEvalRecord[] = [];
  let position = 0;
  for await (const item of options.items) {
    throwIfAborted(signal);
    position++;
    const targets = Array.isArray(item.sql) ? item.sql : [item.sql];
    const record: Text2SqlEvalRecord = {
      id: item.id ?? String(position),
      question: item.question,
      status: "failed",
      attempts: 0,
      firstAttemptMatch: 0,
      finalMatch: 0,
      tokens: { input: 0, output: 0 },
    };
    // With no SQL the gold queries still run, so a broken dataset stops the run either way.
    const score = async (sql: string | undefined): Promise<number> => {
      const scores = await scorer.evaluateSample(
        { output: sql === undefined ? "" : fenced(sql), targets },
        { signal },
      );
      return sql === undefined ? 0 : (scores.execution_match ?? 0);
    };
    let result: Text2SqlResult | undefined;
    try {
      result = await options.text2sql.ask(item.question, {
        ...(item.history ? { history: item.history } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      throwIfAborted(signal);
      record.error = err instanceof Error ? err.message.slice(0, 300) : String(err);
    }
    if (result) {
      record.status = result.status;
      record.attempts = result.attempts.length;
      record.tokens = {
        input: result.usage.inputTokens ?? 0,
        output: result.usage.outputTokens ?? 0,
      };
      const first = result.attempts[0]?.sql;
      if (first !== undefined) record.firstSql = first;
      if (result.status === "ok") {
        const last = result.attempts.at(-1)?.sql ?? result.sql;
        if (last !== undefined) record.finalSql = last;
      }
    }
    record.firstAttemptMatch = await score(record.firstSql);
    record.finalMatch =
      record.finalSql === record.firstSql ? record.firstAttemptMatch : await score(record.finalSql);
    records.push(record);
    options.onRecord?.(record);
  }
  const n = records.length;
  const mean = (f: (r: Text2SqlEvalRecord) => number) =>
    n === 0 ? 0 : records.reduce((sum, r) => sum + f(r), 0) / n;
  const statuses: Record<string, number> = {};
  for (const r of records) {
    const key = r.error !== undefined ? "error" : r.status;
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  const input = mean((r) => r.tokens.input);
  const output = mean((r) => r.tokens.output);
  return {
    count: n,
    accuracy: { firstAttempt: mean((r) => r.firstAttemptMatch), final: mean((r) => r.finalMatch) },
    attemptsPerQuestion: mean((r) => r.attempts),
    tokensPerQuestion: { input, output, total: input + output },
    statuses,
    records,
  };
}
