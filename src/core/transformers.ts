/**
 * Plumbing shared by the modules that run models in-process with transformers.js
 * (`@huggingface/transformers`, an optional peer): importing the library lazily, telling a model
 * folder from a hub id, and turning the library's load failures into fmops errors that say
 * what to do.
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, redact } from "./errors.js";
import { loadOptional } from "./optional.js";

/** The npm name of transformers.js. */
export const TRANSFORMERS_PACKAGE = "@huggingface/transformers";

/** The ONNX weight variants transformers.js can load (`onnx/model.onnx` is `fp32`). */
export type TransformersDtype =
  | "auto"
  | "fp32"
  | "fp16"
  | "q8"
  | "int8"
  | "uint8"
  | "q4"
  | "bnb4"
  | "q4f16";

/** zod schema of {@link TransformersDtype}, for options objects. */
export const transformersDtypeSchema = z.enum([
  "auto",
  "fp32",
  "fp16",
  "q8",
  "int8",
  "uint8",
  "q4",
  "bnb4",
  "q4f16",
]);

/** True for a folder path rather than a hub id (`org/name` or `name`). */
export function isModelFolderPath(model: string): boolean {
  return (
    model.startsWith("/") ||
    model.startsWith("./") ||
    model.startsWith("../") ||
    model.startsWith("~") ||
    /^[A-Za-z]:[\\/]/.test(model) ||
    model.includes("\\") ||
    model.split("/").length > 2
  );
}

/** `folder/name`, written so that transformers.js reads it as a path, never as a hub id. */
export function joinModelPath(folder: string, name: string): string {
  const joined = `${folder.replace(/[\\/]+$/, "")}/${name}`;
  // A relative join such as "models/org/name" must not read as a hub id again.
  return isModelFolderPath(joined) ? joined : `./${joined}`;
}

/**
 * Where transformers.js should look for `model`: the folder itself, or the hub id's folder
 * under `localModelPath` when one is given.
 */
export function modelLocation(model: string, localModelPath?: string): string {
  return isModelFolderPath(model) || localModelPath === undefined
    ? model
    : joinModelPath(localModelPath, model);
}

/**
 * Imports transformers.js with `loadLibrary` when given (tests, bundlers), else lazily with
 * {@link loadOptional}, which throws `MISSING_DEPENDENCY` naming `feature` when it is absent.
 */
export async function loadTransformers<T>(
  feature: string,
  loadLibrary?: () => Promise<T>,
): Promise<T> {
  return loadLibrary ? loadLibrary() : loadOptional<T>(TRANSFORMERS_PACKAGE, feature);
}

/** What {@link transformersLoadError} needs to word its message. */
export interface TransformersLoadContext {
  /** The `model` option as the user wrote it. */
  model: string;
  /** Where transformers.js looked (see {@link modelLocation}). */
  location: string;
  /** The kind of export expected, e.g. `"feature-extraction"`. */
  task: string;
  /** Appended to the missing-files message: how to get the files onto this machine. */
  missingHint: string;
}

/**
 * Turns an error thrown while transformers.js loaded a model into `MODEL_NOT_FOUND` (files
 * missing, not retryable) or `MODEL_LOAD_FAILED` (anything else), each saying what to check.
 */
export function transformersLoadError(
  error: unknown,
  context: TransformersLoadContext,
): FmopsError {
  const message = error instanceof Error ? error.message : String(error);
  // transformers.js words this differently across versions; its error class name is stable.
  const notFound =
    (error instanceof Error && error.name === "ModelFileNotFoundError") ||
    /not found locally|file missing/i.test(message);
  if (!notFound) {
    return new FmopsError(
      "MODEL_LOAD_FAILED",
      `transformers.js could not load model "${context.model}": ${redact(message)}. Check that the folder holds a ${context.task} ONNX export.`,
      { cause: error },
    );
  }
  const file = /"([^"]*)"/.exec(message)?.[1] ?? context.location;
  return new FmopsError(
    "MODEL_NOT_FOUND",
    `Model files for "${context.model}" are missing: "${file}" does not exist (looked in "${context.location}"). The folder needs config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx (or the file for the chosen dtype).${context.missingHint}`,
    { cause: error, retryable: false },
  );
}
