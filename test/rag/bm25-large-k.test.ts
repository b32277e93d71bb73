import fc from "fast-check";
import { describe, expect, it } from "vitest";
// mulberry32, the project's one seeded generator: a property can build a thousand documents cheaply.
import { seededRandom as random } from "../../src/evaluation/datasets/sampling.js";
import { Bm25Index } from "../../src/rag/bm25.js";
import { bestFirst } from "../../src/rag/bm25-best-first.js";

/**
 * The plain ranking `search` must equal: every indexed document scored with the formula (explain
 * adds the terms in query order, as the formula says), zero scores dropped, best first, equal
 * scores in slot order (the order `documents()` walks, which a stable sort keeps).
 */
function referenceRanking(index: Bm25Index, query: string): [string, number][] {
  const scored: [string, number][] = [];
  for (const doc of index.documents()) {
    const score = index.explain(query, doc.id)?.score ?? 0;
    if (score > 0) scored.push([doc.id, score]);
  }
  return scored.sort((a, b) => b[1] - a[1]);
}

describe("Bm25Index at large k", () => {
  it("returns the plain ranking's first k, same ids, order and doubles, for k from 30 to past the collection (property)", () => {
    // Sizes up to 1,300 documents reach every path: MaxScore (k <= 48), the exhaustive scan
    // (a larger k, a large share of these collections) with and without tracking touched
    // documents, and k past the matches. Duplicated texts make exact ties, so the slot tie-break is checked, and removes
    // followed by adds put new documents in reused slots, out of id order.
    const vocabulary = Array.from({ length: 60 }, (_, i) => `t${i}q`);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x7fffffff }),
        fc.integer({ min: 40, max: 1300 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 30, max: 1400 }),
        (seed, size, percentRemoved, k) => {
          const next = random(seed);
          const word = () => vocabulary[Math.floor(next() ** 2 * vocabulary.length)] as string;
          const texts: string[] = [];
          const text = () => {
            // One document in four repeats an earlier text: equal scores.
            if (texts.length > 0 && next() < 0.25)
              return texts[Math.floor(next() * texts.length)] as string;
            const t = Array.from({ length: 1 + Math.floor(next() * 25) }, word).join(" ");
            texts.push(t);
            return t;
          };
          const index = new Bm25Index();
          index.add(Array.from({ length: size }, (_, i) => ({ id: `d${i}`, text: text() })));
          const removed = Array.from({ length: size }, (_, i) => `d${i}`).filter(
            () => next() * 100 < percentRemoved,
          );
          index.remove(removed);
          index.add(removed.map((id) => ({ id: `${id}-again`, text: text() })));
          for (let q = 0; q < 3; q++) {
            const query = Array.from({ length: 1 + Math.floor(next() * 8) }, word).join(" ");
            const expected = referenceRanking(index, query).slice(0, k);
            const hits = index.search(query, { k });
            expect(hits.map((h) => [h.id, h.score])).toEqual(expected);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("results carry the document's text, metadata and source", () => {
    const index = new Bm25Index();
    index.add(
      Array.from({ length: 200 }, (_, i) => ({
        id: `d${i}`,
        text: `shared ${i % 2 === 0 ? "even" : "odd"}`,
        metadata: i % 3 === 0 ? { url: `https://example.invalid/${i}`, n: i } : { n: i },
      })),
    );
    const hits = index.search("shared even", { k: 150 });
    expect(hits).toHaveLength(150);
    for (const hit of hits) {
      const n = Number(hit.id.slice(1));
      expect(hit.text).toBe(`shared ${n % 2 === 0 ? "even" : "odd"}`);
      expect(hit.metadata.n).toBe(n);
      if (n % 3 === 0) expect(hit.source).toBe(`https://example.invalid/${n}`);
      else expect("source" in hit).toBe(false);
    }
    // Even documents first (they match both terms), each group in insertion order.
    expect(hits.slice(0, 3).map((h) => h.id)).toEqual(["d0", "d2", "d4"]);
    expect(hits[100]?.id).toBe("d1");
  });

  it("bestFirst selects and orders like a full sort, ties to the smaller slot, scores a few ulps apart included (property)", () => {
    // Scores that differ only in their lowest bits are where the sort keys (a score whose low
    // bits carry the position) stop ordering by score alone; the final pass must fix them.
    const nextUp = (x: number) => {
      const b = new Float64Array([x]);
      const u = new BigUint64Array(b.buffer);
      u[0] = (u[0] as bigint) + 1n;
      return b[0] as number;
    };
    const scoreArb = fc.oneof(
      fc.constantFrom(1, 2.5, 3),
      fc.constantFrom(1, 2.5, 3).map(nextUp),
      fc.constantFrom(1, 2.5).map((x) => nextUp(nextUp(nextUp(x)))),
      fc.double({ min: 0.001, max: 50, noNaN: true }),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 400, size: "max" }),
        fc.infiniteStream(scoreArb),
        fc.integer({ min: 1, max: 450 }),
        (slotList, scoreStream, k) => {
          const slots = Int32Array.from(slotList);
          const scores = Float64Array.from(slotList.map(() => scoreStream.next().value as number));
          const before = Float64Array.from(scores);
          const ranked = bestFirst(slots, scores, slots.length, k);
          const expected = slotList
            .map((slot, i) => ({ slot, score: scores[i] as number }))
            .sort((a, b) => b.score - a.score || a.slot - b.slot)
            .slice(0, k);
          expect([...ranked.slots]).toEqual(expected.map((e) => e.slot));
          expect([...ranked.scores]).toEqual(expected.map((e) => e.score));
          expect(scores).toEqual(before);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("Bm25Index input checks", () => {
  it("refuses document metadata the filters cannot compare, in add and in JSON", () => {
    const index = new Bm25Index();
    expect(() =>
      index.add([{ id: "a", text: "x", metadata: { nested: { deep: 1 } } as never }]),
    ).toThrow(
      expect.objectContaining({
        code: "VALIDATION_ERROR",
        message: expect.stringMatching(/metadata/),
      }),
    );
    expect(index.size).toBe(0);
    index.add([{ id: "a", text: "fox", metadata: { tags: ["x", "y"], n: 1, ok: null } }]);
    const json = index.toJSON();
    const withMetadata = (metadata: unknown) => ({
      ...json,
      documents: [{ ...json.documents[0], metadata }],
    });
    expect(() => Bm25Index.fromJSON(withMetadata({ when: { at: 1 } }))).toThrow(
      expect.objectContaining({
        code: "VALIDATION_ERROR",
        message: expect.stringMatching(/metadata/),
      }),
    );
    expect(Bm25Index.fromJSON(json).search("fox")[0]?.metadata).toEqual({
      tags: ["x", "y"],
      n: 1,
      ok: null,
    });
  });

  it("refuses a filter that is not an object, naming the option", () => {
    const index = new Bm25Index();
    index.add([{ id: "a", text: "fox" }]);
    for (const filter of [["n", 1], "n = 1", null]) {
      expect(() => index.search("fox", { filter: filter as never })).toThrow(
        expect.objectContaining({
          code: "VALIDATION_ERROR",
          message: expect.stringMatching(/filter/),
        }),
      );
    }
  });
});
