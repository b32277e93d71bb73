/**
 * {@link InMemoryVectorStore}: exact nearest-neighbour search over chunks of `Float32Array` rows,
 * with an inverted index on metadata so that selective filters skip the rows they exclude.
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, parseOptions, ValidationError } from "../core/index.js";
import { schemaFor, throwIfAborted } from "../core/internal.js";
import { evaluateFilter, type FilterNode, type MetadataFilter, parseFilter } from "./filter.js";
import { MetadataIndex, type RowSelection } from "./metadata-index.js";
import { metadataFilterSchema } from "./metadata-schema.js";
import { frozenCopy } from "./metadata-snapshot.js";
import { sourceOf } from "./source.js";
import { TopK } from "./top-k.js";
import { DEFAULT_K, type Metadata, type RetrievedChunk } from "./types.js";
import { type RowCheck, scanRows, scanSelected } from "./vector-scan.js";
import { SimdRows } from "./vector-simd.js";
import type {
  DistanceMetric,
  FilterPlan,
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
  /**
   * Rows to allocate up front. With the WebAssembly kernel, the memory then grows by at least a
   * sixteenth at a time (unused capacity under about 6%, or one 64 KiB page); with the JavaScript
   * kernel, later growth adds chunks of half the current capacity, capped at about 1 MiB of
   * floats, so unused capacity stays under a third of the store (or one chunk) and nothing is
   * ever copied. Default: grow from 16 rows.
   */
  initialCapacity?: number;
  /**
   * How the exact scan runs. `"auto"` (default): a WebAssembly SIMD kernel where the runtime
   * supports it (Node, Deno and current browsers do), the JavaScript scan elsewhere, or once the
   * vectors outgrow the 4 GiB a WebAssembly memory can hold (the rows are then copied once into
   * JavaScript chunks). `"wasm"`: the SIMD kernel or a `VALIDATION_ERROR` (at construction where
   * the runtime lacks it, at `add` past 4 GiB). `"js"`: always the JavaScript scan. Results are
   * identical either way: the same ids, order and scores.
   */
  kernel?: "auto" | "wasm" | "js";
}

const optionsSchema = z
  .object({
    dimensions: z.int().min(1).max(65_536),
    metric: z.enum(["cosine", "dot", "l2"]).optional(),
    initialCapacity: z.int().min(1).max(100_000_000).optional(),
    kernel: z.enum(["auto", "wasm", "js"]).optional(),
  })
  .strict();

const fromBytesSchema = z.object({ kernel: z.enum(["auto", "wasm", "js"]).optional() }).strict();

const searchSchema = schemaFor<VectorSearchOptions>()(
  z
    .object({
      k: z.int().min(0).max(100_000).optional(),
      filter: metadataFilterSchema.optional(),
      signal: z.instanceof(AbortSignal).optional(),
      timeoutMs: z.number().optional(),
    })
    .strict(),
);

/**
 * The smallest magnitude float32 rounds to an infinity (2^128 - 2^103, halfway between the largest
 * float32 and 2^128): rows are stored as float32, so a component this large would be infinite.
 */
const FLOAT32_OVERFLOW = 2 ** 128 - 2 ** 103;

const MAGIC = "FMVS";
const FORMAT_VERSION = 1;

/** Largest chunk, in bytes of floats: big enough to stream, small enough to waste little. */
const MAX_CHUNK_BYTES = 1 << 20;
/** Smallest chunk, in rows. */
const MIN_CHUNK_ROWS = 16;

/** How {@link InMemoryVectorStore.query} answers one filter. */
interface Plan {
  strategy: FilterPlan["strategy"];
  /** Rows to score (absent: every row). */
  selection?: RowSelection;
  /** The filter, when rows that would enter the top k must still be tested with it. */
  node?: FilterNode;
}

