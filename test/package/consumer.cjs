// A CommonJS application using the installed fmops package, the way a Node user writes one.
// The driver (run.mjs) copies this file into a temporary project where `npm install` put fmops.
const { S3Client } = require("@aws-sdk/client-s3");
const { SageMakerRuntimeClient } = require("@aws-sdk/client-sagemaker-runtime");
const root = require("fmops");
const async = require("fmops/async");
const core = require("fmops/core");
const evaluation = require("fmops/evaluation");
const models = require("fmops/models");
const monitoring = require("fmops/monitoring");
const prompts = require("fmops/prompts");
const rag = require("fmops/rag");
const streaming = require("fmops/streaming");
const testing = require("fmops/testing");
const text2sql = require("fmops/text2sql");

async function main() {
  // The flow checks are shared with the ES module and Deno consumers; only fmops is required here.
  const { runFlows } = await import("./flows.mjs");
  const modules = { root, core, streaming, models, async, text2sql, rag, prompts, monitoring };
  const aws = { S3Client, SageMakerRuntimeClient };
  return runFlows({ ...modules, evaluation, testing, aws }, process.env);
}

main().then(
  (passed) => {
    process.exitCode = passed ? 0 : 1;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
