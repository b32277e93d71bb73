/**
 * {@link SqlAccuracy}: SQL execution accuracy, running the candidate and the reference query on
 * the same engine and comparing their rows.
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, parseOptions, redact, TimeoutError, withDeadline } from "../../core/index.js";
import { abortError, schemaFor, throwIfAborted } from "../../core/internal.js";
import type { QueryResult, SqlEngine } from "../../text2sql/index.js";
import {
  checkReadOnly,
  extractSql,
  SqlExecutionError,
  SqlNotReadOnlyError,
} from "../../text2sql/index.js";
import { sqlExecutionMatch } from "../metrics/sql.js";
import { EvalAlgorithmBase, type EvalSample, type SampleScores } from "./algorithm.js";
import { UNIT_RANGE } from "./stats.js";

/** Options of {@link SqlAccuracy}. */
export interface SqlAccuracyOptions {
  /** Where both queries run, e.g. a `DuckDbEngine` over local files or an `AthenaEngine`. */
  engine: SqlEngine;
  /** Numbers match when |a - b| <= tolerance * max(1, |a|, |b|). Default 1e-6. */
  tolerance?: number;
  /** Deadline of each query. Default 60 000 ms. */
  timeoutMs?: number;
  /** Most rows compared per query; a reference returning more is an error. Default 10 000. */
  maxRows?: number;
  /** Reference results kept, least recently used dropped first; 0 turns the cache off. Default 256. */
  cacheSize?: number;
}

const optionsSchema = schemaFor<SqlAccuracyOptions>()(
  z
    .object({
      engine: z.custom<SqlEngine>(
        (v) =>
          typeof v === "object" &&
          v !== null &&
          typeof (v as Partial<SqlEngine>).execute === "function",
        "must be a SqlEngine",
      ),
      tolerance: z.number().min(0).max(1).optional(),
      timeoutMs: z.int().positive().max(2_147_483_647).optional(),
      maxRows: z.int().positive().max(10_000_000).optional(),
      cacheSize: z.int().min(0).max(1_000_000).optional(),
    })
    .strict(),
);

/**
 * A reference query of the dataset failed (refused by the read-only guard, rejected by the
 * engine, timed out, or returned more than `maxRows` rows). The dataset, not the model, is wrong,
 * so the evaluation stops. Code `EVAL_REFERENCE_SQL_FAILED`.
 */
export class SqlReferenceError extends FmopsError {
  /** The reference query, shortened to 200 characters. */
  readonly sql: string;

  constructor(
    sql: string,
    problem: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(
      "EVAL_REFERENCE_SQL_FAILED",
      `The reference SQL "${redact(sql)}" failed: ${/[.!?]$/.test(problem) ? problem : `${problem}.`} Fix the dataset's reference query (the target) and run the evaluation again.`,
      { cause: options.cause, retryable: options.retryable ?? false },
    );
    this.sql = redact(sql);
  }
}

type Rows = readonly (readonly unknown[])[];

const NOT_RUN: SampleScores = { execution_match: 0, valid_sql: 0 };

/**
 * Execution accuracy of text-to-SQL: the sample's output is the model's answer (the SQL is
 * pulled out of code fences and prose with `extractSql`), each target a reference query. Both
 * run on `engine` and their rows are compared with `sqlExecutionMatch` (as a multiset, or in
 * order when the reference has a top-level ORDER BY; numbers within `tolerance`).
 *
 * Scores: `execution_match` (1 when the candidate returns the rows of a reference, the best over
 * the targets) and `valid_sql` (1 when the candidate passed the read-only guard and the engine
 * ran it). A candidate that has no SQL, is refused by `checkReadOnly` (it never reaches the
 * engine), fails on the engine or runs past `timeoutMs` scores 0 for both. A failing reference
 * throws {@link SqlReferenceError}. Reference results are cached per SQL text (LRU,
 * `cacheSize`), so a reference shared by many samples runs once.
 *
 * @example
 * ```ts
 * const engine = new DuckDbEngine({ tables: { orders: "data/orders.parquet" } });
 * const sql = new SqlAccuracy({ engine });
 * await sql.evaluateSample({
 *   output: "```sql\nSELECT count(*) FROM orders WHERE status = 'shipped'\n```",
 *   targets: ["SELECT count(order_id) FROM orders WHERE status = 'shipped'"],
 * });
 * // { execution_match: 1, valid_sql: 1 }
 * ```
 */
export class SqlAccuracy extends EvalAlgorithmBase {
  /** `"sql_accuracy"`. */
  readonly name = "sql_accuracy";
  /** Both scores are 0 or 1 per sample. */
  readonly scores = {
    /** 1 when the generated query returns the same rows as the reference query, else 0. */
    execution_match: UNIT_RANGE,
    /** 1 when the engine runs the generated query without an error, else 0. */
    valid_sql: UNIT_RANGE,
  };
  /** Compares with reference queries (the targets). */
  override readonly needs = {
    /** Every sample must carry a target (the reference answer) to compare the output with. */
    targets: true,
  };
  readonly #engine: SqlEngine;
  readonly #tolerance: number;
  readonly #timeoutMs: number;
  readonly #maxRows: number;
  readonly #cacheSize: number;
  readonly #cache = new Map<string, Promise<Rows>>();

