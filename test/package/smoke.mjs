#!/usr/bin/env node
// Imports every public entry point of the BUILT package by name (package self-reference), once
// through ESM and once through CommonJS, the way a user's project would. Run after `npm run build`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
const require = createRequire(import.meta.url);
const subpaths = Object.keys(pkg.exports).filter((s) => s !== "./package.json");

for (const subpath of subpaths) {
  const specifier = subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
  const esm = await import(specifier);
  const cjs = require(specifier);
  assert.ok(Object.keys(esm).length > 0, `${specifier} (ESM) exports nothing`);
  assert.deepEqual(
    Object.keys(cjs).sort(),
    Object.keys(esm)
      .filter((k) => k !== "default")
      .sort(),
    `${specifier}: ESM and CJS export different names`,
  );
}

// One class identity across subpaths: an error thrown by fmops/models is a fmops/core FmopsError.
for (const load of [(s) => import(s), async (s) => require(s)]) {
  const core = await load("fmops/core");
  const models = await load("fmops/models");
  assert.throws(
    () => models.validateChatRequest({ messages: [] }),
    (err) => err instanceof core.ValidationError,
  );
}
console.log(`package smoke: ${subpaths.length} entry points load through ESM and CommonJS`);
