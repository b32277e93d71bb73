/**
 * A small corpus of how Amazon Athena reports a failed query: the engine's message format (the
 * Trino error name, then `line L:C:` when the engine knows a position, then the text) and the
 * `AthenaError` that `GetQueryExecution` returns beside it (`ErrorCategory`, `ErrorType`,
 * `Retryable`). The Athena stand-in answers with these, and `athena-error-corpus.test.ts` checks
 * fmops's mapping of each entry, so the mapping is tested against the service's formats rather
 * than against fmops's own DuckDB error text.
 *
 * Facts only, from these sources (no text is copied from them):
 * - **catalog**: Athena error catalog, https://docs.aws.amazon.com/athena/latest/ug/error-reference.html
 *   (categories 1 SYSTEM, 2 USER, 3 OTHER; the `ErrorType` numbers and what each one means).
 * - **duckdb-catalog**: Athena error catalog for DuckDB queries,
 *   https://docs.aws.amazon.com/athena/latest/ug/duckdb-error-reference.html (`Retryable` says
 *   whether running the query again may succeed; category 1 means run it again; messages of that
 *   engine use DuckDB's wording and carry no Trino error name).
 * - **engine-v3**: Athena engine version 3 breaking changes,
 *   https://docs.aws.amazon.com/athena/latest/ug/engine-versions-reference-0003.html (messages
 *   such as `INVALID_FUNCTION_ARGUMENT: ...` without a position, `FUNCTION_NOT_FOUND`,
 *   `mismatched input '...'. Expecting: ...`).
 * - **kc-select-star**: AWS re:Post Knowledge Center, "SYNTAX_ERROR: line 1:8: SELECT * not allowed
 *   in queries without FROM clause",
 *   https://repost.aws/knowledge-center/athena-syntax-error-select-not-allowed.
 * - **trino-codes**: Trino's `StandardErrorCode` names (`COLUMN_NOT_FOUND`, `TABLE_NOT_FOUND`,
 *   `SYNTAX_ERROR`, `GENERIC_INTERNAL_ERROR`, ...), which Athena engine version 3 puts at the head
 *   of the message; the exact wording after the position is the engine's and is recorded here as
 *   users report it (for example `Column 'x' cannot be resolved`).
 *
 * Which `ErrorType` Athena sends with which Trino error name is not documented: the catalog lists
 * the numbers and their meanings only. `typeSource: "by-meaning"` marks a pairing chosen from the
 * catalog's description of the number (for example 1110, "table or view does not exist", for
 * `TABLE_NOT_FOUND`); those pairings are unverified against the live service.
 *
 * @module
 */

/** The `ErrorCategory` values of the catalog. */
export const ATHENA_ERROR_CATEGORY = { system: 1, user: 2, other: 3 } as const;

/**
 * The catalog's `ErrorType` numbers this corpus uses, with their meaning in our own words.
 * (The catalog lists many more; see the module comment.)
 */
export const ATHENA_ERROR_TYPES: Readonly<Record<number, string>> = {
  200: "internal error in the query engine",
  206: "query timed out",
  1000: "user error",
  1006: "syntax error",
  1100: "invalid argument",
  1106: "invalid function argument",
  1110: "table or view does not exist",
  1301: "entity not found",
  1303: "function not found",
  1404: "throttled by Athena",
  1501: "Amazon S3 permission error",
};

/** The `AthenaError` of a failed query, as `GetQueryExecution` returns it. */
export interface AthenaErrorFields {
  ErrorCategory: number;
  ErrorType: number;
  /** Absent in some answers: the SDK model marks no member of `AthenaError` required. */
  Retryable?: boolean;
}

/** One failed query: what Athena says, and what fmops must make of it. */
export interface AthenaErrorCase {
  /** Short name for test titles. */
  name: string;
  /** `Status.AthenaError.ErrorMessage` and `Status.StateChangeReason`. */
  message: string;
  athenaError: AthenaErrorFields;
  /** Where the message format comes from (a source name of the module comment). */
  formatSource: string;
  /** `documented` when a source pairs the name with the type, `by-meaning` otherwise. */
  typeSource: "documented" | "by-meaning";
  /** What fmops's `SqlError` must be. */
  expected: {
    code: string;
    retryable: boolean;
    line?: number;
    column?: number;
    /** The text that goes back to the model on the next attempt. */
    message: string;
  };
}

const user = (ErrorType: number): AthenaErrorFields => ({
  ErrorCategory: ATHENA_ERROR_CATEGORY.user,
  ErrorType,
  Retryable: false,
});

