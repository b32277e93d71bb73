import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Bm25Index } from "../../src/rag/bm25.js";
import { loadVectorStore, saveVectorStore } from "../../src/rag/file-store.js";
import { evaluateFilter, parseFilter } from "../../src/rag/filter.js";
import { HybridRetriever, reciprocalRankFusion } from "../../src/rag/hybrid-retriever.js";
import { InMemoryVectorStore } from "../../src/rag/in-memory-vector-store.js";
import type { Metadata, RetrievedChunk } from "../../src/rag/types.js";
import { VectorStoreRetriever } from "../../src/rag/vector-store-retriever.js";
import { FakeEmbeddingModel } from "../../src/testing/fake-embedding-model.js";
import { filterArb, metadataArb } from "./filter-arbitraries.js";

function brute(vectors: number[][], q: number[], metric: "cosine" | "dot" | "l2") {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return vectors.map((v, i) => {
    const dot = v.reduce((s, x, j) => s + x * (q[j] as number), 0);
    if (metric === "dot") return { i, score: dot };
    if (metric === "cosine") return { i, score: dot / (norm(v) * norm(q)) };
    const d2 = v.reduce((s, x, j) => s + (x - (q[j] as number)) ** 2, 0);
    return { i, score: 1 / (1 + d2) };
  });
}

const vec = (d: number) =>
  fc.array(
    fc.integer({ min: -50, max: 50 }).filter((x) => x !== 0),
    { minLength: d, maxLength: d },
  );

