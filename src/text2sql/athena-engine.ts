/**
 * {@link AthenaEngine}: runs and validates SQL on Amazon Athena.
 *
 * @module
 */
import type * as AthenaModule from "@aws-sdk/client-athena";
import type { GetQueryExecutionCommandOutput, QueryExecution } from "@aws-sdk/client-athena";
import type * as GlueModule from "@aws-sdk/client-glue";
import { z } from "zod";
import {
  type AwsClientConfig,
  awsCall,
  type Deadline,
  parseOptions,
  retry,
  type WaitOptions,
  waitFor,
  withDeadline,
  wrapAwsError,
} from "../core/index.js";
import {
  athenaSdk,
  awsClientConfigShape,
  awsClientSchema,
  awsPages,
  clientConfigFrom,
  glueSdk,
  lazyAwsClient,
  paginatorClient,
  type SendsCommands,
  schemaFor,
} from "../core/internal.js";
import { athenaTypeName, fromAthenaValue } from "./athena-values.js";
import {
  athenaScanCostUsd,
  DEFAULT_PRICE_PER_TB_USD,
  formatBytes,
  glueRowCount,
  glueSizeBytes,
  type PlanInputTable,
  parseIoPlan,
  partitionMatches,
  type ScanEstimate,
  scanAdvice,
  type TableScanEstimate,
} from "./cost-guard.js";
import {
  SqlCostError,
  SqlExecutionError,
  SqlNotReadOnlyError,
  sqlErrorFromMessage,
} from "./errors.js";
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
  /**
   * A ready Athena client (preferred); otherwise one is built from region/credentials/endpoint.
   * It must be an `AthenaClient` of `@aws-sdk/client-athena`: results are read through the SDK's
   * paginator, which accepts no other object, so anything else is refused with `VALIDATION_ERROR`
   * before the first request (before any query starts).
   */
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
  /**
   * The cost guard's budget: before a query starts, its scan is estimated (see
   * {@link AthenaEngine.estimateScan}) and a query over this many bytes, or over the workgroup's
   * `BytesScannedCutoffPerQuery`, is refused with {@link SqlCostError}. `validate()` applies the
   * same check, so {@link Text2Sql} shows the model the estimate and how to scan less.
   */
  maxBytesScanned?: number;
  /**
   * Called with every estimate while the cost guard is on (it is on when this or
   * `maxBytesScanned` is set). Resolve `true` to run the query whatever the budget says, `false`
   * to refuse it, or nothing to apply the budget. Use it to ask a person, or to log estimates.
   */
  onCostEstimate?: CostEstimateCallback;
  /**
   * When `maxBytesScanned` is set and a scan cannot be estimated (no statistics for `EXPLAIN`,
   * no sizes in Glue): `refuse` (default) or `run`.
   */
  unknownScan?: "refuse" | "run";
  /** Athena's price per TB (2^40 bytes) scanned, in USD, for `stats.costUsd` and estimates. Default 5. */
  pricePerTbUsd?: number;
  /**
   * Let Athena answer from the result of an identical earlier query of at most this age
   * (`ResultReuseConfiguration`), which scans and bills nothing. Off by default; `stats.reusedPreviousResult` says when it happened.
   */
  resultReuseMaxAgeMinutes?: number;
  /**
   * A Glue client for the cost guard's fallback when `EXPLAIN` has no statistics (table and
   * partition sizes, partition lists); by default one is built from region/credentials/endpoint
   * when first needed (a ready one must be a `GlueClient`: partitions are read through the SDK's
   * paginator; anything else is refused with `VALIDATION_ERROR` before the first Glue request).
   * `false`: never call Glue. Only used for the `AwsDataCatalog` catalog.
   */
  glue?: SendsCommands | false;
}

type LoadGlue = () => Promise<{ sdk: typeof GlueModule; client: GlueModule.GlueClient }>;

/**
 * The cost guard's question for the caller: `true` runs the query, `false` refuses it, nothing
 * (or `undefined`) applies `maxBytesScanned`.
 */
export type CostEstimateCallback = (
  estimate: ScanEstimate,
  query: {
    /** The statement about to run. */
    sql: string;
  },
) => boolean | undefined | Promise<boolean | undefined>;

/** Options of {@link AthenaEngine.execute}. */
export interface AthenaExecuteOptions extends ExecuteOptions {
  /** Values for `?` placeholders (Athena ExecutionParameters), as SQL literals: `'abc'`, `42`. */
  parameters?: string[];
}

