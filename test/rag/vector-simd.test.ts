import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations.
import { assembleVectorSimd, GENERATED_PATH, generatedSource } from "../../scripts/build-wasm.mjs";
import type { MetadataFilter } from "../../src/rag/filter.js";
import { InMemoryVectorStore } from "../../src/rag/in-memory-vector-store.js";
import type { RetrievedChunk } from "../../src/rag/types.js";
import { simdKernelAvailable } from "../../src/rag/vector-simd.js";
import type { DistanceMetric } from "../../src/rag/vector-store.js";

// The WebAssembly SIMD kernel of InMemoryVectorStore (src/rag/vector-simd.ts): the committed
// bytes match the WAT source, and every search gives exactly what the JavaScript scan gives
// (same ids, same order, same scores, compared with toEqual), including on near-ties, duplicate
// vectors, subnormal and huge values.

const root = join(import.meta.dirname, "../..");
const metrics: DistanceMetric[] = ["cosine", "dot", "l2"];

const pair = (d: number, metric: DistanceMetric, initialCapacity?: number) => {
  const extra = initialCapacity === undefined ? {} : { initialCapacity };
  return {
    wasm: new InMemoryVectorStore({ dimensions: d, metric, kernel: "wasm", ...extra }),
    js: new InMemoryVectorStore({ dimensions: d, metric, kernel: "js", ...extra }),
  };
};

/** Ids, order and scores, as plain tuples so a failure prints them. */
const shape = (hits: RetrievedChunk[]) => hits.map((h) => [h.id, h.score]);

describe("vector SIMD kernel: bytes and availability", () => {
  it("the committed module bytes are what scripts/build-wasm.mjs assembles from the WAT", async () => {
    const bytes = (await assembleVectorSimd()) as Uint8Array;
    expect(readFileSync(GENERATED_PATH as string, "utf8")).toBe(
      (generatedSource as (b: Uint8Array) => string)(bytes),
    );
    // SIMD opcodes (0xfd prefix) are in it, so validation below proves SIMD support.
    expect(bytes.includes(0xfd)).toBe(true);
  });

  it("is used automatically on this runtime, and can be forced off", () => {
    expect(simdKernelAvailable()).toBe(true);
    expect(new InMemoryVectorStore({ dimensions: 8 }).kernel).toBe("wasm");
    expect(new InMemoryVectorStore({ dimensions: 8, kernel: "js" }).kernel).toBe("js");
    expect(() => new InMemoryVectorStore({ dimensions: 8, kernel: "simd" as "wasm" })).toThrow(
      /kernel/,
    );
  });
});

// Vectors built to stress the error bound: exact duplicates, copies nudged by one float32 ulp
// (scores that differ in the last bits), opposite vectors, and magnitudes from subnormal to
// large. Values are float32 so both stores hold the same floats.
const scaleArb = fc.constantFrom(1, 1, 1, 2 ** -60, 2 ** -140, 2 ** 40, 2 ** 60);
const baseArb = (d: number) =>
  fc.array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), {
    minLength: d,
    maxLength: d,
  });
const nudge = (v: number[], ulps: number, at: number) => {
  const f = new Float32Array(v);
  const bits = new Int32Array(f.buffer);
  const i = at % f.length;
  const before = f[i] as number;
  bits[i] = (bits[i] as number) + ulps;
  // Stepping across zero or past the largest float would leave the numbers.
  if (!Number.isFinite(f[i]) || Math.sign(f[i] as number) !== Math.sign(before)) f[i] = before;
  return Array.from(f);
};

interface Case {
  d: number;
  metric: DistanceMetric;
  vectors: number[][];
  queries: number[][];
  k: number;
  deletes: number[];
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    d: fc.constantFrom(1, 3, 4, 7, 16, 17, 33, 64),
    metric: fc.constantFrom(...metrics),
    scale: scaleArb,
    rows: fc.integer({ min: 1, max: 700 }),
    k: fc.integer({ min: 1, max: 12 }),
    seed: fc.integer(),
  })
  .chain(({ d, metric, scale, rows, k, seed }) =>
    fc
      .record({
        bases: fc.array(baseArb(d), { minLength: 1, maxLength: 6 }),
        queries: fc.array(baseArb(d), { minLength: 1, maxLength: 3 }),
        deletes: fc.array(fc.nat(), { maxLength: 20 }),
      })
      .map(({ bases, queries, deletes }) => {
        let s = seed >>> 0;
        const next = () => {
          s = (s * 1664525 + 1013904223) >>> 0;
          return s;
        };
        const vectors: number[][] = [];
        for (let r = 0; r < rows; r++) {
          const base = bases[next() % bases.length] as number[];
          const kind = next() % 4;
          const v =
            kind === 0
              ? base // duplicate
              : kind === 1
                ? nudge(base, (next() % 5) - 2, next()) // near-tie
                : kind === 2
                  ? base.map((x) => -x)
                  : base.map(() => ((next() % 2001) - 1000) / 250);
          vectors.push(Array.from(new Float32Array(v.map((x) => x * scale))));
        }
        // Queries: random ones and stored rows (ties with their duplicates).
        const qs = [
          ...queries.map((q) => Array.from(new Float32Array(q.map((x) => x * scale)))),
          vectors[next() % vectors.length] as number[],
        ];
        return { d, metric, vectors, queries: qs, k, deletes };
      }),
  );

