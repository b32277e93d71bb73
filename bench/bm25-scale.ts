/**
 * Benchmark: BM25 top-10 queries per CPU-second at scale, fmops against another checkout's
 * `Bm25Index` in the same process (issue #22: MaxScore against the exhaustive scan).
 *
 * Corpus as `retrieval-limits --docs N`: N generated documents of 8-30 words drawn from a
 * 50,000-word Zipf vocabulary, 200 queries of 4-10 words. Words are already terms, so both
 * indexes use a whitespace analyzer (the English analyzer would dominate the build time and
 * change nothing in the query path). Checks that both return the same top 10 (ids and scores) on
 * every query, then times the query set on each, interleaved over `--runs` runs, in queries per
 * CPU-second of this single-threaded process (steadier than wall clock on a shared machine).
 *
 * Also reports each index's build time and memory: the heap and array-buffer growth while it
 * was built (after a full garbage collection on both sides; the document texts, shared with the
 * caller, are not counted), per posting (one posting = one distinct term of one document). With
 * `--filters true` every document gets metadata (`group`: i mod 10, `pmid`: i) and the queries
 * are also timed under filters selecting 10% and 90% of the documents, once answered by the
 * metadata index (`group`) and once tested document by document (a range over `pmid`, whose
 * distinct values cost the metadata index more to read than the postings).
 *
 * Usage: `npm run bench -- bm25-scale --baseline /tmp/fmops-before [--docs 300000] [--runs 5]
 * [--filters true]`, where the baseline directory holds an older `src/` with `node_modules` linked
 * in. Prints one JSON line.
 */
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Bm25Index } from "../src/rag/bm25.js";
import type { MetadataFilter } from "../src/rag/filter.js";
import { zipfRanks } from "./zipf.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
const DOCS = Number(args.get("docs") ?? 300_000);
const RUNS = Number(args.get("runs") ?? 5);
const FILTERS = args.get("filters") === "true";
// A full collection before each heap reading, without asking for --expose-gc on the command line.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const heapBytes = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const BASELINE = args.get("baseline");
if (!BASELINE) throw new Error("--baseline <dir with src/rag/bm25.ts> is required");

let seed = 42;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const VOCABULARY = 50_000;
const rank = zipfRanks(VOCABULARY, rand);
const word = () => `w${rank().toString(36)}x`;
const text = (min: number, max: number) =>
  Array.from({ length: min + Math.floor(rand() * (max - min + 1)) }, word).join(" ");
const docs = Array.from({ length: DOCS }, (_, i) => ({
  id: `d${i}`,
  text: text(8, 30),
  ...(FILTERS ? { metadata: { group: i % 10, pmid: i } } : {}),
}));
const queries = Array.from({ length: 200 }, () => text(4, 10));
const analyzer = (t: string) => t.split(" ");
let postings = 0;
for (const d of docs) postings += new Set(analyzer(d.text)).size;
const FILTER_CASES: Record<string, MetadataFilter> = FILTERS
  ? {
      "": {},
      "index10%": { group: 3 },
      "index90%": { group: { $ne: 3 } },
      "perDocument10%": { pmid: { $lt: DOCS / 10 } },
      "perDocument90%": { pmid: { $gte: DOCS / 10 } },
    }
  : { "": {} };

const { Bm25Index: Before } = (await import(join(BASELINE, "src/rag/bm25.ts"))) as {
  Bm25Index: typeof Bm25Index;
};
const indexes: Record<string, Bm25Index> = {};
const buildMs: Record<string, number> = {};
const bytesPerPosting: Record<string, number> = {};
for (const [name, Impl] of [
  ["fmops", Bm25Index],
  ["baseline", Before],
] as const) {
  const before = heapBytes();
  const t = performance.now();
  const index = new Impl({ analyzer });
  index.add(docs);
  // The first query computes the per-term contributions the index then keeps.
  for (const q of queries) index.search(q, { k: 10 });
  buildMs[name] = Math.round(performance.now() - t);
  bytesPerPosting[name] = Math.round(((heapBytes() - before) / postings) * 10) / 10;
  indexes[name] = index;
}
const search = (name: string, filter: string, q: string) =>
  (indexes[name] as Bm25Index).search(q, {
    k: 10,
    ...(filter === "" ? {} : { filter: FILTER_CASES[filter] }),
  });
const sameTop10: Record<string, boolean> = {};
const perCpuSecond: Record<string, number[]> = {};
for (const filter of Object.keys(FILTER_CASES)) {
  sameTop10[filter || "unfiltered"] = queries.every((q) => {
    const a = search("fmops", filter, q);
    const b = search("baseline", filter, q);
    return a.length === b.length && a.every((h, i) => h.id === b[i]?.id && h.score === b[i]?.score);
  });
}
for (let r = 0; r < RUNS; r++) {
  for (const filter of Object.keys(FILTER_CASES)) {
    for (const name of Object.keys(indexes)) {
      const cpu = process.cpuUsage();
      for (const q of queries) search(name, filter, q);
      const used = process.cpuUsage(cpu);
      const key = filter === "" ? name : `${name}:${filter}`;
      perCpuSecond[key] = [
        ...(perCpuSecond[key] ?? []),
        Math.round(queries.length / ((used.user + used.system) / 1e6)),
      ];
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const medians = Object.fromEntries(Object.entries(perCpuSecond).map(([n, xs]) => [n, median(xs)]));
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
console.log(
  JSON.stringify({
    bench: "bm25-scale",
    documents: DOCS,
    postings,
    queries: queries.length,
    runs: RUNS,
    buildMs,
    bytesPerPosting,
    sameTop10,
    queriesPerCpuSecond: medians,
    perRunQueriesPerCpuSecond: perCpuSecond,
    ratioFmopsOverBaseline: Object.fromEntries(
      Object.keys(FILTER_CASES).map((f) => {
        const suffix = f === "" ? "" : `:${f}`;
        return [
          f || "unfiltered",
          ratio(medians[`fmops${suffix}`] as number, medians[`baseline${suffix}`] as number),
        ];
      }),
    ),
  }),
);
