import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatTable, sqlCommand } from "../../src/cli/sql.js";
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
