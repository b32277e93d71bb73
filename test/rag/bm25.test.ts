import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nltkPorterStem } from "../../src/evaluation/metrics/index.js";
import { englishAnalyzer, lucenePorterStem, tokenize } from "../../src/rag/analyzer.js";
import { Bm25Index } from "../../src/rag/bm25.js";
import { loadBm25Index, saveBm25Index } from "../../src/rag/file-store.js";
import { evaluateFilter, parseFilter } from "../../src/rag/filter.js";
import { byte4ToInt, intToByte4, luceneLength } from "../../src/rag/lucene-norms.js";
import { PostingList } from "../../src/rag/posting-list.js";
import { filterArb, metadataArb } from "./filter-arbitraries.js";

const docs = [
  { id: "d1", text: "The quick brown fox jumps over the lazy dog", metadata: { n: 1 } },
  { id: "d2", text: "Quick foxes are quick", metadata: { n: 2 } },
  { id: "d3", text: "A dog's life", metadata: { n: 3 } },
];

describe("English analyzer", () => {
  it("tokenizes like StandardTokenizer on the cases that matter", () => {
    expect(tokenize("U.S.A. don't 3.14 1,000 foo_bar 東京 a,b e-mail")).toEqual([
      "U.S.A",
      "don't",
      "3.14",
      "1,000",
      "foo_bar",
      "東",
      "京",
      "a",
      "b",
      "e",
      "mail",
    ]);
  });

  it("tokenizes exactly like the original one-code-point-at-a-time tokenizer (property)", () => {
    // The tokenizer classifies code points through a table; this is the straightforward version
    // it replaced (regex tests per code point, string building), kept as the oracle.
    const ideographic = /[\p{Script=Han}\p{Script=Hiragana}]/u;
    const word = /[\p{L}\p{M}\p{N}\p{Pc}]/u;
    const letter = /[\p{L}\p{M}]/u;
    const digit = /\p{N}/u;
    const midLetter = new Set([
      ":",
      "\u00b7",
      "\u0387",
      "\u05f4",
      "\u2027",
      "\ufe13",
      "\ufe55",
      "\uff1a",
    ]);
    const midNumLet = new Set([
      ".",
      "'",
      "\u2018",
      "\u2019",
      "\u2024",
      "\ufe52",
      "\uff07",
      "\uff0e",
    ]);
    const midNum = new Set([
      ",",
      ";",
      "\u037e",
      "\u0589",
      "\u060c",
      "\u060d",
      "\u066c",
      "\u07f8",
      "\u2044",
      "\ufe10",
      "\ufe14",
      "\ufe50",
      "\ufe54",
      "\uff0c",
      "\uff1b",
    ]);
    const reference = (text: string): string[] => {
      const tokens: string[] = [];
      const chars = Array.from(text);
      let current = "";
      const flush = () => {
        if (current) tokens.push(current.slice(0, 255));
        current = "";
      };
      for (let i = 0; i < chars.length; i++) {
        const c = chars[i] as string;
        if (ideographic.test(c)) {
          flush();
          tokens.push(c);
          continue;
        }
        if (word.test(c)) {
          current += c;
          continue;
        }
        const prev = chars[i - 1] as string;
        const next = chars[i + 1];
        if (current && next !== undefined && !ideographic.test(next)) {
          const letters = letter.test(prev) && letter.test(next);
          const digits = digit.test(prev) && digit.test(next);
          if (
            (letters && (midLetter.has(c) || midNumLet.has(c))) ||
            (digits && (midNum.has(c) || midNumLet.has(c)))
          ) {
            current += c;
            continue;
          }
        }
        flush();
      }
      flush();
      return tokens;
    };
    const alphabet = fc.constantFrom(
      ..."aZ9_ .,;:'-\u00b7\u2019\uff0e\u060c\u0301\u0663é東京ひらカ😀\ud800\udc00\u00a0\t\n".split(
        "",
      ),
      "😀",
      "𝟘",
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 40 }),
        fc.string({ unit: "binary", maxLength: 30 }),
        (parts, random) => {
          expect(tokenize(parts.join(""))).toEqual(reference(parts.join("")));
          expect(tokenize(random)).toEqual(reference(random));
        },
      ),
      { numRuns: 2000 },
    );
    expect(tokenize("x".repeat(300))).toEqual([reference("x".repeat(300))[0]]);
  });

  it("removes possessives, lowercases, drops Lucene's stop words and stems", () => {
    expect(englishAnalyzer()("The Runner's shoes were running; it is THEIR dogs’ toys")).toEqual([
      "runner",
      "shoe",
      "were",
      "run",
      "dog",
      "toi",
    ]);
  });

  it("stems like Lucene's PorterStemmer (original Porter, with its bli/logi departures)", () => {
    const expected: Record<string, string> = {
      caresses: "caress",
      ponies: "poni",
      ties: "ti",
      caress: "caress",
      cats: "cat",
      feed: "feed",
      agreed: "agre",
      plastered: "plaster",
      motoring: "motor",
      sing: "sing",
      conflated: "conflat",
      troubled: "troubl",
      sized: "size",
      hopping: "hop",
      falling: "fall",
      filing: "file",
      happy: "happi",
      sky: "sky",
      relational: "relat",
      conditional: "condit",
      rational: "ration",
      valenci: "valenc",
      digitizer: "digit",
      conformabli: "conform",
      radicalli: "radic",
      differentli: "differ",
      vileli: "vile",
      analogousli: "analog",
      vietnamization: "vietnam",
      predication: "predic",
      operator: "oper",
      feudalism: "feudal",
      decisiveness: "decis",
      hopefulness: "hope",
      callousness: "callous",
      formaliti: "formal",
      sensitiviti: "sensit",
      sensibiliti: "sensibl",
      triplicate: "triplic",
      formative: "form",
      formalize: "formal",
      electriciti: "electr",
      electrical: "electr",
      hopeful: "hope",
      goodness: "good",
      revival: "reviv",
      allowance: "allow",
      inference: "infer",
      airliner: "airlin",
      gyroscopic: "gyroscop",
      adjustable: "adjust",
      defensible: "defens",
      irritant: "irrit",
      replacement: "replac",
      adjustment: "adjust",
      dependent: "depend",
      adoption: "adopt",
      homologou: "homolog",
      communism: "commun",
      activate: "activ",
      angulariti: "angular",
      homologous: "homolog",
      effective: "effect",
      bowdlerize: "bowdler",
      probate: "probat",
      rate: "rate",
      cease: "ceas",
      controll: "control",
      roll: "roll",
      generalizations: "gener",
      archaeology: "archaeolog",
      an: "an",
    };
    for (const [word, stem] of Object.entries(expected))
      expect(lucenePorterStem(word), word).toBe(stem);
  });

  it("is Lucene's stemmer, not NLTK's: dying stems to dy (nltkPorterStem gives die)", () => {
    expect(lucenePorterStem("dying")).toBe("dy");
    expect(nltkPorterStem("dying")).toBe("die");
  });
});

