/**
 * {@link DuckDbEngine}: an embedded SQL engine over local CSV, Parquet and JSON files (or an
 * existing DuckDB file), with Athena-style names, Trino function shims and Athena-formatted errors.
 *
 * @module
 */
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { z } from "zod";
import { ValidationError } from "../core/errors.js";
import { loadOptional } from "../core/optional.js";
import { parseOptions } from "../core/options.js";
import { abortError, type WaitOptions, withDeadline } from "../core/wait.js";
import { duckDbError } from "./duckdb-errors.js";
import { type DuckJson, type DuckTypeLike, fromDuckJson, trinoTypeName } from "./duckdb-values.js";
import { SqlExecutionError, SqlNotReadOnlyError } from "./errors.js";
import { checkReadOnly } from "./guard.js";
import type {
  ExecuteOptions,
  QueryResult,
  SqlEngine,
  SqlValue,
  ValidationOutcome,
} from "./types.js";

type DuckDbModule = typeof import("@duckdb/node-api");

/** Options for {@link DuckDbEngine}. */
export interface DuckDbEngineOptions {
  /**
   * Tables to load: table name -> file path (or several paths / a glob). The format follows the
   * extension: `.csv`/`.tsv`/`.txt` (optionally `.gz`), `.parquet`, `.json`/`.jsonl`/`.ndjson`.
   */
  tables?: Record<string, string | string[]>;
  /** The Athena-style database (schema) the tables live in. Default `main`. */
  database?: string;
  /** The catalog name for three-part names. Default `awsdatacatalog`, as in Athena. */
  catalog?: string;
  /** An existing DuckDB database file, attached read-only as the catalog (instead of `tables`). */
  file?: string;
  /** Table descriptions, stored as DuckDB comments (shown to the model through {@link DuckDbCatalog}). */
  tableComments?: Record<string, string>;
  /** Column comments: table name -> column name -> comment. */
  columnComments?: Record<string, Record<string, string>>;
  /** Add macros for Trino functions DuckDB lacks (approx_distinct, regexp_like, ...). Default true. */
  trinoShims?: boolean;
  /** Refuse statements that are not a single read-only query. Default true. */
  readOnly?: boolean;
  /** Default time limit for one statement, in ms. Default 60 000. */
  timeoutMs?: number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const identifier = z
  .string()
  .regex(IDENT, "must be a plain identifier (letters, digits, underscore)");

const optionsSchema = z
  .object({
    tables: z
      .record(identifier, z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]))
      .optional(),
    database: identifier.optional(),
    catalog: identifier.optional(),
    file: z.string().min(1).optional(),
    tableComments: z.record(z.string(), z.string()).optional(),
    columnComments: z.record(z.string(), z.record(z.string(), z.string())).optional(),
    trinoShims: z.boolean().optional(),
    readOnly: z.boolean().optional(),
    timeoutMs: z.int().min(1).max(86_400_000).optional(),
  })
  .refine((o) => !(o.file && o.tables), {
    message: "give either file or tables, not both",
    path: ["file"],
  });

/**
 * Trino functions missing from DuckDB, as temporary macros. Each returns what Trino returns
 * for the common cases; `date_format` translates the MySQL-style patterns Trino uses.
 */
export const TRINO_SHIMS: readonly string[] = [
  "CREATE OR REPLACE TEMP MACRO approx_distinct(x) AS approx_count_distinct(x)",
  "CREATE OR REPLACE TEMP MACRO approx_percentile(x, p) AS approx_quantile(x, p)",
  "CREATE OR REPLACE TEMP MACRO arbitrary(x) AS any_value(x)",
  "CREATE OR REPLACE TEMP MACRO regexp_like(s, p) AS regexp_matches(s, p)",
  "CREATE OR REPLACE TEMP MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)",
  "CREATE OR REPLACE TEMP MACRO from_iso8601_date(s) AS CAST(s AS DATE)",
  "CREATE OR REPLACE TEMP MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)",
  "CREATE OR REPLACE TEMP MACRO to_unixtime(t) AS epoch(t)",
  "CREATE OR REPLACE TEMP MACRO from_unixtime(x) AS to_timestamp(x)",
  "CREATE OR REPLACE TEMP MACRO is_nan(x) AS isnan(x)",
  // Trino counts array elements; DuckDB's cardinality() only takes maps (arrays only here).
  "CREATE OR REPLACE TEMP MACRO cardinality(x) AS len(x)",
  "CREATE OR REPLACE TEMP MACRO date_format(t, f) AS strftime(t, replace(replace(replace(f, '%i', '%M'), '%s', '%S'), '%T', '%H:%M:%S'))",
];

const DEFAULT_TIMEOUT_MS = 60_000;
const EXPLAIN = "EXPLAIN ";

