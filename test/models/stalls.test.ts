import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterEach, describe, expect, it } from "vitest";
import { TimeoutError } from "../../src/core/errors.js";
import { BedrockChatModel } from "../../src/models/bedrock-chat.js";
import { OpenAICompatibleChatModel } from "../../src/models/openai-compatible.js";
import { SageMakerChatModel } from "../../src/models/sagemaker-chat.js";
import type { TokenStream } from "../../src/streaming/token-stream.js";
import { eventFrame, testCredentials, testRegion } from "../emulators/http.js";
import {
  type StallingServer,
  type StallStage,
  startStallingServer,
} from "../support/stalling-server.js";

// Each model streams from a local server that accepts the request and then stops answering at
// one stage. Whatever the stage, the stream must end with the typed error, close the socket and
// leave no timer behind. Timeouts are small real ones: fake timers cannot drive real sockets.

const hello = { messages: [{ role: "user" as const, content: "Hello" }] };
const encoder = new TextEncoder();

interface Backend {
  headers: Record<string, string>;
  firstFrame: Uint8Array | string;
  /** Opens a stream against `endpoint` with these limits; returns it and what to clean up. */
  stream(
    endpoint: string,
    limits: { timeoutMs?: number; idleTimeoutMs?: number },
  ): { stream: TokenStream; destroy(): void };
  /** Calls generate() against `endpoint` with this deadline. */
  generate(endpoint: string, timeoutMs: number): { answer: Promise<unknown>; destroy(): void };
}

const sdkConfig = (endpoint: string) => ({
  region: testRegion,
  endpoint,
  credentials: testCredentials,
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler(),
});

const backends: Record<string, Backend> = {
  "SageMaker InvokeEndpointWithResponseStream": {
    headers: {
      "content-type": "application/vnd.amazon.eventstream",
      "x-amzn-sagemaker-content-type": "application/jsonlines",
      "x-amzn-requestid": "stall-1",
    },
    firstFrame: eventFrame(
      "PayloadPart",
      encoder.encode('{"token":{"text":"Hi"}}\n'),
      "application/octet-stream",
    ),
    stream(endpoint, limits) {
      const client = new SageMakerRuntimeClient(sdkConfig(endpoint));
      const model = new SageMakerChatModel({
        client,
        endpointName: "stalls",
        format: "lmi",
        ...limits,
      });
      return { stream: model.stream(hello), destroy: () => client.destroy() };
    },
    generate(endpoint, timeoutMs) {
      const client = new SageMakerRuntimeClient(sdkConfig(endpoint));
      const model = new SageMakerChatModel({ client, endpointName: "stalls", format: "lmi" });
      return { answer: model.generate(hello, { timeoutMs }), destroy: () => client.destroy() };
    },
  },
  "Bedrock ConverseStream": {
    headers: {
      "content-type": "application/vnd.amazon.eventstream",
      "x-amzn-requestid": "stall-2",
    },
    firstFrame: eventFrame(
      "messageStart",
      encoder.encode(JSON.stringify({ role: "assistant" })),
      "application/json",
    ),
    stream(endpoint, limits) {
      const client = new BedrockRuntimeClient(sdkConfig(endpoint));
      const model = new BedrockChatModel({ client, modelId: "stalls.model-v1", ...limits });
      return { stream: model.stream(hello), destroy: () => client.destroy() };
    },
    generate(endpoint, timeoutMs) {
      const client = new BedrockRuntimeClient(sdkConfig(endpoint));
      const model = new BedrockChatModel({ client, modelId: "stalls.model-v1" });
      return { answer: model.generate(hello, { timeoutMs }), destroy: () => client.destroy() };
    },
  },
  "OpenAI-compatible server": {
    headers: { "content-type": "text/event-stream" },
    firstFrame: `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "Hi" } }] })}\n\n`,
    stream(endpoint, limits) {
      const model = new OpenAICompatibleChatModel({
        baseUrl: `${endpoint}/v1`,
        model: "stalls",
        ...limits,
      });
      return { stream: model.stream(hello), destroy: () => {} };
    },
    generate(endpoint, timeoutMs) {
      const model = new OpenAICompatibleChatModel({ baseUrl: `${endpoint}/v1`, model: "stalls" });
      return { answer: model.generate(hello, { timeoutMs }), destroy: () => {} };
    },
  },
};