describe("Lucene norms", () => {
  it("keeps lengths under 24 exact and rounds longer ones down to 4 significant bits", () => {
    for (let i = 0; i < 24; i++) expect(luceneLength(i)).toBe(i);
    expect(luceneLength(100)).toBe(96);
    expect(luceneLength(1000)).toBe(984);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), (n) => {
        const b = intToByte4(n);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThanOrEqual(255);
        expect(byte4ToInt(b)).toBeLessThanOrEqual(n);
        expect(intToByte4(byte4ToInt(b))).toBe(b);
      }),
    );
  });
});

describe("PostingList", () => {
  it("keeps slots ascending with their frequencies through pushes of reused slots and removes (property)", () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 0, max: 200 }), freq: fc.integer({ min: 1, max: 9 }) }),
      fc.record({ remove: fc.integer({ min: 0, max: 200 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const list = new PostingList();
        const model = new Map<number, number>();
        for (const o of ops) {
          if ("push" in o) {
            if (model.has(o.push)) continue; // a document is in a term's list once
            list.push(o.push, o.freq);
            model.set(o.push, o.freq);
          } else expect(list.remove(o.remove)).toBe(model.delete(o.remove));
        }
        const expected = [...model].sort((a, b) => a[0] - b[0]);
        const got = Array.from(list.slots.subarray(0, list.length), (slot, i) => [
          slot,
          list.freqs[i],
        ]);
        expect(got).toEqual(expected);
        for (const [i, [slot]] of expected.entries()) expect(list.indexOf(slot as number)).toBe(i);
        expect(list.indexOf(201)).toBe(-1);
      }),
      { numRuns: 200 },
    );
  });
});

