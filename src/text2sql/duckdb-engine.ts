/**
 * {@link DuckDbEngine}: an embedded SQL engine over local CSV, Parquet and JSON files (or an
 * existing DuckDB file), with Athena-style names, Trino function shims and Athena-formatted errors.
 *
 * @module
 */
import type {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBPreparedStatement,
  DuckDBResultReader,
} from "@duckdb/node-api";
import { z } from "zod";
import { ValidationError } from "../core/errors.js";
import { loadOptional } from "../core/optional.js";
import { parseOptions } from "../core/options.js";
import { abortError, type WaitOptions, withDeadline } from "../core/wait.js";
import { duckDbError } from "./duckdb-errors.js";
import { type DuckJson, type DuckTypeLike, fromDuckJson, trinoTypeName } from "./duckdb-values.js";
import { SqlExecutionError, SqlNotReadOnlyError } from "./errors.js";
import { checkReadOnly, DEFAULT_MAX_SQL_LENGTH, type GuardRefusalCode } from "./guard.js";
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
  /**
   * Refuse statements that are not a single read-only query. Default true: the text must pass
   * {@link checkReadOnly} with DuckDB's lexical rules, DuckDB's own parser must find exactly one
   * statement in it, of the SELECT type, and only that prepared statement runs, inside a read-only
   * transaction. `false` runs any text as given (trusted SQL only).
   */
  readOnly?: boolean;
  /** Longest SQL text accepted, in characters. Default 20 000. */
  maxSqlLength?: number;
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
    maxSqlLength: z.int().min(1).max(10_000_000).optional(),
    timeoutMs: z.int().min(1).max(86_400_000).optional(),
  })
  .strict()
  .refine((o) => !(o.file && o.tables), {
    message: "give either file or tables, not both",
    path: ["file"],
  });

/** MySQL-style specifiers of Trino's date_format/date_parse that DuckDB spells differently. */
const MYSQL_SPECIFIERS: readonly [mysql: string, duckdb: string][] = [
  ["%i", "%M"],
  ["%M", "%B"],
  ["%s", "%S"],
  ["%T", "%H:%M:%S"],
  ["%r", "%I:%M:%S %p"],
  ["%W", "%A"],
  ["%c", "%-m"],
  ["%e", "%-d"],
  ["%k", "%-H"],
  ["%l", "%-I"],
  ["%h", "%I"],
  ["%v", "%V"],
  ["%x", "%G"],
];

/** A DuckDB expression translating the MySQL-style format `format` (an SQL expression) to strftime/strptime's. */
function mysqlToStrftime(format: string): string {
  const cases = MYSQL_SPECIFIERS.map(([m, d]) => `WHEN '${m}' THEN '${d}'`).join(" ");
  return `array_to_string(list_transform(regexp_extract_all(${format}, '%.|[^%]+'), tok -> CASE tok ${cases} ELSE tok END), '')`;
}

/**
 * Trino functions missing from DuckDB, as temporary macros. Each returns what Trino returns
 * for the common cases; `date_format` and `date_parse` translate the MySQL-style patterns Trino
 * uses (`date_parse` needs a constant format).
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
  // Each %-specifier is translated on its own, so that MySQL's %M (month name) and %i (minutes)
  // cannot collide with DuckDB's %M (minutes) as they would in a chain of replace() calls.
  `CREATE OR REPLACE TEMP MACRO date_format(t, f) AS strftime(t, ${mysqlToStrftime("f")})`,
  // DuckDB's strptime needs a format known when the query is planned: a constant, as Athena
  // queries write it. Concatenating '' to f lets the macro be defined before a call gives it
  // one. Fields the format lacks default to 1970-01-01, as in Trino (DuckDB's default is 1900).
  `CREATE OR REPLACE TEMP MACRO date_parse(s, f) AS strptime(s, ${mysqlToStrftime("f || ''")}) + CASE WHEN regexp_matches(f, '%[Yyx]') THEN INTERVAL 0 YEAR ELSE INTERVAL 70 YEAR END`,
];

const DEFAULT_TIMEOUT_MS = 60_000;

/** DuckDB's statement type for queries (duckdb_statement_type DUCKDB_STATEMENT_TYPE_SELECT). */
const SELECT_STATEMENT = 1;