const filters: (MetadataFilter | undefined)[] = [
  undefined,
  { bucket: 3 }, // the index answers it exactly
  { bucket: { $in: [0, 1, 2, 3, 4, 5, 6] } }, // selects most rows: tested in the scan
  { constructor: { $exists: true } }, // the index cannot answer: tested in the scan
  { bucket: 3, $or: [{ odd: true }, { bucket: { $gte: 5 } }] },
];

describe("vector SIMD kernel: exactly the JavaScript scan's results", () => {
  it("same ids, order and scores on random stores with ties, duplicates and extreme magnitudes (property)", () => {
    fc.assert(
      fc.property(caseArb, ({ d, metric, vectors, queries, k, deletes }) => {
        const { wasm, js } = pair(d, metric);
        const records = vectors.map((vector, i) => ({
          id: `v${i}`,
          vector,
          text: "",
          metadata: { bucket: i % 10, odd: i % 2 === 1 },
        }));
        for (const store of [wasm, js]) {
          store.add(records);
          store.delete(deletes.map((i) => `v${i % vectors.length}`));
          // Replacing a record rewrites its row (and its norm).
          store.add(records.slice(0, 3).map((r) => ({ ...r, vector: r.vector.map((x) => -x) })));
        }
        expect(wasm.kernel).toBe("wasm");
        for (const q of queries) {
          for (const filter of filters) {
            const options = filter === undefined ? { k } : { k, filter };
            expect(shape(wasm.query(q, options))).toEqual(shape(js.query(q, options)));
          }
        }
      }),
      { numRuns: 250, seed: 2222 },
    );
  });

  it("declines queries whose float32 sums could overflow, and answers them in JavaScript", () => {
    // In float32 both rows score -Infinity; exactly, "a" (-2^200) beats "b" (-2^201).
    const huge = new InMemoryVectorStore({ dimensions: 4, metric: "dot", kernel: "wasm" });
    huge.add([
      { id: "b", vector: [-(2 ** 101), 0, 0, 0], text: "" },
      { id: "a", vector: [-(2 ** 100), 0, 0, 0], text: "" },
    ]);
    expect(huge.query([2 ** 100, 0, 0, 0], { k: 1 }).map((h) => [h.id, h.score])).toEqual([
      ["a", -(2 ** 200)],
    ]);

    for (const metric of ["dot", "l2"] as const) {
      const { wasm, js } = pair(4, metric);
      const big = 2 ** 100;
      const records = [
        { id: "a", vector: [big, big, 0, 0], text: "" },
        { id: "b", vector: [big, -big, 0, 1], text: "" },
        { id: "c", vector: [1, 2, 3, 4], text: "" },
      ];
      wasm.add(records);
      js.add(records);
      for (const q of [
        [big, big, big, big],
        [1, 1, 1, 1],
        [-big, 0, 0, 0],
      ]) {
        expect(shape(wasm.query(q, { k: 3 }))).toEqual(shape(js.query(q, { k: 3 })));
      }
    }
  });

  it("crosses block boundaries: every row of a store bigger than one kernel block can be found", () => {
    const d = 20;
    const { wasm, js } = pair(d, "dot");
    const n = 1000;
    const records = Array.from({ length: n }, (_, i) => {
      const v = new Float32Array(d);
      v[i % d] = 1 + i / n;
      return { id: `v${i}`, vector: v, text: "", metadata: { bucket: i % 10 } };
    });
    wasm.add(records);
    js.add(records);
    for (let i = 0; i < n; i += 37) {
      const q = new Float32Array(d);
      q[i % d] = 1;
      expect(wasm.query(q, { k: 1 })[0]?.id).toBe(js.query(q, { k: 1 })[0]?.id);
      expect(shape(wasm.query(q, { k: 7, filter: { bucket: i % 10 } }))).toEqual(
        shape(js.query(q, { k: 7, filter: { bucket: i % 10 } })),
      );
    }
  });
});

