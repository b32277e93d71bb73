import { afterEach, describe, expect, it } from "vitest";
import { type FmopsError, ValidationError } from "../../src/core/errors.js";
import { TitanMultimodalEmbeddingModel } from "../../src/models/titan-multimodal-embedding.js";
import {
  type BedrockRuntimeStandIn,
  STAND_IN_COLOURS,
  startBedrockRuntime,
  tinyPng,
  titanMultimodalEmbeddings,
} from "../emulators/index.js";

let br: BedrockRuntimeStandIn | undefined;
afterEach(async () => {
  await br?.close();
  br = undefined;
});

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

describe("TitanMultimodalEmbeddingModel", () => {
  it("embeds texts and images into one space through InvokeModel", async () => {
    const calls: Record<string, unknown>[] = [];
    br = await startBedrockRuntime({ invokeModel: titanMultimodalEmbeddings(calls) });
    const titan = new TitanMultimodalEmbeddingModel({ dimensions: 384, client: br.client });
    expect(titan.id).toBe("bedrock:amazon.titan-embed-image-v1");
    expect(titan.dimensions).toBe(384);

    const red = tinyPng(16, 16, STAND_IN_COLOURS.red);
    const blue = tinyPng(16, 16, STAND_IN_COLOURS.blue);
    const [redImage, blueImage] = await titan.embedImages([
      { bytes: red },
      { bytes: blue, caption: "a blue tile" },
    ]);
    const [query] = await titan.embed(["a red square"]);
    expect(redImage).toBeInstanceOf(Float32Array);
    expect(redImage?.length).toBe(384);
    expect(cosine(query as Float32Array, redImage as Float32Array)).toBeGreaterThan(
      cosine(query as Float32Array, blueImage as Float32Array),
    );

    expect(br.requests.every((r) => r.modelId === "amazon.titan-embed-image-v1")).toBe(true);
    expect(calls).toContainEqual({
      inputImage: Buffer.from(red).toString("base64"),
      embeddingConfig: { outputEmbeddingLength: 384 },
    });
    expect(calls).toContainEqual({
      inputImage: Buffer.from(blue).toString("base64"),
      inputText: "a blue tile",
      embeddingConfig: { outputEmbeddingLength: 384 },
    });
    expect(calls).toContainEqual({
      inputText: "a red square",
      embeddingConfig: { outputEmbeddingLength: 384 },
    });
  });

  it("defaults to 1024 dimensions and refuses other lengths at construction", async () => {
    br = await startBedrockRuntime({ invokeModel: titanMultimodalEmbeddings() });
    const titan = new TitanMultimodalEmbeddingModel({ client: br.client });
    const [v] = await titan.embed(["green"]);
    expect(v?.length).toBe(1024);
    expect(
      () => new TitanMultimodalEmbeddingModel({ dimensions: 512 as 256, client: br?.client }),
    ).toThrow(ValidationError);
  });

  it("refuses a non-PNG/JPEG image, an image over 25 MB and a blank caption before any call", async () => {
    br = await startBedrockRuntime({ invokeModel: titanMultimodalEmbeddings() });
    const titan = new TitanMultimodalEmbeddingModel({ client: br.client });
    const big = new Uint8Array(25 * 1024 * 1024 + 1);
    big.set(tinyPng());
    const err = await titan
      .embedImages([
        { bytes: new TextEncoder().encode("GIF89a") },
        { bytes: big },
        { bytes: tinyPng(), caption: " " },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual([
      "images.0.bytes",
      "images.1.bytes",
      "images.2.caption",
    ]);
    await expect(titan.embed([""])).rejects.toBeInstanceOf(ValidationError);
    expect(br.requests).toHaveLength(0);
  });

  it("a vector of the wrong length is EMBEDDING_DIMENSION_MISMATCH", async () => {
    br = await startBedrockRuntime({
      invokeModel: () => ({ body: { embedding: [0.1, 0.2], inputTextTokenCount: 1 } }),
    });
    const titan = new TitanMultimodalEmbeddingModel({ dimensions: 256, client: br.client });
    const err = await titan.embed(["a"]).catch((e: unknown) => e);
    expect((err as FmopsError).code).toBe("EMBEDDING_DIMENSION_MISMATCH");
  });
});
