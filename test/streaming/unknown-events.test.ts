/**
 * Forward compatibility: a SageMaker response-stream event type this version does not know
 * (SageMaker adding one later) is skipped by default and can be watched or refused with
 * `onUnknownEvent`; things that are not events at all still fail.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FmopsError } from "../../src/core/errors.js";
import { SageMakerChatModel } from "../../src/models/sagemaker-chat.js";
import { decodeResponseStream } from "../../src/streaming/decoders.js";
import { LineIterator } from "../../src/streaming/line-iterator.js";
import { TokenStream } from "../../src/streaming/token-stream.js";
import { eventFrame } from "../emulators/http.js";
import { type SageMakerRuntimeStandIn, startSageMakerRuntime } from "../emulators/index.js";
import { collectUntilError, recordingSource, utf8 } from "./stream-helpers.js";

const payload = (text: string) => ({ PayloadPart: { Bytes: utf8(text) } });
// How the AWS SDK marks a union member it has no model for, and a plain event of a new type.
const sdkUnknown = { $unknown: ["TokenMetrics", { tokensPerSecond: 40 }] };
const plainUnknown = { TokenMetrics: { TokensPerSecond: 40 } };

const lines = (items: unknown[], options: ConstructorParameters<typeof LineIterator>[1] = {}) => {
  const source = recordingSource<unknown>(items);
  return {
    source,
    run: collectUntilError(new LineIterator(source as AsyncIterable<Uint8Array>, options)),
  };
};

describe("onUnknownEvent on LineIterator", () => {
  it.each([
    ["an SDK $unknown member", sdkUnknown],
    ["a plain event of a new type", plainUnknown],
  ])("skips %s by default", async (_, event) => {
    const { run } = lines([payload("ok\nhal"), event, payload("f\n")]);
    const { items, error } = await run;
    expect(error).toBeUndefined();
    expect(items).toEqual(["ok", "half"]);
  });

  it.each([
    ["an SDK $unknown member", sdkUnknown],
    ["a plain event of a new type", plainUnknown],
  ])(
    '"error" refuses %s with STREAM_UNKNOWN_EVENT naming it, and closes the source',
    async (_, event) => {
      const { source, run } = lines([payload("ok\n"), event, payload("after\n")], {
        onUnknownEvent: "error",
      });
      const { items, error } = await run;
      expect(items).toEqual(["ok"]);
      expect(error).toMatchObject({ code: "STREAM_UNKNOWN_EVENT" });
      expect((error as Error).message).toContain("TokenMetrics");
      expect(source.returnCalls).toBe(1);
    },
  );

  it("a callback sees each unknown event (name and the event itself), and the event is skipped", async () => {
    const seen: { name: string; event: unknown }[] = [];
    const { run } = lines([payload("a\n"), sdkUnknown, plainUnknown, payload("b\n")], {
      onUnknownEvent: (event) => seen.push(event),
    });
    const { items, error } = await run;
    expect(error).toBeUndefined();
    expect(items).toEqual(["a", "b"]);
    expect(seen).toEqual([
      { name: "TokenMetrics", event: sdkUnknown },
      { name: "TokenMetrics", event: plainUnknown },
    ]);
  });

  it("a callback that throws ends the stream with its error", async () => {
    const refusal = new FmopsError("STREAM_UNKNOWN_EVENT", "not on my watch");
    const { source, run } = lines([payload("a\n"), plainUnknown, payload("b\n")], {
      onUnknownEvent: () => {
        throw refusal;
      },
    });
    const { items, error } = await run;
    expect(items).toEqual(["a"]);
    expect(error).toBe(refusal);
    expect(source.returnCalls).toBe(1);
  });

  it.each([
    ["a string", "hello\n"],
    ["PayloadPart.Bytes that are not bytes", { PayloadPart: { Bytes: "text" } }],
    ["a lower-case (Bedrock-style) member", { chunk: { bytes: "aGk=" } }],
    ["null", null],
  ])("still refuses %s, which is no event at all, even when skipping", async (_, item) => {
    const { run } = lines([payload("ok\n"), item], { onUnknownEvent: "skip" });
    const { items, error } = await run;
    expect(items).toEqual(["ok"]);
    expect(error).toMatchObject({ code: "STREAM_UNKNOWN_EVENT" });
  });

  it("refuses an onUnknownEvent that is neither a policy nor a function", () => {
    expect(
      () =>
        new LineIterator(recordingSource<Uint8Array>([]), {
          onUnknownEvent: "ignore" as unknown as "skip",
        }),
    ).toThrow(/onUnknownEvent/);
  });

  it("decodeResponseStream passes the choice through to a TokenStream", async () => {
    const names: string[] = [];
    const source = recordingSource<unknown>([
      payload('{"token":{"text":"Hi"}}\n'),
      sdkUnknown,
      payload('{"token":{"text":"!"}}\n'),
    ]);
    const stream = new TokenStream(() =>
      decodeResponseStream(source as AsyncIterable<Uint8Array>, {
        format: "lmi",
        onUnknownEvent: ({ name }) => names.push(name),
      }),
    );
    expect(await stream.text()).toBe("Hi!");
    expect(names).toEqual(["TokenMetrics"]);
  });
});

describe("a new event type from the SageMaker stand-in, through the real AWS SDK", () => {
  let standIn: SageMakerRuntimeStandIn | undefined;
  afterEach(async () => {
    await standIn?.close();
    standIn = undefined;
  });

  const newEventType = {
    raw: eventFrame("TokenMetrics", utf8('{"TokensPerSecond":40}'), "application/json"),
  };

  const start = async () => {
    standIn = await startSageMakerRuntime({
      invokeEndpointWithResponseStream: () => [
        { payload: '{"token":{"text":"Hel"}}\n' },
        newEventType,
        { payload: '{"token":{"text":"lo"}}\n' },
        newEventType,
        { payload: '{"token":{"text":"!"},"details":{"finish_reason":"length"}}\n' },
      ],
    });
    return standIn;
  };

  it("does not break the stream (the default)", async () => {
    const sm = await start();
    const model = new SageMakerChatModel({ client: sm.client, endpointName: "e", format: "lmi" });
    const stream = model.stream({ messages: [{ role: "user", content: "Hi" }] });
    expect(await stream.text()).toBe("Hello!");
    expect(stream.stopReason).toBe("length");
  });

  it("is dropped by the SDK itself before fmops sees it, so even 'error' and a hook let it pass", async () => {
    // The AWS SDK (3.1164 and later) discards event types it has no model for. This pins that:
    // if a future SDK starts handing them on, onUnknownEvent takes over and this test says so.
    const sm = await start();
    const names: string[] = [];
    for (const onUnknownEvent of ["error", (e: { name: string }) => names.push(e.name)] as const) {
      const model = new SageMakerChatModel({
        client: sm.client,
        endpointName: "e",
        format: "lmi",
        onUnknownEvent,
      });
      expect(await model.stream({ messages: [{ role: "user", content: "Hi" }] }).text()).toBe(
        "Hello!",
      );
    }
    expect(names).toEqual([]);
  });
});
