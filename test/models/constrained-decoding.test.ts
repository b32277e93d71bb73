/**
 * Constrained decoding in generateObject: each server family gets the schema in the exact field
 * it reads (recorded by the stand-ins), the answer is still validated and repaired, and adapters
 * without constrained decoding refuse a responseFormat before sending anything.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { ChatRequest } from "../../src/core/chat.js";
import { BedrockChatModel } from "../../src/models/bedrock-chat.js";
import { generateObject } from "../../src/models/generate-object.js";
import {
  OpenAICompatibleChatModel,
  type OpenAICompatibleChatModelOptions,
} from "../../src/models/openai-compatible.js";
import { SageMakerChatModel } from "../../src/models/sagemaker-chat.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { startBedrockRuntime } from "../emulators/bedrock-runtime.js";
import { readBody, startServer } from "../emulators/http.js";
import { openAIToolUseCompletion } from "../emulators/openai-tool-use.js";
import { startSageMakerRuntime } from "../emulators/sagemaker-runtime.js";

const grade = z.object({ score: z.int().min(1).max(5), reason: z.string() });
/** What zod's draft-7 conversion gives for `grade` (input side), as every server receives it. */
const gradeJsonSchema = {
  type: "object",
  properties: {
    score: { type: "integer", minimum: 1, maximum: 5 },
    reason: { type: "string" },
  },
  required: ["score", "reason"],
};
const ask = { messages: [{ role: "user" as const, content: "Grade: Paris is in France." }] };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A chat-completions server answering the scripted texts in order and recording each body. */
async function chatServer(texts: string[]) {
  const bodies: Record<string, unknown>[] = [];
  const server = await startServer(async (req, res) => {
    bodies.push(JSON.parse(new TextDecoder().decode(await readBody(req))));
    const text = texts[bodies.length - 1] ?? "script exhausted";
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(openAIToolUseCompletion({ text })));
  });
  closers.push(() => server.close());
  const model = (options: Partial<OpenAICompatibleChatModelOptions> = {}) =>
    new OpenAICompatibleChatModel({ baseUrl: `${server.endpoint}/v1`, model: "m", ...options });
  return { bodies, model };
}

describe("generateObject with constrained decoding on OpenAI-compatible servers", () => {
  it("sends response_format json_schema by default, no tools, and returns the validated object", async () => {
    const { bodies, model } = await chatServer(['{"score": 4, "reason": "correct"}']);
    const m = model();
    expect(m.structuredOutput).toBe("constrained");
    const { object, attempts } = await generateObject(m, { ...ask, schema: grade });
    expect(object).toEqual({ score: 4, reason: "correct" });
    expect(attempts).toHaveLength(1);
    expect(bodies[0]?.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "respond", schema: gradeJsonSchema },
    });
    expect(bodies[0]).not.toHaveProperty("tools");
    expect(bodies[0]).not.toHaveProperty("tool_choice");
  });

  it("keeps the repair loop: an out-of-range answer goes back with its error, under the same constraint", async () => {
    const { bodies, model } = await chatServer([
      '{"score": 11, "reason": "great"}',
      '{"score": 5, "reason": "great"}',
    ]);
    const { object, attempts } = await generateObject(model(), {
      ...ask,
      schema: grade,
      strict: true,
      schemaName: "grade",
    });
    expect(object.score).toBe(5);
    expect(attempts.map((a) => a.error === undefined)).toEqual([false, true]);
    expect(attempts[0]?.error).toMatch(/score/);
    expect(bodies).toHaveLength(2);
    for (const body of bodies) {
      expect(body.response_format).toEqual({
        type: "json_schema",
        json_schema: { name: "grade", schema: gradeJsonSchema, strict: true },
      });
    }
    const repair = (bodies[1]?.messages ?? []) as { role: string; content: string }[];
    repair.splice(0, repair.length - 2);
    expect(repair[0]).toEqual({ role: "assistant", content: '{"score": 11, "reason": "great"}' });
    expect(repair[1]?.content).toMatch(
      /rejected: score: .*Answer again with only the corrected JSON/,
    );
  });

  it.each([
    ["structured_outputs", { structured_outputs: { json: gradeJsonSchema } }],
    ["guided_json", { guided_json: gradeJsonSchema }],
    ["tgi", { response_format: { type: "json_object", value: gradeJsonSchema } }],
  ] as const)(
    "constrainedDecoding %s sends the schema in that server's field",
    async (field, expected) => {
      const { bodies, model } = await chatServer(['{"score": 3, "reason": "ok"}']);
      const { object } = await generateObject(model({ constrainedDecoding: field }), {
        ...ask,
        schema: grade,
      });
      expect(object.score).toBe(3);
      const { model: _m, messages: _x, stream: _s, ...fields } = bodies[0] ?? {};
      expect(fields).toEqual(expected);
    },
  );

  it("streams with the same field as generate", async () => {
    const { bodies, model } = await chatServer(['{"score": 2, "reason": "thin"}']);
    const request: ChatRequest = { ...ask, responseFormat: { type: "json", schema: grade } };
    await model({ constrainedDecoding: "structured_outputs" }).stream(request).text();
    expect(bodies[0]?.stream).toBe(true);
    expect(bodies[0]?.structured_outputs).toEqual({ json: gradeJsonSchema });
  });

  it('constrainedDecoding "none" falls back to a forced tool and refuses a responseFormat unsent', async () => {
    const { bodies, model } = await chatServer([]);
    const m = model({ constrainedDecoding: "none" });
    expect(m.structuredOutput).toBe("tool");
    await expect(
      m.generate({ ...ask, responseFormat: { type: "json", schema: grade } }),
    ).rejects.toMatchObject({ code: "VALIDATION_ERROR", message: /responseFormat/ });
    expect(bodies).toHaveLength(0);
    expect(() => model({ constrainedDecoding: "none", structuredOutput: "constrained" })).toThrow(
      /structuredOutput/,
    );
  });

  it("a caller's mode wins over the model's default", async () => {
    const bodies: Record<string, unknown>[] = [];
    const server = await startServer(async (req, res) => {
      bodies.push(JSON.parse(new TextDecoder().decode(await readBody(req))));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          openAIToolUseCompletion({
            toolCalls: [{ id: "c1", name: "respond", input: { score: 1, reason: "wrong" } }],
          }),
        ),
      );
    });
    closers.push(() => server.close());
    const m = new OpenAICompatibleChatModel({ baseUrl: `${server.endpoint}/v1`, model: "m" });
    const { object } = await generateObject(m, { ...ask, schema: grade, mode: "tool" });
    expect(object.score).toBe(1);
    expect(bodies[0]).not.toHaveProperty("response_format");
    expect(bodies[0]?.tool_choice).toEqual({ type: "function", function: { name: "respond" } });
  });
});

