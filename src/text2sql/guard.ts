/**
 * The read-only guard: only one read-only query (SELECT, WITH ... SELECT, or VALUES) may reach an
 * engine, and the guard must read the text the way that engine will. Checks, all of which must
 * pass:
 *
 * 1. size and characters: at most `maxLength` characters, and no control characters, line or
 *    paragraph separators, byte-order marks or bidirectional overrides (DuckDB stops reading at
 *    NUL; the others make the text read differently to people, logs and engines);
 * 2. a tokenizer with the engine's own lexical rules ({@link lexSql}) that sees through comments
 *    and strings, refuses anything ambiguous, and finds exactly one statement that starts like a
 *    query and holds no statement keyword;
 * 3. for Trino (Athena), a real SQL parser (node-sql-parser's Trino grammar) that must read the
 *    text as exactly one SELECT. If it cannot parse the text, the guard refuses it: it never falls
 *    back to the tokenizer alone. For DuckDB the parser of record is DuckDB's own, which
 *    {@link DuckDbEngine} runs on the statement before anything executes.
 *
 * Which engine's rules apply follows the engine: {@link guardDialectFor} maps an engine's
 * `guardDialect` or `dialect` to the rules, and falls back to `strict` (both rule sets and the
 * Trino parser must agree, and the text must avoid constructs other engine families read
 * differently: backslashes, comments, `#`, `[`, `]`, `{`, `}`) for anything it cannot place. A dialect value the guard does not know
 * refuses every text: the guard never reads with weaker rules than asked for.
 *
 * @module
 */
import * as trinoBuild from "node-sql-parser/build/trino.js";
import { lexSql, type SqlDialect, type SqlToken, splitStatements } from "./sql-lexer.js";
import type { SqlEngine } from "./types.js";

/**
 * Whose rules the guard reads SQL by: `trino` (Athena), `duckdb`, or `strict`, which requires the
 * text to pass under both and to hold no backslash, comment, `#`, `[`, `]`, `{` or `}` outside
 * strings, for engines whose lexical rules are not known (MySQL, SQLite, SQL Server, ... read
 * those differently).
 */
export type GuardDialect = SqlDialect | "strict";

/** Every {@link GuardDialect}. */
export const GUARD_DIALECTS: readonly GuardDialect[] = ["trino", "duckdb", "strict"];

function isGuardDialect(value: unknown): value is GuardDialect {
  return (GUARD_DIALECTS as readonly unknown[]).includes(value);
}

/**
 * The rules the guard reads an engine's SQL by: the engine's own `guardDialect` when it declares
 * one the guard knows, else inferred from its `dialect` name (`duckdb` when it names DuckDB,
 * `trino` when it names Trino, Athena or Presto), and `strict` (Trino's and DuckDB's rules must
 * both accept, and the Trino parser too) for every other engine: a name that names both
 * families, none of them, or a `guardDialect` the guard does not know.
 *
 * @example
 * ```ts
 * guardDialectFor(new DuckDbEngine()); // "duckdb" (declared)
 * guardDialectFor({ dialect: "Athena (Trino)" }); // "trino"
 * guardDialectFor({ dialect: "SQLite 3" }); // "strict"
 * ```
 */
export function guardDialectFor(engine: Pick<SqlEngine, "dialect" | "guardDialect">): GuardDialect {
  // Each field is read once: a getter could answer a second read differently (a string to the
  // type check, then an object whose text names another engine to the rule choice).
  const declared: unknown = engine.guardDialect;
  if (declared !== undefined) return isGuardDialect(declared) ? declared : "strict";
  const dialect: unknown = engine.dialect;
  const name = typeof dialect === "string" ? dialect : "";
  const duckdb = /duckdb/i.test(name);
  const trino = /trino|athena|presto/i.test(name);
  if (duckdb && !trino) return "duckdb";
  if (trino && !duckdb) return "trino";
  return "strict";
}

/** Longest SQL text the guard reads unless `maxLength` says otherwise: far above any real query. */
export const DEFAULT_MAX_SQL_LENGTH = 20_000;

