/**
 * {@link InMemoryVectorStore}: exact nearest-neighbour search over one contiguous `Float32Array`.
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, ValidationError } from "../core/errors.js";
import { parseOptions } from "../core/options.js";
import { throwIfAborted } from "../core/wait.js";
import { compileFilter } from "./filter.js";
import { sourceOf } from "./source.js";
import { TopK } from "./top-k.js";
import { DEFAULT_K, type Metadata, type RetrievedChunk } from "./types.js";
import type {
  DistanceMetric,
  VectorRecord,
  VectorSearchOptions,
  VectorStore,
} from "./vector-store.js";

/** Options for {@link InMemoryVectorStore}. */
export interface InMemoryVectorStoreOptions {
  /** Length of every vector. */
  dimensions: number;
  /**
   * `"cosine"` (default; score = cosine similarity, -1..1), `"dot"` (score = dot product) or
   * `"l2"` (score = 1 / (1 + squared distance), as OpenSearch reports it).
   */
  metric?: DistanceMetric;
  /** Rows to allocate up front (grows by doubling). Default 1024. */
  initialCapacity?: number;
}

const optionsSchema = z
  .object({
    dimensions: z.int().min(1).max(65_536),
    metric: z.enum(["cosine", "dot", "l2"]).optional(),
    initialCapacity: z.int().min(1).max(100_000_000).optional(),
  })
  .strict();

const searchSchema = z.object({
  k: z.int().min(0).max(100_000).optional(),
  filter: z.record(z.string(), z.unknown()).optional(),
  signal: z.instanceof(AbortSignal).optional(),
  timeoutMs: z.number().optional(),
});

const MAGIC = "FMVS";
const FORMAT_VERSION = 1;

/**
 * Keeps every vector in one contiguous `Float32Array` (rows of `dimensions` floats) and answers
 * queries by an exact scan with a bounded heap: no approximation, no index to tune. Metadata
 * filters run inside the scan, so a search returns `k` results whenever at least `k` records
 * match. With `cosine`, vectors are normalized on insert (so only their direction is kept, also
 * in saved files) and the scan is a dot product; zero vectors never match.
 *
 * Deleting moves the last row into the hole, so the array stays dense.
 *
 * @example
 * ```ts
 * const store = new InMemoryVectorStore({ dimensions: 384 });
 * store.add([{ id: "a", vector: embedding, text: "…", metadata: { lang: "en" } }]);
 * const hits = await store.search(queryVector, { k: 5, filter: { lang: "en" } });
 * ```
 */
export class InMemoryVectorStore implements VectorStore {
  /** Length of every vector. */
  readonly dimensions: number;
  /** The similarity measure. */
  readonly metric: DistanceMetric;
  #data: Float32Array;
  #count = 0;
  #ids: string[] = [];
  #texts: string[] = [];
  #metadata: Metadata[] = [];
  readonly #rowOf = new Map<string, number>();

  constructor(options: InMemoryVectorStoreOptions) {
    const o = parseOptions(optionsSchema, options, "InMemoryVectorStore options");
    this.dimensions = o.dimensions;
    this.metric = o.metric ?? "cosine";
    this.#data = new Float32Array((o.initialCapacity ?? 1024) * this.dimensions);
  }

  /** Number of stored vectors. */
  get size(): number {
    return this.#count;
  }

  /** Bytes used by the vector array (allocated capacity included). */
  get vectorBytes(): number {
    return this.#data.byteLength;
  }

  /** Whether a record with this id is stored. */
  has(id: string): boolean {
    return this.#rowOf.has(id);
  }

  /** Adds or replaces records. Vectors must have `dimensions` finite numbers. */
  add(records: readonly VectorRecord[]): void {
    if (!Array.isArray(records)) {
      throw new ValidationError("InMemoryVectorStore.add takes an array of records.", [
        { path: "records", message: "must be an array" },
      ]);
    }
    // Validate everything first so a bad record leaves the store unchanged.
    for (const [i, r] of records.entries()) this.#check(r, i);
    for (const r of records) {
      let row = this.#rowOf.get(r.id);
      if (row === undefined) {
        row = this.#count++;
        this.#ensureCapacity(this.#count);
        this.#rowOf.set(r.id, row);
      }
      this.#ids[row] = r.id;
      this.#texts[row] = r.text;
      this.#metadata[row] = r.metadata ?? {};
      this.#write(row, r.vector);
    }
  }

