/**
 * The WebAssembly SIMD path of {@link InMemoryVectorStore}: row storage in one
 * `WebAssembly.Memory` and an exact top-k scan that lets the SIMD kernel (vector-simd.wat) read
 * every row while JavaScript scores exactly only the rows that could enter the top k.
 *
 * **Why the results are exact.** The kernel sums float32 products in float32, in an order of
 * its own; the store reports the float64 scores of vector-scan.ts. For a row `x` and the query
 * `q` let `S` be the exact real dot product, `W` the kernel's score and `J` the store's. Each
 * float32 product and addition rounds with relative error at most `u = 2^-24`, and each of the
 * `d` products passes through at most `d` roundings on its way into the sum (one product and at
 * most `d - 1` additions, whatever the summation tree), so `|W - S| <= γ(d) Σ|q_i x_i|` with
 * `γ(d) = d·u / (1 - d·u)`, plus at most `2^-150` per product where a product falls below
 * float32's normal range. `J` multiplies float32 values exactly in float64 and adds in float64:
 * `|J - S| <= γ'(d) Σ|q_i x_i|` with `u' = 2^-53`. By Cauchy-Schwarz `Σ|q_i x_i| <= |q|·|x|`,
 * so with `d <= 65,536` (the store's limit, so `d·u <= 2^-8`):
 *
 *     |W - J| <= 2·d·u·|q|·|x| + d·2^-140
 *
 * where `|q|` and `|x|` are upper bounds of the norms (computed in float64 and rounded up when
 * stored as float32). The factor 2 covers `γ(d) + γ'(d)` (at most `1.004·d·u`) and the rounding of
 * the bound's own arithmetic. For `l2` the terms `(q_i - x_i)^2` are non-negative, so the bound is
 * relative to the distance itself: `|W - J| <= c·(W + a) + a` with `c = 2·(d + 2)·u`, `a =
 * d·2^-140` (one more rounding for the difference, squared).
 *
 * The scan keeps the exact top k as it goes, with threshold `T` (the k-th best exact score so
 * far; it only rises, and never above the final k-th best). A row whose upper bound `W + E` is
 * below `T` has `J < T`, so it cannot enter the final top k: it is skipped. Every other row is
 * scored with the JavaScript code and offered to the same {@link TopK}, which keeps the k best
 * under one total order (score, then row), whatever order rows are offered in. So the ids, their
 * order and their scores are those of the JavaScript scan, bit for bit; only the work differs.
 *
 * The bound needs finite float32 sums: a query is scanned here only when no product or partial
 * sum can overflow float32 (`|q|·max|x| < 2^126`, or `(|q| + max|x|)^2 < 2^126` for l2);
 * otherwise the store runs its JavaScript scan over the same memory, for that query. A row norm
 * that is NaN (not reachable through the store, which refuses non-finite floats) counts as
 * infinite, so the check fails closed. `max|x|` is an upper bound kept as rows are written, and
 * recomputed when a query would be declined after the row holding it was deleted or overwritten,
 * so one outlier row does not send every later query to JavaScript.
 *
 * @module
 */
import type { TopK } from "./top-k.js";
import { dot, dot4, isZeroRow, type RowCheck, squaredDistance } from "./vector-scan.js";
import { VECTOR_SIMD_WASM_BASE64 } from "./vector-simd-wasm.js";
import type { DistanceMetric } from "./vector-store.js";

/** The kernel's exports (vector-simd.wat); every pointer is a byte offset into the memory. */
interface Kernel {
  dotRows(q: number, x: number, d: number, n: number, out: number): void;
  dotList(q: number, base: number, list: number, d: number, n: number, out: number): void;
  l2Rows(q: number, x: number, d: number, n: number, out: number): void;
  l2List(q: number, base: number, list: number, d: number, n: number, out: number): void;
}

/** Rows scored per kernel call: the scores (1 KiB) stay in the first-level cache. */
const BLOCK = 256;
const PAGE_BYTES = 65_536;
/** 4 GiB, the most a 32-bit WebAssembly memory can address. */
const MAX_PAGES = 65_536;
/** float32's unit roundoff. */
const U = 2 ** -24;
/** Per product, more than float32's absolute error where it underflows (2^-150). */
const TINY = 2 ** -140;
/** Sums and products below this cannot overflow float32 (whose largest value is about 2^128). */
const SAFE = 2 ** 126;
/** Margin on computed norms for the rounding of their float64 computation. */
const NORM_MARGIN = 1 + 2 ** -20;

