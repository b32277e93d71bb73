/**
 * {@link TransformersEmbeddingModel}: sentence embeddings computed in-process with
 * transformers.js (`@huggingface/transformers`, an optional peer) from a local ONNX model
 * folder, offline by default.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions, ValidationError, withDeadline } from "../core/index.js";
import {
  isModelFolderPath,
  loadTransformers,
  modelLocation,
  schemaFor,
  type TransformersDtype,
  throwIfAborted,
  toEmbeddings,
  transformersDtypeSchema,
  transformersLoadError,
} from "../core/internal.js";
import type { CallOptions, EmbeddingModel } from "../models/index.js";

export type { TransformersDtype } from "../core/internal.js";

/** Options for {@link TransformersEmbeddingModel}. */
export interface TransformersEmbeddingModelOptions {
  /**
   * A local model folder (absolute, or starting with `./` or `../`) holding `config.json`,
   * `tokenizer.json`, `tokenizer_config.json` and `onnx/model.onnx`; or a hub id such as
   * `Xenova/all-MiniLM-L6-v2`, looked up under `localModelPath` (and on the hub only when
   * `allowRemoteModels` is true).
   */
  model: string;
  /** Length of the model's vectors (checked on every answer), e.g. 384 for MiniLM-L6. */
  dimensions: number;
  /** Folder that holds hub-id model folders (`<localModelPath>/<org>/<name>/...`). */
  localModelPath?: string;
  /** Download from the Hugging Face Hub when the files are not local. Default false (offline). */
  allowRemoteModels?: boolean;
  /** How token vectors become one vector: `"mean"` (masked average, default) or `"cls"` (first token). */
  pooling?: "mean" | "cls";
  /** Scale every vector to unit length. Default true. */
  normalize?: boolean;
  /** Texts per forward pass. Default 32. */
  batchSize?: number;
  /** Which ONNX weights to load. Default `"fp32"` (`onnx/model.onnx`); `"q8"` loads `model_quantized.onnx`. */
  dtype?: TransformersDtype;
  /** Where downloaded files are cached (only with `allowRemoteModels`). Default: transformers.js's. */
  cacheDir?: string;
  /** Where to run: `"cpu"` (default in Node), `"cuda"` or `"webgpu"`. */
  device?: "cpu" | "cuda" | "webgpu";
  /** Deadline of one `embed` call, including the first call's model load. Default 300 000 ms. */
  timeoutMs?: number;
  /**
   * Imports transformers.js; for tests and bundlers. Default: a lazy
   * `import("@huggingface/transformers")` that throws `MISSING_DEPENDENCY` when it is absent.
   */
  loadLibrary?: () => Promise<TransformersLibrary>;
}

/** The slice of a transformers.js tensor this adapter reads. */
export interface TransformersTensor {
  /** Shape, e.g. `[batch, dimensions]`. */
  dims: readonly number[];
  /** Nested arrays of numbers. */
  tolist(): unknown;
}

/** The slice of a transformers.js feature-extraction pipeline this adapter calls. */
export interface FeatureExtractor {
  (
    texts: string[],
    options: { pooling: "mean" | "cls"; normalize: boolean },
  ): Promise<TransformersTensor>;
  /** Releases the ONNX session. */
  dispose?(): Promise<unknown>;
}

/** The slice of the `@huggingface/transformers` module this adapter uses. */
export interface TransformersLibrary {
  /** Global settings of transformers.js. */
  env: {
    /** transformers.js's global folder for hub-id models (set only for remote loads with a local path). */
    localModelPath: string;
  };
  /** Creates a pipeline. */
  pipeline(
    task: "feature-extraction",
    model: string,
    options: Record<string, unknown>,
  ): Promise<unknown>;
}

const DEFAULT_TIMEOUT_MS = 300_000;

const optionsSchema = schemaFor<TransformersEmbeddingModelOptions>()(
  z
    .object({
      model: z.string().min(1).max(4096),
      dimensions: z.int().positive().max(65_536),
      localModelPath: z.string().min(1).optional(),
      allowRemoteModels: z.boolean().optional(),
      pooling: z.enum(["mean", "cls"]).optional(),
      normalize: z.boolean().optional(),
      batchSize: z.int().min(1).max(4096).optional(),
      dtype: transformersDtypeSchema.optional(),
      cacheDir: z.string().min(1).optional(),
      device: z.enum(["cpu", "cuda", "webgpu"]).optional(),
      timeoutMs: z.int().positive().optional(),
      loadLibrary: z
        .custom<() => Promise<TransformersLibrary>>((v) => typeof v === "function", {
          message: "must be a function",
        })
        .optional(),
    })
    .strict(),
);

/**
 * An {@link EmbeddingModel} that runs a sentence-transformer (MiniLM, bge, e5, gte exported to
 * ONNX) in-process with transformers.js. Offline by default: the files must already be on disk,
 * and nothing is downloaded unless `allowRemoteModels` is true. The constructor does no I/O; the
 * library and model load on the first {@link TransformersEmbeddingModel.embed} call, once.
 * Needs the optional peer `@huggingface/transformers` (`MISSING_DEPENDENCY` when absent).
 *
 * @example
 * ```ts
 * const embeddings = new TransformersEmbeddingModel({
 *   model: "/opt/models/all-MiniLM-L6-v2", // config.json, tokenizer.json, onnx/model.onnx
 *   dimensions: 384,
 * });
 * const [vector] = await embeddings.embed(["How do I rotate access keys?"]);
 * ```
 */
