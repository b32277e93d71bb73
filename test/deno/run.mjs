#!/usr/bin/env node
// Runs test/deno/smoke.ts under Deno (installed from npm) against the built package in dist/.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const denoBin = require.resolve("deno/bin.cjs");
const result = spawnSync(
  process.execPath,
  [
    denoBin,
    "run",
    "--quiet",
    "--unstable-sloppy-imports",
    "--allow-read",
    "--allow-env",
    "--allow-net=127.0.0.1",
    "--allow-sys",
    "test/deno/smoke.ts",
  ],
  {
    stdio: "inherit",
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", AWS_EC2_METADATA_DISABLED: "true" },
  },
);
process.exit(result.status ?? 1);
