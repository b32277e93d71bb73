/**
 * Benchmark: BM25 queries/s and nDCG@10 on the generated SciFact-shaped proxy
 * (bench/scifact-proxy.ts: 5,200 abstracts, 300 claim queries of ~12 words, graded qrels), issue #22.
 *
 * Systems, all answering the same queries in one process, interleaved over `--runs` runs of
 * `--passes` passes over the queries (median of the per-run queries/s reported, wall clock and per
 * CPU-second of this single-threaded process, the latter steadier on a shared machine):
 *  - fmops `Bm25Index` (k1 0.9, b 0.4, top 10);
 *  - MiniSearch with matched BM25 settings (k 0.9, b 0.4, d 0) and the same English analyzer as
 *    its tokenizer, so both rank the same terms;
 *  - with `--baseline <dir>`, the `Bm25Index` of another checkout (e.g. `git archive` of an older
 *    commit with `node_modules` linked in), to measure before/after in the same run.
 *
 * Also checks that fmops and the baseline return the same top 10 (ids and scores) on every query.
 *
 * Usage: `npm run bench -- bm25-scifact-proxy [--runs 9] [--passes 5] [--baseline /tmp/fmops-before]`.
 * Prints one JSON line.
 */
import { cpus } from "node:os";
import { join } from "node:path";
import { englishAnalyzer } from "../src/rag/analyzer.js";
import { Bm25Index } from "../src/rag/bm25.js";
import { ndcgAt, scifactProxy } from "./scifact-proxy.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
const RUNS = Number(args.get("runs") ?? 9);
/** Passes over the query set per run and system (MiniSearch, 100x slower, does one). */
const PASSES = Number(args.get("passes") ?? 5);
const BASELINE = args.get("baseline");
const K = 10;
const K1 = 0.9;
const B = 0.4;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

const t0 = performance.now();
const { documents, queries, qrels } = scifactProxy();
const generateMs = performance.now() - t0;
const analyze = englishAnalyzer();

type Search = (q: string) => { id: string; score: number }[];
const systems: Record<string, Search> = {};
const buildMs: Record<string, number> = {};

let t = performance.now();
const index = new Bm25Index({ k1: K1, b: B });
index.add(documents);
buildMs.fmops = performance.now() - t;
systems.fmops = (q) => index.search(q, { k: K });

if (BASELINE) {
  const { Bm25Index: Before } = (await import(join(BASELINE, "src/rag/bm25.ts"))) as {
    Bm25Index: typeof Bm25Index;
  };
  t = performance.now();
  const before = new Before({ k1: K1, b: B });
  before.add(documents);
  buildMs.baseline = performance.now() - t;
  systems.baseline = (q) => before.search(q, { k: K });
}

const specifier = "minisearch";
const { default: MiniSearch } = (await import(specifier)) as {
  default: new (
    o: unknown,
  ) => {
    addAll(d: unknown[]): void;
    search(q: string, o?: unknown): { id: string; score: number }[];
  };
};
t = performance.now();
const mini = new MiniSearch({
  fields: ["text"],
  tokenize: (text: string) => analyze(text),
  processTerm: (term: string) => term,
  searchOptions: { bm25: { k: K1, b: B, d: 0 } },
});
mini.addAll(documents);
buildMs.minisearch = performance.now() - t;
systems.minisearch = (q) => mini.search(q).slice(0, K);

// Quality and agreement, outside the timed loops.
const ndcg: Record<string, number> = {};
for (const [name, search] of Object.entries(systems)) {
  let sum = 0;
  queries.forEach((q, qi) => {
    sum += ndcgAt(
      K,
      search(q).map((h) => h.id),
      qrels[qi] as Map<string, number>,
    );
  });
  ndcg[name] = round(sum / queries.length, 4);
}
let sameTop10AsBaseline: boolean | undefined;
if (systems.baseline) {
  sameTop10AsBaseline = queries.every((q) => {
    const a = (systems.fmops as Search)(q);
    const b = (systems.baseline as Search)(q);
    return a.length === b.length && a.every((h, i) => h.id === b[i]?.id && h.score === b[i]?.score);
  });
}

// Throughput, interleaved: each run times every system on the whole query set; the machine may
// be shared, so queries per CPU-second of this process is reported next to wall-clock q/s.
const qps: Record<string, number[]> = {};
const qpsCpu: Record<string, number[]> = {};
for (let r = 0; r < RUNS; r++) {
  for (const [name, search] of Object.entries(systems)) {
    const passes = name === "minisearch" ? 1 : PASSES;
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let p = 0; p < passes; p++) for (const q of queries) search(q);
    const wallS = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const count = passes * queries.length;
    qps[name] = [...(qps[name] ?? []), count / wallS];
    qpsCpu[name] = [...(qpsCpu[name] ?? []), count / ((used.user + used.system) / 1e6)];
  }
}
const medians = (m: Record<string, number[]>) =>
  Object.fromEntries(Object.entries(m).map(([n, xs]) => [n, Math.round(median(xs))]));
const medianQps = medians(qps);
const medianQpsCpu = medians(qpsCpu);
console.log(
  JSON.stringify({
    bench: "bm25-scifact-proxy",
    corpus:
      "generated SciFact-shaped proxy (bench/scifact-proxy.ts), not SciFact: 5,200 abstracts, 300 claim queries, graded qrels",
    node: process.version,
    cpu: cpus()[0]?.model,
    runs: RUNS,
    documents: documents.length,
    queries: queries.length,
    meanQueryTerms: round(queries.reduce((s, q) => s + analyze(q).length, 0) / queries.length, 1),
    generateMs: round(generateMs, 1),
    buildMs: Object.fromEntries(Object.entries(buildMs).map(([n, v]) => [n, round(v, 1)])),
    ndcgAt10: ndcg,
    queriesPerSecond: medianQps,
    queriesPerCpuSecond: medianQpsCpu,
    perRunQueriesPerSecond: Object.fromEntries(
      Object.entries(qps).map(([n, xs]) => [n, xs.map((x) => Math.round(x))]),
    ),
    ratios: Object.fromEntries(
      Object.keys(medianQps)
        .filter((n) => n !== "fmops")
        .flatMap((n) => [
          [`fmopsQpsOver_${n}`, round((medianQps.fmops as number) / (medianQps[n] as number), 2)],
          [
            `fmopsCpuQpsOver_${n}`,
            round((medianQpsCpu.fmops as number) / (medianQpsCpu[n] as number), 2),
          ],
        ]),
    ),
    ...(sameTop10AsBaseline === undefined ? {} : { sameTop10AsBaseline }),
  }),
);