/** Options of {@link checkReadOnly}. */
export interface GuardOptions {
  /**
   * Caps the rows a query may return: a top-level `LIMIT n` (or `FETCH FIRST n ROWS`) above this
   * is lowered, `LIMIT ALL` is replaced, and a query without a limit gets `LIMIT maxRows` added.
   */
  maxRows?: number;
  /**
   * Whose lexical rules and parser decide. Default: the `engine`'s (see `guardDialectFor`),
   * else `trino`. A value other than `trino`, `duckdb` or `strict` refuses every text.
   */
  dialect?: GuardDialect;
  /** The engine the statement is for; its dialect picks the rules when `dialect` is left out. */
  engine?: Pick<SqlEngine, "dialect" | "guardDialect">;
  /** Longest text accepted, in UTF-16 code units. Default {@link DEFAULT_MAX_SQL_LENGTH}. */
  maxLength?: number;
}

/**
 * Why the guard refused a text: `SQL_NOT_READ_ONLY` (not exactly one read-only query, or not
 * readable with certainty), `SQL_TOO_LONG` (over `maxLength`), `SQL_FORBIDDEN_CHARACTER` (a
 * control or invisible formatting character).
 */
export type GuardRefusalCode = "SQL_NOT_READ_ONLY" | "SQL_TOO_LONG" | "SQL_FORBIDDEN_CHARACTER";

/** The guard's verdict. `sql` is the statement to run: trimmed, no trailing `;`, limit applied. */
export type GuardVerdict =
  | {
      /** The statement is a single read-only query. */
      ok: true;
      /** The statement to send to the engine. */
      sql: string;
      /**
       * Whether a SQL parser confirmed the statement: always true for `trino` and `strict`. For
       * `duckdb` it is false: the text passed DuckDB's lexical rules, and DuckDB's own parser
       * ({@link DuckDbEngine}) confirms it before running it.
       */
      parsed: boolean;
      /** The row limit now in force at the top level, when `maxRows` was given. */
      limit?: number;
    }
  | {
      /** The statement was refused. */
      ok: false;
      /** Why the statement was refused, as a sentence for people and models. */
      reason: string;
      /** Which rule refused it. */
      code: GuardRefusalCode;
    };

const ALLOWED_FIRST = new Set(["SELECT", "WITH", "VALUES"]);

/**
 * Words that never appear in a read-only query outside quotes. The statement-level ones matter
 * inside data-modifying CTEs and `SELECT ... INTO`; DuckDB-only ones (ATTACH, COPY, INSTALL,
 * PRAGMA, PIVOT, ...) close engine-specific holes.
 */
const FORBIDDEN = new Set([
  "INSERT",
  "UPDATE",
  "DELETE",
  "MERGE",
  "UPSERT",
  "REPLACE_INTO",
  "DROP",
  "CREATE",
  "ALTER",
  "TRUNCATE",
  "RENAME",
  "GRANT",
  "REVOKE",
  "DENY",
  "CALL",
  "EXEC",
  "EXECUTE",
  "PREPARE",
  "DEALLOCATE",
  "UNLOAD",
  "COPY",
  "ATTACH",
  "DETACH",
  "INSTALL",
  "LOAD",
  "PRAGMA",
  "EXPORT",
  "IMPORT",
  "VACUUM",
  "CHECKPOINT",
  "MSCK",
  "INTO",
]);

/**
 * Functions that change the session or the database, stall the connection, or run SQL hidden in
 * a string, although the statement calling them is typed as a query: DuckDB's profiling, logging
 * and parser switches, checkpoints, sleeps, log writes, the random seed, sequences, and the
 * `query`/`query_table`/serialized-SQL runners. A call to one of them (bare, qualified or in
 * double quotes, in any letter case) is refused in every dialect; the same word as a column or
 * table name, not followed by `(`, is fine.
 */
const FORBIDDEN_FUNCTIONS = new Set([
  "enable_profiling",
  "disable_profiling",
  "enable_logging",
  "disable_logging",
  "truncate_duckdb_logs",
  "write_log",
  "checkpoint",
  "force_checkpoint",
  "enable_peg_parser",
  "disable_peg_parser",
  "json_execute_serialized_sql",
  "query",
  "query_table",
  "sleep_ms",
  "setseed",
  "nextval",
  "currval",
  "set_config",
]);