describe("Bm25Index", () => {
  it("scores with Lucene's BM25 formula (k1=0.9, b=0.4), checked against hand-computed values", () => {
    const index = new Bm25Index();
    index.add(docs);
    const hits = index.search("quick fox", { k: 10 });
    // N=3, avgdl=(7+3+2)/3=4, df(quick)=df(fox)=2 -> idf=ln(1+1.5/2.5)=ln(1.6)
    const idf = Math.log(1.6);
    const d1 = (idf / (1 + 0.9 * (0.6 + (0.4 * 7) / 4))) * 2;
    const d2 =
      idf * (2 / (2 + 0.9 * (0.6 + (0.4 * 3) / 4)) + 1 / (1 + 0.9 * (0.6 + (0.4 * 3) / 4)));
    expect(hits.map((h) => h.id)).toEqual(["d2", "d1"]);
    expect(hits[0]?.score).toBeCloseTo(d2, 12);
    expect(hits[1]?.score).toBeCloseTo(d1, 12);
    expect(d2).toBeCloseTo(0.5941927, 6);
    expect(d1).toBeCloseTo(0.4331831, 6);
    // Possessive removed: "dog's" matches "dog".
    expect(index.search("dogs").map((h) => h.id)).toEqual(["d3", "d1"]);
  });

  it("uses Lucene's rounded document length by default and the exact one on request", () => {
    const long = Array.from({ length: 100 }, (_, i) => `w${i}`).join(" ");
    const corpus = [
      { id: "long", text: `target ${long.split(" ").slice(1).join(" ")}` },
      { id: "short", text: "other words" },
    ];
    const lucene = new Bm25Index();
    lucene.add(corpus);
    const exact = new Bm25Index({ lengthNorm: "exact" });
    exact.add(corpus);
    const idf = Math.log(1 + 1.5 / 1.5);
    const avgdl = (100 + 2) / 2;
    const score = (dl: number) => idf / (1 + 0.9 * (0.6 + (0.4 * dl) / avgdl));
    expect(lucene.search("target")[0]?.score).toBeCloseTo(score(96), 12);
    expect(exact.search("target")[0]?.score).toBeCloseTo(score(100), 12);
  });

  it("returns k results whenever k matching documents contain a query term (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            words: fc.integer({ min: 1, max: 6 }),
            group: fc.integer({ min: 0, max: 3 }),
          }),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 3 }),
        (spec, k, group) => {
          const index = new Bm25Index();
          index.add(
            spec.map((s, i) => ({
              id: `d${i}`,
              text: `${"apple ".repeat(s.words)} pear${i}`,
              metadata: { group: s.group },
            })),
          );
          const matching = spec.filter((s) => s.group === group).length;
          const hits = index.search("apple", { k, filter: { group } });
          expect(hits).toHaveLength(Math.min(k, matching));
          for (const h of hits) expect(h.metadata.group).toBe(group);
          for (let i = 1; i < hits.length; i++)
            expect(hits[i]?.score).toBeLessThanOrEqual(hits[i - 1]?.score as number);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("scores a document added after a query even when it leaves avgdl unchanged", () => {
    const index = new Bm25Index();
    index.add([
      { id: "a", text: "apple pear" },
      { id: "b", text: "plum fig" },
    ]);
    index.search("apple");
    index.add([{ id: "c", text: "apple kiwi" }]); // avgdl stays 2
    const idf = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
    const expected = idf / (1 + 0.9 * (1 - 0.4 + (0.4 * 2) / 2));
    expect(index.search("apple").map((h) => [h.id, h.score])).toEqual([
      ["a", expected],
      ["c", expected],
    ]);
  });

  it("gives bit-identical scores to the formula after any mix of adds, replaces and removes (property)", () => {
    // The index caches each document's k1 * (1 - b + b * dl / avgdl); this pins that the cache
    // is refreshed whenever avgdl moves and that every score is the formula's exact double.
    const word = fc.constantFrom("apple", "pear", "plum", "fig", "kiwi", "lime", "date");
    const text = fc.array(word, { minLength: 0, maxLength: 40 }).map((w) => w.join(" "));
    const step = fc.oneof(
      fc.record({
        add: fc.array(fc.tuple(fc.integer({ min: 0, max: 15 }), text), { maxLength: 6 }),
      }),
      fc.record({ remove: fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 4 }) }),
      fc.record({ query: fc.array(word, { minLength: 1, maxLength: 5 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 12 }),
        fc.constantFrom("lucene" as const, "exact" as const),
        fc.constantFrom(0.9, 1.2),
        fc.constantFrom(0.4, 0.75, 1),
        (steps, lengthNorm, k1, b) => {
          const index = new Bm25Index({ k1, b, lengthNorm });
          const live = new Map<string, string[]>();
          for (const s of steps) {
            if ("add" in s) {
              index.add(s.add.map(([n, t]) => ({ id: `d${n}`, text: t })));
              for (const [n, t] of s.add) live.set(`d${n}`, index.analyze(t));
            } else if ("remove" in s) {
              const ids = s.remove.map((n) => `d${n}`);
              index.remove(ids);
              for (const id of ids) live.delete(id);
            } else {
              const hits = index.search(s.query.join(" "), { k: 100 });
              const N = live.size;
              const avgdl = [...live.values()].reduce((a, t) => a + t.length, 0) / N || 1;
              const expected = new Map<string, number>();
              for (const [id, terms] of live) {
                const dl = lengthNorm === "lucene" ? luceneLength(terms.length) : terms.length;
                let score = 0;
                for (const q of index.analyze(s.query.join(" "))) {
                  const tf = terms.filter((t) => t === q).length;
                  if (tf === 0) continue;
                  const n = [...live.values()].filter((ts) => ts.includes(q)).length;
                  const idf = Math.log(1 + (N - n + 0.5) / (n + 0.5));
                  score += (idf * tf) / (tf + k1 * (1 - b + (b * dl) / avgdl));
                }
                if (score > 0) expected.set(id, score);
              }
              expect(hits).toHaveLength(expected.size);
              // toBe: the same double, not merely close.
              for (const h of hits) expect(h.score).toBe(expected.get(h.id));
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("returns the exhaustive ranking's top k, same ids and doubles, on skewed vocabularies after adds and removes (property)", () => {
    // Top-k queries skip postings that cannot reach the k best (MaxScore); k = 100,000 scores
    // every posting. A Zipf-like vocabulary gives long low-idf lists next to short ones, so the
    // skipping is exercised; removes and replaces leave slots reused out of order.
    const vocabulary = Array.from({ length: 40 }, (_, i) => `w${i}z`);
    const word = fc
      .integer({ min: 0, max: 39 })
      .map((i) => vocabulary[Math.floor((i * i) / 40)] as string);
    const docArb = fc.tuple(
      fc.integer({ min: 0, max: 79 }),
      fc.array(word, { minLength: 1, maxLength: 30 }),
    );
    fc.assert(
      fc.property(
        fc.array(docArb, { minLength: 1, maxLength: 120 }),
        fc.array(fc.integer({ min: 0, max: 79 }), { maxLength: 20 }),
        fc.array(docArb, { maxLength: 20 }),
        fc.array(fc.array(word, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 12 }),
        (docs, removed, readded, queries, k) => {
          const index = new Bm25Index();
          const asDocs = (ds: [number, string[]][]) =>
            ds.map(([n, words]) => ({ id: `d${n}`, text: words.join(" ") }));
          index.add(asDocs(docs));
          index.remove(removed.map((n) => `d${n}`));
          index.add(asDocs(readded));
          for (const q of queries) {
            const text = q.join(" ");
            const all = index.search(text, { k: 100_000 });
            const top = index.search(text, { k });
            expect(top.map((h) => [h.id, h.score])).toEqual(
              all.slice(0, k).map((h) => [h.id, h.score]),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("filters give the unfiltered ranking minus the rows the filter rejects, after removes (property)", () => {
    const word = fc.constantFrom("apple", "pear", "plum", "fig");
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.integer({ min: 0, max: 60 }),
            words: fc.array(word, { minLength: 1, maxLength: 6 }),
            metadata: metadataArb,
          }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 15 }),
        fc.array(filterArb, { minLength: 1, maxLength: 4 }),
        fc.array(word, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 30 }),
        (docs, removed, filters, query, k) => {
          const index = new Bm25Index();
          index.add(
            docs.map((d) => ({ id: `d${d.id}`, text: d.words.join(" "), metadata: d.metadata })),
          );
          // Removing leaves free slots, which a negated filter must not select.
          index.remove(removed.map((n) => `d${n}`));
          const all = index.search(query.join(" "), { k: 100_000 });
          for (const filter of filters) {
            const node = parseFilter(filter);
            const expected = all.filter((h) => evaluateFilter(node, h.metadata)).slice(0, k);
            const got = index.search(query.join(" "), { k, filter });
            expect(
              got.map((h) => [h.id, h.score]),
              JSON.stringify(filter),
            ).toEqual(expected.map((h) => [h.id, h.score]));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("explain() breaks a score into per-term tf, idf and length norm that add up to search's score", () => {
    const index = new Bm25Index();
    index.add([
      { id: "a", text: "apple apple pear plum" },
      { id: "b", text: "apple fig" },
      { id: "c", text: "kiwi lime date fig fig fig" },
    ]);
    const query = "apple pear apples kiwi";
    const explained = index.explain(query, "a");
    expect(explained).toBeDefined();
    const e = explained as NonNullable<typeof explained>;
    const avgdl = (4 + 2 + 6) / 3;
    const norm = 1 - 0.4 + (0.4 * 4) / avgdl;
    const idfApple = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
    const idfPear = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5));
    expect(e).toMatchObject({
      id: "a",
      documentLength: 4,
      avgDocumentLength: avgdl,
      k1: 0.9,
      b: 0.4,
    });
    // Query terms in query order, repeats included ("apples" stems to "appl" again).
    expect(e.terms.map((t) => [t.term, t.tf])).toEqual([
      ["appl", 2],
      ["pear", 1],
      ["appl", 2],
      ["kiwi", 0],
    ]);
    expect(e.terms[0]?.idf).toBe(idfApple);
    expect(e.terms[1]?.idf).toBe(idfPear);
    expect(e.terms[0]?.lengthNorm).toBe(norm);
    expect(e.terms[0]?.contribution).toBe((idfApple * 2) / (2 + 0.9 * norm));
    expect(e.terms[3]?.contribution).toBe(0);
    const hit = index.search(query, { k: 3 }).find((h) => h.id === "a");
    // The same double as search, not merely close.
    expect(e.score).toBe(hit?.score);
    expect(e.score).toBe(e.terms.reduce((s, t) => s + t.contribution, 0));
    expect(index.explain(query, "missing")).toBeUndefined();
    expect(index.explain("unknownword", "b")?.score).toBe(0);
  });

  it("explain() equals search's score for every hit (property)", () => {
    const word = fc.constantFrom("apple", "pear", "plum", "fig", "kiwi", "lime", "date");
    fc.assert(
      fc.property(
        fc.array(fc.array(word, { minLength: 0, maxLength: 25 }), { minLength: 1, maxLength: 30 }),
        fc.array(word, { minLength: 1, maxLength: 8 }),
        fc.constantFrom("lucene" as const, "exact" as const),
        (docs, query, lengthNorm) => {
          const index = new Bm25Index({ lengthNorm });
          index.add(docs.map((words, i) => ({ id: `d${i}`, text: words.join(" ") })));
          for (const hit of index.search(query.join(" "), { k: 100 }))
            expect(index.explain(query.join(" "), hit.id)?.score).toBe(hit.score);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("supports incremental add and remove with the same scores as a fresh build", () => {
    const index = new Bm25Index();
    index.add(docs);
    index.add([{ id: "d4", text: "a quick brown cow" }]);
    expect(index.remove(["d1", "missing"])).toBe(1);
    index.add([{ id: "d2", text: "quick quick fox" }]); // replaces d2
    const fresh = new Bm25Index();
    fresh.add([
      { id: "d3", text: "A dog's life", metadata: { n: 3 } },
      { id: "d4", text: "a quick brown cow" },
      { id: "d2", text: "quick quick fox" },
    ]);
    const a = index.search("quick brown fox dog", { k: 10 });
    const b = fresh.search("quick brown fox dog", { k: 10 });
    expect(a.map((h) => [h.id, h.score])).toEqual(b.map((h) => [h.id, h.score]));
    expect(index.size).toBe(3);
    expect(index.has("d1")).toBe(false);
  });

  it("round-trips through JSON and a file", async () => {
    const index = new Bm25Index({ k1: 1.2, b: 0.75 });
    index.add(docs);
    index.remove(["d3"]);
    const again = Bm25Index.fromJSON(JSON.parse(JSON.stringify(index.toJSON())));
    expect(again.k1).toBe(1.2);
    expect(again.search("quick dog", { k: 5 })).toEqual(index.search("quick dog", { k: 5 }));
    const dir = await mkdtemp(join(tmpdir(), "fmops-bm25-"));
    try {
      const path = join(dir, "sub", "index.json");
      await saveBm25Index(index, path);
      const loaded = await loadBm25Index(path);
      expect(loaded.search("lazy", { k: 5 })).toEqual(index.search("lazy", { k: 5 }));
      await expect(loadBm25Index(join(dir, "none.json"))).rejects.toMatchObject({
        code: "RAG_INDEX_FILE_ERROR",
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses JSON whose term pairs are not non-negative integers", () => {
    const index = new Bm25Index();
    index.add(docs);
    const json = index.toJSON();
    const withTerms = (terms: unknown[]) => ({
      ...json,
      documents: [{ ...json.documents[0], terms }],
    });
    for (const terms of [[0, 1.5], ["0", 1], [0, -1], [-1, 1], [0.5, 1], [0, 0], [0]]) {
      expect(() => Bm25Index.fromJSON(withTerms(terms)), JSON.stringify(terms)).toThrow(
        expect.objectContaining({ code: "VALIDATION_ERROR" }),
      );
    }
    expect(Bm25Index.fromJSON(withTerms([0, 2])).size).toBe(1);
  });

  it("validates filters and options with clear errors", () => {
    const index = new Bm25Index();
    index.add(docs);
    expect(() => index.search("fox", { filter: { n: { $bogus: 1 } as never } })).toThrow(
      /unknown operator "\$bogus"/,
    );
    expect(() => new Bm25Index({ b: 2 })).toThrow(/b:/);
    expect(
      index.search("fox", { filter: { $or: [{ n: 2 }, { n: { $gte: 3 } }] } }).map((h) => h.id),
    ).toEqual(["d2"]);
  });
});
