import {
  ConverseStreamCommand,
  type ConverseStreamOutput,
  InternalServerException,
  ModelStreamErrorException,
  ThrottlingException,
} from "@aws-sdk/client-bedrock-runtime";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { AwsServiceError, FmopsError } from "../../src/core/errors.js";
import {
  BedrockModelStreamError,
  converseStreamError,
  decodeConverseStream,
} from "../../src/streaming/bedrock.js";
import {
  InternalStreamFailure,
  ModelStreamError,
  StreamDecodeError,
} from "../../src/streaming/errors.js";
import type { StreamEvent } from "../../src/streaming/events.js";
import { TokenStream } from "../../src/streaming/token-stream.js";
import {
  type BedrockRuntimeStandIn,
  type ConverseStreamFrame,
  converseStreamFrames,
  startBedrockRuntime,
} from "../emulators/index.js";

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function decodeAll(events: ConverseStreamOutput[]): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of decodeConverseStream(from(events))) out.push(e);
  return out;
}

async function failureOf(iterable: AsyncIterable<unknown>): Promise<unknown> {
  try {
    for await (const _ of iterable);
  } catch (err) {
    return err;
  }
  return undefined;
}

const delta = (text: string): ConverseStreamOutput => ({
  contentBlockDelta: { contentBlockIndex: 0, delta: { text } },
});

describe("decodeConverseStream (union members)", () => {
  it("maps text deltas, stop reason, usage and Bedrock's latency", async () => {
    const events = await decodeAll([
      { messageStart: { role: "assistant" } },
      {
        contentBlockStart: { contentBlockIndex: 0, start: undefined },
      } as unknown as ConverseStreamOutput,
      delta("Hel"),
      delta(""),
      delta("lo"),
      { contentBlockStop: { contentBlockIndex: 0 } },
      { messageStop: { stopReason: "max_tokens" } },
      {
        metadata: {
          usage: { inputTokens: 7, outputTokens: 2, totalTokens: 9 },
          metrics: { latencyMs: 123 },
        },
      },
    ]);
    expect(events).toEqual([
      { type: "text", text: "Hel" },
      { type: "text", text: "lo" },
      { type: "stop", reason: "max_tokens" },
      { type: "usage", usage: { inputTokens: 7, outputTokens: 2, totalTokens: 9 } },
      { type: "serviceLatency", latencyMs: 123 },
    ]);
  });

  it("passes tool use start, input fragments and stop on with their block index, apart from text", async () => {
    const events = await decodeAll([
      delta("ok"),
      { contentBlockStop: { contentBlockIndex: 0 } },
      {
        contentBlockStart: {
          contentBlockIndex: 1,
          start: { toolUse: { toolUseId: "t1", name: "lookup" } },
        },
      },
      { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '{"a":' } } } },
      { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: "1}" } } } },
      { contentBlockStop: { contentBlockIndex: 1 } },
    ]);
    expect(events).toEqual([
      { type: "text", text: "ok" },
      { type: "toolUseStart", index: 1, id: "t1", name: "lookup" },
      { type: "toolUseDelta", index: 1, input: '{"a":' },
      { type: "toolUseDelta", index: 1, input: "1}" },
      { type: "toolUseStop", index: 1 },
    ]);
  });

  it("reports prompt-cache reads and writes from the metadata event", async () => {
    const events = await decodeAll([
      {
        metadata: {
          usage: {
            inputTokens: 5,
            outputTokens: 2,
            totalTokens: 7,
            cacheReadInputTokens: 1200,
            cacheWriteInputTokens: 30,
          },
          metrics: { latencyMs: 9 },
        },
      },
    ]);
    expect(events[0]).toEqual({
      type: "usage",
      usage: {
        inputTokens: 5,
        outputTokens: 2,
        totalTokens: 7,
        cacheReadTokens: 1200,
        cacheWriteTokens: 30,
      },
    });
  });

  it("turns modelStreamErrorException into BedrockModelStreamError keeping the original status and message", async () => {
    const err = await failureOf(
      decodeConverseStream(
        from<ConverseStreamOutput>([
          delta("partial"),
          {
            modelStreamErrorException: new ModelStreamErrorException({
              message: "The model failed.",
              originalStatusCode: 529,
              originalMessage: "Overloaded",
              $metadata: {},
            }),
          },
        ]),
      ),
    );
    expect(err).toBeInstanceOf(BedrockModelStreamError);
    expect(err).toBeInstanceOf(ModelStreamError);
    const e = err as BedrockModelStreamError;
    expect(e.code).toBe("STREAM_MODEL_ERROR");
    expect(e.errorCode).toBe("ModelStreamErrorException");
    expect(e.originalStatusCode).toBe(529);
    expect(e.originalMessage).toBe("Overloaded");
    expect(e.retryable).toBe(false);
    expect(e.message).toContain("HTTP 529");
  });

  it("turns validationException into a ModelStreamError", async () => {
    const err = await failureOf(
      decodeConverseStream(
        from([
          {
            validationException: { name: "ValidationException", message: "too long" },
          } as ConverseStreamOutput,
        ]),
      ),
    );
    expect(err).toBeInstanceOf(ModelStreamError);
    expect((err as ModelStreamError).errorCode).toBe("ValidationException");
  });

  it.each(["internalServerException", "serviceUnavailableException", "throttlingException"])(
    "turns %s into a retryable InternalStreamFailure",
    async (member) => {
      const err = await failureOf(
        decodeConverseStream(
          from([{ [member]: { message: "oops" } } as unknown as ConverseStreamOutput]),
        ),
      );
      expect(err).toBeInstanceOf(InternalStreamFailure);
      expect((err as InternalStreamFailure).code).toBe("STREAM_INTERNAL_FAILURE");
      expect((err as InternalStreamFailure).retryable).toBe(true);
    },
  );

  it("throws STREAM_DECODE_ERROR for an unknown member", async () => {
    const err = await failureOf(
      decodeConverseStream(
        from([delta("a"), { $unknown: ["newEvent", { x: 1 }] } as ConverseStreamOutput]),
      ),
    );
    expect(err).toBeInstanceOf(StreamDecodeError);
    expect((err as StreamDecodeError).code).toBe("STREAM_DECODE_ERROR");
    expect((err as StreamDecodeError).index).toBe(1);
    const odd = await failureOf(
      decodeConverseStream(from([{ surprise: { x: 1 } } as unknown as ConverseStreamOutput])),
    );
    expect(odd).toBeInstanceOf(StreamDecodeError);
    expect((odd as Error).message).toContain("surprise");
  });

  it("maps errors the SDK throws while iterating, and wraps anything else", async () => {
    async function* throwing(err: unknown): AsyncGenerator<ConverseStreamOutput> {
      yield delta("a");
      throw err;
    }
    const thrown = new ThrottlingException({ message: "slow", $metadata: {} });
    expect(await failureOf(decodeConverseStream(throwing(thrown)))).toBeInstanceOf(
      InternalStreamFailure,
    );
    const other = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const wrapped = await failureOf(decodeConverseStream(throwing(other)));
    expect(wrapped).toBeInstanceOf(AwsServiceError);
    expect((wrapped as AwsServiceError).retryable).toBe(true);
  });

  it("closes the source when the consumer stops early", async () => {
    let closed = false;
    async function* source(): AsyncGenerator<ConverseStreamOutput> {
      try {
        for (let i = 0; ; i++) yield delta(`${i}`);
      } finally {
        closed = true;
      }
    }
    for await (const _ of decodeConverseStream(source())) break;
    expect(closed).toBe(true);
  });

  it("keeps the text whatever the split and the interleaved events (property)", async () => {
    const ignorable: ConverseStreamOutput[] = [
      { messageStart: { role: "assistant" } },
      { contentBlockStop: { contentBlockIndex: 0 } },
      delta(""),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: "grapheme", maxLength: 8 }), { maxLength: 20 }),
        fc.array(fc.nat({ max: 2 }), { maxLength: 20 }),
        async (pieces, noise) => {
          const events: ConverseStreamOutput[] = [];
          pieces.forEach((p, i) => {
            const n = noise[i];
            if (n !== undefined) events.push(ignorable[n] as ConverseStreamOutput);
            events.push(delta(p));
          });
          events.push({ messageStop: { stopReason: "end_turn" } });
          const out = await decodeAll(events);
          const text = out.map((e) => (e.type === "text" ? e.text : "")).join("");
          expect(text).toBe(pieces.join(""));
          expect(
            out.filter((e) => e.type === "text").every((e) => e.type === "text" && e.text !== ""),
          ).toBe(true);
          expect(out.at(-1)).toEqual({ type: "stop", reason: "end_turn" });
        },
      ),
    );
  });
});