/** The corpus. Positions are those of the statement as sent (execute, no `EXPLAIN` prefix). */
export const athenaErrorCorpus: readonly AthenaErrorCase[] = [
  {
    name: "engine v3: column not found",
    message: "COLUMN_NOT_FOUND: line 1:8: Column 'totl' cannot be resolved",
    athenaError: user(1301),
    formatSource: "trino-codes",
    typeSource: "by-meaning",
    expected: {
      code: "COLUMN_NOT_FOUND",
      retryable: false,
      line: 1,
      column: 8,
      message: "COLUMN_NOT_FOUND: line 1:8: Column 'totl' cannot be resolved",
    },
  },
  {
    name: "engine v2: a missing column reported as a syntax error",
    message: "SYNTAX_ERROR: line 1:8: Column 'totl' cannot be resolved",
    athenaError: user(1006),
    formatSource: "trino-codes",
    typeSource: "by-meaning",
    expected: {
      code: "SYNTAX_ERROR",
      retryable: false,
      line: 1,
      column: 8,
      message: "SYNTAX_ERROR: line 1:8: Column 'totl' cannot be resolved",
    },
  },
  {
    name: "table not found, fully qualified name in lower case",
    message: "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.shop.nosuch' does not exist",
    athenaError: user(1110),
    formatSource: "trino-codes",
    typeSource: "by-meaning",
    expected: {
      code: "TABLE_NOT_FOUND",
      retryable: false,
      line: 1,
      column: 15,
      message: "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.shop.nosuch' does not exist",
    },
  },
  {
    name: "parser: mismatched input with the expected tokens",
    message:
      "SYNTAX_ERROR: line 1:1: mismatched input 'SELEKT'. Expecting: 'ALTER', 'SELECT', 'WITH'",
    athenaError: user(1006),
    formatSource: "engine-v3",
    typeSource: "by-meaning",
    expected: {
      code: "SYNTAX_ERROR",
      retryable: false,
      line: 1,
      column: 1,
      message:
        "SYNTAX_ERROR: line 1:1: mismatched input 'SELEKT'. Expecting: 'ALTER', 'SELECT', 'WITH'",
    },
  },
  {
    name: "SELECT * without FROM",
    message: "SYNTAX_ERROR: line 1:8: SELECT * not allowed in queries without FROM clause",
    athenaError: user(1006),
    formatSource: "kc-select-star",
    typeSource: "by-meaning",
    expected: {
      code: "SYNTAX_ERROR",
      retryable: false,
      line: 1,
      column: 8,
      message: "SYNTAX_ERROR: line 1:8: SELECT * not allowed in queries without FROM clause",
    },
  },
  {
    name: "a name without a position",
    message: "INVALID_FUNCTION_ARGUMENT: There must be two or more concatenation arguments",
    athenaError: user(1106),
    formatSource: "engine-v3",
    typeSource: "by-meaning",
    expected: {
      code: "INVALID_FUNCTION_ARGUMENT",
      retryable: false,
      message: "INVALID_FUNCTION_ARGUMENT: There must be two or more concatenation arguments",
    },
  },
  {
    name: "function not found",
    message: "FUNCTION_NOT_FOUND: line 1:8: Function 'date_diff2' not registered",
    athenaError: user(1303),
    formatSource: "engine-v3 (the name), trino-codes (the wording)",
    typeSource: "by-meaning",
    expected: {
      code: "FUNCTION_NOT_FOUND",
      retryable: false,
      line: 1,
      column: 8,
      message: "FUNCTION_NOT_FOUND: line 1:8: Function 'date_diff2' not registered",
    },
  },
  {
    name: "system error the service marks retryable",
    message: "GENERIC_INTERNAL_ERROR: The query engine hit an internal error",
    athenaError: { ErrorCategory: ATHENA_ERROR_CATEGORY.system, ErrorType: 200, Retryable: true },
    formatSource: "trino-codes (the name; the wording is ours)",
    typeSource: "documented",
    expected: {
      code: "GENERIC_INTERNAL_ERROR",
      retryable: true,
      message: "GENERIC_INTERNAL_ERROR: The query engine hit an internal error",
    },
  },
  {
    name: "system error without Retryable: category 1 means run it again",
    message: "GENERIC_INTERNAL_ERROR: The query engine hit an internal error",
    athenaError: { ErrorCategory: ATHENA_ERROR_CATEGORY.system, ErrorType: 200 },
    formatSource: "duckdb-catalog (category 1: run it again); the wording is ours",
    typeSource: "documented",
    expected: {
      code: "GENERIC_INTERNAL_ERROR",
      retryable: true,
      message: "GENERIC_INTERNAL_ERROR: The query engine hit an internal error",
    },
  },
  {
    name: "DuckDB wording: no Trino name, the catalog type explains it",
    message: 'Binder Error: Referenced column "totl" not found in FROM clause!',
    athenaError: user(1000),
    formatSource: "duckdb-catalog",
    typeSource: "by-meaning",
    expected: {
      code: "GENERIC_USER_ERROR",
      retryable: false,
      message:
        'GENERIC_USER_ERROR: Binder Error: Referenced column "totl" not found in FROM clause! (Athena error type 1000: user error)',
    },
  },
  {
    name: "S3 permission error without a Trino name",
    message: "Access denied when writing output to url: s3://athena-results/q.csv",
    athenaError: user(1501),
    formatSource: "catalog (the type); the wording is ours, unverified",
    typeSource: "documented",
    expected: {
      code: "GENERIC_USER_ERROR",
      retryable: false,
      message:
        "GENERIC_USER_ERROR: Access denied when writing output to url: s3://athena-results/q.csv (Athena error type 1501: Amazon S3 permission error)",
    },
  },
];

/**
 * The `AthenaError` fields the stand-in sends for a failure its DuckDB reported under a Trino
 * error name (see `duckdb-errors.ts`), chosen from the catalog by meaning.
 */
export function athenaErrorForName(name: string): AthenaErrorFields {
  switch (name) {
    case "GENERIC_INTERNAL_ERROR":
      return { ErrorCategory: ATHENA_ERROR_CATEGORY.system, ErrorType: 200, Retryable: true };
    case "SYNTAX_ERROR":
      return user(1006);
    case "TABLE_NOT_FOUND":
      return user(1110);
    case "COLUMN_NOT_FOUND":
      return user(1301);
    case "FUNCTION_NOT_FOUND":
      return user(1303);
    case "INVALID_FUNCTION_ARGUMENT":
      return user(1106);
    case "INVALID_CAST_ARGUMENT":
      return user(1100);
    default:
      return user(1000);
  }
}
