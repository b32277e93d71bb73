/**
 * A local Athena on 127.0.0.1 speaking the AWS JSON 1.1 protocol that `@aws-sdk/client-athena`
 * uses (`POST /` with `X-Amz-Target: AmazonAthena.<Operation>`): StartQueryExecution,
 * GetQueryExecution, GetQueryResults, StopQueryExecution and GetWorkGroup. The SQL runs on DuckDB;
 * states move QUEUED -> RUNNING -> SUCCEEDED/FAILED over a number of polls (no timers), failures
 * carry an AthenaError, results are paginated with Athena's header row, text values and column
 * metadata.
 *
 * `EXPLAIN (TYPE IO, FORMAT JSON) <query>` answers with Trino's IO plan: the tables the query
 * names (found by matching the stand-in's table names against the query's identifiers), an
 * estimate where `statistics` gives one and `"NaN"` otherwise, and, for the columns listed in
 * `partitionKeys`, the constraints of simple predicates on them (`=`, `<`, `<=`, `>`, `>=`,
 * `BETWEEN` with a quoted literal; several are intersected). Statement errors come from DuckDB
 * with positions as in the submitted text. Result reuse (`ResultReuseConfiguration`) answers
 * from the newest SUCCEEDED execution of the same text, workgroup, catalog and database within
 * the maximum age, with nothing scanned and `ResultReuseInformation.ReusedPreviousResult`.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { AthenaClient } from "@aws-sdk/client-athena";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { DuckDbEngine, type DuckDbEngineOptions } from "../../src/text2sql/duckdb-engine.js";
import { SqlExecutionError } from "../../src/text2sql/errors.js";
import { lexSql } from "../../src/text2sql/sql-lexer.js";
import type { QueryResult, SqlValue } from "../../src/text2sql/types.js";
import { athenaErrorForName } from "./athena-errors.js";
import {
  jsonInput,
  standInError,
  startJsonTargetServer,
  testCredentials,
  testRegion,
  unknownOperation,
} from "./http.js";

/**
 * An AthenaError as the stand-in reports it. `ErrorCategory` and `ErrorType` take the error
 * catalog's values (see `athena-errors.ts`); `Retryable` may be left out, as the service may.
 */
export interface AthenaErrorSpec {
  ErrorCategory: number;
  ErrorType: number;
  Retryable?: boolean;
  ErrorMessage: string;
}

/** Options of {@link startAthena}. */
export interface AthenaStandInOptions {
  /** The tables the DuckDB behind the stand-in holds. */
  duckdb: DuckDbEngineOptions;
  /** Workgroups, their result locations and per-query cutoffs. Default `{ primary: { outputLocation: "s3://athena-results/" } }`. */
  workgroups?: Record<string, { outputLocation?: string; bytesScannedCutoffPerQuery?: number }>;
  /** Table statistics EXPLAIN (TYPE IO) reports, by table name; tables not listed estimate `NaN`. */
  statistics?: Record<string, { rowCount: number; sizeInBytes: number }>;
  /**
   * Bytes a query reads from each table at run time, by table name (the whole table; partition
   * pruning is not modelled here). A query's `DataScannedInBytes` is the sum over the tables it
   * names; when that passes the workgroup's `bytesScannedCutoffPerQuery`, the query ends
   * CANCELLED with "Bytes scanned limit was exceeded" after scanning (and billing) the cutoff, as
   * Athena engine 3 does. Without an entry for any table it reads, a query scans 8 bytes per
   * result cell.
   */
  tableBytes?: Record<string, number>;
  /** Partition columns by table name, whose predicates EXPLAIN (TYPE IO) reports as constraints. */
  partitionKeys?: Record<string, string[]>;
  /** GetQueryExecution calls that answer RUNNING before the final state. Default 2 (the first answers QUEUED). */
  runningPolls?: number;
  /** The first N StartQueryExecution calls are throttled (TooManyRequestsException). */
  throttleStarts?: number;
  /** Queries matching this never finish (for abort and deadline tests). */
  neverFinish?: RegExp;
  /** Returns an AthenaError to fail a query with instead of running it. */
  failWith?: (sql: string) => AthenaErrorSpec | undefined;
}

