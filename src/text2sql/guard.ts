/**
 * The read-only guard: only one SELECT (or WITH ... SELECT, or VALUES) statement may reach an
 * engine. Two independent checks must both pass: a tokenizer that sees through comments and
 * strings (and refuses anything ambiguous), and a real SQL parser (node-sql-parser's Trino
 * grammar) that checks the statement's structure. When the parser cannot read a statement the
 * guard falls back to the tokenizer's verdict alone, which is deliberately strict.
 *
 * @module
 */
import * as trinoBuild from "node-sql-parser/build/trino.js";
import { lexSql, type SqlToken, splitStatements } from "./sql-lexer.js";

/** Options of {@link checkReadOnly}. */
export interface GuardOptions {
  /**
   * Caps the rows a query may return: a top-level `LIMIT n` (or `FETCH FIRST n ROWS`) above this
   * is lowered, `LIMIT ALL` is replaced, and a query without a limit gets `LIMIT maxRows` added.
   */
  maxRows?: number;
}

/** The guard's verdict. `sql` is the statement to run: trimmed, no trailing `;`, limit applied. */
export type GuardVerdict =
  | {
      /** The statement is a single read-only query. */
      ok: true;
      /** The statement to send to the engine. */
      sql: string;
      /** Whether the SQL parser understood the statement (false: the tokenizer alone decided). */
      parsed: boolean;
      /** The row limit now in force at the top level, when `maxRows` was given. */
      limit?: number;
    }
  | {
      /** The statement was refused. */
      ok: false;
      /** Why the statement was refused, as a sentence for people and models. */
      reason: string;
    };

const ALLOWED_FIRST = new Set(["SELECT", "WITH", "VALUES"]);

/**
 * Words that never appear in a read-only query outside quotes. The statement-level ones matter
 * inside data-modifying CTEs and `SELECT ... INTO`; DuckDB-only ones (ATTACH, COPY, INSTALL,
 * PRAGMA, ...) close engine-specific holes.
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
 * Checks that `sql` is exactly one read-only query and returns the statement to run.
 * Refuses INSERT/UPDATE/DELETE/MERGE, DDL (CREATE, CTAS, DROP, ALTER, ...), UNLOAD, GRANT, CALL,
 * SET/USE, several statements, and comment or string tricks that hide any of these.
 *
 * @example
 * ```ts
 * checkReadOnly("SELECT * FROM orders", { maxRows: 100 });
 * // { ok: true, sql: "SELECT * FROM orders\nLIMIT 100", parsed: true, limit: 100 }
 * checkReadOnly("SELECT 1; DROP TABLE orders");
 * // { ok: false, reason: "the text holds 2 statements; send one at a time." }
 * ```
 */
export function checkReadOnly(sql: string, options: GuardOptions = {}): GuardVerdict {
  if (typeof sql !== "string" || sql.trim() === "") {
    return { ok: false, reason: "the statement is empty." };
  }
  const lexed = lexSql(sql);
  if (!lexed.ok) return { ok: false, reason: lexed.reason };
  const statements = splitStatements(lexed.tokens);
  if (statements.length === 0) return { ok: false, reason: "the text holds only comments." };
  if (statements.length > 1) {
    return {
      ok: false,
      reason: `the text holds ${statements.length} statements; send one at a time.`,
    };
  }
  const tokens = statements[0] as SqlToken[];
  const first = tokens.find((t) => !(t.kind === "punct" && t.text === "("));
  const firstWord = first?.kind === "word" ? first.text.toUpperCase() : "";
  if (!ALLOWED_FIRST.has(firstWord)) {
    return {
      ok: false,
      reason: `it starts with ${first ? `"${first.text.slice(0, 30)}"` : "nothing"}, not SELECT, WITH or VALUES.`,
    };
  }
  for (const token of tokens) {
    if (token.kind === "word" && FORBIDDEN.has(token.text.toUpperCase())) {
      return {
        ok: false,
        reason: `it contains the keyword ${token.text.toUpperCase()} (at offset ${token.start}); if that is a column name, write it in double quotes.`,
      };
    }
  }
  const body = sql.slice(
    (tokens[0] as SqlToken).start,
    (tokens[tokens.length - 1] as SqlToken).end,
  );
  const structural = checkWithParser(body);
  if (structural.verdict === "refused") return { ok: false, reason: structural.reason };
  const parsed = structural.verdict === "select";
  if (options.maxRows === undefined) return { ok: true, sql: body, parsed };
  const limited = applyRowLimit(body, options.maxRows);
  if (!limited.ok) return limited;
  return { ok: true, sql: limited.sql, parsed, limit: limited.limit };
}

type Structural =
  | { verdict: "select" }
  | { verdict: "unparsed" }
  | { verdict: "refused"; reason: string };

function checkWithParser(sql: string): Structural {
  const p = trinoParser();
  if (!p) return { verdict: "unparsed" };
  let ast: unknown;
  try {
    ast = p.astify(sql, { database: "trino" });
  } catch {
    return { verdict: "unparsed" };
  }
  const list = Array.isArray(ast) ? ast : [ast];
  if (list.length !== 1) {
    return { verdict: "refused", reason: `the parser found ${list.length} statements; send one.` };
  }
  const root = list[0] as { type?: unknown };
  if (root?.type !== "select") {
    return {
      verdict: "refused",
      reason: `the parser read it as a ${String(root?.type)} statement, not a query.`,
    };
  }
  const found = findModifying(root, 0);
  if (found)
    return { verdict: "refused", reason: `it contains a nested ${found.toUpperCase()} statement.` };
  return { verdict: "select" };
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
 * gets `LIMIT maxRows` on a new line (so a trailing `--` comment cannot swallow it).
 *
 * @example
 * ```ts
 * applyRowLimit("SELECT * FROM t LIMIT 5000", 100); // { ok: true, sql: "SELECT * FROM t LIMIT 100", limit: 100 }
 * ```
 */
export function applyRowLimit(sql: string, maxRows: number): RowLimitResult {
  if (!Number.isInteger(maxRows) || maxRows < 1) {
    return { ok: false, reason: `maxRows must be a whole number >= 1; got ${maxRows}.` };
  }
  const lexed = lexSql(sql);
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