describe("vector SIMD kernel: storage", () => {
  it("saves a file that loads in either kernel, byte for byte, with the same results", () => {
    for (const metric of metrics) {
      const { wasm, js } = pair(5, metric);
      const records = Array.from({ length: 300 }, (_, i) => ({
        id: `v${i}`,
        vector: [i % 7, (i * 3) % 11, -(i % 5), 1, i / 300],
        text: `t${i}`,
        metadata: { bucket: i % 10 },
      }));
      wasm.add(records);
      js.add(records);
      wasm.delete(["v3", "v299"]);
      js.delete(["v3", "v299"]);
      const bytes = wasm.toBytes();
      expect(js.toBytes()).toEqual(bytes);
      const fromWasmToJs = InMemoryVectorStore.fromBytes(bytes, { kernel: "js" });
      const fromJsToWasm = InMemoryVectorStore.fromBytes(js.toBytes(), { kernel: "wasm" });
      expect(fromWasmToJs.kernel).toBe("js");
      expect(fromJsToWasm.kernel).toBe("wasm");
      expect(fromJsToWasm.toBytes()).toEqual(bytes);
      for (const q of [
        [1, 2, 3, 4, 5],
        [-1, 0, 0, 0, 0.5],
      ]) {
        const expected = shape(js.query(q, { k: 6, filter: { bucket: 4 } }));
        expect(shape(fromWasmToJs.query(q, { k: 6, filter: { bucket: 4 } }))).toEqual(expected);
        expect(shape(fromJsToWasm.query(q, { k: 6, filter: { bucket: 4 } }))).toEqual(expected);
        expect(shape(wasm.query(q, { k: 6 }))).toEqual(shape(js.query(q, { k: 6 })));
      }
      expect(() => InMemoryVectorStore.fromBytes(bytes, { kernal: "js" } as never)).toThrow(
        /kernal/,
      );
    }
  });

  it("grows the WebAssembly memory in pages with little unused space, whether added one by one or in batches", () => {
    const d = 384;
    const one = new InMemoryVectorStore({ dimensions: d, kernel: "wasm" });
    const batched = new InMemoryVectorStore({ dimensions: d, kernel: "wasm" });
    const v = new Float32Array(d).fill(0.5);
    for (let i = 0; i < 3000; i++) one.add([{ id: `${i}`, vector: v, text: "" }]);
    batched.add(Array.from({ length: 3000 }, (_, i) => ({ id: `${i}`, vector: v, text: "" })));
    for (const store of [one, batched]) {
      const used = store.size * (d * 4 + 4); // floats and norm per row
      expect(store.vectorBytes).toBeGreaterThanOrEqual(used);
      // At most a sixteenth unused (and one page), plus the scratch header.
      expect(store.vectorBytes).toBeLessThanOrEqual(used * (1 + 1 / 16) + 65_536 + 4 * d + 2048);
      expect(store.query(v, { k: 2 }).map((h) => h.id)).toEqual(["0", "1"]);
    }
    expect(batched.vectorBytes).toBeLessThanOrEqual(one.vectorBytes);
  });

  it("moves to the JavaScript scan when the memory cannot grow (auto), or refuses and stays unchanged (wasm)", () => {
    // A child process whose WebAssembly memories stop at 16 pages (1 MiB), and one without
    // WebAssembly at all.
    const script = `
      import { InMemoryVectorStore } from "./src/rag/in-memory-vector-store.ts";
      const d = 64, n = 5000;
      const records = Array.from({ length: n }, (_, i) => ({
        id: "v" + i, text: "", metadata: { bucket: i % 10 },
        vector: Array.from({ length: d }, (_, j) => Math.sin(i * 31 + j * 7)),
      }));
      const out = {};
      let auto;
      try { auto = new InMemoryVectorStore({ dimensions: d }); } catch (e) { out.autoError = e.code; }
      if (auto) {
        out.autoBefore = auto.kernel;
        for (let i = 0; i < n; i += 500) auto.add(records.slice(i, i + 500));
        out.autoAfter = auto.kernel;
        const js = new InMemoryVectorStore({ dimensions: d, kernel: "js" });
        js.add(records);
        const q = records[123].vector;
        const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
        out.same = same(auto.query(q, { k: 5 }), js.query(q, { k: 5 })) &&
          same(auto.query(q, { k: 5, filter: { bucket: 3 } }), js.query(q, { k: 5, filter: { bucket: 3 } })) &&
          same(auto.toBytes(), js.toBytes());
      }
      try {
        const forced = new InMemoryVectorStore({ dimensions: d, kernel: "wasm" });
        forced.add(records.slice(0, 100));
        try { forced.add(records); } catch (e) { out.forcedError = e.code; }
        out.forcedSize = forced.size;
      } catch (e) { out.forcedCreateError = e.code; }
      console.log(JSON.stringify(out));
    `;
    const run = (flags: string[]) => {
      const child = spawnSync(
        process.execPath,
        [...flags, "--import", "tsx", "--input-type=module", "-e", script],
        { cwd: root, encoding: "utf8", timeout: 120_000 },
      );
      expect(child.stderr).toBe("");
      return JSON.parse(child.stdout.trim().split("\n").pop() as string);
    };
    expect(run(["--wasm-max-mem-pages=16"])).toEqual({
      autoBefore: "wasm",
      autoAfter: "js",
      same: true,
      forcedError: "VALIDATION_ERROR",
      forcedSize: 100,
    });
    expect(run(["--noexpose-wasm"])).toEqual({
      autoBefore: "js",
      autoAfter: "js",
      same: true,
      forcedCreateError: "VALIDATION_ERROR",
    });
  }, 120_000);
});
