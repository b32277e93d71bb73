/**
 * `fmops index <dir>`: split a folder of documents into chunks and write a BM25 index (default)
 * or an in-memory vector index to a file that `fmops ask` reads.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ValidationError } from "../core/index.js";
import {
  Bm25Index,
  InMemoryVectorStore,
  RecursiveTextSplitter,
  saveBm25Index,
  saveVectorStore,
  VectorStoreRetriever,
} from "../rag/index.js";
import { awsFlags } from "./flags.js";
import type { CliCommand, CliIo } from "./io.js";
import { embeddingsFromFlag, readFolder } from "./rag-files.js";

const usage = `Usage: fmops index <dir> [options]

Splits every matching file under <dir> into chunks and writes an index file.

Options:
  --out <file>              Index file to write (default .fmops/index.json)
  --kind <bm25|vector>      Lexical BM25 (default, no model needed) or vectors
  --embeddings <model>      For --kind vector: bedrock:<model-id> or fake:<dimensions>
  --region <region>         AWS region for the embedding model
  --endpoint-url <url>      Custom AWS endpoint for the embedding model
  --ext <list>              File extensions, comma-separated (default md,mdx,txt,rst)
  --chunk-size <n>          Characters per chunk (default 1000)
  --chunk-overlap <n>       Characters repeated between chunks (default 150)
`;

function int(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new ValidationError(`${flag} takes a whole number; got "${value}".`, [
      { path: flag, message: "not an integer" },
    ]);
  }
  return n;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: "string" },
      kind: { type: "string" },
      embeddings: { type: "string" },
      region: { type: "string" },
      "endpoint-url": { type: "string" },
      ext: { type: "string" },
      "chunk-size": { type: "string" },
      "chunk-overlap": { type: "string" },
    },
  });
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1) {
    throw new ValidationError("Give exactly one folder to index: fmops index <dir>.", [
      { path: "dir", message: "missing" },
    ]);
  }
  const kind = values.kind ?? "bm25";
  if (kind !== "bm25" && kind !== "vector") {
    throw new ValidationError(`--kind is bm25 or vector; got "${kind}".`, [
      { path: "--kind", message: "unknown" },
    ]);
  }
  const out = values.out ?? ".fmops/index.json";
  const splitter = new RecursiveTextSplitter({
    chunkSize: int(values["chunk-size"], "--chunk-size", 1000),
    chunkOverlap: int(values["chunk-overlap"], "--chunk-overlap", 150),
  });
  const docs = await readFolder(dir, (values.ext ?? "md,mdx,txt,rst").split(",").filter(Boolean));
  const chunks = splitter.splitAll(docs);
  const started = performance.now();
  if (kind === "bm25") {
    const index = new Bm25Index();
    index.add(chunks);
    await saveBm25Index(index, out);
  } else {
    const embeddings = embeddingsFromFlag(values.embeddings, awsFlags(values));
    const store = new InMemoryVectorStore({ dimensions: embeddings.dimensions });
    await new VectorStoreRetriever(store, embeddings).addDocuments(chunks, { signal: io.signal });
    await saveVectorStore(store, out);
  }
  io.stdout.write(
    `${JSON.stringify({ kind, out, documents: docs.length, chunks: chunks.length, ms: Math.round(performance.now() - started) })}\n`,
  );
  return 0;
}

/** The `fmops index` command. */
export const indexCommand: CliCommand = {
  summary: "Chunk a folder of documents into a BM25 or vector index file",
  usage,
  run,
};
