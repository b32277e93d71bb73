/**
 * A local Bedrock Runtime on 127.0.0.1 speaking the real restJson1 wire protocol: Converse,
 * ConverseStream (event-stream framed) and InvokeModel. Tests drive it with handlers and use the
 * real `BedrockRuntimeClient` against it.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import {
  asStandInError,
  eventFrame,
  exceptionFrame,
  header,
  pause,
  plainHeaders,
  readBody,
  StandInError,
  sendError,
  standInError,
  startServer,
  testCredentials,
  testRegion,
  toBytes,
  writeChunk,
} from "./http.js";

/** The operations the stand-in serves. */
export type BedrockOperation = "Converse" | "ConverseStream" | "InvokeModel";

/** A request as the stand-in recorded it. */
export interface RecordedBedrockRequest {
  operation: BedrockOperation;
  /** The model id, inference profile id or ARN, URL-decoded. */
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
  /** Waits this long before the next frame. */
  | { delayMs: number }
  /** Drops the connection without ending the response. */
  | { disconnect: true };

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
export interface InvokeModelStandInRequest {
  modelId: string;
  headers: Record<string, string>;
  body: Uint8Array;
  text: string;
  json<T = unknown>(): T;
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

type MaybePromise<T> = T | Promise<T>;

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
const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/;

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
  const running = await startServer(async (req, res, requestId) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const match = req.method === "POST" ? ROUTE.exec(path) : null;
    const body = await readBody(req);
    if (!match) {
      sendError(
        res,
        standInError({
          status: 404,
          type: "UnknownOperationException",
          message: `No route for ${req.method} ${path}`,
        }),
        "message",
        requestId,
      );
      return;
    }
    const modelId = decodeURIComponent(match[1] as string);
    const operation: BedrockOperation =
      match[2] === "converse"
        ? "Converse"
        : match[2] === "converse-stream"
          ? "ConverseStream"
          : "InvokeModel";
    const headers = plainHeaders(req.headers);
    requests.push({ operation, modelId, headers, body });
    try {
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
    } catch (err) {
      if (!res.headersSent)
        sendError(res, asStandInError(err, "InternalServerException"), "message", requestId);
      else res.destroy();
    }
  });

  const clients: BedrockRuntimeClient[] = [];
  const newClient = (config: { maxAttempts?: number } = {}) => {
    const c = new BedrockRuntimeClient({
      region: testRegion,
      endpoint: running.endpoint,
      credentials: testCredentials,
      maxAttempts: config.maxAttempts ?? 1,
      // The default HTTP/2 handler cannot talk to a plain HTTP/1.1 server.
      requestHandler: new NodeHttpHandler(),
    });
    clients.push(c);
    return c;
  };
  const client = newClient();
  return {
    endpoint: running.endpoint,
    port: running.port,
    client,
    requests,
    newClient,
    async close() {
      for (const c of clients) c.destroy();
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
  const bytes = fromUtf8(JSON.stringify(json));
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": bytes.byteLength,
    "x-amzn-requestid": requestId,
  });
  res.end(bytes);
}

function isIterable(
  value: unknown,
): value is AsyncIterable<ConverseStreamFrame> | Iterable<ConverseStreamFrame> {
  return (
    typeof value === "object" &&
    value !== null &&
    (Symbol.asyncIterator in value || Symbol.iterator in value)
  );
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
  if (frames instanceof StandInError || !isIterable(frames)) {
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
  res.writeHead(200, {
    "content-type": "application/vnd.amazon.eventstream",
    "x-amzn-requestid": requestId,
  });
  res.flushHeaders();
  for await (const frame of frames) {
    if (res.destroyed) return; // The client went away: stop producing.
    if ("delayMs" in frame) {
      if (!(await pause(res, frame.delayMs))) return;
      continue;
    }
    if ("disconnect" in frame) {
      res.socket?.destroy();
      return;
    }
    if ("unknownEvent" in frame) {
      const bytes = fromUtf8(JSON.stringify(frame.unknownEvent.body));
      if (!(await writeChunk(res, eventFrame(frame.unknownEvent.type, bytes, "application/json"))))
        return;
      continue;
    }
    const [type, members] = Object.entries(frame)[0] as [string, Record<string, unknown>];
    if (EXCEPTION_TYPES.has(type)) {
      await writeChunk(res, exceptionFrame(type, members));
      break; // The service ends the stream after an exception.
    }
    if (!EVENT_TYPES.has(type)) throw new Error(`unknown ConverseStream frame ${type}`);
    if (
      !(await writeChunk(
        res,
        eventFrame(type, fromUtf8(JSON.stringify(members)), "application/json"),
      ))
    )
      return;
  }
  res.end();
}

async function serveInvokeModel(
  handlers: BedrockRuntimeHandlers,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  modelId: string,
  body: Uint8Array,
): Promise<void> {
  const text = toUtf8(body);
  const request: InvokeModelStandInRequest = {
    modelId,
    headers: plainHeaders(req.headers),
    body,
    text,
    json: <T>() => JSON.parse(text) as T,
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
  const bytes = toBytes(reply.body);
  res.writeHead(200, {
    "content-type": reply.contentType ?? "application/json",
    "content-length": bytes.byteLength,
    "x-amzn-requestid": requestId,
  });
  res.end(bytes);
}
