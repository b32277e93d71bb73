import { afterEach, describe, expect, it } from "vitest";
import { BedrockChatModel } from "../../src/models/bedrock-chat.js";
import { SageMakerChatModel } from "../../src/models/sagemaker-chat.js";
import { KnowledgeBaseRetriever } from "../../src/rag/knowledge-base-retriever.js";
import { startBedrockAgentRuntime } from "./bedrock-agent-runtime.js";
import { startBedrockRuntime } from "./bedrock-runtime.js";
import { standInError } from "./http.js";
import { startSageMakerRuntime } from "./sagemaker-runtime.js";

// Live restJson1 services name the error in `x-amzn-errortype` with a Coral suffix
// (`Name:http://internal.amazon.com/coral/<namespace>/`) and do not always repeat it as `__type`
// in the body. The SDK must still find the name, and fmops must still map it.

const SUFFIXED = /^[A-Za-z]+:http:\/\/internal\.amazon\.com\/coral\/[a-z.]+\/$/;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("restJson1 error headers", () => {
  it("Bedrock Runtime sends the suffixed header; without __type the SDK still reads the name", async () => {
    const br = await startBedrockRuntime({
      errorTypeInBody: false,
      converse: () =>
        standInError({ status: 429, type: "ThrottlingException", message: "Too many requests" }),
    });
    closers.push(() => br.close());
    const raw = await fetch(`${br.endpoint}/model/m/converse`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [] }),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("x-amzn-errortype")).toMatch(SUFFIXED);
    expect(raw.headers.get("x-amzn-errortype")).toMatch(/^ThrottlingException:/);
    expect(await raw.json()).toEqual({ message: "Too many requests" });

    const model = new BedrockChatModel({ modelId: "m", client: br.client, maxAttempts: 1 });
    const err = await model
      .generate({ messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "AWS_THROTTLING_EXCEPTION",
      retryable: true,
      details: { errorName: "ThrottlingException", httpStatus: 429 },
    });
  });

  it("Bedrock Runtime: an AccessDeniedException named only in the header is a permission error", async () => {
    const br = await startBedrockRuntime({
      errorTypeInBody: false,
      converse: () =>
        standInError({ status: 403, type: "AccessDeniedException", message: "Not allowed" }),
    });
    closers.push(() => br.close());
    const model = new BedrockChatModel({ modelId: "m", client: br.client, maxAttempts: 1 });
    await expect(
      model.generate({ messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toMatchObject({ code: "PERMISSION_DENIED", retryable: false });
  });

  it("SageMaker Runtime: ModelError named only in the suffixed header is still a ModelError", async () => {
    const sm = await startSageMakerRuntime({
      errorTypeInBody: false,
      invokeEndpoint: () =>
        standInError({
          status: 424,
          type: "ModelError",
          message: "Received server error (500) from primary",
          extra: { OriginalStatusCode: 500 },
        }),
    });
    closers.push(() => sm.close());
    const raw = await fetch(`${sm.endpoint}/endpoints/e/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(raw.headers.get("x-amzn-errortype")).toMatch(SUFFIXED);
    expect(raw.headers.get("x-amzn-errortype")).toMatch(/^ModelError:/);
    expect(await raw.json()).not.toHaveProperty("__type");

    const model = new SageMakerChatModel({ endpointName: "e", format: "tgi", client: sm.client });
    const err = await model
      .generate({ messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "AWS_MODEL_ERROR",
      details: { errorName: "ModelError", httpStatus: 424 },
    });
    expect((err as Error).message).toContain("Received server error (500) from primary");
  });

  it("Bedrock Agent Runtime sends the suffixed header and the retriever maps the name", async () => {
    const kb = await startBedrockAgentRuntime();
    closers.push(() => kb.close());
    const raw = await fetch(`${kb.endpoint}/no/such/route`, { method: "POST", body: "{}" });
    expect(raw.headers.get("x-amzn-errortype")).toMatch(SUFFIXED);
    kb.failNext.push({ status: 429, type: "ThrottlingException", message: "Slow down" });
    const retriever = new KnowledgeBaseRetriever({
      knowledgeBaseId: "KB123",
      client: kb.client,
    });
    await expect(retriever.retrieve("anything")).rejects.toMatchObject({
      retryable: true,
      details: { errorName: "ThrottlingException" },
    });
  });
});
