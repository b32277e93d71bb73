/**
 * {@link sqlEngineContract}: the behaviour every {@link SqlEngine} must share.
 *
 * @module
 */
import type { QueryResult, SqlEngine } from "../../text2sql/index.js";
import {
  abortedSignal,
  type ContractCase,
  type ContractFactory,
  check,
  contractCase,
  describe,
  expectFmopsError,
  isFiniteNumber,
  rejection,
  settlesWithin,
} from "./contract.js";

/**
 * The table every case queries. The factory makes it queryable under `name` (for example from
 * `csv`, written to a file, or loaded into the service's stand-in).
 */
export interface SqlContractTable {
  /** `contract_orders`. */
  name: string;
  /** The columns, in order: `id` (integer), `customer` (text), `total` (decimal number). */
  columns: readonly {
    /** The column's name. */
    name: string;
    /** The column's SQL type, as the engine should declare it. */
    type: "integer" | "varchar" | "double";
  }[];
  /** The rows, in `id` order. */
  rows: readonly {
    /** The order number, unique per row. */
    id: number;
    /** The customer's name. */
    customer: string;
    /** The order's amount. */
    total: number;
  }[];
  /** The table as CSV with a header line. */
  csv: string;
}

const ROWS = [
  { id: 1, customer: "Ada", total: 12.5 },
  { id: 2, customer: "Grace", total: 40 },
  { id: 3, customer: "Edsger", total: 7.25 },
  { id: 4, customer: "Barbara", total: 99.99 },
  { id: 5, customer: "Ken", total: 3 },
] as const;

/** The table {@link sqlEngineContract} queries; give it to the engine under the same name. */
export const SQL_CONTRACT_TABLE: SqlContractTable = {
  name: "contract_orders",
  columns: [
    { name: "id", type: "integer" },
    { name: "customer", type: "varchar" },
    { name: "total", type: "double" },
  ],
  rows: ROWS,
  csv: `id,customer,total\n${ROWS.map((r) => `${r.id},${r.customer},${r.total}`).join("\n")}\n`,
};

/** Options of {@link sqlEngineContract}. */
export interface SqlEngineContractOptions {
  /**
   * A read-only statement the engine's backend never finishes (a stand-in told to keep it
   * running): with it, the contract also checks that aborting a running query rejects with
   * `ABORTED` and that `timeoutMs` ends it with `TIMEOUT`. Leave out for engines whose queries
   * cannot be held running in a test.
   */
  slowQuery?: string;
  /**
   * How long an aborted or timed-out query may take to end before the case reports that it
   * hangs. A guard against a wait that never ends, not a speed requirement. Default 10 000 ms.
   */
  settleMs?: number;
}

const T = SQL_CONTRACT_TABLE.name;
const SELECT_ALL = `SELECT id, customer, total FROM ${T} ORDER BY id`;
const WRITES = [
  `DROP TABLE ${T}`,
  `DELETE FROM ${T}`,
  `INSERT INTO ${T} VALUES (6, 'Mallory', 1)`,
  `UPDATE ${T} SET total = 0`,
  `CREATE TABLE contract_copy AS SELECT * FROM ${T}`,
];

function isSqlEngine(value: unknown): boolean {
  const e = value as SqlEngine | undefined;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof e.execute === "function" &&
    typeof e.validate === "function"
  );
}

