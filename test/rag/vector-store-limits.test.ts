import { afterEach, describe, expect, it, vi } from "vitest";
import { InMemoryVectorStore } from "../../src/rag/in-memory-vector-store.js";
import { TopK } from "../../src/rag/top-k.js";
import type { RetrievedChunk } from "../../src/rag/types.js";
import { SimdRows } from "../../src/rag/vector-simd.js";
import { VectorStoreRetriever } from "../../src/rag/vector-store-retriever.js";
import { FakeEmbeddingModel } from "../../src/testing/fake-embedding-model.js";

// The inputs engineer R1's attack on the vector store found unguarded (issue #22): non-finite or
// float32-overflowing floats in files, records and queries, cosine vectors whose float64 norm
// overflows or underflows, lax search options, and one outlier row switching the WebAssembly
// kernel off for good.

const shape = (hits: RetrievedChunk[]) => hits.map((h) => [h.id, h.score]);

/** A saved store whose rows are `rows` (written over the float data of a valid file). */
const fileWith = (rows: number[][], d: number) => {
  const s = new InMemoryVectorStore({ dimensions: d, metric: "dot", kernel: "js" });
  s.add(rows.map((_, i) => ({ id: `r${i}`, vector: new Array(d).fill(0), text: "" })));
  const bytes = s.toBytes();
  const floats = new Float32Array(rows.flat());
  bytes.set(new Uint8Array(floats.buffer), bytes.byteLength - floats.byteLength);
  return bytes;
};

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe("InMemoryVectorStore refuses floats it cannot search exactly", () => {
  it("B1b: a file holding NaN or an infinity is refused as a damaged file, naming the row", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const bytes = fileWith(
        [
          [1, 0],
          [0, bad],
        ],
        2,
      );
      for (const kernel of ["js", "wasm"] as const) {
        expect(() => InMemoryVectorStore.fromBytes(bytes, { kernel })).toThrow(
          /Not a valid fmops vector store file: record 1 \(id "r1"\) has a non-finite value/,
        );
        expect(codeOf(() => InMemoryVectorStore.fromBytes(bytes, { kernel }))).toBe(
          "RAG_INDEX_FILE_ERROR",
        );
      }
    }
  });

  it("B1: a NaN row norm makes the kernel's overflow guard fail closed, whatever rows are noted after it", () => {
    const d = 4;
    const rows = SimdRows.create(d, 3, false) as SimdRows;
    rows.rows.set([0, 1, 0, 0, Number.NaN, 0, 0, 0, 0, 1, 0, 0]);
    for (const row of [0, 1, 2]) rows.noteRow(row);
    // The guard must treat the NaN norm as unbounded: the kernel declines and the JS scan runs.
    const top = new TopK(3);
    expect(rows.scan(new Float32Array([1, 1, 1, 1]), 3, "dot", top, undefined)).toBe(false);
    expect(top.sorted()).toEqual([]);
  });

  it("B2: dot and l2 refuse components that are finite numbers but overflow float32, naming the record and index", () => {
    for (const metric of ["dot", "l2"] as const) {
      const s = new InMemoryVectorStore({ dimensions: 2, metric });
      expect(() =>
        s.add([
          { id: "ok", vector: [1, 0], text: "" },
          { id: "big", vector: [0, 1e39], text: "" },
        ]),
      ).toThrow(/record 1 \("big"\): vector\.1 .*float32/);
      expect(s.size).toBe(0);
      // The largest float32 itself is accepted, and so is anything that rounds to it; from
      // halfway to 2^128 on, float32 rounds to Infinity.
      const largest = 3.4028234663852886e38;
      s.add([
        { id: "max", vector: [largest, 0], text: "" },
        { id: "rounds-down", vector: [0, -(2 ** 128 - 2 ** 103 - 2 ** 75)], text: "" },
      ]);
      expect(s.vectorOf("max")?.[0]).toBe(largest);
      expect(s.vectorOf("rounds-down")?.[1]).toBe(-largest);
      expect(() => s.add([{ id: "half", vector: [2 ** 128 - 2 ** 103, 0], text: "" }])).toThrow(
        /float32/,
      );
    }
  });

  it("B3: cosine keeps the direction of vectors whose float64 norm overflows or underflows", () => {
    for (const kernel of ["js", "wasm"] as const) {
      for (const v of [
        [1e200, 1e200],
        [1e-170, 1e-170],
        [5e-324, 5e-324],
        [1.7e308, -1.7e308],
      ]) {
        const s = new InMemoryVectorStore({ dimensions: 2, metric: "cosine", kernel });
        s.add([{ id: "a", vector: v, text: "" }]);
        const stored = Array.from(s.vectorOf("a") as Float32Array);
        expect(stored.map((x) => Math.abs(x))).toEqual([
          Math.fround(Math.SQRT1_2),
          Math.fround(Math.SQRT1_2),
        ]);
        const q = [Math.sign(v[0] as number), Math.sign(v[1] as number)];
        expect(shape(s.query(q, { k: 1 }))).toEqual([["a", expect.closeTo(1, 6)]]);
      }
    }
  });

  it("B3: ordinary cosine vectors are stored exactly as before (v[i] times 1 / norm, rounded to float32)", () => {
    const s = new InMemoryVectorStore({ dimensions: 5, metric: "cosine" });
    const vectors = [
      [0.1, -0.2, 0.3, 1e-30, 7],
      [1e150, 2e150, 0, 0, -3e150],
      [1e-140, 0, 0, 0, 3e-141],
    ];
    s.add(vectors.map((vector, i) => ({ id: `v${i}`, vector, text: "" })));
    for (const [i, v] of vectors.entries()) {
      const inv = 1 / Math.sqrt(v.reduce((sum, x) => sum + x ** 2, 0));
      expect(Array.from(s.vectorOf(`v${i}`) as Float32Array)).toEqual(
        v.map((x) => Math.fround(x * inv)),
      );
    }
  });

  it("B4: query vectors with NaN or an infinity are refused under every metric, and float32 overflow under dot and l2", () => {
    for (const metric of ["dot", "l2", "cosine"] as const) {
      for (const kernel of ["js", "wasm"] as const) {
        const s = new InMemoryVectorStore({ dimensions: 2, metric, kernel });
        s.add([{ id: "a", vector: [1, 0], text: "" }]);
        const refused = [
          [Number.NaN, 1],
          [1, Number.POSITIVE_INFINITY],
          [Number.NEGATIVE_INFINITY, 1],
        ];
        if (metric !== "cosine") refused.push([1e39, 0]);
        for (const q of refused) {
          expect(() => s.query(q), `${metric} ${q}`).toThrow(/query vector/);
          expect(codeOf(() => s.query(q))).toBe("VALIDATION_ERROR");
        }
        expect(() => s.query([1, 2, 3])).toThrow(/3 dimensions/);
        // Cosine keeps only the direction: a huge query is the unit vector it points along.
        if (metric === "cosine") expect(shape(s.query([1e39, 0], { k: 1 }))).toEqual([["a", 1]]);
      }
    }
  });
});

