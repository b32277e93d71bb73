/**
 * Filtered BM25 top-k (issue #22): a filter the metadata index does not answer (an inherited
 * field, or an index read dearer than the query's postings) is tested only on documents that
 * could still enter the top k, while MaxScore skips postings; the results are the exhaustive
 * filtered ranking, same ids and doubles.
 */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { Bm25Index } from "../../src/rag/bm25.js";
import { evaluateFilter, type MetadataFilter, parseFilter } from "../../src/rag/filter.js";
import { MetadataIndex } from "../../src/rag/metadata-index.js";
import { filterArb, metadataArb } from "./filter-arbitraries.js";

// The real filter, wrapped so a test can count how many documents a query tested.
vi.mock("../../src/rag/filter.js", async (original) => {
  const actual = await original<typeof import("../../src/rag/filter.js")>();
  return { ...actual, evaluateFilter: vi.fn(actual.evaluateFilter) };
});
const filterCalls = vi.mocked(evaluateFilter);

/** The exhaustive ranking (every posting scored) minus the documents the filter rejects. */
function exhaustiveFiltered(index: Bm25Index, query: string, filter: MetadataFilter, k: number) {
  const node = parseFilter(filter);
  return index
    .search(query, { k: 100_000 })
    .filter((h) => evaluateFilter(node, h.metadata))
    .slice(0, k)
    .map((h) => [h.id, h.score]);
}

describe("Bm25Index filtered top-k", () => {
  it("checks a filter the metadata index cannot answer only on documents that could enter the top k", () => {
    // 300 documents whose score for "common" rises with their slot, then 10 that also hold the
    // rare term: scoring every posting in slot order would put each of the 300 into the running
    // top k in turn, and test the filter on each.
    const index = new Bm25Index();
    index.add(
      Array.from({ length: 300 }, (_, i) => ({
        id: `c${i}`,
        text: "common ".repeat(i + 1),
        // A distinct rank per document: a range over it costs the metadata index more than the
        // 310 postings, so the filter is tested document by document.
        metadata: { rank: i, keep: i % 2 === 0 },
      })),
    );
    index.add(
      Array.from({ length: 10 }, (_, i) => ({
        id: `r${i}`,
        text: `rare ${"common ".repeat(i + 1)}`,
        metadata: { rank: 300 + i, keep: i % 3 !== 0 },
      })),
    );
    const query = "common rare";
    const filter = { keep: true, rank: { $gte: 1 } };
    const expected = exhaustiveFiltered(index, query, filter, 3);
    expect(expected).toHaveLength(3);
    expect(expected.every(([id]) => String(id).startsWith("r"))).toBe(true);
    filterCalls.mockClear();
    const got = index.search(query, { k: 3, filter });
    expect(got.map((h) => [h.id, h.score])).toEqual(expected);
    // The 10 rare documents at most, each tested once; not the 300 that only hold "common".
    expect(filterCalls.mock.calls.length).toBeGreaterThan(0);
    expect(filterCalls.mock.calls.length).toBeLessThanOrEqual(10);
  });

  it("returns the exhaustive filtered ranking, same ids and doubles, whether or not the metadata index answers the filter (property)", () => {
    // A Zipf-like vocabulary gives long low-idf lists next to short ones, so MaxScore skips
    // postings. With `wide`, every filter also ranges over a field with a distinct value per
    // document, which the metadata index reads at a cost above the postings, so the filter is
    // tested document by document; otherwise the index answers most filters itself.
    const vocabulary = Array.from({ length: 30 }, (_, i) => `w${i}z`);
    const word = fc
      .integer({ min: 0, max: 29 })
      .map((i) => vocabulary[Math.floor((i * i) / 30)] as string);
    const docArb = fc.record({
      n: fc.integer({ min: 0, max: 69 }),
      words: fc.array(word, { minLength: 1, maxLength: 25 }),
      metadata: metadataArb,
    });
    fc.assert(
      fc.property(
        fc.array(docArb, { minLength: 1, maxLength: 100 }),
        fc.array(fc.integer({ min: 0, max: 69 }), { maxLength: 15 }),
        fc.array(docArb, { maxLength: 15 }),
        fc.boolean(),
        fc.array(filterArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.array(word, { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 12 }),
        (docs, removed, readded, wide, filters, queries, k) => {
          const index = new Bm25Index();
          const asDocs = (ds: typeof docs) =>
            ds.map((d) => ({
              id: `d${d.n}`,
              text: d.words.join(" "),
              metadata: wide ? { ...d.metadata, u: d.n } : d.metadata,
            }));
          index.add(asDocs(docs));
          index.remove(removed.map((n) => `d${n}`));
          index.add(asDocs(readded));
          for (const q of queries) {
            const text = q.join(" ");
            for (const f of filters) {
              const filter = wide ? { $and: [f, { u: { $gte: 0 } }] } : f;
              const got = index.search(text, { k, filter }).map((h) => [h.id, h.score]);
              expect(got, JSON.stringify(filter)).toEqual(
                exhaustiveFiltered(index, text, filter, k),
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("chooses between the metadata index and a per-document test without reading every distinct value of a range field", () => {
    // 20,000 distinct values: reading them all would cost 100 times the query's 200 postings.
    const index = new Bm25Index();
    index.add(
      Array.from({ length: 20_000 }, (_, i) => ({
        id: `d${i}`,
        text: i % 100 === 0 ? "needle hay" : "hay",
        metadata: { pmid: i },
      })),
    );
    const filter = { pmid: { $gte: 1_000 } };
    const expected = exhaustiveFiltered(index, "needle", filter, 5);
    // Count the steps of every Map iteration while the query runs (V8 drops its fast path for
    // Map iterators once `next` is replaced, so each step goes through the wrapper).
    const iteratorPrototype = Object.getPrototypeOf(new Map().values()) as {
      next: (...args: unknown[]) => unknown;
    };
    const next = iteratorPrototype.next;
    let steps = 0;
    iteratorPrototype.next = function (this: unknown, ...args: unknown[]) {
      steps++;
      return next.apply(this, args);
    };
    let got: [string, number][];
    try {
      got = index.search("needle", { k: 5, filter }).map((h) => [h.id, h.score]);
    } finally {
      iteratorPrototype.next = next;
    }
    expect(got).toEqual(expected);
    expect(steps).toBeLessThan(1_000);
  });

  it("MetadataIndex.estimate with a limit decides like the full estimate (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            metadataArb,
            fc.integer({ min: 0, max: 300 }).map((n) => ({ f0: n })),
          ),
          {
            maxLength: 80,
          },
        ),
        filterArb,
        fc.integer({ min: 0, max: 400 }),
        (rows, filter, limit) => {
          const index = new MetadataIndex();
          rows.forEach((metadata, row) => {
            index.add(row, metadata);
          });
          const node = parseFilter(filter);
          const full = index.estimate(node, rows.length);
          const bounded = index.estimate(node, rows.length, limit);
          expect(bounded < limit).toBe(full < limit);
          if (full < limit) expect(bounded).toBe(full);
        },
      ),
      { numRuns: 500 },
    );
  });
});
