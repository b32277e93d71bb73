/**
 * {@link retrieverContract}: the behaviour every {@link Retriever} must share.
 *
 * @module
 */
import type { Document, MetadataFilter, RetrievedChunk, Retriever } from "../../rag/index.js";
import {
  abortedSignal,
  type ContractCase,
  type ContractFactory,
  check,
  contractCase,
  describe,
  expectFmopsError,
  isFiniteNumber,
  rejection,
} from "./contract.js";

/**
 * The documents every case retrieves from: a few English and French notes with distinct words,
 * each with `lang` (`"en"` or `"fr"`) and `year` metadata. The factory indexes them whole, one
 * chunk per document, with the document's id and metadata.
 */
export const RETRIEVER_CONTRACT_CORPUS: readonly Document[] = [
  {
    id: "athena-pricing",
    text: "Athena charges per terabyte scanned; partition pruning lowers the bill.",
    metadata: { lang: "en", year: 2023 },
  },
  {
    id: "kendra-buckets",
    text: "Kendra reports confidence buckets instead of numeric relevance scores.",
    metadata: { lang: "en", year: 2022 },
  },
  {
    id: "opensearch-knn",
    text: "OpenSearch k-NN indexes use HNSW graphs with the faiss or lucene engine.",
    metadata: { lang: "en", year: 2024 },
  },
  {
    id: "bedrock-guardrails",
    text: "Bedrock guardrails block harmful prompts and mask personal information.",
    metadata: { lang: "en", year: 2024 },
  },
  {
    id: "duckdb-parquet",
    text: "DuckDB reads Parquet files directly, without loading them first.",
    metadata: { lang: "en", year: 2023 },
  },
  {
    id: "athena-facture",
    text: "Athena facture chaque terabyte analysé; le partitionnement réduit la facture.",
    metadata: { lang: "fr", year: 2023 },
  },
  {
    id: "fromage-cidre",
    text: "Le fromage de Normandie accompagne très bien le cidre.",
    metadata: { lang: "fr", year: 2021 },
  },
  {
    id: "velo-lyon",
    text: "Le vélo électrique traverse Lyon sans effort.",
    metadata: { lang: "fr", year: 2022 },
  },
];

/** Options of {@link retrieverContract}: what the retriever can do. */
export interface RetrieverContractOptions {
  /** Whether `retrieve` takes a metadata `filter` (equality and `$gte` are checked). Default true. */
  filter?: boolean;
}

const TEXTS = new Set(RETRIEVER_CONTRACT_CORPUS.map((d) => d.text));
// Words of several documents, so that most retrievers find more than a handful of them.
const BROAD_QUERY =
  "Athena terabyte Kendra confidence OpenSearch faiss Bedrock guardrails DuckDB Parquet fromage vélo";

function isRetriever(value: unknown): boolean {
  const r = value as Retriever | undefined;
  return typeof r === "object" && r !== null && typeof r.retrieve === "function";
}

/** Checks the shape of each chunk and that the list is ordered by score, best first. */
function checkChunks(name: string, what: string, chunks: unknown, k: number): RetrievedChunk[] {
  check(Array.isArray(chunks), name, `${what} must resolve with an array, got ${describe(chunks)}`);
  check(
    chunks.length <= k,
    name,
    `${what} asked for k = ${k} but returned ${chunks.length} chunks`,
  );
  const ids = new Set<string>();
  chunks.forEach((chunk: RetrievedChunk, i: number) => {
    check(
      typeof chunk === "object" && chunk !== null,
      name,
      `${what}: chunk ${i} must be an object, got ${describe(chunk)}`,
    );
    check(
      typeof chunk.id === "string" && chunk.id.length > 0,
      name,
      `${what}: chunk ${i} needs a non-empty string id, got ${describe(chunk.id)}`,
    );
    check(!ids.has(chunk.id), name, `${what}: chunk id ${describe(chunk.id)} is returned twice`);
    ids.add(chunk.id);
    check(
      TEXTS.has(chunk.text),
      name,
      `${what}: chunk ${i}'s text must be a stored text exactly, got ${describe(chunk.text)}`,
    );
    check(
      isFiniteNumber(chunk.score),
      name,
      `${what}: chunk ${i}'s score must be a finite number, got ${describe(chunk.score)}`,
    );
    check(
      typeof chunk.metadata === "object" && chunk.metadata !== null,
      name,
      `${what}: chunk ${i}'s metadata must be an object (never undefined), got ${describe(chunk.metadata)}`,
    );
    check(
      chunk.source === undefined || typeof chunk.source === "string",
      name,
      `${what}: chunk ${i}'s source must be a string when set, got ${describe(chunk.source)}`,
    );
    const previous = chunks[i - 1] as RetrievedChunk | undefined;
    check(
      previous === undefined || previous.score >= chunk.score,
      name,
      `${what}: scores must not increase down the list, but chunk ${i - 1} scores ${previous?.score} and chunk ${i} scores ${chunk.score}`,
    );
  });
  return chunks;
}

