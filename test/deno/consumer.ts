// A Deno program using the installed fmops package through bare specifiers, resolved from the
// project's node_modules (deno.json: "nodeModulesDir": "manual"), the way a Deno user with a
// package.json writes one. test/package/run.mjs copies it into a temporary project.
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import * as root from "fmops";
import * as async from "fmops/async";
import * as core from "fmops/core";
import * as evaluation from "fmops/evaluation";
import * as models from "fmops/models";
import * as monitoring from "fmops/monitoring";
import * as prompts from "fmops/prompts";
import * as rag from "fmops/rag";
import * as streaming from "fmops/streaming";
import * as testing from "fmops/testing";
import * as text2sql from "fmops/text2sql";
import { runFlows } from "./flows.mjs";

const modules = { root, core, streaming, models, async, text2sql, rag, prompts, monitoring };
const aws = { S3Client, SageMakerRuntimeClient };
const passed = await runFlows({ ...modules, evaluation, testing, aws }, Deno.env.toObject());
Deno.exitCode = passed ? 0 : 1;
