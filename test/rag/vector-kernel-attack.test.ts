import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FmopsError } from "../../src/core/index.js";
import type { MetadataFilter } from "../../src/rag/filter.js";
import { InMemoryVectorStore } from "../../src/rag/in-memory-vector-store.js";
import type { Metadata, RetrievedChunk } from "../../src/rag/types.js";
import type { DistanceMetric, VectorRecord } from "../../src/rag/vector-store.js";
import { filterArb, metadataArb } from "./filter-arbitraries.js";

// Adversarial checks of InMemoryVectorStore's WebAssembly SIMD kernel against its JavaScript scan
// (issue #22). The claim under attack: with kernel "wasm" a search returns exactly what kernel
// "js" returns (same ids, order and scores), whatever the vectors, the filter, the history of
// adds, replacements and deletes, the memory growth or the file the store came from. Every
// comparison below is on both kernels' full answers, so any skipped row, stale row, wrong
// tie-break or different score fails it. vector-simd.test.ts holds the kernel's own tests; these
// add operation histories, the whole filter language, page-boundary growth, extreme sizes and
// many live stores.

const metrics: DistanceMetric[] = ["cosine", "dot", "l2"];

/** Ids, order and scores, as plain tuples so a failure prints them. */
const shape = (hits: RetrievedChunk[]) => hits.map((h) => [h.id, h.score]);

const pair = (d: number, metric: DistanceMetric, initialCapacity?: number) => {
  const extra = initialCapacity === undefined ? {} : { initialCapacity };
  const wasm = new InMemoryVectorStore({ dimensions: d, metric, kernel: "wasm", ...extra });
  const js = new InMemoryVectorStore({ dimensions: d, metric, kernel: "js", ...extra });
  expect(wasm.kernel).toBe("wasm");
  return { wasm, js };
};

/** Both stores answer `q` identically, for each filter and k given. */
const expectSame = (
  wasm: InMemoryVectorStore,
  js: InMemoryVectorStore,
  q: readonly number[] | Float32Array,
  ks: readonly number[],
  filters: readonly (MetadataFilter | undefined)[] = [undefined],
) => {
  for (const k of ks) {
    for (const filter of filters) {
      const options = filter === undefined ? { k } : { k, filter };
      expect(shape(wasm.query(q, options))).toEqual(shape(js.query(q, options)));
    }
  }
};

/** Byte-for-byte equality (toEqual walks large arrays element by element, slowly). */
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** float32 values of `xs` (so both kernels and the test hold the same numbers). */
const f32 = (xs: readonly number[]) => Array.from(new Float32Array(xs));

// Components from every float32 regime the error bound talks about: zeros of both signs,
// subnormals, ordinary values, and large values whose products stay inside float32.
const componentArb = fc.oneof(
  { weight: 6, arbitrary: fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1, -1, 2 ** -149, -(2 ** -149), 2 ** -127) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 40, -(2 ** 40), 3 * 2 ** 50, 2 ** -100) },
);

type Op =
  | { kind: "add"; rows: { id: number; base: number; ulps: number; at: number; meta: Metadata }[] }
  | { kind: "delete"; ids: number[] }
  | { kind: "query"; base: number; k: number; filter: MetadataFilter | undefined };

/** A copy of `v` with component `at` moved by `ulps` float32 steps (a near-tie of `v`). */
const nudge = (v: readonly number[], ulps: number, at: number) => {
  const f = new Float32Array(v);
  const bits = new Int32Array(f.buffer);
  const i = at % f.length;
  const before = f[i] as number;
  bits[i] = (bits[i] as number) + ulps;
  if (!Number.isFinite(f[i]) || Math.sign(f[i] as number) !== Math.sign(before)) f[i] = before;
  return Array.from(f);
};

const opArb = (bases: number): fc.Arbitrary<Op> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("add" as const),
        rows: fc.array(
          fc.record({
            id: fc.nat(60),
            base: fc.nat(bases - 1),
            ulps: fc.integer({ min: -3, max: 3 }),
            at: fc.nat(),
            meta: metadataArb,
          }),
          { minLength: 1, maxLength: 40 },
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("delete" as const),
        ids: fc.array(fc.nat(60), { maxLength: 8 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("query" as const),
        base: fc.nat(bases - 1),
        k: fc.integer({ min: 0, max: 70 }),
        filter: fc.option(filterArb, { nil: undefined }),
      }),
    },
  );

