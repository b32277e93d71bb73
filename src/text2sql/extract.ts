/**
 * Pulls the SQL out of a model's answer: fenced blocks (the last SQL-looking one wins when there
 * are several), stray `SQLQuery:` / `SQL:` prefixes, trailing prose and `SQLResult:` sections,
 * and the explicit `UNANSWERABLE` reply.
 *
 * @module
 */
import { lexSql, splitStatements } from "./sql-lexer.js";

/** What {@link extractSql} found in a model's answer. */
export type Extraction =
  | {
      /** The answer contains a query. */
      kind: "sql";
      /** The query text, without code fences or surrounding prose. */
      sql: string;
    }
  | {
      /** The model said the schema cannot answer the question. */
      kind: "unanswerable";
      /** The model's explanation (may be empty). */
      reason: string;
    }
  | {
      /** Neither a query nor an unanswerable marker was found. */
      kind: "none";
    };

// Every pattern here runs on the model's whole answer before any length limit, so none may
// backtrack quadratically: no two neighbouring quantifiers can match the same characters.
const SQL_START =
  /^\s*(?:\(\s*)*(SELECT|WITH|VALUES|INSERT|UPDATE|DELETE|MERGE|DROP|CREATE|ALTER|TRUNCATE|GRANT|REVOKE|CALL|UNLOAD|SHOW|DESCRIBE|EXPLAIN|SET|USE|COPY|ATTACH|PRAGMA)\b/i;
const PREFIX = /^\s*(?:SQL\s*Query|SQL|Query|Answer)\s*:\s*/i;
const STOP_LINE = /^\s*(?:SQLResult|SQL\s*Result|Result|Answer|Explanation|Note|Question)\s*:/i;
// The info string after the opening backquotes is captured whole (a backquote cannot occur in it)
// and its language read separately by FENCE_LANGUAGE.
const FENCE = /```([^\n`]*)\n([\s\S]*?)(?:```|$(?![\s\S]))/g;
const FENCE_LANGUAGE = /^[ \t]*([A-Za-z0-9_+-]*)/;
const UNANSWERABLE = /^\s*(?:\*\*)?UNANSWERABLE\b(?:\*\*)?[\s:.,-]*/i;

/**
 * Finds the SQL statement in `text`. Statements that are not queries (a DROP, say) are still
 * returned, so that the guard can refuse them with a reason the model sees.
 *
 * @example
 * ```ts
 * extractSql("Here you go:\n```sql\nSELECT 1;\n```\nThis counts rows.");
 * // { kind: "sql", sql: "SELECT 1" }
 * extractSql("UNANSWERABLE The schema has no salary column.");
 * // { kind: "unanswerable", reason: "The schema has no salary column." }
 * ```
 */
export function extractSql(text: string): Extraction {
  const answer = text.replace(/\r\n?/g, "\n");
  const unanswerable = UNANSWERABLE.exec(answer);
  if (unanswerable) {
    return { kind: "unanswerable", reason: answer.slice(unanswerable[0].length).trim() };
  }
  const blocks = [...answer.matchAll(FENCE)].map((m) => ({
    lang: (FENCE_LANGUAGE.exec(m[1] ?? "")?.[1] ?? "").toLowerCase(),
    body: stripPrefix(m[2] ?? ""),
  }));
  const candidates = blocks.filter((b) => SQL_START.test(b.body));
  const preferred = candidates.filter((b) => b.lang === "sql" || b.lang === "");
  const chosen = (preferred.length > 0 ? preferred : candidates).at(-1);
  if (chosen) return finish(chosen.body);
  if (blocks.length > 0 && /^\s*UNANSWERABLE\b/i.test(blocks.at(-1)?.body ?? "")) {
    return {
      kind: "unanswerable",
      reason: (blocks.at(-1)?.body ?? "").replace(UNANSWERABLE, "").trim(),
    };
  }

  // No fence: find the first line that starts a statement, after any "SQLQuery:" prefix.
  const lines = answer.split("\n");
  const startIndex = lines.findIndex((line) => SQL_START.test(stripPrefix(line)));
  if (startIndex < 0) return { kind: "none" };
  const kept: string[] = [stripPrefix(lines[startIndex] as string)];
  for (const line of lines.slice(startIndex + 1)) {
    if (STOP_LINE.test(line)) break;
    // A blank line followed by prose ends the statement; SQL rarely contains blank lines.
    if (line.trim() === "" && kept.at(-1)?.trim() === "") break;
    kept.push(line);
  }
  return finish(kept.join("\n"));
}

function stripPrefix(text: string): string {
  return text.replace(PREFIX, "");
}

/**
 * Trims the statement and cuts prose after its `;`. Further statements that start with a SQL
 * keyword are kept, so that "SELECT 1; DROP TABLE t" reaches the guard whole and is refused.
 */
function finish(body: string): Extraction {
  const trimmed = body.trim();
  const lexed = lexSql(trimmed);
  if (!lexed.ok) return { kind: "sql", sql: trimmed.replace(/;\s*$/, "").trim() };
  const statements = splitStatements(lexed.tokens);
  const first = statements[0];
  if (!first) return { kind: "none" };
  let last = first;
  for (const statement of statements.slice(1)) {
    if (!SQL_START.test(trimmed.slice(statement[0]?.start ?? 0))) break;
    last = statement;
  }
  const sql = trimmed.slice(first[0]?.start ?? 0, last.at(-1)?.end ?? trimmed.length).trim();
  return sql === "" ? { kind: "none" } : { kind: "sql", sql };
}