describe("InMemoryVectorStore", () => {
  for (const metric of ["cosine", "dot", "l2"] as const) {
    it(`finds the exact top k under ${metric} with filters applied during the scan (property)`, () => {
      fc.assert(
        fc.property(
          fc.array(vec(5), { minLength: 1, maxLength: 40 }),
          vec(5),
          fc.integer({ min: 1, max: 12 }),
          (vectors, q, k) => {
            const store = new InMemoryVectorStore({ dimensions: 5, metric, initialCapacity: 2 });
            store.add(
              vectors.map((v, i) => ({
                id: `v${i}`,
                vector: v,
                text: `t${i}`,
                metadata: { odd: i % 2 === 1 },
              })),
            );
            const hits = store.query(q, { k, filter: { odd: true } });
            const expected = brute(vectors, q, metric)
              .filter(({ i }) => i % 2 === 1)
              .sort((a, b) => b.score - a.score || a.i - b.i);
            expect(hits).toHaveLength(Math.min(k, expected.length));
            for (const [j, h] of hits.entries()) {
              // Same score as brute force at each rank (ids may differ only on float ties).
              expect(h.score).toBeCloseTo(expected[j]?.score as number, 4);
              expect(h.metadata.odd).toBe(true);
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it("replaces, deletes (keeping the array dense) and checks dimensions", () => {
    const store = new InMemoryVectorStore({ dimensions: 2, metric: "dot" });
    store.add([
      { id: "a", vector: [1, 0], text: "a" },
      { id: "b", vector: [0, 1], text: "b" },
      { id: "c", vector: [1, 1], text: "c" },
    ]);
    store.add([{ id: "a", vector: [5, 0], text: "a2" }]);
    expect(store.size).toBe(3);
    expect(store.delete(["a", "zzz"])).toBe(1);
    expect(store.size).toBe(2);
    expect(store.query([1, 0], { k: 5 }).map((h) => [h.id, h.score])).toEqual([
      ["c", 1],
      ["b", 0],
    ]);
    expect(() => store.add([{ id: "x", vector: [1, 2, 3], text: "" }])).toThrow(
      /3 dimensions but the store has 2/,
    );
    expect(() => store.add([{ id: "x", vector: [1, Number.NaN], text: "" }])).toThrow(/finite/);
    expect(() => store.query([1], {})).toThrow(/1 dimensions/);
  });

  it("never returns zero vectors under cosine", () => {
    const store = new InMemoryVectorStore({ dimensions: 2 });
    store.add([
      { id: "z", vector: [0, 0], text: "" },
      { id: "a", vector: [-1, 0], text: "" },
    ]);
    expect(store.query([1, 0], { k: 5 }).map((h) => h.id)).toEqual(["a"]);
    expect(store.query([0, 0], { k: 5 })).toEqual([]);
  });

  it("saves and loads byte-exact through a file", async () => {
    const store = new InMemoryVectorStore({ dimensions: 3, metric: "l2" });
    store.add([
      {
        id: "a",
        vector: [0.1, 0.2, 0.3],
        text: "alpha",
        metadata: { source: "x.md", tags: ["t"] },
      },
      { id: "b", vector: [3, 2, 1], text: "beta" },
    ]);
    const copy = InMemoryVectorStore.fromBytes(store.toBytes());
    expect(copy.query([0, 0, 0], { k: 2 })).toEqual(store.query([0, 0, 0], { k: 2 }));
    expect(copy.query([0, 0, 0], { k: 1 })[0]?.source).toBe("x.md");
    const dir = await mkdtemp(join(tmpdir(), "fmops-vs-"));
    try {
      await saveVectorStore(store, join(dir, "v.bin"));
      const loaded = await loadVectorStore(join(dir, "v.bin"));
      expect(loaded.vectorOf("b")).toEqual(new Float32Array([3, 2, 1]));
      const bytes = store.toBytes();
      expect(() => InMemoryVectorStore.fromBytes(bytes.subarray(0, bytes.length - 4))).toThrow(
        /disagree/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("InMemoryVectorStore filters and growth", () => {
  it("returns what brute force returns for any filter, after adds, replaces and deletes (property)", () => {
    const op = fc.oneof(
      fc.record({
        add: fc.array(
          fc.record({
            id: fc.integer({ min: 0, max: 40 }),
            vector: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 3, maxLength: 3 }),
            metadata: metadataArb,
          }),
          { maxLength: 25 },
        ),
      }),
      fc.record({ delete: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 8 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 6 }),
        fc.array(filterArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 50 }),
        (ops, filters, q, k) => {
          // Dot products of small integers are exact, so ranks and scores compare exactly; the
          // model keeps rows in the store's documented order (a delete moves the last row).
          const store = new InMemoryVectorStore({
            dimensions: 3,
            metric: "dot",
            initialCapacity: 4,
          });
          const rows: { id: string; vector: number[]; metadata: Metadata }[] = [];
          for (const o of ops) {
            if ("add" in o) {
              const records = o.add.map((r) => ({ ...r, id: `r${r.id}`, text: "" }));
              store.add(records);
              for (const r of records) {
                const at = rows.findIndex((x) => x.id === r.id);
                if (at >= 0) rows[at] = r;
                else rows.push(r);
              }
            } else {
              store.delete(o.delete.map((n) => `r${n}`));
              for (const n of o.delete) {
                const at = rows.findIndex((x) => x.id === `r${n}`);
                if (at < 0) continue;
                const last = rows.pop() as (typeof rows)[number];
                if (at < rows.length) rows[at] = last;
              }
            }
          }
          for (const filter of filters) {
            const node = parseFilter(filter);
            const expected = rows
              .map((r, row) => ({
                r,
                row,
                score: r.vector.reduce((s, x, j) => s + x * (q[j] as number), 0),
              }))
              .filter(({ r }) => evaluateFilter(node, r.metadata))
              .sort((a, b) => b.score - a.score || a.row - b.row)
              .slice(0, k)
              .map(({ r, score }) => [r.id, score]);
            const got = store.query(q, { k, filter }).map((h) => [h.id, h.score]);
            expect(got, JSON.stringify(filter)).toEqual(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("visits only the rows a selective filter selects, and scans when the index cannot answer", () => {
    const store = new InMemoryVectorStore({ dimensions: 4, metric: "dot" });
    store.add(
      Array.from({ length: 1000 }, (_, i) => ({
        id: `v${i}`,
        vector: [i, 1, 0, 0],
        text: "",
        metadata: { bucket: i % 10, tags: i % 100 === 0 ? ["rare"] : [] },
      })),
    );
    expect(store.explain({ bucket: 3 })).toEqual({ strategy: "index", rowsVisited: 100 });
    expect(store.explain({ tags: "rare", bucket: { $ne: 5 } })).toEqual({
      strategy: "index",
      rowsVisited: 10,
    });
    // "constructor" is answered by Object.prototype on a plain object: only a row test is exact.
    expect(store.explain({ constructor: { $exists: true } })).toEqual({
      strategy: "scan",
      rowsVisited: 1000,
    });
    expect(store.explain()).toEqual({ strategy: "all", rowsVisited: 1000 });
    // A value repeated in an array joins its row set once, so deleting the record clears it.
    store.add([{ id: "twice", vector: [0, 0, 0, 1], text: "", metadata: { tags: ["x", "x"] } }]);
    store.delete(["twice"]);
    store.add([{ id: "other", vector: [0, 0, 0, 1], text: "", metadata: { tags: ["y"] } }]);
    expect(store.query([0, 0, 0, 1], { k: 5, filter: { tags: "x" } })).toEqual([]);
    const hits = store.query([1, 0, 0, 0], { k: 3, filter: { bucket: 3 } });
    expect(hits.map((h) => h.id)).toEqual(["v993", "v983", "v973"]);
  });

  it("grows by chunks: never more than a third (or one chunk) of unused capacity", () => {
    const d = 384;
    const store = new InMemoryVectorStore({ dimensions: d });
    const v = new Float32Array(d).fill(1);
    for (let n = 1; n <= 20_000; n += 997) {
      store.add(Array.from({ length: 997 }, (_, i) => ({ id: `${n + i}`, vector: v, text: "" })));
      const used = store.size * d * 4;
      const chunk = 1 << 20;
      expect(store.vectorBytes).toBeGreaterThanOrEqual(used);
      expect(store.vectorBytes).toBeLessThanOrEqual(Math.max(used * 1.5, used + chunk));
    }
  });
});

describe("retrievers", () => {
  const corpus = [
    { id: "1", text: "Bedrock Knowledge Bases retrieve passages", metadata: { kind: "aws" } },
    { id: "2", text: "OpenSearch k-NN with the faiss engine", metadata: { kind: "aws" } },
    { id: "3", text: "Porter stemming of English words", metadata: { kind: "nlp" } },
  ];

  it("VectorStoreRetriever embeds documents and queries", async () => {
    const embeddings = new FakeEmbeddingModel({ dimensions: 64 });
    const retriever = new VectorStoreRetriever(
      new InMemoryVectorStore({ dimensions: 64 }),
      embeddings,
      { batchSize: 2 },
    );
    await retriever.addDocuments(corpus);
    const hits = await retriever.retrieve("faiss engine", { k: 1 });
    expect(hits[0]?.id).toBe("2");
    expect(
      await retriever.retrieve("faiss engine", { k: 3, filter: { kind: "nlp" } }),
    ).toHaveLength(1);
    expect(
      () => new VectorStoreRetriever(new InMemoryVectorStore({ dimensions: 8 }), embeddings),
    ).toThrow(/64-dimensional/);
  });

  it("reciprocalRankFusion sums weight / (rrfK + rank)", () => {
    const c = (id: string): RetrievedChunk => ({ id, text: id, score: 0, metadata: {} });
    const fused = reciprocalRankFusion(
      [
        [c("a"), c("b")],
        [c("b"), c("c")],
      ],
      { weights: [1, 2], rrfK: 60 },
    );
    expect(fused.map((f) => f.id)).toEqual(["b", "c", "a"]);
    expect(fused[0]?.score).toBeCloseTo(1 / 62 + 2 / 61, 12);
    expect(fused[1]?.score).toBeCloseTo(2 / 62, 12);
    expect(fused[2]?.score).toBeCloseTo(1 / 61, 12);
  });

  it("HybridRetriever fuses BM25 and vectors and passes the filter to both", async () => {
    const bm25 = new Bm25Index();
    bm25.add(corpus);
    const embeddings = new FakeEmbeddingModel({ dimensions: 64 });
    const vectors = new VectorStoreRetriever(
      new InMemoryVectorStore({ dimensions: 64 }),
      embeddings,
    );
    await vectors.addDocuments(corpus);
    const hybrid = new HybridRetriever([bm25, vectors]);
    const hits = await hybrid.retrieve("stemming English", { k: 2 });
    expect(hits[0]?.id).toBe("3");
    const filtered = await hybrid.retrieve("stemming English engine", {
      k: 5,
      filter: { kind: "aws" },
    });
    expect(filtered.every((h) => h.metadata.kind === "aws")).toBe(true);
    expect(() => new HybridRetriever([bm25], { weights: [1, 2] })).toThrow(
      /weights has 2 entries for 1 retrievers/,
    );
  });
});
