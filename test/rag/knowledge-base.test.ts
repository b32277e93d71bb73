import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBedrockFilter } from "../../src/rag/bedrock-filter.js";
import { KnowledgeBaseChat } from "../../src/rag/knowledge-base-chat.js";
import { KnowledgeBaseRetriever } from "../../src/rag/knowledge-base-retriever.js";
import {
  type BedrockAgentRuntimeStandIn,
  startBedrockAgentRuntime,
} from "../emulators/bedrock-agent-runtime.js";

const KB = "KB12345678";
const RERANKER = "arn:aws:bedrock:us-east-1::foundation-model/amazon.rerank-v1:0";
let runtime: BedrockAgentRuntimeStandIn;

beforeAll(async () => {
  runtime = await startBedrockAgentRuntime();
  runtime.knowledgeBases.set(KB, [
    {
      content: { text: "Refunds are accepted within 30 days... after delivery." },
      location: { type: "S3", s3Location: { uri: "s3://docs/refunds.pdf" } },
      metadata: { "x-amz-bedrock-kb-chunk-id": "c-refund", dept: "sales", year: 2024 },
    },
    {
      content: { text: "Refunds for sale items: store credit only." },
      location: { type: "WEB", webLocation: { url: "https://example.com/sale" } },
      metadata: { dept: "sales", year: 2022 },
    },
    {
      content: { text: "Refunds policy draft in Confluence." },
      location: {
        type: "CONFLUENCE",
        confluenceLocation: { url: "https://wiki.example.com/refunds" },
      },
      metadata: { dept: "legal", year: 2023 },
    },
    {
      content: { text: "Refunds escalation in SharePoint." },
      location: { type: "SHAREPOINT", sharePointLocation: { url: "https://sp.example.com/esc" } },
      metadata: { dept: "support", year: 2021 },
    },
    {
      content: { text: "Refunds case notes in Salesforce." },
      location: {
        type: "SALESFORCE",
        salesforceLocation: { url: "https://sf.example.com/case/1" },
      },
      metadata: { dept: "support", year: 2020 },
    },
  ]);
});
afterAll(async () => runtime.close());

describe("toBedrockFilter", () => {
  it("translates operators, pushes $not down and unwraps single-member groups", () => {
    expect(toBedrockFilter({ dept: "sales" })).toEqual({ equals: { key: "dept", value: "sales" } });
    expect(toBedrockFilter({ year: { $gte: 2023 }, dept: { $in: ["a", "b"] } })).toEqual({
      andAll: [
        { greaterThanOrEquals: { key: "year", value: 2023 } },
        { in: { key: "dept", value: ["a", "b"] } },
      ],
    });
    expect(toBedrockFilter({ $not: { $or: [{ a: 1 }, { b: { $lt: 2 } }] } })).toEqual({
      andAll: [
        { notEquals: { key: "a", value: 1 } },
        { greaterThanOrEquals: { key: "b", value: 2 } },
      ],
    });
    expect(() => toBedrockFilter({ a: { $exists: true } })).toThrow(/\$exists/);
  });
});

