import { afterEach, describe, expect, it } from "vitest";
import {
  AbortedError,
  AwsServiceError,
  PermissionDeniedError,
  TimeoutError,
  ValidationError,
} from "../../src/core/errors.js";
import { BedrockChatModel, type BedrockChatModelOptions } from "../../src/models/bedrock-chat.js";
import { BedrockModelStreamError } from "../../src/streaming/bedrock.js";
import { InternalStreamFailure } from "../../src/streaming/errors.js";
import {
  type BedrockRuntimeHandlers,
  type BedrockRuntimeStandIn,
  type ConverseStreamFrame,
  converseStreamFrames,
  standInError,
  startBedrockRuntime,
} from "../emulators/index.js";

const PROFILE_ARN =
  "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0";
const user = (content: string) => ({ messages: [{ role: "user" as const, content }] });

describe("BedrockChatModel", () => {
  let br: BedrockRuntimeStandIn | undefined;
  let release: (() => void) | undefined;
  afterEach(async () => {
    release?.();
    release = undefined;
    await br?.close();
    br = undefined;
  });

  async function model(
    handlers: BedrockRuntimeHandlers,
    options: Partial<BedrockChatModelOptions> = {},
  ): Promise<BedrockChatModel> {
    br = await startBedrockRuntime(handlers);
    return new BedrockChatModel({
      modelId: "anthropic.claude-3-haiku-20240307-v1:0",
      client: br.client,
      ...options,
    });
  }

  /** A promise that stays pending until the test ends, for handlers that must never answer. */
  function never(): Promise<never> {
    return new Promise((_, reject) => {
      release = () => reject(new Error("released"));
    });
  }

  describe("runPrompt", () => {
    const PROMPT_ARN = "arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT1234:3";

    it("sends a prompt ARN with its variables and extra messages, and nothing the prompt owns", async () => {
      const m = await model(
        { converse: () => ({ text: "Hi Ana" }) },
        { modelId: PROMPT_ARN, system: "ignored" },
      );
      const answer = await m.runPrompt(
        { customer: "Ana", question: "Where is {{my}} order?" },
        { messages: [{ role: "user", content: "Please be brief." }] },
      );
      expect(answer.text).toBe("Hi Ana");
      const sent = br?.requests[0];
      expect(sent?.modelId).toBe(PROMPT_ARN);
      expect(JSON.parse(new TextDecoder().decode(sent?.body))).toEqual({
        promptVariables: {
          customer: { text: "Ana" },
          question: { text: "Where is {{my}} order?" },
        },
        messages: [{ role: "user", content: [{ text: "Please be brief." }] }],
      });
    });

    it("refuses a model id that is not a prompt ARN before sending anything", async () => {
      const m = await model({ converse: () => ({ text: "x" }) });
      await expect(m.runPrompt({ a: "b" })).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
      expect(br?.requests).toHaveLength(0);
    });
  });

  describe("generate", () => {
    it("maps the request to Converse and the answer back, with usage and both latencies", async () => {
      const m = await model(
        {
          converse: () => ({
            text: "Paris.",
            stopReason: "end_turn",
            usage: { inputTokens: 20, outputTokens: 3 },
            latencyMs: 412,
          }),
        },
        {
          modelId: PROFILE_ARN,
          system: "default system",
          inferenceConfig: { maxTokens: 100, temperature: 0.5, stopSequences: ["END"] },
          performanceConfig: { latency: "optimized" },
          guardrailConfig: {
            guardrailIdentifier: "gr-abc",
            guardrailVersion: "3",
            trace: "enabled",
            streamProcessingMode: "async",
          },
          additionalModelRequestFields: { top_k: 50 },
        },
      );
      expect(m.id).toBe(`bedrock:${PROFILE_ARN}`);
      const answer = await m.generate({
        system: "Answer in one word.",
        messages: [
          { role: "user", content: "Capital of Italy?" },
          { role: "assistant", content: "Rome." },
          { role: "user", content: "And France?" },
        ],
        temperature: 0.1,
        topP: 0.8,
      });
      expect(answer.text).toBe("Paris.");
      expect(answer.stopReason).toBe("end_turn");
      expect(answer.usage).toEqual({ inputTokens: 20, outputTokens: 3, totalTokens: 23 });
      expect(answer.latency?.serviceMs).toBe(412);
      expect(answer.latency?.e2eMs).toBeGreaterThanOrEqual(0);

      const sent = br?.requests[0];
      expect(sent?.operation).toBe("Converse");
      expect(sent?.modelId).toBe(PROFILE_ARN);
      const body = JSON.parse(new TextDecoder().decode(sent?.body));
      expect(body).toEqual({
        system: [{ text: "Answer in one word." }],
        messages: [
          { role: "user", content: [{ text: "Capital of Italy?" }] },
          { role: "assistant", content: [{ text: "Rome." }] },
          { role: "user", content: [{ text: "And France?" }] },
        ],
        inferenceConfig: { maxTokens: 100, temperature: 0.1, topP: 0.8, stopSequences: ["END"] },
        performanceConfig: { latency: "optimized" },
        // Converse's guardrail config has no stream processing mode.
        guardrailConfig: { guardrailIdentifier: "gr-abc", guardrailVersion: "3", trace: "enabled" },
        additionalModelRequestFields: { top_k: 50 },
      });
    });

    it("uses the default system prompt when the request has none, and sends no empty config", async () => {
      const m = await model({ converse: () => ({ text: "ok" }) }, { system: "Be terse." });
      await m.generate(user("hi"));
      const body = JSON.parse(new TextDecoder().decode(br?.requests[0]?.body));
      expect(body.system).toEqual([{ text: "Be terse." }]);
      expect(body.inferenceConfig).toBeUndefined();
      expect(body.guardrailConfig).toBeUndefined();
      expect(body.performanceConfig).toBeUndefined();
    });

    it("joins every text block of the answer", async () => {
      const m = await model({
        converse: () => ({
          json: {
            output: { message: { role: "assistant", content: [{ text: "a" }, { text: "b" }] } },
            stopReason: "stop_sequence",
            usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
            metrics: { latencyMs: 5 },
          },
        }),
      });
      const answer = await m.generate(user("x"));
      expect(answer.text).toBe("ab");
      expect(answer.stopReason).toBe("stop_sequence");
    });

    it("turns access denied into PERMISSION_DENIED naming bedrock:InvokeModel", async () => {
      const m = await model({
        converse: () =>
          standInError({
            status: 403,
            type: "AccessDeniedException",
            message: "You don't have access to the model",
          }),
      });
      const err = await m.generate(user("x")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermissionDeniedError);
      expect((err as PermissionDeniedError).code).toBe("PERMISSION_DENIED");
      expect((err as Error).message).toContain("bedrock:InvokeModel");
      expect((err as PermissionDeniedError).details?.operation).toBe("Converse");
    });

    it("turns throttling into a retryable AwsServiceError", async () => {
      const m = await model({
        converse: () =>
          standInError({ status: 429, type: "ThrottlingException", message: "Too many requests" }),
      });
      const err = await m.generate(user("x")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AwsServiceError);
      const e = err as AwsServiceError;
      expect(e.code).toBe("AWS_THROTTLING_EXCEPTION");
      expect(e.retryable).toBe(true);
      expect(e.httpStatus).toBe(429);
      expect(e.operation).toBe("Converse");
      expect(e.requestId).toBeTruthy();
    });

    it("turns a validation error into a non-retryable AwsServiceError", async () => {
      const m = await model({
        converse: () => standInError({ status: 400, type: "ValidationException", message: "bad" }),
      });
      const err = await m.generate(user("x")).catch((e: unknown) => e);
      expect((err as AwsServiceError).code).toBe("AWS_VALIDATION_EXCEPTION");
      expect((err as AwsServiceError).retryable).toBe(false);
    });

    it("ends with AbortedError when the caller aborts a call the service never answers", async () => {
      const m = await model({ converse: () => never() });
      const controller = new AbortController();
      const pending = m.generate(user("x"), { signal: controller.signal });
      await expect.poll(() => br?.requests.length).toBe(1);
      controller.abort();
      await expect(pending).rejects.toBeInstanceOf(AbortedError);
    });

    it("ends with TimeoutError when the deadline passes", async () => {
      const m = await model({ converse: () => never() }, { timeoutMs: 60_000 });
      const err = await m.generate(user("x"), { timeoutMs: 50 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as TimeoutError).code).toBe("TIMEOUT");
    });
  });

  describe("stream", () => {
    it("streams text split across frames and reports usage, stop reason and latencies", async () => {
      const m = await model(
        {
          converseStream: () =>
            converseStreamFrames(["Str", "eam", "ing ", "works"], {
              usage: { inputTokens: 9, outputTokens: 4 },
              latencyMs: 300,
              stopReason: "max_tokens",
            }),
        },
        {
          guardrailConfig: {
            guardrailIdentifier: "gr",
            guardrailVersion: "DRAFT",
            streamProcessingMode: "async",
          },
        },
      );
      const stream = m.stream(user("go"));
      const deltas: string[] = [];
      for await (const d of stream) deltas.push(d);
      expect(deltas).toEqual(["Str", "eam", "ing ", "works"]);
      expect(stream.stopReason).toBe("max_tokens");
      expect(stream.usage).toEqual({ inputTokens: 9, outputTokens: 4, totalTokens: 13 });
      expect(stream.latency?.serviceMs).toBe(300);
      expect(stream.latency?.ttftMs).toBeGreaterThanOrEqual(0);
      const sent = br?.requests[0];
      expect(sent?.operation).toBe("ConverseStream");
      expect(JSON.parse(new TextDecoder().decode(sent?.body)).guardrailConfig).toEqual({
        guardrailIdentifier: "gr",
        guardrailVersion: "DRAFT",
        streamProcessingMode: "async",
      });
    });

    it("sends nothing until the stream is read", async () => {
      const m = await model({ converseStream: () => converseStreamFrames(["a"]) });
      const stream = m.stream(user("x"));
      expect(br?.requests).toHaveLength(0);
      expect(await stream.text()).toBe("a");
      expect(br?.requests).toHaveLength(1);
    });

    it("throws BedrockModelStreamError from a mid-stream exception frame, after the partial text", async () => {
      const m = await model({
        converseStream: () => [
          { messageStart: { role: "assistant" } },
          { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "partial " } } },
          {
            modelStreamErrorException: {
              message: "Model crashed",
              originalStatusCode: 500,
              originalMessage: "OOM",
            },
          },
        ],
      });
      const deltas: string[] = [];
      const err = await (async () => {
        for await (const d of m.stream(user("x"))) deltas.push(d);
      })().catch((e: unknown) => e);
      expect(deltas).toEqual(["partial "]);
      expect(err).toBeInstanceOf(BedrockModelStreamError);
      expect((err as BedrockModelStreamError).code).toBe("STREAM_MODEL_ERROR");
      expect((err as BedrockModelStreamError).originalStatusCode).toBe(500);
    });

    it.each([
      "internalServerException",
      "serviceUnavailableException",
      "throttlingException",
    ] as const)(
      "throws a retryable InternalStreamFailure for a %s frame, also as the first frame",
      async (type) => {
        const m = await model({
          converseStream: (req) =>
            req.body.messages?.[0]?.content[0]?.text === "first"
              ? [{ [type]: { message: "failure" } } as ConverseStreamFrame]
              : [
                  { messageStart: { role: "assistant" } },
                  { contentBlockDelta: { delta: { text: "a" } } },
                  { [type]: { message: "failure" } } as ConverseStreamFrame,
                ],
        });
        for (const text of ["first", "mid"]) {
          const err = await m
            .stream(user(text))
            .text()
            .catch((e: unknown) => e);
          expect(err).toBeInstanceOf(InternalStreamFailure);
          expect((err as InternalStreamFailure).retryable).toBe(true);
        }
      },
    );

    it("turns access denied into PERMISSION_DENIED naming bedrock:InvokeModelWithResponseStream", async () => {
      const m = await model({
        converseStream: () =>
          standInError({ status: 403, type: "AccessDeniedException", message: "denied" }),
      });
      const err = await m
        .stream(user("x"))
        .text()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermissionDeniedError);
      expect((err as Error).message).toContain("bedrock:InvokeModelWithResponseStream");
    });

    it("turns HTTP throttling into a retryable AwsServiceError", async () => {
      const m = await model({
        converseStream: () =>
          standInError({ status: 429, type: "ThrottlingException", message: "slow down" }),
      });
      const err = await m
        .stream(user("x"))
        .text()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AwsServiceError);
      expect((err as AwsServiceError).retryable).toBe(true);
      expect((err as AwsServiceError).operation).toBe("ConverseStream");
    });

    function endless(): () => AsyncGenerator<ConverseStreamFrame> & { closed: () => boolean } {
      let closed = false;
      const gen = async function* (): AsyncGenerator<ConverseStreamFrame> {
        try {
          yield { messageStart: { role: "assistant" } };
          for (let i = 0; ; i++) {
            yield { contentBlockDelta: { contentBlockIndex: 0, delta: { text: `${i} ` } } };
            yield { delayMs: 20 };
          }
        } finally {
          closed = true;
        }
      };
      return () => Object.assign(gen(), { closed: () => closed });
    }

    it("ends with AbortedError and closes the connection when the caller aborts mid-stream", async () => {
      const make = endless();
      let produced: ReturnType<typeof make> | undefined;
      const m = await model({
        converseStream: () => {
          produced = make();
          return produced;
        },
      });
      const controller = new AbortController();
      let count = 0;
      const err = await (async () => {
        for await (const _ of m.stream(user("x"), { signal: controller.signal })) {
          if (++count === 2) controller.abort();
        }
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AbortedError);
      expect(count).toBe(2);
      await expect.poll(() => produced?.closed(), { timeout: 5_000 }).toBe(true);
    });

    it("ends with TimeoutError when the whole-stream deadline passes", async () => {
      const m = await model({ converseStream: endless() });
      const err = await m
        .stream(user("x"), { timeoutMs: 100 })
        .text()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as TimeoutError).code).toBe("TIMEOUT");
    });

    it("ends with STREAM_IDLE_TIMEOUT when the service goes quiet", async () => {
      const m = await model(
        {
          converseStream: () => [
            { messageStart: { role: "assistant" } },
            { contentBlockDelta: { delta: { text: "a" } } },
            { delayMs: 10_000 },
            { contentBlockDelta: { delta: { text: "b" } } },
          ],
        },
        { idleTimeoutMs: 50 },
      );
      const err = await m
        .stream(user("x"))
        .text()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as TimeoutError).code).toBe("STREAM_IDLE_TIMEOUT");
    });
  });

  describe("validation", () => {
    it.each([
      [{}, "modelId"],
      [{ modelId: "" }, "modelId"],
      [{ modelId: "has space" }, "modelId"],
      [{ modelId: "m", performanceConfig: { latency: "fast" } }, "performanceConfig.latency"],
      [
        { modelId: "m", guardrailConfig: { guardrailIdentifier: "g", guardrailVersion: "v1" } },
        "guardrailConfig.guardrailVersion",
      ],
      [{ modelId: "m", inferenceConfig: { temperature: 3 } }, "inferenceConfig.temperature"],
      [{ modelId: "m", timeoutMs: -1 }, "timeoutMs"],
      [{ modelId: "m", client: {} }, "client"],
      [{ modelId: "m", region: "" }, "region"],
      [{ modelId: "m", modelid: "typo" }, "modelid"],
    ])("rejects options %j naming %s", (options, field) => {
      const err = (() => {
        try {
          new BedrockChatModel(options as unknown as BedrockChatModelOptions);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path)).toContain(field);
    });

    it("accepts region, credentials and endpoint instead of a client, without network calls", () => {
      const m = new BedrockChatModel({
        modelId: "us.amazon.nova-lite-v1:0",
        region: "us-east-1",
        endpoint: "http://127.0.0.1:9",
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
        maxAttempts: 2,
      });
      expect(m.id).toBe("bedrock:us.amazon.nova-lite-v1:0");
    });

    it.each([
      [{ messages: [] }, "messages"],
      [{ messages: [{ role: "assistant", content: "hi" }] }, "messages.0.role"],
      [
        {
          messages: [
            { role: "user", content: "a" },
            { role: "assistant", content: "  " },
          ],
        },
        "messages.1.content",
      ],
      [{ messages: [{ role: "system", content: "a" }] }, "messages.0.role"],
      [{ ...user("x"), temperature: 5 }, "temperature"],
      [{ ...user("x"), maxTokens: 0 }, "maxTokens"],
    ])(
      "rejects request %j before any network call, in generate and stream",
      async (request, field) => {
        const m = await model({
          converse: () => ({ text: "x" }),
          converseStream: () => converseStreamFrames(["x"]),
        });
        const fromGenerate = await m.generate(request as never).catch((e: unknown) => e);
        expect(fromGenerate).toBeInstanceOf(ValidationError);
        expect((fromGenerate as ValidationError).issues.map((i) => i.path)).toContain(field);
        expect(() => m.stream(request as never)).toThrow(ValidationError);
        expect(br?.requests).toHaveLength(0);
      },
    );
  });
});
