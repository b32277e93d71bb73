#!/usr/bin/env node
// Runs one benchmark: `npm run bench -- <name>` executes bench/<name>.ts (or bench/<name>.mjs, for
// benches that must run without tsx, such as the install footprint), which prints one JSON line.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const name = process.argv[2];
const available = readdirSync(new URL(".", import.meta.url))
  .filter((f) => (f.endsWith(".ts") || f.endsWith(".mjs")) && f !== "run.mjs")
  .map((f) => f.replace(/\.(ts|mjs)$/, ""));
const file = [`${name}.ts`, `${name}.mjs`].find(
  (f) => name && name !== "run" && existsSync(new URL(`./${f}`, import.meta.url)),
);
if (!file) {
  console.error(
    `usage: npm run bench -- <name>\navailable: ${available.join(", ") || "(none yet)"}`,
  );
  process.exit(2);
}
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: "true", AWS_EMF_ENVIRONMENT: "Local" };
const result = spawnSync(
  process.execPath,
  [...(file.endsWith(".ts") ? ["--import", "tsx"] : []), `bench/${file}`, ...process.argv.slice(3)],
  {
    stdio: "inherit",
    env,
  },
);
process.exit(result.status ?? 1);