/** The corpus document a chunk came from, by its exact text. */
function documentOf(chunk: RetrievedChunk): Document | undefined {
  return RETRIEVER_CONTRACT_CORPUS.find((d) => d.text === chunk.text);
}

/**
 * The contract every {@link Retriever} meets, as a list of cases to hand to a test framework.
 * `factory` builds the retriever holding the corpus it is given (indexed into an
 * embedded store, or loaded into a local stand-in of the service).
 *
 * The cases check that at most `k` chunks come back for several `k` (and some for a query that
 * matches); that every chunk has an id, the stored text exactly, a finite score and metadata,
 * best score first and no chunk twice; that a query made of one document's own words ranks that
 * document first; that a query matching nothing resolves instead of failing; that a `filter`
 * (with `filter: true`) only lets matching chunks through; and that an aborted signal rejects
 * with `ABORTED`.
 *
 * @example
 * ```ts
 * import { it } from "vitest";
 * import { Bm25Index } from "fmops/rag";
 * import { retrieverContract } from "fmops/testing";
 *
 * const cases = retrieverContract((corpus) => {
 *   const index = new Bm25Index();
 *   index.add([...corpus]);
 *   return index;
 * });
 * for (const c of cases) it(c.name, c.run);
 * ```
 */
export function retrieverContract(
  factory: ContractFactory<readonly Document[], Retriever>,
  options: RetrieverContractOptions = {},
): ContractCase[] {
  const make = (name: string, body: (retriever: Retriever, name: string) => Promise<void>) =>
    contractCase(name, () => factory(RETRIEVER_CONTRACT_CORPUS), isRetriever, "Retriever", body);

  const cases = [
    make("at most k chunks come back, and some for a query that matches", async (r, name) => {
      for (const k of [1, 2, 3, RETRIEVER_CONTRACT_CORPUS.length + 5]) {
        const chunks = checkChunks(
          name,
          `retrieve(broad query, { k: ${k} })`,
          await r.retrieve(BROAD_QUERY, { k }),
          k,
        );
        check(
          chunks.length > 0,
          name,
          `retrieve(broad query, { k: ${k} }) found nothing, though the query shares words with most documents`,
        );
      }
    }),
    make(
      "chunks carry an id, the stored text, a finite score and metadata, best score first",
      async (r, name) => {
        const k = RETRIEVER_CONTRACT_CORPUS.length;
        checkChunks(
          name,
          `retrieve(broad query, { k: ${k} })`,
          await r.retrieve(BROAD_QUERY, { k }),
          k,
        );
      },
    ),
    make("a query made of one document's words ranks that document first", async (r, name) => {
      const chunks = checkChunks(
        name,
        "retrieve(words of opensearch-knn)",
        await r.retrieve("HNSW graphs faiss lucene engine", { k: 3 }),
        3,
      );
      const first = chunks[0];
      check(
        first !== undefined && documentOf(first)?.id === "opensearch-knn",
        name,
        `the document whose words make up the query must come first, got ${describe(chunks.map((c) => c.id))}`,
      );
    }),
    make("a query that matches nothing resolves instead of failing", async (r, name) => {
      checkChunks(
        name,
        "retrieve(unmatched words)",
        await r.retrieve("zyzzyva quokka", { k: 3 }),
        3,
      );
    }),
    make("retrieve with an aborted signal rejects with ABORTED", async (r, name) => {
      const err = await rejection(
        r.retrieve(BROAD_QUERY, { k: 3, signal: abortedSignal() }),
        name,
        "retrieve() with an aborted signal",
      );
      expectFmopsError(err, name, "retrieve() with an aborted signal", "ABORTED");
    }),
  ];
  if (options.filter === false) return cases;
  const filtered = (label: string, filter: MetadataFilter, holds: (doc: Document) => boolean) =>
    make(`a filter ${label} only lets matching chunks through`, async (r, name) => {
      const k = RETRIEVER_CONTRACT_CORPUS.length;
      const what = `retrieve(broad query, { filter: ${JSON.stringify(filter)} })`;
      const chunks = checkChunks(name, what, await r.retrieve(BROAD_QUERY, { k, filter }), k);
      check(chunks.length > 0, name, `${what} found nothing, though matching documents exist`);
      for (const chunk of chunks) {
        const doc = documentOf(chunk);
        check(
          doc !== undefined && holds(doc),
          name,
          `${what} returned ${describe(chunk.id)}, whose metadata ${describe(doc?.metadata)} does not match`,
        );
      }
    });
  cases.push(
    filtered("on equality", { lang: "fr" }, (d) => d.metadata?.lang === "fr"),
    filtered("with $gte", { year: { $gte: 2024 } }, (d) => (d.metadata?.year as number) >= 2024),
  );
  return cases;
}
