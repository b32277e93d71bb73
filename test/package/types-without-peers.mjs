#!/usr/bin/env node
// Checks, on the BUILT package, that a TypeScript consumer who installed fmops WITHOUT its
// optional peers (the AWS SDK service clients other than Bedrock Runtime and SageMaker Runtime,
// DuckDB, OpenTelemetry, transformers.js, ...) can import every entry point with
// `skipLibCheck: false`. The shipped declarations must then name no type from an optional peer:
// TypeScript checks every declaration file a program reaches, and an `import type` of a package
// that is not installed is error TS2307 in the consumer's build, whether or not they use the class.
//
// Run after `npm run build`: `node test/package/types-without-peers.mjs` (part of `npm run test:dist`).
// The consumer is a temporary project with fmops installed from its tarball as `npm install`
// gives it (npm 7+ installs required peers, never optional ones) plus @types/node, checked by
// this repository's TypeScript under three settings: `nodenext` from a CommonJS file (the
// `require` types, .d.cts), `nodenext` from an ES module file (.d.ts), and `bundler` (.d.ts).
// Prints the errors per setting, each naming the shipped file it is in; exits 1 when there is any.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConsumerProject, pinned, repoRoot } from "./project.mjs";

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** The optional peers; none of them may be installed in the consumer, or the check proves nothing. */
const optionalPeers = Object.entries(pkg.peerDependenciesMeta ?? {})
  .filter(([, meta]) => meta.optional)
  .map(([name]) => name);

const specifiers = Object.keys(pkg.exports)
  .filter((s) => s !== "./package.json")
  .map((s) => (s === "." ? pkg.name : `${pkg.name}/${s.slice(2)}`));

/** The three ways a consumer's TypeScript resolves fmops: [label, file extension, options]. */
const SETTINGS = [
  ["nodenext cjs", "cts", { module: "nodenext", moduleResolution: "nodenext" }],
  ["nodenext esm", "mts", { module: "nodenext", moduleResolution: "nodenext" }],
  ["bundler", "ts", { module: "esnext", moduleResolution: "bundler" }],
];

/**
 * Type-checks one consumer program that imports every entry point under `setting`; returns the
 * error lines. One program per setting: TypeScript checks every declaration file the program
 * reaches, so an error names the shipped file (and so the entry point) it comes from.
 */
function check(project, [label, ext, options]) {
  const dir = join(project, "checks", label.replace(/\W+/g, "-"));
  mkdirSync(dir, { recursive: true });
  const file = `consumer.${ext}`;
  // Every exported name of every entry point is reached, so every shipped declaration is checked.
  const lines = specifiers.map(
    (specifier, i) => `import * as entry${i} from ${JSON.stringify(specifier)};`,
  );
  lines.push(
    `export const names: string[] = [${specifiers.map((_, i) => `entry${i}`).join(", ")}]`,
  );
  lines.push("  .flatMap((entry) => Object.keys(entry));");
  writeFileSync(join(dir, file), `${lines.join("\n")}\n`);
  const tsconfig = {
    compilerOptions: {
      ...options,
      target: "es2022",
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      types: ["node"],
      typeRoots: [join(project, "node_modules", "@types")],
    },
    files: [file],
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  const run = spawnSync(process.execPath, [tsc, "-p", dir, "--pretty", "false"], {
    cwd: dir,
    encoding: "utf8",
  });
  if (run.status === 0) return [];
  const errors = `${run.stdout}${run.stderr}`.split("\n").filter((l) => /error TS\d+/.test(l));
  return errors.length > 0 ? errors : [`tsc exited ${run.status}: ${run.stdout}${run.stderr}`];
}

const project = mkdtempSync(join(tmpdir(), "fmops-types-"));
let failed = 0;
try {
  createConsumerProject(project, [pinned("@types/node")]);
  const installed = optionalPeers.filter((p) => existsSync(join(project, "node_modules", p)));
  if (installed.length > 0) {
    throw new Error(`optional peers were installed, so nothing is proved: ${installed.join(", ")}`);
  }
  for (const setting of SETTINGS) {
    const errors = check(project, setting);
    failed += errors.length;
    console.log(
      `${setting[0].padEnd(14)}${errors.length === 0 ? "ok" : `${errors.length} errors`}`,
    );
    for (const error of errors) console.error(`  ${error}`);
  }
  console.log(
    failed === 0
      ? `\ntypes without peers: every entry point type-checks with skipLibCheck false and none of ${optionalPeers.length} optional peers installed`
      : `\ntypes without peers: FAILED (${failed} errors)`,
  );
} catch (err) {
  failed = failed || 1;
  console.error(err instanceof Error ? err.stack : err);
} finally {
  if (process.env.FMOPS_KEEP_DIST_PROJECT) console.log(`(project kept in ${project})`);
  else rmSync(project, { recursive: true, force: true });
}
process.exit(failed === 0 ? 0 : 1);
