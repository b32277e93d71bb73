/**
 * Stream formats and payload codecs by name: the built-ins sit in the same registries a user's
 * own format goes into, unknown names fail with the list of registered ones, and a format made
 * up here streams end to end through SageMakerChatModel against the SageMaker stand-in.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { SageMakerChatModel, streamEndpoint } from "../../src/models/sagemaker-chat.js";
import {
  registeredSageMakerPayloadFormats,
  registerSageMakerPayloadCodec,
} from "../../src/models/sagemaker-payloads.js";
import { decodeResponseStream, detectStreamFormat } from "../../src/streaming/decoders.js";
import { StreamDecodeError, UnknownFormatError } from "../../src/streaming/errors.js";
import type { StreamEvent } from "../../src/streaming/events.js";
import {
  type LineDecoder,
  registeredStreamFormats,
  registerStreamFormat,
} from "../../src/streaming/formats.js";
import { type SageMakerRuntimeStandIn, startSageMakerRuntime } from "../emulators/index.js";
import { utf8 } from "./stream-helpers.js";

/**
 * A made-up line protocol: `T <text>` per token, `U <input> <output>` for usage, `S <reason>`
 * to stop, `#` comments; anything else is malformed.
 */
function kvDecoder(options: { onMalformed?: "throw" | "skip" | undefined }): LineDecoder {
  let index = 0;
  return {
    push(line: string, out: StreamEvent[]) {
      const at = index++;
      if (line === "" || line.startsWith("#")) return true;
      const [tag, ...rest] = line.split(" ");
      const value = rest.join(" ");
      if (tag === "T") out.push({ type: "text", text: value, tokens: 1 });
      else if (tag === "U") {
        const [inputTokens, outputTokens] = rest.map(Number);
        out.push({ type: "usage", usage: { inputTokens, outputTokens } });
      } else if (tag === "S") {
        out.push({ type: "stop", reason: value });
        return false;
      } else if (options.onMalformed !== "skip") {
        throw new StreamDecodeError(`Line ${at} is not kv-lines: ${line}`, line, at);
      }
      return true;
    },
  };
}

registerStreamFormat("kv-lines", {
  createDecoder: kvDecoder,
  contentTypes: ["application/x-kv-lines"],
});

registerSageMakerPayloadCodec({
  name: "kv-handler",
  streamFormat: "kv-lines",
  body: (request, { render, stream }) => ({ prompt: render(request), stream }),
  parse: (json) => ({ text: String((json as { completion?: unknown }).completion) }),
});

let standIn: SageMakerRuntimeStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

const hello = { messages: [{ role: "user" as const, content: "Hello" }] };

/** The kv-lines answer, cut in the middle of lines and of a multi-byte character. */
const kvFrames = [
  { payload: "# kv-lines v1\nT Hel" },
  { payload: "lo\nT , caf" },
  { payload: utf8("é").subarray(0, 1) },
  { payload: utf8("é").subarray(1) },
  { payload: "\nU 3 2\nS end_turn\nT never read\n" },
];

