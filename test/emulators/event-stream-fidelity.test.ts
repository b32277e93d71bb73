/**
 * Checks the event streams the stand-ins send against the event-stream unions in the installed
 * SDK clients' schemas (the counterpart of `fidelity.test.ts` for streamed answers):
 *
 * - SageMaker Runtime `InvokeEndpointWithResponseStream`: the `ResponseStream` union
 *   (PayloadPart, ModelStreamError, InternalStreamFailure);
 * - Bedrock Runtime `ConverseStream`: the `ConverseStreamOutput` union (six events, five
 *   exceptions).
 *
 * The stand-ins' answers are read off the wire and decoded frame by frame; each frame must name
 * a member of the union in the header the SDK reads (`:event-type` for events, `:exception-type`
 * for exceptions), carry the content type the SDK expects, and hold only members the schema
 * defines, with the modelled JSON types. Every union member must be sent at least once, so a new
 * member in an SDK upgrade fails here until the stand-in can send it.
 */

import { ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { InvokeEndpointWithResponseStreamCommand } from "@aws-sdk/client-sagemaker-runtime";
import { fromUtf8 } from "@smithy/util-utf8";
import { describe, expect, it } from "vitest";
import {
  type ConverseStreamFrame,
  converseStreamFrames,
  startBedrockRuntime,
} from "./bedrock-runtime.js";
import {
  asShape,
  decodeMessages,
  eventStreamUnion,
  messageName,
  messageProblems,
  resolve,
  type Shape,
} from "./event-stream-schema.js";
import { eventFrame, exceptionFrame } from "./http.js";
import { type SageMakerStreamFrame, startSageMakerRuntime } from "./sagemaker-runtime.js";

/** The union's members as `event:<name>` / `exception:<name>`, as {@link messageName} gives them. */
function unionNames(union: Shape): string[] {
  return [...union.members]
    .map(
      ([name, entry]) => `${asShape(resolve(entry))?.kind === -3 ? "exception" : "event"}:${name}`,
    )
    .sort();
}

async function readStream(url: string, body: string): Promise<Uint8Array> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/vnd.amazon.eventstream");
  return new Uint8Array(await res.arrayBuffer());
}

// Each stream ends at its exception, as the services end it, so exceptions get streams of their own.
const SAGEMAKER_STREAMS: SageMakerStreamFrame[][] = [
  [
    { payload: '{"token":{"text":"Hel"}}\n' },
    { payload: new Uint8Array([0xff, 0x00, 0x7b]) },
    { modelStreamError: { message: "CUDA out of memory", errorCode: "ModelError" } },
  ],
  [{ payload: "x" }, { modelStreamError: { message: "no error code" } }],
  [{ payload: "y" }, { internalStreamFailure: { message: "the stream broke" } }],
];

const BEDROCK_EVENTS: ConverseStreamFrame[] = [
  ...converseStreamFrames(["Hel", "lo"], { usage: { inputTokens: 3, outputTokens: 2 } }).slice(
    0,
    -3,
  ),
  { contentBlockStop: { contentBlockIndex: 0 } },
  {
    contentBlockStart: {
      contentBlockIndex: 1,
      start: { toolUse: { toolUseId: "tool-1", name: "lookup" } },
    },
  },
  { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '{"q":' } } } },
  { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '"x"}' } } } },
  { contentBlockStop: { contentBlockIndex: 1 } },
  { messageStop: { stopReason: "tool_use", additionalModelResponseFields: { seed: 7 } } },
  ...converseStreamFrames([], { usage: { inputTokens: 3, outputTokens: 2 }, latencyMs: 42 }).slice(
    -1,
  ),
];

const BEDROCK_EXCEPTIONS: ConverseStreamFrame[] = [
  { internalServerException: { message: "internal" } },
  {
    modelStreamErrorException: {
      message: "model stream error",
      originalStatusCode: 500,
      originalMessage: "upstream failed",
    },
  },
  { validationException: { message: "bad input" } },
  { throttlingException: { message: "slow down" } },
  { serviceUnavailableException: { message: "unavailable" } },
];

