/**
 * InMemoryVectorStore keeps metadata as a snapshot taken when a record is added or loaded. A
 * filter is answered either by the metadata index or by testing rows during the scan; if a caller
 * could edit the store's own metadata through something it passed in or got back, the two would
 * disagree and a filtered result would depend on the filter's shape (V1-V3 are engineer E3's
 * repros). Every way metadata enters or leaves the store is covered: add(), fromBytes(), query()
 * and search() hits, HybridRetriever results, and toBytes().
 */
import { describe, expect, it } from "vitest";
import type { EmbeddingModel } from "../../src/models/types.js";
import type { MetadataFilter } from "../../src/rag/filter.js";
import { HybridRetriever } from "../../src/rag/hybrid-retriever.js";
import { InMemoryVectorStore } from "../../src/rag/in-memory-vector-store.js";
import type { Metadata } from "../../src/rag/types.js";
import { VectorStoreRetriever } from "../../src/rag/vector-store-retriever.js";

// Two filters that select the same rows (no row has rank < -1): the first is answered by the
// metadata index, the second by testing rows during the scan.
const byIndex: MetadataFilter = { team: "x" };
const byScan: MetadataFilter = { $or: [{ team: "x" }, { rank: { $lt: -1 } }] };

/** 200 rows; r0 is the one nearest [1, 0] and the only one with team "x". */
function store(first: Metadata = { team: "x", rank: 0, tags: ["a"] }) {
  const s = new InMemoryVectorStore({ dimensions: 2 });
  s.add([{ id: "r0", text: "row 0", vector: [1, 0], metadata: first }]);
  s.add(
    Array.from({ length: 199 }, (_, j) => ({
      id: `r${j + 1}`,
      text: `row ${j + 1}`,
      vector: [1, (j + 1) / 200],
      metadata: { team: "y", rank: j + 1, tags: ["b"] },
    })),
  );
  return s;
}

/** The same selection through both filter paths, with k small and large. */
function bothPaths(s: InMemoryVectorStore, index = byIndex, scan = byScan) {
  expect([s.explain(index).strategy, s.explain(scan).strategy]).toEqual(["index", "scan"]);
  const ids = (filter: MetadataFilter, k: number) =>
    s.query([1, 0], { k, filter }).map((h) => h.id);
  return {
    index: ids(index, 3),
    scan: ids(scan, 3),
    indexAll: ids(index, 200),
    scanAll: ids(scan, 200),
  };
}

const onlyR0 = { index: ["r0"], scan: ["r0"], indexAll: ["r0"], scanAll: ["r0"] };

/** Tries an edit; a frozen snapshot throws in strict mode, which is the intended outcome. */
function tryEdit(edit: () => void): void {
  try {
    edit();
  } catch (e) {
    expect(e).toBeInstanceOf(TypeError);
  }
}

