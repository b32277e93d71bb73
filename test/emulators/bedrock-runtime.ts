/**
 * A local Bedrock Runtime on 127.0.0.1 speaking the real restJson1 wire protocol: Converse,
 * ConverseStream (event-stream framed), InvokeModel and ApplyGuardrail (a scripted policy from
 * guardrail-policy.ts, or a handler). Tests drive it with handlers and use the real
 * `BedrockRuntimeClient` against it.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import {
  type ApplyGuardrailStandInRequest,
  type ApplyGuardrailWireRequest,
  applyScriptedGuardrail,
  type ScriptedGuardrailPolicy,
} from "./guardrail-policy.js";
import {
  asStandInError,
  clientPool,
  eventFrame,
  exceptionFrame,
  header,
  isIterable,
  type MaybePromise,
  plainHeaders,
  type RequestBody,
  requestBody,
  StandInError,
  type StreamControlFrame,
  sendBody,
  sendError,
  standInClientConfig,
  standInError,
  startRoutedServer,
  toBytes,
  writeEventStream,
} from "./http.js";

export {
  type ApplyGuardrailStandInRequest,
  type ApplyGuardrailWireRequest,
  applyScriptedGuardrail,
  type ScriptedGuardrailPolicy,
} from "./guardrail-policy.js";

/** The operations the stand-in serves. */
export type BedrockOperation = "Converse" | "ConverseStream" | "InvokeModel" | "ApplyGuardrail";