const BEDROCK_STREAMS: ConverseStreamFrame[][] = [
  [...BEDROCK_EVENTS],
  ...BEDROCK_EXCEPTIONS.map((exception) => [
    { messageStart: { role: "assistant" as const } },
    exception,
  ]),
];

async function sageMakerWire(): Promise<Uint8Array[]> {
  let next = 0;
  const sm = await startSageMakerRuntime({
    invokeEndpointWithResponseStream: () => SAGEMAKER_STREAMS[next++] ?? [],
  });
  try {
    const url = `${sm.endpoint}/endpoints/e/invocations-response-stream`;
    const out: Uint8Array[] = [];
    for (const _ of SAGEMAKER_STREAMS) out.push(await readStream(url, "{}"));
    return out;
  } finally {
    await sm.close();
  }
}

async function bedrockWire(): Promise<Uint8Array[]> {
  let next = 0;
  const br = await startBedrockRuntime({ converseStream: () => BEDROCK_STREAMS[next++] ?? [] });
  try {
    const url = `${br.endpoint}/model/m/converse-stream`;
    const out: Uint8Array[] = [];
    for (const _ of BEDROCK_STREAMS) out.push(await readStream(url, '{"messages":[]}'));
    return out;
  } finally {
    await br.close();
  }
}

describe("stand-in event streams match the SDK's event-stream unions", () => {
  it("SageMaker Runtime: every frame is a ResponseStream member with modelled headers and payload", async () => {
    const union = await eventStreamUnion("sagemaker-runtime", "ResponseStream$");
    const messages = (await sageMakerWire()).flatMap(decodeMessages);
    expect(messages.length).toBe(7);
    expect(messages.flatMap((m) => messageProblems(union, m))).toEqual([]);
    expect([...new Set(messages.map(messageName))].sort()).toEqual(unionNames(union));
  });

  it("Bedrock Runtime: every frame is a ConverseStreamOutput member with modelled headers and members", async () => {
    const union = await eventStreamUnion("bedrock-runtime", "ConverseStreamOutput$");
    const messages = (await bedrockWire()).flatMap(decodeMessages);
    expect(messages.length).toBe(BEDROCK_EVENTS.length + 2 * BEDROCK_EXCEPTIONS.length);
    expect(messages.flatMap((m) => messageProblems(union, m))).toEqual([]);
    expect([...new Set(messages.map(messageName))].sort()).toEqual(unionNames(union));
  });

  it("the check catches drift: unknown names, misspelt members, wrong kinds and content types", async () => {
    const bedrock = await eventStreamUnion("bedrock-runtime", "ConverseStreamOutput$");
    const sagemaker = await eventStreamUnion("sagemaker-runtime", "ResponseStream$");
    const json = (v: unknown) => fromUtf8(JSON.stringify(v));
    const problems = (union: Shape, frame: Uint8Array) =>
      decodeMessages(frame).flatMap((m) => messageProblems(union, m));

    expect(problems(bedrock, eventFrame("messageBegin", json({}), "application/json"))).toEqual([
      "event:messageBegin: ConverseStreamOutput has no member messageBegin",
    ]);
    expect(
      problems(
        bedrock,
        eventFrame("contentBlockStop", json({ contentBlockIndx: 0 }), "application/json"),
      ),
    ).toEqual([
      "event:contentBlockStop.contentBlockIndx: ContentBlockStopEvent has no member contentBlockIndx",
    ]);
    expect(
      problems(
        bedrock,
        eventFrame(
          "contentBlockDelta",
          json({ contentBlockIndex: "0", delta: { txt: "a" } }),
          "application/json",
        ),
      ),
    ).toEqual([
      "event:contentBlockDelta.contentBlockIndex: expected number, got string",
      "event:contentBlockDelta.delta.txt: ContentBlockDelta has no member txt",
    ]);
    expect(
      problems(
        bedrock,
        eventFrame("throttlingException", json({ message: "m" }), "application/json"),
      ),
    ).toEqual([
      "event:throttlingException: ConverseStreamOutput.throttlingException is not an event structure",
    ]);
    expect(problems(bedrock, exceptionFrame("ThrottlingException", { message: "m" }))).toEqual([
      "exception:ThrottlingException: ConverseStreamOutput has no member ThrottlingException",
    ]);
    expect(
      problems(sagemaker, eventFrame("PayloadPart", fromUtf8("x"), "application/json")),
    ).toEqual([
      "event:PayloadPart: :content-type application/json, the SDK expects application/octet-stream for Bytes",
    ]);
    expect(
      problems(sagemaker, exceptionFrame("ModelStreamError", { Message: "m", Code: "c" })),
    ).toEqual(["exception:ModelStreamError.Code: ModelStreamError has no member Code"]);
  });
});

