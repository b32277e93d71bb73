/**
 * Bm25Index keeps metadata as a snapshot taken when a document is added or loaded. A filter can
 * be answered two ways (the metadata index, or a test per document), and the cost rule picks one
 * by k and the query; if a caller could edit the index's own metadata through something it
 * returned, the two would disagree and a filtered result would depend on k. Every way metadata
 * leaves the index is covered here: search hits, documents(), toJSON(), and the objects handed to
 * add() and fromJSON(). (Cases F1-F5 are engineer R2's repros, adjusted to the chosen behaviour:
 * returned metadata is read-only, toJSON() returns copies.)
 */
import { describe, expect, it } from "vitest";
import { Bm25Index, type IndexDocument } from "../../src/rag/bm25.js";
import type { MetadataFilter } from "../../src/rag/filter.js";

/** One document matching "alpha" with `first`, 199 matching only "beta" with `rest`. */
function corpus(first: IndexDocument["metadata"], rest: () => IndexDocument["metadata"]) {
  const index = new Bm25Index();
  index.add([{ id: "d0", text: "alpha beta", metadata: first }]);
  for (let i = 1; i < 200; i++) index.add([{ id: `d${i}`, text: "beta gamma", metadata: rest() }]);
  return index;
}

/**
 * The same filter through a short query (few postings: the per-document test) and a long one
 * (the "beta" postings cover every document: the metadata index), k = 3 and k = 200.
 */
function bothPaths(index: Bm25Index, filter: MetadataFilter) {
  const ids = (query: string, k: number) => index.search(query, { k, filter }).map((h) => h.id);
  return {
    short: ids("alpha", 3),
    long: ids("alpha beta", 3),
    shortAll: ids("alpha", 200),
    longAll: ids("alpha beta", 200),
  };
}

const none = { short: [], long: [], shortAll: [], longAll: [] };

describe("Bm25Index metadata is a snapshot; what it returns is read-only", () => {
  it("F1: editing the array passed to add afterwards changes neither filter path", () => {
    const tags = ["a"];
    const index = corpus({ tags }, () => ({ tags: ["b"] }));
    tags.push("q");
    expect(bothPaths(index, { tags: "q" })).toEqual(none);
    expect(bothPaths(index, { tags: "a" }).long).toEqual(["d0"]);
  });

  it("F2: editing a search hit's metadata throws and changes nothing the filters see", () => {
    const index = corpus({ team: "x", tags: ["a"] }, () => ({ team: "y" }));
    const hit = index.search("alpha", { k: 1 })[0];
    const metadata = hit?.metadata as Record<string, unknown>;
    expect(Object.isFrozen(metadata)).toBe(true);
    expect(() => {
      metadata.team = "w";
    }).toThrow(TypeError);
    expect(() => {
      metadata.added = "w";
    }).toThrow(TypeError);
    expect(() => {
      delete metadata.team;
    }).toThrow(TypeError);
    expect(() => (metadata.tags as string[]).push("w")).toThrow(TypeError);
    expect(bothPaths(index, { team: "w" })).toEqual(none);
    expect(bothPaths(index, { tags: "w" })).toEqual(none);
    expect(bothPaths(index, { team: "x" }).longAll).toEqual(["d0"]);
    expect([...index.documents()][0]?.metadata).toEqual({ team: "x", tags: ["a"] });
  });

  it("F2b: the same holds for hits from retrieve and for documents without metadata", async () => {
    const index = new Bm25Index();
    index.add([{ id: "bare", text: "alpha" }]);
    const [hit] = await index.retrieve("alpha", { k: 1 });
    expect(hit?.metadata).toEqual({});
    expect(() => {
      (hit?.metadata as Record<string, unknown>).team = "w";
    }).toThrow(TypeError);
    expect(index.search("alpha", { filter: { team: "w" } })).toEqual([]);
  });

  it("F3: after an attempted edit, top-1 is still the first of the exhaustive ranking", () => {
    const index = new Bm25Index();
    index.add(
      Array.from({ length: 40 }, (_, i) => ({
        id: `d${i}`,
        text: i === 0 ? "beta beta beta" : "beta",
        metadata: i < 10 ? { rank: i } : {},
      })),
    );
    const top = index.search("beta", { k: 1 })[0];
    expect(() => {
      (top?.metadata as Record<string, unknown>).rank = 1000;
    }).toThrow(TypeError);
    const filter = { rank: { $gte: 5 } };
    const top1 = index.search("beta", { k: 1, filter }).map((h) => [h.id, h.score]);
    const all = index.search("beta", { k: 40, filter }).map((h) => [h.id, h.score]);
    expect(all.map(([id]) => id).sort()).toEqual(["d5", "d6", "d7", "d8", "d9"]);
    expect(top1).toEqual(all.slice(0, 1));
  });

  it("documents(): the metadata it yields is read-only", () => {
    const index = corpus({ team: "x", tags: ["a"] }, () => ({ team: "y" }));
    const first = [...index.documents()][0];
    const metadata = first?.metadata as Record<string, unknown>;
    expect(() => {
      metadata.team = "w";
    }).toThrow(TypeError);
    expect(() => (metadata.tags as string[]).push("w")).toThrow(TypeError);
    expect(bothPaths(index, { team: "w" })).toEqual(none);
    expect(bothPaths(index, { tags: "w" })).toEqual(none);
  });

  it("F4: toJSON() returns copies the caller may edit without touching the live index", () => {
    const index = corpus({ team: "x", tags: ["a"] }, () => ({ team: "y" }));
    const json = index.toJSON();
    const metadata = json.documents[0]?.metadata as Record<string, unknown>;
    metadata.team = "redacted";
    (metadata.tags as string[]).push("redacted");
    expect(bothPaths(index, { team: "redacted" })).toEqual(none);
    expect(bothPaths(index, { tags: "redacted" })).toEqual(none);
    expect(index.toJSON().documents[0]?.metadata).toEqual({ team: "x", tags: ["a"] });
    // The edited copy is still valid input: loading it indexes the edited values.
    const redacted = Bm25Index.fromJSON(json);
    expect(bothPaths(redacted, { team: "redacted" }).long).toEqual(["d0"]);
  });

  it("F5: editing the JSON object after fromJSON changes neither filter path of the loaded index", () => {
    const source = corpus({ team: "x", tags: ["a"] }, () => ({ team: "y" }));
    const json = JSON.parse(JSON.stringify(source.toJSON()));
    const index = Bm25Index.fromJSON(json);
    json.documents[0].metadata.team = "z";
    json.documents[0].metadata.tags.push("z");
    expect(bothPaths(index, { team: "z" })).toEqual(none);
    expect(bothPaths(index, { tags: "z" })).toEqual(none);
    const [hit] = index.search("alpha", { k: 1 });
    expect(() => {
      (hit?.metadata as Record<string, unknown>).team = "z";
    }).toThrow(TypeError);
  });

  it("add() leaves the caller's own metadata objects editable (it freezes its copy, not theirs)", () => {
    const metadata = { team: "x", tags: ["a"] };
    const index = new Bm25Index();
    index.add([{ id: "d0", text: "alpha", metadata }]);
    expect(Object.isFrozen(metadata)).toBe(false);
    expect(Object.isFrozen(metadata.tags)).toBe(false);
    metadata.team = "y";
    expect(index.search("alpha", { filter: { team: "x" } }).map((h) => h.id)).toEqual(["d0"]);
  });
});
