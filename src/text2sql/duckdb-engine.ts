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
import {
  parseOptions,
  redact,
  ValidationError,
  type WaitOptions,
  withDeadline,
} from "../core/index.js";
import { abortError, loadOptional, schemaFor } from "../core/internal.js";
import { duckDbError } from "./duckdb-errors.js";
import { type DuckJson, type DuckTypeLike, fromDuckJson, trinoTypeName } from "./duckdb-values.js";
import { SqlExecutionError, SqlNotReadOnlyError } from "./errors.js";
import { checkReadOnly, DEFAULT_MAX_SQL_LENGTH, type GuardRefusalCode } from "./guard.js";
import type {
  ExecuteOptions,
  QueryResult,
  SqlEngine,
  SqlError,
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
  /**
   * The most memory DuckDB may use, loaded tables included: bytes, or DuckDB's size text such as
   * `"512MB"` or `"4GiB"`. Default `"1GiB"`. SQL written by a model can ask for far more than the
   * host has (a sorted cross join, a `string_agg` over millions of rows); under the cap such a
   * query fails in moments with `SQL_RESOURCE_LIMIT` instead of running until the timeout while
   * the process grows. One GiB holds the local files this in-memory engine is meant for with room
   * for joins and sorts over them; raise it for larger files, lower it on small hosts (a Lambda
   * function with less memory). Spilling to disk is off, so the cap is not traded for an
   * unbounded temporary directory. The setting is fixed when the database opens and locked.
   */
  memoryLimit?: number | string;
  /** DuckDB worker threads. Default: DuckDB's own (one per core). Fixed when the database opens. */
  threads?: number;
  /**
   * Let queries read DuckDB's own catalog: its views (`duckdb_tables`, `information_schema.*`,
   * `pg_catalog.*`, `sqlite_master`, ...) and the table functions listing catalog objects
   * (`duckdb_tables()`, `duckdb_databases()`, ...). Default false: these show database names and
   * the `file` option's path, and the model learns the schema from the catalog it is given. Settings
   * (`duckdb_settings()`, `current_setting()`) and files stay refused either way.
   */
  allowCatalogIntrospection?: boolean;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A size in DuckDB's notation (`memory_limit`): a number and a decimal or binary unit. */
const MEMORY_SIZE = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;
const identifier = z
  .string()
  .regex(IDENT, "must be a plain identifier (letters, digits, underscore)");

const optionsSchema = schemaFor<DuckDbEngineOptions>()(
  z
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
      memoryLimit: z
        .union([
          z.int().min(1),
          z.string().regex(MEMORY_SIZE, 'must be a size such as "512MB" or "4GiB"'),
        ])
        .optional(),
      threads: z.int().min(1).max(1024).optional(),
      allowCatalogIntrospection: z.boolean().optional(),
    })
    .strict()
    .refine((o) => !(o.file && o.tables), {
      message: "give either file or tables, not both",
      path: ["file"],
    }),
);

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
const DEFAULT_MEMORY_LIMIT = "1GiB";

/**
 * The longest value `repeat()`, `lpad()` and `rpad()` may build, in characters. DuckDB builds
 * one scalar value outside its memory limit, so `repeat('x', 2e9)` would take gigabytes of the
 * process's memory before any cap applies; these three make a value of any length from a short
 * query, so they are checked before building one.
 */
const MAX_BUILT_VALUE_CHARS = 16 * 1024 * 1024;

/** The Athena error code (Trino's) for a query over the engine's memory. */
const MEMORY_LIMIT_CODE = "EXCEEDED_LOCAL_MEMORY_LIMIT";

/**
 * Temporary macros shadowing the built-in value builders: each refuses a result longer than
 * {@link MAX_BUILT_VALUE_CHARS} and otherwise calls the built-in by its qualified name (which a
 * query may not do; see {@link refuseUnsafeFunctions}).
 */
