#!/usr/bin/env node
/**
 * Benchmark: what `npm install fmops` costs a user, and what importing it costs a process.
 *
 *  - install: builds the package (`npm run build`), packs it (`npm pack`), installs the tarball
 *    into an empty temporary project with no optional peers (`--prefer-offline`, so the local
 *    npm cache is used where it can be), and reports the size of node_modules (apparent bytes and
 *    disk usage), the number of packages `npm ls --all` lists, and the size of fmops's own dist;
 *  - import: for `fmops` and each subpath, --runs fresh `node` processes each time
 *    `await import(specifier)` from inside the process (from just before the call to just after),
 *    plus the CPU time the import took (user + system, steadier than wall time on a busy
 *    machine), the resident set size after it, and the whole process's wall time. Medians.
 *
 * Each process also reports how many `@aws-sdk/` and `@smithy/` files it loaded (through a
 * module resolve hook), which shows at a glance which entry points pull the AWS SDK in.
 *
 * Usage: `npm run bench -- footprint [--runs 7] [--keep true]`. Prints one JSON line.
 * --keep leaves the temporary project in place (its path is in the output) for inspection.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const args = new Map();
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args.set(process.argv[i].replace(/^--/, ""), process.argv[i + 1]);
const RUNS = Number(args.get("runs") ?? 7);
const KEEP = args.get("keep") === "true";

const root = resolve(new URL("..", import.meta.url).pathname);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const quiet = { cwd: root, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const mb = (bytes) => round(bytes / 1e6);

// du: apparent bytes (what the files hold) and disk usage (what the filesystem charges).
function du(path) {
  const apparent = Number(execFileSync("du", ["-sb", path], { encoding: "utf8" }).split("\t")[0]);
  const diskKb = Number(execFileSync("du", ["-sk", path], { encoding: "utf8" }).split("\t")[0]);
  return { apparentMB: mb(apparent), diskMB: mb(diskKb * 1024) };
}

// ---- build, pack, install ----
execFileSync(npm, ["run", "build"], quiet);
const project = mkdtempSync(join(tmpdir(), "fmops-footprint-"));
const packed = JSON.parse(
  execFileSync(npm, ["pack", "--json", "--pack-destination", project], quiet),
)[0];
writeFileSync(
  join(project, "package.json"),
  JSON.stringify({ name: "footprint-consumer", version: "1.0.0", private: true, type: "module" }),
);
const installStart = performance.now();
execFileSync(
  npm,
  [
    "install",
    join(project, packed.filename),
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
    "--ignore-scripts",
    "--no-package-lock",
  ],
  { ...quiet, cwd: project },
);
const installSeconds = round((performance.now() - installStart) / 1000);
const parseable = spawnSync(npm, ["ls", "--all", "--parseable"], {
  cwd: project,
  encoding: "utf8",
});
// The first line is the project itself; each other line is one installed package directory.
const packages = parseable.stdout.trim().split("\n").length - 1;

// Largest top-level entries of node_modules (a scope such as @aws-sdk counts as one), to show
// what the install size is made of.
const largest = execFileSync("sh", ["-c", "du -sk node_modules/* | sort -rn | head -8"], {
  cwd: project,
  encoding: "utf8",
})
  .trim()
  .split("\n")
  .map((line) => line.split("\t"))
  .map(([kb, path]) => ({
    name: path.replace(/^node_modules\//, ""),
    diskMB: mb(Number(kb) * 1024),
  }));

// ---- cold imports ----
// A resolve hook counts every AWS SDK file the import pulls in, without changing what loads.
const hook = join(project, "count-aws.mjs");
writeFileSync(
  hook,
  `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (/[\\\\/]node_modules[\\\\/]@(aws-sdk|smithy)[\\\\/]/.test(result.url)) globalThis.__fmopsAws = (globalThis.__fmopsAws ?? 0) + 1;
  return result;
}`,
);
const register = join(project, "register.mjs");
writeFileSync(
  register,
  `import { register } from "node:module";
import { Module } from "node:module";
register(${JSON.stringify(`file://${hook}`)});
// CommonJS files (most of the AWS SDK's dependencies in the CJS build) go through require.
const load = Module._load;
globalThis.__fmopsAwsCjs = 0;
Module._load = function (request, parent, isMain) {
  const m = load.apply(this, arguments);
  try {
    const file = Module._resolveFilename(request, parent, isMain);
    if (/[\\\\/]node_modules[\\\\/]@(aws-sdk|smithy)[\\\\/]/.test(file)) globalThis.__fmopsAwsCjs++;
  } catch {}
  return m;
};`,
);

const subpaths = Object.keys(pkg.exports).filter((s) => s !== "./package.json");
const specifiers = subpaths.map((s) => (s === "." ? pkg.name : `${pkg.name}/${s.slice(2)}`));

function importOnce(specifier, countAws) {
  const script = `const t0 = performance.now();
const cpu0 = process.cpuUsage();
await import(${JSON.stringify(specifier)});
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, rss: process.memoryUsage().rss }));`;
  const start = performance.now();
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: "true" },
  });
  const wallMs = performance.now() - start;
  if (run.status !== 0) throw new Error(`import ${specifier} failed:\n${run.stderr}`);
  const measured = JSON.parse(run.stdout.trim().split("\n").at(-1));
  if (!countAws) return { ...measured, wallMs };
  // A separate process counts the AWS SDK files, so the hook's own cost stays out of the timings.
  const counted = spawnSync(
    process.execPath,
    [
      "--import",
      `file://${register}`,
      "--input-type=module",
      "-e",
      `await import(${JSON.stringify(specifier)}); console.log((globalThis.__fmopsAws ?? 0) + globalThis.__fmopsAwsCjs);`,
    ],
    { cwd: project, encoding: "utf8", env: { ...process.env, AWS_EC2_METADATA_DISABLED: "true" } },
  );
  return { ...measured, wallMs, awsFiles: Number(counted.stdout.trim()) };
}

const imports = {};
for (const specifier of specifiers) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(importOnce(specifier, i === 0));
  imports[specifier] = {
    importMs: round(median(runs.map((r) => r.ms))),
    importCpuMs: round(median(runs.map((r) => r.cpuMs))),
    processMs: round(median(runs.map((r) => r.wallMs))),
    rssMB: mb(median(runs.map((r) => r.rss))),
    awsSdkFilesLoaded: runs[0].awsFiles,
  };
}
// The baseline: an empty node process, to separate node's own start-up from fmops's.
const empty = [];
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  const run = spawnSync(
    process.execPath,
    ["--input-type=module", "-e", "console.log(process.memoryUsage().rss)"],
    { cwd: project, encoding: "utf8" },
  );
  empty.push({ wallMs: performance.now() - start, rss: Number(run.stdout.trim()) });
}

console.log(
  JSON.stringify({
    bench: "footprint",
    node: process.version,
    runs: RUNS,
    tarball: {
      file: packed.filename,
      packedMB: mb(packed.size),
      unpackedMB: mb(packed.unpackedSize),
    },
    install: {
      nodeModules: du(join(project, "node_modules")),
      fmopsDist: du(join(project, "node_modules", pkg.name)),
      packages,
      seconds: installSeconds,
      largest,
    },
    emptyNode: {
      processMs: round(median(empty.map((r) => r.wallMs))),
      rssMB: mb(median(empty.map((r) => r.rss))),
    },
    imports,
    ...(KEEP ? { project } : {}),
  }),
);
if (!KEEP) rmSync(project, { recursive: true, force: true });
