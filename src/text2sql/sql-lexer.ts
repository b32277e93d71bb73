/**
 * A small SQL tokenizer for the read-only guard and LIMIT rewriting, with one set of lexical rules
 * per engine. Where a statement ends depends on where comments and strings end, and engines
 * disagree about that: DuckDB (like PostgreSQL) nests block comments, reads backslash escapes in
 * `E'...'` strings and has dollar-quoted strings, while Trino does none of these. A guard that
 * reads a text differently from the engine that runs it can be fooled, so each dialect here
 * follows its engine, and anything the two engines would read differently, or that this tokenizer
 * cannot classify safely, is reported as an error for the guard to refuse.
 *
 * @module
 */

/** The lexical rules to follow: Trino's (Athena) or DuckDB's (PostgreSQL's scanner). */
export type SqlDialect = "trino" | "duckdb";

/** Token kinds. */
export type SqlTokenKind = "word" | "quoted" | "string" | "number" | "punct" | "comment";

/** One token with its place in the text. */
export interface SqlToken {
  /** What kind of token this is. */
  kind: SqlTokenKind;
  /** The token's text as written. */
  text: string;
  /** Offset of its first character. */
  start: number;
  /** Offset just past its last character. */
  end: number;
}

/** The tokens of a text, or the first lexical problem found. */
export type LexResult =
  | {
      /** The whole text was tokenized. */
      ok: true;
      /** The tokens in order, comments included, whitespace left out. */
      tokens: SqlToken[];
    }
  | {
      /** The text has a lexical error. */
      ok: false;
      /** What and where, e.g. an unterminated string literal. */
      reason: string;
    };

/** The character-level rules that differ between the dialects. */
interface Rules {
  isSpace(c: string): boolean;
  wordStart(c: string): boolean;
  wordPart(c: string): boolean;
}

const isAsciiLetter = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
const isDigit = (c: string) => c >= "0" && c <= "9";
// Both scanners read any non-ASCII character outside quotes as part of an identifier (DuckDB)
// or as an error (Trino); neither reads it as a space, a quote or a statement separator.
const isNonAscii = (c: string) => c.charCodeAt(0) >= 0x80;

const TRINO: Rules = {
  // Trino's grammar: WS is [ \r\n\t]; everything else outside a token is an error.
  isSpace: (c) => c === " " || c === "\t" || c === "\n" || c === "\r",
  wordStart: (c) => isAsciiLetter(c) || c === "_" || isNonAscii(c),
  wordPart: (c) => isAsciiLetter(c) || isDigit(c) || c === "_" || isNonAscii(c),
};

const DUCKDB: Rules = {
  // PostgreSQL's scanner: space [ \t\n\r\f\v]; identifiers [A-Za-z\200-\377_][A-Za-z\200-\377_0-9$]*.
  isSpace: (c) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v",
  wordStart: (c) => isAsciiLetter(c) || c === "_" || isNonAscii(c),
  wordPart: (c) => isAsciiLetter(c) || isDigit(c) || c === "_" || c === "$" || isNonAscii(c),
};

const fail = (reason: string): LexResult => ({ ok: false, reason });

/**
 * Splits `sql` into tokens, comments included, following the lexical rules of `dialect`
 * (default `trino`). Fails on an unterminated string, identifier or comment, and on constructs
 * that engines read differently, so that a guard never approves a text whose statement
 * boundaries are in doubt:
 *
 * - both dialects: a number running straight into a word or quote (`1e'...'` is an E-string to
 *   DuckDB), and `$` parameters;
 * - Trino: `/*` inside a block comment (DuckDB nests comments, Trino does not), `E'...'` strings,
 *   `$` outside quotes and backquoted identifiers (Trino refuses them; DuckDB reads `` ` `` as an
 *   operator);
 * - DuckDB: nested block comments, `E'...'` backslash escapes and `$tag$...$tag$` strings are read
 *   as DuckDB reads them.
 *
 * @example
 * ```ts
 * lexSql("SELECT 1 /* /* *\/ ; *\/", "duckdb"); // one comment: DuckDB nests them
 * lexSql("SELECT 1 /* /* *\/ ; *\/");           // { ok: false, reason: "... nested ..." }
 * ```
 */