const MODIFYING_AST_TYPES = new Set([
  "insert",
  "replace",
  "update",
  "delete",
  "merge",
  "create",
  "drop",
  "alter",
  "truncate",
  "rename",
  "grant",
  "revoke",
  "call",
  "exec",
  "execute",
  "set",
  "use",
  "lock",
  "unlock",
  "load_data",
  "transaction",
]);

interface TrinoParser {
  astify(sql: string, options: { database: string }): unknown;
}

let parser: TrinoParser | undefined | null;
function trinoParser(): TrinoParser | null {
  if (parser !== undefined) return parser;
  try {
    // The Trino build alone is 250 KB; the package root would load every dialect (89 MB). It is a
    // UMD bundle: ESM sees it as a default export, CommonJS as named exports.
    const mod = trinoBuild as unknown as {
      Parser?: new () => TrinoParser;
      default?: { Parser?: new () => TrinoParser };
    };
    const Parser = mod.Parser ?? mod.default?.Parser;
    parser = Parser ? new Parser() : null;
  } catch {
    parser = null;
  }
  return parser;
}

/**
 * The first character the guard refuses anywhere in a text, with its offset: C0 controls other
 * than tab, LF and CR (NUL ends the text for DuckDB, so an appended LIMIT would never be read),
 * DEL, C1 controls, U+2028/U+2029 line and paragraph separators, the U+FEFF byte-order mark,
 * bidirectional embeddings, overrides and isolates (they make the text display in a different
 * order than engines read it), and unpaired UTF-16 surrogates.
 */
export function findForbiddenCharacter(
  sql: string,
): { offset: number; codePoint: number } | undefined {
  for (let i = 0; i < sql.length; i++) {
    const unit = sql.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = sql.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++; // a well-formed surrogate pair: an ordinary character outside the BMP
        continue;
      }
      return { offset: i, codePoint: unit };
    }
    if (isForbiddenUnit(unit)) return { offset: i, codePoint: unit };
  }
  return undefined;
}

function isForbiddenUnit(unit: number): boolean {
  if (unit < 0x20) return unit !== 0x09 && unit !== 0x0a && unit !== 0x0d;
  return (
    (unit >= 0x7f && unit <= 0x9f) || // DEL and the C1 controls
    unit === 0x2028 ||
    unit === 0x2029 ||
    unit === 0xfeff ||
    (unit >= 0x202a && unit <= 0x202e) || // bidirectional embeddings and overrides
    (unit >= 0x2066 && unit <= 0x2069) || // bidirectional isolates
    (unit >= 0xdc00 && unit <= 0xdfff) // a low surrogate without its high half
  );
}

const refuse = (reason: string, code: GuardRefusalCode = "SQL_NOT_READ_ONLY"): GuardVerdict => ({
  ok: false,
  reason,
  code,
});

/**
 * Checks that `sql` is exactly one read-only query, as the engine of `options.dialect` will read
 * it, and returns the statement to run. Refuses INSERT/UPDATE/DELETE/MERGE, DDL (CREATE, CTAS,
 * DROP, ALTER, macros, ...), UNLOAD, GRANT, CALL, SET/USE, PRAGMA, ATTACH, COPY, several
 * statements, comment and string tricks that hide any of these, control characters, texts over
 * `maxLength`, and (Trino) anything the Trino parser cannot read.
 *
 * @example
 * ```ts
 * checkReadOnly("SELECT * FROM orders", { maxRows: 100 });
 * // { ok: true, sql: "SELECT * FROM orders\nLIMIT 100", parsed: true, limit: 100 }
 * checkReadOnly("SELECT 1; DROP TABLE orders");
 * // { ok: false, code: "SQL_NOT_READ_ONLY", reason: "the text holds 2 statements; send one at a time." }
 * checkReadOnly("SELECT 1 /* /* *\/ '*\/; DROP TABLE t; --'", { dialect: "duckdb" }).ok; // false
 * ```
 */
