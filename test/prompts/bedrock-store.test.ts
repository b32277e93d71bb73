import {
  CreatePromptCommand,
  CreatePromptVersionCommand,
  GetPromptCommand,
} from "@aws-sdk/client-bedrock-agent";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BedrockPromptStore, bedrockPromptName } from "../../src/prompts/bedrock-store.js";
import { ragAnswer } from "../../src/prompts/builtins/index.js";
import { CachedPromptSource } from "../../src/prompts/cache.js";
import { PromptCatalog } from "../../src/prompts/catalog.js";
import { PromptTemplate } from "../../src/prompts/template.js";
import { type BedrockAgentStandIn, startBedrockAgent } from "../emulators/bedrock-agent.js";

let agent: BedrockAgentStandIn;
beforeEach(async () => {
  agent = await startBedrockAgent();
});
afterEach(async () => {
  await agent.close();
});

const v1 = new PromptTemplate({
  id: "support.reply",
  version: "1",
  description: "Reply to a customer",
  system: "You help customers of {{company}}.",
  text: "Question: {{question}}",
  variables: { company: { maxLength: 40, default: "ACME" }, question: { maxLength: 2000 } },
  modelHints: {
    modelId: "anthropic.claude-3-haiku-20240307-v1:0",
    inferenceConfig: { maxTokens: 400, temperature: 0.3 },
  },
  tags: ["support"],
});
const v2 = new PromptTemplate({
  ...v1.toDefinition(),
  version: "2",
  text: "Customer asks: {{question}}",
});