describe("InMemoryVectorStore and VectorStoreRetriever search options are strict", () => {
  it("a misspelt query option is refused, naming the closest known one", () => {
    const s = new InMemoryVectorStore({ dimensions: 2 });
    s.add([{ id: "a", vector: [1, 0], text: "" }]);
    // @ts-expect-error: kk is not an option.
    expect(() => s.query([1, 0], { kk: 2 })).toThrow(/unknown option `kk`; did you mean `k`/);
    // @ts-expect-error: a filter is an object.
    expect(() => s.query([1, 0], { filter: "lang=en" })).toThrow(/filter/);
  });

  it("the retriever refuses a misspelt retrieve option instead of dropping it", async () => {
    const store = new InMemoryVectorStore({ dimensions: 8 });
    const retriever = new VectorStoreRetriever(store, new FakeEmbeddingModel({ dimensions: 8 }));
    await retriever.addDocuments([{ id: "a", text: "alpha" }]);
    // @ts-expect-error: filters is not an option.
    await expect(retriever.retrieve("alpha", { filters: { x: 1 } })).rejects.toThrow(
      /unknown option `filters`; did you mean `filter`/,
    );
    expect((await retriever.retrieve("alpha", { k: 1 })).map((h) => h.id)).toEqual(["a"]);
  });
});

describe("InMemoryVectorStore: one outlier does not switch the kernel off for good", () => {
  it("after the row holding the largest norm is deleted or replaced, queries run the WebAssembly kernel again", () => {
    for (const metric of ["dot", "l2"] as const) {
      for (const how of ["delete", "replace", "delete-last"] as const) {
        const s = new InMemoryVectorStore({ dimensions: 4, metric, kernel: "wasm" });
        const rows = Array.from({ length: 40 }, (_, i) => ({
          id: `r${i}`,
          vector: [i, 1, -i, 2],
          text: "",
        }));
        const outlier = { id: "big", vector: [3e38, 3e38, 0, 0], text: "" };
        if (how === "delete-last") s.add([...rows, outlier]);
        else s.add([outlier, ...rows]);
        const scan = vi.spyOn(SimdRows.prototype, "scan");
        const q = [1, 2, 3, 4];
        s.query(q, { k: 3 });
        expect(scan.mock.results.at(-1)?.value).toBe(false); // declined: |q|·max|x| overflows
        if (how === "replace") s.add([{ id: "big", vector: [1, 1, 1, 2], text: "" }]);
        else s.delete(["big"]);
        const hits = s.query(q, { k: 3 });
        expect(scan.mock.results.at(-1)?.value).toBe(true); // the kernel ran
        const js = new InMemoryVectorStore({ dimensions: 4, metric, kernel: "js" });
        js.add(rows);
        if (how === "replace") js.add([{ id: "big", vector: [1, 1, 1, 2], text: "" }]);
        expect(shape(hits)).toEqual(shape(js.query(q, { k: 3 })));
      }
    }
  });

  it("a second outlier keeps the guard closed after the first is deleted", () => {
    const s = new InMemoryVectorStore({ dimensions: 2, metric: "dot", kernel: "wasm" });
    s.add([
      { id: "big1", vector: [3e38, 0], text: "" },
      { id: "big2", vector: [0, 2e38], text: "" },
      { id: "small", vector: [1, 1], text: "" },
    ]);
    const scan = vi.spyOn(SimdRows.prototype, "scan");
    s.delete(["big1"]);
    expect(shape(s.query([0, 4], { k: 1 }))).toEqual([["big2", Math.fround(2e38) * 4]]);
    expect(scan.mock.results.at(-1)?.value).toBe(false);
    s.delete(["big2"]);
    expect(shape(s.query([0, 4], { k: 1 }))).toEqual([["small", 4]]);
    expect(scan.mock.results.at(-1)?.value).toBe(true);
  });
});