/** Checks the shape of a result of `SELECT_ALL` (perhaps cut at `maxRows`). */
function checkResult(name: string, what: string, result: QueryResult, expectedRows: number): void {
  check(
    typeof result === "object" && result !== null && Array.isArray(result.rows),
    name,
    `${what} must resolve with { columns, rows, stats }, got ${describe(result)}`,
  );
  const names = Array.isArray(result.columns) ? result.columns.map((c) => c?.name) : undefined;
  check(
    JSON.stringify(names) === JSON.stringify(["id", "customer", "total"]),
    name,
    `${what}: columns must name the selected columns in order, got ${describe(result.columns)}`,
  );
  for (const column of result.columns) {
    check(
      typeof column.type === "string" && column.type.length > 0,
      name,
      `${what}: column ${column.name} needs its type name, got ${describe(column.type)}`,
    );
  }
  check(
    result.rows.length === expectedRows,
    name,
    `${what} must return ${expectedRows} rows, got ${result.rows.length}`,
  );
  result.rows.forEach((row, i) => {
    const want = ROWS[i];
    check(
      typeof row === "object" &&
        row !== null &&
        Object.keys(row).sort().join() === "customer,id,total",
      name,
      `${what}: row ${i} must be an object keyed by the column names, got ${describe(row)}`,
    );
    check(
      Number(row.id) === want?.id &&
        row.customer === want.customer &&
        Number(row.total) === want.total,
      name,
      `${what}: row ${i} must hold ${describe(want)}, got ${describe(row)}`,
    );
  });
  const stats = result.stats;
  check(
    typeof stats === "object" && stats !== null,
    name,
    `${what}: stats must be an object, got ${describe(stats)}`,
  );
  check(
    stats.rowCount === result.rows.length,
    name,
    `${what}: stats.rowCount (${stats.rowCount}) must equal the number of rows (${result.rows.length})`,
  );
  check(
    isFiniteNumber(stats.elapsedMs) && stats.elapsedMs >= 0,
    name,
    `${what}: stats.elapsedMs must be a non-negative number, got ${describe(stats.elapsedMs)}`,
  );
}

async function rowCount(engine: SqlEngine): Promise<number> {
  const result = await engine.execute(`SELECT count(*) AS n FROM ${T}`);
  return Number(result.rows[0]?.n);
}

/**
 * The contract every {@link SqlEngine} meets, as a list of cases to hand to a test framework.
 * `factory` builds the engine able to query the table it is given (from its CSV, or loaded
 * into a local stand-in of the service).
 *
 * The cases check that `dialect` names the dialect; that `execute` returns the selected columns
 * (with type names) and rows keyed by column name, with `stats.rowCount` matching; that
 * `maxRows` caps the rows and sets `stats.truncated`; that `validate` accepts a good query and
 * returns a bad column as `{ ok: false, error }` with a code and message instead of throwing;
 * that a statement that writes (DROP, DELETE, INSERT, UPDATE, CREATE TABLE AS) is refused with a
 * non-retryable FmopsError and leaves the table as it was; that an engine error is an
 * FmopsError; and that an aborted signal rejects with `ABORTED`. With `slowQuery`, aborting a
 * running query and `timeoutMs` are checked too.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { it } from "vitest";
 * import { DuckDbEngine } from "fmops/text2sql";
 * import { sqlEngineContract } from "fmops/testing";
 *
 * const cases = sqlEngineContract((table) => {
 *   writeFileSync("/tmp/contract_orders.csv", table.csv);
 *   return new DuckDbEngine({ tables: { [table.name]: "/tmp/contract_orders.csv" } });
 * });
 * for (const c of cases) it(c.name, c.run);
 * ```
 */
