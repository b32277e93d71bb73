/**
 * The backends of `fmops eval`'s service-backed algorithms: toxicity (Amazon Comprehend or a
 * local classifier folder), SQL execution accuracy (DuckDB over local table files) and
 * retrieval accuracy (an index file from `fmops index`). Each says what is missing when its
 * backend flags are not given.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";
import type { EvalAlgorithm } from "../evaluation/index.js";
import { RetrievalAccuracy, SqlAccuracy, Toxicity } from "../evaluation/index.js";
import type { Retriever } from "../rag/index.js";
import { VectorStoreRetriever } from "../rag/index.js";
import { DuckDbEngine, tablesFromPaths } from "../text2sql/index.js";
import { positiveIntFlag } from "./flags.js";
import { embeddingsFromFlag, loadIndexFile } from "./rag-files.js";

/** The backend flags, for `parseArgs`. */
export const algorithmBackendOptions = {
  toxicity: { type: "string" },
  "sql-table": { type: "string", multiple: true },
  "sql-database": { type: "string" },
  index: { type: "string" },
  k: { type: "string" },
  embeddings: { type: "string" },
} as const;

/** The backend flags' usage lines. */
export const algorithmBackendUsage = `Algorithm backends:
  --toxicity comprehend     toxicity with Amazon Comprehend DetectToxicContent (--region applies)
  --toxicity <folder>       toxicity with a local text-classification model folder
                            (npm install @huggingface/transformers)
  --sql-table <file|folder> sql: a CSV/Parquet/JSON table for DuckDB, named after the file
                            (repeatable; npm install @duckdb/node-api); the target is the
                            reference SQL, the output the generated SQL
  --sql-database <name>     sql: the DuckDB database name (default main)
  --index <file>            retrieval: an index file written by fmops index; the target holds
                            the relevant document sources (file names), the input the query
  --k <n>                   retrieval: results retrieved per query (default 10)
  --embeddings <spec>       retrieval over a vector index: bedrock:<model-id> or fake:<dims>
`;

/** The parsed backend flags (plus the AWS flags they share with --model). */
export interface AlgorithmBackendFlags {
  toxicity?: string | undefined;
  "sql-table"?: string[] | undefined;
  "sql-database"?: string | undefined;
  index?: string | undefined;
  k?: string | undefined;
  embeddings?: string | undefined;
  region?: string | undefined;
  "endpoint-url"?: string | undefined;
}

function missing(message: string, path: string): ValidationError {
  return new ValidationError(message, [{ path, message: "missing" }]);
}

/** Checks, before any work, that each chosen algorithm has its backend flags. */
export function checkAlgorithmBackends(
  names: readonly string[],
  flags: AlgorithmBackendFlags,
): void {
  if (names.includes("toxicity") && flags.toxicity === undefined) {
    throw missing(
      "--algorithm toxicity needs a classifier: --toxicity comprehend (Amazon Comprehend, --region applies) or --toxicity <folder> (a local text-classification model; npm install @huggingface/transformers).",
      "--toxicity",
    );
  }
  if (names.includes("sql") && (flags["sql-table"] ?? []).length === 0) {
    throw missing(
      "--algorithm sql runs the generated and the reference SQL on DuckDB: give --sql-table <file|folder> for each table (npm install @duckdb/node-api).",
      "--sql-table",
    );
  }
  if (names.includes("retrieval") && flags.index === undefined) {
    throw missing(
      "--algorithm retrieval needs the index to retrieve from: --index <file> (write one with fmops index <folder> --out <file>).",
      "--index",
    );
  }
  const unused: [keyof AlgorithmBackendFlags, string][] = [
    ["toxicity", "toxicity"],
    ["sql-table", "sql"],
    ["sql-database", "sql"],
    ["index", "retrieval"],
    ["k", "retrieval"],
  ];
  for (const [flag, algorithm] of unused) {
    if (flags[flag] !== undefined && !names.includes(algorithm)) {
      throw new ValidationError(`--${flag} is used only with --algorithm ${algorithm}.`, [
        { path: `--${flag}`, message: "unused" },
      ]);
    }
  }
}

function aws(flags: AlgorithmBackendFlags) {
  return {
    ...(flags.region !== undefined ? { region: flags.region } : {}),
    ...(flags["endpoint-url"] !== undefined ? { endpoint: flags["endpoint-url"] } : {}),
  };
}

/** The toxicity algorithm `--toxicity` asks for. */
export function toxicityFromFlags(flags: AlgorithmBackendFlags): EvalAlgorithm {
  return flags.toxicity === "comprehend"
    ? new Toxicity({ comprehend: aws(flags) })
    : new Toxicity({ classifier: { model: flags.toxicity as string } });
}

/** SQL execution accuracy on DuckDB over the `--sql-table` files. */
export function sqlAccuracyFromFlags(flags: AlgorithmBackendFlags): EvalAlgorithm {
  const engine = new DuckDbEngine({
    tables: tablesFromPaths(flags["sql-table"] ?? []),
    ...(flags["sql-database"] !== undefined ? { database: flags["sql-database"] } : {}),
  });
  return new SqlAccuracy({ engine });
}

/** Retrieval accuracy over the `--index` file; chunks are judged by their source document. */
export async function retrievalAccuracyFromFlags(
  flags: AlgorithmBackendFlags,
): Promise<EvalAlgorithm> {
  const loaded = await loadIndexFile(flags.index as string);
  const retriever: Retriever =
    loaded.kind === "bm25"
      ? loaded.index
      : new VectorStoreRetriever(loaded.store, embeddingsFromFlag(flags.embeddings, aws(flags)));
  const k = positiveIntFlag(flags.k, "--k");
  return new RetrievalAccuracy({
    retriever,
    ...(k !== undefined ? { k } : {}),
    idOf: (chunk) => chunk.source ?? chunk.id,
  });
}
