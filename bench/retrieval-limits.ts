/**
 * Benchmark: the embedded retrieval stores at their limits, side by side in one run (issue #22).
 *
 *  - Exact vector top-10 (cosine) over `--vectors` generated unit vectors of `--dims` floats, each
 *    with `{ bucket: i % 10 }`: fmops InMemoryVectorStore with its WebAssembly SIMD kernel
 *    (`fmopsWasm`) and with its JavaScript scan (`fmopsJs`), a plain hand-written JS loop over one
 *    Float32Array (4 accumulators, insertion top-k), the memory scan limit (`memoryScan`: one
 *    32-bit read per 64-byte cache line of the same floats, so every line is fetched from memory
 *    and nothing is computed), and @orama/orama (vector mode), unfiltered and with a filter
 *    selecting 10% (`bucket = 3`; the plain loop then walks a precomputed list of the matching
 *    rows). Reports p50/p99, recall@10 against a float64 brute force, whether the two fmops
 *    kernels return identical results (ids, order, scores), build time, memory per vector, and
 *    the persisted file's size and save/load times.
 *  - BM25: fmops Bm25Index vs Orama full-text (BM25 k1/b matched, d = 0) and MiniSearch when it
 *    is installed (same). The corpus is every Markdown file under node_modules split at 600
 *    characters (real English text; queries are the first sentence of 10+ words of a chunk,
 *    SciFact-like in length) or, with `--docs N`, N generated short documents (Zipf vocabulary,
 *    8-30 words; queries of 4-10 words). Reports queries/s, build time, memory per posting and
 *    the largest deviation of fmops scores from Lucene's BM25 formula on a sample.
 *
 * Each system answers the same queries; every measurement is repeated `--runs` times within this
 * one process, interleaved, and the median of the per-run figures is reported, with ratios.
 *
 * Usage: `npm run bench -- retrieval-limits [--vectors 100000] [--dims 384] [--queries 200]
 * [--runs 5] [--docs 0] [--orama true] [--part vectors|bm25|all]`. A million-document run:
 * `--vectors 1000000 --docs 1000000 --orama false` (needs about 4 GB of memory). Prints one
 * JSON line.
 */
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { englishAnalyzer } from "../src/rag/analyzer.js";
import { Bm25Index } from "../src/rag/bm25.js";
import {
  loadBm25Index,
  loadVectorStore,
  saveBm25Index,
  saveVectorStore,
} from "../src/rag/file-store.js";
import { InMemoryVectorStore } from "../src/rag/in-memory-vector-store.js";
import { luceneLength } from "../src/rag/lucene-norms.js";
import { RecursiveTextSplitter } from "../src/rag/splitter.js";
import { zipfRanks } from "./zipf.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
const VECTORS = Number(args.get("vectors") ?? 100_000);
const DIM = Number(args.get("dims") ?? 384);
const QUERIES = Number(args.get("queries") ?? 200);
const RUNS = Number(args.get("runs") ?? 5);
const DOCS = Number(args.get("docs") ?? 0);
const ORAMA = (args.get("orama") ?? "true") === "true";
const PART = args.get("part") ?? "all";
const K = 10;
const K1 = 0.9;
const B = 0.4;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
const median = (xs: number[]) => pct(xs, 50);
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
// A collection before each memory reading, without requiring node --expose-gc.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const memory = () => {
  // Twice: array buffers are released by the first collection's finalizers.
  gc();
  gc();
  const m = process.memoryUsage();
  // `external` includes array buffers and WebAssembly memories (`arrayBuffers` alone does not
  // count the latter).
  return m.heapUsed + m.external;
};

let seed = 42;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());

