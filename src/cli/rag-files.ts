/**
 * File plumbing shared by `fmops index` and `fmops ask`: reading a folder of text files,
 * choosing an embedding model from flags, and loading whichever index a file holds.
 *
 * @module
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import { ValidationError } from "../core/index.js";
import type { EmbeddingModel } from "../models/index.js";
import { BedrockEmbeddingModel } from "../models/index.js";
import type { Bm25Index, Document, InMemoryVectorStore } from "../rag/index.js";
import { loadBm25Index, loadVectorStore } from "../rag/index.js";
import { FakeEmbeddingModel } from "../testing/index.js";

/** Reads every file under `dir` whose extension is in `extensions`, skipping dot folders and node_modules. */
export async function readFolder(dir: string, extensions: readonly string[]): Promise<Document[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new ValidationError(`"${dir}" is not a folder. Give the folder of documents to index.`, [
      { path: "dir", message: "not a directory" },
    ]);
  }
  const wanted = new Set(extensions.map((e) => (e.startsWith(".") ? e : `.${e}`).toLowerCase()));
  const docs: Document[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && wanted.has(extname(entry.name).toLowerCase())) {
        const id = relative(dir, path).split(sep).join("/");
        docs.push({ id, text: await readFile(path, "utf8"), metadata: { source: id } });
      }
    }
  };
  await walk(dir);
  return docs;
}

/**
 * The embedding model `--embeddings` names: `bedrock:<model-id>` or `fake:<dimensions>` (the
 * offline hashing embedder from `fmops/testing`, for trying things out).
 */
export function embeddingsFromFlag(
  spec: string | undefined,
  aws: { region?: string; endpoint?: string },
): EmbeddingModel {
  if (spec?.startsWith("bedrock:") && spec.length > 8) {
    return new BedrockEmbeddingModel({ modelId: spec.slice(8), ...aws });
  }
  if (spec?.startsWith("fake:")) {
    return new FakeEmbeddingModel({ dimensions: Number(spec.slice(5)) || 384 });
  }
  throw new ValidationError(
    "--embeddings is required for a vector index: bedrock:<model-id> (e.g. bedrock:amazon.titan-embed-text-v2:0) or fake:<dimensions>.",
    [{ path: "--embeddings", message: spec === undefined ? "missing" : "unknown kind" }],
  );
}

/** Loads an index file: a vector store (binary, `FMVS` magic) or a BM25 index (JSON). */
export async function loadIndexFile(
  path: string,
): Promise<{ kind: "bm25"; index: Bm25Index } | { kind: "vector"; store: InMemoryVectorStore }> {
  const head = await readFile(path).then(
    (b) => b.subarray(0, 4).toString("latin1"),
    () => "",
  );
  if (head === "FMVS") return { kind: "vector", store: await loadVectorStore(path) };
  return { kind: "bm25", index: await loadBm25Index(path) };
}