const historyArb = fc
  .record({
    d: fc.constantFrom(1, 2, 3, 5, 8, 15, 16, 17, 31, 32, 33, 63, 100),
    metric: fc.constantFrom(...metrics),
    scale: fc.constantFrom(1, 1, 2 ** -70, 2 ** -130, 2 ** 30),
    initialCapacity: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
  })
  .chain(({ d, metric, scale, initialCapacity }) =>
    fc.record({
      d: fc.constant(d),
      metric: fc.constant(metric),
      initialCapacity: fc.constant(initialCapacity),
      bases: fc.array(
        fc
          .array(componentArb, { minLength: d, maxLength: d })
          .map((v) => f32(v.map((x) => x * scale))),
        { minLength: 1, maxLength: 5 },
      ),
      ops: fc.array(opArb(5), { minLength: 1, maxLength: 25 }),
    }),
  );

describe("vector kernel attack: wasm equals js under arbitrary histories", () => {
  it("adds, replacements, deletes and queries (any k, the whole filter language) answer identically (property)", () => {
    fc.assert(
      fc.property(historyArb, ({ d, metric, initialCapacity, bases, ops }) => {
        const { wasm, js } = pair(d, metric, initialCapacity);
        const base = (i: number) => bases[i % bases.length] as number[];
        for (const op of ops) {
          if (op.kind === "add") {
            const records: VectorRecord[] = op.rows.map((r) => ({
              id: `v${r.id}`,
              vector: nudge(base(r.base), r.ulps, r.at),
              text: "",
              metadata: r.meta,
            }));
            wasm.add(records);
            js.add(records);
          } else if (op.kind === "delete") {
            const ids = op.ids.map((i) => `v${i}`);
            expect(wasm.delete(ids)).toBe(js.delete(ids));
          } else {
            expect(wasm.explain(op.filter)).toEqual(js.explain(op.filter));
            expectSame(wasm, js, base(op.base), [op.k], [op.filter]);
          }
          expect(wasm.size).toBe(js.size);
        }
        // A stored row as the query: it ties with its duplicates.
        const anyId = `v${ops.length % 61}`;
        const stored = js.vectorOf(anyId);
        if (stored !== undefined) {
          expect(wasm.vectorOf(anyId)).toEqual(stored);
          expectSame(wasm, js, stored, [1, 5, js.size + 3]);
        }
        expect(sameBytes(wasm.toBytes(), js.toBytes())).toBe(true);
      }),
      { numRuns: 120, seed: 20261206 },
    );
  });
});

describe("vector kernel attack: ties, k and sizes", () => {
  it("equal scores keep row order across kernel blocks, with k = 0, k < n, k = n and k > n", () => {
    for (const metric of metrics) {
      const d = 6;
      const { wasm, js } = pair(d, metric);
      const v = [0.5, -1, 2, 0, 1, 3];
      // 700 identical rows (three kernel blocks), then deletes move the last rows into holes.
      const records = Array.from({ length: 700 }, (_, i) => ({
        id: `v${i}`,
        vector: v,
        text: "",
        metadata: { bucket: i % 7 },
      }));
      wasm.add(records);
      js.add(records);
      const holes = ["v0", "v5", "v255", "v256", "v511", "v600"];
      wasm.delete(holes);
      js.delete(holes);
      const expectedFirst = js.query(v, { k: 3 }).map((h) => h.id);
      // Row 0 now holds the former last row: ties go to the lower row, whichever kernel.
      expect(expectedFirst).toEqual(["v699", "v1", "v2"]);
      expectSame(wasm, js, v, [0, 1, 3, 256, 257, 694, 1000], [undefined, { bucket: 3 }]);
      expect(wasm.query(v, { k: 1000 })).toHaveLength(694);
    }
  });

  it("dimension 1: the sign decides, duplicates tie, zero never matches under cosine", () => {
    for (const metric of metrics) {
      const { wasm, js } = pair(1, metric);
      const values = [3, -3, 0, -0, 2 ** -149, -(2 ** -149), 1, 1, 2 ** 60, -(2 ** 60)];
      const records = values.map((x, i) => ({ id: `v${i}`, vector: [x], text: "" }));
      wasm.add(records);
      js.add(records);
      for (const q of [[1], [-1], [2 ** -149], [0], [2 ** 60]]) expectSame(wasm, js, q, [1, 4, 20]);
    }
  });

  it("the largest dimension (65,536): near-ties differing in one float32 ulp rank as in JavaScript", () => {
    const d = 65_536;
    for (const metric of metrics) {
      const { wasm, js } = pair(d, metric);
      let s = 12345;
      const rand = () => {
        s = (s * 1664525 + 1013904223) >>> 0;
        return s / 2 ** 32 - 0.5;
      };
      const base = f32(Array.from({ length: d }, rand));
      const records = [0, 1, -1, 2, -2, 0].map((ulps, i) => ({
        id: `v${i}`,
        vector: nudge(base, ulps, i * 9973),
        text: "",
      }));
      wasm.add(records);
      js.add(records);
      expectSame(wasm, js, base, [1, 2, 6]);
      expectSame(wasm, js, nudge(base, 1, 0), [1, 3]);
    }
  });
});