export function checkReadOnly(sql: string, options: GuardOptions = {}): GuardVerdict {
  if (typeof sql !== "string" || sql.trim() === "") return refuse("the statement is empty.");
  const maxLength = options.maxLength ?? DEFAULT_MAX_SQL_LENGTH;
  if (sql.length > maxLength) {
    return refuse(
      `the text is ${sql.length} characters long, over the limit of ${maxLength}; write a shorter query.`,
      "SQL_TOO_LONG",
    );
  }
  const bad = findForbiddenCharacter(sql);
  if (bad) {
    const hex = bad.codePoint.toString(16).toUpperCase().padStart(4, "0");
    return refuse(
      `it contains the control or invisible character U+${hex} at offset ${bad.offset}; remove it.`,
      "SQL_FORBIDDEN_CHARACTER",
    );
  }
  const dialect =
    options.dialect ?? (options.engine !== undefined ? guardDialectFor(options.engine) : "trino");
  if (!isGuardDialect(dialect)) {
    // Fail closed: an unknown value must not select weaker rules (no parser) by accident.
    return refuse(
      `the guard does not know the dialect ${JSON.stringify(String(dialect)).slice(0, 40)}, so nothing is approved; use trino, duckdb or strict.`,
    );
  }
  if (dialect !== "strict") return checkInDialect(sql, dialect, options.maxRows);
  const unportable = findUnportable(sql);
  if (unportable) {
    return refuse(
      `it contains ${unportable}, which SQL engines of other families read differently, and this engine's lexical rules are unknown (strict); remove it, or give the engine a guardDialect of trino or duckdb.`,
    );
  }
  const trino = checkInDialect(sql, "trino", options.maxRows);
  if (!trino.ok) return trino;
  const duck = checkInDialect(sql, "duckdb", options.maxRows);
  if (!duck.ok) return duck;
  if (duck.sql !== trino.sql) {
    return refuse("Trino and DuckDB rules read this text differently; simplify it.");
  }
  return trino;
}

/**
 * What `strict` refuses beyond both engines' rules, for engines whose lexical rules are unknown:
 * constructs on which widespread engines disagree with Trino and DuckDB about where a string,
 * identifier, comment or statement ends. MySQL and BigQuery end a string at a backslash-escaped
 * quote; MySQL reads `#` as a comment, `--x` as two minus signs and runs `/*! ... *\/` as code;
 * SQLite and SQL Server read `[...]` as an identifier; ODBC drivers rewrite `{...}`. Returns a
 * description of the first one found, or undefined.
 */
function findUnportable(sql: string): string | undefined {
  const at = sql.indexOf("\\");
  if (at >= 0) return `a backslash (at offset ${at})`;
  const lexed = lexSql(sql, "trino");
  // A text Trino's rules cannot read is refused by the Trino check that follows.
  if (!lexed.ok) return undefined;
  for (const token of lexed.tokens) {
    if (token.kind === "comment") return `a comment (at offset ${token.start})`;
    if (token.kind === "punct" && "#[]{}".includes(token.text)) {
      return `"${token.text}" outside quotes (at offset ${token.start})`;
    }
  }
  return undefined;
}

