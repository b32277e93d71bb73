import { Client } from "@opensearch-project/opensearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FmopsError } from "../../src/core/errors.js";
import {
  describeOpenSearchDomain,
  OpenSearchDomainDeletedError,
  OpenSearchDomainNotReadyError,
  OpenSearchVersionUnsupportedError,
} from "../../src/rag/opensearch-domain.js";
import { OpenSearchVectorStore } from "../../src/rag/opensearch-vector-store.js";
import { testCredentials } from "../emulators/http.js";
import { type OpenSearchStandIn, startOpenSearch } from "../emulators/opensearch.js";
import {
  type OpenSearchDomainsStandIn,
  startOpenSearchDomainsStandIn,
} from "../emulators/opensearch-domains.js";

let control: OpenSearchDomainsStandIn;
let data: OpenSearchStandIn;

beforeAll(async () => {
  control = await startOpenSearchDomainsStandIn();
  data = await startOpenSearch();
  control.domains.set("docs", {
    engineVersion: "OpenSearch_2.11",
    endpoint: "search-docs-abc123.us-east-1.es.amazonaws.com",
  });
  control.domains.set("private", {
    engineVersion: "OpenSearch_2.13",
    vpcEndpoint: "vpc-private-xyz789.us-east-1.es.amazonaws.com",
  });
  control.domains.set("legacy", {
    engineVersion: "Elasticsearch_7.10",
    endpoint: "search-legacy-1.us-east-1.es.amazonaws.com",
  });
  control.domains.set("old", {
    engineVersion: "OpenSearch_2.7",
    endpoint: "search-old-1.us-east-1.es.amazonaws.com",
  });
  control.domains.set("nine", {
    engineVersion: "OpenSearch_2.9",
    endpoint: "search-nine-1.us-east-1.es.amazonaws.com",
  });
  control.domains.set("ancient", {
    engineVersion: "OpenSearch_1.3",
    endpoint: "search-ancient-1.us-east-1.es.amazonaws.com",
  });
  control.domains.set("fresh", {
    engineVersion: "OpenSearch_2.11",
    created: false,
    processingStatus: "Creating",
  });
  control.domains.set("gone", {
    engineVersion: "OpenSearch_2.11",
    endpoint: "search-gone-1.us-east-1.es.amazonaws.com",
    deleted: true,
    processingStatus: "Deleting",
  });
  control.domains.set("jailed", {
    engineVersion: "OpenSearch_2.11",
    endpoint: "search-jailed-1.us-east-1.es.amazonaws.com",
    processingStatus: "Isolated",
  });
  control.domains.set("busy", {
    engineVersion: "OpenSearch_2.11",
    endpoint: "search-busy-1.us-east-1.es.amazonaws.com",
    processingStatus: "Modifying",
  });
});

afterAll(async () => {
  await control.close();
  await data.close();
});

const storeOptions = { index: "chunks", dimensions: 8 } as const;

async function failure(promise: Promise<unknown>): Promise<FmopsError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FmopsError);
  return err as FmopsError;
}

