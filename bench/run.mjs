#!/usr/bin/env node
// Runs one benchmark: `npm run bench -- <name>` executes bench/<name>.ts, which prints one JSON line.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const name = process.argv[2];
const available = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3));
if (!name || !existsSync(new URL(`./${name}.ts`, import.meta.url))) {
  console.error(
    `usage: npm run bench -- <name>\navailable: ${available.join(", ") || "(none yet)"}`,
  );
  process.exit(2);
}
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: "true", AWS_EMF_ENVIRONMENT: "Local" };
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", `bench/${name}.ts`, ...process.argv.slice(3)],
  {
    stdio: "inherit",
    env,
  },
);
process.exit(result.status ?? 1);