function checkInDialect(
  sql: string,
  dialect: SqlDialect,
  maxRows: number | undefined,
): GuardVerdict {
  const lexed = lexSql(sql, dialect);
  if (!lexed.ok) return refuse(lexed.reason);
  const statements = splitStatements(lexed.tokens);
  if (statements.length === 0) return refuse("the text holds only comments.");
  if (statements.length > 1) {
    return refuse(`the text holds ${statements.length} statements; send one at a time.`);
  }
  const tokens = statements[0] as SqlToken[];
  const first = tokens.find((t) => !(t.kind === "punct" && t.text === "("));
  const firstWord = first?.kind === "word" ? first.text.toUpperCase() : "";
  if (!ALLOWED_FIRST.has(firstWord)) {
    return refuse(
      `it starts with ${first ? `"${first.text.slice(0, 30)}"` : "nothing"}, not SELECT, WITH or VALUES.`,
    );
  }
  for (const token of tokens) {
    if (token.kind === "word" && FORBIDDEN.has(token.text.toUpperCase())) {
      return refuse(
        `it contains the keyword ${token.text.toUpperCase()} (at offset ${token.start}); if that is a column name, write it in double quotes.`,
      );
    }
  }
  const call = findForbiddenCall(tokens);
  if (call) {
    return refuse(
      `it calls ${call.name}() (at offset ${call.offset}), which changes the session or runs hidden SQL; query the tables directly.`,
    );
  }
  const body = sql.slice(
    (tokens[0] as SqlToken).start,
    (tokens[tokens.length - 1] as SqlToken).end,
  );
  if (dialect === "trino") {
    const structural = checkWithParser(body);
    if (!structural.ok) return refuse(structural.reason);
  }
  const parsed = dialect === "trino";
  if (maxRows === undefined) return { ok: true, sql: body, parsed };
  const limited = applyRowLimit(body, maxRows, dialect);
  if (!limited.ok) return refuse(limited.reason);
  return { ok: true, sql: limited.sql, parsed, limit: limited.limit };
}

/** The first call of a {@link FORBIDDEN_FUNCTIONS} member: a name, quoted or not, then `(`. */
function findForbiddenCall(
  tokens: readonly SqlToken[],
): { name: string; offset: number } | undefined {
  for (let i = 0; i + 1 < tokens.length; i++) {
    const token = tokens[i] as SqlToken;
    const next = tokens[i + 1] as SqlToken;
    if (!(next.kind === "punct" && next.text === "(")) continue;
    const name =
      token.kind === "word"
        ? token.text.toLowerCase()
        : token.kind === "quoted"
          ? token.text.slice(1, -1).replace(/""/g, '"').toLowerCase()
          : undefined;
    if (name !== undefined && FORBIDDEN_FUNCTIONS.has(name)) return { name, offset: token.start };
  }
  return undefined;
}

/** The Trino parser's reading: exactly one SELECT, or why not. Unparseable text is refused. */
function checkWithParser(sql: string): { ok: true } | { ok: false; reason: string } {
  const p = trinoParser();
  if (!p)
    return {
      ok: false,
      reason: "the Trino SQL parser could not be loaded, so nothing is approved.",
    };
  let ast: unknown;
  try {
    ast = p.astify(sql, { database: "trino" });
  } catch {
    return {
      ok: false,
      reason:
        "the guard's Trino parser cannot read it, and unreadable text is never run; rewrite it with plainer syntax (for example CASE instead of FILTER, LIMIT instead of FETCH, SELECT instead of VALUES).",
    };
  }
  const list = Array.isArray(ast) ? ast : [ast];
  if (list.length !== 1) {
    return { ok: false, reason: `the parser found ${list.length} statements; send one.` };
  }
  const root = list[0] as { type?: unknown };
  if (root?.type !== "select") {
    return {
      ok: false,
      reason: `the parser read it as a ${String(root?.type)} statement, not a query.`,
    };
  }
  const found = findModifying(root, 0);
  if (found) return { ok: false, reason: `it contains a nested ${found.toUpperCase()} statement.` };
  return { ok: true };
}

