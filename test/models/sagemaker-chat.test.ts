import { afterEach, describe, expect, it } from "vitest";
import { AwsServiceError, PermissionDeniedError, ValidationError } from "../../src/core/index.js";
import { SageMakerChatModel, streamEndpoint } from "../../src/models/sagemaker-chat.js";
import { ModelStreamError } from "../../src/streaming/errors.js";
import {
  type SageMakerRuntimeHandlers,
  type SageMakerRuntimeStandIn,
  type SageMakerStreamFrame,
  standInError,
  startSageMakerRuntime,
} from "../emulators/index.js";

let standIn: SageMakerRuntimeStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function start(handlers: SageMakerRuntimeHandlers) {
  standIn = await startSageMakerRuntime(handlers);
  return standIn;
}

const hello = { messages: [{ role: "user" as const, content: "Hello" }] };

/** TGI's stream: one event per token, then the end-of-sequence token (special) with the summary. */
function tgiEvents(tokens: string[], options: { finished?: boolean } = {}): SageMakerStreamFrame[] {
  const event = (id: number, text: string, special: boolean, last: boolean) => ({
    index: id,
    token: { id, text, logprob: -0.1, special },
    generated_text: last ? tokens.join("") : null,
    details: last
      ? { finish_reason: "eos_token", generated_tokens: tokens.length + 1, seed: null }
      : null,
  });
  const events = tokens.map((text, i) => event(i, text, false, false));
  if (options.finished !== false) events.push(event(tokens.length, "</s>", true, true));
  return events.map((e) => ({ payload: `data:${JSON.stringify(e)}\n\n` }));
}

describe("SageMakerChatModel.generate", () => {
  it("sends a TGI body through InvokeEndpoint and reads the answer", async () => {
    const sm = await start({
      invokeEndpoint: (req) => {
        expect(req.contentType).toBe("application/json");
        return {
          body: [
            {
              generated_text: "Hi there",
              details: { finish_reason: "length", generated_tokens: 2 },
            },
          ],
        };
      },
    });
    const model = new SageMakerChatModel({
      client: sm.client,
      endpointName: "tgi-ep",
      format: "tgi",
      chatTemplate: "chatml",
      customAttributes: "trace=1",
      inferenceComponentName: "ic-1",
    });
    const answer = await model.generate({ ...hello, maxTokens: 5 });
    expect(answer.text).toBe("Hi there");
    expect(answer.stopReason).toBe("length");
    expect(answer.usage).toEqual({ outputTokens: 2 });
    expect(answer.latency?.e2eMs).toBeGreaterThanOrEqual(0);
    expect(model.id).toBe("sagemaker:tgi-ep/ic-1");

    const [recorded] = sm.requests;
    expect(recorded?.endpointName).toBe("tgi-ep");
    expect(recorded?.headers["x-amzn-sagemaker-custom-attributes"]).toBe("trace=1");
    expect(recorded?.headers["x-amzn-sagemaker-inference-component"]).toBe("ic-1");
    expect(JSON.parse(new TextDecoder().decode(recorded?.body))).toEqual({
      inputs: "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
      parameters: { max_new_tokens: 5, return_full_text: false, details: true },
    });
  });

  it("sends TargetModel for multi-model endpoints", async () => {
    const sm = await start({ invokeEndpoint: () => ({ body: { generated_texts: ["ok"] } }) });
    const model = new SageMakerChatModel({
      client: sm.client,
      endpointName: "mme",
      format: "jumpstart-text2text",
      targetModel: "flan-t5.tar.gz",
    });
    expect((await model.generate(hello)).text).toBe("ok");
    expect(sm.requests[0]?.headers["x-amzn-sagemaker-target-model"]).toBe("flan-t5.tar.gz");
  });

  it("wraps a container ModelError with its request id and status", async () => {
    const sm = await start({
      invokeEndpoint: () =>
        standInError({
          status: 424,
          type: "ModelError",
          message: "Received server error (500) from primary",
          extra: {
            OriginalStatusCode: 500,
            LogStreamArn: "arn:aws:logs:us-east-1:1:log-group:/aws/sagemaker/x",
          },
        }),
    });
    const model = new SageMakerChatModel({ client: sm.client, endpointName: "ep", format: "lmi" });
    const error = await model.generate(hello).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({
      code: "AWS_MODEL_ERROR",
      httpStatus: 424,
      operation: "InvokeEndpoint",
      retryable: false,
    });
    expect((error as AwsServiceError).requestId).toBeTruthy();
    expect((error as Error).message).toContain("CloudWatch logs");
  });

  it("turns access denied into PERMISSION_DENIED naming sagemaker:InvokeEndpoint", async () => {
    const sm = await start({
      invokeEndpoint: () =>
        standInError({ status: 403, type: "AccessDeniedException", message: "not authorized" }),
    });
    const model = new SageMakerChatModel({ client: sm.client, endpointName: "ep", format: "tgi" });
    const error = await model.generate(hello).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as Error).message).toContain('"sagemaker:InvokeEndpoint"');
  });

  it("reports a non-JSON answer as UNEXPECTED_RESPONSE", async () => {
    const sm = await start({
      invokeEndpoint: () => ({ body: "<html>oops</html>", contentType: "text/html" }),
    });
    const model = new SageMakerChatModel({ client: sm.client, endpointName: "ep", format: "tgi" });
    await expect(model.generate(hello)).rejects.toMatchObject({ code: "UNEXPECTED_RESPONSE" });
  });

  it("times out a slow endpoint with TimeoutError and closes the request", async () => {
    const sm = await start({
      invokeEndpoint: async () => {
        await new Promise((r) => setTimeout(r, 2_000));
        return { body: [{ generated_text: "late" }] };
      },
    });
    const model = new SageMakerChatModel({
      client: sm.client,
      endpointName: "ep",
      format: "tgi",
      timeoutMs: 50,
    });
    await expect(model.generate(hello)).rejects.toMatchObject({ code: "TIMEOUT" });
  });

  it("aborts on the caller's signal", async () => {
    const sm = await start({
      invokeEndpoint: async () => {
        await new Promise((r) => setTimeout(r, 2_000));
        return { body: [{ generated_text: "late" }] };
      },
    });
    const model = new SageMakerChatModel({ client: sm.client, endpointName: "ep", format: "tgi" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(model.generate(hello, { signal: controller.signal })).rejects.toMatchObject({
      code: "ABORTED",
    });
  });
});

