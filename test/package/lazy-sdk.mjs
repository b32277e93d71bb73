#!/usr/bin/env node
// Checks, on the BUILT package (dist/), that the AWS SDK is loaded only when a class first calls
// AWS. Run after `npm run build`: `node --import tsx test/package/lazy-sdk.mjs` (tsx only so that
// this driver can start the TypeScript Bedrock stand-in from test/emulators).
//
//  1. Importing any entry point, through ESM or CommonJS, loads no @aws-sdk/* or @smithy/* file.
//  2. Deno runs an offline fmops/rag program without --allow-env (the SDK needs it when it loads).
//  3. With an AWS client package missing, constructing the class still works (no I/O, no import)
//     and its first call throws MISSING_DEPENDENCY saying what to `npm install`.
//  4. A CommonJS application passing its own `require`d client works: fmops's CommonJS build
//     takes the command classes from the same copy of the SDK.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startBedrockRuntime } from "../emulators/index.js";

const root = new URL("../../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));
const require = createRequire(import.meta.url);
const work = mkdtempSync(join(tmpdir(), "fmops-lazy-sdk-"));
const AWS_FILE = /[\\/]node_modules[\\/]@(aws-sdk|smithy)[\\/]/;

// An ESM resolve hook (it runs on its own thread) that logs every module it resolves to a file,
// and hides one package when FMOPS_HIDE names it, the way Node reports a missing package.
const hook = join(work, "hook.mjs");
writeFileSync(
  hook,
  `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  if (process.env.FMOPS_HIDE && specifier === process.env.FMOPS_HIDE) {
    const err = new Error(\`Cannot find package '\${specifier}' imported from \${context.parentURL}\`);
    err.code = "ERR_MODULE_NOT_FOUND";
    throw err;
  }
  const result = await next(specifier, context);
  if (process.env.FMOPS_LOADED_LOG) appendFileSync(process.env.FMOPS_LOADED_LOG, result.url + "\\n");
  return result;
}`,
);
// Registers the hook, and does the same hiding for CommonJS require().
const register = join(work, "register.mjs");
writeFileSync(
  register,
  `import Module, { register } from "node:module";
register(${JSON.stringify(pathToFileURL(hook).href)});
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (process.env.FMOPS_HIDE && request === process.env.FMOPS_HIDE) {
    const err = new Error(\`Cannot find module '\${request}'\`);
    err.code = "MODULE_NOT_FOUND";
    throw err;
  }
  return resolveFilename.call(this, request, ...rest);
};`,
);

/**
 * Runs `code` in a fresh node (ESM or CommonJS) with the hook; resolves to its exit status,
 * output and the modules it resolved through ESM. Asynchronous, so that a stand-in served by
 * this process keeps answering while the child runs.
 */
function runNode(format, code, env = {}) {
  const log = join(work, `loaded-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, "");
  const child = spawn(
    process.execPath,
    ["--import", pathToFileURL(register).href, `--input-type=${format}`, "-e", code],
    {
      cwd: new URL(".", root),
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: "true", FMOPS_LOADED_LOG: log, ...env },
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => {
      const loaded = readFileSync(log, "utf8").split("\n").filter(Boolean);
      resolve({ status, stdout, stderr, loaded });
    });
  });
}

const failures = [];
function check(condition, what) {
  if (!condition) failures.push(what);
}

// ---- 1. No entry point loads the AWS SDK ----
const specifiers = Object.keys(pkg.exports)
  .filter((s) => s !== "./package.json")
  .map((s) => (s === "." ? pkg.name : `${pkg.name}/${s.slice(2)}`));
// CommonJS files (the SDK's own, and everything a CommonJS build requires) show in require.cache.
const reportCjs = "console.log(JSON.stringify(Object.keys(require.cache)));";
for (const specifier of specifiers) {
  const esm = await runNode(
    "module",
    `await import(${JSON.stringify(specifier)});
import { createRequire } from "node:module";
console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`,
  );
  const cjs = await runNode("commonjs", `require(${JSON.stringify(specifier)});\n${reportCjs}`);
  for (const [format, run] of [
    ["ESM", esm],
    ["CommonJS", cjs],
  ]) {
    if (run.status !== 0) {
      check(false, `${specifier} (${format}) did not load: ${run.stderr}`);
      continue;
    }
    const files = [...run.loaded, ...JSON.parse(run.stdout.trim().split("\n").at(-1))];
    const aws = files.filter((f) => AWS_FILE.test(f));
    check(
      aws.length === 0,
      `${specifier} (${format}) loaded ${aws.length} AWS SDK files at import, e.g. ${aws[0]}`,
    );
  }
}

// ---- 2. Deno: an offline fmops/rag program needs no --allow-env ----
const deno = spawnSync(
  process.execPath,
  [
    require.resolve("deno/bin.cjs"),
    "run",
    "--quiet",
    "--no-prompt",
    "--unstable-sloppy-imports",
    "--allow-read",
    "test/package/offline-rag-deno.ts",
  ],
  {
    cwd: new URL(".", root),
    encoding: "utf8",
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
  },
);
check(
  deno.status === 0 && deno.stdout.trim() === "athena",
  `Deno without --allow-env: exit ${deno.status}, stdout ${JSON.stringify(deno.stdout)}, stderr ${deno.stderr.slice(0, 600)}`,
);

// ---- 3. A missing client package: construction works, the first call says what to install ----
const missing = `const { KendraRetriever } = await load("fmops/rag");
const retriever = new KendraRetriever({
  indexId: "01234567-89ab-cdef-0123-456789abcdef",
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  endpoint: "http://127.0.0.1:9",
});
const err = await retriever.retrieve("anything").then(() => undefined, (e) => e);
console.log(JSON.stringify({ code: err?.code, message: err?.message, packageName: err?.packageName }));`;
for (const [format, load] of [
  ["module", "const load = (s) => import(s);"],
  ["commonjs", "const load = async (s) => require(s);"],
]) {
  const run = await runNode(
    format,
    format === "module" ? `${load}\n${missing}` : `${load}\n(async () => {\n${missing}\n})();`,
    { FMOPS_HIDE: "@aws-sdk/client-kendra" },
  );
  const out = run.status === 0 ? JSON.parse(run.stdout.trim().split("\n").at(-1)) : {};
  check(
    out.code === "MISSING_DEPENDENCY" &&
      out.packageName === "@aws-sdk/client-kendra" &&
      out.message.includes("npm install @aws-sdk/client-kendra") &&
      out.message.includes("KendraRetriever"),
    `missing @aws-sdk/client-kendra (${format}): ${run.stderr.slice(0, 600)} ${JSON.stringify(out)}`,
  );
}

// ---- 4. A CommonJS application's own client, against a Bedrock stand-in on 127.0.0.1 ----
const standIn = await startBedrockRuntime({
  converse: (req) => ({ text: `echo: ${req.body.messages?.[0]?.content?.[0]?.text}` }),
});
try {
  const consumer = `const { BedrockRuntimeClient } = require("@aws-sdk/client-bedrock-runtime");
const { NodeHttpHandler } = require("@smithy/node-http-handler");
const { BedrockChatModel } = require("fmops/models");
const client = new BedrockRuntimeClient({
  region: "us-east-1",
  endpoint: process.env.STAND_IN,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler(),
});
const model = new BedrockChatModel({ client, modelId: "amazon.nova-lite-v1:0" });
model.generate({ messages: [{ role: "user", content: "from CommonJS" }] }).then(
  (r) => console.log(JSON.stringify({ text: r.text })),
  (e) => { console.error(e); process.exitCode = 1; },
);`;
  const run = await runNode("commonjs", consumer, { STAND_IN: standIn.endpoint });
  const out = run.status === 0 ? JSON.parse(run.stdout.trim().split("\n").at(-1)) : {};
  check(
    out.text === "echo: from CommonJS",
    `CommonJS consumer with its own client: ${run.stderr.slice(0, 800)} ${run.stdout}`,
  );
} finally {
  await standIn.close();
}

rmSync(work, { recursive: true, force: true });
assert.deepEqual(failures, [], `lazy AWS SDK checks failed:\n  ${failures.join("\n  ")}`);
console.log(
  `lazy AWS SDK: ${specifiers.length} entry points load no AWS SDK (ESM and CommonJS); Deno runs fmops/rag without --allow-env; missing clients say what to install; CommonJS clients work`,
);
