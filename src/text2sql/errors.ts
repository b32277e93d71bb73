/**
 * Errors of the text-to-SQL module.
 *
 * @module
 */
import type { FmopsErrorCode } from "../core/index.js";
import { FmopsError, type FmopsErrorOptions, redact } from "../core/index.js";
import type { ScanEstimate } from "./cost-guard.js";
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

  constructor(
    sqlError: SqlError,
    options: FmopsErrorOptions & {
      /** A more specific code for subclasses. Default `SQL_EXECUTION_ERROR`. */
      code?: FmopsErrorCode;
      /** A more specific message for subclasses. */
      message?: string;
    } = {},
  ) {
    super(
      options.code ?? "SQL_EXECUTION_ERROR",
      options.message ??
        `The SQL engine rejected the statement: ${redact(sqlError.message, 500)}. Fix the statement and run it again.`,
      { retryable: sqlError.retryable, cause: options.cause },
    );
    this.sqlError = sqlError;
  }
}

/**
 * The Athena cost guard refused to start a query: its estimated scan is over `maxBytesScanned`
 * or the workgroup's per-query cutoff (`sqlError.code` `QUERY_TOO_EXPENSIVE`), it could not be
 * estimated while a budget is set (`QUERY_COST_UNKNOWN`), or `onCostEstimate` declined it
 * (`QUERY_NOT_APPROVED`). Code: `SQL_SCAN_LIMIT`. Nothing was scanned and nothing was billed.
 *
 * It is a {@link SqlExecutionError}, so {@link Text2Sql} gives `sqlError.message` (the estimate
 * and how to scan less, e.g. "add a filter on the partition column dt") back to the model.
 *
 * @example
 * ```ts
 * try { await engine.execute(sql); } catch (err) {
 *   if (err instanceof SqlCostError) console.log(err.estimate.bytes, err.sqlError.message);
 * }
 * ```
 */
export class SqlCostError extends SqlExecutionError {
  /** What the query would have scanned, as estimated. */
  readonly estimate: ScanEstimate;

  constructor(sqlError: SqlError, estimate: ScanEstimate) {
    super(sqlError, {
      code: "SQL_SCAN_LIMIT",
      message: `Refused to start the query: ${redact(sqlError.message, 600)} Nothing was scanned. ${COST_ADVICE[sqlError.code] ?? COST_ADVICE.QUERY_TOO_EXPENSIVE}`,
    });
    this.estimate = estimate;
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

const COST_ADVICE: Record<string, string> = {
  QUERY_TOO_EXPENSIVE:
    "Change the query to scan less, or raise the engine's maxBytesScanned (or approve the query in onCostEstimate).",
  QUERY_COST_UNKNOWN:
    'Compute table statistics (ANALYZE, or a Glue crawler that records sizes), or set the engine\'s unknownScan to "run" to run queries that cannot be estimated.',
  QUERY_NOT_APPROVED: "onCostEstimate declined the query; change the query or approve it there.",
};

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
