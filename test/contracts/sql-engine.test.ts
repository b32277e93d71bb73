/**
 * Every built-in SqlEngine against `sqlEngineContract`: DuckDbEngine over the contract table's
 * CSV, and AthenaEngine through the real AWS SDK client on the Athena stand-in (whose SQL is
 * DuckDB), with a query the stand-in never finishes for the abort and timeout cases.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { sqlEngineContract } from "../../src/testing/contracts/sql-engine.js";
import { AthenaEngine } from "../../src/text2sql/athena-engine.js";
import { DuckDbEngine } from "../../src/text2sql/duckdb-engine.js";
import { startAthena } from "../emulators/athena.js";

const dir = mkdtempSync(join(tmpdir(), "fmops-sql-contract-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csvFile(name: string, csv: string): string {
  const path = join(dir, `${name}.csv`);
  writeFileSync(path, csv);
  return path;
}

describe("DuckDbEngine meets the SqlEngine contract", () => {
  const cases = sqlEngineContract(
    (table) => new DuckDbEngine({ tables: { [table.name]: csvFile(table.name, table.csv) } }),
  );
  for (const c of cases) it(c.name, c.run);
});

const SLOW = "SELECT id FROM contract_orders WHERE customer = 'still running'";

describe("AthenaEngine meets the SqlEngine contract (Athena stand-in)", () => {
  const cases = sqlEngineContract(
    async (table) => {
      const athena = await startAthena({
        duckdb: { tables: { [table.name]: csvFile(table.name, table.csv) }, database: "contract" },
        neverFinish: /still running/,
        runningPolls: 1,
      });
      const engine = new AthenaEngine({
        athena: athena.client,
        workgroup: "primary",
        database: "contract",
        pollMinDelayMs: 1,
        pollMaxDelayMs: 5,
      });
      return { subject: engine, close: () => athena.close() };
    },
    { slowQuery: SLOW },
  );
  for (const c of cases) it(c.name, c.run);
});