/**
 * Stores created without asking for memory since the runtime last refused a
 * `WebAssembly.Memory`. A refusal (typically the address space used up by thousands of live
 * memories, each reserving its 4 GiB range) can take the runtime seconds, so stores that may fall
 * back skip asking for this many creations, then ask again in case memory was freed.
 */
const SKIP_AFTER_REFUSAL = 1024;
/** How many more fallback-allowed creations skip asking for memory (0: ask). */
let skipsLeft = 0;
/** Pages of the last refused request: only requests at least as large are skipped. */
let refusedPages = 0;

/** undefined: not tried yet; null: this runtime cannot run the kernel. */
let compiled: WebAssembly.Module | null | undefined;

/**
 * The compiled kernel, compiled once on first use, synchronously (the module is about 1 KB, under
 * browsers' 4 KB limit for compiling on the main thread). Undefined where the runtime has no
 * WebAssembly, no SIMD (`WebAssembly.validate` refuses the module), or forbids compiling.
 */
function kernelModule(): WebAssembly.Module | undefined {
  if (compiled === undefined) {
    compiled = null;
    try {
      if (typeof WebAssembly === "object") {
        const bytes = Uint8Array.from(atob(VECTOR_SIMD_WASM_BASE64), (c) => c.charCodeAt(0));
        if (WebAssembly.validate(bytes)) compiled = new WebAssembly.Module(bytes);
      }
    } catch {
      compiled = null;
    }
  }
  return compiled ?? undefined;
}

/** Whether this runtime can run the SIMD kernel (Node 16.4+, Deno, current browsers). */
export function simdKernelAvailable(): boolean {
  return kernelModule() !== undefined;
}

const scratch32 = new Float32Array(1);
const scratchBits = new Uint32Array(scratch32.buffer);

/** The smallest float32 at or above `v` (v >= 0). */
function float32Above(v: number): number {
  scratch32[0] = v;
  if ((scratch32[0] as number) >= v) return scratch32[0] as number;
  scratchBits[0] = (scratchBits[0] as number) + 1;
  return scratch32[0] as number;
}

/** An upper bound of the Euclidean norm of `v[base..base+d)`, computed in float64. */
function normAbove(v: Float32Array, base: number, d: number): number {
  let sum = 0;
  for (let i = base; i < base + d; i++) sum += (v[i] as number) * (v[i] as number);
  return Math.sqrt(sum) * NORM_MARGIN;
}

/**
 * Row storage in one `WebAssembly.Memory`, with the kernel bound to it. Rows are `d` float32
 * values each, dense, after a small header that holds the query, the kernel's scores for one
 * block and one block of row numbers. The memory grows in pages, by at least a sixteenth of its
 * size, so unused capacity stays under about 6% (or one page) and growth never copies rows in
 * JavaScript. {@link SimdRows.rows} is a view that is replaced when the memory grows.
 */
export class SimdRows {
  readonly #d: number;
  readonly #memory: WebAssembly.Memory;
  readonly #kernel: Kernel;
  /** Byte offsets: query, block scores, block row list, first row. */
  readonly #scoresAt: number;
  readonly #listAt: number;
  readonly #rowsAt: number;
  #capacity = 0;
  #rows = new Float32Array(0);
  #scores = new Float32Array(0);
  #list = new Int32Array(0);
  #query = new Float32Array(0);
  /** Per row: an upper bound of its norm, as float32 (rounded up). */
  #norms = new Float32Array(0);
  /**
   * An upper bound of every stored row's norm. Deleting or overwriting the row that holds it
   * leaves it too high (still safe, but it may send queries to the JavaScript scan for no
   * reason); #maxNormLoose then says so, and the next query the bound would decline recomputes
   * it from the rows' norms (4 bytes a row, cheap next to the scan itself).
   */
  #maxNorm = 0;
  #maxNormLoose = false;
  /** An upper bound of the current query's norm. */
  #qNorm = 0;

  private constructor(d: number, memory: WebAssembly.Memory, kernel: Kernel) {
    this.#d = d;
    this.#memory = memory;
    this.#kernel = kernel;
    this.#scoresAt = roundUp(d * 4, 64);
    this.#listAt = this.#scoresAt + BLOCK * 4;
    this.#rowsAt = this.#listAt + BLOCK * 4;
    this.#view();
  }