describe("SageMakerChatModel.stream", () => {
  it("streams TGI server-sent events with usage and latency", async () => {
    const sm = await start({
      invokeEndpointWithResponseStream: (req) => {
        expect(req.json<{ stream: boolean }>().stream).toBe(true);
        return { frames: tgiEvents(["Hel", "lo", " world"]), contentType: "text/event-stream" };
      },
    });
    const model = new SageMakerChatModel({ client: sm.client, endpointName: "tgi", format: "tgi" });
    const stream = model.stream(hello);
    const deltas: string[] = [];
    for await (const delta of stream) deltas.push(delta);
    expect(deltas).toEqual(["Hel", "lo", " world"]);
    expect(stream.usage?.outputTokens).toBe(4); // generated_tokens counts the end-of-sequence token
    expect(stream.stopReason).toBe("eos_token");
    expect(stream.latency?.ttftMs).toBeGreaterThanOrEqual(0);
    expect(sm.requests[0]?.operation).toBe("InvokeEndpointWithResponseStream");
  });

  it("reassembles LMI JSON lines split at arbitrary byte positions, including inside a character", async () => {
    const lines = ["Grüß", " dich", " 🌍"].map((text, i) =>
      JSON.stringify({ token: { id: i, text, log_prob: -1 } }),
    );
    const bytes = new TextEncoder().encode(`${lines.join("\n")}\n`);
    const frames: SageMakerStreamFrame[] = [];
    for (let at = 0; at < bytes.length; at += 5) frames.push({ payload: bytes.slice(at, at + 5) });
    const sm = await start({
      invokeEndpointWithResponseStream: () => ({ frames, contentType: "application/jsonlines" }),
    });
    const model = new SageMakerChatModel({ client: sm.client, endpointName: "lmi", format: "lmi" });
    expect(await model.stream(hello).text()).toBe("Grüß dich 🌍");
  });

  it("keeps the text before a ModelStreamError and throws it typed with its error code", async () => {
    const sm = await start({
      invokeEndpointWithResponseStream: () => ({
        frames: [
          ...tgiEvents(["partial"], { finished: false }),
          {
            modelStreamError: {
              message: "CUDA out of memory",
              errorCode: "ModelInvocationTimeExceeded",
            },
          },
        ],
        contentType: "text/event-stream",
      }),
    });
    const model = new SageMakerChatModel({ client: sm.client, endpointName: "tgi", format: "tgi" });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const delta of model.stream(hello)) seen.push(delta);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["partial"]);
    expect(error).toBeInstanceOf(ModelStreamError);
    expect(error).toMatchObject({
      code: "STREAM_MODEL_ERROR",
      errorCode: "ModelInvocationTimeExceeded",
    });
  });

  it("ends with STREAM_IDLE_TIMEOUT when the endpoint goes quiet", async () => {
    const sm = await start({
      invokeEndpointWithResponseStream: () => ({
        frames: [...tgiEvents(["a"], { finished: false }), { delayMs: 5_000 }, ...tgiEvents(["b"])],
        contentType: "text/event-stream",
      }),
    });
    const model = new SageMakerChatModel({
      client: sm.client,
      endpointName: "tgi",
      format: "tgi",
      idleTimeoutMs: 100,
    });
    await expect(model.stream(hello).text()).rejects.toMatchObject({ code: "STREAM_IDLE_TIMEOUT" });
  });

  it("streams OpenAI-compatible events with usage", async () => {
    const chunk = (content: string) =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;
    const sm = await start({
      invokeEndpointWithResponseStream: () => ({
        frames: [
          { payload: chunk("Bon") + chunk("jour") },
          {
            payload: `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\ndata: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } })}\n\ndata: [DONE]\n\n`,
          },
        ],
        contentType: "text/event-stream",
      }),
    });
    const model = new SageMakerChatModel({
      client: sm.client,
      endpointName: "oai",
      format: "openai",
    });
    const response = await model.stream(hello).response();
    expect(response.text).toBe("Bonjour");
    expect(response.usage).toMatchObject({ inputTokens: 4, outputTokens: 2 });
    expect(response.stopReason).toBe("stop");
  });

  it("refuses to stream formats and endpoints that cannot", () => {
    const t2t = new SageMakerChatModel({
      client: { send: async () => ({}) } as never,
      endpointName: "ep",
      format: "jumpstart-text2text",
    });
    expect(() => t2t.stream(hello)).toThrow(ValidationError);
    const mme = new SageMakerChatModel({
      client: { send: async () => ({}) } as never,
      endpointName: "ep",
      format: "tgi",
      targetModel: "m.tar.gz",
    });
    expect(() => mme.stream(hello)).toThrow(/multi-model/);
  });
});

