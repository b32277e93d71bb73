import { Client } from "@opensearch-project/opensearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BulkIngestError, OpenSearchVectorStore } from "../../src/rag/opensearch-vector-store.js";
import { VectorStoreRetriever } from "../../src/rag/vector-store-retriever.js";
import { FakeEmbeddingModel } from "../../src/testing/fake-embedding-model.js";
import { testCredentials } from "../emulators/http.js";
import { type OpenSearchStandIn, startOpenSearch } from "../emulators/opensearch.js";

let os: OpenSearchStandIn;
let aoss: OpenSearchStandIn;
beforeAll(async () => {
  os = await startOpenSearch();
  aoss = await startOpenSearch({ serverless: true });
});
afterAll(async () => {
  await os.close();
  await aoss.close();
});

const docs = Array.from({ length: 30 }, (_, i) => ({
  id: `doc-${i}`,
  text: i % 3 === 0 ? `faiss engine tuning note ${i}` : `bedrock knowledge base article ${i}`,
  metadata: { team: i % 2 === 0 ? "even" : "odd", n: i, source: `docs/${i}.md` },
}));

describe("OpenSearchVectorStore (real @opensearch-project/opensearch client against the stand-in)", () => {
  it("creates a faiss HNSW index, ingests in batches and searches with the filter inside knn", async () => {
    const embeddings = new FakeEmbeddingModel({ dimensions: 16 });
    const store = new OpenSearchVectorStore({
      client: new Client({ node: os.endpoint }),
      index: "docs",
      dimensions: 16,
      hnsw: { m: 24, efConstruction: 256, efSearch: 64 },
      batchSize: 7,
    });
    expect(await store.createIndex()).toBe(true);
    expect(await store.createIndex()).toBe(false);
    const create = os.requests.find((r) => r.method === "PUT" && r.path === "/docs");
    expect(create?.body).toMatchObject({
      settings: { index: { knn: true } },
      mappings: {
        properties: {
          embedding: {
            type: "knn_vector",
            dimension: 16,
            method: {
              name: "hnsw",
              engine: "faiss",
              space_type: "cosinesimil",
              parameters: { m: 24, ef_construction: 256, ef_search: 64 },
            },
          },
          text: { type: "text", analyzer: "english" },
        },
      },
    });
    await new VectorStoreRetriever(store, embeddings).addDocuments(docs);
    expect(os.requests.filter((r) => r.path === "/_bulk")).toHaveLength(5); // 30 docs / batchSize 7
    expect(os.indexes.get("docs")?.docs.size).toBe(30);

    const [q] = await embeddings.embed(["bedrock knowledge base"]);
    const hits = await store.search(q as Float32Array, {
      k: 5,
      filter: { team: "even", n: { $gte: 10 } },
    });
    expect(hits).toHaveLength(5);
    for (const h of hits) {
      expect(h.metadata.team).toBe("even");
      expect(h.metadata.n as number).toBeGreaterThanOrEqual(10);
      expect(h.source).toBe(`docs/${h.metadata.n}.md`);
    }
    const search = os.requests.filter((r) => r.path === "/docs/_search").at(-1)?.body as Record<
      string,
      unknown
    >;
    expect(search).toMatchObject({
      size: 5,
      query: {
        knn: {
          embedding: {
            k: 5,
            filter: {
              bool: {
                filter: [
                  { term: { "metadata.team": "even" } },
                  { range: { "metadata.n": { gte: 10 } } },
                ],
              },
            },
          },
        },
      },
      _source: { excludes: ["embedding"] },
    });
  });

  it("a filter beside the knn clause would post-filter (fewer than k); inside it gives k", async () => {
    const client = new Client({ node: os.endpoint });
    const embeddings = new FakeEmbeddingModel({ dimensions: 16 });
    const [q] = await embeddings.embed(["faiss engine tuning"]);
    const outside = await client.transport.request({
      method: "POST",
      path: "/docs/_search",
      body: {
        size: 5,
        query: {
          bool: {
            must: [{ knn: { embedding: { vector: Array.from(q as Float32Array), k: 5 } } }],
            filter: [{ term: { "metadata.team": "odd" } }],
          },
        },
      },
    });
    const store = new OpenSearchVectorStore({ client, index: "docs", dimensions: 16 });
    const inside = await store.search(q as Float32Array, { k: 5, filter: { team: "odd" } });
    expect((outside.body as { hits: { hits: unknown[] } }).hits.hits.length).toBeLessThan(5);
    expect(inside).toHaveLength(5);
  });

  it("does lexical and hybrid search (client-side RRF, and server-side with a pipeline)", async () => {
    const client = new Client({ node: os.endpoint });
    const embeddings = new FakeEmbeddingModel({ dimensions: 16 });
    const store = new OpenSearchVectorStore({ client, index: "docs", dimensions: 16 });
    const lexical = await store.lexicalSearch("tuning notes", { k: 3 });
    expect(lexical).toHaveLength(3);
    expect(lexical.every((h) => h.text.includes("tuning"))).toBe(true);
    const hybrid = await store
      .retriever(embeddings, { mode: "hybrid" })
      .retrieve("faiss tuning", { k: 4, filter: { team: "odd" } });
    expect(hybrid).toHaveLength(4);
    expect(hybrid.every((h) => h.metadata.team === "odd")).toBe(true);
    expect(hybrid[0]?.text).toMatch(/faiss/);

    os.pipelines.add("hybrid-norm");
    const piped = new OpenSearchVectorStore({
      client,
      index: "docs",
      dimensions: 16,
      hybridPipeline: "hybrid-norm",
    });
    const [q] = await embeddings.embed(["faiss tuning"]);
    const server = await piped.hybridSearch("faiss tuning", q as Float32Array, { k: 3 });
    expect(server).toHaveLength(3);
    const last = os.requests.at(-1);
    expect(last?.query.search_pipeline).toBe("hybrid-norm");
    expect(last?.body).toMatchObject({
      query: {
        hybrid: {
          queries: [
            { match: { text: { query: "faiss tuning" } } },
            { knn: { embedding: { k: 3 } } },
          ],
        },
      },
    });
  });

  it("reports per-item bulk failures and deletes", async () => {
    const client = new Client({ node: os.endpoint });
    const store = new OpenSearchVectorStore({ client, index: "docs", dimensions: 16 });
    // Sneak a wrong-dimension document past the client-side check through a 16-dim store on an 8-dim index.
    const small = new OpenSearchVectorStore({ client, index: "small", dimensions: 8 });
    await small.createIndex();
    const wrong = new OpenSearchVectorStore({ client, index: "small", dimensions: 16 });
    const err = await wrong
      .add([{ id: "bad", vector: new Float32Array(16).fill(1), text: "x" }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BulkIngestError);
    expect((err as BulkIngestError).result.failures[0]).toMatchObject({
      id: "bad",
      status: 400,
      type: "mapper_parsing_exception",
    });
    await expect(wrong.checkIndex()).rejects.toMatchObject({ code: "RAG_DIMENSION_MISMATCH" });
    await expect(wrong.createIndex()).rejects.toThrow(
      /8-dimensional vectors but this store is configured for 16/,
    );
    expect(await store.delete(["doc-0", "doc-1", "missing"])).toBe(2);
    expect(os.indexes.get("docs")?.docs.has("doc-0")).toBe(false);
  });

  it("rejects nmslib up front, and the stand-in rejects what OpenSearch 3 rejects", async () => {
    expect(
      () =>
        new OpenSearchVectorStore({
          node: os.endpoint,
          index: "x",
          dimensions: 4,
          engine: "nmslib" as never,
        }),
    ).toThrow(/nmslib is deprecated/);
    const client = new Client({ node: os.endpoint });
    await expect(
      client.transport.request({
        method: "PUT",
        path: "/legacy",
        body: {
          settings: { index: { knn: true } },
          mappings: {
            properties: {
              v: { type: "knn_vector", dimension: 4, method: { name: "hnsw", engine: "nmslib" } },
            },
          },
        },
      }),
    ).rejects.toThrow(/nmslib engine is deprecated/);
    const lucene = new OpenSearchVectorStore({
      client,
      index: "lucene-idx",
      dimensions: 4,
      engine: "lucene",
      metric: "l2",
      hnsw: { efSearch: 50 },
    });
    await lucene.createIndex();
    expect(os.indexes.get("lucene-idx")?.mappings.properties.embedding).toMatchObject({
      method: { engine: "lucene", space_type: "l2", parameters: { m: 16, ef_construction: 128 } },
    });
    await lucene.add([{ id: "a", vector: [1, 0, 0, 0], text: "a" }]);
    expect((await lucene.search(new Float32Array([1, 0, 0, 0]), { k: 1 }))[0]?.id).toBe("a");
    const query = os.requests.at(-1)?.body as {
      query: { knn: { embedding: Record<string, unknown> } };
    };
    expect(query.query.knn.embedding.method_parameters).toEqual({ ef_search: 50 });
    await expect(
      new OpenSearchVectorStore({ client, index: "none", dimensions: 4 }).search(
        new Float32Array(4),
      ),
    ).rejects.toMatchObject({ code: "RAG_OPENSEARCH_ERROR" });
  });

  it("signs with SigV4 for es, and for aoss skips refresh and custom ids", async () => {
    const es = new OpenSearchVectorStore({
      node: os.endpoint,
      aws: { region: "us-east-1", service: "es", credentials: testCredentials },
      index: "signed",
      dimensions: 4,
    });
    await es.createIndex();
    await es.add([{ id: "s1", vector: [1, 2, 3, 4], text: "signed" }]);
    const signed = os.requests
      .filter((r) => r.path.startsWith("/signed") || r.path === "/_bulk")
      .slice(-3);
    for (const r of signed) {
      expect(r.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/es\/aws4_request/,
      );
      expect(r.contentSha256).toMatch(/^[0-9a-f]{64}$/);
    }

    const serverless = new OpenSearchVectorStore({
      node: aoss.endpoint,
      aws: { region: "us-east-1", service: "aoss", credentials: testCredentials },
      index: "vectors",
      dimensions: 4,
    });
    expect(serverless.serverless).toBe(true);
    await serverless.createIndex();
    await serverless.add([
      { id: "v1", vector: [1, 0, 0, 0], text: "one" },
      { id: "v2", vector: [0, 1, 0, 0], text: "two" },
    ]);
    expect(aoss.requests.some((r) => r.path.endsWith("/_refresh"))).toBe(false);
    expect(
      aoss.requests.every(
        (r) => !r.authorization || r.authorization.includes("/us-east-1/aoss/aws4_request"),
      ),
    ).toBe(true);
    const hits = await serverless.search(new Float32Array([0, 1, 0, 0]), { k: 1 });
    expect(hits[0]?.id).toBe("v2");
    expect(await serverless.delete(["v1"])).toBe(1);
    expect(aoss.indexes.get("vectors")?.docs.size).toBe(1);
  });
});
