import { afterEach, describe, expect, it } from "vitest";
import { SageMakerEmbeddingModel } from "../../src/models/sagemaker-embedding.js";
import { type SageMakerRuntimeStandIn, startSageMakerRuntime } from "../emulators/index.js";

let standIn: SageMakerRuntimeStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

/** A stand-in embedding container: vector i of a batch is [len(text), i, 1]. */
const vectorFor = (text: string, i: number) => [text.length, i, 1];

describe("SageMakerEmbeddingModel", () => {
  it("batches TEI requests and keeps input order", async () => {
    standIn = await startSageMakerRuntime({
      invokeEndpoint: (req) => {
        const { inputs, normalize } = req.json<{ inputs: string[]; normalize: boolean }>();
        expect(normalize).toBe(true);
        return { body: inputs.map(vectorFor) };
      },
    });
    const model = new SageMakerEmbeddingModel({
      client: standIn.client,
      endpointName: "tei",
      format: "tei",
      dimensions: 3,
      batchSize: 2,
      parameters: { normalize: true },
    });
    const texts = ["a", "bb", "ccc", "dddd", "eeeee"];
    const vectors = await model.embed(texts);
    expect(standIn.requests).toHaveLength(3);
    expect(vectors.map((v) => Array.from(v))).toEqual([
      [1, 0, 1],
      [2, 1, 1],
      [3, 0, 1],
      [4, 1, 1],
      [5, 0, 1],
    ]);
    expect(vectors[0]).toBeInstanceOf(Float32Array);
    expect(model.id).toBe("sagemaker:tei");
  });

  it("speaks the JumpStart text_inputs / embedding shape", async () => {
    standIn = await startSageMakerRuntime({
      invokeEndpoint: (req) => ({
        body: { embedding: req.json<{ text_inputs: string[] }>().text_inputs.map(vectorFor) },
      }),
    });
    const model = new SageMakerEmbeddingModel({
      client: standIn.client,
      endpointName: "js",
      format: "jumpstart",
      dimensions: 3,
    });
    expect(Array.from((await model.embed(["hello"]))[0] ?? [])).toEqual([5, 0, 1]);
  });

  it("makes no call for an empty list", async () => {
    standIn = await startSageMakerRuntime({});
    const model = new SageMakerEmbeddingModel({
      client: standIn.client,
      endpointName: "e",
      format: "tei",
      dimensions: 3,
    });
    expect(await model.embed([])).toEqual([]);
    expect(standIn.requests).toHaveLength(0);
  });

  it("rejects vectors of the wrong length or count", async () => {
    standIn = await startSageMakerRuntime({ invokeEndpoint: () => ({ body: [[1, 2]] }) });
    const model = new SageMakerEmbeddingModel({
      client: standIn.client,
      endpointName: "e",
      format: "tei",
      dimensions: 3,
    });
    await expect(model.embed(["x"])).rejects.toMatchObject({
      code: "EMBEDDING_DIMENSION_MISMATCH",
    });
    await expect(model.embed(["x", "y"])).rejects.toMatchObject({ code: "UNEXPECTED_RESPONSE" });
  });

  it("validates its options", () => {
    expect(
      () => new SageMakerEmbeddingModel({ endpointName: "e", format: "tei", dimensions: 0 }),
    ).toThrow(/dimensions/);
    expect(
      () =>
        new SageMakerEmbeddingModel({ endpointName: "e", format: "bert" as never, dimensions: 8 }),
    ).toThrow(/format/);
  });
});
