// A Deno program using fmops through npm: specifiers, the way Deno scripts and notebooks usually
// import npm packages. With "nodeModulesDir": "manual", Deno resolves npm:fmops/... from the
// project's node_modules, so the locally installed tarball is used and no registry is asked.
import { S3Client } from "npm:@aws-sdk/client-s3";
import { SageMakerRuntimeClient } from "npm:@aws-sdk/client-sagemaker-runtime";
import * as root from "npm:fmops";
import * as async from "npm:fmops/async";
import * as core from "npm:fmops/core";
import * as evaluation from "npm:fmops/evaluation";
import * as models from "npm:fmops/models";
import * as monitoring from "npm:fmops/monitoring";
import * as prompts from "npm:fmops/prompts";
import * as rag from "npm:fmops/rag";
import * as streaming from "npm:fmops/streaming";
import * as testing from "npm:fmops/testing";
import * as text2sql from "npm:fmops/text2sql";
import { runFlows } from "./flows.mjs";

const modules = { root, core, streaming, models, async, text2sql, rag, prompts, monitoring };
const aws = { S3Client, SageMakerRuntimeClient };
const passed = await runFlows({ ...modules, evaluation, testing, aws }, Deno.env.toObject());
Deno.exitCode = passed ? 0 : 1;
