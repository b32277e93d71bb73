/**
 * Saving and loading the embedded indexes to and from files. Node-only (`node:fs`), kept apart
 * so the indexes themselves stay usable in browsers, Deno and edge runtimes.
 *
 * @module
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { FmopsError } from "../core/index.js";
import { Bm25Index, type Bm25IndexOptions } from "./bm25.js";
import { InMemoryVectorStore } from "./in-memory-vector-store.js";

async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Write then rename, so a crash never leaves a half-written index behind.
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

async function read(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new FmopsError(
      "RAG_INDEX_FILE_ERROR",
      code === "ENOENT"
        ? `No ${what} file at ${path}. Build one first (e.g. "fmops index <dir>") or check the path.`
        : `Could not read the ${what} file at ${path} (${code ?? "error"}).`,
      { cause: err },
    );
  }
}

/**
 * Writes a {@link Bm25Index} to a JSON file (atomically).
 *
 * @example
 * ```ts
 * await saveBm25Index(index, ".fmops/index.bm25.json");
 * const again = await loadBm25Index(".fmops/index.bm25.json");
 * ```
 */
export async function saveBm25Index(index: Bm25Index, path: string): Promise<void> {
  await writeAtomically(path, JSON.stringify(index.toJSON()));
}

/** Reads a {@link Bm25Index} written by {@link saveBm25Index}. */
export async function loadBm25Index(
  path: string,
  options: Pick<Bm25IndexOptions, "analyzer" | "k1" | "b"> = {},
): Promise<Bm25Index> {
  const bytes = await read(path, "BM25 index");
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new FmopsError(
      "RAG_INDEX_FILE_ERROR",
      `The BM25 index file at ${path} is not valid JSON; rebuild it.`,
      { cause: err },
    );
  }
  return Bm25Index.fromJSON(json, options);
}

/** Writes an {@link InMemoryVectorStore} to a binary file (atomically). */
export async function saveVectorStore(store: InMemoryVectorStore, path: string): Promise<void> {
  await writeAtomically(path, store.toBytes());
}

/** Reads an {@link InMemoryVectorStore} written by {@link saveVectorStore}. */
export async function loadVectorStore(path: string): Promise<InMemoryVectorStore> {
  const bytes = await read(path, "vector store");
  return InMemoryVectorStore.fromBytes(
    new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  );
}