describe("vector kernel attack: magnitudes around the overflow guard", () => {
  it("sums just under and just over float32's range, subnormal-only stores, and -0 answer identically", () => {
    // Each product about 2^62 * 2^62 = 2^124: sums of a few overflow float32's 2^128 only if
    // the guard lets them through; the exact ranking has a clear winner.
    const big = 2 ** 62;
    const stores: number[][][] = [
      [
        [big, big, 0, 0, 0],
        [big, -big, big, 0, 1],
        [-big, big, big, big, 0],
        [big / 2, big / 2, big / 2, big / 2, big / 2],
      ],
      [
        [2 ** -140, 2 ** -149, 0, -0, 2 ** -130],
        [2 ** -149, 2 ** -149, 2 ** -149, 2 ** -149, 2 ** -149],
        [-(2 ** -149), 2 ** -148, -0, 0, 2 ** -131],
        [2 ** -126, -(2 ** -126), 2 ** -127, 0, 0],
      ],
      [
        [-0, -0, -0, -0, -0],
        [0, 0, 0, 0, 0],
        [-0, 1, -0, 0, -1],
      ],
    ];
    const queries = [
      [big, big, big, big, big],
      [1, 1, 1, 1, 1],
      [2 ** 20, -(2 ** 20), 1, 0, 0],
      [2 ** -149, 2 ** -149, 2 ** -149, 2 ** -149, 2 ** -149],
      [-0, 0, -0, 0, 1],
      [2 ** 66, 0, 0, 0, 0],
    ];
    for (const metric of metrics) {
      for (const rows of stores) {
        const { wasm, js } = pair(5, metric);
        const records = rows.map((v, i) => ({ id: `v${i}`, vector: v, text: "" }));
        wasm.add(records);
        js.add(records);
        for (const q of queries) expectSame(wasm, js, q, [1, 2, 10]);
      }
    }
  });

  it("a row that overflows float32 sums, deleted again, cannot leave the kernel with a stale bound", () => {
    // The guard's largest norm is never lowered by deletes; a replaced row must not lower it
    // either while a large row is still stored.
    const d = 19;
    const { wasm, js } = pair(d, "dot");
    const large = new Array(d).fill(0);
    large[0] = -1e38;
    large[4] = -1e38;
    large[16] = 1e38;
    large[17] = 1e38;
    large[18] = 1e38;
    const small = new Array(d).fill(0);
    small[1] = 1;
    const records = [
      { id: "small", vector: small, text: "" },
      { id: "large", vector: large, text: "" },
      { id: "other", vector: large.map((x) => x / 2), text: "" },
    ];
    for (const store of [wasm, js]) {
      store.add(records);
      store.delete(["other"]);
      store.add([{ id: "again", vector: small, text: "" }]);
    }
    // Exactly, "large" scores 2e38 with this query; in float32 its partial sums overflow.
    const q = new Array(d).fill(2);
    expect(js.query(q, { k: 1 })[0]?.id).toBe("large");
    expectSame(wasm, js, q, [1, 2, 3]);
  });
});