  constructor(options: SqlAccuracyOptions) {
    super();
    const o = parseOptions(optionsSchema, options, "SqlAccuracy options");
    this.#engine = o.engine;
    this.#tolerance = o.tolerance ?? 1e-6;
    this.#timeoutMs = o.timeoutMs ?? 60_000;
    this.#maxRows = o.maxRows ?? 10_000;
    this.#cacheSize = o.cacheSize ?? 256;
  }

  /** `{ execution_match, valid_sql }` for one sample. Honours `signal`. */
  protected async scoreSample(
    sample: EvalSample,
    signal: AbortSignal | undefined,
  ): Promise<SampleScores> {
    // References first: a broken dataset must stop the run whatever the candidate does.
    const expected: { sql: string; rows: Rows }[] = [];
    for (const sql of sample.targets)
      expected.push({ sql, rows: await this.#reference(sql, signal) });

    const extracted = extractSql(sample.output);
    if (extracted.kind !== "sql") return { ...NOT_RUN };
    const verdict = checkReadOnly(extracted.sql);
    if (!verdict.ok) return { ...NOT_RUN };
    const actual = await this.#candidate(verdict.sql, signal);
    if (actual === undefined) return { ...NOT_RUN };
    if (actual.length > this.#maxRows) return { execution_match: 0, valid_sql: 1 };
    let match = 0;
    for (const { sql, rows } of expected) {
      const m = sqlExecutionMatch(rows, actual, { referenceSql: sql, tolerance: this.#tolerance });
      match = Math.max(match, m);
    }
    return { execution_match: match, valid_sql: 1 };
  }

  /** Runs one query under its own deadline; one row over `maxRows` is read to detect "too many". */
  async #run(sql: string, what: string, signal: AbortSignal | undefined): Promise<Rows> {
    const result: QueryResult = await withDeadline(
      { signal, timeoutMs: this.#timeoutMs },
      this.#timeoutMs,
      what,
      (s) =>
        this.#engine.execute(sql, {
          signal: s,
          timeoutMs: this.#timeoutMs,
          maxRows: this.#maxRows + 1,
        }),
    );
    // Cells in column order: the comparison is positional, like comparing result grids.
    return result.rows.map((row) => result.columns.map((c) => row[c.name]));
  }

  /** The candidate's rows, or undefined when the SQL failed in a way the model is to blame for. */
  async #candidate(sql: string, signal: AbortSignal | undefined): Promise<Rows | undefined> {
    try {
      return await this.#run(sql, "running the candidate SQL", signal);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      if (error instanceof SqlNotReadOnlyError) return undefined;
      if (error instanceof SqlExecutionError && !error.retryable) return undefined;
      // A runaway query (a cross join, say) is the candidate's fault; transient failures are not.
      if (error instanceof TimeoutError) return undefined;
      throw error;
    }
  }

  /** The reference's rows, from the cache or the engine. */
  async #reference(sql: string, signal: AbortSignal | undefined): Promise<Rows> {
    // Another sample's cancellation can reject a shared run; then this sample runs it itself.
    for (let attempt = 0; ; attempt++) {
      let entry = this.#cache.get(sql);
      const shared = entry !== undefined;
      if (entry !== undefined) {
        this.#cache.delete(sql);
        this.#cache.set(sql, entry);
      } else {
        entry = this.#runReference(sql, signal);
        this.#remember(sql, entry);
      }
      try {
        return await entry;
      } catch (error) {
        throwIfAborted(signal);
        const othersAbort = error instanceof FmopsError && error.code === "ABORTED";
        if (!(shared && othersAbort) || attempt >= 2) throw error;
      }
    }
  }

  #remember(sql: string, entry: Promise<Rows>): void {
    if (this.#cacheSize === 0) return;
    this.#cache.set(sql, entry);
    while (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next().value as string;
      this.#cache.delete(oldest);
    }
    // Failures are not cached: a later sample gets a fresh try (and the same error if it persists).
    entry.catch(() => {
      if (this.#cache.get(sql) === entry) this.#cache.delete(sql);
    });
  }

  async #runReference(sql: string, signal: AbortSignal | undefined): Promise<Rows> {
    const verdict = checkReadOnly(sql);
    if (!verdict.ok) throw new SqlReferenceError(sql, verdict.reason);
    let rows: Rows;
    try {
      rows = await this.#run(verdict.sql, "running the reference SQL", signal);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      const message = error instanceof Error ? error.message : String(error);
      throw new SqlReferenceError(sql, redact(message, 300), {
        cause: error,
        retryable: error instanceof FmopsError && error.retryable,
      });
    }
    if (rows.length > this.#maxRows) {
      throw new SqlReferenceError(
        sql,
        `it returns more than maxRows (${this.#maxRows}) rows, too many to compare. Raise maxRows or narrow the query.`,
      );
    }
    return rows;
  }
}
