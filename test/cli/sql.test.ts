import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { formatTable, sqlCommand } from "../../src/cli/sql.js";
import { startAthena } from "../emulators/athena.js";
import { startGlue } from "../emulators/glue.js";
import { testCredentials } from "../emulators/http.js";
import { sampleTables } from "../text2sql/sample.js";
import { memoryIo } from "./cli-io.js";

const data = join(dirname(fileURLToPath(import.meta.url)), "../../examples/data");

function script(answers: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "fmops-sql-")), "script.json");
  writeFileSync(file, JSON.stringify(answers));
  return file;
}

describe("fmops sql --data", () => {
  it("prints the SQL, the attempts and the rows", async () => {
    const { io, stdout } = memoryIo();
    const file = script([
      "```sql\nSELECT category, count(*) AS products FROM main.product GROUP BY category\n```",
      "```sql\nSELECT category, count(*) AS products FROM main.products GROUP BY category ORDER BY products DESC, category\n```",
    ]);
    const code = await sqlCommand.run(
      ["How many products per category?", "--data", data, "--script", file],
      io,
    );
    expect(code).toBe(0);
    const out = stdout();
    expect(out).toContain(
      "SQL (attempt 2 of 4):\nSELECT category, count(*) AS products FROM main.products GROUP BY category ORDER BY products DESC, category\nLIMIT 100",
    );
    expect(out).toContain(
      "1. invalid         TABLE_NOT_FOUND: line 1:44: Table 'product' does not exist",
    );
    expect(out).toContain("2. ok");
    expect(out).toMatch(/category\s+\| products\n-+-\+-+\n/);
    expect(out).toContain("(5 rows;");
  });

  it("exits 3 for an unanswerable question and 1 when attempts run out", async () => {
    const a = memoryIo();
    expect(
      await sqlCommand.run(
        ["Salaries?", "--data", data, "--script", script(["UNANSWERABLE no salary data"])],
        a.io,
      ),
    ).toBe(3);
    expect(a.stdout()).toContain("Unanswerable: no salary data");
    const b = memoryIo();
    const bad = script(["```sql\nSELECT x FROM orders\n```", "```sql\nSELECT y FROM orders\n```"]);
    expect(
      await sqlCommand.run(
        ["q", "--data", data, "--script", bad, "--max-attempts", "2", "--json"],
        b.io,
      ),
    ).toBe(1);
    expect(JSON.parse(b.stdout())).toMatchObject({
      status: "failed",
      attempts: [{ outcome: "invalid" }, { outcome: "invalid" }],
    });
  });

  it("--json writes the rows as toJsonRows does: counts as numbers, timestamps in ISO form", async () => {
    // Issue #17: DuckDB counts are bigint; --json wrote them as strings ("60"), unlike the
    // text-to-SQL guide's toJsonRows.
    const { io, stdout } = memoryIo();
    const file = script([
      "```sql\nSELECT count(*) AS n, TIMESTAMP '2024-01-02 03:04:05' AS at FROM main.customers\n```",
    ]);
    const code = await sqlCommand.run(
      ["How many customers?", "--data", data, "--script", file, "--json"],
      io,
    );
    expect(code, stdout()).toBe(0);
    const result = JSON.parse(stdout());
    expect(result.result.rows).toEqual([{ n: 60, at: "2024-01-02T03:04:05.000Z" }]);
  });

  it("rejects bad usage", async () => {
    const { io } = memoryIo();
    await expect(sqlCommand.run(["q"], io)).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
    await expect(sqlCommand.run(["q", "--data", "/nonexistent/x"], io)).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
    });
    await expect(
      sqlCommand.run(["q", "--athena", "nodb", "--script", script([])], io),
    ).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
  });
});

describe("fmops sql --athena", () => {
  it("reads the schema from Glue and runs on Athena through the endpoint flags", async () => {
    // The CLI builds its clients from the default chain: give it the fake keys via the environment.
    vi.stubEnv("AWS_ACCESS_KEY_ID", testCredentials.accessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", testCredentials.secretAccessKey);
    vi.stubEnv("AWS_REGION", "us-east-1");
    const athena = await startAthena({ duckdb: { tables: sampleTables, database: "shop" } });
    const glue = await startGlue({
      shop: [
        {
          Name: "products",
          Description: "The catalogue",
          StorageDescriptor: {
            Columns: [
              { Name: "product_id", Type: "int" },
              { Name: "category", Type: "string", Comment: "product family" },
            ],
          },
        },
      ],
    });
    try {
      const { io, stdout } = memoryIo();
      const code = await sqlCommand.run(
        [
          "How many products per category?",
          "--athena",
          "primary/shop",
          "--athena-endpoint-url",
          athena.endpoint,
          "--glue-endpoint-url",
          glue.endpoint,
          "--output-location",
          "s3://results/athena/",
          "--script",
          script([
            "```sql\nSELECT category, count(*) AS n FROM shop.products GROUP BY category ORDER BY n DESC, category\n```",
          ]),
          "--json",
        ],
        io,
      );
      const result = JSON.parse(stdout());
      expect(code, stdout()).toBe(0);
      expect(result.status).toBe("ok");
      expect(result.result.rows.length).toBeGreaterThan(0);
      expect(result.attempts[0].prompt.messages[0].content).toContain(
        "category string -- product family",
      );
    } finally {
      vi.unstubAllEnvs();
      await athena.close();
      await glue.close();
    }
  });
});

describe("formatTable", () => {
  it("aligns typed cells", () => {
    expect(
      formatTable(
        [{ name: "n" }, { name: "when" }],
        [
          { n: 12n, when: new Date("2024-01-02T03:04:05Z") },
          { n: null, when: null },
        ],
      ),
    ).toBe("n    | when\n-----+--------------------\n12   | 2024-01-02 03:04:05\nNULL | NULL");
  });
});

describe("fmops sql --eval", () => {
  it("prints accuracy before and after self-correction, attempts and tokens per question", async () => {
    const { io, stdout } = memoryIo();
    const code = await sqlCommand.run(
      [
        "--eval",
        join(data, "../sql-eval/questions.jsonl"),
        "--data",
        data,
        "--script",
        join(data, "../sql-eval/script.json"),
      ],
      io,
    );
    expect(code).toBe(0);
    const out = stdout();
    expect(out).toContain("Questions: 4");
    expect(out).toMatch(/Execution accuracy, first attempt: +50\.0%/);
    expect(out).toMatch(/Execution accuracy, after correction: +75\.0%/);
    expect(out).toMatch(/Attempts per question: +1\.25/);
    expect(out).toContain("footwear. match (first wrong, 2 attempts, ok)");
  });

  it("writes the report as JSON, and refuses a question together with --eval", async () => {
    const a = memoryIo();
    const args = ["--data", data, "--script", join(data, "../sql-eval/script.json")];
    expect(
      await sqlCommand.run(
        ["--eval", join(data, "../sql-eval/questions.jsonl"), "--json", ...args],
        a.io,
      ),
    ).toBe(0);
    const report = JSON.parse(a.stdout()) as { accuracy: { firstAttempt: number; final: number } };
    expect(report.accuracy).toEqual({ firstAttempt: 0.5, final: 0.75 });
    await expect(
      sqlCommand.run(
        ["How many?", "--eval", join(data, "../sql-eval/questions.jsonl"), ...args],
        memoryIo().io,
      ),
    ).rejects.toThrow(/either a question or --eval/);
  });
});
