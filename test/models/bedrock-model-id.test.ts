/**
 * Inference-profile ARNs (system and application) as Bedrock model ids: sent as they are by the
 * AWS SDK to the Bedrock Runtime stand-in, with additionalModelRequestFields passed through, and
 * tool support still told right: from the foundation model the id names, or from the
 * `foundationModel` hint for ARNs that do not name it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { BedrockChatModel } from "../../src/models/bedrock-chat.js";
import { bedrockSupportsTools, parseBedrockModelId } from "../../src/models/bedrock-model-id.js";
import { generateObject } from "../../src/models/generate-object.js";
import { startBedrockRuntime } from "../emulators/bedrock-runtime.js";
import { converseToolUseFrames, converseToolUseReply } from "../emulators/bedrock-tool-use.js";

const APP_PROFILE =
  "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6";
const SYSTEM_PROFILE =
  "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0";
const ask = { messages: [{ role: "user" as const, content: "Hi" }] };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("parseBedrockModelId", () => {
  it.each([
    [
      "anthropic.claude-3-haiku-20240307-v1:0",
      {
        kind: "foundation-model",
        arn: false,
        foundationModel: "anthropic.claude-3-haiku-20240307-v1:0",
      },
    ],
    [
      "global.anthropic.claude-sonnet-4-20250514-v1:0",
      {
        kind: "inference-profile",
        arn: false,
        foundationModel: "anthropic.claude-sonnet-4-20250514-v1:0",
      },
    ],
    [
      SYSTEM_PROFILE,
      {
        kind: "inference-profile",
        arn: true,
        foundationModel: "anthropic.claude-3-5-haiku-20241022-v1:0",
      },
    ],
    [
      "arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-8b-instruct-v1:0",
      { kind: "foundation-model", arn: true, foundationModel: "meta.llama3-8b-instruct-v1:0" },
    ],
    [APP_PROFILE, { kind: "application-inference-profile", arn: true }],
    [
      "arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abc123",
      { kind: "provisioned-model", arn: true },
    ],
    [
      "arn:aws:bedrock:us-east-1:111122223333:imported-model/abc123",
      { kind: "imported-model", arn: true },
    ],
  ])("%s", (id, expected) => {
    expect(parseBedrockModelId(id)).toEqual(expected);
  });

  it("knows the foundation models documented without tool use", () => {
    expect(bedrockSupportsTools("amazon.titan-text-express-v1")).toBe(false);
    expect(bedrockSupportsTools("anthropic.claude-v2:1")).toBe(false);
    expect(bedrockSupportsTools("meta.llama3-8b-instruct-v1:0")).toBe(false);
    expect(bedrockSupportsTools("meta.llama3-1-8b-instruct-v1:0")).toBe(true);
    expect(bedrockSupportsTools("anthropic.claude-3-5-haiku-20241022-v1:0")).toBe(true);
    expect(bedrockSupportsTools("amazon.nova-lite-v1:0")).toBe(true);
  });
});

describe("BedrockChatModel with inference-profile ARNs", () => {
  it("sends an application inference profile ARN as the model id, with additionalModelRequestFields, on Converse and ConverseStream", async () => {
    const br = await startBedrockRuntime({
      converse: () => converseToolUseReply({ text: "hello" }),
      converseStream: () => converseToolUseFrames({ text: "hello" }, 3),
    });
    closers.push(() => br.close());
    const model = new BedrockChatModel({
      modelId: APP_PROFILE,
      client: br.client,
      foundationModel: "anthropic.claude-3-5-haiku-20241022-v1:0",
      additionalModelRequestFields: { top_k: 200 },
    });
    expect(model.id).toBe(`bedrock:${APP_PROFILE}`);
    expect((await model.generate(ask)).text).toBe("hello");
    expect(await model.stream(ask).text()).toBe("hello");
    expect(br.requests.map((r) => [r.operation, r.modelId])).toEqual([
      ["Converse", APP_PROFILE],
      ["ConverseStream", APP_PROFILE],
    ]);
    for (const request of br.requests) {
      const body = JSON.parse(new TextDecoder().decode(request.body));
      expect(body.additionalModelRequestFields).toEqual({ top_k: 200 });
    }
  });

  it("tells tool support from the foundation model an id names, or from the foundationModel hint", async () => {
    const br = await startBedrockRuntime({});
    closers.push(() => br.close());
    const make = (modelId: string, extra: Record<string, unknown> = {}) =>
      new BedrockChatModel({ modelId, client: br.client, ...extra });
    expect(make(SYSTEM_PROFILE).supportsTools).toBe(true);
    expect(make(SYSTEM_PROFILE).foundationModel).toBe("anthropic.claude-3-5-haiku-20241022-v1:0");
    expect(make("us.meta.llama3-2-1b-instruct-v1:0").supportsTools).toBe(true);
    expect(make("amazon.titan-text-premier-v1:0").supportsTools).toBe(false);
    expect(
      make("arn:aws:bedrock:us-east-1::foundation-model/mistral.mistral-7b-instruct-v0:2")
        .supportsTools,
    ).toBe(false);
    // An application inference profile's ARN does not say: assumed to take tools unless told.
    expect(make(APP_PROFILE).supportsTools).toBe(true);
    expect(make(APP_PROFILE).foundationModel).toBeUndefined();
    const titanProfile = make(APP_PROFILE, { foundationModel: "amazon.titan-text-express-v1" });
    expect(titanProfile.supportsTools).toBe(false);
    expect(make(APP_PROFILE, { supportsTools: false }).supportsTools).toBe(false);
    expect(() => make(APP_PROFILE, { foundationModel: "not a model id" })).toThrow(
      /foundationModel/,
    );
  });

  it("generateObject asks a model without tool use for JSON in text instead of a tool", async () => {
    const bodies: Record<string, unknown>[] = [];
    const br = await startBedrockRuntime({
      converse: (req) => {
        bodies.push(req.body);
        return converseToolUseReply({ text: '{"n": 3}' });
      },
    });
    closers.push(() => br.close());
    const model = new BedrockChatModel({
      modelId: APP_PROFILE,
      client: br.client,
      foundationModel: "amazon.titan-text-express-v1",
    });
    const { object } = await generateObject(model, { ...ask, schema: z.object({ n: z.int() }) });
    expect(object).toEqual({ n: 3 });
    expect(bodies[0]).not.toHaveProperty("toolConfig");
  });
});