/** A refusal on the way to the engine: the guard's code and reason. */
type Refusal = { ok: false; code: GuardRefusalCode; reason: string };

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
  /** The read-only guard reads SQL by DuckDB's rules, and DuckDB's parser has the last word. */
  readonly guardDialect = "duckdb" as const;
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

  /**
   * Checks `sql` without running it: the read-only guard, then DuckDB's own parser and binder
   * (the statement is prepared, never executed, so validation has no side effects). Errors in
   * the statement come back as `{ ok: false, error }`; refusals carry the guard's code.
   */
  async validate(sql: string, options: WaitOptions = {}): Promise<ValidationOutcome> {
    const refused = this.#guard(sql);
    if (refused) return refusalOutcome(refused);
    try {
      return await this.#task(options, async (connection) => {
        const statements = await this.#prepareAll(connection, sql);
        for (const statement of statements) statement.destroySync();
        return { ok: true } as const;
      });
    } catch (err) {
      if (err instanceof SqlExecutionError) return { ok: false, error: err.sqlError };
      if (err instanceof SqlNotReadOnlyError) {
        return refusalOutcome({
          ok: false,
          code: err.code as GuardRefusalCode,
          reason: err.reason,
        });
      }
      throw err;
    }
  }

  /**
   * Runs `sql` and returns typed rows; engine errors throw {@link SqlExecutionError} and refused
   * text {@link SqlNotReadOnlyError}. With `maxRows`, DuckDB streams the result and stops after
   * that many rows, whatever LIMIT the text holds.
   */
  async execute(sql: string, options: ExecuteOptions = {}): Promise<QueryResult> {
    const refused = this.#guard(sql);
    if (refused) throw new SqlNotReadOnlyError(refused.reason, refused.code);
    const started = performance.now();
    const result = await this.#task(options, async (connection) => {
      if (this.#options.readOnly === false)
        return this.#read(sql, await runText(connection, sql, options.maxRows), options.maxRows);
      const [statement] = await this.#prepareAll(connection, sql);
      const prepared = statement as DuckDBPreparedStatement;
      // A second line of defence under the statement-type check: the tables cannot change even
      // if a query-typed statement tried to write.
      await connection.run("BEGIN TRANSACTION READ ONLY");
      try {
        const reader = await (options.maxRows === undefined
          ? prepared.streamAndReadAll()
          : prepared.streamAndReadUntil(options.maxRows + 1)
        ).catch((err: unknown) => {
          throw new SqlExecutionError(duckDbError(err, sql), { cause: err });
        });
        return this.#read(sql, reader, options.maxRows);
      } finally {
        prepared.destroySync();
        await connection.run("ROLLBACK").catch(() => {});
      }
    });
    return { ...result, stats: { ...result.stats, elapsedMs: performance.now() - started } };
  }

  /** Runs a statement without the read-only guard, for setup work you trust (e.g. in tests). */
  async executeTrusted(sql: string, options: ExecuteOptions = {}): Promise<QueryResult> {
    return this.#task(options, async (connection) =>
      this.#read(sql, await runText(connection, sql, options.maxRows), options.maxRows),
    );
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

  /** The text-level guard with DuckDB's lexical rules; undefined when the text may go on. */
  #guard(sql: string): Refusal | undefined {
    if (this.#options.readOnly === false) return undefined;
    const verdict = checkReadOnly(sql, {
      dialect: "duckdb",
      maxLength: this.#options.maxSqlLength ?? DEFAULT_MAX_SQL_LENGTH,
    });
    return verdict.ok ? undefined : verdict;
  }

  /**
   * DuckDB's own reading of the text: its parser splits it into statements, and each is prepared
   * (parsed, bound and planned, never run). In read-only mode there must be exactly one, of the
   * SELECT type; anything else throws {@link SqlNotReadOnlyError} before it can run.
   */
  async #prepareAll(connection: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement[]> {
    const readOnly = this.#options.readOnly !== false;
    const extracted = await connection.extractStatements(sql).catch((err: unknown) => {
      throw new SqlExecutionError(duckDbError(err, sql), { cause: err });
    });
    if (readOnly && extracted.count !== 1) {
      throw new SqlNotReadOnlyError(
        `DuckDB reads the text as ${extracted.count} statements; send one query.`,
      );
    }
    if (readOnly) await refuseUnsafeFunctions(connection, sql);
    const prepared: DuckDBPreparedStatement[] = [];
    try {
      for (let i = 0; i < extracted.count; i++) {
        const statement = await extracted.prepare(i).catch((err: unknown) => {
          throw new SqlExecutionError(duckDbError(err, sql), { cause: err });
        });
        prepared.push(statement);
        if (readOnly && statement.statementType !== SELECT_STATEMENT) {
          throw new SqlNotReadOnlyError(
            "DuckDB reads it as a statement that is not a query; only SELECT queries may run.",
          );
        }
      }
    } catch (err) {
      for (const statement of prepared) statement.destroySync();
      throw err;
    }
    return prepared;
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
      // From here on, statements can read only the loaded tables: no files, no extensions. A
      // table function from an extension that is not loaded (sqlite_scan, iceberg_scan, ...)
      // would otherwise make DuckDB try to download and load it.
      await connection.run("SET autoinstall_known_extensions = false");
      await connection.run("SET autoload_known_extensions = false");
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
   * Runs `work` on the single connection, one task at a time, under a deadline that interrupts
   * DuckDB when it passes or the caller aborts. Other DuckDB errors become {@link SqlExecutionError}.
   */
  #task<T>(options: WaitOptions, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const task = this.#queue.then(() =>
      withDeadline(
        options,
        this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        "running a DuckDB query",
        async (signal) => {
          const { connection } = await this.#open();
          const onAbort = () => connection.interrupt();
          signal.addEventListener("abort", onAbort, { once: true });
          try {
            const result = await work(connection);
            if (signal.aborted) throw abortError(signal);
            return result;
          } catch (err) {
            if (signal.aborted) throw abortError(signal);
            if (
              err instanceof SqlExecutionError ||
              err instanceof SqlNotReadOnlyError ||
              err instanceof ValidationError
            ) {
              throw err;
            }
            throw new SqlExecutionError(duckDbError(err, ""), { cause: err });
          } finally {
            signal.removeEventListener("abort", onAbort);
          }
        },
      ),
    );
    this.#queue = task.catch(() => {});
    return task;
  }

  /** Converts what a reader holds into typed rows, keeping at most `maxRows`. */
  #read(sql: string, reader: DuckDBResultReader, maxRows: number | undefined): QueryResult {
    const started = performance.now();
    try {
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
      throw new SqlExecutionError(duckDbError(err, sql), { cause: err });
    }
  }
}

