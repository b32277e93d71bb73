/**
 * {@link AthenaEngine}: runs and validates SQL on Amazon Athena.
 *
 * @module
 */
import type * as AthenaModule from "@aws-sdk/client-athena";
import type {
  GetQueryExecutionCommandOutput,
  GetQueryResultsCommandOutput,
  QueryExecution,
} from "@aws-sdk/client-athena";
import { z } from "zod";
import {
  type AwsClientConfig,
  awsCall,
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  type SendsCommands,
  wrapAwsError,
} from "../core/aws.js";
import { athenaSdk, lazyAwsClient } from "../core/aws-sdk.js";
import { parseOptions } from "../core/options.js";
import { backoffDelay, retry } from "../core/retry.js";
import { sleep, type WaitOptions, withDeadline } from "../core/wait.js";
import { athenaTypeName, fromAthenaValue } from "./athena-values.js";
import { SqlExecutionError, SqlNotReadOnlyError, sqlErrorFromMessage } from "./errors.js";
import { checkReadOnly, type GuardRefusalCode } from "./guard.js";
import type {
  ExecuteOptions,
  QueryResult,
  SqlEngine,
  SqlError,
  SqlValue,
  ValidationOutcome,
} from "./types.js";

/** Options for {@link AthenaEngine}. */
export interface AthenaEngineOptions extends AwsClientConfig {
  /** A ready Athena client (preferred); otherwise one is built from region/credentials/endpoint. */
  athena?: SendsCommands;
  /** Workgroup. Default `primary`. */
  workgroup?: string;
  /** `s3://bucket/prefix/` for results; needed unless the workgroup sets one. */
  outputLocation?: string;
  /** Data catalog. Default `AwsDataCatalog`. */
  catalog?: string;
  /** Default database for unqualified table names. */
  database?: string;
  /** First polling delay, ms. Default 200. */
  pollMinDelayMs?: number;
  /** Longest polling delay, ms. Default 2000. */
  pollMaxDelayMs?: number;
  /** Rows per GetQueryResults page (1 to 1000). Default 1000. */
  pageSize?: number;
  /** Default time limit of one query, ms. Default 300 000. */
  timeoutMs?: number;
  /** Attempts for StartQueryExecution when Athena throttles. Default 4. */
  startAttempts?: number;
  /**
   * Refuse statements that are not a single read-only query ({@link checkReadOnly}). Default true:
   * `EXPLAIN ANALYZE` would otherwise run whatever `validate()` is given.
   */
  readOnly?: boolean;
  /** Longest SQL text the guard accepts, in characters. Default 20 000. */
  maxSqlLength?: number;
}

/** Options of {@link AthenaEngine.execute}. */
export interface AthenaExecuteOptions extends ExecuteOptions {
  /** Values for `?` placeholders (Athena ExecutionParameters), as SQL literals: `'abc'`, `42`. */
  parameters?: string[];
}

const optionsSchema = z
  .object({
    ...awsClientConfigShape,
    athena: awsClientSchema<SendsCommands>("AthenaClient").optional(),
    workgroup: z.string().min(1).max(128).optional(),
    outputLocation: z
      .string()
      .regex(/^s3:\/\/[^/]+/, "must be an s3://bucket/prefix/ URI")
      .optional(),
    catalog: z.string().min(1).optional(),
    database: z.string().min(1).optional(),
    pollMinDelayMs: z.number().min(0).max(60_000).optional(),
    pollMaxDelayMs: z.number().min(1).max(300_000).optional(),
    pageSize: z.int().min(1).max(1000).optional(),
    timeoutMs: z.int().min(1).max(86_400_000).optional(),
    startAttempts: z.int().min(1).max(20).optional(),
    readOnly: z.boolean().optional(),
    maxSqlLength: z.int().min(1).max(10_000_000).optional(),
  })
  .strict();

const SERVICE = "Athena";
const EXPLAIN = "EXPLAIN ";
// Athena AthenaErrorCode values that describe the statement rather than the setup.
const QUERY_ERROR_CODES =
  /^(MALFORMED_QUERY|SYNTAX_ERROR|(COLUMN|TABLE|FUNCTION|SCHEMA|CATALOG)_NOT_FOUND|TYPE_MISMATCH)$/;

