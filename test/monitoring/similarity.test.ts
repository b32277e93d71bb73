import { describe, expect, it } from "vitest";
import { fuzzyRefusalScore, refusalFamilyOf, refusalScore } from "../../src/monitoring/refusal.js";
import { cosineSimilarity, semanticSimilarity } from "../../src/monitoring/similarity.js";
import type { MetricInput } from "../../src/monitoring/types.js";
import { FakeEmbeddingModel } from "../../src/testing/fake-embedding-model.js";
import { record, request } from "./helpers.js";

const signal = new AbortController().signal;
const input = (
  prompt: string,
  completion: string,
  modelId = "bedrock:anthropic.claude-3-haiku",
): MetricInput => ({
  prompt,
  request,
  completion,
  record: record({ modelId }),
});

describe("cosineSimilarity", () => {
  it("computes by hand", () => {
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 1], [1, 0])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(cosineSimilarity([0, 0], [1, 0])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(/lengths/);
  });
});

describe("semanticSimilarity", () => {
  it("ranks an on-topic answer above an off-topic one", async () => {
    const embeddings = new FakeEmbeddingModel({ dimensions: 256 });
    const module = semanticSimilarity({ embeddings });
    const on = await module.evaluate(
      input("How deep is Lake Baikal?", "Lake Baikal is about 1642 metres deep."),
      { signal },
    );
    const off = await module.evaluate(
      input("How deep is Lake Baikal?", "Bananas are rich in potassium."),
      { signal },
    );
    expect(on.semanticSimilarity).toBeGreaterThan(off.semanticSimilarity!);
    expect(embeddings.requests[0]).toEqual([
      "How deep is Lake Baikal?",
      "Lake Baikal is about 1642 metres deep.",
    ]);
    expect(await module.evaluate(input("q", ""), { signal })).toEqual({});
  });
});

describe("refusalScore", () => {
  it("scores refusals above answers, with embeddings, and caches phrasing vectors", async () => {
    const embeddings = new FakeEmbeddingModel({ dimensions: 512 });
    const module = refusalScore({ embeddings });
    const refusal = await module.evaluate(
      input("q", "I'm sorry, but I can't help with that request."),
      { signal },
    );
    const answer = await module.evaluate(
      input("q", "The lake is 1642 metres deep at its deepest point."),
      { signal },
    );
    expect(refusal.refusalScore).toBeGreaterThan(answer.refusalScore!);
    expect(refusal.refusalScore).toBeGreaterThan(0.5);
    expect(embeddings.calls).toBe(3); // phrasings once, then one per answer
  });

  it("falls back to fuzzy matching without an embedding model", async () => {
    const module = refusalScore();
    const refusal = await module.evaluate(
      input("q", "I cannot assist with that request. Let me know if..."),
      { signal },
    );
    const answer = await module.evaluate(
      input("q", "Sure: Lake Baikal holds 20% of fresh surface water."),
      { signal },
    );
    expect(refusal.refusalScore).toBe(1);
    expect(answer.refusalScore).toBeLessThan(0.4);
  });

  it("uses the family's own phrasings and custom ones", async () => {
    expect(refusalFamilyOf("bedrock:meta.llama3-70b")).toBe("meta");
    expect(refusalFamilyOf("sagemaker:my-endpoint")).toBe("generic");
    const module = refusalScore({ phrasings: { meta: ["Nope, not doing that one"] } });
    const r = await module.evaluate(
      input("q", "Nope, not doing that one.", "bedrock:meta.llama3-70b"),
      { signal },
    );
    expect(r.refusalScore).toBe(1);
    expect(fuzzyRefusalScore("", ["I cannot"])).toBe(0);
  });
});
