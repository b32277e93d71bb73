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
 *  - with `--baseline <dir>[,<dir>...]`, the `Bm25Index` of other checkouts (e.g. `git archive`
 *    of an older commit with `node_modules` linked in), to measure before/after in the same run;
 *  - with `--filters true`, every Bm25Index again under four filters (10% and 90% of the
 *    documents, answered by the metadata index or tested document by document; see FILTER_CASES).
 *
 * Also checks that fmops and each baseline return the same top 10 (ids and scores) on every
 * query, filtered or not. `--common-query-words N --common-ranks R` pass the generator's stress
 * options (bench/scifact-proxy.ts explains the calibration); `--minisearch false` skips
 * MiniSearch, which takes about 10 s per run.
 *
 * Usage: `npm run bench -- bm25-scifact-proxy [--runs 9] [--passes 5] [--baseline /tmp/fmops-before]
 * [--filters true] [--common-query-words 8 --common-ranks 60] [--minisearch false] [--k 1000]`
 * (`--k`: results per query, as an evaluation harness that ranks the top 100 or 1,000 asks;
 * nDCG stays @10, and the agreement check compares all k results).
 * Prints one JSON line.
 */
import { cpus } from "node:os";
import { join } from "node:path";
import { englishAnalyzer } from "../src/rag/analyzer.js";
import { Bm25Index } from "../src/rag/bm25.js";
import type { MetadataFilter } from "../src/rag/filter.js";
import { ndcgAt, type ScifactProxyOptions, scifactProxy } from "./scifact-proxy.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
const RUNS = Number(args.get("runs") ?? 9);
/** Passes over the query set per run and system (MiniSearch, 100x slower, does one). */
const PASSES = Number(args.get("passes") ?? 5);
/** Other checkouts to measure in the same run, comma-separated (each named `baseline`, `baseline2`, ...). */
const BASELINES = (args.get("baseline") ?? "").split(",").filter((d) => d !== "");
/** `--minisearch false` skips MiniSearch (about 10 s per run), e.g. while calibrating. */
const MINISEARCH = args.get("minisearch") !== "false";
/** Results per query (`--k`); nDCG is always @10. */
const K = Number(args.get("k") ?? 10);
const K1 = 0.9;
const B = 0.4;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

const t0 = performance.now();
/** Generator options (bench/scifact-proxy.ts), e.g. `--common-query-words 4 --common-ranks 60`. */
const proxyOptions: ScifactProxyOptions = {};
if (args.has("common-query-words"))
  proxyOptions.commonQueryWords = Number(args.get("common-query-words"));
if (args.has("common-ranks")) proxyOptions.commonRanks = Number(args.get("common-ranks"));
const { documents, queries, qrels } = scifactProxy(proxyOptions);
const generateMs = performance.now() - t0;
const analyze = englishAnalyzer();

type Search = (q: string) => { id: string; score: number }[];
/** `":index10%"` for `"baseline:index10%"`, `""` for an unfiltered system. */
const filterSuffix = (name: string) => (name.includes(":") ? name.slice(name.indexOf(":")) : "");
const systems: Record<string, Search> = {};
const buildMs: Record<string, number> = {};

// Postings an exhaustive scan walks per query: the proxy's difficulty (repeated terms count again).
const df = new Map<string, number>();
for (const d of documents)
  for (const term of new Set(analyze(d.text))) df.set(term, (df.get(term) ?? 0) + 1);
let postingsWalked = 0;
for (const q of queries) for (const term of analyze(q)) postingsWalked += df.get(term) ?? 0;

/**
 * With `--filters true`, each Bm25Index also answers the queries under four filters over metadata
 * every document gets (`group`: d mod 10; `pmid`: d, distinct per document). `group` filters are
 * answered by the metadata index (a set read per value); a range over `pmid` costs the metadata
 * index more than most queries' postings, so it is tested document by document (the path issue
 * #22 says used to score every posting).
 */
const FILTERS = args.get("filters") === "true";
const FILTER_CASES: Record<string, MetadataFilter> = {
  "index10%": { group: 3 },
  "index90%": { group: { $ne: 3 } },
  "perDocument10%": { pmid: { $lt: Math.round(documents.length / 10) } },
  "perDocument90%": { pmid: { $gte: Math.round(documents.length / 10) } },
};
const withMetadata = documents.map((d, i) => ({ ...d, metadata: { group: i % 10, pmid: i } }));

let t = performance.now();
/** Builds one Bm25Index implementation and registers it (and its filtered variants) as systems. */
function register(name: string, Impl: typeof Bm25Index): void {
  t = performance.now();
  const index = new Impl({ k1: K1, b: B });
  index.add(withMetadata);
  buildMs[name] = performance.now() - t;
  systems[name] = (q) => index.search(q, { k: K });
  if (FILTERS)
    for (const [filterName, filter] of Object.entries(FILTER_CASES))
      systems[`${name}:${filterName}`] = (q) => index.search(q, { k: K, filter });
}
register("fmops", Bm25Index);
for (const [i, dir] of BASELINES.entries()) {
  const { Bm25Index: Before } = (await import(join(dir, "src/rag/bm25.ts"))) as {
    Bm25Index: typeof Bm25Index;
  };
  register(i === 0 ? "baseline" : `baseline${i + 1}`, Before);
}

if (MINISEARCH) {
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
}

// Quality and agreement, outside the timed loops.
const ndcg: Record<string, number> = {};
for (const [name, search] of Object.entries(systems)) {
  // Judgements ignore filters: nDCG only for the unfiltered systems.
  if (filterSuffix(name) !== "") continue;
  let sum = 0;
  queries.forEach((q, qi) => {
    sum += ndcgAt(
      10,
      search(q).map((h) => h.id),
      qrels[qi] as Map<string, number>,
    );
  });
  ndcg[name] = round(sum / queries.length, 4);
}
// Per baseline (and filter): did every query get the same top 10 (ids and scores) as fmops?
const sameTop10: Record<string, boolean> = {};
for (const name of Object.keys(systems).filter((n) => n.startsWith("baseline"))) {
  const ours = `fmops${filterSuffix(name)}`;
  sameTop10[name] = queries.every((q) => {
    const a = (systems[ours] as Search)(q);
    const b = (systems[name] as Search)(q);
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
    proxyOptions,
    postingsPerQuery: Math.round(postingsWalked / queries.length),
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
    // fmops over each other system, filtered variants against the same filter.
    ratios: Object.fromEntries(
      Object.keys(medianQps)
        .filter((n) => !n.startsWith("fmops"))
        .flatMap((n) => {
          const ours = `fmops${filterSuffix(n)}`;
          return [
            [`fmopsQpsOver_${n}`, round((medianQps[ours] as number) / (medianQps[n] as number), 2)],
            [
              `fmopsCpuQpsOver_${n}`,
              round((medianQpsCpu[ours] as number) / (medianQpsCpu[n] as number), 2),
            ],
          ];
        }),
    ),
    ...(BASELINES.length === 0 ? {} : { baselines: BASELINES, sameTop10 }),
  }),
);
