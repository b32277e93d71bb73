import {
  BedrockRuntimeServiceException,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  InternalServerException,
  InvokeModelCommand,
  ModelStreamErrorException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import { afterEach, describe, expect, it } from "vitest";
import {
  type BedrockRuntimeStandIn,
  type ConverseStandInRequest,
  type ConverseStreamFrame,
  converseStreamFrames,
  startBedrockRuntime,
} from "./bedrock-runtime.js";
import { standInError } from "./http.js";

const PROFILE_ARN =
  "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0";

describe("Bedrock Runtime stand-in", () => {
  let br: BedrockRuntimeStandIn | undefined;
  afterEach(async () => {
    await br?.close();
    br = undefined;
  });

  describe("Converse", () => {
    it("receives the request JSON and answers in the API's response shape", async () => {
      let seen: ConverseStandInRequest | undefined;
      br = await startBedrockRuntime({
        converse: (req) => {
          seen = req;
          return {
            text: "Paris.",
            stopReason: "end_turn",
            usage: { inputTokens: 12, outputTokens: 2 },
            latencyMs: 321,
          };
        },
      });
      const out = await br.client.send(
        new ConverseCommand({
          modelId: PROFILE_ARN,
          system: [{ text: "Be brief." }],
          messages: [{ role: "user", content: [{ text: "Capital of France?" }] }],
          inferenceConfig: { maxTokens: 50, temperature: 0.2, topP: 0.9, stopSequences: ["\n\n"] },
          performanceConfig: { latency: "optimized" },
          guardrailConfig: { guardrailIdentifier: "gr-1", guardrailVersion: "2" },
        }),
      );
      expect(out.output?.message?.content?.[0]?.text).toBe("Paris.");
      expect(out.stopReason).toBe("end_turn");
      expect(out.usage).toEqual({ inputTokens: 12, outputTokens: 2, totalTokens: 14 });
      expect(out.metrics?.latencyMs).toBe(321);
      expect(seen?.modelId).toBe(PROFILE_ARN);
      expect(seen?.body).toMatchObject({
        system: [{ text: "Be brief." }],
        messages: [{ role: "user", content: [{ text: "Capital of France?" }] }],
        inferenceConfig: { maxTokens: 50, temperature: 0.2, topP: 0.9, stopSequences: ["\n\n"] },
        performanceConfig: { latency: "optimized" },
        guardrailConfig: { guardrailIdentifier: "gr-1", guardrailVersion: "2" },
      });
      expect(br.requests[0]?.operation).toBe("Converse");
    });

    it.each([
      [400, "ValidationException", ValidationException],
      [429, "ThrottlingException", ThrottlingException],
      [500, "InternalServerException", InternalServerException],
      [503, "ServiceUnavailableException", ServiceUnavailableException],
    ])("answers %i %s with the SDK's typed exception", async (status, type, ctor) => {
      br = await startBedrockRuntime({
        converse: () => standInError({ status, type, message: `${type}!` }),
      });
      const err = await br.client
        .send(
          new ConverseCommand({
            modelId: "m",
            messages: [{ role: "user", content: [{ text: "x" }] }],
          }),
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ctor);
      expect((err as Error).message).toBe(`${type}!`);
      expect((err as BedrockRuntimeServiceException).$metadata.httpStatusCode).toBe(status);
    });

    it("answers AccessDeniedException with status 403", async () => {
      br = await startBedrockRuntime({
        converse: () =>
          standInError({ status: 403, type: "AccessDeniedException", message: "not authorized" }),
      });
      const err = await br.client
        .send(
          new ConverseCommand({
            modelId: "m",
            messages: [{ role: "user", content: [{ text: "x" }] }],
          }),
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BedrockRuntimeServiceException);
      expect((err as Error).name).toBe("AccessDeniedException");
      expect((err as BedrockRuntimeServiceException).$metadata.httpStatusCode).toBe(403);
    });
  });

  describe("ConverseStream", () => {
    async function run(frames: ConverseStreamFrame[]) {
      br = await startBedrockRuntime({ converseStream: () => frames });
      const out = await br.client.send(
        new ConverseStreamCommand({
          modelId: "m",
          messages: [{ role: "user", content: [{ text: "x" }] }],
        }),
      );
      const events: ConverseStreamOutput[] = [];
      try {
        for await (const event of out.stream ?? []) events.push(event);
      } catch (error) {
        return { events, error };
      }
      return { events, error: undefined };
    }

    it("delivers messageStart, deltas, stop and metadata as the SDK's union members", async () => {
      const { events, error } = await run(
        converseStreamFrames(["Hel", "lo"], {
          usage: { inputTokens: 4, outputTokens: 2 },
          latencyMs: 77,
        }),
      );
      expect(error).toBeUndefined();
      expect(events.map((e) => Object.keys(e).find((k) => k !== "$unknown"))).toEqual([
        "messageStart",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockStop",
        "messageStop",
        "metadata",
      ]);
      expect(events[1]?.contentBlockDelta?.delta).toEqual({ text: "Hel" });
      expect(events[4]?.messageStop?.stopReason).toBe("end_turn");
      expect(events[5]?.metadata?.usage).toEqual({
        inputTokens: 4,
        outputTokens: 2,
        totalTokens: 6,
      });
      expect(events[5]?.metadata?.metrics?.latencyMs).toBe(77);
    });

    it.each([
      ["modelStreamErrorException", ModelStreamErrorException],
      ["internalServerException", InternalServerException],
      ["validationException", ValidationException],
      ["throttlingException", ThrottlingException],
      ["serviceUnavailableException", ServiceUnavailableException],
    ] as const)("throws the SDK's typed error for a %s frame mid-stream", async (type, ctor) => {
      const exception = {
        [type]: { message: `${type} mid-stream`, originalStatusCode: 500 },
      } as ConverseStreamFrame;
      const { events, error } = await run([
        { messageStart: { role: "assistant" } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "partial" } } },
        exception,
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "never" } } },
      ]);
      expect(events).toHaveLength(2);
      expect(error).toBeInstanceOf(ctor);
      expect((error as Error).message).toBe(`${type} mid-stream`);
    });

    it("keeps originalStatusCode and originalMessage of a modelStreamErrorException", async () => {
      const { error } = await run([
        { messageStart: { role: "assistant" } },
        {
          modelStreamErrorException: {
            message: "m",
            originalStatusCode: 503,
            originalMessage: "overloaded",
          },
        },
      ]);
      expect(error).toBeInstanceOf(ModelStreamErrorException);
      expect((error as ModelStreamErrorException).originalStatusCode).toBe(503);
      expect((error as ModelStreamErrorException).originalMessage).toBe("overloaded");
    });

    it("ends the stream early when the client aborts", async () => {
      let finished = false;
      const controller = new AbortController();
      br = await startBedrockRuntime({
        converseStream: () =>
          (async function* (): AsyncGenerator<ConverseStreamFrame> {
            try {
              yield { messageStart: { role: "assistant" } };
              for (let i = 0; i < 1000; i++) {
                yield { contentBlockDelta: { contentBlockIndex: 0, delta: { text: `${i} ` } } };
                yield { delayMs: 10 };
              }
            } finally {
              finished = true;
            }
          })(),
      });
      const out = await br.client.send(
        new ConverseStreamCommand({
          modelId: "m",
          messages: [{ role: "user", content: [{ text: "x" }] }],
        }),
        { abortSignal: controller.signal },
      );
      let n = 0;
      await (async () => {
        for await (const _ of out.stream ?? []) if (++n === 3) controller.abort();
      })().catch(() => {});
      await expect.poll(() => finished, { timeout: 5_000 }).toBe(true);
    });
  });

  describe("InvokeModel", () => {
    it("passes the raw body through both ways and decodes ':' and '/' in model ids", async () => {
      br = await startBedrockRuntime({
        invokeModel: (req) => ({
          body: {
            embedding: [0.1, 0.2],
            inputTextTokenCount: req.json<{ inputText: string }>().inputText.length,
          },
        }),
      });
      const out = await br.client.send(
        new InvokeModelCommand({
          modelId: "amazon.titan-embed-text-v2:0",
          body: JSON.stringify({ inputText: "abc" }),
          contentType: "application/json",
          accept: "application/json",
        }),
      );
      expect(JSON.parse(new TextDecoder().decode(out.body))).toEqual({
        embedding: [0.1, 0.2],
        inputTextTokenCount: 3,
      });
      expect(out.contentType).toBe("application/json");
      expect(br.requests[0]).toMatchObject({
        operation: "InvokeModel",
        modelId: "amazon.titan-embed-text-v2:0",
      });
      await br.client.send(
        new InvokeModelCommand({ modelId: PROFILE_ARN, body: '{"inputText":"x"}' }),
      );
      expect(br.requests[1]?.modelId).toBe(PROFILE_ARN);
    });

    it("answers a missing handler with ValidationException", async () => {
      br = await startBedrockRuntime({});
      const err = await br.client
        .send(new InvokeModelCommand({ modelId: "nope", body: "{}" }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationException);
    });
  });
});