describe("OpenSearchVectorStore.fromDomain", () => {
  it("uses the public endpoint DescribeDomain returns, over https, signed for the domain's region", async () => {
    const before = control.requests.length;
    const store = await OpenSearchVectorStore.fromDomain({
      domainName: "docs",
      domainClient: control.client,
      ...storeOptions,
    });
    expect(store.node).toBe("https://search-docs-abc123.us-east-1.es.amazonaws.com");
    const sent = control.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.method).toBe("GET");
    expect(sent[0]?.path).toBe("/2021-01-01/opensearch/domain/docs");
    // SigV4 for the control plane's signing name `es`.
    expect(sent[0]?.authorization).toMatch(/\/us-east-1\/es\/aws4_request/);
  });

  it("uses the VPC endpoint of a VPC domain", async () => {
    const store = await OpenSearchVectorStore.fromDomain({
      domainName: "private",
      domainClient: control.client,
      ...storeOptions,
    });
    expect(store.node).toBe("https://vpc-private-xyz789.us-east-1.es.amazonaws.com");
    const info = await describeOpenSearchDomain({
      domainName: "private",
      domainClient: control.client,
    });
    expect(info).toMatchObject({
      vpc: true,
      region: "us-east-1",
      version: { major: 2, minor: 13 },
    });
  });

  it("builds its own control-plane client from region, endpoint and credentials", async () => {
    const info = await describeOpenSearchDomain({
      domainName: "docs",
      region: "us-east-1",
      endpoint: control.endpoint,
      credentials: testCredentials,
    });
    expect(info).toMatchObject({
      endpoint: "https://search-docs-abc123.us-east-1.es.amazonaws.com",
      engineVersion: "OpenSearch_2.11",
      vpc: false,
      processingStatus: "Active",
    });
  });

  it("checks the domain, then works with a ready data-plane client", async () => {
    const client = new Client({
      node: data.endpoint,
      auth: { username: "u", password: "p" },
    });
    const store = await OpenSearchVectorStore.fromDomain({
      domainName: "docs",
      domainClient: control.client,
      client,
      ...storeOptions,
    });
    expect(store.node).toBeUndefined();
    expect(await store.createIndex()).toBe(true);
    expect(data.indexes.has("chunks")).toBe(true);
    await client.close();
  });

  it("refuses an Elasticsearch domain and says to upgrade to OpenSearch", async () => {
    const err = await failure(
      OpenSearchVectorStore.fromDomain({
        domainName: "legacy",
        domainClient: control.client,
        ...storeOptions,
      }),
    );
    expect(err).toBeInstanceOf(OpenSearchVersionUnsupportedError);
    expect(err.code).toBe("RAG_OPENSEARCH_VERSION_UNSUPPORTED");
    expect(err.message).toContain("Elasticsearch_7.10");
    expect(err.message).toContain("Upgrade the domain to OpenSearch");
    expect((err as OpenSearchVersionUnsupportedError).engineVersion).toBe("Elasticsearch_7.10");
  });

  it("refuses faiss below 2.9 (filters inside knn) and points to lucene, which 2.7 supports", async () => {
    const err = await failure(
      OpenSearchVectorStore.fromDomain({
        domainName: "old",
        domainClient: control.client,
        ...storeOptions,
      }),
    );
    expect(err.code).toBe("RAG_OPENSEARCH_VERSION_UNSUPPORTED");
    expect(err.message).toContain("OpenSearch 2.7");
    expect(err.message).toContain("2.9");
    expect(err.message).toContain('engine: "lucene"');
    const lucene = await OpenSearchVectorStore.fromDomain({
      domainName: "old",
      domainClient: control.client,
      engine: "lucene",
      ...storeOptions,
    });
    expect(lucene.engine).toBe("lucene");
  });

  it("refuses lucene below 2.4 without suggesting it", async () => {
    const err = await failure(
      OpenSearchVectorStore.fromDomain({
        domainName: "ancient",
        domainClient: control.client,
        engine: "lucene",
        ...storeOptions,
      }),
    );
    expect(err.code).toBe("RAG_OPENSEARCH_VERSION_UNSUPPORTED");
    expect(err.message).toContain("2.4");
    expect(err.message).not.toContain('engine: "lucene"');
  });

  it("refuses a server-side hybrid pipeline below 2.10", async () => {
    await expect(
      OpenSearchVectorStore.fromDomain({
        domainName: "nine",
        domainClient: control.client,
        ...storeOptions,
      }),
    ).resolves.toBeInstanceOf(OpenSearchVectorStore);
    const err = await failure(
      OpenSearchVectorStore.fromDomain({
        domainName: "nine",
        domainClient: control.client,
        hybridPipeline: "norm",
        ...storeOptions,
      }),
    );
    expect(err.code).toBe("RAG_OPENSEARCH_VERSION_UNSUPPORTED");
    expect(err.message).toContain("hybrid");
    expect(err.message).toContain("2.10");
  });

  it("a domain still being created is a retryable not-ready error", async () => {
    const err = await failure(
      OpenSearchVectorStore.fromDomain({
        domainName: "fresh",
        domainClient: control.client,
        ...storeOptions,
      }),
    );
    expect(err).toBeInstanceOf(OpenSearchDomainNotReadyError);
    expect(err.code).toBe("RAG_OPENSEARCH_DOMAIN_NOT_READY");
    expect(err.retryable).toBe(true);
    expect(err.message).toContain("still being created");
  });

  it("an isolated domain is a not-ready error that waiting will not fix", async () => {
    const err = await failure(
      OpenSearchVectorStore.fromDomain({
        domainName: "jailed",
        domainClient: control.client,
        ...storeOptions,
      }),
    );
    expect(err.code).toBe("RAG_OPENSEARCH_DOMAIN_NOT_READY");
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("isolated");
  });

  it("a deleted domain is RAG_OPENSEARCH_DOMAIN_DELETED", async () => {
    const err = await failure(
      OpenSearchVectorStore.fromDomain({
        domainName: "gone",
        domainClient: control.client,
        ...storeOptions,
      }),
    );
    expect(err).toBeInstanceOf(OpenSearchDomainDeletedError);
    expect(err.code).toBe("RAG_OPENSEARCH_DOMAIN_DELETED");
  });

  it("a domain being modified still serves requests and is accepted", async () => {
    const info = await describeOpenSearchDomain({
      domainName: "busy",
      domainClient: control.client,
    });
    expect(info.processingStatus).toBe("Modifying");
  });

  it("an unknown domain is the service's ResourceNotFoundException (HTTP 409), wrapped", async () => {
    const err = await failure(
      OpenSearchVectorStore.fromDomain({
        domainName: "nosuch",
        domainClient: control.client,
        ...storeOptions,
      }),
    );
    expect(err.code).toBe("AWS_RESOURCE_NOT_FOUND_EXCEPTION");
    expect(err.message).toContain("OpenSearch.DescribeDomain");
  });

  it("access denied names the es:DescribeDomain permission", async () => {
    control.failNext.push({
      status: 403,
      type: "AccessDeniedException",
      message: "not authorized",
    });
    const err = await failure(
      OpenSearchVectorStore.fromDomain({
        domainName: "docs",
        domainClient: control.client,
        ...storeOptions,
      }),
    );
    expect(err.code).toBe("PERMISSION_DENIED");
    expect(err.message).toContain("es:DescribeDomain");
  });

  it("an invalid domain name fails validation before any request", async () => {
    const before = control.requests.length;
    const err = await failure(
      OpenSearchVectorStore.fromDomain({
        domainName: "Docs_1",
        domainClient: control.client,
        ...storeOptions,
      }),
    );
    expect(err.code).toBe("VALIDATION_ERROR");
    expect(err.message).toContain("domainName");
    expect(control.requests.length).toBe(before);
  });
});