/**
 * Runs statements on Athena: StartQueryExecution (workgroup, output location, catalog, database,
 * execution parameters), GetQueryExecution polling with growing jittered delays, paginated
 * GetQueryResults with typed values, StopQueryExecution when the caller aborts or the deadline
 * passes, and `validate()` through `EXPLAIN`. Failed queries become {@link SqlError}s from
 * Athena's `AthenaError` (or an `InvalidRequestException`'s AthenaErrorCode).
 *
 * @example
 * ```ts
 * const engine = new AthenaEngine({ region: "us-east-1", workgroup: "analytics", database: "sales",
 *   outputLocation: "s3://my-athena-results/fmops/" });
 * const check = await engine.validate("SELECT totl FROM orders");
 * if (!check.ok) console.log(check.error.message); // COLUMN_NOT_FOUND: line 1:8: Column 'totl' cannot be resolved ...
 * const { rows, stats } = await engine.execute("SELECT count(*) AS n FROM orders", { maxRows: 10 });
 * ```
 */
export class AthenaEngine implements SqlEngine {
  /** Athena speaks Trino SQL. */
  readonly dialect = "Athena (Trino)";
  /** The read-only guard reads SQL by Trino's rules, and the Trino parser must read it. */
  readonly guardDialect = "trino" as const;
  readonly #o: AthenaEngineOptions;
  readonly #athena;

  constructor(options: AthenaEngineOptions = {}) {
    this.#o = parseOptions(optionsSchema, options, "AthenaEngine options") as AthenaEngineOptions;
    const config = clientConfigFrom(this.#o);
    this.#athena = lazyAwsClient<typeof AthenaModule, SendsCommands>(
      athenaSdk,
      "AthenaEngine",
      this.#o.athena,
      (sdk) => new sdk.AthenaClient(config),
    );
  }

  /** Checks a statement with `EXPLAIN`; errors in the statement come back as `{ ok: false, error }`. */
  async validate(sql: string, options: WaitOptions = {}): Promise<ValidationOutcome> {
    const guarded = this.#guard(sql);
    if (!guarded.ok) {
      const message = `${guarded.code}: ${guarded.reason}`;
      return { ok: false, error: { code: guarded.code, message, retryable: false } };
    }
    try {
      await this.#run(EXPLAIN + guarded.sql, options, { maxRows: 0 });
      return { ok: true };
    } catch (err) {
      if (err instanceof SqlExecutionError && !err.sqlError.retryable) {
        return { ok: false, error: withoutPrefix(err.sqlError, EXPLAIN.length) };
      }
      throw err;
    }
  }

  /** Runs a statement and returns typed rows; Athena query failures throw {@link SqlExecutionError}. */
  execute(sql: string, options: AthenaExecuteOptions = {}): Promise<QueryResult> {
    const guarded = this.#guard(sql);
    if (!guarded.ok) return Promise.reject(new SqlNotReadOnlyError(guarded.reason, guarded.code));
    return this.#run(guarded.sql, options, options);
  }