export function lexSql(sql: string, dialect: SqlDialect = "trino"): LexResult {
  const rules = dialect === "duckdb" ? DUCKDB : TRINO;
  const tokens: SqlToken[] = [];
  const push = (kind: SqlTokenKind, start: number, end: number) =>
    tokens.push({ kind, text: sql.slice(start, end), start, end });
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    const start = i;
    if (rules.isSpace(c)) {
      i++;
      continue;
    }
    if (c === "-" && sql[i + 1] === "-") {
      while (i < n && sql[i] !== "\n" && sql[i] !== "\r") i++;
      push("comment", start, i);
      continue;
    }
    if (c === "/" && sql[i + 1] === "*") {
      const end = dialect === "duckdb" ? nestedCommentEnd(sql, i) : flatCommentEnd(sql, i);
      if (typeof end === "string") return fail(end);
      i = end;
      push("comment", start, i);
      continue;
    }
    if (c === "'") {
      const end = scanQuoted(sql, i, "'", false);
      if (end < 0) return fail(`an unterminated string literal starts at offset ${i}.`);
      i = end;
      push("string", start, i);
      continue;
    }
    if (c === '"') {
      const end = scanQuoted(sql, i, '"', false);
      if (end < 0) return fail(`an unterminated quoted identifier starts at offset ${i}.`);
      i = end;
      push("quoted", start, i);
      continue;
    }
    if (c === "`") {
      if (dialect === "duckdb") {
        // An operator character to DuckDB, not a quote.
        i++;
        push("punct", start, i);
        continue;
      }
      return fail(
        `a backquote at offset ${i}: Trino does not accept backquoted identifiers; use double quotes.`,
      );
    }
    if (c === "$") {
      if (dialect === "trino") {
        return fail(
          `"$" at offset ${i} is not allowed outside quotes (dollar-quoted strings and parameters are refused).`,
        );
      }
      const end = dollarStringEnd(sql, i);
      if (typeof end === "string") return fail(end);
      i = end;
      push("string", start, i);
      continue;
    }
    if (isDigit(c) || (c === "." && isDigit(sql[i + 1] ?? ""))) {
      i = numberEnd(sql, i);
      const next = sql[i] ?? "";
      if (rules.wordStart(next) || next === "'" || next === '"' || next === "$" || next === "`") {
        return fail(
          `the number at offset ${start} runs straight into "${next}"; put a space after it.`,
        );
      }
      push("number", start, i);
      continue;
    }
    if (rules.wordStart(c)) {
      i++;
      while (i < n && rules.wordPart(sql[i] as string)) i++;
      if (sql[i] === "'" && i - start === 1 && (c === "e" || c === "E")) {
        // E'...': backslash escapes in DuckDB; an unknown type name to Trino.
        if (dialect === "trino") {
          return fail(
            `an E'...' string at offset ${start}: engines disagree on its backslash escapes; write a plain '...' string.`,
          );
        }
        const end = scanQuoted(sql, i, "'", true);
        if (end < 0) return fail(`an unterminated E'...' string starts at offset ${start}.`);
        i = end;
        push("string", start, i);
        continue;
      }
      push("word", start, i);
      continue;
    }
    // Other characters: one code point of punctuation.
    const cp = sql.codePointAt(i) ?? 0;
    i += cp > 0xffff ? 2 : 1;
    push("punct", start, i);
  }
  return { ok: true, tokens };
}

/** Trino: a block comment ends at the first `*\/`; a `/*` inside it would nest in DuckDB. */
function flatCommentEnd(sql: string, open: number): number | string {
  const close = sql.indexOf("*/", open + 2);
  if (close < 0) return `an unterminated /* comment starts at offset ${open}.`;
  const inner = sql.indexOf("/*", open + 2);
  if (inner >= 0 && inner < close) {
    return `a /* inside the comment at offset ${open}: engines disagree on whether comments nest; remove it.`;
  }
  return close + 2;
}

/** DuckDB: block comments nest; each `/*` needs its own `*\/`. */
function nestedCommentEnd(sql: string, open: number): number | string {
  let depth = 0;
  let i = open;
  while (i < sql.length) {
    if (sql[i] === "/" && sql[i + 1] === "*") {
      depth++;
      i += 2;
    } else if (sql[i] === "*" && sql[i + 1] === "/") {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return `an unterminated /* comment starts at offset ${open}.`;
}

/**
 * DuckDB's `$tag$...$tag$` strings (the tag may be empty). A `$` that does not open one, such as a
 * `$1` parameter, is refused: the guard only approves texts it can read completely.
 */
function dollarStringEnd(sql: string, open: number): number | string {
  let i = open + 1;
  const first = sql[i] ?? "";
  if (first !== "$") {
    if (!(isAsciiLetter(first) || first === "_" || isNonAscii(first))) {
      return `"$" at offset ${open} is not allowed outside quotes (parameters are refused).`;
    }
    while (i < sql.length && DUCKDB.wordPart(sql[i] as string) && sql[i] !== "$") i++;
    if (sql[i] !== "$") {
      return `"$" at offset ${open} is not allowed outside quotes (parameters are refused).`;
    }
  }
  const delimiter = sql.slice(open, i + 1);
  const close = sql.indexOf(delimiter, i + 1);
  if (close < 0) return `an unterminated ${delimiter} string starts at offset ${open}.`;
  return close + delimiter.length;
}

/** Digits with `.`, `_` and an exponent; the guard refuses whatever runs straight into it. */
function numberEnd(sql: string, from: number): number {
  let i = from + 1;
  while (i < sql.length && /[0-9._]/.test(sql[i] as string)) i++;
  if (/[eE]/.test(sql[i] ?? "") && /[-+0-9]/.test(sql[i + 1] ?? "")) {
    const afterSign = /[-+]/.test(sql[i + 1] as string) ? i + 2 : i + 1;
    if (isDigit(sql[afterSign] ?? "")) {
      i = afterSign;
      while (i < sql.length && isDigit(sql[i] as string)) i++;
    }
  }
  return i;
}

/**
 * Index just past the closing quote, or -1. A doubled quote is an escaped one; with `backslash`
 * (DuckDB's E'...' strings) a backslash escapes the character after it.
 */
function scanQuoted(sql: string, open: number, quote: string, backslash: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslash && c === "\\") {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return -1;
}

/** The tokens that are not comments. */
export function significant(tokens: readonly SqlToken[]): SqlToken[] {
  return tokens.filter((t) => t.kind !== "comment");
}

/** Splits significant tokens into statements at top-level `;`, dropping empty statements. */
export function splitStatements(tokens: readonly SqlToken[]): SqlToken[][] {
  const statements: SqlToken[][] = [];
  let current: SqlToken[] = [];
  for (const token of significant(tokens)) {
    if (token.kind === "punct" && token.text === ";") {
      if (current.length > 0) statements.push(current);
      current = [];
    } else {
      current.push(token);
    }
  }
  if (current.length > 0) statements.push(current);
  return statements;
}
