#!/usr/bin/env node
// Loads every public entry point of the installed fmops package by name, once through ESM and
// once through CommonJS, and checks both give the same exports. test/package/run.mjs copies it
// into the consumer project it installs the packed tarball into, and runs it on each Node line.
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const pkg = require("fmops/package.json");
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
    () => new models.BedrockChatModel({ modelId: "amazon.nova-lite-v1:0", temprature: 0.5 }),
    (err) => err instanceof core.ValidationError,
  );
}
console.log(`package smoke: ${subpaths.length} entry points load through ESM and CommonJS`);