  #guard(
    sql: string,
  ): { ok: true; sql: string } | { ok: false; reason: string; code: GuardRefusalCode } {
    if (this.#o.readOnly === false) return { ok: true, sql };
    // Trino's lexical rules and parser, failing closed: text the parser cannot read is refused.
    const verdict = checkReadOnly(sql, { dialect: "trino", maxLength: this.#o.maxSqlLength });
    return verdict.ok ? { ok: true, sql: verdict.sql } : verdict;
  }

  async #run(sql: string, wait: WaitOptions, options: AthenaExecuteOptions): Promise<QueryResult> {
    const started = performance.now();
    return withDeadline(
      wait,
      this.#o.timeoutMs ?? 300_000,
      "running an Athena query",
      async (signal) => {
        const id = await this.#start(sql, options.parameters, signal);
        let execution: QueryExecution;
        try {
          execution = await this.#poll(id, signal);
        } catch (err) {
          if (signal.aborted) await this.#stop(id);
          throw err;
        }
        const state = execution.Status?.State;
        if (state !== "SUCCEEDED") throw new SqlExecutionError(failure(execution));
        // validate() asks for no rows: the EXPLAIN plan itself is not needed.
        const { columns, rows, truncated } =
          options.maxRows === 0
            ? { columns: [], rows: [], truncated: false }
            : await this.#results(id, execution, options.maxRows, signal);
        const stats = execution.Statistics ?? {};
        const result: QueryResult = {
          columns,
          rows,
          stats: {
            elapsedMs: performance.now() - started,
            rowCount: rows.length,
            truncated,
            queryId: id,
          },
        };
        if (stats.EngineExecutionTimeInMillis !== undefined)
          result.stats.engineMs = stats.EngineExecutionTimeInMillis;
        if (stats.QueryQueueTimeInMillis !== undefined)
          result.stats.queueMs = stats.QueryQueueTimeInMillis;
        if (stats.DataScannedInBytes !== undefined)
          result.stats.dataScannedBytes = stats.DataScannedInBytes;
        return result;
      },
    );
  }

  async #start(
    sql: string,
    parameters: string[] | undefined,
    signal: AbortSignal,
  ): Promise<string> {
    const { sdk, client } = await this.#athena();
    const o = this.#o;
    const input = {
      QueryString: sql,
      WorkGroup: o.workgroup ?? "primary",
      ...(o.outputLocation ? { ResultConfiguration: { OutputLocation: o.outputLocation } } : {}),
      QueryExecutionContext: {
        Catalog: o.catalog ?? "AwsDataCatalog",
        ...(o.database ? { Database: o.database } : {}),
      },
      ...(parameters && parameters.length > 0 ? { ExecutionParameters: parameters } : {}),
    };
    try {
      const output = (await retry(
        () => client.send(new sdk.StartQueryExecutionCommand(input), { abortSignal: signal }),
        { maxAttempts: o.startAttempts ?? 4, baseDelayMs: 250, signal },
      )) as { QueryExecutionId?: string };
      if (!output.QueryExecutionId)
        throw new Error("StartQueryExecution returned no QueryExecutionId");
      return output.QueryExecutionId;
    } catch (err) {
      const e = err as { name?: string; AthenaErrorCode?: string; message?: string };
      // Athena rejects some statements up front: report those as SQL errors, not setup errors.
      if (
        e.name === "InvalidRequestException" &&
        e.AthenaErrorCode &&
        QUERY_ERROR_CODES.test(e.AthenaErrorCode)
      ) {
        throw new SqlExecutionError(sqlErrorFromMessage(e.message ?? "", e.AthenaErrorCode), {
          cause: err,
        });
      }
      throw wrapAwsError(err, {
        service: SERVICE,
        operation: "StartQueryExecution",
        iamAction: "athena:StartQueryExecution",
      });
    }
  }

  async #poll(id: string, signal: AbortSignal): Promise<QueryExecution> {
    const { sdk, client } = await this.#athena();
    const min = this.#o.pollMinDelayMs ?? 200;
    const max = Math.max(min, this.#o.pollMaxDelayMs ?? 2000);
    for (let poll = 1; ; poll++) {
      const output = (await awsCall(
        { service: SERVICE, operation: "GetQueryExecution", iamAction: "athena:GetQueryExecution" },
        () =>
          client.send(new sdk.GetQueryExecutionCommand({ QueryExecutionId: id }), {
            abortSignal: signal,
          }),
      )) as GetQueryExecutionCommandOutput;
      const execution = output.QueryExecution ?? {};
      const state = execution.Status?.State;
      if (state === "SUCCEEDED" || state === "FAILED" || state === "CANCELLED") return execution;
      // Half fixed, half jittered, growing per poll: quick answers for short queries, few calls for long ones.
      await sleep(
        min + backoffDelay(poll, { baseDelayMs: Math.max(1, min), maxDelayMs: max - min }),
        signal,
      );
    }
  }

  async #stop(id: string): Promise<void> {
    try {
      const { sdk, client } = await this.#athena();
      await client.send(new sdk.StopQueryExecutionCommand({ QueryExecutionId: id }), {
        abortSignal: AbortSignal.timeout(5000),
      });
    } catch {
      // Best effort: the caller's abort or timeout is the error that matters.
    }
  }

  async #results(
    id: string,
    execution: QueryExecution,
    maxRows: number | undefined,
    signal: AbortSignal,
  ): Promise<{
    columns: QueryResult["columns"];
    rows: Record<string, SqlValue>[];
    truncated: boolean;
  }> {
    const rows: Record<string, SqlValue>[] = [];
    let columns: QueryResult["columns"] = [];
    let info: {
      Name?: string | undefined;
      Type?: string | undefined;
      Precision?: number | undefined;
      Scale?: number | undefined;
    }[] = [];
    let token: string | undefined;
    let first = true;
    const limit = maxRows ?? Number.POSITIVE_INFINITY;
    const isQuery = execution.StatementType === "DML";
    const { sdk, client } = await this.#athena();
    do {
      const output = (await awsCall(
        { service: SERVICE, operation: "GetQueryResults", iamAction: "athena:GetQueryResults" },
        () =>
          client.send(
            new sdk.GetQueryResultsCommand({
              QueryExecutionId: id,
              MaxResults: this.#o.pageSize ?? 1000,
              ...(token ? { NextToken: token } : {}),
            }),
            { abortSignal: signal },
          ),
      )) as GetQueryResultsCommandOutput;
      if (first) {
        info = output.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        columns = info.map((c, i) => ({ name: c.Name ?? `_col${i}`, type: athenaTypeName(c) }));
      }
      let page = output.ResultSet?.Rows ?? [];
      // For SELECT statements the first row of the first page repeats the column names.
      if (
        first &&
        isQuery &&
        page.length > 0 &&
        page[0]?.Data?.every((d, i) => d.VarCharValue === columns[i]?.name)
      ) {
        page = page.slice(1);
      }
      first = false;
      for (const row of page) {
        if (rows.length >= limit) return { columns, rows, truncated: true };
        const out: Record<string, SqlValue> = {};
        columns.forEach((c, i) => {
          out[c.name] = fromAthenaValue(row.Data?.[i]?.VarCharValue, info[i] ?? {});
        });
        rows.push(out);
      }
      token = output.NextToken;
      if (rows.length >= limit && token) return { columns, rows, truncated: true };
    } while (token);
    return { columns, rows, truncated: false };
  }
}