/** Times `run(query)` for every query, `RUNS` times, systems interleaved; per-run p50, median. */
async function measure(
  systems: Record<string, (qi: number) => unknown | Promise<unknown>>,
  queries: number,
): Promise<Record<string, { p50Ms: number; p99Ms: number; runP50sMs: number[] }>> {
  const perRun: Record<string, number[]> = {};
  const all: Record<string, number[]> = {};
  for (let r = 0; r < RUNS; r++) {
    for (const [name, run] of Object.entries(systems)) {
      const times: number[] = [];
      for (let qi = 0; qi < queries; qi++) {
        const t = performance.now();
        await run(qi);
        times.push(performance.now() - t);
      }
      perRun[name] = [...(perRun[name] ?? []), pct(times, 50)];
      all[name] = [...(all[name] ?? []), ...times];
    }
  }
  return Object.fromEntries(
    Object.keys(systems).map((name) => [
      name,
      {
        p50Ms: round(median(perRun[name] as number[])),
        p99Ms: round(pct(all[name] as number[], 99)),
        runP50sMs: (perRun[name] as number[]).map((x) => round(x)),
      },
    ]),
  );
}

// ---------------------------------------------------------------- vectors
async function vectors() {
  const n = VECTORS;
  const flat = new Float32Array(n * DIM);
  for (let r = 0; r < n; r++) {
    let norm = 0;
    for (let j = 0; j < DIM; j++) {
      const x = gauss();
      flat[r * DIM + j] = x;
      norm += x * x;
    }
    const s = 1 / Math.sqrt(norm);
    for (let j = 0; j < DIM; j++) flat[r * DIM + j] = (flat[r * DIM + j] as number) * s;
  }
  const queries = Array.from({ length: QUERIES }, () => {
    const q = new Float32Array(DIM);
    let norm = 0;
    for (let j = 0; j < DIM; j++) {
      q[j] = gauss();
      norm += (q[j] as number) ** 2;
    }
    for (let j = 0; j < DIM; j++) q[j] = (q[j] as number) / Math.sqrt(norm);
    return q;
  });
  const bucketRows = Int32Array.from({ length: Math.ceil(n / 10) }, (_, i) => i * 10 + 3).filter(
    (r) => r < n,
  );

  // The floor: what one would write by hand over one Float32Array.
  const plainLoop = (q: Float32Array, rows?: Int32Array): number[] => {
    const d = q.length;
    const topScores = new Float64Array(K).fill(Number.NEGATIVE_INFINITY);
    const topRows = new Int32Array(K).fill(-1);
    let threshold = Number.NEGATIVE_INFINITY;
    const count = rows ? rows.length : n;
    for (let x = 0; x < count; x++) {
      const row = rows ? (rows[x] as number) : x;
      const base = row * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < d; i += 4) {
        s0 += (q[i] as number) * (flat[base + i] as number);
        s1 += (q[i + 1] as number) * (flat[base + i + 1] as number);
        s2 += (q[i + 2] as number) * (flat[base + i + 2] as number);
        s3 += (q[i + 3] as number) * (flat[base + i + 3] as number);
      }
      const score = s0 + s1 + s2 + s3;
      if (score <= threshold) continue;
      let p = K - 1;
      while (p > 0 && (topScores[p - 1] as number) < score) {
        topScores[p] = topScores[p - 1] as number;
        topRows[p] = topRows[p - 1] as number;
        p--;
      }
      topScores[p] = score;
      topRows[p] = row;
      threshold = topScores[K - 1] as number;
    }
    return Array.from(topRows);
  };

  // Truth for recall: float64, one accumulator, full sort.
  const truth = (q: Float32Array, rows?: Int32Array) => {
    const scored: [number, number][] = [];
    const count = rows ? rows.length : n;
    for (let x = 0; x < count; x++) {
      const row = rows ? (rows[x] as number) : x;
      let s = 0;
      for (let j = 0; j < DIM; j++) s += (q[j] as number) * (flat[row * DIM + j] as number);
      scored.push([row, s]);
    }
    return new Set(
      scored
        .sort((a, b) => b[1] - a[1])
        .slice(0, K)
        .map(([r]) => `v${r}`),
    );
  };
  const truthQueries = queries.slice(0, Math.min(QUERIES, 50));
  const truthAll = truthQueries.map((q) => truth(q));
  const truthFiltered = truthQueries.map((q) => truth(q, bucketRows));
  const recall = (got: string[][], expected: Set<string>[]) =>
    got.reduce((s, ids, i) => s + ids.filter((id) => expected[i]?.has(id)).length, 0) /
    (got.length * K);

  // The memory scan limit: every cache line of the floats read once, no arithmetic.
  const words = new Uint32Array(flat.buffer, flat.byteOffset, flat.length);
  const memoryScan = () => {
    let x = 0;
    for (let i = 0; i < words.length; i += 16) x ^= words[i] as number;
    return x;
  };

  const records = Array.from({ length: n }, (_, i) => ({
    id: `v${i}`,
    vector: flat.subarray(i * DIM, (i + 1) * DIM),
    text: "",
    metadata: { bucket: i % 10 },
  }));
  const build = (kernel: "wasm" | "js") => {
    const before = memory();
    const t0 = performance.now();
    const built = new InMemoryVectorStore({ dimensions: DIM, kernel });
    built.add(records);
    const ms = performance.now() - t0;
    return { built, buildMs: ms, bytesPerVector: (memory() - before) / n };
  };
  const wasmBuild = build("wasm");
  const jsBuild = build("js");
  const store = wasmBuild.built;
  const jsStore = jsBuild.built;
  const buildMs = wasmBuild.buildMs;
  const bytesPerVector = wasmBuild.bytesPerVector;

  const systems: Record<string, (qi: number) => unknown> = {
    memoryScan: () => memoryScan(),
    plainLoop: (qi) => plainLoop(queries[qi] as Float32Array),
    plainLoopFiltered10: (qi) => plainLoop(queries[qi] as Float32Array, bucketRows),
    fmopsWasm: (qi) => store.query(queries[qi] as Float32Array, { k: K }),
    fmopsWasmFiltered10: (qi) =>
      store.query(queries[qi] as Float32Array, { k: K, filter: { bucket: 3 } }),
    fmopsJs: (qi) => jsStore.query(queries[qi] as Float32Array, { k: K }),
    fmopsJsFiltered10: (qi) =>
      jsStore.query(queries[qi] as Float32Array, { k: K, filter: { bucket: 3 } }),
  };
  let orama: Record<string, unknown> | undefined;
  if (ORAMA) {
    const o = await import("@orama/orama");
    const db = o.create({
      schema: { id: "string", bucket: "number", embedding: `vector[${DIM}]` } as const,
    });
    const t = performance.now();
    await o.insertMultiple(
      db,
      records.map((r) => ({
        id: r.id,
        bucket: r.metadata.bucket,
        embedding: Array.from(r.vector),
      })),
      5000,
    );
    orama = { buildMs: round(performance.now() - t, 1) };
    const oramaQuery = (qi: number, where?: { bucket: { eq: number } }) =>
      o.search(db, {
        mode: "vector",
        vector: { value: Array.from(queries[qi] as Float32Array), property: "embedding" },
        similarity: -1,
        limit: K,
        includeVectors: false,
        ...(where ? { where } : {}),
      });
    systems.orama = (qi) => oramaQuery(qi);
    systems.oramaFiltered10 = (qi) => oramaQuery(qi, { bucket: { eq: 3 } });
    const ids = async (where?: { bucket: { eq: number } }) => {
      const out: string[][] = [];
      for (let qi = 0; qi < truthQueries.length; qi++)
        out.push((await oramaQuery(qi, where)).hits.map((h) => (h.document as { id: string }).id));
      return out;
    };
    orama.recallAt10 = recall(await ids(), truthAll);
    orama.recallAt10Filtered10 = recall(await ids({ bucket: { eq: 3 } }), truthFiltered);
  }
  const times = await measure(systems, QUERIES);

  const fmopsIds = truthQueries.map((q) => store.query(q, { k: K }).map((h) => h.id));
  const fmopsFilteredIds = truthQueries.map((q) =>
    store.query(q, { k: K, filter: { bucket: 3 } }).map((h) => h.id),
  );
  const jsIds = truthQueries.map((q) => jsStore.query(q, { k: K }).map((h) => h.id));
  const jsFilteredIds = truthQueries.map((q) =>
    jsStore.query(q, { k: K, filter: { bucket: 3 } }).map((h) => h.id),
  );
  // Every query, both kernels: the same ids, order and scores.
  const answers = (s: InMemoryVectorStore, filter?: { bucket: number }) =>
    JSON.stringify(
      queries.map((q) =>
        s.query(q, filter ? { k: K, filter } : { k: K }).map((h) => [h.id, h.score]),
      ),
    );
  const kernelsIdentical =
    answers(store) === answers(jsStore) &&
    answers(store, { bucket: 3 }) === answers(jsStore, { bucket: 3 });
  const loopIds = truthQueries.map((q) => plainLoop(q).map((r) => `v${r}`));

  // Persistence: bytes in memory, then through a file.
  const ts = performance.now();
  const bytes = store.toBytes();
  const toBytesMs = performance.now() - ts;
  const tl = performance.now();
  InMemoryVectorStore.fromBytes(bytes);
  const fromBytesMs = performance.now() - tl;
  const dir = await mkdtemp(join(tmpdir(), "fmops-limits-"));
  let saveMs = 0;
  let loadMs = 0;
  try {
    const path = join(dir, "v.fmvs");
    const a = performance.now();
    await saveVectorStore(store, path);
    saveMs = performance.now() - a;
    const b = performance.now();
    await loadVectorStore(path);
    loadMs = performance.now() - b;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const p50 = (name: string) => (times[name] as { p50Ms: number }).p50Ms;
  const floatBytes = n * DIM * 4;
  return {
    vectors: n,
    dims: DIM,
    queries: QUERIES,
    times,
    memoryScanGBps: round(floatBytes / (p50("memoryScan") / 1000) / 1e9, 2),
    fmopsWasmGBps: round(floatBytes / (p50("fmopsWasm") / 1000) / 1e9, 2),
    fmops: {
      kernel: store.kernel,
      buildMs: round(buildMs, 1),
      bytesPerVector: Math.round(bytesPerVector),
      floatBytesPerVector: DIM * 4,
      allocatedVectorBytesPerVector: round(store.vectorBytes / n, 1),
      recallAt10: recall(fmopsIds, truthAll),
      recallAt10Filtered10: recall(fmopsFilteredIds, truthFiltered),
      kernelsIdentical,
      explainFiltered10: store.explain({ bucket: 3 }),
      fileBytes: bytes.byteLength,
      toBytesMs: round(toBytesMs, 1),
      fromBytesMs: round(fromBytesMs, 1),
      saveFileMs: round(saveMs, 1),
      loadFileMs: round(loadMs, 1),
    },
    fmopsJs: {
      kernel: jsStore.kernel,
      buildMs: round(jsBuild.buildMs, 1),
      bytesPerVector: Math.round(jsBuild.bytesPerVector),
      allocatedVectorBytesPerVector: round(jsStore.vectorBytes / n, 1),
      recallAt10: recall(jsIds, truthAll),
      recallAt10Filtered10: recall(jsFilteredIds, truthFiltered),
    },
    plainLoop: { recallAt10: recall(loopIds, truthAll) },
    ...(orama ? { orama } : {}),
    ratios: {
      fmopsWasmOverPlainLoop: round(p50("fmopsWasm") / p50("plainLoop")),
      fmopsWasmOverMemoryScan: round(p50("fmopsWasm") / p50("memoryScan")),
      fmopsWasmOverFmopsJs: round(p50("fmopsWasm") / p50("fmopsJs")),
      fmopsJsOverPlainLoop: round(p50("fmopsJs") / p50("plainLoop")),
      fmopsWasmFiltered10OverUnfiltered: round(p50("fmopsWasmFiltered10") / p50("fmopsWasm")),
      fmopsWasmFiltered10OverPlainLoopFiltered10: round(
        p50("fmopsWasmFiltered10") / p50("plainLoopFiltered10"),
      ),
      fmopsJsFiltered10OverUnfiltered: round(p50("fmopsJsFiltered10") / p50("fmopsJs")),
      ...(orama
        ? {
            fmopsWasmOverOrama: round(p50("fmopsWasm") / p50("orama")),
            fmopsWasmFiltered10OverOramaFiltered10: round(
              p50("fmopsWasmFiltered10") / p50("oramaFiltered10"),
            ),
          }
        : {}),
    },
  };
}

