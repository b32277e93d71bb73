import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AbortedError, ValidationError } from "../../src/core/errors.js";
import { embedText, fnv1a } from "../../src/testing/fake-embedding-model.js";
import { FakeEmbeddingModel } from "../../src/testing/index.js";

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}

function norm(v: Float32Array): number {
  return Math.sqrt(cosine(v, v));
}

describe("FakeEmbeddingModel", () => {
  it("returns one unit vector of the configured size per text, in order", async () => {
    const model = new FakeEmbeddingModel({ dimensions: 64 });
    expect(model.dimensions).toBe(64);
    expect(model.id).toBe("fake:embedding");
    const vectors = await model.embed(["alpha beta", "gamma"]);
    expect(vectors).toHaveLength(2);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(64);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(Array.from(vectors[0] ?? [])).not.toEqual(Array.from(vectors[1] ?? []));
  });

  it("defaults to 384 dimensions", () => {
    expect(new FakeEmbeddingModel().dimensions).toBe(384);
  });

  it("is deterministic across instances and ignores case and punctuation", async () => {
    const [a] = await new FakeEmbeddingModel().embed(["Red apples!"]);
    const [b] = await new FakeEmbeddingModel().embed(["red, APPLES"]);
    expect(Array.from(a ?? [])).toEqual(Array.from(b ?? []));
  });

  it("ranks texts sharing words above unrelated texts", async () => {
    const model = new FakeEmbeddingModel();
    const [query, related, unrelated] = await model.embed([
      "how do I restart the database server",
      "restart the database server from the console",
      "bananas grow in tropical climates",
    ]);
    if (!query || !related || !unrelated) throw new Error("missing vectors");
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated));
    expect(cosine(query, related)).toBeGreaterThan(0.3);
  });

  it("relates inflected words through character trigrams", () => {
    const models = embedText("models", 384);
    const model = embedText("model", 384);
    const other = embedText("zebra", 384);
    expect(cosine(models, model)).toBeGreaterThan(cosine(models, other));
  });

  it("embeds text without words as the zero vector", async () => {
    const [empty, punct] = await new FakeEmbeddingModel({ dimensions: 8 }).embed(["", " ,.! "]);
    expect(Array.from(empty ?? [])).toEqual(new Array(8).fill(0));
    expect(Array.from(punct ?? [])).toEqual(new Array(8).fill(0));
  });

  it("records every request as a copy", async () => {
    const model = new FakeEmbeddingModel();
    const texts = ["a", "b"];
    await model.embed(texts);
    texts.push("c");
    await model.embed([]);
    expect(model.requests).toEqual([["a", "b"], []]);
    expect(model.calls).toBe(2);
  });

  it("throws AbortedError for an aborted signal and records nothing", async () => {
    const model = new FakeEmbeddingModel();
    await expect(model.embed(["x"], { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortedError,
    );
    expect(model.calls).toBe(0);
  });

  it("validates options and input", async () => {
    expect(() => new FakeEmbeddingModel({ dimensions: 0 })).toThrow(/dimensions/);
    expect(() => new FakeEmbeddingModel({ dimensions: 1.5 })).toThrow(ValidationError);
    await expect(new FakeEmbeddingModel().embed([1 as unknown as string])).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it("gives unit or zero vectors for any text and size", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 512 }), (text, dimensions) => {
        const v = embedText(text, dimensions);
        expect(v.length).toBe(dimensions);
        const n = norm(v);
        expect(n === 0 || Math.abs(n - 1) < 1e-5).toBe(true);
        expect(Array.from(embedText(text, dimensions))).toEqual(Array.from(v));
      }),
    );
  });

  it("hashes with 32-bit FNV-1a", () => {
    // Published FNV-1a 32-bit test vectors.
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
  });
});
