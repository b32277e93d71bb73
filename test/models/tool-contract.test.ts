/**
 * The tool-use contract every adapter that supports tools must meet, run against each adapter
 * through its real client (Bedrock: the AWS SDK against the local stand-in). To add an adapter,
 * add a row to ADAPTERS that scripts assistant turns on its own stand-in.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { ChatRequest } from "../../src/core/chat.js";
import { BedrockChatModel } from "../../src/models/bedrock-chat.js";
import { generateObject } from "../../src/models/generate-object.js";
import { OpenAICompatibleChatModel } from "../../src/models/openai-compatible.js";
import { SageMakerChatModel } from "../../src/models/sagemaker-chat.js";
import { runTools } from "../../src/models/tools.js";
import type { ChatModel } from "../../src/models/types.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { startBedrockRuntime } from "../emulators/bedrock-runtime.js";
import {
  converseToolUseFrames,
  converseToolUseReply,
  type ScriptedTurn,
} from "../emulators/bedrock-tool-use.js";
import { readBody, startServer, writeChunk } from "../emulators/http.js";
import { openAIToolUseCompletion, openAIToolUseEvents } from "../emulators/openai-tool-use.js";
import { startSageMakerRuntime } from "../emulators/sagemaker-runtime.js";

interface Harness {
  model: ChatModel;
  /** The requests the model received, as plain fmops-shaped messages where the adapter can say. */
  sentMessages(call: number): unknown;
  /** How many tool-input fragments were streamed for the last streamed turn (0 when unknown). */
  fragments(): number;
  /** The stop reason of a turn that called tools, in the service's words. */
  toolStopReason: string;
  /** How a sent error tool result shows in the sent messages (a flag, or OpenAI's text marker). */
  errorResult: RegExp;
  close(): Promise<void>;
}

/** Hands out the scripted turns in order. */
function scripted(script: ScriptedTurn[]): () => ScriptedTurn {
  let turn = 0;
  return () => {
    const t = script[turn++];
    if (!t) throw new Error("script exhausted");
    return t;
  };
}

type Adapter = { name: string; start(script: ScriptedTurn[]): Promise<Harness> };

const ADAPTERS: Adapter[] = [
  {
    name: "BedrockChatModel (AWS SDK against the Bedrock Runtime stand-in)",
    async start(script) {
      let turn = 0;
      let fragments = 0;
      const next = () => {
        const t = script[turn++];
        if (!t) throw new Error("script exhausted");
        return t;
      };
      const br = await startBedrockRuntime({
        converse: () => converseToolUseReply(next()),
        converseStream: () => {
          const frames = converseToolUseFrames(next(), 3);
          fragments = frames.fragments;
          return frames;
        },
      });
      return {
        model: new BedrockChatModel({ modelId: "anthropic.claude-3-haiku", client: br.client }),
        sentMessages: (call) =>
          JSON.parse(new TextDecoder().decode(br.requests[call]?.body)).messages,
        fragments: () => fragments,
        toolStopReason: "tool_use",
        errorResult: /"status":"error"/,
        close: () => br.close(),
      };
    },
  },
  {
    name: "OpenAICompatibleChatModel (fetch against a local chat-completions server)",
    async start(script) {
      const next = scripted(script);
      const bodies: Record<string, unknown>[] = [];
      let fragments = 0;
      const server = await startServer(async (req, res) => {
        const body = JSON.parse(new TextDecoder().decode(await readBody(req)));
        bodies.push(body);
        const turn = next();
        if (!body.stream) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(openAIToolUseCompletion(turn)));
          return;
        }
        const streamed = openAIToolUseEvents(turn, 3);
        fragments = streamed.fragments;
        res.writeHead(200, { "content-type": "text/event-stream" });
        // One write per event, so the client sees the call arrive in many network chunks.
        for (const event of streamed.events) await writeChunk(res, new TextEncoder().encode(event));
        res.end();
      });
      return {
        model: new OpenAICompatibleChatModel({ baseUrl: `${server.endpoint}/v1`, model: "m" }),
        sentMessages: (call) => bodies[call]?.messages,
        fragments: () => fragments,
        toolStopReason: "tool_calls",
        errorResult: /"role":"tool","tool_call_id":"tu_bad","content":"Error: /,
        close: () => server.close(),
      };
    },
  },
  {
    name: "SageMakerChatModel format openai (AWS SDK against the SageMaker Runtime stand-in)",
    async start(script) {
      const next = scripted(script);
      let fragments = 0;
      const sm = await startSageMakerRuntime({
        invokeEndpoint: () => ({ body: openAIToolUseCompletion(next()) }),
        invokeEndpointWithResponseStream: () => {
          const streamed = openAIToolUseEvents(next(), 3);
          fragments = streamed.fragments;
          return {
            frames: streamed.events.map((payload) => ({ payload })),
            contentType: "text/event-stream",
          };
        },
      });
      return {
        model: new SageMakerChatModel({ client: sm.client, endpointName: "lmi", format: "openai" }),
        sentMessages: (call) =>
          JSON.parse(new TextDecoder().decode(sm.requests[call]?.body)).messages,
        fragments: () => fragments,
        toolStopReason: "tool_calls",
        errorResult: /"role":"tool","tool_call_id":"tu_bad","content":"Error: /,
        close: () => sm.close(),
      };
    },
  },
  {
    name: "FakeChatModel",
    async start(script) {
      const model = new FakeChatModel({
        responses: script.map((t) => ({
          ...(t.text !== undefined ? { text: t.text } : {}),
          ...(t.toolCalls ? { toolCalls: t.toolCalls } : {}),
        })),
        chunkSize: 3,
      });
      return {
        model,
        sentMessages: (call) => model.requests[call]?.messages,
        fragments: () => 0,
        toolStopReason: "tool_use",
        errorResult: /"isError":true/,
        close: async () => {},
      };
    },
  },
];