// ---------------------------------------------------------------- BM25
function markdownCorpus() {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (
        entry.isFile() &&
        entry.name.toLowerCase().endsWith(".md") &&
        statSync(path).size < 2_000_000
      )
        files.push(path);
    }
  };
  walk("node_modules");
  files.sort();
  const splitter = new RecursiveTextSplitter({ chunkSize: 600 });
  const docs = files.flatMap((f) => splitter.split({ id: f, text: readFileSync(f, "utf8") }));
  const sentences = docs
    .map((d) =>
      d.text
        .split(/[.\n]/)
        .map((s) => s.trim())
        .find((s) => s.split(/\s+/).length >= 10),
    )
    .filter((s): s is string => s !== undefined);
  const queries = Array.from(
    { length: QUERIES },
    (_, i) => sentences[(i * 7919) % sentences.length] as string,
  );
  return {
    source: `node_modules/**/*.md (${files.length} files) split at 600 chars; queries: first 10+ word sentence of a chunk`,
    docs: docs.map((d) => ({ id: d.id, text: d.text })),
    queries,
  };
}

function generatedCorpus(count: number) {
  // Zipf-distributed made-up words: a long-tailed vocabulary like real text.
  const vocabulary = Array.from({ length: 50_000 }, (_, i) => `w${i.toString(36)}x`);
  const rank = zipfRanks(vocabulary.length, rand);
  const word = () => vocabulary[rank()] as string;
  const text = (min: number, max: number) =>
    Array.from({ length: min + Math.floor(rand() * (max - min + 1)) }, word).join(" ");
  return {
    source: `${count} generated documents of 8-30 Zipf-distributed words (50,000-word vocabulary); queries of 4-10 words`,
    docs: Array.from({ length: count }, (_, i) => ({ id: `d${i}`, text: text(8, 30) })),
    queries: Array.from({ length: QUERIES }, () => text(4, 10)),
  };
}