describe("streamEndpoint", () => {
  it("streams a hand-built body and detects the format from the content type", async () => {
    const sm = await start({
      invokeEndpointWithResponseStream: (req) => {
        expect(req.json()).toEqual({ inputs: "Hi", parameters: { max_new_tokens: 3 } });
        return {
          frames: [{ payload: '{"outputs": [" a"]}\n{"outputs": [" b"]}\n' }],
          contentType: "application/jsonlines",
        };
      },
    });
    const stream = streamEndpoint({
      client: sm.client,
      input: { EndpointName: "lmi", Body: { inputs: "Hi", parameters: { max_new_tokens: 3 } } },
    });
    expect(await stream.text()).toBe(" a b");
  });
});

describe("SageMakerChatModel options", () => {
  it("names the offending fields", () => {
    expect(() => new SageMakerChatModel({ endpointName: "bad name!", format: "tgi" })).toThrow(
      /endpointName/,
    );
    expect(() => new SageMakerChatModel({ endpointName: "ep", format: "gguf" as never })).toThrow(
      /format/,
    );
    expect(
      () =>
        new SageMakerChatModel({
          endpointName: "ep",
          format: "tgi",
          chatTemplate: "alpaca" as never,
        }),
    ).toThrow(/chatTemplate/);
  });

  it("validates requests before any network call", async () => {
    const sm = await start({});
    const model = new SageMakerChatModel({ client: sm.client, endpointName: "ep", format: "tgi" });
    await expect(model.generate({ messages: [] })).rejects.toBeInstanceOf(ValidationError);
    expect(() => model.stream({ messages: [{ role: "system" as never, content: "x" }] })).toThrow(
      /messages\.0\.role/,
    );
    expect(sm.requests).toHaveLength(0);
  });
});