/** The DuckDB reader function for a file, chosen by its extension. */
export function readerFor(path: string): string {
  const lower = path.toLowerCase().replace(/\.(gz|zst)$/, "");
  if (lower.endsWith(".parquet")) return "read_parquet";
  if (/\.(json|jsonl|ndjson)$/.test(lower)) return "read_json_auto";
  if (/\.(csv|tsv|txt)$/.test(lower)) return "read_csv_auto";
  throw new ValidationError(
    `Cannot tell the format of "${path}": use a .csv, .tsv, .parquet, .json, .jsonl or .ndjson file.`,
    [{ path: "tables", message: "unknown file extension" }],
  );
}

const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;
const quoteIdent = (text: string) => `"${text.replace(/"/g, '""')}"`;

/**
 * An embedded engine (optional peer `@duckdb/node-api`) that loads local files into in-memory
 * tables named like Athena's (`awsdatacatalog.<database>.<table>`), then turns off file access so
 * that queries can read only those tables. Errors read exactly like Athena's, e.g.
 * `COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved`.
 *
 * @example
 * ```ts
 * const engine = new DuckDbEngine({ tables: { orders: "data/orders.csv" }, database: "sales" });
 * const check = await engine.validate("SELECT totl FROM orders");
 * // { ok: false, error: { code: "COLUMN_NOT_FOUND", message: "COLUMN_NOT_FOUND: line 1:8: Column 'totl' cannot be resolved", ... } }
 * const { rows } = await engine.execute("SELECT count(*) AS n FROM sales.orders");
 * await engine.close();
 * ```
 */