const optionsSchema = schemaFor<AthenaEngineOptions>()(
  z
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
      maxBytesScanned: z.number().min(0).optional(),
      onCostEstimate: z
        .custom<CostEstimateCallback>((v) => typeof v === "function", "must be a function")
        .optional(),
      unknownScan: z.enum(["refuse", "run"]).optional(),
      pricePerTbUsd: z.number().min(0).max(1_000_000).optional(),
      resultReuseMaxAgeMinutes: z.int().min(1).max(10_080).optional(),
      glue: z.union([awsClientSchema<SendsCommands>("GlueClient"), z.literal(false)]).optional(),
    })
    .strict(),
);

const SERVICE = "Athena";
const ATHENA_OWNER = "AthenaEngine (@aws-sdk/client-athena)";
const GLUE_OWNER = "AthenaEngine cost guard (@aws-sdk/client-glue)";
const EXPLAIN = "EXPLAIN ";
const EXPLAIN_IO = "EXPLAIN (TYPE IO, FORMAT JSON) ";
// Approved estimates kept so that execute() after validate() neither estimates nor asks twice.
const APPROVED_KEPT = 16;
// GetPartitions pages read per table (1000 partitions each) before falling back to the table size.
const MAX_PARTITION_PAGES = 20;
// Deadline of StopQueryExecution once waiting for a query was given up.
const STOP_TIMEOUT_MS = 5_000;
const GET_QUERY_RESULTS = {
  service: SERVICE,
  operation: "GetQueryResults",
  iamAction: "athena:GetQueryResults",
};
const GET_PARTITIONS = {
  service: "Glue",
  operation: "GetPartitions",
  iamAction: "glue:GetPartitions",
};
// For awsPages where the caller passed no signal: one that never aborts.
const NEVER_ABORTED = new AbortController().signal;
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
  /** Undefined when `glue: false`: the cost guard never calls Glue. */
  readonly #glue: LoadGlue | undefined;
  #cutoff: Promise<number | undefined> | undefined;
  readonly #approved = new Map<string, ScanEstimate>();

  constructor(options: AthenaEngineOptions = {}) {
    this.#o = parseOptions(optionsSchema, options, "AthenaEngine options");
    const config = clientConfigFrom(this.#o);
    const loadAthena = lazyAwsClient<typeof AthenaModule, SendsCommands>(
      athenaSdk,
      "AthenaEngine",
      this.#o.athena,
      (sdk) => new sdk.AthenaClient(config),
    );
    // Results and partitions are read through the SDK's paginators, which accept only the SDK's
    // own client classes. Checking on every load (an instanceof test) refuses any other client
    // before its first request, so no query is started (and billed) only to fail on its results.
    this.#athena = async () => {
      const { sdk, client } = await loadAthena();
      return { sdk, client: paginatorClient(client, sdk.AthenaClient, ATHENA_OWNER) };
    };
    const glue = this.#o.glue;
    if (glue !== false) {
      const loadGlue = lazyAwsClient<typeof GlueModule, SendsCommands>(
        glueSdk,
        "AthenaEngine cost guard",
        glue,
        (sdk) => new sdk.GlueClient(config),
      );
      this.#glue = async () => {
        const { sdk, client } = await loadGlue();
        return { sdk, client: paginatorClient(client, sdk.GlueClient, GLUE_OWNER) };
      };
    }
  }

  /** Whether queries are estimated before they run (`maxBytesScanned` or `onCostEstimate` is set). */
  get costGuard(): boolean {
    return this.#o.maxBytesScanned !== undefined || this.#o.onCostEstimate !== undefined;
  }

  /** Checks a statement with `EXPLAIN`; errors in the statement come back as `{ ok: false, error }`. */
  async validate(sql: string, options: WaitOptions = {}): Promise<ValidationOutcome> {
    const guarded = this.#guard(sql);
    if (!guarded.ok) {
      const message = `${guarded.code}: ${guarded.reason}`;
      return { ok: false, error: { code: guarded.code, message, retryable: false } };
    }
    if (this.costGuard) {
      // EXPLAIN (TYPE IO) checks the statement as plain EXPLAIN does, and estimates its scan.
      try {
        const estimate = await this.#approve(guarded.sql, options);
        this.#remember(guarded.sql, estimate);
        return { ok: true };
      } catch (err) {
        if (err instanceof SqlExecutionError && !err.sqlError.retryable) {
          return { ok: false, error: err.sqlError };
        }
        throw err;
      }
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

  /**
   * Estimates what a statement would scan, without running it and without charge: the tables of
   * `EXPLAIN (TYPE IO, FORMAT JSON)` with their estimates where Athena has table statistics;
   * otherwise, from Glue, the sizes of the partitions the statement's partition filters keep
   * (or the table's share of them), or the table's size parameters. Column pruning of columnar
   * formats is not modelled, so Glue-based figures are upper bounds. Also reads the workgroup's
   * per-query cutoff. Statement errors throw {@link SqlExecutionError}.
   *
   * @example
   * ```ts
   * const estimate = await engine.estimateScan("SELECT * FROM events WHERE dt = '2024-05-01'");
   * console.log(estimate.bytes, estimate.costUsd, estimate.tables.map((t) => t.source));
   * ```
   */
  async estimateScan(sql: string, options: WaitOptions = {}): Promise<ScanEstimate> {
    const guarded = this.#guard(sql);
    if (!guarded.ok) throw new SqlNotReadOnlyError(guarded.reason, guarded.code);
    return this.#estimate(guarded.sql, options);
  }

  /**
   * The workgroup's `BytesScannedCutoffPerQuery` (GetWorkGroup), read once and kept: Athena
   * cancels a query when it has scanned this much, and bills what it scanned. Undefined when the
   * workgroup sets none.
   */
  workgroupCutoffBytes(options: WaitOptions = {}): Promise<number | undefined> {
    this.#cutoff ??= withDeadline(
      options,
      30_000,
      "reading the Athena workgroup",
      async (signal) => {
        const { sdk, client } = await this.#athena();
        const output = (await awsCall(
          { service: SERVICE, operation: "GetWorkGroup", iamAction: "athena:GetWorkGroup" },
          () =>
            client.send(
              new sdk.GetWorkGroupCommand({ WorkGroup: this.#o.workgroup ?? "primary" }),
              {
                abortSignal: signal,
              },
            ),
        )) as { WorkGroup?: { Configuration?: { BytesScannedCutoffPerQuery?: number } } };
        return output.WorkGroup?.Configuration?.BytesScannedCutoffPerQuery;
      },
    ).catch((err: unknown) => {
      this.#cutoff = undefined;
      throw err;
    });
    return this.#cutoff;
  }

  async #estimate(sql: string, wait: WaitOptions): Promise<ScanEstimate> {
    let plan: PlanInputTable[];
    try {
      const explained = await this.#run(EXPLAIN_IO + sql, wait, { maxRows: 10 });
      const first = explained.rows[0];
      const cell = first ? first[explained.columns[0]?.name ?? ""] : undefined;
      if (typeof cell !== "string") throw new Error("EXPLAIN (TYPE IO) returned no plan");
      plan = parseIoPlan(cell);
    } catch (err) {
      if (err instanceof SqlExecutionError) {
        throw new SqlExecutionError(withoutPrefix(err.sqlError, EXPLAIN_IO.length), { cause: err });
      }
      throw err;
    }
    const cutoff = await this.workgroupCutoffBytes(wait);
    const tables: TableScanEstimate[] = [];
    for (const t of plan) tables.push(await this.#tableEstimate(t, wait.signal));
    const known = tables.every((t) => t.bytes !== undefined);
    const bytes = known ? tables.reduce((sum, t) => sum + (t.bytes ?? 0), 0) : undefined;
    const price = this.#o.pricePerTbUsd ?? DEFAULT_PRICE_PER_TB_USD;
    return {
      ...(bytes !== undefined ? { bytes, costUsd: athenaScanCostUsd(bytes, price) } : {}),
      tables,
      ...(this.#o.maxBytesScanned !== undefined ? { budgetBytes: this.#o.maxBytesScanned } : {}),
      ...(cutoff !== undefined ? { workgroupCutoffBytes: cutoff } : {}),
    };
  }

  /** One table's estimate: the plan's, else Glue's partitions or table parameters. */
  async #tableEstimate(
    t: PlanInputTable,
    signal: AbortSignal | undefined,
  ): Promise<TableScanEstimate> {
    const name = t.schema ? `${t.schema}.${t.table}` : t.table;
    const estimate: TableScanEstimate = {
      table: name,
      source: "none",
      filteredPartitionKeys: [],
    };
    if (t.bytes !== undefined) {
      estimate.bytes = t.none ? 0 : t.bytes;
      estimate.source = "explain";
      if (t.rows !== undefined) estimate.rows = t.rows;
    }
    const catalog = (t.catalog ?? this.#o.catalog ?? "AwsDataCatalog").toLowerCase();
    if (!this.#glue || catalog !== "awsdatacatalog" || !t.schema) {
      // Without Glue the plan's constraints still say which columns were filtered.
      estimate.filteredPartitionKeys = [];
      return estimate;
    }
    const table = await this.#glueTable(t.schema, t.table, signal);
    if (!table) return estimate;
    const keys = (table.PartitionKeys ?? []).map((k) => k.Name ?? "");
    estimate.partitionKeys = keys;
    const lower = keys.map((k) => k.toLowerCase());
    const partitionConstraints = t.constraints.filter((c) =>
      lower.includes(c.column.toLowerCase()),
    );
    estimate.filteredPartitionKeys = partitionConstraints.map((c) => c.column);
    if (estimate.source === "explain") return estimate;
    const tableBytes = glueSizeBytes(table.Parameters);
    const tableRows = glueRowCount(table.Parameters);
    if (t.none) {
      estimate.bytes = 0;
      estimate.source = "glue-partitions";
      return estimate;
    }
    const projected = table.Parameters?.["projection.enabled"] === "true";
    if (keys.length > 0 && !projected) {
      const partitions = await this.#gluePartitions(t.schema, t.table, signal);
      if (partitions) {
        const kept = partitions.filter((p) =>
          partitionMatches(keys, p.Values ?? [], partitionConstraints),
        );
        estimate.partitions = { matched: kept.length, total: partitions.length };
        const sizes = kept.map((p) => glueSizeBytes(p.Parameters));
        if (sizes.every((b) => b !== undefined)) {
          estimate.bytes = sizes.reduce((sum: number, b) => sum + (b ?? 0), 0);
          estimate.source = "glue-partitions";
          return estimate;
        }
        if (tableBytes !== undefined && partitions.length > 0) {
          // Partitions without sizes: the table's size, shared evenly among its partitions.
          estimate.bytes = (tableBytes * kept.length) / partitions.length;
          if (tableRows !== undefined)
            estimate.rows = (tableRows * kept.length) / partitions.length;
          estimate.source = "glue-partitions";
          return estimate;
        }
      }
    }
    if (tableBytes !== undefined) {
      estimate.bytes = tableBytes;
      if (tableRows !== undefined) estimate.rows = tableRows;
      estimate.source = "glue-table";
    }
    return estimate;
  }

  async #glueTable(
    database: string,
    name: string,
    signal: AbortSignal | undefined,
  ): Promise<GlueModule.Table | undefined> {
    const { sdk, client } = await (this.#glue as LoadGlue)();
    try {
      const output = (await client.send(
        new sdk.GetTableCommand({ DatabaseName: database, Name: name }),
        signal ? { abortSignal: signal } : {},
      )) as GlueModule.GetTableCommandOutput;
      return output.Table;
    } catch (err) {
      // Not in Glue (a federated or temporary table): the guard goes on without its metadata.
      if ((err as { name?: string }).name === "EntityNotFoundException") return undefined;
      throw wrapAwsError(err, {
        service: "Glue",
        operation: "GetTable",
        iamAction: "glue:GetTable",
      });
    }
  }

  /** Every partition (values and parameters), or undefined when there are too many to list. */
  async #gluePartitions(
    database: string,
    name: string,
    signal: AbortSignal | undefined,
  ): Promise<GlueModule.Partition[] | undefined> {
    const { sdk, client } = await (this.#glue as LoadGlue)();
    const partitions: GlueModule.Partition[] = [];
    const pages = sdk.paginateGetPartitions(
      { client, pageSize: 1000 },
      { DatabaseName: database, TableName: name, ExcludeColumnSchema: true },
      signal ? { abortSignal: signal } : {},
    );
    let read = 0;
    for await (const output of awsPages(signal ?? NEVER_ABORTED, GET_PARTITIONS, pages)) {
      partitions.push(...(output.Partitions ?? []));
      read++;
      if (!output.NextToken) return partitions;
      if (read >= MAX_PARTITION_PAGES) return undefined;
    }
    return partitions;
  }

  /** Estimates and decides; returns the approved estimate or throws {@link SqlCostError}. */
  async #approve(sql: string, wait: WaitOptions): Promise<ScanEstimate> {
    const estimate = await this.#estimate(sql, wait);
    const o = this.#o;
    const refuse = (code: string, text: string): never => {
      throw new SqlCostError({ code, message: `${code}: ${text}`, retryable: false }, estimate);
    };
    if (o.onCostEstimate) {
      const verdict = await o.onCostEstimate(estimate, { sql });
      if (verdict === true) return estimate;
      if (verdict === false) {
        refuse(
          "QUERY_NOT_APPROVED",
          `the query was not approved to run${estimate.bytes !== undefined ? ` (it would scan about ${formatBytes(estimate.bytes)})` : ""}. ${scanAdvice(estimate)}`,
        );
      }
    }
    if (estimate.bytes === undefined) {
      if (o.maxBytesScanned !== undefined && o.unknownScan !== "run") {
        const unknown = estimate.tables.filter((t) => t.bytes === undefined).map((t) => t.table);
        refuse(
          "QUERY_COST_UNKNOWN",
          `cannot estimate how much the query would scan: ${unknown.join(", ")} ${unknown.length === 1 ? "has" : "have"} no statistics and no size in the catalog. ${scanAdvice(estimate)}`,
        );
      }
      return estimate;
    }
    const budget = o.maxBytesScanned ?? Number.POSITIVE_INFINITY;
    const cutoff = estimate.workgroupCutoffBytes ?? Number.POSITIVE_INFINITY;
    if (estimate.bytes > Math.min(budget, cutoff)) {
      const limit =
        budget <= cutoff
          ? `the limit of ${formatBytes(budget)} per query`
          : `the workgroup's cutoff of ${formatBytes(cutoff)} per query, where Athena would cancel it and still bill the scan`;
      refuse(
        "QUERY_TOO_EXPENSIVE",
        `the query would scan about ${formatBytes(estimate.bytes)} (about $${(estimate.costUsd ?? 0).toFixed(2)}), over ${limit}. ${scanAdvice(estimate)}`,
      );
    }
    return estimate;
  }

  #remember(sql: string, estimate: ScanEstimate): void {
    this.#approved.delete(sql);
    this.#approved.set(sql, estimate);
    while (this.#approved.size > APPROVED_KEPT) {
      this.#approved.delete(this.#approved.keys().next().value as string);
    }
  }

  /** Runs a statement and returns typed rows; Athena query failures throw {@link SqlExecutionError}. */
  async execute(sql: string, options: AthenaExecuteOptions = {}): Promise<QueryResult> {
    const guarded = this.#guard(sql);
    if (!guarded.ok) throw new SqlNotReadOnlyError(guarded.reason, guarded.code);
    let estimate: ScanEstimate | undefined;
    if (this.costGuard) {
      // Parameters change what is scanned, so an estimate from validate() does not carry over.
      const reusable = !options.parameters?.length;
      estimate = reusable ? this.#approved.get(guarded.sql) : undefined;
      if (estimate) this.#approved.delete(guarded.sql);
      else estimate = await this.#approve(guarded.sql, options);
    }
    const result = await this.#run(guarded.sql, options, options, true);
    if (estimate?.bytes !== undefined) result.stats.estimatedBytesScanned = estimate.bytes;
    return result;
  }

  #guard(
    sql: string,
  ): { ok: true; sql: string } | { ok: false; reason: string; code: GuardRefusalCode } {
    if (this.#o.readOnly === false) return { ok: true, sql };
    // Trino's lexical rules and parser, failing closed: text the parser cannot read is refused.
    const verdict = checkReadOnly(sql, { dialect: "trino", maxLength: this.#o.maxSqlLength });
    return verdict.ok ? { ok: true, sql: verdict.sql } : verdict;
  }

  async #run(
    sql: string,
    wait: WaitOptions,
    options: AthenaExecuteOptions,
    reuse = false,
  ): Promise<QueryResult> {
    const started = performance.now();
    return withDeadline(
      wait,
      this.#o.timeoutMs ?? 300_000,
      "running an Athena query",
      async (signal, deadline) => {
        const id = await this.#start(sql, options.parameters, reuse, signal);
        const execution = await this.#poll(id, deadline);
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
        if (stats.DataScannedInBytes !== undefined) {
          result.stats.dataScannedBytes = stats.DataScannedInBytes;
          result.stats.costUsd = athenaScanCostUsd(
            stats.DataScannedInBytes,
            this.#o.pricePerTbUsd ?? DEFAULT_PRICE_PER_TB_USD,
          );
        }
        const reused = stats.ResultReuseInformation?.ReusedPreviousResult;
        if (reused !== undefined) result.stats.reusedPreviousResult = reused;
        return result;
      },
    );
  }

  async #start(
    sql: string,
    parameters: string[] | undefined,
    reuse: boolean,
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
      ...(reuse && o.resultReuseMaxAgeMinutes !== undefined
        ? {
            ResultReuseConfiguration: {
              ResultReuseByAgeConfiguration: {
                Enabled: true,
                MaxAgeInMinutes: o.resultReuseMaxAgeMinutes,
              },
            },
          }
        : {}),
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

  /**
   * Polls GetQueryExecution until the query ends, under the run's deadline. Giving up (abort or
   * timeout) stops the query with StopQueryExecution, so that it neither runs nor bills on.
   */
  async #poll(id: string, deadline: Deadline): Promise<QueryExecution> {
    const { sdk, client } = await this.#athena();
    const min = this.#o.pollMinDelayMs ?? 200;
    return waitFor<QueryExecution>(
      async (signal) => {
        const output = (await awsCall(
          {
            service: SERVICE,
            operation: "GetQueryExecution",
            iamAction: "athena:GetQueryExecution",
          },
          () =>
            client.send(new sdk.GetQueryExecutionCommand({ QueryExecutionId: id }), {
              abortSignal: signal,
            }),
        )) as GetQueryExecutionCommandOutput;
        const execution = output.QueryExecution ?? {};
        const state = execution.Status?.State;
        const ended = state === "SUCCEEDED" || state === "FAILED" || state === "CANCELLED";
        return ended ? { state: "done", value: execution } : { state: "pending" };
      },
      {
        deadline,
        // Growing jittered delays: quick answers for short queries, few calls for long ones.
        minDelayMs: min,
        maxDelayMs: Math.max(min, this.#o.pollMaxDelayMs ?? 2000),
        giveUpTimeoutMs: STOP_TIMEOUT_MS,
        // Best effort: the caller's abort or timeout is the error that matters.
        onGiveUp: (_info, signal) =>
          client.send(new sdk.StopQueryExecutionCommand({ QueryExecutionId: id }), {
            abortSignal: signal,
          }),
      },
    );
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
    let first = true;
    const limit = maxRows ?? Number.POSITIVE_INFINITY;
    const isQuery = execution.StatementType === "DML";
    const { sdk, client } = await this.#athena();
    const pages = sdk.paginateGetQueryResults(
      { client, pageSize: this.#o.pageSize ?? 1000 },
      { QueryExecutionId: id },
      { abortSignal: signal },
    );
    for await (const output of awsPages(signal, GET_QUERY_RESULTS, pages)) {
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
      if (rows.length >= limit && output.NextToken) return { columns, rows, truncated: true };
    }
    return { columns, rows, truncated: false };
  }
}

/** The {@link SqlError} of a FAILED or CANCELLED execution, from its AthenaError. */
function failure(execution: QueryExecution): SqlError {
  const status = execution.Status ?? {};
  if (status.State === "CANCELLED" && /bytes scanned limit/i.test(status.StateChangeReason ?? "")) {
    // The workgroup's BytesScannedCutoffPerQuery stopped it (Athena engine 3 cancels such a
    // query); what it scanned is billed. Running it again would only pay the same again.
    return {
      code: "BYTES_SCANNED_LIMIT_EXCEEDED",
      message: `BYTES_SCANNED_LIMIT_EXCEEDED: ${oneLineReason(status.StateChangeReason)}: the query reached the workgroup's per-query scan cutoff and Athena cancelled it (the bytes scanned are billed). Add a filter on partition columns or read fewer columns.`,
      retryable: false,
    };
  }
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

/** Athena's state-change reason on one line, without a trailing period, at most 200 characters. */
function oneLineReason(reason: string | undefined): string {
  return (reason ?? "").replace(/\s+/g, " ").trim().replace(/\.$/, "").slice(0, 200);
}