interface Execution {
  id: string;
  sql: string;
  workgroup: string;
  outputLocation: string;
  catalog: string | undefined;
  database: string | undefined;
  polls: number;
  state: "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";
  result?: QueryResult;
  error?: AthenaErrorSpec;
  engineMs: number;
  submitted: number;
  /** Set when result reuse was asked for: whether this execution reused an earlier result. */
  reused?: boolean;
  /** Bytes the run read, when `tableBytes` says (see {@link AthenaStandInOptions.tableBytes}). */
  scanned?: number;
  /** The workgroup's cutoff stopped the run. */
  cutOff?: boolean;
}

/** A running Athena stand-in. */
export interface AthenaStandIn {
  endpoint: string;
  /** A ready client with fake credentials and no SDK retries. */
  client: AthenaClient;
  /** Every request: operation and JSON input. */
  requests: { operation: string; input: Record<string, unknown> }[];
  /** Ids of the queries StopQueryExecution cancelled. */
  stopped: string[];
  close(): Promise<void>;
}

/** Starts the stand-in on 127.0.0.1 port 0. */
export async function startAthena(options: AthenaStandInOptions): Promise<AthenaStandIn> {
  const duck = new DuckDbEngine({ ...options.duckdb, readOnly: false });
  const workgroups = options.workgroups ?? { primary: { outputLocation: "s3://athena-results/" } };
  const executions = new Map<string, Execution>();
  const requests: AthenaStandIn["requests"] = [];
  const stopped: string[] = [];
  let throttled = 0;
  const runningPolls = options.runningPolls ?? 2;

  const run = async (execution: Execution) => {
    const injected = options.failWith?.(execution.sql);
    if (injected) {
      execution.error = injected;
      return;
    }
    const started = performance.now();
    const io = IO_PREFIX.exec(execution.sql);
    const sized = io
      ? []
      : tablesRead(execution.sql).filter((t) => options.tableBytes?.[t] !== undefined);
    if (sized.length > 0) {
      execution.scanned = sized.reduce((sum, t) => sum + (options.tableBytes?.[t] ?? 0), 0);
      const cutoff = workgroups[execution.workgroup]?.bytesScannedCutoffPerQuery;
      if (cutoff !== undefined && execution.scanned > cutoff) {
        // Athena stops reading at the cutoff and cancels the query; what it read is billed.
        execution.scanned = cutoff;
        execution.cutOff = true;
        return;
      }
    }
    try {
      execution.result = io
        ? await explainIo(execution, io[0].length)
        : await duck.executeTrusted(execution.sql);
    } catch (err) {
      const sqlError =
        err instanceof SqlExecutionError
          ? err.sqlError
          : { code: "GENERIC_INTERNAL_ERROR", message: String(err), retryable: false };
      // The message keeps the engine's format (Trino name, position, text); category, type and
      // Retryable come from the error catalog by the name, as Athena's would.
      execution.error = { ...athenaErrorForName(sqlError.code), ErrorMessage: sqlError.message };
    }
    execution.engineMs = Math.round(performance.now() - started);
  };

  /** Trino's IO plan for the query after the EXPLAIN (TYPE IO, FORMAT JSON) prefix. */
  const explainIo = async (execution: Execution, prefix: number): Promise<QueryResult> => {
    // Padding keeps DuckDB's error positions where they are in the submitted text.
    await duck.executeTrusted(
      `EXPLAIN${" ".repeat(prefix - "EXPLAIN".length)}${execution.sql.slice(prefix)}`,
    );
    const query = execution.sql.slice(prefix);
    const read = tablesRead(query);
    const infos = read.map((table) => {
      const stats = options.statistics?.[table];
      return {
        table: {
          catalog: (execution.catalog ?? "AwsDataCatalog").toLowerCase(),
          schemaTable: { schema: execution.database ?? "default", table },
        },
        columnConstraints: (options.partitionKeys?.[table] ?? []).flatMap((column) => {
          const range = predicateRange(query, column);
          return range
            ? [
                {
                  columnName: column,
                  type: "varchar",
                  domain: { nullsAllowed: false, ranges: [range] },
                },
              ]
            : [];
        }),
        estimate: {
          outputRowCount: stats ? stats.rowCount : "NaN",
          outputSizeInBytes: stats ? stats.sizeInBytes : "NaN",
          cpuCost: stats ? stats.sizeInBytes : "NaN",
          maxMemory: 0,
          networkCost: 0,
        },
      };
    });
    const plan = JSON.stringify({
      inputTableColumnInfos: infos,
      estimate: {
        outputRowCount: "NaN",
        outputSizeInBytes: "NaN",
        cpuCost: "NaN",
        maxMemory: "NaN",
        networkCost: "NaN",
      },
    });
    return {
      columns: [{ name: "Query Plan", type: "varchar" }],
      rows: [{ "Query Plan": plan }],
      stats: { elapsedMs: 0, rowCount: 1, truncated: false },
    };
  };

  /** The stand-in's tables that a statement names (by its identifiers). */
  const tablesRead = (query: string): string[] => {
    const lexed = lexSql(query);
    const names = lexed.ok
      ? lexed.tokens
          .filter((t) => t.kind === "word" || t.kind === "quoted")
          .map((t) => t.text.replace(/^"|"$/g, "").toLowerCase())
      : [];
    return Object.keys(options.duckdb.tables ?? {}).filter((table) =>
      names.includes(table.toLowerCase()),
    );
  };

  const handlers: Record<string, (input: Record<string, unknown>) => Promise<unknown>> = {
    GetWorkGroup: async (input) => {
      const name = typeof input.WorkGroup === "string" ? input.WorkGroup : "";
      const group = workgroups[name];
      if (!group) {
        throw standInError({
          status: 400,
          type: "InvalidRequestException",
          message: `WorkGroup ${name} is not found.`,
          extra: { AthenaErrorCode: "INVALID_INPUT" },
        });
      }
      return {
        WorkGroup: {
          Name: name,
          State: "ENABLED",
          CreationTime: 1_700_000_000,
          Configuration: {
            ...(group.outputLocation
              ? { ResultConfiguration: { OutputLocation: group.outputLocation } }
              : {}),
            ...(group.bytesScannedCutoffPerQuery !== undefined
              ? { BytesScannedCutoffPerQuery: group.bytesScannedCutoffPerQuery }
              : {}),
            EnforceWorkGroupConfiguration: false,
            PublishCloudWatchMetricsEnabled: false,
            RequesterPaysEnabled: false,
            EngineVersion: {
              SelectedEngineVersion: "AUTO",
              EffectiveEngineVersion: "Athena engine version 3",
            },
          },
        },
      };
    },
    StartQueryExecution: async (input) => {
      if (throttled < (options.throttleStarts ?? 0)) {
        throttled++;
        throw standInError({
          status: 400,
          type: "TooManyRequestsException",
          message: "Rate exceeded",
          extra: { Reason: "CONCURRENT_QUERY_LIMIT_EXCEEDED" },
        });
      }
      const sql = input.QueryString;
      if (typeof sql !== "string" || sql.length === 0) {
        throw standInError({
          status: 400,
          type: "InvalidRequestException",
          message: "QueryString must not be empty",
          extra: { AthenaErrorCode: "INVALID_INPUT" },
        });
      }
      const workgroup = typeof input.WorkGroup === "string" ? input.WorkGroup : "primary";
      const group = workgroups[workgroup];
      if (!group) {
        throw standInError({
          status: 400,
          type: "InvalidRequestException",
          message: `WorkGroup ${workgroup} is not found.`,
          extra: { AthenaErrorCode: "INVALID_INPUT" },
        });
      }
      const outputLocation =
        (input.ResultConfiguration as { OutputLocation?: string } | undefined)?.OutputLocation ??
        group.outputLocation;
      if (!outputLocation) {
        throw standInError({
          status: 400,
          type: "InvalidRequestException",
          message:
            "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.",
          extra: { AthenaErrorCode: "INVALID_INPUT" },
        });
      }
      const params = Array.isArray(input.ExecutionParameters)
        ? (input.ExecutionParameters as string[])
        : [];
      let finalSql: string;
      try {
        finalSql = substituteParameters(sql, params);
      } catch (err) {
        throw standInError({
          status: 400,
          type: "InvalidRequestException",
          message: (err as Error).message,
          extra: { AthenaErrorCode: "INVALID_INPUT" },
        });
      }
      const context = (input.QueryExecutionContext ?? {}) as {
        Catalog?: string;
        Database?: string;
      };
      const id = randomUUID();
      const execution: Execution = {
        id,
        sql: finalSql,
        workgroup,
        outputLocation,
        catalog: context.Catalog,
        database: context.Database,
        polls: 0,
        state: "QUEUED",
        engineMs: 0,
        submitted: Date.now() / 1000,
      };
      const reuse = (
        input.ResultReuseConfiguration as
          | { ResultReuseByAgeConfiguration?: { Enabled?: boolean; MaxAgeInMinutes?: number } }
          | undefined
      )?.ResultReuseByAgeConfiguration;
      const earlier = reuse?.Enabled
        ? [...executions.values()]
            .reverse()
            .find(
              (e) =>
                e.state === "SUCCEEDED" &&
                e.result &&
                e.sql === finalSql &&
                e.workgroup === workgroup &&
                e.catalog === context.Catalog &&
                e.database === context.Database &&
                execution.submitted - e.submitted <= (reuse.MaxAgeInMinutes ?? 60) * 60,
            )
        : undefined;
      executions.set(id, execution);
      if (reuse?.Enabled) execution.reused = earlier !== undefined;
      if (earlier?.result) execution.result = earlier.result;
      else if (!options.neverFinish?.test(finalSql)) await run(execution);
      return { QueryExecutionId: id };
    },
    GetQueryExecution: async (input) => {
      const execution = find(input.QueryExecutionId);
      if (execution.state === "QUEUED" || execution.state === "RUNNING") {
        execution.polls++;
        if (execution.polls === 1) execution.state = "QUEUED";
        else if (execution.polls <= 1 + runningPolls || options.neverFinish?.test(execution.sql))
          execution.state = "RUNNING";
        else
          execution.state = execution.cutOff
            ? "CANCELLED"
            : execution.error
              ? "FAILED"
              : "SUCCEEDED";
      }
      return { QueryExecution: describe(execution) };
    },
    GetQueryResults: async (input) => {
      const execution = find(input.QueryExecutionId);
      if (execution.state !== "SUCCEEDED" || !execution.result) {
        throw standInError({
          status: 400,
          type: "InvalidRequestException",
          message: `Query has not yet finished. Current state: ${execution.state}`,
          extra: { AthenaErrorCode: "INVALID_INPUT" },
        });
      }
      const max = typeof input.MaxResults === "number" ? input.MaxResults : 1000;
      if (max < 1 || max > 1000) {
        throw standInError({
          status: 400,
          type: "InvalidRequestException",
          message: "MaxResults must be between 1 and 1000",
          extra: { AthenaErrorCode: "INVALID_INPUT" },
        });
      }
      const isQuery = statementType(execution.sql) === "DML";
      const { columns, rows } = execution.result;
      // Athena's first page of a SELECT starts with a row of column labels.
      const all = [
        ...(isQuery ? [{ Data: columns.map((c) => ({ VarCharValue: c.name })) }] : []),
        ...rows.map((row) => ({ Data: columns.map((c) => datum(row[c.name] ?? null, c.type)) })),
      ];
      const offset =
        typeof input.NextToken === "string"
          ? Number(Buffer.from(input.NextToken, "base64").toString())
          : 0;
      const page = all.slice(offset, offset + max);
      const next =
        offset + max < all.length
          ? Buffer.from(String(offset + max)).toString("base64")
          : undefined;
      return {
        UpdateCount: 0,
        ResultSet: { Rows: page, ResultSetMetadata: { ColumnInfo: columns.map(columnInfo) } },
        ...(next ? { NextToken: next } : {}),
      };
    },
    StopQueryExecution: async (input) => {
      const execution = find(input.QueryExecutionId);
      if (execution.state === "QUEUED" || execution.state === "RUNNING") {
        execution.state = "CANCELLED";
        stopped.push(execution.id);
      }
      return {};
    },
  };

  function find(id: unknown): Execution {
    const execution = typeof id === "string" ? executions.get(id) : undefined;
    if (!execution) {
      throw standInError({
        status: 400,
        type: "InvalidRequestException",
        message: `QueryExecution ${String(id)} was not found`,
        extra: { AthenaErrorCode: "INVALID_INPUT" },
      });
    }
    return execution;
  }

  function describe(e: Execution) {
    const done = e.state === "SUCCEEDED" || e.state === "FAILED" || e.state === "CANCELLED";
    return {
      QueryExecutionId: e.id,
      Query: e.sql,
      StatementType: statementType(e.sql),
      WorkGroup: e.workgroup,
      ResultConfiguration: {
        OutputLocation: `${e.outputLocation.replace(/\/?$/, "/")}${e.id}.csv`,
      },
      QueryExecutionContext: {
        ...(e.catalog ? { Catalog: e.catalog } : {}),
        ...(e.database ? { Database: e.database } : {}),
      },
      Status: {
        State: e.state,
        SubmissionDateTime: e.submitted,
        ...(done ? { CompletionDateTime: Date.now() / 1000 } : {}),
        ...(e.state === "FAILED" && e.error
          ? { StateChangeReason: e.error.ErrorMessage, AthenaError: e.error }
          : {}),
        ...(e.state === "CANCELLED" && e.cutOff
          ? { StateChangeReason: "Bytes scanned limit was exceeded" }
          : {}),
      },
      Statistics: {
        EngineExecutionTimeInMillis: e.engineMs,
        QueryQueueTimeInMillis: 1,
        TotalExecutionTimeInMillis: e.engineMs + 1,
        DataScannedInBytes: e.reused
          ? 0
          : (e.scanned ??
            (e.result ? e.result.rows.length * Math.max(1, e.result.columns.length) * 8 : 0)),
        ...(e.reused !== undefined
          ? { ResultReuseInformation: { ReusedPreviousResult: e.reused } }
          : {}),
      },
    };
  }

  const server = await startJsonTargetServer(
    {
      targetPrefix: "AmazonAthena",
      jsonVersion: "1.1",
      errors: "Message",
      internalType: "InternalServerException",
    },
    async (call) => {
      const input = jsonInput(call.body);
      requests.push({ operation: call.operation || call.target, input });
      const handler = handlers[call.operation];
      if (!handler) return unknownOperation(call.target);
      return (await handler(input)) as Record<string, unknown>;
    },
  );

  const client = new AthenaClient({
    region: testRegion,
    endpoint: server.endpoint,
    credentials: testCredentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint: server.endpoint,
    client,
    requests,
    stopped,
    close: async () => {
      client.destroy();
      await server.close();
      await duck.close();
    },
  };
}

const IO_PREFIX = /^\s*EXPLAIN\s*\(\s*TYPE\s+IO\s*,\s*FORMAT\s+JSON\s*\)\s+/i;

/**
 * The range a query's simple predicates on `column` allow, in the IO plan's shape: `=`, `<`,
 * `<=`, `>`, `>=` and `BETWEEN` with quoted literals, intersected. Undefined when there are none.
 */
function predicateRange(query: string, column: string) {
  const col = column.replace(/[^A-Za-z0-9_]/g, "");
  const lit = "'((?:[^']|'')*)'";
  let low: { value?: string; bound: string } = { bound: "ABOVE" };
  let high: { value?: string; bound: string } = { bound: "BELOW" };
  let found = false;
  const raise = (value: string, bound: string) => {
    if (low.value === undefined || value > low.value) low = { value, bound };
  };
  const lower = (value: string, bound: string) => {
    if (high.value === undefined || value < high.value) high = { value, bound };
  };
  for (const m of query.matchAll(new RegExp(`\\b${col}\\s*(=|>=|<=|>|<)\\s*${lit}`, "gi"))) {
    found = true;
    const [, op, value = ""] = m;
    if (op === "=" || op === ">=") raise(value, "EXACTLY");
    if (op === ">") raise(value, "ABOVE");
    if (op === "=" || op === "<=") lower(value, "EXACTLY");
    if (op === "<") lower(value, "BELOW");
  }
  for (const m of query.matchAll(
    new RegExp(`\\b${col}\\s+BETWEEN\\s+${lit}\\s+AND\\s+${lit}`, "gi"),
  )) {
    found = true;
    raise(m[1] ?? "", "EXACTLY");
    lower(m[2] ?? "", "EXACTLY");
  }
  return found ? { low, high } : undefined;
}

function statementType(sql: string): "DML" | "UTILITY" | "DDL" {
  const first = sql.trim().split(/\s+/)[0]?.toUpperCase() ?? "";
  if (["SELECT", "WITH", "VALUES", "(", "INSERT"].includes(first) || first.startsWith("("))
    return "DML";
  if (["EXPLAIN", "SHOW", "DESCRIBE"].includes(first)) return "UTILITY";
  return "DDL";
}

/** Replaces `?` placeholders outside strings with the parameters, in order. */
function substituteParameters(sql: string, params: string[]): string {
  const lexed = lexSql(sql);
  if (!lexed.ok) return sql;
  const marks = lexed.tokens.filter((t) => t.kind === "punct" && t.text === "?");
  if (marks.length !== params.length) {
    if (params.length === 0) return sql;
    throw new Error(
      `The query has ${marks.length} parameters but ${params.length} ExecutionParameters were given`,
    );
  }
  let out = sql;
  for (let i = marks.length - 1; i >= 0; i--) {
    const mark = marks[i] as { start: number; end: number };
    out = out.slice(0, mark.start) + (params[i] as string) + out.slice(mark.end);
  }
  return out;
}

function columnInfo(column: { name: string; type: string }) {
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(column.type);
  const base = column.type.replace(/\(.*$/, "");
  return {
    CatalogName: "hive",
    Name: column.name,
    Label: column.name,
    Type: decimal ? "decimal" : base,
    Precision: decimal ? Number(decimal[1]) : base === "varchar" ? 2147483647 : 0,
    Scale: decimal ? Number(decimal[2]) : 0,
    Nullable: "UNKNOWN",
    CaseSensitive: base === "varchar",
  };
}

/** A value as Athena prints it in GetQueryResults. */
function datum(value: SqlValue, type: string): { VarCharValue?: string } {
  if (value === null) return {};
  return { VarCharValue: printValue(value, type) };
}

function printValue(value: SqlValue, type: string): string {
  if (value === null) return "null";
  if (value instanceof Date) {
    const iso = value.toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${type.includes("time zone") ? " UTC" : ""}`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => printValue(v, "")).join(", ")}]`;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${printValue(v, "")}`)
      .join(", ")}}`;
  }
  if (typeof value === "number" && (type === "double" || type === "real")) {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return Number.isInteger(value) && Math.abs(value) < 1e7 ? `${value}.0` : String(value);
  }
  return String(value);
}