/**
 * Table functions a query may use: row generators over values written in the query. Every other
 * one reads files or URLs, shows engine internals, or changes the session (`enable_profiling()`,
 * `force_checkpoint()`, `enable_peg_parser()` run inside a statement DuckDB types as a SELECT).
 */
const ALLOWED_TABLE_FUNCTIONS = new Set([
  "range",
  "generate_series",
  "unnest",
  "json_each",
  "json_tree",
]);

/**
 * Scalar functions with effects beyond their result (a stalled connection, logs, RNG, sequences)
 * or that show engine internals, as `duckdb_settings()` would: `current_setting()` reads any
 * setting, host paths such as the working directory among them.
 */
const UNSAFE_SCALAR_FUNCTIONS = new Set([
  "sleep_ms",
  "write_log",
  "setseed",
  "nextval",
  "currval",
  "current_setting",
]);

/**
 * DuckDB's own syntax tree of the text (`json_serialize_sql`, which serializes SELECT statements
 * only) is searched for function calls: a table function outside {@link ALLOWED_TABLE_FUNCTIONS}
 * or an unsafe scalar function throws {@link SqlNotReadOnlyError}, as does a text DuckDB cannot
 * serialize. This reads names as DuckDB resolved them, whatever quoting or qualification the text
 * used, so it does not depend on the guard's tokenizer.
 */
async function refuseUnsafeFunctions(connection: DuckDBConnection, sql: string): Promise<void> {
  let tree: unknown;
  try {
    const statement = await connection.prepare("SELECT json_serialize_sql($1::VARCHAR) AS tree");
    try {
      statement.bindVarchar(1, sql);
      const reader = await statement.runAndReadAll();
      tree = JSON.parse(String(reader.getRowsJson()[0]?.[0]));
    } finally {
      statement.destroySync();
    }
  } catch {
    tree = undefined;
  }
  const root = tree as { error?: unknown; statements?: unknown } | undefined;
  const statements = root?.error === false ? root.statements : undefined;
  if (!Array.isArray(statements)) {
    throw new SqlNotReadOnlyError(
      "DuckDB cannot show this text as a single SELECT, so it is not run; write a plain SELECT query.",
    );
  }
  const found = findUnsafeCall(statements, 0);
  if (found) {
    throw new SqlNotReadOnlyError(
      `it calls ${found}(), which reads outside the loaded tables or changes the session; query the tables directly.`,
    );
  }
}

/** Depth-first search of a serialized tree for the first unsafe function call. */
function findUnsafeCall(node: unknown, depth: number): string | undefined {
  // The serializer nests one level per expression; a tree this deep is refused, not walked.
  if (depth > 500) return "a deeply nested expression";
  if (node === null || typeof node !== "object") return undefined;
  if (Array.isArray(node)) {
    for (const item of node) {
      const hit = findUnsafeCall(item, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  const record = node as Record<string, unknown>;
  if (record.type === "TABLE_FUNCTION") {
    const fn = record.function as { function_name?: unknown } | undefined;
    const name = String(fn?.function_name ?? "").toLowerCase();
    if (!ALLOWED_TABLE_FUNCTIONS.has(name)) return name || "an unnamed table function";
  }
  if (record.class === "FUNCTION" && typeof record.function_name === "string") {
    const name = record.function_name.toLowerCase();
    if (UNSAFE_SCALAR_FUNCTIONS.has(name)) return name;
  }
  for (const value of Object.values(record)) {
    const hit = findUnsafeCall(value, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

/** Runs trusted text as given (every statement in it), reading at most `maxRows + 1` rows. */
async function runText(
  connection: DuckDBConnection,
  sql: string,
  maxRows: number | undefined,
): Promise<DuckDBResultReader> {
  try {
    return maxRows === undefined
      ? await connection.runAndReadAll(sql)
      : await connection.runAndReadUntil(sql, maxRows + 1);
  } catch (err) {
    throw new SqlExecutionError(duckDbError(err, sql), { cause: err });
  }
}

/** A guard refusal as a validation outcome, in the engine-error shape. */
function refusalOutcome(refusal: Refusal): ValidationOutcome {
  return {
    ok: false,
    error: { code: refusal.code, message: `${refusal.code}: ${refusal.reason}`, retryable: false },
  };
}
