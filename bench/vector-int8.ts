/**
 * Benchmark: does an int8 copy of the vectors, scanned first and re-ranked exactly in float32,
 * beat the float32 scan in plain JavaScript? (issue #22, the "toward the memory-bandwidth floor"
 * item). Measured before building it into `InMemoryVectorStore`.
 *
 * Data: `--vectors` generated unit vectors of `--dims` floats (Gaussian, normalized), `--queries`
 * unit queries, top 10 by dot product (= cosine). Kernels, each with 4 accumulators and a
 * k-entry insertion top-k, interleaved over `--runs` runs:
 *  - `float32`: the exact scan over one Float32Array (the store's and the plain loop's kernel);
 *  - `int8+rerank R`: each vector scaled by 127 / max|x| and rounded into an Int8Array (one
 *    float32 scale per row); the int8 dot products pick the best R rows, whose exact float32 dot
 *    products give the top 10.
 * Reports per-query p50 (median over runs), recall@10 against the exact float32 top 10, and
 * bytes per vector (the int8 path keeps the float32 rows for the re-rank).
 *
 * Usage: `npm run bench -- vector-int8 [--vectors 100000] [--dims 384] [--queries 100] [--runs 3]`.
 * Prints one JSON line.
 */
import { cpus } from "node:os";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
const N = Number(args.get("vectors") ?? 100_000);
const DIM = Number(args.get("dims") ?? 384);
const QUERIES = Number(args.get("queries") ?? 100);
const RUNS = Number(args.get("runs") ?? 3);
const K = 10;
const RERANK = [10, 20, 50, 100];

let seed = 7;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
const unit = (out: Float32Array, at: number) => {
  let norm = 0;
  for (let j = 0; j < DIM; j++) {
    const x = gauss();
    out[at + j] = x;
    norm += x * x;
  }
  const s = 1 / Math.sqrt(norm);
  for (let j = 0; j < DIM; j++) out[at + j] = (out[at + j] as number) * s;
};

const floats = new Float32Array(N * DIM);
for (let r = 0; r < N; r++) unit(floats, r * DIM);
const queries = Array.from({ length: QUERIES }, () => {
  const q = new Float32Array(DIM);
  unit(q, 0);
  return q;
});

// Symmetric per-row quantization: the row's largest magnitude maps to 127.
const int8 = new Int8Array(N * DIM);
const scales = new Float32Array(N);
for (let r = 0; r < N; r++) {
  let max = 0;
  for (let j = 0; j < DIM; j++) max = Math.max(max, Math.abs(floats[r * DIM + j] as number));
  const s = max === 0 ? 0 : 127 / max;
  scales[r] = max / 127;
  for (let j = 0; j < DIM; j++) int8[r * DIM + j] = Math.round((floats[r * DIM + j] as number) * s);
}

/** A k-entry top list kept sorted by insertion (k is small). */
class Top {
  readonly rows: Int32Array;
  readonly scores: Float64Array;
  size = 0;
  constructor(readonly k: number) {
    this.rows = new Int32Array(k);
    this.scores = new Float64Array(k).fill(Number.NEGATIVE_INFINITY);
  }
  offer(row: number, score: number): void {
    if (this.size === this.k && score <= (this.scores[this.k - 1] as number)) return;
    let i = this.size < this.k ? this.size++ : this.k - 1;
    while (i > 0 && (this.scores[i - 1] as number) < score) {
      this.scores[i] = this.scores[i - 1] as number;
      this.rows[i] = this.rows[i - 1] as number;
      i--;
    }
    this.scores[i] = score;
    this.rows[i] = row;
  }
}

function float32Scan(q: Float32Array, k: number): Top {
  const top = new Top(k);
  for (let r = 0, o = 0; r < N; r++, o += DIM) {
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    for (let j = 0; j < DIM; j += 4) {
      a += (floats[o + j] as number) * (q[j] as number);
      b += (floats[o + j + 1] as number) * (q[j + 1] as number);
      c += (floats[o + j + 2] as number) * (q[j + 2] as number);
      d += (floats[o + j + 3] as number) * (q[j + 3] as number);
    }
    top.offer(r, a + b + c + d);
  }
  return top;
}

function int8Scan(q: Float32Array, depth: number): Top {
  // The query stays in float: only the stored side is quantized.
  const coarse = new Top(depth);
  for (let r = 0, o = 0; r < N; r++, o += DIM) {
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    for (let j = 0; j < DIM; j += 4) {
      a += (int8[o + j] as number) * (q[j] as number);
      b += (int8[o + j + 1] as number) * (q[j + 1] as number);
      c += (int8[o + j + 2] as number) * (q[j + 2] as number);
      d += (int8[o + j + 3] as number) * (q[j + 3] as number);
    }
    coarse.offer(r, (a + b + c + d) * (scales[r] as number));
  }
  const top = new Top(K);
  for (let i = 0; i < coarse.size; i++) {
    const r = coarse.rows[i] as number;
    let s = 0;
    for (let j = 0; j < DIM; j++) s += (floats[r * DIM + j] as number) * (q[j] as number);
    top.offer(r, s);
  }
  return top;
}

const exact = queries.map((q) => new Set(float32Scan(q, K).rows));
const kernels: Record<string, (q: Float32Array) => Top> = {
  float32: (q) => float32Scan(q, K),
  ...Object.fromEntries(
    RERANK.map((r) => [`int8+rerank${r}`, (q: Float32Array) => int8Scan(q, r)]),
  ),
};
const recall: Record<string, number> = {};
for (const [name, run] of Object.entries(kernels)) {
  let hit = 0;
  queries.forEach((q, qi) => {
    for (const r of run(q).rows) if ((exact[qi] as Set<number>).has(r)) hit++;
  });
  recall[name] = hit / (K * QUERIES);
}
const p50s: Record<string, number[]> = {};
for (let run = 0; run < RUNS; run++) {
  for (const [name, kernel] of Object.entries(kernels)) {
    const times = queries.map((q) => {
      const t = performance.now();
      kernel(q);
      return performance.now() - t;
    });
    times.sort((a, b) => a - b);
    p50s[name] = [...(p50s[name] ?? []), times[Math.floor(times.length / 2)] as number];
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p50 = Object.fromEntries(
  Object.entries(p50s).map(([n, xs]) => [n, Math.round(median(xs) * 1000) / 1000]),
);
console.log(
  JSON.stringify({
    bench: "vector-int8",
    node: process.version,
    cpu: cpus()[0]?.model,
    vectors: N,
    dims: DIM,
    queries: QUERIES,
    runs: RUNS,
    p50Ms: p50,
    recallAt10: recall,
    bytesPerVector: { float32: DIM * 4, int8PlusFloat32Rerank: DIM * 4 + DIM + 4 },
    ratiosOverFloat32: Object.fromEntries(
      Object.keys(p50)
        .filter((n) => n !== "float32")
        .map((n) => [n, Math.round(((p50[n] as number) / (p50.float32 as number)) * 100) / 100]),
    ),
  }),
);