describe("the stream-format registry", () => {
  it("holds the built-ins, registered like any other format", () => {
    expect(registeredStreamFormats()).toEqual(
      expect.arrayContaining(["lmi", "tgi", "openai", "kv-lines"]),
    );
    expect(registeredStreamFormats().slice(0, 3)).toEqual(["lmi", "tgi", "openai"]);
  });

  it("refuses an unknown format with the registered names and a suggestion", () => {
    let error: unknown;
    try {
      decodeResponseStream((async function* () {})(), { format: "lmii" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UnknownFormatError);
    expect(error).toBeInstanceOf(ValidationError);
    const unknown = error as UnknownFormatError;
    expect(unknown.code).toBe("VALIDATION_ERROR");
    expect(unknown.suggestion).toBe("lmi");
    expect(unknown.registered).toEqual(expect.arrayContaining(["lmi", "tgi", "openai"]));
    expect(unknown.message).toMatch(/did you mean "lmi"\?/);
    expect(unknown.message).toContain("kv-lines");
    expect(unknown.issues[0]?.path).toBe("format");
  });

  it("refuses a second registration of a name or a content type, and bad names", () => {
    const definition = { createDecoder: kvDecoder };
    expect(() => registerStreamFormat("lmi", definition)).toThrow(/already registered/);
    expect(() =>
      registerStreamFormat("kv2", { ...definition, contentTypes: ["application/jsonlines"] }),
    ).toThrow(/already means "lmi"/);
    expect(() =>
      registerStreamFormat("kv3", { ...definition, contentTypes: ["text/event-stream"] }),
    ).toThrow(ValidationError);
    expect(() => registerStreamFormat("sse", definition)).toThrow(ValidationError);
    expect(() => registerStreamFormat("Bad Name", definition)).toThrow(ValidationError);
    expect(() => registerStreamFormat("no-decoder", {} as unknown as typeof definition)).toThrow(
      /createDecoder/,
    );
    expect(registeredStreamFormats()).not.toContain("kv2");
  });

  it("detects a registered format from its content type", () => {
    expect(detectStreamFormat("application/X-KV-Lines; charset=utf-8")).toBe("kv-lines");
    expect(detectStreamFormat("application/jsonlines")).toBe("lmi");
    expect(detectStreamFormat("text/event-stream")).toBe("sse");
  });

  it("hands the decoder onMalformed, so a custom format can honour it", async () => {
    const source = (async function* () {
      yield utf8("T a\n?? junk\nT b\nS done\n");
    })();
    const events: StreamEvent[] = [];
    for await (const event of decodeResponseStream(source, {
      format: "kv-lines",
      onMalformed: "skip",
    })) {
      events.push(event);
    }
    expect(
      events.filter((e) => e.type === "text").map((e) => (e as { text: string }).text),
    ).toEqual(["a", "b"]);
  });
});

describe("a custom format end to end through SageMakerChatModel and the stand-in", () => {
  it("streams a registered codec's registered stream format", async () => {
    standIn = await startSageMakerRuntime({
      invokeEndpointWithResponseStream: (request) => {
        expect(request.json<{ prompt: string; stream: boolean }>()).toMatchObject({
          stream: true,
        });
        // The content type says nothing useful: the codec's streamFormat decides.
        return { frames: kvFrames, contentType: "application/octet-stream" };
      },
    });
    const model = new SageMakerChatModel({
      client: standIn.client,
      endpointName: "kv-endpoint",
      format: "kv-handler",
    });
    const stream = model.stream(hello);
    const deltas: string[] = [];
    for await (const delta of stream) deltas.push(delta);
    expect(deltas).toEqual(["Hello", ", café"]);
    const response = await stream.response();
    expect(response.text).toBe("Hello, café");
    expect(response.stopReason).toBe("end_turn");
    expect(response.usage).toMatchObject({ inputTokens: 3, outputTokens: 2 });
  });

  it("picks the custom format from the response content type when none is given", async () => {
    standIn = await startSageMakerRuntime({
      invokeEndpointWithResponseStream: () => ({
        frames: kvFrames,
        contentType: "application/x-kv-lines",
      }),
    });
    const stream = streamEndpoint({
      client: standIn.client,
      input: { EndpointName: "kv-endpoint", Body: { prompt: "Hello" } },
    });
    expect(await stream.text()).toBe("Hello, café");
  });

  it("refuses an unknown payload format by name, listing the registered ones", () => {
    expect(registeredSageMakerPayloadFormats()).toEqual(
      expect.arrayContaining(["tgi", "lmi", "openai", "jumpstart-text2text", "kv-handler"]),
    );
    let error: unknown;
    try {
      new SageMakerChatModel({ endpointName: "e", format: "tgii", region: "us-east-1" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UnknownFormatError);
    expect((error as UnknownFormatError).suggestion).toBe("tgi");
    expect((error as Error).message).toContain("kv-handler");
  });

  it("refuses a codec whose stream format is not registered before sending anything", async () => {
    standIn = await startSageMakerRuntime({
      invokeEndpointWithResponseStream: () => ({ frames: kvFrames }),
    });
    const model = new SageMakerChatModel({
      client: standIn.client,
      endpointName: "kv-endpoint",
      format: {
        name: "orphan",
        streamFormat: "kv-linez",
        body: () => ({}),
        parse: () => ({ text: "" }),
      },
    });
    expect(() => model.stream(hello)).toThrow(/did you mean "kv-lines"/);
    expect(standIn.requests).toHaveLength(0);
  });

  it("refuses a second codec under a taken name", () => {
    expect(() =>
      registerSageMakerPayloadCodec({ name: "tgi", body: () => ({}), parse: () => ({ text: "" }) }),
    ).toThrow(/already registered/);
  });
});
