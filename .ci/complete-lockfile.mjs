#!/usr/bin/env node
// Completes package-lock.json with entries for other platforms' optional binaries.
//
// Why: the registry mirror this project builds against lacks some other-platform builds
// (e.g. @biomejs/cli-darwin-arm64 at the version biome pins), so `npm install` leaves them out
// of the lockfile, and `npm ci` then rejects the lockfile as out of sync. An entry that records
// the package's version, os, cpu and libc is all `npm ci` needs to skip it on this platform.
// Run after every `npm install` that changes dependencies: `node .ci/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from "node:fs";

const PLATFORM = /(android|darwin|freebsd|linux|win32|openharmony|aix|sunos|netbsd|openbsd)/;
const CPU = /(arm64|x64|arm|ia32|ppc64|riscv64|s390x|loong64|mips64el|wasm32)/;

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const packages = lock.packages;
const added = [];
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path}/node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    const os = name.match(PLATFORM)?.[1];
    if (!os) continue; // only platform binaries are knowingly absent; anything else is a real gap
    const cpu = name.slice(name.indexOf(os) + os.length).match(CPU)?.[1];
    const libc = /musl/.test(name) ? "musl" : /gnu|glibc/.test(name) ? "glibc" : undefined;
    packages[hoisted] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [os],
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(libc ? { libc: [libc] } : {}),
    };
    added.push(`${name}@${version}`);
  }
}
// Keep npm's own ordering (sorted keys) so later installs produce small diffs.
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  added.length
    ? `added ${added.length} platform entries:\n  ${added.join("\n  ")}`
    : "lockfile already complete",
);