const orderTool = {
  name: "order_status",
  description: "Looks up an order by id.",
  inputSchema: z.object({ orderId: z.int().positive() }),
};
const ask: ChatRequest = {
  messages: [{ role: "user", content: "Where are orders 42 and 7?" }],
  tools: [orderTool],
};

describe.each(ADAPTERS)("tool-use contract: $name", (adapter) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("assembles a streamed tool call split across many frames into one validated call", async () => {
    harness = await adapter.start([
      { toolCalls: [{ id: "tu_1", name: "order_status", input: { orderId: 4242 } }] },
    ]);
    const response = await harness.model.stream(ask).response();
    expect(response.toolCalls).toEqual([
      { id: "tu_1", name: "order_status", input: { orderId: 4242 } },
    ]);
    expect(response.stopReason).toBe(harness.toolStopReason);
    if (harness.fragments() > 0) expect(harness.fragments()).toBeGreaterThan(3);
  });

  it("keeps two tool calls of one turn apart, streamed and not", async () => {
    const turn: ScriptedTurn = {
      text: "Looking both up.",
      toolCalls: [
        { id: "tu_a", name: "order_status", input: { orderId: 42 } },
        { id: "tu_b", name: "order_status", input: { orderId: 7 } },
      ],
    };
    harness = await adapter.start([turn, turn]);
    const expected = [
      { id: "tu_a", name: "order_status", input: { orderId: 42 } },
      { id: "tu_b", name: "order_status", input: { orderId: 7 } },
    ];
    const streamed = await harness.model.stream(ask).response();
    expect(streamed.toolCalls).toEqual(expected);
    expect(streamed.text).toBe("Looking both up.");
    const whole = await harness.model.generate(ask);
    expect(whole.toolCalls).toEqual(expected);
  });

  it("sends tool results back and returns the text that follows them (runTools)", async () => {
    harness = await adapter.start([
      {
        text: "Let me check.",
        toolCalls: [{ id: "tu_1", name: "order_status", input: { orderId: 42 } }],
      },
      { text: "Order 42 shipped on Monday." },
    ]);
    const seen: unknown[] = [];
    const result = await runTools(harness.model, {
      ...ask,
      tools: [
        {
          ...orderTool,
          execute: async (input: { orderId: number }, ctx) => {
            seen.push({ input, toolUseId: ctx.toolUseId, step: ctx.step });
            return { orderId: input.orderId, status: "shipped" };
          },
        },
      ],
    });
    expect(result.text).toBe("Order 42 shipped on Monday.");
    expect(seen).toEqual([{ input: { orderId: 42 }, toolUseId: "tu_1", step: 0 }]);
    expect(result.steps.map((s) => s.toolRuns.length)).toEqual([1, 0]);
    const second = JSON.stringify(harness.sentMessages(1));
    expect(second).toContain("tu_1");
    expect(second).toContain('{\\"orderId\\":42,\\"status\\":\\"shipped\\"}');
    expect(second).not.toContain('"isError":true');
    expect(second).not.toContain('"status":"error"');
    expect(second).not.toContain('"content":"Error: ');
  });

  it("returns invalid tool input to the model as an error result without running the tool", async () => {
    harness = await adapter.start([
      { toolCalls: [{ id: "tu_bad", name: "order_status", input: { orderId: "forty-two" } }] },
      { text: "Sorry, I need a numeric order id." },
    ]);
    let ran = 0;
    const result = await runTools(harness.model, {
      ...ask,
      tools: [{ ...orderTool, execute: async () => ran++ }],
    });
    expect(ran).toBe(0);
    expect(result.steps[0]?.toolRuns[0]?.error).toMatch(/orderId/);
    expect(result.steps[0]?.toolRuns[0]?.result.isError).toBe(true);
    const second = JSON.stringify(harness.sentMessages(1));
    expect(second).toMatch(/tu_bad/);
    expect(second).toMatch(harness.errorResult);
    expect(second).toMatch(/orderId/);
  });

  it("stops with AbortedError when aborted while a tool runs, and aborts the tool's signal", async () => {
    harness = await adapter.start([
      { toolCalls: [{ id: "tu_1", name: "order_status", input: { orderId: 42 } }] },
      { text: "never sent" },
    ]);
    const controller = new AbortController();
    let toolSignal: AbortSignal | undefined;
    const run = runTools(harness.model, {
      ...ask,
      signal: controller.signal,
      tools: [
        {
          ...orderTool,
          // Ignores its signal on purpose: the loop must not wait for it.
          execute: (_input: unknown, ctx) => {
            toolSignal = ctx.signal;
            controller.abort();
            return new Promise(() => {});
          },
        },
      ],
    });
    await expect(run).rejects.toMatchObject({ code: "ABORTED" });
    expect(toolSignal?.aborted).toBe(true);
  });

  it("generateObject forces the one tool and returns the validated object", async () => {
    harness = await adapter.start([
      { toolCalls: [{ id: "tu_o", name: "respond", input: { score: 9 } }] },
      { toolCalls: [{ id: "tu_p", name: "respond", input: { score: 4 } }] },
    ]);
    // Tool mode named: OpenAI-compatible servers default to constrained decoding instead.
    const { object, attempts } = await generateObject(harness.model, {
      messages: [{ role: "user", content: "Grade it." }],
      schema: z.object({ score: z.int().min(1).max(5) }),
      mode: "tool",
    });
    expect(object).toEqual({ score: 4 });
    expect(attempts).toHaveLength(2);
    expect(attempts[0]?.error).toMatch(/score/);
  });
});

