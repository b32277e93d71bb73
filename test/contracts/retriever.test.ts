/**
 * Every built-in Retriever against `retrieverContract`: the embedded Bm25Index, an in-memory
 * vector store, their hybrid fusion, OpenSearch (the real client on its stand-in), and Bedrock
 * Knowledge Bases and Kendra (the real AWS SDK clients on their stand-ins, loaded with the
 * contract's corpus).
 */
import { Client } from "@opensearch-project/opensearch";
import { describe, it } from "vitest";
import { Bm25Index } from "../../src/rag/bm25.js";
import { HybridRetriever } from "../../src/rag/hybrid-retriever.js";
import { InMemoryVectorStore } from "../../src/rag/in-memory-vector-store.js";
import { KendraRetriever } from "../../src/rag/kendra-retriever.js";
import { KnowledgeBaseRetriever } from "../../src/rag/knowledge-base-retriever.js";
import { OpenSearchVectorStore } from "../../src/rag/opensearch-vector-store.js";
import type { Document, Metadata } from "../../src/rag/types.js";
import { VectorStoreRetriever } from "../../src/rag/vector-store-retriever.js";
import { retrieverContract } from "../../src/testing/contracts/retriever.js";
import { FakeEmbeddingModel } from "../../src/testing/fake-embedding-model.js";
import { startBedrockAgentRuntime } from "../emulators/bedrock-agent-runtime.js";
import { startKendra } from "../emulators/kendra.js";
import { startOpenSearch } from "../emulators/opensearch.js";

const DIMENSIONS = 64;

function bm25(corpus: readonly Document[]): Bm25Index {
  const index = new Bm25Index();
  index.add([...corpus]);
  return index;
}

async function inMemoryVectors(corpus: readonly Document[]): Promise<VectorStoreRetriever> {
  const retriever = new VectorStoreRetriever(
    new InMemoryVectorStore({ dimensions: DIMENSIONS }),
    new FakeEmbeddingModel({ dimensions: DIMENSIONS }),
  );
  await retriever.addDocuments([...corpus]);
  return retriever;
}

describe("Bm25Index meets the Retriever contract", () => {
  for (const c of retrieverContract(bm25)) it(c.name, c.run);
});

describe("VectorStoreRetriever over InMemoryVectorStore meets the Retriever contract", () => {
  for (const c of retrieverContract(inMemoryVectors)) it(c.name, c.run);
});

describe("HybridRetriever (BM25 + in-memory vectors) meets the Retriever contract", () => {
  const cases = retrieverContract(
    async (corpus) => new HybridRetriever([bm25(corpus), await inMemoryVectors(corpus)]),
  );
  for (const c of cases) it(c.name, c.run);
});

describe("VectorStoreRetriever over OpenSearchVectorStore meets the Retriever contract (OpenSearch stand-in)", () => {
  const cases = retrieverContract(async (corpus) => {
    const os = await startOpenSearch();
    const store = new OpenSearchVectorStore({
      client: new Client({ node: os.endpoint }),
      index: "contract",
      dimensions: DIMENSIONS,
    });
    await store.createIndex();
    const retriever = new VectorStoreRetriever(
      store,
      new FakeEmbeddingModel({ dimensions: DIMENSIONS }),
    );
    await retriever.addDocuments([...corpus]);
    return { subject: retriever, close: () => os.close() };
  });
  for (const c of cases) it(c.name, c.run);
});

const KB = "KBCONTRACT";

describe("KnowledgeBaseRetriever meets the Retriever contract (Bedrock Agent Runtime stand-in)", () => {
  const cases = retrieverContract(async (corpus) => {
    const runtime = await startBedrockAgentRuntime();
    runtime.knowledgeBases.set(
      KB,
      corpus.map((doc) => ({
        content: { type: "TEXT", text: doc.text },
        location: { type: "S3", s3Location: { uri: `s3://contract-docs/${doc.id}.txt` } },
        metadata: { "x-amz-bedrock-kb-chunk-id": doc.id, ...doc.metadata },
      })),
    );
    return {
      subject: new KnowledgeBaseRetriever({ knowledgeBaseId: KB, client: runtime.client }),
      close: () => runtime.close(),
    };
  });
  for (const c of cases) it(c.name, c.run);
});

const INDEX = "c0c0c0c0-0000-4000-8000-c0c0c0c0c0c0";

/** Kendra's attribute value for a metadata value: strings and years (longs) are all we index. */
function attributes(metadata: Metadata | undefined) {
  return Object.entries(metadata ?? {}).map(([Key, value]) => ({
    Key,
    Value: typeof value === "number" ? { LongValue: value } : { StringValue: String(value) },
  }));
}

describe("KendraRetriever meets the Retriever contract (Kendra stand-in)", () => {
  const cases = retrieverContract(async (corpus) => {
    const kendra = await startKendra();
    kendra.indexes.set(
      INDEX,
      corpus.map((doc, i) => ({
        id: `passage-${doc.id}`,
        documentId: doc.id,
        title: doc.id,
        uri: `https://docs.example.com/${doc.id}`,
        content: doc.text,
        attributes: attributes(doc.metadata),
        // Kendra only reports buckets; spread them so that ordering by score is exercised.
        confidence: (["VERY_HIGH", "HIGH", "MEDIUM", "LOW"] as const)[i % 4] ?? "LOW",
      })),
    );
    return {
      subject: new KendraRetriever({ indexId: INDEX, client: kendra.client }),
      close: () => kendra.close(),
    };
  });
  for (const c of cases) it(c.name, c.run);
});
