import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonErrorOffset, lineAndColumn } from "../../src/cli/json-file.js";
import { main } from "../../src/cli/main.js";
import { closestFlag } from "../../src/cli/usage-errors.js";
import { VERSION } from "../../src/version.js";
import { memoryIo } from "./cli-io.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const data = join(root, "examples/data");
// Nothing listens on port 9 (discard) on loopback: a call that got this far would be refused
// quickly, and the tests below prove the CLI stops before any call is made.
const deadEndpoint = "http://127.0.0.1:9";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fmops-cli-errors-"));
  // No AWS configuration at all: no region, no keys, no profile files.
  for (const name of [
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  ])
    vi.stubEnv(name, undefined);
  vi.stubEnv("AWS_CONFIG_FILE", join(dir, "no-config"));
  vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", join(dir, "no-credentials"));
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

async function fmops(...args: string[]) {
  const t = memoryIo();
  const code = await main(args, t.io);
  return { code, stdout: t.stdout(), stderr: t.stderr() };
}

/** Every double quote in the message is closed, and so is every single quote used as one. */
function expectBalanced(text: string) {
  expect((text.match(/"/g) ?? []).length % 2).toBe(0);
  expect(text).not.toMatch(/(^|\s)'[^']*$/m);
}

describe("CLI usage errors", () => {
  it("exits 2 on an unknown flag and suggests the closest one", async () => {
    const r = await fmops("sql", "How many?", "--dat", data);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('fmops sql: unknown option "--dat". Did you mean "--data"?');
    expect(r.stderr).toContain('"fmops sql --help"');
    expect(r.stderr).not.toContain("To specify a positional argument");
    expectBalanced(r.stderr);
  });

  it("suggests flags of the command that was run", async () => {
    const r = await fmops("chat", "--mdoel", "bedrock:m", "hi");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Did you mean "--model"?');
    const far = await fmops("chat", "--zzzzzzzz", "hi");
    expect(far.code).toBe(2);
    expect(far.stderr).toContain('unknown option "--zzzzzzzz"');
    expect(far.stderr).not.toContain("Did you mean");
  });

  it("exits 2 when a flag's value is missing and shows what it takes", async () => {
    const r = await fmops("sql", "How many?", "--data");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('option "--data" needs a value: --data <path>');
    expectBalanced(r.stderr);
  });

  it("exits 2 when a switch is given a value", async () => {
    const r = await fmops("sql", "How many?", "--json=yes", "--data", data);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('option "--json" takes no value');
    expectBalanced(r.stderr);
  });

  it("exits 2 when a value starts with a dash, saying how to write it", async () => {
    // Node calls "--timeout -5" ambiguous; it used to come out as "takes no value".
    const r = await fmops("chat", "--model", `openai:${deadEndpoint}`, "--timeout", "-5", "hi");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'option "--timeout" needs a value: --timeout <ms>; a value that starts with "-" is written --timeout=<value>.',
    );
    expect(r.stderr).not.toContain("takes no value");
    expectBalanced(r.stderr);
  });

  it("exits 2 naming --timeout when it is not a whole number of milliseconds", async () => {
    const models = { chat: "bedrock:m", image: "bedrock:amazon.nova-canvas-v1:0" };
    for (const [command, model] of Object.entries(models)) {
      const r = await fmops(command, "--model", model, "--timeout", "0", "hi");
      expect(r.code, command).toBe(2);
      expect(r.stderr, command).toContain('--timeout takes a whole number of at least 1; got "0"');
    }
  });

  it("exits 2 on a bad value", async () => {
    const script = join(dir, "answers.json");
    writeFileSync(script, "[]");
    const r = await fmops("sql", "q", "--data", data, "--script", script, "--max-attempts", "x");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-attempts takes a number; got "x"');
  });

  it("finds the closest flag by edit distance", () => {
    const flags = ["--data", "--database", "--athena", "--json"];
    expect(closestFlag("--databse", flags)).toBe("--database");
    expect(closestFlag("--jsno", flags)).toBe("--json");
    expect(closestFlag("--completely-different", flags)).toBeUndefined();
  });
});

describe("fmops sql without a model", () => {
  it("calls no model and names the flags that choose one", async () => {
    const r = await fmops("sql", "How many orders?", "--data", data);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--model");
    expect(r.stderr).toContain("--script");
    expect(r.stderr).not.toContain("Region is missing");
    expect(r.stderr).toContain("[VALIDATION_ERROR]");
  });
});

describe("AWS configuration errors", () => {
  it("names AWS_REGION and --region when no region is configured", async () => {
    const r = await fmops("chat", "--model", "bedrock:m", "--endpoint-url", deadEndpoint, "hi");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[AWS_REGION_MISSING]");
    expect(r.stderr).toContain("--region");
    expect(r.stderr).toContain("AWS_REGION");
  });

  it("names the credential chain's settings when no credentials are found", async () => {
    const r = await fmops(
      "chat",
      "--model",
      "bedrock:m",
      "--region",
      "us-east-1",
      "--endpoint-url",
      deadEndpoint,
      "hi",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[AWS_CREDENTIALS_MISSING]");
    expect(r.stderr).toContain("AWS_ACCESS_KEY_ID");
    expect(r.stderr).toContain("AWS_PROFILE");
  });
});

describe("AWS configuration errors in fmops eval (issue #17)", () => {
  // The evaluator isolates each record's failure; a missing region or missing credentials would
  // fail every record alike, so the run stops at the first and says which setting to provide.
  function qaData(): string {
    const path = join(dir, "qa.jsonl");
    writeFileSync(
      path,
      ["a", "b", "c"].map((q) => JSON.stringify({ question: q, answer: q, out: q })).join("\n"),
    );
    return path;
  }

  it("names AWS_REGION and --region when the model has no region", async () => {
    const args = ["eval", "--data", qaData(), "--algorithm", "qa", "--model", "bedrock:m"];
    const r = await fmops(...args, "--endpoint-url", deadEndpoint, "--quiet");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[AWS_REGION_MISSING]");
    expect(r.stderr).toContain("--region");
    expect(r.stderr).toContain("AWS_REGION");
    expect(r.stderr).not.toContain("records failed");
    expect(r.stderr).not.toContain("--resume");
  });

  it("names the credential chain's settings when the judge has no credentials", async () => {
    const r = await fmops(
      "eval",
      "--data",
      qaData(),
      "--algorithm",
      "judge",
      "--precomputed",
      "out",
      "--judge-model",
      "bedrock:m",
      "--region",
      "us-east-1",
      "--endpoint-url",
      deadEndpoint,
      "--quiet",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[AWS_CREDENTIALS_MISSING]");
    expect(r.stderr).toContain("AWS_ACCESS_KEY_ID");
    expect(r.stderr).not.toContain("records failed");
  });
});

describe("AWS configuration errors where each call's failure is isolated (issue #17)", () => {
  it("fmops eval --mlflow <managed MLflow ARN> checks the credentials before scoring", async () => {
    const records = join(dir, "qa.jsonl");
    writeFileSync(records, `${JSON.stringify({ question: "a", answer: "a", out: "a" })}\n`);
    const r = await fmops(
      "eval",
      "--data",
      records,
      "--algorithm",
      "qa",
      "--precomputed",
      "out",
      "--mlflow",
      "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/team",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[AWS_CREDENTIALS_MISSING]");
    // Stopped before scoring: no table, no progress.
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toContain("1/1 records");
  });

  it("fmops bench names --region instead of counting failed calls", async () => {
    const prompts = join(dir, "prompts.jsonl");
    writeFileSync(prompts, '"hi"\n');
    const r = await fmops(
      "bench",
      "--model",
      "bedrock:m",
      "--prompts",
      prompts,
      "--concurrency",
      "1",
      "--requests",
      "2",
      "--endpoint-url",
      deadEndpoint,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[AWS_REGION_MISSING]");
    expect(r.stderr).toContain("--region");
    expect(r.stdout).not.toContain("concurrency  calls  errors");
  });

  it("fmops sql --eval names the credential settings instead of failing every question", async () => {
    const r = await fmops(
      "sql",
      "--eval",
      join(root, "examples/sql-eval/questions.jsonl"),
      "--data",
      data,
      "--model",
      "bedrock:m",
      "--region",
      "us-east-1",
      "--endpoint-url",
      deadEndpoint,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[AWS_CREDENTIALS_MISSING]");
    expect(r.stdout).not.toContain("Execution accuracy");
  });
});

describe("CLI file errors", () => {
  it("types a missing input file", async () => {
    const r = await fmops(
      "bench",
      "--model",
      `openai:${deadEndpoint}`,
      "--prompts",
      join(dir, "x"),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[FILE_NOT_FOUND]");
    expect(r.stderr).toContain(join(dir, "x"));
    expect(r.stderr).not.toContain("ENOENT");
  });

  it("types a directory given where a file is expected", async () => {
    const r = await fmops("bench", "--model", `openai:${deadEndpoint}`, "--prompts", dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[FILE_IS_DIRECTORY]");
    expect(r.stderr).toContain(dir);
    expect(r.stderr).not.toContain("EISDIR");
  });

  it("types an output file that cannot be written", async () => {
    const prompts = join(dir, "prompts.jsonl");
    writeFileSync(prompts, '"hi"\n');
    const out = join(dir, "missing-folder", "calls.jsonl");
    const r = await fmops(
      "bench",
      "--model",
      `openai:${deadEndpoint}`,
      "--prompts",
      prompts,
      "--concurrency",
      "1",
      "--requests",
      "1",
      "--jsonl",
      out,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[FILE_NOT_FOUND]");
    expect(r.stderr).toContain(out);
    expect(r.stderr).not.toContain("ENOENT");
    // Refused before the load test: no call was made, so no progress was drawn.
    expect(r.stderr).not.toContain("1/1");
  });

  it("names the --script file and the position of a JSON error", async () => {
    const script = join(dir, "answers.json");
    writeFileSync(script, '[\n  "SELECT 1",\n  "SELECT 2"\n  "SELECT 3"\n]\n');
    const r = await fmops("sql", "q", "--data", data, "--script", script);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `--script ${script} is not valid JSON at line 4, column 3 (found a double quote there)`,
    );
    expectBalanced(r.stderr);
  });

  it("types a --script file that does not exist or is a folder", async () => {
    const missing = await fmops("sql", "q", "--data", data, "--script", join(dir, "none.json"));
    expect(missing.stderr).toContain("[FILE_NOT_FOUND]");
    mkdirSync(join(dir, "folder"));
    const folder = await fmops("sql", "q", "--data", data, "--script", join(dir, "folder"));
    expect(folder.stderr).toContain("[FILE_IS_DIRECTORY]");
  });
});

describe("jsonErrorOffset", () => {
  it("finds where JSON.parse stops, and nothing in valid JSON", () => {
    expect(jsonErrorOffset('{"a": [1, 2.5e3, true, null, "x\\n"], "b": {}}')).toBeUndefined();
    expect(jsonErrorOffset("[1,}")).toBe(3);
    expect(jsonErrorOffset('{"a":tru}')).toBe(5);
    expect(jsonErrorOffset('["a", ')).toBe(6);
    expect(jsonErrorOffset("[1] 2")).toBe(4);
    expect(jsonErrorOffset('{"a" 1}')).toBe(5);
    expect(jsonErrorOffset("")).toBe(0);
    expect(lineAndColumn("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
  });

  it("agrees with JSON.parse on any JSON value and on its truncations", () => {
    fc.assert(
      fc.property(fc.json(), fc.nat(), (text, cut) => {
        expect(jsonErrorOffset(text)).toBeUndefined();
        const prefix = text.slice(0, cut % (text.length + 1));
        let parses = true;
        try {
          JSON.parse(prefix);
        } catch {
          parses = false;
        }
        expect(jsonErrorOffset(prefix) === undefined).toBe(parses);
      }),
    );
  });
});

describe("running the CLI from a clone", () => {
  it("has an npm script that runs the sources", async () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const script: string = pkg.scripts.fmops;
    expect(script).toMatch(/^node /);
    const args = script.split(" ").slice(1);
    const { stdout } = await promisify(execFile)(process.execPath, [...args, "--version"], {
      cwd: root,
    });
    expect(stdout).toBe(`${VERSION}\n`);
  });

  it("runs the README's example of a command from a clone, offline", async () => {
    // Every complete `npm run fmops -- ...` line the README shows (placeholders aside) works as
    // written, from the repository root, with no AWS configuration (issue #17).
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const commands = [...readme.matchAll(/`npm run fmops -- ([^`<]+)`/g)].map((m) =>
      (m[1] as string).trim().split(/\s+/),
    );
    expect(commands.length).toBeGreaterThan(0);
    for (const args of commands) {
      // Paths in the README are relative to the repository root.
      const r = await fmops(...args.map((a) => (a.startsWith("examples/") ? join(root, a) : a)));
      expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
    }
  });
});