describe("vector kernel attack: cancellation", () => {
  it("a row moved into a deleted row's place keeps its own error bound (float32 cancellation)", () => {
    // With q = ones, "cancel" sums 2^30 + 1 - 2^30 = 1 exactly, but in float32 2^30 + 1 rounds
    // to 2^30 and the kernel scores it 0: its true score is within its bound only because its
    // norm (about 2^30) makes the bound wide. Deleting "victim" (norm 0.1) moves "cancel" into
    // its row; the bound must follow it, or the kernel skips the best row.
    const d = 5;
    for (const metric of ["dot", "l2"] as const) {
      const { wasm, js } = pair(d, metric);
      const records = [
        { id: "competitor", vector: [0.5, 0, 0, 0, 0], text: "" },
        { id: "victim", vector: [0.1, 0, 0, 0, 0], text: "" },
        { id: "filler", vector: [0, 0, 0, 0, -3], text: "" },
        { id: "cancel", vector: [2 ** 30, 1, -(2 ** 30), 0, 0], text: "" },
      ];
      for (const store of [wasm, js]) {
        store.add(records);
        store.delete(["victim"]);
      }
      const q = [1, 1, 1, 1, 1];
      if (metric === "dot") expect(js.query(q, { k: 1 })[0]?.id).toBe("cancel");
      expectSame(wasm, js, q, [1, 2, 3], [undefined, { $not: { id: "x" } }]);
      expectSame(wasm, js, [2 ** 30, 1, -(2 ** 30), 0, 0], [1, 3]);
    }
  });
});

describe("vector kernel attack: memory", () => {
  it("rows that straddle 64 KiB page boundaries stay right across every memory.grow", () => {
    // 4,099 floats per row (not a divisor of a page): rows cross page edges, and each add from
    // initialCapacity 1 grows the memory, replacing the views the store reads.
    const d = 4_099;
    for (const metric of metrics) {
      const { wasm, js } = pair(d, metric, 1);
      let bytes = wasm.vectorBytes;
      let grew = 0;
      for (let i = 0; i < 40; i++) {
        const v = new Float32Array(d);
        for (let j = 0; j < d; j++) v[j] = Math.sin(i * 0.37 + j * 0.011) + (j === d - 1 ? i : 0);
        const record = { id: `v${i}`, vector: v, text: "", metadata: { even: i % 2 === 0 } };
        wasm.add([record]);
        js.add([record]);
        if (wasm.vectorBytes > bytes) grew++;
        bytes = wasm.vectorBytes;
        // The row just written (last floats at the memory's end) must be found as itself.
        expect(wasm.query(v, { k: 1 })[0]?.id).toBe(`v${i}`);
        expectSame(wasm, js, v, [3], [undefined, { even: true }]);
      }
      expect(grew).toBeGreaterThan(3);
      expect(sameBytes(wasm.toBytes(), js.toBytes())).toBe(true);
    }
  });

  it("many live stores keep their own rows (no shared memory, no cross-talk)", () => {
    const d = 8;
    const stores = Array.from({ length: 300 }, (_, s) => {
      const store = new InMemoryVectorStore({ dimensions: d, metric: "dot", kernel: "auto" });
      return { s, store };
    });
    // Interleaved: every store grows a little in turn, so memories grow while others are live.
    for (let round = 0; round < 5; round++) {
      for (const { s, store } of stores) {
        const v = new Array(d).fill(0);
        v[(s + round) % d] = s + 1;
        store.add([{ id: `s${s}r${round}`, vector: v, text: "" }]);
      }
    }
    for (const { s, store } of stores) {
      expect(store.kernel).toBe("wasm");
      const q = new Array(d).fill(0);
      q[s % d] = 1;
      expect(store.query(q, { k: 1 })[0]).toMatchObject({ id: `s${s}r0`, score: s + 1 });
      expect(store.size).toBe(5);
    }
  });

  it("a loaded file keeps answering like JavaScript as it grows, shrinks and is saved again", () => {
    for (const metric of metrics) {
      const d = 13;
      const make = (i: number) =>
        Array.from({ length: d }, (_, j) => Math.cos(i * 1.7 + j) * (j + 1));
      const source = new InMemoryVectorStore({ dimensions: d, metric, kernel: "js" });
      source.add(
        Array.from({ length: 50 }, (_, i) => ({
          id: `v${i}`,
          vector: make(i),
          text: "",
          metadata: { b: i % 3 },
        })),
      );
      const bytes = source.toBytes();
      const wasm = InMemoryVectorStore.fromBytes(bytes, { kernel: "wasm" });
      const js = InMemoryVectorStore.fromBytes(bytes, { kernel: "js" });
      expect(wasm.kernel).toBe("wasm");
      // fromBytes allocates exactly the rows it holds: the first add must grow.
      for (const store of [wasm, js]) {
        store.add(
          Array.from({ length: 400 }, (_, i) => ({
            id: `n${i}`,
            vector: make(i + 50),
            text: "",
            metadata: { b: i % 3 },
          })),
        );
        store.delete(["v0", "n399", "v25", "n7"]);
        store.add([{ id: "v1", vector: make(999), text: "", metadata: { b: 2 } }]);
      }
      for (const i of [0, 1, 60, 999])
        expectSame(wasm, js, make(i), [1, 10, 500], [undefined, { b: 2 }, { b: { $ne: 1 } }]);
      const again = InMemoryVectorStore.fromBytes(wasm.toBytes(), { kernel: "wasm" });
      expect(sameBytes(again.toBytes(), js.toBytes())).toBe(true);
      expectSame(again, js, make(3), [7]);
    }
  });
});