/** Depth-first search for a statement node that changes data or state (data-modifying CTEs). */
function findModifying(node: unknown, depth: number): string | undefined {
  if (depth > 200 || node === null || typeof node !== "object") return undefined;
  if (Array.isArray(node)) {
    for (const item of node) {
      const hit = findModifying(item, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  const record = node as Record<string, unknown>;
  const type = record.type;
  // Statement nodes carry their own clauses; expression nodes of the same name (e.g. a column
  // literally called "set") do not, so only flag nodes that look like statements.
  if (typeof type === "string" && MODIFYING_AST_TYPES.has(type) && looksLikeStatement(record)) {
    return type;
  }
  for (const value of Object.values(record)) {
    const hit = findModifying(value, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

function looksLikeStatement(record: Record<string, unknown>): boolean {
  return ["table", "keyword", "name", "expr", "values", "set", "where"].some((k) => k in record);
}

/** The result of {@link applyRowLimit}. */
export type RowLimitResult =
  | {
      /** The limit was applied. */
      ok: true;
      /** The query with its top-level limit at most `maxRows`. */
      sql: string;
      /** The row limit now in force: the query's own when lower, else `maxRows`. */
      limit: number;
    }
  | {
      /** The query could not be limited (bad `maxRows`, lexical error, not one statement). */
      ok: false;
      /** Why, as a sentence. */
      reason: string;
    };

/**
 * Adds or lowers the top-level row limit of one query. A `LIMIT n` or `FETCH FIRST n ROWS` at the
 * outermost level above `maxRows` is lowered, `LIMIT ALL` is replaced, and a query without one
 * gets `LIMIT maxRows` on a new line (so a trailing `--` comment cannot swallow it). `dialect`
 * picks the lexical rules the text is read by (default `trino`).
 *
 * @example
 * ```ts
 * applyRowLimit("SELECT * FROM t LIMIT 5000", 100); // { ok: true, sql: "SELECT * FROM t LIMIT 100", limit: 100 }
 * ```
 */
export function applyRowLimit(
  sql: string,
  maxRows: number,
  dialect: SqlDialect = "trino",
): RowLimitResult {
  if (!Number.isInteger(maxRows) || maxRows < 1) {
    return { ok: false, reason: `maxRows must be a whole number >= 1; got ${maxRows}.` };
  }
  const lexed = lexSql(sql, dialect);
  if (!lexed.ok) return { ok: false, reason: lexed.reason };
  const statements = splitStatements(lexed.tokens);
  if (statements.length !== 1) return { ok: false, reason: "expected exactly one statement." };
  const tokens = statements[0] as SqlToken[];
  let depth = 0;
  let limitAt = -1;
  let fetchAt = -1;
  tokens.forEach((t, i) => {
    if (t.kind === "punct" && t.text === "(") depth++;
    else if (t.kind === "punct" && t.text === ")") depth--;
    else if (depth === 0 && t.kind === "word") {
      const upper = t.text.toUpperCase();
      if (upper === "LIMIT") limitAt = i;
      else if (upper === "FETCH") fetchAt = i;
    }
  });
  const last = tokens[tokens.length - 1] as SqlToken;
  const body = sql.slice((tokens[0] as SqlToken).start, last.end);
  const offset = (tokens[0] as SqlToken).start;
  const replaceToken = (t: SqlToken, text: string) =>
    body.slice(0, t.start - offset) + text + body.slice(t.end - offset);

  if (limitAt >= 0) {
    const value = tokens[limitAt + 1];
    if (value?.kind === "number" && /^\d+$/.test(value.text)) {
      const n = Number(value.text);
      if (n <= maxRows) return { ok: true, sql: body, limit: n };
      return { ok: true, sql: replaceToken(value, String(maxRows)), limit: maxRows };
    }
    if (value?.kind === "word" && value.text.toUpperCase() === "ALL") {
      return { ok: true, sql: replaceToken(value, String(maxRows)), limit: maxRows };
    }
    return {
      ok: false,
      reason: "the top-level LIMIT is not a plain number, so the row cap cannot be applied.",
    };
  }
  if (fetchAt >= 0) {
    // FETCH { FIRST | NEXT } [ n ] { ROW | ROWS } { ONLY | WITH TIES }
    const maybeCount = tokens[fetchAt + 2];
    if (maybeCount?.kind === "number" && /^\d+$/.test(maybeCount.text)) {
      const n = Number(maybeCount.text);
      if (n <= maxRows) return { ok: true, sql: body, limit: n };
      return { ok: true, sql: replaceToken(maybeCount, String(maxRows)), limit: maxRows };
    }
    if (maybeCount?.kind === "word" && /^ROWS?$/i.test(maybeCount.text)) {
      return { ok: true, sql: body, limit: 1 };
    }
    return {
      ok: false,
      reason: "the top-level FETCH clause is not a plain number, so the row cap cannot be applied.",
    };
  }
  return { ok: true, sql: `${body}\nLIMIT ${maxRows}`, limit: maxRows };
}