describe("generateObject with constrained decoding on SageMaker", () => {
  it('format "tgi" sends the schema as parameters.grammar {type: "json"} and reads generated_text', async () => {
    const answers = ['{"score": 9, "reason": "x"}', '{"score": 2, "reason": "partly"}'];
    let call = 0;
    const sm = await startSageMakerRuntime({
      invokeEndpoint: () => ({ body: [{ generated_text: answers[call++] ?? "" }] }),
    });
    closers.push(() => sm.close());
    const model = new SageMakerChatModel({ client: sm.client, endpointName: "tgi", format: "tgi" });
    expect(model.structuredOutput).toBe("constrained");
    const { object, attempts } = await generateObject(model, { ...ask, schema: grade });
    expect(object).toEqual({ score: 2, reason: "partly" });
    expect(attempts).toHaveLength(2);
    for (const request of sm.requests) {
      const body = JSON.parse(new TextDecoder().decode(request.body));
      expect(body.parameters.grammar).toEqual({ type: "json", value: gradeJsonSchema });
      expect(body.inputs).toMatch(/JSON Schema/);
    }
  });

  it('format "openai" with constrainedDecoding "tgi" sends TGI\'s response_format', async () => {
    const sm = await startSageMakerRuntime({
      invokeEndpoint: () => ({
        body: openAIToolUseCompletion({ text: '{"score":1,"reason":"no"}' }),
      }),
    });
    closers.push(() => sm.close());
    const model = new SageMakerChatModel({
      client: sm.client,
      endpointName: "tgi-messages",
      format: "openai",
      constrainedDecoding: "tgi",
    });
    expect(model.structuredOutput).toBe("tool");
    const { object } = await generateObject(model, { ...ask, schema: grade, mode: "constrained" });
    expect(object.score).toBe(1);
    const body = JSON.parse(new TextDecoder().decode(sm.requests[0]?.body));
    expect(body.response_format).toEqual({ type: "json_object", value: gradeJsonSchema });
    expect(body).not.toHaveProperty("tools");
  });

  it("formats without constrained decoding refuse a responseFormat before calling the endpoint", async () => {
    const sm = await startSageMakerRuntime({});
    closers.push(() => sm.close());
    const lmi = new SageMakerChatModel({ client: sm.client, endpointName: "lmi", format: "lmi" });
    expect(lmi.structuredOutput).toBe("json");
    await expect(
      lmi.generate({ ...ask, responseFormat: { type: "json", schema: grade } }),
    ).rejects.toMatchObject({ code: "VALIDATION_ERROR", message: /"lmi" payload format/ });
    expect(
      () =>
        new SageMakerChatModel({
          client: sm.client,
          endpointName: "lmi",
          format: "lmi",
          structuredOutput: "constrained",
        }),
    ).toThrow(/structuredOutput/);
    expect(sm.requests).toHaveLength(0);
  });
});

describe("responseFormat refusals", () => {
  it("Bedrock refuses it before sending (it takes objects through a forced tool)", async () => {
    const br = await startBedrockRuntime({});
    closers.push(() => br.close());
    const model = new BedrockChatModel({ modelId: "anthropic.claude-3-haiku", client: br.client });
    await expect(
      model.generate({ ...ask, responseFormat: { type: "json", schema: grade } }),
    ).rejects.toMatchObject({ code: "VALIDATION_ERROR", message: /responseFormat/ });
    expect(br.requests).toHaveLength(0);
  });

  it("refuses responseFormat together with tools", async () => {
    const model = new FakeChatModel({ responses: ["{}"] });
    await expect(
      model.generate({
        ...ask,
        tools: [{ name: "t", inputSchema: z.object({}) }],
        responseFormat: { type: "json", schema: grade },
      }),
    ).rejects.toMatchObject({ code: "VALIDATION_ERROR", message: /responseFormat/ });
  });

  it("FakeChatModel scripts a constrained model: requests carry the responseFormat", async () => {
    const model = new FakeChatModel({
      structuredOutput: "constrained",
      responses: ['{"score": 3, "reason": "fine"}'],
    });
    const { object } = await generateObject(model, { ...ask, schema: grade });
    expect(object.score).toBe(3);
    expect(model.requests[0]?.responseFormat?.schema).toBe(grade);
    expect(model.requests[0]?.tools).toBeUndefined();
  });
});