  /** Removes records by id; unknown ids are ignored. Returns how many were removed. */
  delete(ids: readonly string[]): number {
    let removed = 0;
    const d = this.dimensions;
    for (const id of ids) {
      const row = this.#rowOf.get(id);
      if (row === undefined) continue;
      const last = this.#count - 1;
      if (row !== last) {
        this.#data.copyWithin(row * d, last * d, last * d + d);
        const movedId = this.#ids[last] as string;
        this.#ids[row] = movedId;
        this.#texts[row] = this.#texts[last] as string;
        this.#metadata[row] = this.#metadata[last] as Metadata;
        this.#rowOf.set(movedId, row);
      }
      this.#ids.pop();
      this.#texts.pop();
      this.#metadata.pop();
      this.#rowOf.delete(id);
      this.#count--;
      removed++;
    }
    return removed;
  }

  /** Exact top-k search (synchronous). */
  query(
    vector: Float32Array | readonly number[],
    options: VectorSearchOptions = {},
  ): RetrievedChunk[] {
    const o = parseOptions(searchSchema, options, "InMemoryVectorStore.search options");
    const k = o.k ?? DEFAULT_K;
    const q = this.#queryVector(vector);
    const match = compileFilter(options.filter);
    if (k === 0 || q === undefined) return [];
    const top = new TopK(k);
    const data = this.#data;
    const d = this.dimensions;
    const n = this.#count;
    const metric = this.metric;
    // Kept in a local: reading the heap's getter on every row costs more than the comparison.
    let threshold = Number.NEGATIVE_INFINITY;
    for (let row = 0, base = 0; row < n; row++, base += d) {
      let score: number;
      if (metric === "l2") {
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
        score = -sum;
      } else {
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
        score = s0 + s1 + s2 + s3;
        // A zero vector (cosine) has no direction: never a match.
        if (metric === "cosine" && score === 0 && isZeroRow(data, base, d)) continue;
      }
      if (score < threshold) continue;
      if (match && !match(this.#metadata[row] as Metadata)) continue;
      top.push(row, score);
      threshold = top.threshold;
    }
    return top.sorted().map(({ slot, score }) => {
      const metadata = this.#metadata[slot] as Metadata;
      const chunk: RetrievedChunk = {
        id: this.#ids[slot] as string,
        text: this.#texts[slot] as string,
        score: metric === "l2" ? 1 / (1 - score) : score,
        metadata,
      };
      const source = sourceOf(metadata);
      if (source !== undefined) chunk.source = source;
      return chunk;
    });
  }

  /** {@link VectorStore} form of {@link InMemoryVectorStore.query}. */
  async search(vector: Float32Array, options: VectorSearchOptions = {}): Promise<RetrievedChunk[]> {
    throwIfAborted(options.signal);
    return this.query(vector, options);
  }

  /** A copy of the stored vector of `id` (normalized under cosine), or undefined. */
  vectorOf(id: string): Float32Array | undefined {
    const row = this.#rowOf.get(id);
    if (row === undefined) return undefined;
    return this.#data.slice(row * this.dimensions, (row + 1) * this.dimensions);
  }

  /**
   * Serializes the store: `FMVS`, a format version, a JSON header (ids, texts, metadata,
   * settings) and the raw little-endian float32 rows.
   */
  toBytes(): Uint8Array {
    const header = new TextEncoder().encode(
      JSON.stringify({
        dimensions: this.dimensions,
        metric: this.metric,
        count: this.#count,
        ids: this.#ids,
        texts: this.#texts,
        metadata: this.#metadata,
      }),
    );
    const headerEnd = 12 + header.byteLength;
    const dataStart = Math.ceil(headerEnd / 4) * 4;
    const floats = this.#count * this.dimensions;
    const out = new Uint8Array(dataStart + floats * 4);
    const view = new DataView(out.buffer);
    out.set(new TextEncoder().encode(MAGIC), 0);
    view.setUint32(4, FORMAT_VERSION, true);
    view.setUint32(8, header.byteLength, true);
    out.set(header, 12);
    if (littleEndian()) {
      out.set(new Uint8Array(this.#data.buffer, 0, floats * 4), dataStart);
    } else {
      for (let i = 0; i < floats; i++)
        view.setFloat32(dataStart + i * 4, this.#data[i] as number, true);
    }
    return out;
  }

  /** Rebuilds a store from {@link InMemoryVectorStore.toBytes} output. */
  static fromBytes(bytes: Uint8Array): InMemoryVectorStore {
    const bad = (why: string): never => {
      throw new FmopsError(
        "RAG_INDEX_FILE_ERROR",
        `Not a valid fmops vector store file: ${why}. Rebuild it.`,
      );
    };
    if (bytes.byteLength < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC)
      bad("bad magic bytes");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(4, true) !== FORMAT_VERSION)
      bad(`unsupported version ${view.getUint32(4, true)}`);
    const headerLength = view.getUint32(8, true);
    if (12 + headerLength > bytes.byteLength) bad("truncated header");
    let header: {
      dimensions: number;
      metric: DistanceMetric;
      count: number;
      ids: string[];
      texts: string[];
      metadata: Metadata[];
    };
    try {
      header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
    } catch {
      return bad("unreadable header");
    }
    const dataStart = Math.ceil((12 + headerLength) / 4) * 4;
    const floats = header.count * header.dimensions;
    if (
      header.ids?.length !== header.count ||
      header.texts?.length !== header.count ||
      header.metadata?.length !== header.count ||
      dataStart + floats * 4 !== bytes.byteLength
    ) {
      bad("header and data sizes disagree");
    }
    const store = new InMemoryVectorStore({
      dimensions: header.dimensions,
      metric: header.metric,
      initialCapacity: Math.max(1, header.count),
    });
    for (let i = 0; i < floats; i++) store.#data[i] = view.getFloat32(dataStart + i * 4, true);
    store.#count = header.count;
    store.#ids = header.ids;
    store.#texts = header.texts;
    store.#metadata = header.metadata;
    for (const [row, id] of header.ids.entries()) store.#rowOf.set(id, row);
    return store;
  }

  #check(r: VectorRecord, i: number): void {
    const fail = (path: string, message: string): never => {
      throw new ValidationError(`Invalid record ${i}: ${path} ${message}.`, [
        { path: `records.${i}.${path}`, message },
      ]);
    };
    if (typeof r !== "object" || r === null) fail("", "must be an object");
    if (typeof r.id !== "string" || r.id.length === 0) fail("id", "must be a non-empty string");
    if (typeof r.text !== "string") fail("text", "must be a string");
    const v = r.vector;
    if (!(v instanceof Float32Array || Array.isArray(v)))
      fail("vector", "must be a Float32Array or number[]");
    if (v.length !== this.dimensions) {
      fail(
        "vector",
        `has ${v.length} dimensions but the store has ${this.dimensions}; use the same embedding model for every record`,
      );
    }
    for (let j = 0; j < v.length; j++)
      if (!Number.isFinite(v[j])) fail(`vector.${j}`, "must be finite");
  }

  #ensureCapacity(rows: number): void {
    const needed = rows * this.dimensions;
    if (needed <= this.#data.length) return;
    let capacity = this.#data.length || this.dimensions;
    while (capacity < needed) capacity *= 2;
    const next = new Float32Array(capacity);
    next.set(this.#data.subarray(0, this.#count * this.dimensions));
    this.#data = next;
  }

  #write(row: number, vector: Float32Array | readonly number[]): void {
    const base = row * this.dimensions;
    let scale = 1;
    if (this.metric === "cosine") {
      let norm = 0;
      for (let i = 0; i < vector.length; i++) norm += (vector[i] as number) ** 2;
      scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    }
    for (let i = 0; i < vector.length; i++) this.#data[base + i] = (vector[i] as number) * scale;
  }

  #queryVector(vector: Float32Array | readonly number[]): Float32Array | undefined {
    if (vector.length !== this.dimensions) {
      throw new ValidationError(
        `The query vector has ${vector.length} dimensions but the store has ${this.dimensions}. Embed the query with the model used for the records.`,
        [{ path: "vector", message: "dimension mismatch" }],
      );
    }
    const q = Float32Array.from(vector);
    if (this.metric !== "cosine") return q;
    let norm = 0;
    for (let i = 0; i < q.length; i++) norm += (q[i] as number) ** 2;
    if (!(norm > 0)) return undefined;
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < q.length; i++) q[i] = (q[i] as number) * inv;
    return q;
  }
}

function isZeroRow(data: Float32Array, base: number, d: number): boolean {
  for (let i = 0; i < d; i++) if (data[base + i] !== 0) return false;
  return true;
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