export class TransformersEmbeddingModel implements EmbeddingModel {
  /** `transformers:<model>`. */
  readonly id: string;
  /** Length of every returned vector. */
  readonly dimensions: number;
  readonly #options: TransformersEmbeddingModelOptions;
  /** Where transformers.js will look, for messages. */
  readonly #location: string;
  #extractor: Promise<FeatureExtractor> | undefined;

  constructor(options: TransformersEmbeddingModelOptions) {
    this.#options = parseOptions(optionsSchema, options, "TransformersEmbeddingModel options");
    const { model, localModelPath, allowRemoteModels, cacheDir } = this.#options;
    if (cacheDir !== undefined && allowRemoteModels !== true) {
      throw new ValidationError(
        "Invalid TransformersEmbeddingModel options: cacheDir: only used when allowRemoteModels is true; remove it or point model at the folder.",
        [{ path: "cacheDir", message: "needs allowRemoteModels: true" }],
      );
    }
    this.dimensions = this.#options.dimensions;
    this.id = `transformers:${model}`;
    this.#location = modelLocation(model, localModelPath);
  }

  /** Embeds each text; one vector per input, in order, in batches of `batchSize`. */
  async embed(texts: string[], options: CallOptions = {}): Promise<Float32Array[]> {
    checkTexts(texts);
    if (texts.length === 0) return [];
    const batchSize = this.#options.batchSize ?? 32;
    return withDeadline(
      { signal: options.signal, timeoutMs: options.timeoutMs ?? this.#options.timeoutMs },
      DEFAULT_TIMEOUT_MS,
      `embedding ${texts.length} texts with transformers.js model "${this.#options.model}"`,
      async (signal) => {
        const extractor = await this.#load();
        const vectors: Float32Array[] = [];
        for (let start = 0; start < texts.length; start += batchSize) {
          // A forward pass cannot be interrupted; cancellation takes effect between batches.
          throwIfAborted(signal);
          const batch = texts.slice(start, start + batchSize);
          const output = await extractor(batch, {
            pooling: this.#options.pooling ?? "mean",
            normalize: this.#options.normalize ?? true,
          });
          vectors.push(
            ...toEmbeddings(output.tolist(), {
              expected: batch.length,
              dimensions: this.dimensions,
              source: `transformers.js model "${this.#options.model}"`,
            }),
          );
        }
        throwIfAborted(signal);
        return vectors;
      },
    );
  }

  /** Releases the ONNX session; a later `embed` loads the model again. */
  async dispose(): Promise<void> {
    const pending = this.#extractor;
    this.#extractor = undefined;
    if (pending === undefined) return;
    const extractor = await pending.catch(() => undefined);
    await extractor?.dispose?.();
  }

  #load(): Promise<FeatureExtractor> {
    this.#extractor ??= this.#create().catch((error: unknown) => {
      // Let a later call retry, e.g. after the user copied the model files in.
      this.#extractor = undefined;
      throw error;
    });
    return this.#extractor;
  }

  async #create(): Promise<FeatureExtractor> {
    const o = this.#options;
    const library = await loadTransformers<TransformersLibrary>(
      "TransformersEmbeddingModel",
      o.loadLibrary,
    );
    const remote = o.allowRemoteModels === true;
    let modelRef = this.#location;
    if (remote && o.localModelPath !== undefined && !isModelFolderPath(o.model)) {
      // The hub fallback needs the id itself, so the folder goes through the library's global.
      library.env.localModelPath = o.localModelPath;
      modelRef = o.model;
    }
    const pipelineOptions: Record<string, unknown> = {
      dtype: o.dtype ?? "fp32",
      local_files_only: !remote,
    };
    if (o.device !== undefined) pipelineOptions.device = o.device;
    if (o.cacheDir !== undefined) pipelineOptions.cache_dir = o.cacheDir;
    try {
      return (await library.pipeline(
        "feature-extraction",
        modelRef,
        pipelineOptions,
      )) as FeatureExtractor;
    } catch (error) {
      throw this.#loadError(error, remote);
    }
  }

  #loadError(error: unknown, remote: boolean): unknown {
    return transformersLoadError(error, {
      model: this.#options.model,
      location: this.#location,
      task: "feature-extraction",
      missingHint: remote
        ? ""
        : ' Offline mode (allowRemoteModels: false) never downloads: on a connected machine run `git clone https://huggingface.co/<org>/<name>` (or `huggingface-cli download <org>/<name>`), copy the folder here, and set "model" to its path (or put it at <localModelPath>/<org>/<name>).',
    });
  }
}

function checkTexts(texts: unknown): asserts texts is string[] {
  if (!Array.isArray(texts)) {
    throw new ValidationError("embed() takes an array of strings.", [
      { path: "", message: "must be an array" },
    ]);
  }
  texts.forEach((text: unknown, i) => {
    if (typeof text !== "string") {
      throw new ValidationError(`Invalid embedding input: texts.${i}: must be a string.`, [
        { path: `texts.${i}`, message: "must be a string" },
      ]);
    }
  });
}
