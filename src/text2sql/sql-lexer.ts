/**
 * A small SQL tokenizer for the read-only guard and LIMIT rewriting. It follows Trino's lexical
 * rules (single-quoted strings with `''`, double-quoted identifiers with `""`, `--` and non-nested
 * block comments) and reports anything it cannot classify safely, so the guard can refuse it
 * rather than guess.
 *
 * @module
 */

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

const WORD_START = /[\p{L}_]/u;
const WORD_PART = /[\p{L}\p{N}_]/u;

/**
 * Splits `sql` into tokens, comments included. Fails on an unterminated string, identifier or
 * comment, and on `$` outside quotes: DuckDB and Postgres read `$$...$$` as a string, which would
 * make the guard and the engine disagree about where strings end.
 */
export function lexSql(sql: string): LexResult {
  const tokens: SqlToken[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    const start = i;
    if (/\s/u.test(c)) {
      i++;
      continue;
    }
    if (c === "-" && sql[i + 1] === "-") {
      while (i < n && sql[i] !== "\n" && sql[i] !== "\r") i++;
      tokens.push({ kind: "comment", text: sql.slice(start, i), start, end: i });
      continue;
    }
    if (c === "/" && sql[i + 1] === "*") {
      const close = sql.indexOf("*/", i + 2);
      if (close < 0)
        return { ok: false, reason: `an unterminated /* comment starts at offset ${i}.` };
      i = close + 2;
      tokens.push({ kind: "comment", text: sql.slice(start, i), start, end: i });
      continue;
    }
    if (c === "'" || c === '"' || c === "`") {
      const end = scanQuoted(sql, i, c);
      if (end < 0) {
        const what = c === "'" ? "string literal" : "quoted identifier";
        return { ok: false, reason: `an unterminated ${what} starts at offset ${i}.` };
      }
      i = end;
      tokens.push({
        kind: c === "'" ? "string" : "quoted",
        text: sql.slice(start, i),
        start,
        end: i,
      });
      continue;
    }
    if (c === "$") {
      return {
        ok: false,
        reason: `"$" at offset ${i} is not allowed outside quotes (dollar-quoted strings and parameters are refused).`,
      };
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      i++;
      while (i < n && /[0-9.]/.test(sql[i] as string)) i++;
      if (i < n && /[eE]/.test(sql[i] as string) && /[-+0-9]/.test(sql[i + 1] ?? "")) {
        i += 2;
        while (i < n && /[0-9]/.test(sql[i] as string)) i++;
      }
      tokens.push({ kind: "number", text: sql.slice(start, i), start, end: i });
      continue;
    }
    if (WORD_START.test(c)) {
      i++;
      while (i < n && WORD_PART.test(sql[i] as string)) i++;
      tokens.push({ kind: "word", text: sql.slice(start, i), start, end: i });
      continue;
    }
    // Surrogate pairs and other characters: one code point of punctuation.
    const cp = sql.codePointAt(i) ?? 0;
    i += cp > 0xffff ? 2 : 1;
    tokens.push({ kind: "punct", text: sql.slice(start, i), start, end: i });
  }
  return { ok: true, tokens };
}

/** Index just past the closing quote (a doubled quote is an escaped one), or -1. */
function scanQuoted(sql: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
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