async function bm25() {
  const corpus = DOCS > 0 ? generatedCorpus(DOCS) : markdownCorpus();
  const { docs, queries } = corpus;
  const analyze = englishAnalyzer();
  const analyzed = docs.map((d) => analyze(d.text));
  const postings = analyzed.reduce((s, terms) => s + new Set(terms).size, 0);

  const before = memory();
  const t0 = performance.now();
  const index = new Bm25Index({ k1: K1, b: B });
  index.add(docs);
  const buildMs = performance.now() - t0;
  const bytesPerPosting =
    (memory() - before - docs.reduce((s, d) => s + d.text.length, 0)) / postings;

  // Persistence through a file (JSON with the analyzed terms, so loading does not re-analyze).
  const dir = await mkdtemp(join(tmpdir(), "fmops-limits-bm25-"));
  const persisted: Record<string, number> = {};
  try {
    const path = join(dir, "index.json");
    const a = performance.now();
    await saveBm25Index(index, path);
    persisted.saveFileMs = round(performance.now() - a, 1);
    persisted.fileBytes = statSync(path).size;
    const b = performance.now();
    await loadBm25Index(path);
    persisted.loadFileMs = round(performance.now() - b, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const systems: Record<string, (qi: number) => unknown> = {
    fmops: (qi) => index.search(queries[qi] as string, { k: K }),
  };
  const others: Record<string, unknown> = {};
  if (ORAMA) {
    const o = await import("@orama/orama");
    const db = o.create({ schema: { text: "string" } as const });
    const t = performance.now();
    await o.insertMultiple(
      db,
      docs.map((d) => ({ text: d.text })),
      5000,
    );
    others.orama = { buildMs: round(performance.now() - t, 1) };
    systems.orama = (qi) =>
      o.search(db, { term: queries[qi] as string, limit: K, relevance: { k: K1, b: B, d: 0 } });
  }
  try {
    const specifier = "minisearch";
    const { default: MiniSearch } = (await import(specifier)) as {
      default: new (
        o: unknown,
      ) => {
        addAll(d: unknown[]): void;
        search(q: string, o?: unknown): unknown[];
      };
    };
    const mini = new MiniSearch({
      fields: ["text"],
      searchOptions: { bm25: { k: K1, b: B, d: 0 } },
    });
    const t = performance.now();
    mini.addAll(docs);
    others.minisearch = { buildMs: round(performance.now() - t, 1) };
    systems.minisearch = (qi) => mini.search(queries[qi] as string).slice(0, K);
  } catch {
    others.minisearch = { skipped: "minisearch is not installed" };
  }

  // Throughput: all queries back to back, per system, interleaved over RUNS runs.
  const qps: Record<string, number[]> = {};
  for (let r = 0; r < RUNS; r++) {
    for (const [name, run] of Object.entries(systems)) {
      const t = performance.now();
      for (let qi = 0; qi < queries.length; qi++) await run(qi);
      qps[name] = [...(qps[name] ?? []), queries.length / ((performance.now() - t) / 1000)];
    }
  }
  const times = await measure(systems, queries.length);

  // Scores against Lucene's formula, recomputed from raw statistics for a sample of queries.
  const N = docs.length;
  const docFreq = new Map<string, number>();
  for (const terms of analyzed)
    for (const t of new Set(terms)) docFreq.set(t, (docFreq.get(t) ?? 0) + 1);
  const avgdl = analyzed.reduce((s, t) => s + t.length, 0) / N;
  const position = new Map(docs.map((d, i) => [d.id, i]));
  let maxScoreError = 0;
  for (const q of queries.slice(0, 50)) {
    const qTerms = analyze(q);
    for (const h of index.search(q, { k: K })) {
      const terms = analyzed[position.get(h.id) as number] as string[];
      const dl = luceneLength(terms.length);
      let expected = 0;
      for (const t of qTerms) {
        const f = terms.filter((x) => x === t).length;
        if (f === 0) continue;
        const nt = docFreq.get(t) as number;
        const idf = Math.log(1 + (N - nt + 0.5) / (nt + 0.5));
        expected += (idf * f) / (f + K1 * (1 - B + (B * dl) / avgdl));
      }
      maxScoreError = Math.max(maxScoreError, Math.abs(expected - h.score));
    }
  }
  const medQps = (name: string) => Math.round(median(qps[name] as number[]));
  return {
    corpus: corpus.source,
    documents: N,
    postings,
    queries: queries.length,
    fmops: {
      buildMs: round(buildMs, 1),
      bytesPerPosting: round(bytesPerPosting, 1),
      queriesPerSecond: medQps("fmops"),
      maxAbsScoreErrorVsLuceneFormula: maxScoreError,
      ...persisted,
    },
    ...others,
    queriesPerSecond: Object.fromEntries(Object.keys(qps).map((n) => [n, medQps(n)])),
    times,
    ratios: Object.fromEntries(
      Object.keys(qps)
        .filter((n) => n !== "fmops")
        .map((n) => [`fmopsQpsOver_${n}`, round(medQps("fmops") / medQps(n), 2)]),
    ),
  };
}

const out: Record<string, unknown> = {
  bench: "retrieval-limits",
  node: process.version,
  cpu: cpus()[0]?.model,
  runs: RUNS,
};
// BM25 first: its memory reading must not see the vector part's buffers being freed.
if (PART !== "vectors") out.bm25 = await bm25();
if (PART !== "bm25") out.vector = await vectors();
console.log(JSON.stringify(out));