export function sqlEngineContract(
  factory: ContractFactory<SqlContractTable, SqlEngine>,
  options: SqlEngineContractOptions = {},
): ContractCase[] {
  const settleMs = options.settleMs ?? 10_000;
  const make = (name: string, body: (engine: SqlEngine, name: string) => Promise<void>) =>
    contractCase(name, () => factory(SQL_CONTRACT_TABLE), isSqlEngine, "SqlEngine", body);

  const cases = [
    make("execute returns the columns and rows keyed by column name", async (engine, name) => {
      check(
        typeof engine.dialect === "string" && engine.dialect.length > 0,
        name,
        `engine.dialect must name the SQL dialect, got ${describe(engine.dialect)}`,
      );
      const result = await engine.execute(SELECT_ALL);
      checkResult(name, "execute(SELECT ...)", result, ROWS.length);
      check(
        result.stats.truncated === false,
        name,
        `execute() without maxRows must not mark the result truncated, got ${describe(result.stats)}`,
      );
    }),
    make("maxRows caps the rows and marks the result truncated", async (engine, name) => {
      const result = await engine.execute(SELECT_ALL, { maxRows: 2 });
      checkResult(name, "execute(SELECT ..., { maxRows: 2 })", result, 2);
      check(
        result.stats.truncated === true,
        name,
        `a result cut at maxRows must say stats.truncated: true, got ${describe(result.stats)}`,
      );
    }),
    make("validate accepts a good query and returns a bad one's error", async (engine, name) => {
      const good = await engine.validate(SELECT_ALL);
      check(
        good?.ok === true,
        name,
        `validate() of a correct query must resolve { ok: true }, got ${describe(good)}`,
      );
      const bad = await engine.validate(`SELECT no_such_column FROM ${T}`);
      check(
        bad?.ok === false,
        name,
        `validate() of a query naming a missing column must resolve { ok: false, error }, got ${describe(bad)}`,
      );
      check(
        typeof bad.error?.code === "string" &&
          bad.error.code.length > 0 &&
          typeof bad.error.message === "string" &&
          bad.error.message.length > 0 &&
          typeof bad.error.retryable === "boolean",
        name,
        `validate()'s error must have a code, a message and retryable, got ${describe(bad.error)}`,
      );
    }),
    make(
      "a statement that writes is refused with a typed error and changes nothing",
      async (engine, name) => {
        for (const sql of WRITES) {
          const err = await rejection(engine.execute(sql), name, `execute(${JSON.stringify(sql)})`);
          const typed = expectFmopsError(err, name, `execute(${JSON.stringify(sql)})`);
          check(
            !typed.retryable,
            name,
            `refusing ${JSON.stringify(sql)} must not be retryable: the same statement is refused again`,
          );
        }
        const rows = await rowCount(engine);
        check(
          rows === ROWS.length,
          name,
          `after the refused writes the table must still hold ${ROWS.length} rows, got ${rows}`,
        );
      },
    ),
    make("an engine error on execute is an FmopsError", async (engine, name) => {
      const err = await rejection(
        engine.execute(`SELECT no_such_column FROM ${T}`),
        name,
        "execute() of a query naming a missing column",
      );
      expectFmopsError(err, name, "execute() of a query naming a missing column");
    }),
    make(
      "execute and validate with an aborted signal reject with ABORTED",
      async (engine, name) => {
        const err = await rejection(
          engine.execute(SELECT_ALL, { signal: abortedSignal() }),
          name,
          "execute() with an aborted signal",
        );
        expectFmopsError(err, name, "execute() with an aborted signal", "ABORTED");
        const validateErr = await rejection(
          engine.validate(SELECT_ALL, { signal: abortedSignal() }),
          name,
          "validate() with an aborted signal",
        );
        expectFmopsError(validateErr, name, "validate() with an aborted signal", "ABORTED");
      },
    ),
  ];
  const slow = options.slowQuery;
  if (slow === undefined) return cases;
  cases.push(
    make("aborting a running query rejects with ABORTED", async (engine, name) => {
      const controller = new AbortController();
      const running = engine.execute(slow, { signal: controller.signal });
      // Let the query start before aborting it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort();
      const err = await settlesWithin(
        rejection(running, name, "execute() of a running query after abort"),
        settleMs,
        name,
        "execute() of a running query after abort",
      );
      expectFmopsError(err, name, "execute() of a running query after abort", "ABORTED");
    }),
    make("a query past timeoutMs rejects with TIMEOUT", async (engine, name) => {
      const err = await settlesWithin(
        rejection(engine.execute(slow, { timeoutMs: 100 }), name, "execute() past its timeoutMs"),
        settleMs,
        name,
        "execute() past its timeoutMs",
      );
      expectFmopsError(err, name, "execute() past its timeoutMs", "TIMEOUT");
    }),
  );
  return cases;
}