  /**
   * Storage for `rows` rows of `d` floats, or undefined when the runtime cannot run the kernel or
   * refuses the memory. With `mayFallBack`, a recent refusal is taken as the answer without
   * asking again (see {@link SKIP_AFTER_REFUSAL}); without it (kernel `"wasm"`), it always asks.
   */
  static create(d: number, rows: number, mayFallBack: boolean): SimdRows | undefined {
    const module = kernelModule();
    if (module === undefined) return undefined;
    const header = roundUp(d * 4, 64) + 2 * BLOCK * 4;
    const pages = Math.max(1, Math.ceil((header + rows * d * 4) / PAGE_BYTES));
    if (pages > MAX_PAGES) return undefined;
    if (mayFallBack && skipsLeft > 0 && pages >= refusedPages) {
      skipsLeft--;
      return undefined;
    }
    try {
      let memory: WebAssembly.Memory;
      try {
        memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES });
      } catch (refused) {
        skipsLeft = SKIP_AFTER_REFUSAL;
        refusedPages = pages;
        throw refused;
      }
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      return new SimdRows(d, memory, instance.exports as unknown as Kernel);
    } catch {
      return undefined;
    }
  }

  /** Rows that fit without growing. */
  get capacity(): number {
    return this.#capacity;
  }

  /** All rows (capacity included) as one view; replaced when the memory grows. */
  get rows(): Float32Array {
    return this.#rows;
  }

  /** Bytes held: the memory (header, rows, unused capacity) and the norms. */
  get byteLength(): number {
    return this.#memory.buffer.byteLength + this.#norms.byteLength;
  }

  /** Grows until `rows` rows fit; false when the memory cannot grow that far (4 GiB at most). */
  reserve(rows: number): boolean {
    if (rows <= this.#capacity) return true;
    const pages = this.#memory.buffer.byteLength / PAGE_BYTES;
    const needed = Math.ceil((this.#rowsAt + rows * this.#d * 4) / PAGE_BYTES) - pages;
    if (pages + needed > MAX_PAGES) return false;
    // A sixteenth at least: few grows (each is costly in V8) for little unused memory.
    const step = Math.min(MAX_PAGES - pages, Math.max(needed, Math.ceil(pages / 16)));
    try {
      this.#memory.grow(step);
    } catch {
      try {
        this.#memory.grow(needed);
      } catch {
        return false;
      }
    }
    this.#view();
    return true;
  }

  /** Records the norm of `row` after its floats were written (replacing what the row held). */
  noteRow(row: number): void {
    this.forgetRow(row);
    // Fails closed: a NaN norm (a NaN float) counts as unbounded, so the guard declines every
    // query until the row is gone, instead of poisoning the maximum with NaN.
    const norm = float32Above(normAbove(this.#rows, row * this.#d, this.#d));
    const bound = Number.isNaN(norm) ? Number.POSITIVE_INFINITY : norm;
    this.#norms[row] = bound;
    if (bound > this.#maxNorm) this.#maxNorm = bound;
  }

  /**
   * Notes that the norm of `row` is about to stop counting (the row is deleted or overwritten):
   * if it was the largest, the maximum is recomputed when a query next needs it.
   */
  forgetRow(row: number): void {
    if (row < this.#capacity && (this.#norms[row] as number) >= this.#maxNorm)
      this.#maxNormLoose = true;
  }

  /** Moves the norm of `from` to `to` (the store moved the row's floats over row `to`). */
  moveRow(from: number, to: number): void {
    this.forgetRow(to);
    this.#norms[to] = this.#norms[from] as number;
  }

  /**
   * Exact top-k over rows `0..count-1` into `top` (see the module comment). Returns false,
   * scanning nothing, when the query could overflow float32 sums: the caller then scans in
   * JavaScript.
   */
  scan(
    q: Float32Array,
    count: number,
    metric: DistanceMetric,
    top: TopK,
    check: RowCheck | undefined,
  ): boolean {
    if (!this.#prepare(q, count, metric)) return false;
    let threshold = Number.NEGATIVE_INFINITY;
    const d = this.#d;
    const rowBytes = d * 4;
    for (let first = 0; first < count; first += BLOCK) {
      const n = Math.min(BLOCK, count - first);
      const x = this.#rowsAt + first * rowBytes;
      if (metric === "l2") this.#kernel.l2Rows(0, x, d, n, this.#scoresAt);
      else this.#kernel.dotRows(0, x, d, n, this.#scoresAt);
      threshold = this.#offer(q, n, first, false, metric, top, threshold, check);
    }
    return true;
  }

  /**
   * {@link SimdRows.scan} over only the rows whose bit is set in `bits` (among `0..count-1`),
   * in row order.
   */
  scanSelected(
    q: Float32Array,
    count: number,
    bits: Uint32Array,
    metric: DistanceMetric,
    top: TopK,
    check: RowCheck | undefined,
  ): boolean {
    if (!this.#prepare(q, count, metric)) return false;
    let threshold = Number.NEGATIVE_INFINITY;
    const list = this.#list;
    let n = 0;
    const flush = () => {
      const d = this.#d;
      if (metric === "l2") this.#kernel.l2List(0, this.#rowsAt, this.#listAt, d, n, this.#scoresAt);
      else this.#kernel.dotList(0, this.#rowsAt, this.#listAt, d, n, this.#scoresAt);
      threshold = this.#offer(q, n, 0, true, metric, top, threshold, check);
      n = 0;
    };
    const words = Math.min(bits.length, (count + 31) >>> 5);
    for (let w = 0; w < words; w++) {
      let word = bits[w] as number;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        word &= word - 1;
        const row = (w << 5) + bit;
        if (row >= count) break;
        list[n++] = row;
        if (n === BLOCK) flush();
      }
    }
    if (n > 0) flush();
    return true;
  }

  /**
   * Checks that the kernel's sums cannot overflow for `q` over rows `0..count-1`, and copies `q`
   * into the memory.
   */
  #prepare(q: Float32Array, count: number, metric: DistanceMetric): boolean {
    const qNorm = normAbove(q, 0, q.length);
    const safe = () => {
      const bound = metric === "l2" ? (qNorm + this.#maxNorm) ** 2 : qNorm * this.#maxNorm;
      // Also false for a query holding NaN or an infinity (the bound is then not a number).
      return bound < SAFE;
    };
    if (!safe()) {
      if (!this.#maxNormLoose) return false;
      this.#recomputeMaxNorm(count);
      if (!safe()) return false;
    }
    this.#query.set(q);
    this.#qNorm = qNorm;
    return true;
  }

  /** The largest norm of rows `0..count-1` (the rows still stored), exactly again. */
  #recomputeMaxNorm(count: number): void {
    const norms = this.#norms;
    let max = 0;
    for (let row = 0; row < count; row++) {
      const norm = norms[row] as number;
      if (norm > max) max = norm;
    }
    this.#maxNorm = max;
    this.#maxNormLoose = false;
  }

  /**
   * Offers the `n` rows the kernel just scored (row `first + j`, or `list[j]` when `fromList`)
   * whose error bound lets them reach `threshold`, each with its exact JavaScript score.
   */
  #offer(
    q: Float32Array,
    n: number,
    first: number,
    fromList: boolean,
    metric: DistanceMetric,
    top: TopK,
    threshold: number,
    check: RowCheck | undefined,
  ): number {
    const d = this.#d;
    const data = this.#rows;
    const scores = this.#scores;
    const list = this.#list;
    const tiny = d * TINY;
    if (metric === "l2") {
      const c = 2 * (d + 2) * U;
      for (let j = 0; j < n; j++) {
        const w = scores[j] as number;
        // Upper bound of the exact score, minus the squared distance.
        if (-w + c * (w + tiny) + tiny < threshold) continue;
        const row = fromList ? (list[j] as number) : first + j;
        const score = -squaredDistance(q, data, row * d, d);
        if (score < threshold) continue;
        if (check !== undefined && !check(row)) continue;
        top.push(row, score);
        threshold = top.threshold;
      }
      return threshold;
    }
    const cq = 2 * d * U * this.#qNorm;
    const norms = this.#norms;
    const cosine = metric === "cosine";
    const aligned = (d & 3) === 0;
    for (let j = 0; j < n; j++) {
      const row = fromList ? (list[j] as number) : first + j;
      if ((scores[j] as number) + cq * (norms[row] as number) + tiny < threshold) continue;
      const base = row * d;
      // The same function, hence the same doubles, as the JavaScript scan.
      const score = aligned ? dot4(q, data, base, d) : dot(q, data, base, d);
      if (score < threshold) continue;
      if (cosine && score === 0 && isZeroRow(data, base, d)) continue;
      if (check !== undefined && !check(row)) continue;
      top.push(row, score);
      threshold = top.threshold;
    }
    return threshold;
  }

  /** (Re)creates the views after the memory was created or grew. */
  #view(): void {
    const buffer = this.#memory.buffer;
    const d = this.#d;
    this.#capacity = Math.max(0, Math.floor((buffer.byteLength - this.#rowsAt) / (d * 4)));
    this.#rows = new Float32Array(buffer, this.#rowsAt, this.#capacity * d);
    this.#scores = new Float32Array(buffer, this.#scoresAt, BLOCK);
    this.#list = new Int32Array(buffer, this.#listAt, BLOCK);
    this.#query = new Float32Array(buffer, 0, d);
    if (this.#norms.length < this.#capacity) {
      const norms = new Float32Array(this.#capacity);
      norms.set(this.#norms);
      this.#norms = norms;
    }
  }
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}
