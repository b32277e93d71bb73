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
 * Usage: `npm run bench -- bm25-scale --baseline /tmp/fmops-before [--docs 300000] [--runs 5]`,
 * where the baseline directory holds an older `src/` with `node_modules` linked in. Prints one
 * JSON line.
 */
import { join } from "node:path";
import { Bm25Index } from "../src/rag/bm25.js";
import { zipfRanks } from "./zipf.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
const DOCS = Number(args.get("docs") ?? 300_000);
const RUNS = Number(args.get("runs") ?? 5);
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
const docs = Array.from({ length: DOCS }, (_, i) => ({ id: `d${i}`, text: text(8, 30) }));
const queries = Array.from({ length: 200 }, () => text(4, 10));
const analyzer = (t: string) => t.split(" ");

const { Bm25Index: Before } = (await import(join(BASELINE, "src/rag/bm25.ts"))) as {
  Bm25Index: typeof Bm25Index;
};
const indexes = { fmops: new Bm25Index({ analyzer }), baseline: new Before({ analyzer }) };
const buildMs: Record<string, number> = {};
for (const [name, index] of Object.entries(indexes)) {
  const t = performance.now();
  index.add(docs);
  buildMs[name] = Math.round(performance.now() - t);
}
const sameTop10 = queries.every((q) => {
  const a = indexes.fmops.search(q, { k: 10 });
  const b = indexes.baseline.search(q, { k: 10 });
  return a.length === b.length && a.every((h, i) => h.id === b[i]?.id && h.score === b[i]?.score);
});
const perCpuSecond: Record<string, number[]> = { fmops: [], baseline: [] };
for (let r = 0; r < RUNS; r++) {
  for (const [name, index] of Object.entries(indexes)) {
    const cpu = process.cpuUsage();
    for (const q of queries) index.search(q, { k: 10 });
    const used = process.cpuUsage(cpu);
    perCpuSecond[name]?.push(Math.round(queries.length / ((used.user + used.system) / 1e6)));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmops = median(perCpuSecond.fmops as number[]);
const baseline = median(perCpuSecond.baseline as number[]);
console.log(
  JSON.stringify({
    bench: "bm25-scale",
    documents: DOCS,
    queries: queries.length,
    runs: RUNS,
    buildMs,
    sameTop10,
    queriesPerCpuSecond: { fmops, baseline },
    perRunQueriesPerCpuSecond: perCpuSecond,
    ratioFmopsOverBaseline: Math.round((fmops / baseline) * 100) / 100,
  }),
);