/** The {@link SqlError} of a FAILED or CANCELLED execution, from its AthenaError. */
function failure(execution: QueryExecution): SqlError {
  const status = execution.Status ?? {};
  if (status.State === "CANCELLED") {
    return {
      code: "USER_CANCELED",
      message: "USER_CANCELED: Query was canceled",
      retryable: false,
    };
  }
  const athena = status.AthenaError;
  const message =
    athena?.ErrorMessage ?? status.StateChangeReason ?? "The query failed without a message";
  const system = athena?.ErrorCategory === SYSTEM_CATEGORY;
  // The catalog's advice for category 1 (system) is to run the query again; honour an explicit
  // Retryable, but do not read its absence as "never".
  const retryable = athena?.Retryable ?? system;
  const fallback = system ? "GENERIC_INTERNAL_ERROR" : "GENERIC_USER_ERROR";
  const error = sqlErrorFromMessage(message, fallback, retryable);
  // Without a Trino error name at its head (DuckDB-engine wording, S3 and permission failures),
  // the message alone says little; the catalog's meaning of ErrorType tells the model and the
  // user whether the SQL can fix it.
  const meaning = athena?.ErrorType === undefined ? undefined : errorTypeMeaning(athena.ErrorType);
  if (error.code === fallback && !message.trim().startsWith(`${fallback}:`) && meaning) {
    error.message = `${error.message} (Athena error type ${athena?.ErrorType}: ${meaning})`;
  }
  return error;
}

const SYSTEM_CATEGORY = 1;

// ErrorType ranges of the Athena error catalog
// (https://docs.aws.amazon.com/athena/latest/ug/error-reference.html), in our words.
const ERROR_TYPE_MEANINGS: readonly [from: number, to: number, meaning: string][] = [
  [0, 99, "the query ran out of resources at this scale"],
  [206, 206, "the query timed out"],
  [210, 210, "the query timed out"],
  [100, 999, "internal error in Athena or its query engine"],
  [1000, 1000, "user error"],
  [1001, 1002, "data error"],
  [1003, 1003, "DDL task failed"],
  [1004, 1004, "schema error"],
  [1005, 1005, "serialization error"],
  [1006, 1006, "syntax error"],
  [1007, 1007, "data error"],
  [1008, 1008, "query rejected"],
  [1011, 1011, "query canceled by user"],
  [1014, 1014, "query canceled by user"],
  [1100, 1199, "invalid argument, property, function argument or view"],
  [1200, 1299, "query not supported"],
  [1300, 1399, "something the query names was not found"],
  [1400, 1499, "throttled (Athena, AWS Glue or Amazon S3)"],
  [1500, 1500, "permission error"],
  [1501, 1501, "Amazon S3 permission error"],
  [1602, 1602, "reserved capacity exceeded"],
];

/** The catalog's meaning of an AthenaError ErrorType, or undefined when it lists none. */
function errorTypeMeaning(type: number): string | undefined {
  return ERROR_TYPE_MEANINGS.find(([from, to]) => type >= from && type <= to)?.[2];
}

/** Moves positions on line 1 back by the `EXPLAIN ` prefix, in the fields and in the message. */
function withoutPrefix(error: SqlError, prefix: number): SqlError {
  if (error.line !== 1 || error.column === undefined) return error;
  const column = Math.max(1, error.column - prefix);
  return {
    ...error,
    column,
    message: error.message.replace(`line 1:${error.column}:`, `line 1:${column}:`),
  };
}
