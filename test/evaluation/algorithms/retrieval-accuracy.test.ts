import { describe, expect, it } from "vitest";
import { RetrievalAccuracy, retrievalScores } from "../../../src/evaluation/index.js";
import { Bm25Index } from "../../../src/rag/index.js";
import type { RetrievedChunk, RetrieveOptions, Retriever } from "../../../src/rag/types.js";

function index(): Bm25Index {
  const bm25 = new Bm25Index();
  bm25.add([
    { id: "keys", text: "Rotate IAM access keys every 90 days and delete unused keys." },
    { id: "mfa", text: "Turn on multi-factor authentication for the root user." },
    { id: "s3", text: "Block public access to S3 buckets unless a website needs it." },
    { id: "kms", text: "Encrypt data at rest with KMS keys and rotate the keys yearly." },
    { id: "vpc", text: "Put databases in private subnets of the VPC." },
  ]);
  return bm25;
}

/** The BM25 index with every call written down, so tests see what reached it. */
function recorded(retriever: Retriever): Retriever & { calls: [string, RetrieveOptions][] } {
  const calls: [string, RetrieveOptions][] = [];
  return {
    calls,
    retrieve: (query, options = {}) => {
      calls.push([query, options]);
      return retriever.retrieve(query, options);
    },
  };
}

describe("RetrievalAccuracy with a BM25 index", () => {
  it("retrieves for the input and scores the ranking against the relevant ids", async () => {
    const bm25 = index();
    const query = "How often should I rotate access keys?";
    const ranked = (await bm25.retrieve(query, { k: 3 })).map((c) => c.id);
    expect(ranked[0]).toBe("keys");
    const retriever = recorded(bm25);
    const algo = new RetrievalAccuracy({ retriever, k: 3 });
    expect(algo.name).toBe("retrieval_accuracy");
    const scores = await algo.evaluateSample({
      input: query,
      output: "ignored when a retriever is given",
      targets: ["kms", "keys"],
    });
    const expected = retrievalScores(ranked, ["kms", "keys"], { k: 3 });
    expect(scores).toEqual({
      recall_at_k: expected.recallAtK,
      precision_at_k: expected.precisionAtK,
      mrr: expected.reciprocalRank,
      ndcg_at_k: expected.ndcgAtK,
    });
    expect(scores.mrr).toBe(1);
    expect(retriever.calls).toHaveLength(1);
    expect(retriever.calls[0]?.[0]).toBe(query);
    expect(retriever.calls[0]?.[1].k).toBe(3);
  });

  it("scores 0 everywhere when nothing relevant is retrieved", async () => {
    const scores = await new RetrievalAccuracy({ retriever: index(), k: 2 }).evaluateSample({
      input: "private subnets for databases",
      output: "",
      targets: ["mfa"],
    });
    expect(scores).toEqual({ recall_at_k: 0, precision_at_k: 0, mrr: 0, ndcg_at_k: 0 });
  });

  it("judges chunks by idOf and passes the filter", async () => {
    const bm25 = new Bm25Index();
    bm25.add([
      { id: "guide#0", text: "Rotate access keys", metadata: { documentId: "guide", lang: "en" } },
      { id: "guide#1", text: "Rotate keys often", metadata: { documentId: "guide", lang: "en" } },
      {
        id: "faq#0",
        text: "Rotate keys? See the guide",
        metadata: { documentId: "faq", lang: "de" },
      },
    ]);
    const algo = new RetrievalAccuracy({
      retriever: bm25,
      k: 2,
      filter: { lang: "en" },
      idOf: (chunk: RetrievedChunk) => String(chunk.metadata.documentId),
    });
    const scores = await algo.evaluateSample({
      input: "rotate keys",
      output: "",
      targets: ["guide"],
    });
    // Both chunks are the same document: it counts once, at rank 1.
    expect(scores).toEqual({ recall_at_k: 1, precision_at_k: 0.5, mrr: 1, ndcg_at_k: 1 });
  });

  it("averages over samples and needs an input", async () => {
    const algo = new RetrievalAccuracy({ retriever: index(), k: 1 });
    const summary = await algo.evaluate([
      { input: "root user multi-factor authentication", output: "", targets: ["mfa"] },
      { input: "public S3 buckets", output: "", targets: ["vpc"] },
    ]);
    expect(summary.recall_at_k?.mean).toBe(0.5);
    expect(summary.mrr?.count).toBe(2);
    await expect(algo.evaluateSample({ output: "", targets: ["mfa"] })).rejects.toMatchObject({
      code: "EVAL_INPUT_MISSING",
    });
    await expect(
      algo.evaluateSample({ input: "x", output: "", targets: [] }),
    ).rejects.toMatchObject({ code: "EVAL_TARGET_MISSING" });
  });

  it("passes the signal to the retriever", async () => {
    const retriever = recorded(index());
    const controller = new AbortController();
    await new RetrievalAccuracy({ retriever }).evaluateSample(
      { input: "keys", output: "", targets: ["keys"] },
      { signal: controller.signal },
    );
    expect(retriever.calls[0]?.[1].signal).toBe(controller.signal);
    await expect(
      new RetrievalAccuracy({ retriever }).evaluate(
        [{ input: "keys", output: "", targets: ["keys"] }],
        {
          signal: AbortSignal.abort(new Error("stop")),
        },
      ),
    ).rejects.toMatchObject({ code: "ABORTED" });
  });
});

describe("RetrievalAccuracy over precomputed ids", () => {
  const algo = new RetrievalAccuracy({ k: 3 });

  it("reads a JSON array of ids", async () => {
    expect(
      await algo.evaluateSample({ output: '["d3", "d1", "d7"]', targets: ["d1", "d2"] }),
    ).toEqual({
      recall_at_k: 0.5,
      precision_at_k: 1 / 3,
      mrr: 0.5,
      ndcg_at_k: 1 / Math.log2(3) / (1 + 1 / Math.log2(3)),
    });
    expect((await algo.evaluateSample({ output: "[3, 1]", targets: ["1"] })).mrr).toBe(0.5);
  });

  it("reads one id per line, ignoring blank lines and spaces", async () => {
    const scores = await algo.evaluateSample({
      output: "\n d9 \r\n\nd2\nd1\nd4\n",
      targets: ["d1", "d2"],
    });
    expect(scores.recall_at_k).toBe(1);
    expect(scores.mrr).toBe(0.5);
    expect(await algo.evaluateSample({ output: "", targets: ["d1"] })).toEqual({
      recall_at_k: 0,
      precision_at_k: 0,
      mrr: 0,
      ndcg_at_k: 0,
    });
  });

  it("rejects JSON arrays of non-ids and invalid options", async () => {
    await expect(
      algo.evaluateSample({ output: '["d1", {"id": "d2"}]', targets: ["d1"] }),
    ).rejects.toMatchObject({ code: "EVAL_OUTPUT_INVALID" });
    expect(() => new RetrievalAccuracy({ k: 0 })).toThrow(/k/);
    expect(() => new RetrievalAccuracy({ retriever: {} as unknown as Retriever })).toThrow(
      /retriever/,
    );
  });
});