describe("BedrockChatModel tool wire format", () => {
  it("sends toolConfig from zod with toolChoice and cache points, and reads cache usage", async () => {
    let body: Record<string, unknown> = {};
    const br = await startBedrockRuntime({
      converse: (req) => {
        body = req.body;
        return converseToolUseReply({
          text: "ok",
          usage: {
            inputTokens: 5,
            outputTokens: 1,
            cacheReadInputTokens: 900,
            cacheWriteInputTokens: 12,
          },
        });
      },
    });
    try {
      const model = new BedrockChatModel({
        modelId: "m",
        client: br.client,
        cachePoints: { system: true, tools: true },
      });
      const response = await model.generate({
        ...ask,
        system: "Be brief.",
        toolChoice: { name: "order_status" },
      });
      expect(body.toolConfig).toEqual({
        tools: [
          {
            toolSpec: {
              name: "order_status",
              description: "Looks up an order by id.",
              inputSchema: {
                json: expect.objectContaining({
                  type: "object",
                  properties: { orderId: expect.objectContaining({ type: "integer" }) },
                  required: ["orderId"],
                }),
              },
            },
          },
          { cachePoint: { type: "default" } },
        ],
        toolChoice: { tool: { name: "order_status" } },
      });
      expect(body.system).toEqual([{ text: "Be brief." }, { cachePoint: { type: "default" } }]);
      expect(response.usage).toMatchObject({ cacheReadTokens: 900, cacheWriteTokens: 12 });
      expect(response.toolCalls).toEqual([]);
    } finally {
      await br.close();
    }
  });

  it("maps image bytes, an S3 document and a tool result to Converse blocks", async () => {
    let body: { messages?: { content: Record<string, unknown>[] }[] } = {};
    const br = await startBedrockRuntime({
      converse: (req) => {
        body = req.body as typeof body;
        return { text: "ok" };
      },
    });
    try {
      const model = new BedrockChatModel({ modelId: "m", client: br.client });
      await model.generate({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is this?" },
              { type: "image", mediaType: "image/png", bytes: new Uint8Array([1, 2, 3]) },
              {
                type: "document",
                name: "terms",
                mediaType: "application/pdf",
                s3Uri: "s3://b/terms.pdf",
              },
            ],
          },
          {
            role: "assistant",
            content: [{ type: "toolUse", id: "t", name: "x", input: { a: 1 } }],
          },
          {
            role: "user",
            content: [{ type: "toolResult", toolUseId: "t", content: "boom", isError: true }],
          },
        ],
      });
      expect(body.messages?.[0]?.content).toEqual([
        { text: "What is this?" },
        { image: { format: "png", source: { bytes: "AQID" } } },
        {
          document: {
            format: "pdf",
            name: "terms",
            source: { s3Location: { uri: "s3://b/terms.pdf" } },
          },
        },
      ]);
      expect(body.messages?.[1]?.content).toEqual([
        { toolUse: { toolUseId: "t", name: "x", input: { a: 1 } } },
      ]);
      expect(body.messages?.[2]?.content).toEqual([
        { toolResult: { toolUseId: "t", content: [{ text: "boom" }], status: "error" } },
      ]);
    } finally {
      await br.close();
    }
  });
});