/**
 * Keeps every vector in `Float32Array` chunks (rows of `dimensions` floats, row order preserved)
 * and answers queries by an exact scan with a bounded heap: no approximation, no index to tune.
 * With `cosine`, vectors are normalized on insert (so only their direction is kept, also in saved
 * files) and the scan is a dot product; zero vectors never match.
 *
 * Metadata filters never lose results: a search returns `k` results whenever at least `k`
 * records match. Each record's metadata is indexed when it is added (value -> rows), so a
 * filter is first turned into the set of rows it selects and only those rows are scored: a
 * filter that keeps 10% of the store costs about 10% of a full scan. When the index cannot
 * answer part of a filter (or reading it would cost more than the scan), the filter is tested
 * inside the scan instead, only for rows that would enter the top k. {@link
 * InMemoryVectorStore.explain} tells which way a filter goes. Metadata is a snapshot: the store
 * copies it when a record is added or loaded, indexes that copy and freezes it, so editing the
 * object passed to `add` afterwards changes nothing, and results hand out the frozen copy (an edit
 * throws a `TypeError` in strict-mode code and is ignored elsewhere). Both ways of answering a
 * filter therefore always see the same metadata. To change a record's metadata, add it again.
 *
 * Deleting moves the last row into the hole, so the rows stay dense.
 *
 * Where the runtime supports WebAssembly SIMD (see the `kernel` option), the rows live in one
 * `WebAssembly.Memory` and a SIMD kernel reads them at close to memory speed; rows whose float32
 * score could, within a proven rounding bound, reach the top k are then scored again with the
 * JavaScript code, so results (ids, order, scores) are exactly those of the JavaScript scan.
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
  /** Row storage; chunk `c` holds rows `#chunkStarts[c]` onwards. */
  #chunks: Float32Array[] = [];
  #chunkStarts: number[] = [];
  /** Rows allocated across all chunks. */
  #capacity = 0;
  readonly #maxChunkRows: number;
  #index = new MetadataIndex();
  #count = 0;
  #ids: string[] = [];
  #texts: string[] = [];
  #metadata: Metadata[] = [];
  readonly #rowOf = new Map<string, number>();
  readonly #kernelChoice: "auto" | "wasm" | "js";
  /** The WebAssembly storage and kernel; undefined when the rows are in JavaScript chunks. */
  #simd: SimdRows | undefined;

  constructor(options: InMemoryVectorStoreOptions) {
    const o = parseOptions(optionsSchema, options, "InMemoryVectorStore options");
    this.dimensions = o.dimensions;
    this.metric = o.metric ?? "cosine";
    this.#maxChunkRows = Math.max(
      MIN_CHUNK_ROWS,
      Math.floor(MAX_CHUNK_BYTES / (4 * this.dimensions)),
    );
    this.#kernelChoice = o.kernel ?? "auto";
    if (this.#kernelChoice !== "js") {
      const mayFallBack = this.#kernelChoice === "auto";
      this.#simd = SimdRows.create(this.dimensions, o.initialCapacity ?? 0, mayFallBack);
      if (this.#simd !== undefined) this.#adoptSimdRows();
      else if (this.#kernelChoice === "wasm") {
        throw this.#noWasm(
          "this runtime cannot run it (no WebAssembly SIMD, compiling refused, or initialCapacity over 4 GiB)",
        );
      }
    }
    if (this.#simd === undefined && o.initialCapacity !== undefined)
      this.#addChunk(o.initialCapacity);
  }

  /**
   * Where the rows live and which scan queries use: `"wasm"` (a `WebAssembly.Memory`, scanned by
   * the SIMD kernel) or `"js"` (`Float32Array` chunks, the JavaScript scan; see the `kernel`
   * option). With `"wasm"`, a query whose float32 sums could overflow (|query| times the largest
   * stored norm at or above 2^126, so only with values near float32's limit) runs the JavaScript
   * scan over the same rows instead, for that query only, with the same results. Once the row
   * with that largest norm is deleted or replaced, the bound is recomputed, and queries run the
   * kernel again.
   */
  get kernel(): "wasm" | "js" {
    return this.#simd === undefined ? "js" : "wasm";
  }

  /** Number of stored vectors. */
  get size(): number {
    return this.#count;
  }

  /**
   * Bytes allocated for vectors (unused capacity included; with the WebAssembly kernel, also its
   * few KiB of scratch space and 4 bytes per row for the rows' norms).
   */
  get vectorBytes(): number {
    return this.#simd?.byteLength ?? this.#capacity * this.dimensions * 4;
  }

  /** Whether a record with this id is stored. */
  has(id: string): boolean {
    return this.#rowOf.has(id);
  }

  /**
   * Adds or replaces records. Vectors must have `dimensions` finite numbers; under `"dot"` and
   * `"l2"` each must also fit float32 (magnitude up to about 3.4e38), as rows are stored in
   * float32. Under `"cosine"` any finite vector is stored as its unit vector (huge or tiny values
   * included). A bad record throws `VALIDATION_ERROR` naming it, and the store is left unchanged.
   * Each record's metadata is copied and the copy frozen (the caller's object is neither kept nor
   * frozen): editing it after `add` changes neither results nor filters.
   */
  add(records: readonly VectorRecord[]): void {
    if (!Array.isArray(records)) {
      throw new ValidationError("InMemoryVectorStore.add takes an array of records.", [
        { path: "records", message: "must be an array" },
      ]);
    }
    // Validate everything first so a bad record leaves the store unchanged.
    for (const [i, r] of records.entries()) this.#check(r, i);
    // Room for the whole batch first: one grow, and a store too big to grow stays unchanged.
    const fresh = new Set<string>();
    for (const r of records) if (!this.#rowOf.has(r.id)) fresh.add(r.id);
    this.#ensureCapacity(this.#count + fresh.size);
    for (const r of records) {
      let row = this.#rowOf.get(r.id);
      if (row === undefined) {
        row = this.#count++;
        this.#ensureCapacity(this.#count);
        this.#rowOf.set(r.id, row);
      } else {
        this.#index.delete(row);
      }
      const metadata = frozenCopy(r.metadata);
      this.#ids[row] = r.id;
      this.#texts[row] = r.text;
      this.#metadata[row] = metadata;
      this.#index.add(row, metadata);
      this.#write(row, r.vector);
    }
  }

  /** Removes records by id; unknown ids are ignored. Returns how many were removed. */
  delete(ids: readonly string[]): number {
    let removed = 0;
    for (const id of ids) {
      const row = this.#rowOf.get(id);
      if (row === undefined) continue;
      const last = this.#count - 1;
      this.#index.delete(row);
      this.#simd?.forgetRow(row);
      if (row !== last) {
        const [to, toBase] = this.#locate(row);
        const [from, fromBase] = this.#locate(last);
        to.set(from.subarray(fromBase, fromBase + this.dimensions), toBase);
        this.#simd?.moveRow(last, row);
        this.#index.move(last, row);
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

  /**
   * Exact top-k search (synchronous). The query must have `dimensions` finite numbers (under
   * `"dot"` and `"l2"` within float32's range) and the options are strict: anything else throws
   * `VALIDATION_ERROR`. Under `"cosine"` a zero query has no direction and returns no results.
   * Each result's `metadata` is the store's frozen snapshot of the record's metadata (read-only,
   * arrays included, shared by every result for that record): copy it (`{ ...hit.metadata }`) to
   * build on it.
   */
  query(
    vector: Float32Array | readonly number[],
    options: VectorSearchOptions = {},
  ): RetrievedChunk[] {
    const o = parseOptions(searchSchema, options, "InMemoryVectorStore.search options");
    const k = o.k ?? DEFAULT_K;
    const q = this.#queryVector(vector);
    const plan = this.#plan(o.filter);
    if (k === 0 || q === undefined) return [];
    const top = new TopK(k);
    const metric = this.metric;
    const node = plan.node;
    const check: RowCheck | undefined =
      node === undefined
        ? undefined
        : (row) => evaluateFilter(node, this.#metadata[row] as Metadata);
    const bits = plan.selection?.bits;
    const simd = this.#simd;
    if (bits) {
      if (!simd?.scanSelected(q, this.#count, bits, metric, top, check))
        scanSelected(q, this.#chunks, this.#chunkStarts, this.#count, bits, metric, top, check);
    } else if (plan.selection !== undefined && plan.selection.count === 0) {
      // The filter selects nothing.
    } else if (simd?.scan(q, this.#count, metric, top, check)) {
      // Scanned by the kernel (it declines queries whose float32 sums could overflow).
    } else {
      // Kept in a local across chunks: reading the heap's getter on every row costs more.
      let threshold = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < this.#chunks.length; c++) {
        const first = this.#chunkStarts[c] as number;
        const rows = Math.min(this.#count - first, this.#chunkCapacity(c));
        if (rows <= 0) break;
        threshold = scanRows(
          q,
          this.#chunks[c] as Float32Array,
          rows,
          first,
          metric,
          top,
          threshold,
          check,
        );
      }
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

  /**
   * How a query with this filter would run, without running it: `"all"` (no filter: every row
   * is scored), `"index"` (only the rows the metadata index selects are scored, with no further
   * test), `"index+check"` (the index narrows the rows, the filter tests those that would enter
   * the top k) or `"scan"` (every row is scored and the filter tests those that would enter the
   * top k). `rowsVisited` is how many rows would be scored.
   *
   * @example
   * ```ts
   * store.explain({ lang: "de" }); // { strategy: "index", rowsVisited: 1200 }
   * ```
   */
  explain(filter?: MetadataFilter): FilterPlan {
    const plan = this.#plan(filter);
    return { strategy: plan.strategy, rowsVisited: plan.selection?.count ?? this.#count };
  }

  /**
   * {@link VectorStore} form of {@link InMemoryVectorStore.query}; results are the same, their
   * `metadata` the same read-only snapshot.
   */
  async search(vector: Float32Array, options: VectorSearchOptions = {}): Promise<RetrievedChunk[]> {
    throwIfAborted(options.signal);
    return this.query(vector, options);
  }

  /** A copy of the stored vector of `id` (normalized under cosine), or undefined. */
  vectorOf(id: string): Float32Array | undefined {
    const row = this.#rowOf.get(id);
    if (row === undefined) return undefined;
    const [chunk, base] = this.#locate(row);
    return chunk.slice(base, base + this.dimensions);
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
    const le = littleEndian();
    let at = dataStart;
    for (let c = 0; c < this.#chunks.length; c++) {
      const rows = Math.min(this.#count - (this.#chunkStarts[c] as number), this.#chunkCapacity(c));
      if (rows <= 0) break;
      const chunk = this.#chunks[c] as Float32Array;
      const n = rows * this.dimensions;
      if (le) out.set(new Uint8Array(chunk.buffer, chunk.byteOffset, n * 4), at);
      else for (let i = 0; i < n; i++) view.setFloat32(at + i * 4, chunk[i] as number, true);
      at += n * 4;
    }
    return out;
  }

  /**
   * Rebuilds a store from {@link InMemoryVectorStore.toBytes} output (the file format does not
   * depend on the kernel: a file saved with one loads with the other). `options.kernel` is as in
   * the constructor. A file that is not one, is truncated, or holds NaN or an infinity (damaged,
   * or written by other code) throws `RAG_INDEX_FILE_ERROR`.
   */
  static fromBytes(
    bytes: Uint8Array,
    options: Pick<InMemoryVectorStoreOptions, "kernel"> = {},
  ): InMemoryVectorStore {
    const o = parseOptions(fromBytesSchema, options, "InMemoryVectorStore.fromBytes options");
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
    for (const [row, m] of header.metadata.entries()) {
      if (typeof m !== "object" || m === null || Array.isArray(m))
        bad(
          `record ${row} (id ${JSON.stringify(header.ids[row])}) has metadata that is not an object`,
        );
    }
    const store = new InMemoryVectorStore({
      dimensions: header.dimensions,
      metric: header.metric,
      initialCapacity: Math.max(1, header.count),
      ...(o.kernel === undefined ? {} : { kernel: o.kernel }),
    });
    const data = store.#chunks[0] as Float32Array;
    if (littleEndian()) {
      // One copy of the raw bytes (the input may be unaligned and stays the caller's).
      new Uint8Array(data.buffer, data.byteOffset, floats * 4).set(
        bytes.subarray(dataStart, dataStart + floats * 4),
      );
    } else {
      for (let i = 0; i < floats; i++) data[i] = view.getFloat32(dataStart + i * 4, true);
    }
    // A damaged file (or one written by other code) may hold NaN or an infinity: the scans'
    // scores and the kernel's overflow guard assume finite floats, as add() guarantees.
    const d = header.dimensions;
    for (let i = 0; i < floats; i++) {
      if (!Number.isFinite(data[i])) {
        const row = Math.floor(i / d);
        bad(
          `record ${row} (id ${JSON.stringify(header.ids[row])}) has a non-finite value (${data[i]}) at index ${i - row * d}`,
        );
      }
    }
    store.#count = header.count;
    store.#ids = header.ids;
    store.#texts = header.texts;
    store.#metadata = header.metadata.map(frozenCopy);
    for (const [row, id] of header.ids.entries()) {
      store.#rowOf.set(id, row);
      store.#index.add(row, store.#metadata[row] as Metadata);
      store.#simd?.noteRow(row);
    }
    return store;
  }

  #check(r: VectorRecord, i: number): void {
    const fail = (path: string, message: string): never => {
      const named =
        typeof r?.id === "string" && r.id.length > 0 ? ` (${JSON.stringify(r.id)})` : "";
      throw new ValidationError(`Invalid record ${i}${named}: ${path} ${message}.`, [
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
    // Cosine keeps only the direction (normalized in float64 first), so any finite number fits;
    // dot and l2 store the values themselves as float32, where a larger one would be infinite.
    // One comparison per value (also false for NaN); the reason is worked out on failure.
    const limit = this.metric === "cosine" ? Number.POSITIVE_INFINITY : FLOAT32_OVERFLOW;
    for (let j = 0; j < v.length; j++) {
      const x = v[j] as number;
      if (!(Math.abs(x) < limit))
        fail(`vector.${j}`, Number.isFinite(x) ? float32Overflow(x) : "must be finite");
    }
  }

  /**
   * Decides how a filter runs. The index is used when reading it costs less than scoring every
   * row (one index entry is about as cheap as one multiply-add, a row costs `dimensions` of
   * them); then only the selected rows are scored.
   */
  #plan(filter: MetadataFilter | undefined): Plan {
    if (filter === undefined) return { strategy: "all" };
    const node = parseFilter(filter);
    if (node.op === "and" && node.children.length === 0) return { strategy: "all" };
    const n = this.#count;
    if (this.#index.estimate(node, n) < n * this.dimensions) {
      const selection = this.#index.select(node, n);
      if (selection?.exact) return { strategy: "index", selection };
      if (selection) return { strategy: "index+check", selection, node };
    }
    return { strategy: "scan", node };
  }

  #chunkCapacity(c: number): number {
    const chunk = this.#chunks[c] as Float32Array;
    return chunk.length / this.dimensions;
  }

  /** The chunk holding `row` and the offset of the row's first float in it. */
  #locate(row: number): [Float32Array, number] {
    const starts = this.#chunkStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((starts[mid] as number) <= row) lo = mid;
      else hi = mid - 1;
    }
    return [this.#chunks[lo] as Float32Array, (row - (starts[lo] as number)) * this.dimensions];
  }

  #addChunk(rows: number): void {
    this.#chunkStarts.push(this.#capacity);
    this.#chunks.push(new Float32Array(rows * this.dimensions));
    this.#capacity += rows;
  }

  /**
   * Makes room for `rows` rows: grows the WebAssembly memory, or adds chunks (never copying
   * rows). Past the WebAssembly memory's 4 GiB, `"auto"` moves the rows into chunks once and
   * `"wasm"` refuses.
   */
  #ensureCapacity(rows: number): void {
    if (rows <= this.#capacity) return;
    const simd = this.#simd;
    if (simd !== undefined) {
      if (simd.reserve(rows)) {
        this.#adoptSimdRows();
        return;
      }
      if (this.#kernelChoice === "wasm") {
        throw this.#noWasm(
          `${rows} vectors of ${this.dimensions} floats do not fit in one WebAssembly memory (4 GiB at most, less where the runtime caps it)`,
        );
      }
      this.#leaveSimd(simd);
    }
    while (this.#capacity < rows) {
      const half = Math.ceil(this.#capacity / 2);
      this.#addChunk(Math.min(this.#maxChunkRows, Math.max(MIN_CHUNK_ROWS, half)));
    }
  }

  #write(row: number, vector: Float32Array | readonly number[]): void {
    const [data, base] = this.#locate(row);
    if (this.metric === "cosine") {
      const [divisor, inv] = unitScale(vector);
      if (divisor === 1) {
        for (let i = 0; i < vector.length; i++) data[base + i] = (vector[i] as number) * inv;
      } else {
        for (let i = 0; i < vector.length; i++)
          data[base + i] = ((vector[i] as number) / divisor) * inv;
      }
    } else {
      for (let i = 0; i < vector.length; i++) data[base + i] = vector[i] as number;
    }
    this.#simd?.noteRow(row);
  }

  /** Points the chunk list at the WebAssembly rows (again, after the memory grew). */
  #adoptSimdRows(): void {
    const simd = this.#simd as SimdRows;
    this.#chunks = [simd.rows];
    this.#chunkStarts = [0];
    this.#capacity = simd.capacity;
  }

  /** Copies the rows out of the WebAssembly memory into chunks and scans in JavaScript from now on. */
  #leaveSimd(simd: SimdRows): void {
    const source = simd.rows;
    this.#simd = undefined;
    this.#chunks = [];
    this.#chunkStarts = [];
    this.#capacity = 0;
    while (this.#capacity < this.#count) {
      const half = Math.ceil(this.#capacity / 2);
      this.#addChunk(Math.min(this.#maxChunkRows, Math.max(MIN_CHUNK_ROWS, half)));
    }
    const d = this.dimensions;
    for (let c = 0; c < this.#chunks.length; c++) {
      const first = this.#chunkStarts[c] as number;
      const rows = Math.min(this.#count - first, this.#chunkCapacity(c));
      if (rows <= 0) break;
      (this.#chunks[c] as Float32Array).set(source.subarray(first * d, (first + rows) * d));
    }
  }

  #noWasm(why: string): ValidationError {
    return new ValidationError(
      `InMemoryVectorStore kernel "wasm" cannot be used: ${why}. Use kernel "auto" to fall back to the JavaScript scan (same results).`,
      [{ path: "kernel", message: why }],
    );
  }

  /**
   * The query as float32 (normalized under cosine), or undefined for a cosine zero vector (no
   * direction, nothing matches). Refuses a wrong length, NaN or an infinity, and under dot and
   * l2 a value beyond float32's range: the scan could only return NaN scores or nothing.
   */
  #queryVector(vector: Float32Array | readonly number[]): Float32Array | undefined {
    if (!(vector instanceof Float32Array || Array.isArray(vector))) {
      throw new ValidationError("The query vector must be a Float32Array or number[].", [
        { path: "vector", message: "must be a Float32Array or number[]" },
      ]);
    }
    if (vector.length !== this.dimensions) {
      throw new ValidationError(
        `The query vector has ${vector.length} dimensions but the store has ${this.dimensions}. Embed the query with the model used for the records.`,
        [{ path: "vector", message: "dimension mismatch" }],
      );
    }
    const cosine = this.metric === "cosine";
    for (let i = 0; i < vector.length; i++) {
      const x = vector[i] as number;
      const why = !Number.isFinite(x)
        ? "must be finite"
        : !cosine && !(Math.abs(x) < FLOAT32_OVERFLOW)
          ? float32Overflow(x)
          : undefined;
      if (why !== undefined) {
        throw new ValidationError(`The query vector's value ${i} ${why}.`, [
          { path: `vector.${i}`, message: why },
        ]);
      }
    }
    if (!cosine) return Float32Array.from(vector);
    // Normalized from the float32 values as before, unless float32 loses the vector's direction
    // (a value beyond its range, or every value below it).
    const rounded = Float32Array.from(vector);
    const keeps = rounded.every(Number.isFinite) && rounded.some((x) => x !== 0);
    const source = keeps ? rounded : vector;
    const [divisor, inv] = unitScale(source);
    if (inv === 0) return undefined;
    const q = new Float32Array(vector.length);
    for (let i = 0; i < q.length; i++) q[i] = ((source[i] as number) / divisor) * inv;
    return q;
  }
}

/** Why a finite number cannot be stored as float32. */
function float32Overflow(x: number): string {
  return `is ${x}, beyond float32's range (about ±3.4e38) in which vectors are stored; scale the vectors down, or use metric "cosine" if only their direction matters`;
}

/**
 * `[divisor, inv]` such that `(v[i] / divisor) * inv` is `v` divided by its Euclidean norm
 * (`inv` is 0 for a zero vector). `divisor` is 1 unless the sum of squares overflows or
 * underflows float64 (components around 1e155 or 1e-155): then it is the largest absolute
 * component, so a finite non-zero vector always keeps its direction. With divisor 1 the result is
 * the plain `v[i] * (1 / norm)`, so ordinary vectors are stored exactly as before.
 */
function unitScale(v: Float32Array | readonly number[]): [number, number] {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) ** 2;
  // Above 2^-900 the squares lost to underflow (below 2^-1074) are under 2^-170 of the sum.
  if (sum < Number.POSITIVE_INFINITY && sum > 2 ** -900) return [1, 1 / Math.sqrt(sum)];
  let largest = 0;
  for (let i = 0; i < v.length; i++) largest = Math.max(largest, Math.abs(v[i] as number));
  if (largest === 0) return [1, 0];
  let scaledSum = 0;
  for (let i = 0; i < v.length; i++) scaledSum += ((v[i] as number) / largest) ** 2;
  return [largest, 1 / Math.sqrt(scaledSum)];
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