describe("stand-in event streams through the real SDK clients", () => {
  it("SageMaker Runtime: payload bytes arrive unchanged and exceptions raise the modelled classes", async () => {
    const sdk = (await import("@aws-sdk/client-sagemaker-runtime")) as Record<string, unknown>;
    let next = 0;
    const sm = await startSageMakerRuntime({
      invokeEndpointWithResponseStream: () => SAGEMAKER_STREAMS[next++] ?? [],
    });
    try {
      for (const frames of SAGEMAKER_STREAMS) {
        const out = await sm.client.send(
          new InvokeEndpointWithResponseStreamCommand({ EndpointName: "e", Body: "{}" }),
        );
        const parts: Uint8Array[] = [];
        const err = await (async () => {
          for await (const event of out.Body ?? [])
            if (event.PayloadPart?.Bytes) parts.push(event.PayloadPart.Bytes);
        })().catch((e: unknown) => e);
        const payloads = frames.flatMap((f) =>
          "payload" in f ? [typeof f.payload === "string" ? fromUtf8(f.payload) : f.payload] : [],
        );
        expect(parts).toEqual(payloads);
        const last = frames.at(-1) as SageMakerStreamFrame;
        const [name, members] = Object.entries(last)[0] as [
          string,
          { message: string; errorCode?: string },
        ];
        const className =
          name === "modelStreamError" ? "ModelStreamError" : "InternalStreamFailure";
        expect(err).toBeInstanceOf(sdk[className] as new () => Error);
        expect(err).toMatchObject({ name: className, message: members.message });
        if (members.errorCode) expect(err).toMatchObject({ ErrorCode: members.errorCode });
      }
    } finally {
      await sm.close();
    }
  });

  it("Bedrock Runtime: events arrive member for member and exceptions raise the modelled classes", async () => {
    const sdk = (await import("@aws-sdk/client-bedrock-runtime")) as Record<string, unknown>;
    let next = 0;
    const br = await startBedrockRuntime({ converseStream: () => BEDROCK_STREAMS[next++] ?? [] });
    try {
      for (const frames of BEDROCK_STREAMS) {
        const out = await br.client.send(new ConverseStreamCommand({ modelId: "m", messages: [] }));
        const events: unknown[] = [];
        const err = await (async () => {
          for await (const event of out.stream ?? [])
            events.push(JSON.parse(JSON.stringify(event)));
        })().catch((e: unknown) => e);
        const last = frames.at(-1) as ConverseStreamFrame;
        const [name, members] = Object.entries(last)[0] as [string, Record<string, unknown>];
        if (!name.endsWith("Exception")) {
          expect(err).toBeUndefined();
          expect(events).toEqual(frames);
          continue;
        }
        expect(events).toEqual(frames.slice(0, -1));
        const className = name[0]?.toUpperCase() + name.slice(1);
        expect(err).toBeInstanceOf(sdk[className] as new () => Error);
        expect(err).toMatchObject({ name: className, ...members });
      }
    } finally {
      await br.close();
    }
  });
});