describe("BedrockPromptStore", () => {
  it("pushes versions with the real SDK, maps them to version ARNs, and pulls them back identically", async () => {
    const store = new BedrockPromptStore({ client: agent.client });
    const r1 = await store.push(v1);
    const r2 = await store.push(v2);
    expect(r1).toMatchObject({
      id: "support.reply",
      version: "1",
      bedrockVersion: "1",
      created: true,
      hash: v1.hash,
    });
    expect(r2.bedrockVersion).toBe("2");
    expect(r2.promptId).toBe(r1.promptId);
    expect(r2.versionArn).toBe(`arn:aws:bedrock:us-east-1:123456789012:prompt/${r1.promptId}:2`);
    expect(store.versionArn("support.reply", "1")).toBe(r1.versionArn);

    // What Bedrock holds is a real CHAT prompt with {{variables}} declared.
    const stored = await agent.client.send(
      new GetPromptCommand({ promptIdentifier: r1.promptId, promptVersion: "1" }),
    );
    expect(stored.name).toBe("support-reply");
    const variant = stored.variants?.[0];
    expect(variant?.templateType).toBe("CHAT");
    expect(variant?.templateConfiguration?.chat?.system?.[0]?.text).toBe(
      "You help customers of {{company}}.",
    );
    expect(variant?.templateConfiguration?.chat?.inputVariables?.map((v) => v.name)).toEqual([
      "company",
      "question",
    ]);
    expect(variant?.inferenceConfiguration?.text).toEqual({ maxTokens: 400, temperature: 0.3 });
    expect(variant?.modelId).toBe("anthropic.claude-3-haiku-20240307-v1:0");

    // A fresh store (no mapping) pulls by name and restores the exact templates.
    const fresh = new BedrockPromptStore({ client: agent.client });
    const pulled = await fresh.pull("support.reply");
    expect(pulled.templates.map((t) => [t.version, t.hash])).toEqual([
      ["1", v1.hash],
      ["2", v2.hash],
    ]);
    expect(pulled.templates[0]?.toDefinition()).toEqual(v1.toDefinition());
    expect(fresh.mappings().map((m) => m.versionArn)).toEqual([r1.versionArn, r2.versionArn]);
  });

  it("is idempotent for the same version and refuses a changed body under it", async () => {
    const store = new BedrockPromptStore({ client: agent.client });
    await store.push(v1);
    const again = await new BedrockPromptStore({ client: agent.client }).push(v1);
    expect(again.created).toBe(false);
    expect(agent.prompts.values().next().value?.versions.size).toBe(1);
    const changed = new PromptTemplate({ ...v1.toDefinition(), text: "Changed {{question}}" });
    await expect(store.push(changed)).rejects.toMatchObject({ code: "PROMPT_VERSION_IMMUTABLE" });
  });

  it("round-trips text prompts, conversation prompts and long declarations through metadata", async () => {
    const store = new BedrockPromptStore({ client: agent.client });
    const plain = new PromptTemplate({ id: "plain", version: "1", text: "Just {{x}}" });
    const rag = new PromptTemplate({
      ...ragAnswer,
      version: "9",
      variables: Object.fromEntries(
        ["context", "question"].map((n) => [n, { description: "d".repeat(1500), maxLength: 9000 }]),
      ),
    });
    const conv = new PromptTemplate({
      id: "conv",
      version: "1",
      messages: [
        { role: "user", content: "Hi {{name}}" },
        { role: "assistant", content: "Hello!" },
        { role: "user", content: "Bye" },
      ],
    });
    for (const t of [plain, rag, conv]) {
      await store.push(t);
      const [back] = (await new BedrockPromptStore({ client: agent.client }).pull(t.id)).templates;
      expect(back?.toDefinition()).toEqual(t.toDefinition());
    }
    expect(agent.requests.some((r) => r.method === "POST" && r.path === "/prompts/")).toBe(true);
  });

  it("keeps console edits apart from the catalog version they no longer match", async () => {
    const store = new BedrockPromptStore({ client: agent.client });
    const ref = await store.push(v1);
    const p = agent.prompts.get(ref.promptId);
    const snapshot = p?.versions.get("1");
    if (!snapshot) throw new Error("version 1 not stored");
    const config = snapshot.variants[0]?.templateConfiguration as {
      chat: { system: { text: string }[] };
    };
    config.chat.system[0] = { text: "Edited in the console for {{company}}." };
    const pulled = await new BedrockPromptStore({ client: agent.client }).pull(ref.promptId);
    expect(pulled.templates[0]?.version).toBe("1-bedrock.1");
    expect(pulled.templates[0]?.system).toBe("Edited in the console for {{company}}.");
  });

  it("reads prompts created outside fmops, and pages through ListPrompts", async () => {
    await agent.close();
    agent = await startBedrockAgent({ pageSize: 5 });
    await agent.client.send(
      new CreatePromptCommand({
        name: "console-made",
        description: "made by hand",
        variants: [
          {
            name: "v",
            templateType: "TEXT",
            templateConfiguration: {
              text: { text: "Translate {{phrase}}", inputVariables: [{ name: "phrase" }] },
            },
            modelId: "amazon.nova-lite-v1:0",
            inferenceConfiguration: { text: { temperature: 0.5 } },
          },
        ],
      }),
    );
    const made = [...agent.prompts.values()][0];
    await agent.client.send(new CreatePromptVersionCommand({ promptIdentifier: made?.id }));
    const outside = await new BedrockPromptStore({ client: agent.client }).pull(
      made?.arn as string,
    );
    expect(outside.templates[0]?.toDefinition()).toEqual({
      id: "console-made",
      version: "1",
      description: "made by hand",
      text: "Translate {{phrase}}",
      variables: { phrase: {} },
      modelHints: { modelId: "amazon.nova-lite-v1:0", inferenceConfig: { temperature: 0.5 } },
    });
    const store = new BedrockPromptStore({ client: agent.client });
    for (let i = 0; i < 12; i++)
      await store.push(new PromptTemplate({ id: `p${i}`, version: "1", text: `n${i}` }));
    const found = await new BedrockPromptStore({ client: agent.client }).pull("p11");
    expect(found.templates[0]?.text).toBe("n11");
    const listCalls = agent.requests.filter(
      (r) => r.method === "GET" && r.path === "/prompts/" && !r.query.promptIdentifier,
    );
    expect(listCalls.at(-1)?.query.nextToken).toBeDefined();
  });

  it("pages through a prompt's versions with the SDK paginator, sending each page's token back", async () => {
    await agent.close();
    agent = await startBedrockAgent({ pageSize: 2 });
    const store = new BedrockPromptStore({ client: agent.client });
    const v3 = new PromptTemplate({
      ...v1.toDefinition(),
      version: "3",
      text: "Third {{question}}",
    });
    for (const t of [v1, v2, v3]) await store.push(t);
    const before = agent.requests.length;
    const pulled = await new BedrockPromptStore({ client: agent.client }).pull(
      store.mappings()[0]?.promptId as string,
    );
    expect(pulled.templates.map((t) => t.version)).toEqual(["1", "2", "3"]);
    // DRAFT and three versions, two summaries a page: two ListPrompts calls for this prompt.
    const versionLists = agent.requests
      .slice(before)
      .filter((r) => r.method === "GET" && r.path === "/prompts/" && r.query.promptIdentifier);
    expect(versionLists.map((r) => [r.query.maxResults, r.query.nextToken])).toEqual([
      ["100", undefined],
      ["100", "2"],
    ]);
  });

  it("refuses a client that is not the SDK's own BedrockAgentClient, naming the class", async () => {
    // A send-only wrapper: the SDK's paginator accepts only instances of its client class.
    const wrapper = { send: agent.client.send.bind(agent.client) };
    const store = new BedrockPromptStore({ client: wrapper as never });
    await expect(store.pull("support.reply")).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringMatching(/BedrockAgentClient/),
    });
    // A fetch by a known mapping pages nothing (one GetPrompt), and is refused alike.
    const mapped = new BedrockPromptStore({
      client: wrapper as never,
      mappings: [
        {
          id: "support.reply",
          version: "1",
          hash: v1.hash,
          promptId: "ABCDEFGHIJ",
          promptArn: "arn:aws:bedrock:us-east-1:123456789012:prompt/ABCDEFGHIJ",
          bedrockVersion: "1",
          versionArn: "arn:aws:bedrock:us-east-1:123456789012:prompt/ABCDEFGHIJ:1",
        },
      ],
    });
    await expect(mapped.fetch("support.reply", { version: "1" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
    });
    expect(agent.requests).toHaveLength(0);
  });

  it("serves as a remote source behind the TTL cache, falling back when Bedrock fails", async () => {
    const store = new BedrockPromptStore({ client: agent.client });
    await store.push(v1);
    const fallback = new PromptCatalog();
    fallback.register(v2);
    const cache = new CachedPromptSource({ source: store, fallback });
    expect((await cache.fetch("support.reply", { version: "1" })).hash).toBe(v1.hash);
    agent.failNext.push({ status: 503, type: "ServiceUnavailableException", message: "down" });
    const other = new CachedPromptSource({ source: store, fallback });
    expect((await other.fetch("support.reply", { version: "1" })).version).toBe("2");
    expect(other.lastOrigin).toBe("fallback");
  });

  it("wraps AWS errors and validates options", async () => {
    const store = new BedrockPromptStore({ client: agent.client });
    agent.failNext.push({ status: 403, type: "AccessDeniedException", message: "no" });
    await expect(store.push(v1)).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    await expect(store.pull("ABCDEFGHIJ")).rejects.toMatchObject({
      code: "AWS_RESOURCE_NOT_FOUND_EXCEPTION",
    });
    expect(() => new BedrockPromptStore({ timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(bedrockPromptName("fmops.text2sql/generate")).toBe("fmops-text2sql-generate");
  });
});