describe("KnowledgeBaseRetriever (real SDK client against the stand-in)", () => {
  it("normalizes every location type into source and keeps the text exactly", async () => {
    const kb = new KnowledgeBaseRetriever({ knowledgeBaseId: KB, client: runtime.client });
    const hits = await kb.retrieve("Refunds", { k: 5 });
    expect(hits.map((h) => h.source).sort()).toEqual([
      "https://example.com/sale",
      "https://sf.example.com/case/1",
      "https://sp.example.com/esc",
      "https://wiki.example.com/refunds",
      "s3://docs/refunds.pdf",
    ]);
    const s3 = hits.find((h) => h.source === "s3://docs/refunds.pdf");
    expect(s3?.text).toBe("Refunds are accepted within 30 days... after delivery.");
    expect(s3?.id).toBe("c-refund");
    expect(s3?.metadata).toMatchObject({ locationType: "S3", dept: "sales", year: 2024 });
    expect(new Set(hits.map((h) => h.id)).size).toBe(5);
  });

  it("sends numberOfResults, search type, filter and reranking, follows nextToken and applies minScore", async () => {
    const kb = new KnowledgeBaseRetriever({
      knowledgeBaseId: KB,
      client: runtime.client,
      overrideSearchType: "HYBRID",
      pageSize: 1,
      minScore: 0.5,
      rerankingConfiguration: {
        type: "BEDROCK_RERANKING_MODEL",
        bedrockRerankingConfiguration: {
          modelConfiguration: {
            modelArn: "arn:aws:bedrock:us-east-1::foundation-model/amazon.rerank-v1:0",
          },
          numberOfRerankedResults: 3,
        },
      },
    });
    const before = runtime.requests.length;
    const hits = await kb.retrieve("refunds sale items", { k: 2, filter: { dept: "sales" } });
    const sent = runtime.requests.slice(before);
    expect(sent).toHaveLength(2);
    expect(sent[0]?.path).toBe(`/knowledgebases/${KB}/retrieve`);
    expect(sent[0]?.body).toMatchObject({
      retrievalQuery: { text: "refunds sale items" },
      retrievalConfiguration: {
        vectorSearchConfiguration: {
          numberOfResults: 1,
          overrideSearchType: "HYBRID",
          filter: { equals: { key: "dept", value: "sales" } },
          rerankingConfiguration: { type: "BEDROCK_RERANKING_MODEL" },
        },
      },
    });
    expect(sent[1]?.body.nextToken).toBe("page-1");
    expect(hits.map((h) => h.source)).toEqual(["https://example.com/sale"]);
    expect(hits.every((h) => h.score >= 0.5)).toBe(true);
  });

  it("pages through the SDK paginator: each page's token goes back, and maxPages caps the calls", async () => {
    const kb = new KnowledgeBaseRetriever({
      knowledgeBaseId: KB,
      client: runtime.client,
      pageSize: 1,
      maxPages: 3,
    });
    const before = runtime.requests.length;
    const hits = await kb.retrieve("refunds", { k: 5 });
    const sent = runtime.requests.slice(before);
    // Five chunks match, one per page: k is never reached, so maxPages ends the paging.
    expect(sent.map((r) => r.body.nextToken)).toEqual([undefined, "page-1", "page-2"]);
    expect(hits).toHaveLength(3);
    expect(new Set(hits.map((h) => h.id)).size).toBe(3);
  });

  it("refuses a reranking configuration without a reranker model before any call", async () => {
    // The service needs bedrockRerankingConfiguration.modelConfiguration.modelArn: without it the
    // first Retrieve would fail with the service's ValidationException instead.
    for (const rerankingConfiguration of [
      { type: "BEDROCK_RERANKING_MODEL" },
      {
        type: "BEDROCK_RERANKING_MODEL",
        bedrockRerankingConfiguration: { modelConfiguration: {} },
      },
      {
        type: "BEDROCK_RERANKING_MODEL",
        bedrockRerankingConfiguration: {
          modelConfiguration: { modelArn: RERANKER },
          numberOfRerankedResults: 0,
        },
      },
    ]) {
      expect(
        () =>
          new KnowledgeBaseRetriever({
            knowledgeBaseId: KB,
            client: runtime.client,
            rerankingConfiguration: rerankingConfiguration as never,
          }),
      ).toThrow(expect.objectContaining({ code: "VALIDATION_ERROR" }));
    }
  });

  it("refuses a client that is not the SDK's own BedrockAgentRuntimeClient, naming the class", async () => {
    // A send-only wrapper: the SDK's paginator accepts only instances of its client class.
    const wrapper = { send: runtime.client.send.bind(runtime.client) };
    const kb = new KnowledgeBaseRetriever({ knowledgeBaseId: KB, client: wrapper as never });
    const before = runtime.requests.length;
    await expect(kb.retrieve("refunds")).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringMatching(/BedrockAgentRuntimeClient/),
    });
    expect(runtime.requests.length).toBe(before);
  });

  it("ends on abort and on timeout", async () => {
    const kb = new KnowledgeBaseRetriever({ knowledgeBaseId: KB, client: runtime.client });
    await expect(kb.retrieve("refunds", { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: "ABORTED",
    });
    // A hanging server: the socket accepts but never answers; the deadline must end the wait.
    const { createServer } = await import("node:net");
    const sockets: import("node:net").Socket[] = [];
    const hang = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
    const port = (hang.address() as { port: number }).port;
    const { BedrockAgentRuntimeClient } = await import("@aws-sdk/client-bedrock-agent-runtime");
    const { NodeHttpHandler } = await import("@smithy/node-http-handler");
    const client = new BedrockAgentRuntimeClient({
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      endpoint: `http://127.0.0.1:${port}`,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
    try {
      const slow = new KnowledgeBaseRetriever({ knowledgeBaseId: KB, client, timeoutMs: 200 });
      await expect(slow.retrieve("refunds")).rejects.toMatchObject({ code: "TIMEOUT" });
    } finally {
      client.destroy();
      for (const s of sockets) s.destroy();
      await new Promise((r) => hang.close(r));
    }
  });

  it("wraps service errors", async () => {
    const kb = new KnowledgeBaseRetriever({
      knowledgeBaseId: "NOPE000000",
      client: runtime.client,
    });
    await expect(kb.retrieve("x")).rejects.toMatchObject({
      code: "AWS_RESOURCE_NOT_FOUND_EXCEPTION",
    });
    runtime.failNext.push({ status: 403, type: "AccessDeniedException", message: "no" });
    await expect(
      new KnowledgeBaseRetriever({ knowledgeBaseId: KB, client: runtime.client }).retrieve("x"),
    ).rejects.toThrow(/bedrock:Retrieve/);
  });
});

describe("KnowledgeBaseChat", () => {
  it("threads the session id across turns and normalizes citations", async () => {
    const chat = new KnowledgeBaseChat({
      knowledgeBaseId: KB,
      modelArn:
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
      client: runtime.client,
      k: 3,
      filter: { dept: "sales" },
      inference: { temperature: 0 },
    });
    const first = await chat.ask("refunds sale items");
    expect(first.sessionId).toBeTruthy();
    expect(first.answer).toMatch(/^Turn 1: Refunds for sale items/);
    expect(first.chunks.map((c) => c.source)).toEqual([
      "https://example.com/sale",
      "s3://docs/refunds.pdf",
    ]);
    expect(first.citations[0]).toMatchObject({
      index: 1,
      source: "https://example.com/sale",
      span: { start: 0 },
    });
    expect(first.citations[1]?.chunkId).toBe("c-refund");
    const second = await chat.ask("and the deadline?");
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.answer).toMatch(/^Turn 2:/);
    const bodies = runtime.requests.filter((r) => r.path === "/retrieveAndGenerate").slice(-2);
    expect(bodies[0]?.body.sessionId).toBeUndefined();
    expect(bodies[1]?.body.sessionId).toBe(first.sessionId);
    expect(bodies[1]?.body).toMatchObject({
      retrieveAndGenerateConfiguration: {
        knowledgeBaseConfiguration: {
          retrievalConfiguration: {
            vectorSearchConfiguration: { filter: { equals: { key: "dept", value: "sales" } } },
          },
          generationConfiguration: { inferenceConfig: { textInferenceConfig: { temperature: 0 } } },
        },
      },
    });
    chat.reset();
    expect((await chat.ask("refunds")).sessionId).not.toBe(first.sessionId);
  });
  it("refuses a reranking configuration without a reranker model before any call, as the retriever does", async () => {
    const options = {
      knowledgeBaseId: KB,
      modelArn:
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
      client: runtime.client,
    };
    expect(
      () =>
        new KnowledgeBaseChat({
          ...options,
          rerankingConfiguration: { type: "BEDROCK_RERANKING_MODEL" },
        }),
    ).toThrow(
      expect.objectContaining({
        code: "VALIDATION_ERROR",
        message: expect.stringContaining("bedrockRerankingConfiguration"),
      }),
    );
    // A complete one is sent as given, and the stand-in (which checks the reranker model) accepts it.
    const rerankingConfiguration = {
      type: "BEDROCK_RERANKING_MODEL",
      bedrockRerankingConfiguration: {
        modelConfiguration: { modelArn: RERANKER },
        numberOfRerankedResults: 2,
      },
    };
    const before = runtime.requests.length;
    await new KnowledgeBaseChat({ ...options, rerankingConfiguration }).ask("refunds");
    expect(runtime.requests.slice(before)[0]?.body).toMatchObject({
      retrieveAndGenerateConfiguration: {
        knowledgeBaseConfiguration: {
          retrievalConfiguration: { vectorSearchConfiguration: { rerankingConfiguration } },
        },
      },
    });
  });
});
