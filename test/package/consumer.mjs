// An ES module application using the installed fmops package, the way a Node user writes one.
// The driver (run.mjs) copies this file into a temporary project where `npm install` put fmops.
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
const passed = await runFlows({ ...modules, evaluation, testing, aws }, process.env);
process.exitCode = passed ? 0 : 1;