describe("OpenAI messages API tool wire format", () => {
  it("sends tools from zod, each tool_choice, tool_calls, tool messages and images as data URLs", async () => {
    const bodies: Record<string, unknown>[] = [];
    const server = await startServer(async (req, res) => {
      bodies.push(JSON.parse(new TextDecoder().decode(await readBody(req))));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(openAIToolUseCompletion({ text: "ok" })));
    });
    try {
      const model = new OpenAICompatibleChatModel({ baseUrl: `${server.endpoint}/v1`, model: "m" });
      const conversation: ChatRequest["messages"] = [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image", mediaType: "image/png", bytes: new Uint8Array([1, 2, 3]) },
          ],
        },
        {
          role: "assistant",
          content: [{ type: "toolUse", id: "t1", name: "order_status", input: { orderId: 1 } }],
        },
        {
          role: "user",
          content: [
            { type: "toolResult", toolUseId: "t1", content: "no such order", isError: true },
            { type: "text", text: "Try again." },
          ],
        },
      ];
      for (const toolChoice of ["auto", "any", { name: "order_status" }] as const) {
        await model.generate({ ...ask, messages: conversation, toolChoice });
      }
      expect(bodies.map((b) => b.tool_choice)).toEqual([
        "auto",
        "required",
        { type: "function", function: { name: "order_status" } },
      ]);
      expect(bodies[0]?.tools).toEqual([
        {
          type: "function",
          function: {
            name: "order_status",
            description: "Looks up an order by id.",
            parameters: expect.objectContaining({
              type: "object",
              properties: { orderId: expect.objectContaining({ type: "integer" }) },
              required: ["orderId"],
            }),
          },
        },
      ]);
      expect(bodies[0]?.messages).toEqual([
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AQID" } },
          ],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "t1",
              type: "function",
              function: { name: "order_status", arguments: '{"orderId":1}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "t1", content: "Error: no such order" },
        { role: "user", content: "Try again." },
      ]);
    } finally {
      await server.close();
    }
  });

  it("refuses documents and S3 images before sending anything", async () => {
    let requests = 0;
    const server = await startServer(async (_req, res) => {
      requests++;
      res.end("{}");
    });
    try {
      const model = new OpenAICompatibleChatModel({ baseUrl: `${server.endpoint}/v1`, model: "m" });
      const document = {
        type: "document",
        name: "terms",
        mediaType: "application/pdf",
        bytes: new Uint8Array([1]),
      } as const;
      await expect(
        model.generate({ messages: [{ role: "user", content: [document] }] }),
      ).rejects.toMatchObject({
        code: "VALIDATION_ERROR",
        message: /messages\.0\.content\.0.*document/,
      });
      await expect(
        model.generate({
          messages: [
            {
              role: "user",
              content: [{ type: "image", mediaType: "image/png", s3Uri: "s3://b/k.png" }],
            },
          ],
        }),
      ).rejects.toMatchObject({ code: "VALIDATION_ERROR", message: /s3Uri/ });
      expect(requests).toBe(0);
    } finally {
      await server.close();
    }
  });

  it("SageMaker refuses tools for payload formats that cannot send them", async () => {
    const sm = await startSageMakerRuntime({});
    try {
      const tgi = new SageMakerChatModel({ client: sm.client, endpointName: "tgi", format: "tgi" });
      expect(tgi.supportsTools).toBe(false);
      await expect(tgi.generate(ask)).rejects.toMatchObject({
        code: "VALIDATION_ERROR",
        message: /"tgi" payload format cannot send tools/,
      });
      expect(() => tgi.stream(ask)).toThrow(/cannot send tools/);
      expect(sm.requests).toHaveLength(0);
    } finally {
      await sm.close();
    }
  });
});