const VALUE_SIZE_CAPS: readonly string[] = [
  `CREATE OR REPLACE TEMP MACRO repeat(s, n) AS CASE WHEN CAST(n AS DOUBLE) * length(s) > ${MAX_BUILT_VALUE_CHARS} THEN error('${MEMORY_LIMIT_CODE}: repeat() would build a value over ${MAX_BUILT_VALUE_CHARS} characters') ELSE system.main.repeat(s, n) END`,
  ...["lpad", "rpad"].map(
    (fn) =>
      `CREATE OR REPLACE TEMP MACRO ${fn}(s, n, p) AS CASE WHEN n > ${MAX_BUILT_VALUE_CHARS} THEN error('${MEMORY_LIMIT_CODE}: ${fn}() would build a value over ${MAX_BUILT_VALUE_CHARS} characters') ELSE system.main.${fn}(s, n, p) END`,
  ),
];

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
  /** Names a query may not read as tables, known once the database is open. */
  #catalogNames: CatalogNames | undefined;

  constructor(options: DuckDbEngineOptions = {}) {
    this.#options = parseOptions(optionsSchema, options, "DuckDbEngine options");
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
          throw executionError(duckDbError(err, sql), err);
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
      throw executionError(duckDbError(err, sql), err);
    });
    if (readOnly && extracted.count !== 1) {
      throw new SqlNotReadOnlyError(
        `DuckDB reads the text as ${extracted.count} statements; send one query.`,
      );
    }
    if (readOnly) {
      await refuseUnsafeFunctions(connection, sql, {
        introspection: this.#options.allowCatalogIntrospection === true,
        names: this.#catalogNames,
      });
    }
    const prepared: DuckDBPreparedStatement[] = [];
    try {
      for (let i = 0; i < extracted.count; i++) {
        const statement = await extracted.prepare(i).catch((err: unknown) => {
          throw executionError(duckDbError(err, sql), err);
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

  /**
   * Settings fixed when the database opens: the memory cap, no spilling to a temporary
   * directory (an in-memory engine would otherwise write to the working directory, bounded only
   * by the disk), and the thread count when given. `lock_configuration` keeps them.
   */
  #limits(): Record<string, string> {
    const limit = this.#options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
    const limits: Record<string, string> = {
      memory_limit: typeof limit === "number" ? `${limit}B` : limit,
      temp_directory: "",
    };
    if (this.#options.threads !== undefined) limits.threads = String(this.#options.threads);
    return limits;
  }

  async #setUp(): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
    const duckdb = await loadOptional<DuckDbModule>("@duckdb/node-api", "DuckDbEngine");
    const instance = await duckdb.DuckDBInstance.create(":memory:", this.#limits());
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
      if (o.readOnly !== false) {
        for (const cap of VALUE_SIZE_CAPS) await connection.run(cap);
        this.#catalogNames = await catalogNames(connection, this.catalog);
      }
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
      throw executionError(
        { ...error, message: `${error.message} (while loading the DuckDbEngine tables)` },
        err,
        "loading",
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
            throw executionError(duckDbError(err, ""), err);
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
      throw executionError(duckDbError(err, sql), err);
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
 * Table functions listing catalog objects, allowed only with `allowCatalogIntrospection`. The
 * catalog views (`duckdb_tables`, `information_schema.tables`, ...) read through these.
 */
const CATALOG_TABLE_FUNCTIONS = new Set([
  "duckdb_databases",
  "duckdb_schemas",
  "duckdb_tables",
  "duckdb_views",
  "duckdb_columns",
  "duckdb_constraints",
  "duckdb_indexes",
  "duckdb_sequences",
  "duckdb_types",
  "duckdb_functions",
  "pragma_database_list",
  "pragma_table_info",
  "pragma_show",
]);

/**
 * Scalar functions building one list of any length from a short query. DuckDB builds a single
 * value outside its memory limit and cannot interrupt it (`range(0, 2e9)` wants 16 GB and ignores
 * the deadline), so they are refused; the `range` and `generate_series` table functions in FROM
 * produce the same rows in chunks, under the limit and the deadline.
 */
const UNBOUNDED_LIST_BUILDERS = new Set([
  "range",
  "generate_series",
  "list_resize",
  "array_resize",
]);

/** Formatting functions whose format string can ask for a field of any width. */
const WIDTH_FORMATTERS = new Set(["printf", "format"]);

/**
 * A format string that may build a huge value: a width of a million or more, or one taken from
 * an argument (`%*d`, `{:>{}}`).
 */
const HUGE_OR_DYNAMIC_WIDTH = /\d{7,}|\*|\{[^}]*\{/;

/** Why a call to a formatter is refused, or undefined: its format must be a harmless constant. */
function unsafeFormat(call: Record<string, unknown>): string | undefined {
  const [format] = Array.isArray(call.children) ? call.children : [];
  const constant = format as { class?: unknown; value?: { value?: unknown } } | undefined;
  if (constant?.class !== "CONSTANT" || typeof constant.value?.value !== "string") {
    return "a format that is not a constant string";
  }
  return HUGE_OR_DYNAMIC_WIDTH.test(constant.value.value) ? "a field width that large" : undefined;
}

/** Schemas that hold only DuckDB's catalog views. */
const CATALOG_SCHEMAS = new Set(["information_schema", "pg_catalog"]);
/** Databases that hold only DuckDB's built-ins and the engine's own temporary macros. */
const INTERNAL_DATABASES = new Set(["system", "temp"]);

/** What a query may not read as a table, read from the open database. */
interface CatalogNames {
  /** DuckDB's catalog views a bare name reaches (`duckdb_tables`, `pg_tables`, ...), lowercase. */
  views: Set<string>;
  /** The user's tables and views as `schema.name`, lowercase: they win over a catalog view. */
  userRelations: Set<string>;
  /** The user's catalog and default schema, lowercase. */
  catalog: string;
  schema: string;
}

/** Reads the catalog view names and the user's relations (once, before the configuration locks). */
async function catalogNames(connection: DuckDBConnection, catalog: string): Promise<CatalogNames> {
  const views = await connection.runAndReadAll(
    "SELECT DISTINCT lower(view_name) FROM duckdb_views() WHERE internal AND schema_name IN ('main', 'pg_catalog')",
  );
  const statement = await connection.prepare(
    `SELECT lower(schema_name) || '.' || lower(table_name) FROM duckdb_tables() WHERE database_name = $1
     UNION SELECT lower(schema_name) || '.' || lower(view_name) FROM duckdb_views() WHERE database_name = $1 AND NOT internal`,
  );
  try {
    statement.bindVarchar(1, catalog);
    const relations = await statement.runAndReadAll();
    const schema = await connection.runAndReadAll("SELECT lower(current_schema())");
    return {
      views: new Set(views.getRowsJson().map((row) => String(row[0]))),
      userRelations: new Set(relations.getRowsJson().map((row) => String(row[0]))),
      catalog: catalog.toLowerCase(),
      schema: String(schema.getRowsJson()[0]?.[0]),
    };
  } finally {
    statement.destroySync();
  }
}

/** What the syntax-tree check refuses beyond its fixed lists. */
interface TreePolicy {
  /** `allowCatalogIntrospection`: catalog views and listing functions may be read. */
  introspection: boolean;
  /** The names to refuse as tables; undefined before the database has opened. */
  names: CatalogNames | undefined;
}

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
async function refuseUnsafeFunctions(
  connection: DuckDBConnection,
  sql: string,
  policy: TreePolicy,
): Promise<void> {
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
  const found = findUnsafeCall(statements, 0, policy);
  if (found?.kind === "table") {
    throw new SqlNotReadOnlyError(
      `it reads ${found.name}, DuckDB's own catalog rather than a loaded table; the tables and columns to query are in the schema you were given.`,
    );
  }
  if (found?.kind === "builder") {
    throw new SqlNotReadOnlyError(
      found.why
        ? `it calls ${found.name}() with ${found.why}, which could build one value of any size; use a constant format with a small width.`
        : `it calls ${found.name}() as a scalar, which builds one list of any size; generate rows with FROM range(...) or FROM generate_series(...) instead.`,
    );
  }
  if (found) {
    throw new SqlNotReadOnlyError(
      `it calls ${found.name}(), which reads outside the loaded tables or changes the session; query the tables directly.`,
    );
  }
}

/** An unsafe call or catalog read found in a syntax tree. */
type Unsafe = { kind: "function" | "table" | "builder"; name: string; why?: string };

/** Depth-first search of a serialized tree for the first unsafe function call or table read. */
function findUnsafeCall(node: unknown, depth: number, policy: TreePolicy): Unsafe | undefined {
  // The serializer nests one level per expression; a tree this deep is refused, not walked.
  if (depth > 500) return { kind: "function", name: "a deeply nested expression" };
  if (node === null || typeof node !== "object") return undefined;
  if (Array.isArray(node)) {
    for (const item of node) {
      const hit = findUnsafeCall(item, depth + 1, policy);
      if (hit) return hit;
    }
    return undefined;
  }
  const record = node as Record<string, unknown>;
  if (record.type === "TABLE_FUNCTION") {
    const fn = record.function as { function_name?: unknown; children?: unknown } | undefined;
    const name = String(fn?.function_name ?? "").toLowerCase();
    const allowed =
      ALLOWED_TABLE_FUNCTIONS.has(name) ||
      (policy.introspection && CATALOG_TABLE_FUNCTIONS.has(name));
    if (!allowed) return { kind: "function", name: name || "an unnamed table function" };
    // The call itself is a table function, streamed in chunks: only its arguments and the
    // rest of the reference (alias, sample) are searched, not the call as a scalar.
    const { function: _call, type: _type, ...rest } = record;
    return findUnsafeCall([fn?.children, rest], depth + 1, policy);
  }
  if (record.type === "BASE_TABLE" && !policy.introspection) {
    const name = catalogTableName(record, policy.names);
    if (name) return { kind: "table", name };
  }
  if (record.class === "FUNCTION" && typeof record.function_name === "string") {
    const name = record.function_name.toLowerCase();
    if (UNSAFE_SCALAR_FUNCTIONS.has(name)) return { kind: "function", name };
    if (UNBOUNDED_LIST_BUILDERS.has(name)) return { kind: "builder", name };
    if (WIDTH_FORMATTERS.has(name)) {
      const why = unsafeFormat(record);
      if (why) return { kind: "builder", name, why };
    }
    // A call qualified with DuckDB's own database (system.main.repeat) would reach past the
    // engine's value-size caps. (The parser itself qualifies some, e.g. main.list_value.)
    const catalog = String(record.catalog ?? "").toLowerCase();
    const schema = String(record.schema ?? "").toLowerCase();
    if (
      INTERNAL_DATABASES.has(catalog) ||
      INTERNAL_DATABASES.has(schema) ||
      CATALOG_SCHEMAS.has(schema)
    ) {
      return { kind: "function", name: [catalog, schema, name].filter(Boolean).join(".") };
    }
  }
  for (const value of Object.values(record)) {
    const hit = findUnsafeCall(value, depth + 1, policy);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * The name of a table reference that reaches DuckDB's own catalog, or undefined for one that may
 * be a loaded table. A reference into the `system` or `temp` database or a catalog schema is
 * refused outright; a name of a catalog view is refused unless the user's catalog holds a table
 * or view of that name where the reference points (the user's tables are searched first).
 */
function catalogTableName(
  ref: Record<string, unknown>,
  names: CatalogNames | undefined,
): string | undefined {
  const catalog = String(ref.catalog_name ?? "").toLowerCase();
  const schema = String(ref.schema_name ?? "").toLowerCase();
  const table = String(ref.table_name ?? "").toLowerCase();
  const written = [catalog, schema, table].filter(Boolean).join(".");
  if (INTERNAL_DATABASES.has(catalog) || CATALOG_SCHEMAS.has(schema)) return written;
  if (!names?.views.has(table)) return undefined;
  const inUserCatalog = catalog === "" || catalog === names.catalog;
  const userTable = names.userRelations.has(`${schema || names.schema}.${table}`);
  return inUserCatalog && userTable ? undefined : written;
}

/** DuckDB's error as a typed error: running out of memory gets its own code and advice. */
function executionError(
  sqlError: SqlError,
  cause: unknown,
  during: "query" | "loading" = "query",
): SqlExecutionError {
  if (sqlError.code !== MEMORY_LIMIT_CODE) return new SqlExecutionError(sqlError, { cause });
  const detail = redact(sqlError.message, 400);
  return new SqlExecutionError(sqlError, {
    cause,
    code: "SQL_RESOURCE_LIMIT",
    message:
      during === "loading"
        ? `The DuckDbEngine tables do not fit in its memory limit: ${detail}. Raise the engine's memoryLimit option, or load fewer or smaller files.`
        : `The query needs more memory than the DuckDbEngine may use: ${detail}. Rewrite it to hold less at once (filter or aggregate before joining, select fewer columns, avoid building very long values), or raise the engine's memoryLimit option.`,
  });
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
    throw executionError(duckDbError(err, sql), err);
  }
}

/** A guard refusal as a validation outcome, in the engine-error shape. */
function refusalOutcome(refusal: Refusal): ValidationOutcome {
  return {
    ok: false,
    error: { code: refusal.code, message: `${refusal.code}: ${refusal.reason}`, retryable: false },
  };
}