describe("InMemoryVectorStore metadata is a snapshot; what it returns is read-only", () => {
  it("V1: editing a query hit's metadata changes neither filter path", () => {
    const s = store();
    const [hit] = s.query([1, 0], { k: 1 });
    expect(hit?.id).toBe("r0");
    const metadata = hit?.metadata as Record<string, unknown>;
    tryEdit(() => {
      metadata.team = "w";
    });
    tryEdit(() => (metadata.tags as string[]).push("x"));
    expect(Object.isFrozen(metadata)).toBe(true);
    expect(Object.isFrozen(metadata.tags)).toBe(true);
    expect(bothPaths(s)).toEqual(onlyR0);
    expect(bothPaths(s, { tags: "a" }, { $or: [{ tags: "a" }, { rank: { $lt: -1 } }] })).toEqual(
      onlyR0,
    );
  });

  it("V2: editing the objects passed to add afterwards changes neither filter path; they are not frozen", () => {
    const tags = ["a"];
    const metadata: Record<string, unknown> = { team: "x", rank: 0, tags };
    const s = store(metadata as Metadata);
    metadata.team = "w";
    tags[0] = "z";
    expect(Object.isFrozen(metadata)).toBe(false);
    expect(Object.isFrozen(tags)).toBe(false);
    expect(bothPaths(s)).toEqual(onlyR0);
    expect(s.query([1, 0], { k: 1 })[0]?.metadata).toEqual({ team: "x", rank: 0, tags: ["a"] });
  });

  it("V3: editing a HybridRetriever result's metadata changes neither filter path", async () => {
    const s = store();
    const embeddings: EmbeddingModel = {
      id: "fixed",
      dimensions: 2,
      embed: async (texts: string[]) => texts.map(() => new Float32Array([1, 0])),
    } as unknown as EmbeddingModel;
    const hybrid = new HybridRetriever([new VectorStoreRetriever(s, embeddings)]);
    const [hit] = await hybrid.retrieve("q", { k: 1 });
    expect(hit?.id).toBe("r0");
    tryEdit(() => {
      (hit?.metadata as Record<string, unknown>).team = "w";
    });
    expect(bothPaths(s)).toEqual(onlyR0);
  });

  it("V4: search() hits are the same read-only snapshot", async () => {
    const s = store();
    const [hit] = await s.search(new Float32Array([1, 0]), { k: 1 });
    tryEdit(() => {
      (hit?.metadata as Record<string, unknown>).team = "w";
    });
    expect(Object.isFrozen(hit?.metadata)).toBe(true);
    expect(bothPaths(s)).toEqual(onlyR0);
  });

  it("V5: a loaded store keeps a snapshot too", () => {
    const loaded = InMemoryVectorStore.fromBytes(store().toBytes());
    const [hit] = loaded.query([1, 0], { k: 1 });
    expect(hit?.id).toBe("r0");
    tryEdit(() => {
      (hit?.metadata as Record<string, unknown>).team = "w";
    });
    expect(Object.isFrozen(hit?.metadata)).toBe(true);
    expect(bothPaths(loaded)).toEqual(onlyR0);
  });

  it("V6: toBytes output round-trips unchanged after hits were handed out", () => {
    const s = store();
    const before = s.toBytes();
    s.query([1, 0], { k: 200 });
    expect(s.toBytes()).toEqual(before);
    expect(InMemoryVectorStore.fromBytes(before).query([1, 0], { k: 1 })[0]?.metadata).toEqual({
      team: "x",
      rank: 0,
      tags: ["a"],
    });
  });
});

describe("InMemoryVectorStore.fromBytes refuses metadata that is not an object", () => {
  it("V7: a file whose metadata entry is an array throws RAG_INDEX_FILE_ERROR naming the record", () => {
    const s = new InMemoryVectorStore({ dimensions: 2 });
    s.add([{ id: "only", text: "t", vector: [1, 0] }]);
    const bytes = s.toBytes();
    // Overwrite the header's `{}` with `[]` in place, so sizes and offsets stay right.
    const header = new TextDecoder().decode(bytes.subarray(0, bytes.byteLength - 8));
    const at = header.indexOf('"metadata":[{}]') + '"metadata":['.length;
    expect(at).toBeGreaterThan(12);
    const damaged = bytes.slice();
    damaged.set(new TextEncoder().encode("[]"), at);
    expect(() => InMemoryVectorStore.fromBytes(damaged)).toThrow(
      expect.objectContaining({
        code: "RAG_INDEX_FILE_ERROR",
        message: expect.stringContaining('"only"'),
      }),
    );
  });
});

describe("the snapshot keeps what a filter sees", () => {
  it("V8: metadata without a prototype keeps none, so inherited names such as constructor stay absent", () => {
    const s = new InMemoryVectorStore({ dimensions: 2 });
    s.add([{ id: "bare", text: "t", vector: [1, 0], metadata: Object.create(null) as Metadata }]);
    // The filter the property test in vector-store.test.ts shrank to (scan path).
    const filter: MetadataFilter = { $not: { $and: [{ constructor: { $exists: false } }] } };
    expect(s.query([1, 0], { k: 1, filter })).toEqual([]);
    expect(Object.getPrototypeOf(s.query([1, 0], { k: 1 })[0]?.metadata)).toBe(null);
  });
});

describe("the snapshot copies keys as data", () => {
  it("V9: a __proto__ key stays an own field that filters match", () => {
    const s = store();
    s.add([
      {
        id: "odd",
        text: "t",
        vector: [0, 1],
        metadata: JSON.parse('{"__proto__": "x", "team": "z"}') as Metadata,
      },
    ]);
    const hit = s.query([0, 1], { k: 1 })[0];
    expect(hit?.id).toBe("odd");
    expect(Object.getPrototypeOf(hit?.metadata)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(hit?.metadata, "__proto__")?.value).toBe("x");
    const plain = JSON.parse('{"__proto__": "x"}') as MetadataFilter;
    const either = JSON.parse(
      '{"$or": [{"__proto__": "x"}, {"rank": {"$lt": -1}}]}',
    ) as MetadataFilter;
    // (Both are answered by the scan: the metadata index does not take this field name.)
    for (const filter of [plain, either])
      expect(s.query([0, 1], { k: 200, filter }).map((h) => h.id)).toEqual(["odd"]);
  });
});
