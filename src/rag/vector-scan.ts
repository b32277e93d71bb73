/**
 * The exact-search kernels of {@link InMemoryVectorStore}: a dense scan over rows of a
 * `Float32Array`, and a scan of only the rows a bitmap selects. Each is one tight loop per
 * metric (no per-row branch on the metric), four independent accumulators per dot product, and
 * the top-k threshold kept in a local, so the dense scan runs as fast as a hand-written loop.
 *
 * @module
 */
import type { TopK } from "./top-k.js";
import type { DistanceMetric } from "./vector-store.js";

/** A row test applied only to rows whose score would enter the top k (the in-scan filter). */
export type RowCheck = (row: number) => boolean;

/**
 * Scores rows `0..rows-1` of `data` (row `r` is global row `firstRow + r`) and offers them to
 * `top`. Returns the updated threshold. Under cosine a zero row (no direction) is skipped. Scores
 * are dot products, or minus the squared distance for `l2`.
 */
export function scanRows(
  q: Float32Array,
  data: Float32Array,
  rows: number,
  firstRow: number,
  metric: DistanceMetric,
  top: TopK,
  threshold: number,
  check: RowCheck | undefined,
): number {
  const d = q.length;
  if (metric === "l2") {
    for (let r = 0, base = 0; r < rows; r++, base += d) {
      const score = -squaredDistance(q, data, base, d);
      if (score < threshold) continue;
      if (check !== undefined && !check(firstRow + r)) continue;
      top.push(firstRow + r, score);
      threshold = top.threshold;
    }
    return threshold;
  }
  const cosine = metric === "cosine";
  if ((d & 3) === 0) {
    // Most embedding sizes are multiples of 4: without the tail loop the JIT emits a tighter body.
    for (let r = 0, base = 0; r < rows; r++, base += d) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < d; i += 4) {
        s0 += (q[i] as number) * (data[base + i] as number);
        s1 += (q[i + 1] as number) * (data[base + i + 1] as number);
        s2 += (q[i + 2] as number) * (data[base + i + 2] as number);
        s3 += (q[i + 3] as number) * (data[base + i + 3] as number);
      }
      const score = s0 + s1 + s2 + s3;
      if (score < threshold) continue;
      if (cosine && score === 0 && isZeroRow(data, base, d)) continue;
      if (check !== undefined && !check(firstRow + r)) continue;
      top.push(firstRow + r, score);
      threshold = top.threshold;
    }
    return threshold;
  }
  for (let r = 0, base = 0; r < rows; r++, base += d) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 3 < d; i += 4) {
      s0 += (q[i] as number) * (data[base + i] as number);
      s1 += (q[i + 1] as number) * (data[base + i + 1] as number);
      s2 += (q[i + 2] as number) * (data[base + i + 2] as number);
      s3 += (q[i + 3] as number) * (data[base + i + 3] as number);
    }
    for (; i < d; i++) s0 += (q[i] as number) * (data[base + i] as number);
    const score = s0 + s1 + s2 + s3;
    if (score < threshold) continue;
    // A zero vector (cosine) has no direction: never a match.
    if (cosine && score === 0 && isZeroRow(data, base, d)) continue;
    if (check !== undefined && !check(firstRow + r)) continue;
    top.push(firstRow + r, score);
    threshold = top.threshold;
  }
  return threshold;
}

/**
 * Scores only the rows whose bit is set in `bits`, walking the chunks in row order (so memory is
 * still read front to back). `chunkStarts[c]` is the first row of `chunks[c]`; `rowCount` bounds
 * the rows in use.
 */
export function scanSelected(
  q: Float32Array,
  chunks: readonly Float32Array[],
  chunkStarts: readonly number[],
  rowCount: number,
  bits: Uint32Array,
  metric: DistanceMetric,
  top: TopK,
  check: RowCheck | undefined,
): void {
  const d = q.length;
  const l2 = metric === "l2";
  const cosine = metric === "cosine";
  const aligned = (d & 3) === 0;
  let threshold = Number.NEGATIVE_INFINITY;
  let c = 0;
  let data = chunks[0] as Float32Array;
  let start = 0;
  let end = chunks.length > 1 ? (chunkStarts[1] as number) : rowCount;
  const words = Math.min(bits.length, (rowCount + 31) >>> 5);
  for (let w = 0; w < words; w++) {
    let word = bits[w] as number;
    while (word !== 0) {
      const bit = 31 - Math.clz32(word & -word);
      word &= word - 1;
      const row = (w << 5) + bit;
      if (row >= rowCount) return;
      while (row >= end) {
        c++;
        data = chunks[c] as Float32Array;
        start = chunkStarts[c] as number;
        end = c + 1 < chunks.length ? (chunkStarts[c + 1] as number) : rowCount;
      }
      const base = (row - start) * d;
      let score: number;
      if (l2) score = -squaredDistance(q, data, base, d);
      else {
        score = aligned ? dot4(q, data, base, d) : dot(q, data, base, d);
        if (cosine && score === 0 && isZeroRow(data, base, d)) continue;
      }
      if (score < threshold) continue;
      if (check !== undefined && !check(row)) continue;
      top.push(row, score);
      threshold = top.threshold;
    }
  }
}

/** Dot product of `q` with the row at `base`, summed like {@link scanRows} (same doubles). */
export function dot(q: Float32Array, data: Float32Array, base: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < d; i += 4) {
    s0 += (q[i] as number) * (data[base + i] as number);
    s1 += (q[i + 1] as number) * (data[base + i + 1] as number);
    s2 += (q[i + 2] as number) * (data[base + i + 2] as number);
    s3 += (q[i + 3] as number) * (data[base + i + 3] as number);
  }
  for (; i < d; i++) s0 += (q[i] as number) * (data[base + i] as number);
  return s0 + s1 + s2 + s3;
}

/** {@link dot} for `d` a multiple of 4 (no tail loop; same additions in the same order). */
export function dot4(q: Float32Array, data: Float32Array, base: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < d; i += 4) {
    s0 += (q[i] as number) * (data[base + i] as number);
    s1 += (q[i + 1] as number) * (data[base + i + 1] as number);
    s2 += (q[i + 2] as number) * (data[base + i + 2] as number);
    s3 += (q[i + 3] as number) * (data[base + i + 3] as number);
  }
  return s0 + s1 + s2 + s3;
}

/** Squared distance of `q` to the row at `base`, as the scans compute it (minus the `l2` score). */
export function squaredDistance(
  q: Float32Array,
  data: Float32Array,
  base: number,
  d: number,
): number {
  let sum = 0;
  let i = 0;
  for (; i + 3 < d; i += 4) {
    const a = (q[i] as number) - (data[base + i] as number);
    const b = (q[i + 1] as number) - (data[base + i + 1] as number);
    const c = (q[i + 2] as number) - (data[base + i + 2] as number);
    const e = (q[i + 3] as number) - (data[base + i + 3] as number);
    sum += a * a + b * b + c * c + e * e;
  }
  for (; i < d; i++) {
    const a = (q[i] as number) - (data[base + i] as number);
    sum += a * a;
  }
  return sum;
}

/** Whether the row at `base` is all zeros (a cosine row with no direction). */
export function isZeroRow(data: Float32Array, base: number, d: number): boolean {
  for (let i = 0; i < d; i++) if (data[base + i] !== 0) return false;
  return true;
}
