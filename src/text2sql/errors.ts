/**
 * Errors of the text-to-SQL module.
 *
 * @module
 */
import { FmopsError, type FmopsErrorOptions, redact } from "../core/errors.js";
import type { GuardRefusalCode } from "./guard.js";
import type { SqlError } from "./types.js";

/**
 * The engine rejected or failed a statement while executing it. Code: `SQL_EXECUTION_ERROR`;
 * `sqlError` holds the engine's error in Athena's format.
 *
 * @example
 * ```ts
 * try { await engine.execute(sql); } catch (err) {
 *   if (err instanceof SqlExecutionError) console.log(err.sqlError.code); // e.g. TABLE_NOT_FOUND
 * }
 * ```
 */
export class SqlExecutionError extends FmopsError {
  /** The engine's error: code, Athena-formatted message, position, retryable. */
  readonly sqlError: SqlError;

  constructor(sqlError: SqlError, options: FmopsErrorOptions = {}) {
    super(
      "SQL_EXECUTION_ERROR",
      `The SQL engine rejected the statement: ${redact(sqlError.message, 500)}. Fix the statement and run it again.`,
      { retryable: sqlError.retryable, cause: options.cause },
    );
    this.sqlError = sqlError;
  }
}

/**
 * The read-only guard refused a statement, so fmops never sent it to the engine. Never retryable.
 * Codes: `SQL_NOT_READ_ONLY` (not exactly one read-only query as the engine reads it, or not
 * readable with certainty), `SQL_TOO_LONG` (over the length cap), `SQL_FORBIDDEN_CHARACTER` (a
 * control or invisible formatting character such as NUL).
 *
 * @example
 * ```ts
 * try { await engine.execute("SELECT 1; DROP TABLE t"); } catch (err) {
 *   if (err instanceof SqlNotReadOnlyError) console.log(err.code, err.reason);
 * }
 * ```
 */
export class SqlNotReadOnlyError extends FmopsError {
  /** Why the guard refused it. */
  readonly reason: string;

  constructor(reason: string, code: GuardRefusalCode = "SQL_NOT_READ_ONLY") {
    super(code, `Refused to run the statement: ${reason} ${ADVICE[code]}`, { retryable: false });
    this.reason = reason;
  }
}

const ADVICE: Record<GuardRefusalCode, string> = {
  SQL_NOT_READ_ONLY: "Only one SELECT (or WITH ... SELECT) statement is allowed.",
  SQL_TOO_LONG: "Shorten the statement, or raise the engine's maxSqlLength.",
  SQL_FORBIDDEN_CHARACTER: "Remove control and invisible formatting characters from the statement.",
};

/** Builds a {@link SqlError} from an Athena-style message, reading `CODE: line L:C:` when present. */
export function sqlErrorFromMessage(
  message: string,
  fallbackCode: string,
  retryable = false,
): SqlError {
  const text = message.trim();
  const match = /^([A-Z][A-Z0-9_]+):\s*(?:line (\d+):(\d+):\s*)?/.exec(text);
  const code = match?.[1] ?? fallbackCode;
  const lineOnly = match ? undefined : /\bline (\d+):(\d+):/.exec(text);
  const line = match?.[2] ?? lineOnly?.[1];
  const column = match?.[3] ?? lineOnly?.[2];
  const error: SqlError = {
    code,
    message: match ? text : `${fallbackCode}: ${text}`,
    retryable,
  };
  if (line !== undefined) error.line = Number(line);
  if (column !== undefined) error.column = Number(column);
  return error;
}