describe("vector kernel attack: options and concurrency", () => {
  it("refuses kernel values it does not know, with a ValidationError naming the field", () => {
    for (const kernel of ["WASM", "simd", "", null, 1, true]) {
      for (const build of [
        () => new InMemoryVectorStore({ dimensions: 4, kernel: kernel as "wasm" }),
        () =>
          InMemoryVectorStore.fromBytes(new InMemoryVectorStore({ dimensions: 4 }).toBytes(), {
            kernel: kernel as "wasm",
          }),
      ]) {
        let error: unknown;
        try {
          build();
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(FmopsError);
        expect((error as FmopsError).code).toBe("VALIDATION_ERROR");
        expect((error as Error).message).toMatch(/kernel/);
      }
    }
  });

  it('kernel "wasm" that cannot get its memory is a ValidationError that says to use auto', () => {
    // 65,536 floats per row and 100,000 rows need far more than a 4 GiB WebAssembly memory.
    let error: unknown;
    try {
      new InMemoryVectorStore({ dimensions: 65_536, initialCapacity: 100_000, kernel: "wasm" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FmopsError);
    expect((error as FmopsError).code).toBe("VALIDATION_ERROR");
    expect((error as Error).message).toMatch(/kernel "auto"/);
  });

  it("searches started while records are added, replaced and deleted answer as of their start", async () => {
    const d = 16;
    const { wasm, js } = pair(d, "cosine", 2);
    const vector = (i: number) => Array.from({ length: d }, (_, j) => Math.sin(i + j * 0.5));
    const pending: Promise<RetrievedChunk[][]>[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < 200; i++) {
      const record = { id: `v${i}`, vector: vector(i), text: "" };
      wasm.add([record]);
      js.add([record]);
      // Started now, awaited only after every later add, replacement, delete and memory growth.
      const q = new Float32Array(vector(i * 7));
      pending.push(Promise.all([wasm.search(q, { k: 5 }), js.search(q, { k: 5 })]));
      sizes.push(js.size);
      if (i % 10 === 9) {
        for (const store of [wasm, js]) {
          store.delete([`v${i - 5}`]);
          store.add([{ id: `v${i - 2}`, vector: vector(-i), text: "" }]);
        }
      }
    }
    const results = await Promise.all(pending);
    for (const [i, [fromWasm, fromJs]] of results.entries()) {
      expect(fromWasm).toHaveLength(Math.min(5, sizes[i] as number));
      expect(shape(fromWasm as RetrievedChunk[])).toEqual(shape(fromJs as RetrievedChunk[]));
    }
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});
