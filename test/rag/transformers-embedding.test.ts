import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MissingDependencyError } from "../../src/core/errors.js";
import { loadOptional } from "../../src/core/optional.js";
import {
  type FeatureExtractor,
  TransformersEmbeddingModel,
  type TransformersLibrary,
} from "../../src/rag/transformers-embedding-model.js";
import { TINY_VOCAB, tokenId, writeTinyBertModel } from "./tiny-bert-model.js";

const DIMS = 6;
let root: string;
let folder: string;
let table: Float32Array;

/** Row `token` of the embedding table written into the model. */
function row(token: (typeof TINY_VOCAB)[number]): number[] {
  const id = tokenId(token);
  return Array.from(table.subarray(id * DIMS, (id + 1) * DIMS));
}

/** Masked mean pooling of the given tokens, done by hand. */
function meanOf(tokens: (typeof TINY_VOCAB)[number][]): number[] {
  const sum = new Array<number>(DIMS).fill(0);
  for (const t of tokens) {
    row(t).forEach((v, j) => {
      sum[j] = (sum[j] ?? 0) + v;
    });
  }
  return sum.map((v) => v / tokens.length);
}

function unit(v: number[]): number[] {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function expectClose(actual: Float32Array | undefined, expected: number[]): void {
  expect(actual).toBeInstanceOf(Float32Array);
  expect(actual?.length).toBe(expected.length);
  expected.forEach((v, j) => {
    expect(actual?.[j]).toBeCloseTo(v, 5);
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fmops-tiny-bert-"));
  folder = join(root, "local", "tiny-bert");
  // Distinct, non-symmetric rows so that any token mix-up changes the result.
  table = Float32Array.from({ length: TINY_VOCAB.length * DIMS }, (_, i) =>
    Math.fround(Math.sin(i * 1.7 + 0.3) * 3 + (i % DIMS) * 0.25),
  );
  await writeTinyBertModel(folder, table, DIMS);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("TransformersEmbeddingModel with a generated ONNX model", () => {
  it("mean-pools the token vectors by hand computation and normalizes them", async () => {
    const model = new TransformersEmbeddingModel({ model: folder, dimensions: DIMS });
    expect(model.id).toBe(`transformers:${folder}`);
    const [hello, playing] = await model.embed(["Hello world", "Playing cats and dogs"]);
    // Lowercased, WordPiece-split ("play" + "##ing"), wrapped in [CLS] ... [SEP].
    expectClose(hello, unit(meanOf(["[CLS]", "hello", "world", "[SEP]"])));
    expectClose(playing, unit(meanOf(["[CLS]", "play", "##ing", "cats", "and", "dogs", "[SEP]"])));
    for (const v of [hello, playing]) {
      expect(Math.hypot(...(v as Float32Array))).toBeCloseTo(1, 5);
    }
    await model.dispose();
  });

  it("leaves padding out of the mean and is deterministic", async () => {
    const model = new TransformersEmbeddingModel({ model: folder, dimensions: DIMS });
    const [alone] = await model.embed(["hello"]);
    const [padded] = await model.embed(["hello", "the sky is blue and the dogs play"]);
    const [again] = await model.embed(["hello"]);
    expectClose(alone, unit(meanOf(["[CLS]", "hello", "[SEP]"])));
    expect(Array.from(padded as Float32Array)).toEqual(Array.from(alone as Float32Array));
    expect(Array.from(again as Float32Array)).toEqual(Array.from(alone as Float32Array));
  });

  it("returns raw means without normalize, and the [CLS] vector with cls pooling", async () => {
    const raw = new TransformersEmbeddingModel({
      model: folder,
      dimensions: DIMS,
      normalize: false,
    });
    const [mean] = await raw.embed(["sky is blue"]);
    expectClose(mean, meanOf(["[CLS]", "sky", "is", "blue", "[SEP]"]));

    const cls = new TransformersEmbeddingModel({
      model: folder,
      dimensions: DIMS,
      pooling: "cls",
      normalize: false,
    });
    const vectors = await cls.embed(["sky is blue", "cats"]);
    for (const v of vectors) expectClose(v, row("[CLS]"));
  });

  it("batches more texts than batchSize and keeps their order", async () => {
    const words = ["hello", "world", "cats", "dogs", "sky", "blue", "play"] as const;
    const texts = Array.from({ length: 23 }, (_, i) => `${words[i % 7]} ${words[(i * 3) % 7]}`);
    const batched = new TransformersEmbeddingModel({
      model: folder,
      dimensions: DIMS,
      batchSize: 4,
    });
    const vectors = await batched.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    texts.forEach((text, i) => {
      const [a, b] = text.split(" ") as [(typeof words)[number], (typeof words)[number]];
      expectClose(vectors[i], unit(meanOf(["[CLS]", a, b, "[SEP]"])));
    });
    expect(await batched.embed([])).toEqual([]);
  });

  it("finds a hub-style id under localModelPath, offline", async () => {
    const model = new TransformersEmbeddingModel({
      model: `${basename(dirname(folder))}/${basename(folder)}`,
      localModelPath: root,
      dimensions: DIMS,
    });
    const [v] = await model.embed(["hello world"]);
    expectClose(v, unit(meanOf(["[CLS]", "hello", "world", "[SEP]"])));
  });

  it("rejects vectors of the wrong length with EMBEDDING_DIMENSION_MISMATCH", async () => {
    const model = new TransformersEmbeddingModel({ model: folder, dimensions: DIMS + 1 });
    await expect(model.embed(["hello"])).rejects.toMatchObject({
      code: "EMBEDDING_DIMENSION_MISMATCH",
    });
  });

  it("stops between batches when the signal aborts", async () => {
    const controller = new AbortController();
    const batches: string[][] = [];
    // The real library, with the extractor wrapped to abort right after the first batch.
    const loadLibrary = async (): Promise<TransformersLibrary> => {
      const lib = await import("@huggingface/transformers");
      return {
        env: lib.env,
        pipeline: async (task, model, options) => {
          const real = (await lib.pipeline(task, model, options)) as unknown as FeatureExtractor;
          return async (texts: string[], o: Parameters<FeatureExtractor>[1]) => {
            batches.push(texts);
            const out = await real(texts, o);
            controller.abort(new Error("stop"));
            return out;
          };
        },
      };
    };
    const model = new TransformersEmbeddingModel({
      model: folder,
      dimensions: DIMS,
      batchSize: 1,
      loadLibrary,
    });
    const error = await model
      .embed(["hello", "world", "cats"], { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ABORTED" });
    expect(batches).toEqual([["hello"]]);
    await expect(
      model.embed(["hello"], { signal: AbortSignal.abort(new Error("already")) }),
    ).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("names the missing folder and how to get the files offline", async () => {
    const missing = join(root, "not-downloaded");
    const model = new TransformersEmbeddingModel({ model: missing, dimensions: DIMS });
    const error = await model.embed(["hello"]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "MODEL_NOT_FOUND", retryable: false });
    const message = (error as Error).message;
    expect(message).toContain(join(missing, "config.json"));
    expect(message).toContain("allowRemoteModels: false");
    expect(message).toContain("huggingface-cli download");
  });
});

describe("TransformersEmbeddingModel without the package", () => {
  it("throws MISSING_DEPENDENCY on first embed, not in the constructor", async () => {
    let imports = 0;
    const model = new TransformersEmbeddingModel({
      model: "/nowhere",
      dimensions: DIMS,
      loadLibrary: () => {
        imports++;
        return loadOptional("@fmops-test/transformers-not-installed", "TransformersEmbeddingModel");
      },
    });
    expect(imports).toBe(0);
    const error = await model.embed(["hello"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect((error as MissingDependencyError).message).toContain("TransformersEmbeddingModel");
    // A failed load is not cached: the next call tries again.
    await model.embed(["hello"]).catch(() => undefined);
    expect(imports).toBe(2);
  });

  it("validates options and inputs", async () => {
    expect(() => new TransformersEmbeddingModel({ model: "", dimensions: DIMS })).toThrow(/model/);
    expect(() => new TransformersEmbeddingModel({ model: folder, dimensions: 0 })).toThrowError(
      expect.objectContaining({ code: "VALIDATION_ERROR" }),
    );
    expect(
      () => new TransformersEmbeddingModel({ model: folder, dimensions: DIMS, cacheDir: root }),
    ).toThrow(/cacheDir/);
    const model = new TransformersEmbeddingModel({ model: folder, dimensions: DIMS });
    await expect(model.embed([1 as unknown as string])).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
    });
  });
});
