/**
 * Benchmark: the embedded retrieval stores.
 *
 *  - BM25: corpus = every Markdown file under node_modules/ (package READMEs, changelogs, docs;
 *    real English technical text) split into chunks of at most 600 characters with
 *    RecursiveTextSplitter (one document per chunk). Reports the index build time (median of
 *    --runs builds), query p50/p99 over --queries Markdown headings from the corpus used as
 *    queries, and checks every returned score against an independent implementation of Lucene's
 *    BM25 formula (k1=0.9, b=0.4, idf = ln(1 + (N - n + 0.5) / (n + 0.5)), Lucene-rounded lengths).
 *  - Exact vector top-10 (cosine) at 10k and 100k random unit vectors of 384 dimensions:
 *    InMemoryVectorStore vs @orama/orama (vector mode, brute force) vs @lancedb/lancedb (flat
 *    search, no ANN index), p50 over the same queries, recall@10 against a brute-force reference,
 *    and InMemoryVectorStore's memory per vector.
 *
 * Usage: `npm run bench -- rag [--queries 200] [--runs 3] [--sizes 10000,100000]`. Prints one JSON line.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { englishAnalyzer } from "../src/rag/analyzer.js";
import { Bm25Index } from "../src/rag/bm25.js";
import { InMemoryVectorStore } from "../src/rag/in-memory-vector-store.js";
import { luceneLength } from "../src/rag/lucene-norms.js";
import { RecursiveTextSplitter } from "../src/rag/splitter.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
const QUERIES = Number(args.get("queries") ?? 200);
const RUNS = Number(args.get("runs") ?? 3);
const SIZES = (args.get("sizes") ?? "10000,100000").split(",").map(Number);
const DIM = 384;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

// ---- corpus ----
function markdownFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) markdownFiles(path, out);
    else if (
      entry.isFile() &&
      entry.name.toLowerCase().endsWith(".md") &&
      statSync(path).size < 2_000_000
    )
      out.push(path);
  }
  return out;
}
const files = markdownFiles("node_modules").sort();
const splitter = new RecursiveTextSplitter({ chunkSize: 600 });
const docs = files.flatMap((f) => splitter.split({ id: f, text: readFileSync(f, "utf8") }));
const corpusChars = docs.reduce((s, d) => s + d.text.length, 0);
const headings = [
  ...new Set(
    docs.flatMap((d) =>
      d.text
        .split("\n")
        .filter((l) => /^#{1,4} \w/.test(l))
        .map((l) => l.replace(/^#+ /, "").trim()),
    ),
  ),
].filter((h) => h.length > 6);
const queries = Array.from(
  { length: QUERIES },
  (_, i) => headings[(i * 7919) % headings.length] as string,
);

// ---- BM25 ----
const buildMs: number[] = [];
let index = new Bm25Index();
for (let r = 0; r < RUNS; r++) {
  const t = performance.now();
  index = new Bm25Index();
  index.add(docs);
  buildMs.push(performance.now() - t);
}
const queryMs: number[] = [];
const results = queries.map((q) => {
  const t = performance.now();
  const hits = index.search(q, { k: 10 });
  queryMs.push(performance.now() - t);
  return hits;
});
// Independent check of the scores: recompute each from raw term statistics.
const analyze = englishAnalyzer();
const termFreqs = new Map<string, Map<string, number>>();
const lengths = new Map<string, number>();
const docFreq = new Map<string, number>();
for (const d of docs) {
  const tf = new Map<string, number>();
  const terms = analyze(d.text);
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  termFreqs.set(d.id, tf);
  lengths.set(d.id, terms.length);
  for (const t of tf.keys()) docFreq.set(t, (docFreq.get(t) ?? 0) + 1);
}
const N = docs.length;
const avgdl = [...lengths.values()].reduce((a, b) => a + b, 0) / N;
let maxScoreError = 0;
let checked = 0;
for (const [i, hits] of results.entries()) {
  const qTerms = analyze(queries[i] as string);
  for (const h of hits) {
    const tf = termFreqs.get(h.id) as Map<string, number>;
    const dl = luceneLength(lengths.get(h.id) as number);
    let expected = 0;
    for (const t of qTerms) {
      const f = tf.get(t) ?? 0;
      if (f === 0) continue;
      const n = docFreq.get(t) as number;
      const idf = Math.log(1 + (N - n + 0.5) / (n + 0.5));
      expected += (idf * f) / (f + 0.9 * (1 - 0.4 + (0.4 * dl) / avgdl));
    }
    maxScoreError = Math.max(maxScoreError, Math.abs(expected - h.score));
    checked++;
  }
}

// ---- vectors ----
let seed = 42;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
const unit = () => {
  const v = new Float32Array(DIM);
  let n = 0;
  for (let i = 0; i < DIM; i++) {
    v[i] = gauss();
    n += (v[i] as number) ** 2;
  }
  const s = 1 / Math.sqrt(n);
  for (let i = 0; i < DIM; i++) v[i] = (v[i] as number) * s;
  return v;
};
const VQ = Math.min(QUERIES, 50);
const vectorQueries = Array.from({ length: VQ }, unit);

async function vectorRun(size: number) {
  const vectors = Array.from({ length: size }, unit);
  const truth = vectorQueries.map((q) => {
    const scores = vectors.map((v, i) => {
      let d = 0;
      for (let j = 0; j < DIM; j++) d += (q[j] as number) * (v[j] as number);
      return { i, d };
    });
    return new Set(
      scores
        .sort((a, b) => b.d - a.d)
        .slice(0, 10)
        .map((s) => `v${s.i}`),
    );
  });
  const recall = (ids: string[][]) =>
    ids.reduce((s, got, qi) => s + got.filter((id) => truth[qi]?.has(id)).length, 0) /
    (ids.length * 10);
  const out: Record<string, unknown> = { vectors: size };

  // fmops InMemoryVectorStore
  const before = process.memoryUsage();
  const store = new InMemoryVectorStore({ dimensions: DIM, initialCapacity: size });
  const tIns = performance.now();
  store.add(vectors.map((v, i) => ({ id: `v${i}`, vector: v, text: "" })));
  const insertMs = performance.now() - tIns;
  const after = process.memoryUsage();
  const times: number[] = [];
  const ids: string[][] = [];
  for (const q of vectorQueries) {
    const t = performance.now();
    ids.push(store.query(q, { k: 10 }).map((h) => h.id));
    times.push(performance.now() - t);
  }
  out.fmops = {
    insertMs: round(insertMs, 1),
    p50Ms: round(pct(times, 50)),
    recallAt10: recall(ids),
    vectorBytesPerVector: store.vectorBytes / size,
    // Off-heap bytes allocated by the store (the Float32Array rows), per vector.
    arrayBufferBytesPerVector: Math.round((after.arrayBuffers - before.arrayBuffers) / size),
  };

  // Orama
  try {
    const orama = await import("@orama/orama");
    const db = orama.create({ schema: { id: "string", embedding: `vector[${DIM}]` } as const });
    const t0 = performance.now();
    await orama.insertMultiple(
      db,
      vectors.map((v, i) => ({ id: `v${i}`, embedding: Array.from(v) })),
      5000,
    );
    const oInsert = performance.now() - t0;
    const oTimes: number[] = [];
    const oIds: string[][] = [];
    for (const q of vectorQueries) {
      const t = performance.now();
      const r = await orama.search(db, {
        mode: "vector",
        vector: { value: Array.from(q), property: "embedding" },
        similarity: 0.0001,
        limit: 10,
        includeVectors: false,
      });
      oTimes.push(performance.now() - t);
      oIds.push(r.hits.map((h) => (h.document as { id: string }).id));
    }
    out.orama = {
      insertMs: round(oInsert, 1),
      p50Ms: round(pct(oTimes, 50)),
      recallAt10: recall(oIds),
    };
  } catch (err) {
    out.orama = { error: String(err).slice(0, 200) };
  }

  // LanceDB (flat scan: no vector index is built)
  const dir = mkdtempSync(join(tmpdir(), "fmops-bench-lance-"));
  try {
    const lancedb = await import("@lancedb/lancedb");
    const db = await lancedb.connect(dir);
    const t0 = performance.now();
    const table = await db.createTable(
      "v",
      vectors.map((v, i) => ({ id: `v${i}`, vector: Array.from(v) })),
    );
    const lInsert = performance.now() - t0;
    const lTimes: number[] = [];
    const lIds: string[][] = [];
    for (const q of vectorQueries) {
      const t = performance.now();
      const rows = await table
        .vectorSearch(Array.from(q))
        .distanceType("cosine")
        .limit(10)
        .toArray();
      lTimes.push(performance.now() - t);
      lIds.push(rows.map((r: { id: string }) => r.id));
    }
    out.lancedb = {
      insertMs: round(lInsert, 1),
      p50Ms: round(pct(lTimes, 50)),
      recallAt10: recall(lIds),
    };
  } catch (err) {
    out.lancedb = { error: String(err).slice(0, 200) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

const vector = [];
for (const size of SIZES) vector.push(await vectorRun(size));

console.log(
  JSON.stringify({
    bench: "rag",
    node: process.version,
    corpus: {
      source: "node_modules/**/*.md split at 600 chars",
      files: files.length,
      documents: docs.length,
      chars: corpusChars,
    },
    bm25: {
      buildMsP50: round(pct(buildMs, 50), 1),
      queries: queries.length,
      queryP50Ms: round(pct(queryMs, 50)),
      queryP99Ms: round(pct(queryMs, 99)),
      scoresChecked: checked,
      maxAbsScoreErrorVsLuceneFormula: maxScoreError,
    },
    vector,
  }),
);