/** A request as the stand-in recorded it. */
export interface RecordedBedrockRequest {
  operation: BedrockOperation;
  /** The model id, inference profile id or ARN, URL-decoded (ApplyGuardrail: the guardrail id). */
  modelId: string;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The JSON body of a Converse / ConverseStream request as sent on the wire. */
export interface ConverseWireRequest {
  messages?: { role: string; content: Record<string, unknown>[] }[];
  system?: Record<string, unknown>[];
  inferenceConfig?: {
    maxTokens?: number;
    temperature?: number;
    topP?: number;
    stopSequences?: string[];
  };
  guardrailConfig?: Record<string, unknown>;
  additionalModelRequestFields?: unknown;
  performanceConfig?: { latency?: string };
  [field: string]: unknown;
}

/** What a Converse / ConverseStream handler receives. */
export interface ConverseStandInRequest {
  modelId: string;
  headers: Record<string, string>;
  /** The parsed request body. */
  body: ConverseWireRequest;
}

/** What a Converse handler returns: a simple answer, or the exact response JSON. */
export type ConverseReply =
  | {
      text: string;
      /** Default `end_turn`. */
      stopReason?: string;
      usage?: { inputTokens: number; outputTokens: number; totalTokens?: number };
      /** `metrics.latencyMs`; default 1. */
      latencyMs?: number;
    }
  | { json: Record<string, unknown> };

/** One event of a ConverseStream answer, named as in the SDK's `ConverseStreamOutput` union. */
export type ConverseStreamFrame =
  | { messageStart: { role: "assistant" } }
  | { contentBlockStart: { contentBlockIndex?: number; start?: Record<string, unknown> } }
  | {
      contentBlockDelta: {
        contentBlockIndex?: number;
        delta: { text: string } | Record<string, unknown>;
      };
    }
  | { contentBlockStop: { contentBlockIndex?: number } }
  | { messageStop: { stopReason: string; additionalModelResponseFields?: unknown } }
  | {
      metadata: {
        usage: { inputTokens: number; outputTokens: number; totalTokens: number };
        metrics: { latencyMs: number };
        [field: string]: unknown;
      };
    }
  | { internalServerException: { message: string } }
  | {
      modelStreamErrorException: {
        message: string;
        originalStatusCode?: number;
        originalMessage?: string;
      };
    }
  | { validationException: { message: string } }
  | { throttlingException: { message: string } }
  | { serviceUnavailableException: { message: string } }
  /** An event of a type the SDK does not know. */
  | { unknownEvent: { type: string; body: Record<string, unknown> } }
  /** Waits, or drops the connection. */
  | StreamControlFrame;

const EVENT_TYPES = new Set([
  "messageStart",
  "contentBlockStart",
  "contentBlockDelta",
  "contentBlockStop",
  "messageStop",
  "metadata",
]);
const EXCEPTION_TYPES = new Set([
  "internalServerException",
  "modelStreamErrorException",
  "validationException",
  "throttlingException",
  "serviceUnavailableException",
]);

/** What an InvokeModel handler receives. */
export interface InvokeModelStandInRequest extends RequestBody {
  modelId: string;
  headers: Record<string, string>;
  contentType: string | undefined;
  accept: string | undefined;
}

/** What an InvokeModel handler returns. */
export interface InvokeModelReply {
  /** Bytes, text, or an object sent as JSON. */
  body: Uint8Array | string | object;
  /** Default `application/json`. */
  contentType?: string;
}

/** Handlers of a Bedrock Runtime stand-in. Missing handlers answer ValidationException. */
export interface BedrockRuntimeHandlers {
  converse?: (request: ConverseStandInRequest) => MaybePromise<ConverseReply | StandInError>;
  converseStream?: (
    request: ConverseStandInRequest,
  ) => MaybePromise<
    AsyncIterable<ConverseStreamFrame> | Iterable<ConverseStreamFrame> | StandInError
  >;
  invokeModel?: (
    request: InvokeModelStandInRequest,
  ) => MaybePromise<InvokeModelReply | StandInError>;
  /**
   * ApplyGuardrail: a scripted policy (see {@link applyScriptedGuardrail}), or a handler returning
   * the exact response JSON.
   */
  applyGuardrail?:
    | ScriptedGuardrailPolicy
    | ((
        request: ApplyGuardrailStandInRequest,
      ) => MaybePromise<Record<string, unknown> | StandInError>);
  /**
   * Repeat the error name as `__type` in error bodies. Default true; the live service does not
   * always, and the SDK must then read the name from the suffixed `x-amzn-errortype` header.
   */
  errorTypeInBody?: boolean;
}

/** A running Bedrock Runtime stand-in. */
export interface BedrockRuntimeStandIn {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  port: number;
  /** A ready client: fake credentials, `NodeHttpHandler`, no SDK retries. */
  client: BedrockRuntimeClient;
  /** Every request received, in order. */
  requests: RecordedBedrockRequest[];
  /** Builds another client for this stand-in, e.g. with SDK retries enabled. */
  newClient(config?: { maxAttempts?: number }): BedrockRuntimeClient;
  /** Stops the server and destroys the clients. */
  close(): Promise<void>;
}

/**
 * The usual ConverseStream event sequence for an answer given as text chunks: messageStart,
 * contentBlockDelta per chunk, contentBlockStop, messageStop and metadata.
 *
 * @example
 * ```ts
 * converseStream: () => converseStreamFrames(["Hel", "lo"], { usage: { inputTokens: 3, outputTokens: 2 } })
 * ```
 */
export function converseStreamFrames(
  chunks: string[],
  options: {
    stopReason?: string;
    usage?: { inputTokens: number; outputTokens: number };
    latencyMs?: number;
    delayMs?: number;
  } = {},
): ConverseStreamFrame[] {
  const frames: ConverseStreamFrame[] = [{ messageStart: { role: "assistant" } }];
  for (const text of chunks) {
    if (options.delayMs) frames.push({ delayMs: options.delayMs });
    frames.push({ contentBlockDelta: { contentBlockIndex: 0, delta: { text } } });
  }
  const usage = options.usage ?? { inputTokens: 1, outputTokens: chunks.length };
  frames.push(
    { contentBlockStop: { contentBlockIndex: 0 } },
    { messageStop: { stopReason: options.stopReason ?? "end_turn" } },
    {
      metadata: {
        usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
        metrics: { latencyMs: options.latencyMs ?? 1 },
      },
    },
  );
  return frames;
}

// The SDK URL-encodes the model id (':' and '/' of ARNs too), so match the raw segment.
// ApplyGuardrail is POST /guardrail/{guardrailIdentifier}/version/{guardrailVersion}/apply; the
// router captures the id and the rest, and the handler checks the prefix matches the action.
const ROUTE =
  /^\/(?:model|guardrail)\/([^/]+)\/(converse|converse-stream|invoke|version\/[^/]+\/apply)$/;

/**
 * Starts a Bedrock Runtime stand-in on 127.0.0.1 port 0.
 *
 * @example
 * ```ts
 * const br = await startBedrockRuntime({ converse: () => ({ text: "hi" }) });
 * const out = await br.client.send(new ConverseCommand({ modelId: "m", messages: [] }));
 * await br.close();
 * ```
 */
export async function startBedrockRuntime(
  handlers: BedrockRuntimeHandlers = {},
): Promise<BedrockRuntimeStandIn> {
  const requests: RecordedBedrockRequest[] = [];
  const spec = {
    route: ROUTE,
    messageKey: "message",
    internalType: "InternalServerException",
    errorStyle: {
      coralNamespace: "com.amazon.bedrock.runtime",
      typeInBody: handlers.errorTypeInBody ?? true,
    },
  } as const;
  const running = await startRoutedServer(spec, async (routed, req, res, requestId) => {
    const { name: modelId, action, headers, body } = routed;
    const guardrailRoute = (req.url ?? "").startsWith("/guardrail/");
    if (guardrailRoute !== action.startsWith("version/")) {
      sendError(
        res,
        standInError({
          status: 400,
          type: "ValidationException",
          message: `No operation at ${req.url ?? ""}.`,
        }),
        "message",
        requestId,
      );
      return;
    }
    if (guardrailRoute) {
      requests.push({ operation: "ApplyGuardrail", modelId, headers, body });
      await serveApplyGuardrail(handlers, res, requestId, modelId, action, headers, body);
      return;
    }
    const operation: BedrockOperation =
      action === "converse"
        ? "Converse"
        : action === "converse-stream"
          ? "ConverseStream"
          : "InvokeModel";
    requests.push({ operation, modelId, headers, body });
    if (operation === "InvokeModel") {
      await serveInvokeModel(handlers, req, res, requestId, modelId, body);
      return;
    }
    let parsed: ConverseWireRequest;
    try {
      parsed = JSON.parse(toUtf8(body)) as ConverseWireRequest;
    } catch {
      sendError(
        res,
        standInError({
          status: 400,
          type: "ValidationException",
          message: "Malformed input request: invalid JSON.",
        }),
        "message",
        requestId,
      );
      return;
    }
    const request: ConverseStandInRequest = { modelId, headers, body: parsed };
    if (operation === "Converse") await serveConverse(handlers, res, requestId, request);
    else await serveConverseStream(handlers, res, requestId, request);
  });

  const pool = clientPool(
    (maxAttempts) => new BedrockRuntimeClient(standInClientConfig(running.endpoint, maxAttempts)),
  );
  const client = pool.newClient();
  return {
    endpoint: running.endpoint,
    port: running.port,
    client,
    requests,
    newClient: pool.newClient,
    async close() {
      pool.destroyAll();
      await running.close();
    },
  };
}

function noHandler(operation: string, modelId: string): StandInError {
  return standInError({
    status: 400,
    type: "ValidationException",
    message: `The provided model identifier is invalid: ${modelId} (the stand-in has no ${operation} handler).`,
  });
}

async function serveConverse(
  handlers: BedrockRuntimeHandlers,
  res: ServerResponse,
  requestId: string,
  request: ConverseStandInRequest,
): Promise<void> {
  const reply = handlers.converse
    ? await handlers.converse(request)
    : noHandler("converse", request.modelId);
  if (reply instanceof StandInError) {
    sendError(res, reply, "message", requestId);
    return;
  }
  let json: Record<string, unknown>;
  if ("json" in reply) {
    json = reply.json;
  } else {
    const usage = reply.usage ?? { inputTokens: 1, outputTokens: 1 };
    json = {
      output: { message: { role: "assistant", content: [{ text: reply.text }] } },
      stopReason: reply.stopReason ?? "end_turn",
      usage: { ...usage, totalTokens: usage.totalTokens ?? usage.inputTokens + usage.outputTokens },
      metrics: { latencyMs: reply.latencyMs ?? 1 },
    };
  }
  sendBody(res, requestId, fromUtf8(JSON.stringify(json)), { "content-type": "application/json" });
}

async function serveConverseStream(
  handlers: BedrockRuntimeHandlers,
  res: ServerResponse,
  requestId: string,
  request: ConverseStandInRequest,
): Promise<void> {
  const frames = handlers.converseStream
    ? await handlers.converseStream(request)
    : noHandler("converseStream", request.modelId);
  if (frames instanceof StandInError || !isIterable<ConverseStreamFrame>(frames)) {
    sendError(
      res,
      frames instanceof StandInError
        ? frames
        : asStandInError("handler returned no frames", "InternalServerException"),
      "message",
      requestId,
    );
    return;
  }
  const headers = {
    "content-type": "application/vnd.amazon.eventstream",
    "x-amzn-requestid": requestId,
  };
  await writeEventStream(res, headers, frames, (frame) => {
    if ("unknownEvent" in frame) {
      const bytes = fromUtf8(JSON.stringify(frame.unknownEvent.body));
      return { chunk: eventFrame(frame.unknownEvent.type, bytes, "application/json") };
    }
    const [type, members] = Object.entries(frame)[0] as [string, Record<string, unknown>];
    // The service ends the stream after an exception.
    if (EXCEPTION_TYPES.has(type)) return { chunk: exceptionFrame(type, members), last: true };
    if (!EVENT_TYPES.has(type)) throw new Error(`unknown ConverseStream frame ${type}`);
    return { chunk: eventFrame(type, fromUtf8(JSON.stringify(members)), "application/json") };
  });
}

async function serveInvokeModel(
  handlers: BedrockRuntimeHandlers,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  modelId: string,
  body: Uint8Array,
): Promise<void> {
  const request: InvokeModelStandInRequest = {
    modelId,
    headers: plainHeaders(req.headers),
    ...requestBody(body),
    contentType: header(req.headers, "content-type"),
    accept: header(req.headers, "accept"),
  };
  const reply = handlers.invokeModel
    ? await handlers.invokeModel(request)
    : noHandler("invokeModel", modelId);
  if (reply instanceof StandInError) {
    sendError(res, reply, "message", requestId);
    return;
  }
  sendBody(res, requestId, toBytes(reply.body), {
    "content-type": reply.contentType ?? "application/json",
  });
}

async function serveApplyGuardrail(
  handlers: BedrockRuntimeHandlers,
  res: ServerResponse,
  requestId: string,
  guardrailIdentifier: string,
  action: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<void> {
  const guardrailVersion = decodeURIComponent(action.split("/")[1] as string);
  let parsed: ApplyGuardrailWireRequest;
  try {
    parsed = JSON.parse(toUtf8(body)) as ApplyGuardrailWireRequest;
  } catch {
    sendError(
      res,
      standInError({
        status: 400,
        type: "ValidationException",
        message: "Malformed input request.",
      }),
      "message",
      requestId,
    );
    return;
  }
  const request: ApplyGuardrailStandInRequest = {
    guardrailIdentifier,
    guardrailVersion,
    headers,
    body: parsed,
  };
  const handler = handlers.applyGuardrail;
  const reply =
    handler === undefined
      ? standInError({
          status: 404,
          type: "ResourceNotFoundException",
          message: `The specified guardrail ${guardrailIdentifier} was not found (the stand-in has no applyGuardrail policy).`,
        })
      : typeof handler === "function"
        ? await handler(request)
        : applyScriptedGuardrail(handler, request);
  if (reply instanceof StandInError) {
    sendError(res, reply, "message", requestId);
    return;
  }
  sendBody(res, requestId, fromUtf8(JSON.stringify(reply)), { "content-type": "application/json" });
}
