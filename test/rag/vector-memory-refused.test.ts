import { afterEach, describe, expect, it, vi } from "vitest";
import { InMemoryVectorStore } from "../../src/rag/in-memory-vector-store.js";

// A runtime that refuses a new WebAssembly.Memory (address space used up by ~12,900 live stores
// in R1's attack, issue #22) can take seconds to say so. A store with kernel "auto" remembers
// the refusal, so the stores created after it do not each pay that again; it tries again after
// a while, in case memory was freed. Its own file: the remembered refusal is module state.

afterEach(() => {
  vi.restoreAllMocks();
});

describe("InMemoryVectorStore when the runtime refuses WebAssembly memory", () => {
  it('"auto" stops asking after a refusal, "wasm" still asks, and "auto" asks again later', () => {
    const memory = vi.spyOn(WebAssembly, "Memory").mockImplementation(function refuse() {
      throw new RangeError("WebAssembly.Memory(): could not allocate memory");
    });
    const first = new InMemoryVectorStore({ dimensions: 4 });
    expect(first.kernel).toBe("js");
    expect(memory).toHaveBeenCalledTimes(1);

    const later = Array.from({ length: 50 }, () => new InMemoryVectorStore({ dimensions: 4 }));
    expect(later.every((s) => s.kernel === "js")).toBe(true);
    expect(memory).toHaveBeenCalledTimes(1);

    expect(() => new InMemoryVectorStore({ dimensions: 4, kernel: "wasm" })).toThrow(
      /kernel "wasm" cannot be used/,
    );
    expect(memory).toHaveBeenCalledTimes(2);

    // Memory is available again: within a bounded number of stores, "auto" uses the kernel.
    memory.mockRestore();
    let tries = 0;
    let store = new InMemoryVectorStore({ dimensions: 4 });
    while (store.kernel === "js" && tries < 5_000) {
      store = new InMemoryVectorStore({ dimensions: 4 });
      tries++;
    }
    expect(store.kernel).toBe("wasm");
    store.add([{ id: "a", vector: [1, 2, 3, 4], text: "" }]);
    expect(store.query([1, 2, 3, 4], { k: 1 }).map((h) => h.id)).toEqual(["a"]);
  });
});