let server: StallingServer | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await server?.close();
  server = undefined;
});

/**
 * Records the timers that fmops code (anything under src/) starts, until `stop()`: what is left
 * in `pending()` was neither cleared nor fired. Timers of the SDK, undici and vitest are ignored.
 */
function trackFmopsTimers() {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const ours = `${process.cwd()}/src/`;
  const live = new Map<unknown, string>();
  globalThis.setTimeout = ((
    callback: (...args: unknown[]) => void,
    ms?: number,
    ...args: unknown[]
  ) => {
    const stack = new Error().stack ?? "";
    const handle = realSet(() => {
      live.delete(handle);
      callback(...args);
    }, ms);
    if (stack.includes(ours)) live.set(handle, stack);
    return handle;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((handle: Parameters<typeof clearTimeout>[0]) => {
    live.delete(handle);
    realClear(handle);
  }) as typeof clearTimeout;
  return {
    pending: () => [...live.values()],
    stop() {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    },
  };
}

async function expectStallEnds(
  backend: Backend,
  stage: StallStage,
  limits: { timeoutMs?: number; idleTimeoutMs?: number },
  code: string,
): Promise<void> {
  server = await startStallingServer({
    stage,
    headers: backend.headers,
    firstFrame: backend.firstFrame,
  });
  const timers = trackFmopsTimers();
  cleanups.push(() => timers.stop());
  const { stream, destroy } = backend.stream(server.endpoint, limits);
  cleanups.push(destroy);
  const deltas: string[] = [];
  const error = await (async () => {
    for await (const delta of stream) deltas.push(delta);
  })().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TimeoutError);
  expect(error).toMatchObject({ code });
  if (stage === "after-first-frame") await server.stalled;
  // The request was cancelled: the server saw its socket close.
  await server.socketClosed;
  expect(server.requests).toBe(1);
  // Every timer fmops started was cleared or has fired.
  expect(timers.pending()).toEqual([]);
}

const stages: StallStage[] = ["before-headers", "after-headers", "after-first-frame"];

/** generate(): a JSON answer whose headers, or first bytes, come and then nothing more. */
async function expectGenerateStallEnds(backend: Backend, stage: StallStage): Promise<void> {
  server = await startStallingServer({
    stage,
    headers: { "content-type": "application/json", "x-amzn-requestid": "stall-3" },
    firstFrame: '{"choices":[{"message":',
  });
  const timers = trackFmopsTimers();
  cleanups.push(() => timers.stop());
  const { answer, destroy } = backend.generate(server.endpoint, 200);
  cleanups.push(destroy);
  const error = await answer.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TimeoutError);
  expect(error).toMatchObject({ code: "TIMEOUT" });
  await server.socketClosed;
  expect(timers.pending()).toEqual([]);
}

for (const [name, backend] of Object.entries(backends)) {
  describe(`${name} that stalls`, () => {
    for (const stage of stages) {
      it(`${stage}: ends with STREAM_IDLE_TIMEOUT and closes the socket`, async () => {
        await expectStallEnds(
          backend,
          stage,
          { idleTimeoutMs: 200, timeoutMs: 60_000 },
          "STREAM_IDLE_TIMEOUT",
        );
      });
      it(`${stage}: ends with TIMEOUT at the deadline when the idle limit is longer`, async () => {
        await expectStallEnds(backend, stage, { idleTimeoutMs: 60_000, timeoutMs: 200 }, "TIMEOUT");
      });
      it(`${stage}: generate() ends with TIMEOUT and closes the socket`, async () => {
        await expectGenerateStallEnds(backend, stage);
      });
    }
  });
}
