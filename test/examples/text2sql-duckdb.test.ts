import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

/** Runs examples/text2sql-duckdb.ts as a user would, with no model configured (scripted model). */
function runExample(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("FMOPS_")),
    );
    const child = spawn(process.execPath, ["--import", "tsx", "examples/text2sql-duckdb.ts"], {
      env: {
        ...env,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the example did not finish within 60 s:\n${output}`));
    }, 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("examples/text2sql-duckdb.ts", { timeout: 70_000 }, () => {
  it("corrects a wrong column, answers, and refuses a DROP", async () => {
    const { code, output } = await runExample();
    expect(code, output).toBe(0);
    expect(output).toContain(
      "attempt 1 (generate, temperature 0.0): invalid -- COLUMN_NOT_FOUND: line 1:36: Column 'i.price' cannot be resolved",
    );
    expect(output).toContain("attempt 2 (correct, temperature 0.2): ok");
    expect(output).toMatch(/country="US" {2}revenue=\d+\.\d+/);
    expect(output).toContain(
      'blocked -- SQL_NOT_READ_ONLY: refused to run this statement: it starts with "DROP"',
    );
    expect(output).toContain("status: unanswerable");
  });
});
