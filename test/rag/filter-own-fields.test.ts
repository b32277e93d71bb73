import { describe, expect, it } from "vitest";
import { Bm25Index } from "../../src/rag/bm25.js";
import { evaluateFilter, parseFilter } from "../../src/rag/filter.js";
import { InMemoryVectorStore } from "../../src/rag/in-memory-vector-store.js";

// Inherited names are not metadata fields. The metadata index holds own fields only, so the
// per-document test must read own fields only too, or the two ways of answering one filter differ.
describe("filters read a document's own fields only", () => {
  const inherited = ["constructor", "toString", "hasOwnProperty", "__proto__"];

  it("evaluateFilter: an inherited name does not exist and equals nothing", () => {
    for (const field of inherited) {
      expect(evaluateFilter(parseFilter({ [field]: { $exists: true } }), { team: "x" })).toBe(
        false,
      );
      expect(evaluateFilter(parseFilter({ [field]: { $exists: false } }), { team: "x" })).toBe(
        true,
      );
      expect(evaluateFilter(parseFilter({ [field]: { $ne: "x" } }), { team: "x" })).toBe(true);
    }
  });

  it("Bm25Index and InMemoryVectorStore answer alike whether the index or a per-document test decides", () => {
    const bm25 = new Bm25Index();
    const store = new InMemoryVectorStore({ dimensions: 2 });
    const docs = Array.from({ length: 60 }, (_, i) => ({
      id: `d${i}`,
      text: `alpha ${i % 2 ? "beta" : "gamma"}`,
      metadata: { team: i % 3 ? "x" : "y" },
    }));
    bm25.add(docs);
    store.add(docs.map((d, i) => ({ ...d, vector: [1, i / 60] })));
    for (const field of ["constructor", "toString"]) {
      // `$or` with an always-false branch forces a per-document test; the plain form may be
      // answered by the metadata index.
      const plain = { [field]: { $exists: true } };
      const perDocument = { $or: [{ [field]: { $exists: true } }, { team: "nobody" }] };
      for (const filter of [plain, perDocument]) {
        expect(bm25.search("alpha", { k: 60, filter })).toEqual([]);
        expect(store.query([1, 0], { k: 60, filter })).toEqual([]);
      }
    }
  });
});