describe("converseStreamError", () => {
  it("maps stream exceptions that have no HTTP status and leaves HTTP errors alone", () => {
    const frame = new InternalServerException({ message: "x", $metadata: {} });
    expect(converseStreamError(frame)).toBeInstanceOf(InternalStreamFailure);
    const http = new InternalServerException({ message: "x", $metadata: { httpStatusCode: 500 } });
    expect(converseStreamError(http)).toBeUndefined();
    expect(converseStreamError(new Error("other"))).toBeUndefined();
    expect(converseStreamError("string")).toBeUndefined();
  });
});

describe("decodeConverseStream over the real SDK client", () => {
  let br: BedrockRuntimeStandIn | undefined;
  afterEach(async () => {
    await br?.close();
    br = undefined;
  });

  async function open(frames: ConverseStreamFrame[]) {
    br = await startBedrockRuntime({ converseStream: () => frames });
    const out = await br.client.send(
      new ConverseStreamCommand({
        modelId: "m",
        messages: [{ role: "user", content: [{ text: "x" }] }],
      }),
    );
    if (!out.stream) throw new Error("no stream");
    return out.stream;
  }

  it("decodes a whole answer split across frames into a TokenStream", async () => {
    const stream = await open(
      converseStreamFrames(["The ", "answer ", "is ", "42."], {
        usage: { inputTokens: 10, outputTokens: 4 },
        latencyMs: 250,
      }),
    );
    const tokens = new TokenStream(() => decodeConverseStream(stream));
    const response = await tokens.response();
    expect(response.text).toBe("The answer is 42.");
    expect(response.stopReason).toBe("end_turn");
    expect(response.usage).toEqual({ inputTokens: 10, outputTokens: 4, totalTokens: 14 });
    expect(response.latency?.serviceMs).toBe(250);
  });

  it("surfaces an exception frame thrown by the SDK as a typed error after the partial text", async () => {
    const stream = await open([
      { messageStart: { role: "assistant" } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "par" } } },
      {
        modelStreamErrorException: {
          message: "boom",
          originalStatusCode: 500,
          originalMessage: "gpu",
        },
      },
    ]);
    const texts: string[] = [];
    let error: unknown;
    try {
      for await (const e of decodeConverseStream(stream)) if (e.type === "text") texts.push(e.text);
    } catch (err) {
      error = err;
    }
    expect(texts).toEqual(["par"]);
    expect(error).toBeInstanceOf(BedrockModelStreamError);
    expect((error as BedrockModelStreamError).originalStatusCode).toBe(500);
    expect((error as BedrockModelStreamError).originalMessage).toBe("gpu");
    expect(error).toBeInstanceOf(FmopsError);
  });
});