export class DuckDbEngine implements SqlEngine {
  /** What the prompts tell the model: write Trino SQL that DuckDB also runs. */
  readonly dialect = "DuckDB (Trino-compatible)";
  /** The catalog name. */
  readonly catalog: string;
  /** The database (schema) holding the tables. */
  readonly database: string;
  readonly #options: DuckDbEngineOptions;
  #ready: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: DuckDbEngineOptions = {}) {
    this.#options = parseOptions(
      optionsSchema,
      options,
      "DuckDbEngine options",
    ) as DuckDbEngineOptions;
    this.catalog = this.#options.catalog ?? "awsdatacatalog";
    this.database = this.#options.database ?? "main";
  }

  /** Checks `sql` with `EXPLAIN`; engine errors come back as `{ ok: false, error }`. */
  async validate(sql: string, options: WaitOptions = {}): Promise<ValidationOutcome> {
    const guarded = this.#guard(sql);
    if (!guarded.ok) return guarded;
    try {
      await this.#run(EXPLAIN + guarded.sql, options, undefined, EXPLAIN.length);
      return { ok: true };
    } catch (err) {
      if (err instanceof SqlExecutionError) return { ok: false, error: err.sqlError };
      throw err;
    }
  }

  /** Runs `sql` and returns typed rows; engine errors throw {@link SqlExecutionError}. */
  async execute(sql: string, options: ExecuteOptions = {}): Promise<QueryResult> {
    const guarded = this.#guard(sql);
    if (!guarded.ok)
      throw new SqlNotReadOnlyError(guarded.error.message.replace(/^SQL_NOT_READ_ONLY: /, ""));
    const started = performance.now();
    const result = await this.#run(guarded.sql, options, options.maxRows, 0);
    return { ...result, stats: { ...result.stats, elapsedMs: performance.now() - started } };
  }

  /** Runs a statement without the read-only guard, for setup work you trust (e.g. in tests). */
  async executeTrusted(sql: string, options: ExecuteOptions = {}): Promise<QueryResult> {
    return this.#run(sql, options, options.maxRows, 0);
  }

  /** Closes the database. Later calls fail with `ENGINE_CLOSED`. */
  async close(): Promise<void> {
    this.#closed = true;
    const ready = this.#ready;
    this.#ready = undefined;
    if (!ready) return;
    const { instance, connection } = await ready.catch(() => ({
      instance: undefined,
      connection: undefined,
    }));
    await this.#queue.catch(() => {});
    connection?.closeSync();
    instance?.closeSync();
  }

  #guard(
    sql: string,
  ):
    | { ok: true; sql: string }
    | { ok: false; error: { code: string; message: string; retryable: false } } {
    if (this.#options.readOnly === false) return { ok: true, sql };
    const verdict = checkReadOnly(sql);
    if (verdict.ok) return { ok: true, sql: verdict.sql };
    return {
      ok: false,
      error: {
        code: "SQL_NOT_READ_ONLY",
        message: `SQL_NOT_READ_ONLY: ${verdict.reason}`,
        retryable: false,
      },
    };
  }

  /** Opens the database on first use: constructors do no I/O. */
  #open(): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
    if (this.#closed) {
      return Promise.reject(
        new ValidationError("This DuckDbEngine was closed; create a new one.", [
          { path: "engine", message: "closed" },
        ]),
      );
    }
    this.#ready ??= this.#setUp().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  async #setUp(): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
    const duckdb = await loadOptional<DuckDbModule>("@duckdb/node-api", "DuckDbEngine");
    const instance = await duckdb.DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    const o = this.#options;
    const cat = quoteIdent(this.catalog);
    const db = quoteIdent(this.database);
    try {
      await connection.run("SET errors_as_json = true");
      if (o.file) {
        await connection.run(`ATTACH ${quoteLiteral(o.file)} AS ${cat} (READ_ONLY)`);
      } else {
        await connection.run(`ATTACH ':memory:' AS ${cat}`);
        await connection.run(`CREATE SCHEMA IF NOT EXISTS ${cat}.${db}`);
      }
      await connection.run(`USE ${cat}.${db}`);
      for (const [name, source] of Object.entries(o.tables ?? {})) {
        const paths = Array.isArray(source) ? source : [source];
        const reader = readerFor(paths[0] as string);
        const list =
          paths.length === 1
            ? quoteLiteral(paths[0] as string)
            : `[${paths.map(quoteLiteral).join(", ")}]`;
        // Copied into memory, so that file access can be switched off below.
        await connection.run(
          `CREATE TABLE ${cat}.${db}.${quoteIdent(name)} AS SELECT * FROM ${reader}(${list})`,
        );
      }
      if (!o.file) {
        for (const [table, comment] of Object.entries(o.tableComments ?? {})) {
          await connection.run(
            `COMMENT ON TABLE ${cat}.${db}.${quoteIdent(table)} IS ${quoteLiteral(comment)}`,
          );
        }
        for (const [table, columns] of Object.entries(o.columnComments ?? {})) {
          for (const [column, comment] of Object.entries(columns)) {
            await connection.run(
              `COMMENT ON COLUMN ${cat}.${db}.${quoteIdent(table)}.${quoteIdent(column)} IS ${quoteLiteral(comment)}`,
            );
          }
        }
      }
      if (o.trinoShims !== false) for (const shim of TRINO_SHIMS) await connection.run(shim);
      // From here on, statements can read only the loaded tables: no files, no extensions.
      await connection.run("SET enable_external_access = false");
      await connection.run("SET lock_configuration = true");
    } catch (err) {
      connection.closeSync();
      instance.closeSync();
      if (err instanceof ValidationError) throw err;
      const error = duckDbError(err, "");
      throw new SqlExecutionError(
        { ...error, message: `${error.message} (while loading the DuckDbEngine tables)` },
        { cause: err },
      );
    }
    return { instance, connection };
  }

  /**
   * Runs one statement at a time on the single connection, under a deadline that interrupts it.
   * Error positions are reported relative to the text after the first `prefix` characters.
   */
  #run(
    sql: string,
    options: WaitOptions,
    maxRows: number | undefined,
    prefix: number,
  ): Promise<QueryResult> {
    const task = this.#queue.then(() =>
      withDeadline(
        options,
        this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        "running a DuckDB query",
        async (signal) => {
          const { connection } = await this.#open();
          const started = performance.now();
          const onAbort = () => connection.interrupt();
          signal.addEventListener("abort", onAbort, { once: true });
          try {
            const reader =
              maxRows === undefined
                ? await connection.runAndReadAll(sql)
                : await connection.runAndReadUntil(sql, maxRows + 1);
            if (signal.aborted) throw abortError(signal);
            const types = reader.columnTypes() as unknown as DuckTypeLike[];
            const names = reader.columnNames();
            const all = reader.getRowsJson() as DuckJson[][];
            const truncated = maxRows !== undefined && (all.length > maxRows || !reader.done);
            const kept = maxRows === undefined ? all : all.slice(0, maxRows);
            const rows = kept.map((row) => {
              const out: Record<string, SqlValue> = {};
              names.forEach((name, i) => {
                out[name] = fromDuckJson(row[i] ?? null, types[i] as DuckTypeLike);
              });
              return out;
            });
            return {
              columns: names.map((name, i) => ({
                name,
                type: trinoTypeName(types[i] as DuckTypeLike),
              })),
              rows,
              stats: { elapsedMs: performance.now() - started, rowCount: rows.length, truncated },
            };
          } catch (err) {
            if (signal.aborted) throw abortError(signal);
            if (err instanceof SqlExecutionError || err instanceof ValidationError) throw err;
            throw new SqlExecutionError(duckDbError(err, sql.slice(prefix), prefix), {
              cause: err,
            });
          } finally {
            signal.removeEventListener("abort", onAbort);
          }
        },
      ),
    );
    this.#queue = task.catch(() => {});
    return task;
  }
}
