/**
 * Plumbing shared by the local AWS stand-ins: a `node:http` server on 127.0.0.1 port 0, request
 * body reading, AWS-style JSON error responses and event-stream framing.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { EventStreamCodec, type MessageHeaders } from "@smithy/eventstream-codec";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

/** Static fake credentials every test client uses; they never leave 127.0.0.1. */
export const testCredentials = { accessKeyId: "test", secretAccessKey: "test" } as const;

/** The region every test client uses. */
export const testRegion = "us-east-1";

/**
 * The configuration of an AWS SDK client aimed at a stand-in: fake credentials, the test region,
 * `NodeHttpHandler` (the default HTTP/2 handler of some clients cannot talk to a plain HTTP/1.1
 * server) and, unless asked otherwise, no SDK retries, so tests see every failure.
 *
 * @example
 * ```ts
 * const client = new SQSClient(standInClientConfig(running.endpoint));
 * ```
 */
export function standInClientConfig(endpoint: string, maxAttempts = 1) {
  return {
    region: testRegion,
    endpoint,
    credentials: testCredentials,
    maxAttempts,
    requestHandler: new NodeHttpHandler(),
  };
}

/**
 * The clients made for one stand-in, destroyed together when it closes. Each client gets
 * `maxAttempts: 1` unless the caller asks for SDK retries.
 */
export function clientPool<C extends { destroy(): void }>(make: (maxAttempts: number) => C) {
  const clients: C[] = [];
  return {
    /** Builds and remembers a client. */
    newClient(config: { maxAttempts?: number } = {}): C {
      const client = make(config.maxAttempts ?? 1);
      clients.push(client);
      return client;
    },
    /** Destroys every client built so far. */
    destroyAll(): void {
      for (const client of clients) client.destroy();
    },
  };
}

/** A handler's answer, given directly or as a promise. */
export type MaybePromise<T> = T | Promise<T>;

/** Whether a handler returned frames to stream (an iterable) rather than an error or a wrapper. */
export function isIterable<T>(value: unknown): value is AsyncIterable<T> | Iterable<T> {
  return (
    typeof value === "object" &&
    value !== null &&
    (Symbol.asyncIterator in value || Symbol.iterator in value)
  );
}

/** A request body as handlers see it: the bytes, their UTF-8 text, and a JSON parse on demand. */
export interface RequestBody {
  /** The raw body. */
  body: Uint8Array;
  /** The body as UTF-8 text. */
  text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json<T = unknown>(): T;
}

/** Builds the {@link RequestBody} view of raw request bytes. */
export function requestBody(body: Uint8Array): RequestBody {
  const text = toUtf8(body);
  return { body, text, json: <T>() => JSON.parse(text) as T };
}

/** What {@link standInError} takes: the HTTP status, the AWS error name and its fields. */
export interface StandInErrorSpec {
  /** HTTP status of the error response, e.g. 424 for SageMaker's `ModelError`. */
  status: number;
  /** The service's error name, e.g. `ModelError`, `ThrottlingException`, `AccessDeniedException`. */
  type: string;
  /** The human-readable message. */
  message: string;
  /** Further members of the error shape, e.g. `{ OriginalStatusCode: 500, LogStreamArn: "..." }`. */
  extra?: Record<string, unknown>;
  /**
   * For query-compatible JSON services (SQS, CloudWatch): the legacy query error code the service
   * sends in `x-amzn-query-error`, e.g. `AWS.SimpleQueueService.NonExistentQueue`. Defaults to
   * `type` when such a service answers.
   */
  queryCode?: string;
}

/**
 * An error a stand-in handler throws or returns to make the stand-in answer with an AWS error
 * response; the real SDK client then throws its own typed exception.
 */
export class StandInError extends Error {
  /** HTTP status of the error response. */
  readonly status: number;
  /** The service's error name (sent as `x-amzn-errortype` and `__type`). */
  readonly type: string;
  /** Further members of the error shape. */
  readonly extra: Record<string, unknown>;
  /** The query error code of a query-compatible service, when it differs from `type`. */
  readonly queryCode: string | undefined;

  constructor(spec: StandInErrorSpec) {
    super(spec.message);
    this.name = "StandInError";
    this.status = spec.status;
    this.type = spec.type;
    this.extra = spec.extra ?? {};
    this.queryCode = spec.queryCode;
  }
}

/**
 * Builds a {@link StandInError}.
 *
 * @example
 * ```ts
 * throw standInError({ status: 429, type: "ThrottlingException", message: "Rate exceeded" });
 * ```
 */
export function standInError(spec: StandInErrorSpec): StandInError {
  return new StandInError(spec);
}

/** Reads a request body completely. */
export async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Lower-cased header lookup that returns a single string or undefined. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(",") : value;
}

/** A copy of the request headers as plain strings, lower-cased names. */
export function plainHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return out;
}

/** Body bytes from what a handler returned: bytes as is, strings as UTF-8, objects as JSON. */
export function toBytes(body: Uint8Array | string | object): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === "string") return fromUtf8(body);
  return fromUtf8(JSON.stringify(body));
}

/** How a service spells its error shape's message member (`Message` for SageMaker, `message` for Bedrock). */
export type MessageKey = "message" | "Message";

/**
 * How a restJson1 service spells its errors on the wire. The live services send
 * `x-amzn-errortype: Name:http://internal.amazon.com/coral/<namespace>/` and do not always repeat
 * the name as `__type` in the body; the SDK strips the suffix and reads the header first.
 */
export interface RestJsonErrorStyle {
  /** The Coral namespace of the header's suffix, e.g. `com.amazon.bedrock`. */
  coralNamespace: string;
  /** Also send `__type` in the body. Default true. */
  typeInBody?: boolean;
}

// The style of each response's server, so that every sendError call of a stand-in follows it.
const errorStyles = new WeakMap<ServerResponse, RestJsonErrorStyle>();

/** The `x-amzn-errortype` value for `type` under `style`: bare, or with the Coral suffix. */
export function errorTypeHeader(type: string, style?: RestJsonErrorStyle): string {
  return style ? `${type}:http://internal.amazon.com/coral/${style.coralNamespace}/` : type;
}

/**
 * Writes an AWS restJson1 error response: `x-amzn-errortype` header, JSON body with `__type`,
 * the message under `messageKey` and the extra members. The SDK reads the header first. A server
 * started with an error style ({@link startServer}) sends the header with the Coral suffix and,
 * if the style says so, no `__type`.
 */
export function sendError(
  res: ServerResponse,
  error: StandInError,
  messageKey: MessageKey,
  requestId: string,
): void {
  const style = errorStyles.get(res);
  const typeMember = style?.typeInBody === false ? {} : { __type: error.type };
  const body = JSON.stringify({ ...typeMember, [messageKey]: error.message, ...error.extra });
  res.writeHead(error.status, {
    "content-type": "application/json",
    "x-amzn-errortype": errorTypeHeader(error.type, style),
    "x-amzn-requestid": requestId,
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

/** How an AWS JSON 1.0 / 1.1 service frames its errors; see {@link sendJsonRpcError}. */
export interface JsonRpcErrorStyle {
  /** The Smithy namespace that prefixes `__type`, e.g. `com.amazonaws.sqs`. */
  namespace: string;
  /** `1.0` (SQS, CloudWatch) or `1.1` (Athena, Glue, ...). */
  jsonVersion: "1.0" | "1.1";
  /** Whether the service is query-compatible and sends `x-amzn-query-error: Code;Sender|Receiver`. */
  queryCompatible: boolean;
  /** How the service spells the message member; a per-error `extra` may add the other. */
  messageKey: MessageKey;
}

/**
 * Writes an AWS JSON-RPC error response the way the services do: the protocol's content type,
 * `__type` as `namespace#Name` in the body and, for query-compatible services, the
 * `x-amzn-query-error` header that the SDK reads before the body (it decides the error class and
 * the `Code` the SDK reports). The fault half of the header is `Sender` for 4xx, `Receiver` for 5xx.
 */
export function sendJsonRpcError(
  res: ServerResponse,
  error: StandInError,
  style: JsonRpcErrorStyle,
  requestId: string,
): void {
  const body = JSON.stringify({
    __type: `${style.namespace}#${error.type}`,
    [style.messageKey]: error.message,
    ...error.extra,
  });
  const headers: Record<string, string | number> = {
    "content-type": `application/x-amz-json-${style.jsonVersion}`,
    "x-amzn-requestid": requestId,
    "content-length": Buffer.byteLength(body),
  };
  if (style.queryCompatible) {
    const fault = error.status >= 500 ? "Receiver" : "Sender";
    headers["x-amzn-query-error"] = `${error.queryCode ?? error.type};${fault}`;
  }
  res.writeHead(error.status, headers);
  res.end(body);
}

/**
 * Writes a whole response (default status 200) with its `content-length` and the request id
 * added to `headers`.
 */
export function sendBody(
  res: ServerResponse,
  requestId: string,
  body: Uint8Array | string,
  headers: Record<string, string | number>,
  status = 200,
): void {
  res.writeHead(status, {
    ...headers,
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": requestId,
  });
  res.end(body);
}

/** Turns anything a handler threw into a {@link StandInError} (unknown errors become a 500). */
export function asStandInError(err: unknown, internalType: string, status = 500): StandInError {
  if (err instanceof StandInError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StandInError({
    status,
    type: internalType,
    message: `stand-in handler failed: ${message}`,
  });
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** Encodes one `:message-type: event` frame. */
export function eventFrame(eventType: string, body: Uint8Array, contentType: string): Uint8Array {
  const headers: MessageHeaders = {
    ":event-type": { type: "string", value: eventType },
    ":message-type": { type: "string", value: "event" },
    ":content-type": { type: "string", value: contentType },
  };
  return codec.encode({ headers, body });
}

/** Encodes one `:message-type: exception` frame whose JSON body holds the error's members. */
export function exceptionFrame(
  exceptionType: string,
  members: Record<string, unknown>,
): Uint8Array {
  const headers: MessageHeaders = {
    ":exception-type": { type: "string", value: exceptionType },
    ":message-type": { type: "string", value: "exception" },
    ":content-type": { type: "string", value: "application/json" },
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(members)) });
}

/**
 * Writes one chunk and waits until the socket accepted it, so each frame leaves as its own
 * write. Resolves `false` when the client has gone away.
 */
export function writeChunk(res: ServerResponse, chunk: Uint8Array): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    res.write(chunk, (err) => resolve(!err && !res.destroyed));
  });
}

/** Sleeps `ms`, waking early (with `false`) when the response closes. */
export function pause(res: ServerResponse, ms: number): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off("close", onClose);
      resolve(true);
    }, ms);
    res.once("close", onClose);
  });
}

/** The frames every stand-in stream understands besides the service's own events. */
export type StreamControlFrame =
  /** Waits this long before the next frame. */
  | { delayMs: number }
  /** Drops the connection without ending the response. */
  | { disconnect: true };

/** One service frame as it goes on the wire. */
export interface EncodedFrame {
  /** The bytes to write (usually one event-stream message). */
  chunk: Uint8Array;
  /** Whether the stream ends after it, as the services end it after an exception frame. */
  last?: boolean;
}

/**
 * Answers 200 with `headers` and streams `frames`: control frames wait or drop the connection,
 * the others go out through `encode`, each as its own write. Production stops as soon as the
 * client goes away; otherwise the response is ended after the last frame.
 */
export async function writeEventStream<F extends object>(
  res: ServerResponse,
  headers: Record<string, string>,
  frames: AsyncIterable<F> | Iterable<F>,
  encode: (frame: Exclude<F, StreamControlFrame>) => EncodedFrame,
): Promise<void> {
  res.writeHead(200, headers);
  res.flushHeaders();
  for await (const frame of frames) {
    if (res.destroyed) return; // The client went away: stop producing.
    if ("delayMs" in frame) {
      if (!(await pause(res, frame.delayMs as number))) return;
      continue;
    }
    if ("disconnect" in frame) {
      res.socket?.destroy();
      return;
    }
    const { chunk, last } = encode(frame as Exclude<F, StreamControlFrame>);
    if (last) {
      await writeChunk(res, chunk);
      break;
    }
    if (!(await writeChunk(res, chunk))) return;
  }
  res.end();
}

/** A running stand-in server. */
export interface RunningServer {
  server: Server;
  port: number;
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts a `node:http` server on 127.0.0.1 port 0 with `handle` as its request handler. Errors
 * that escape `handle` become a 500 response; `close()` also ends kept-alive connections.
 * `errorStyle` makes every {@link sendError} of this server follow a restJson1 service's wire form.
 */
export async function startServer(
  handle: (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>,
  options: { errorStyle?: RestJsonErrorStyle } = {},
): Promise<RunningServer> {
  const server = createServer((req, res) => {
    const requestId = randomUUID();
    if (options.errorStyle) errorStyles.set(res, options.errorStyle);
    handle(req, res, requestId).catch((err: unknown) => {
      if (!res.headersSent) {
        sendError(res, asStandInError(err, "InternalFailure"), "message", requestId);
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A request that matched a stand-in's POST route. */
export interface RoutedRequest {
  /** The route's first group, URL-decoded (the SDK encodes ':' and '/' of ARNs too). */
  name: string;
  /** The route's second group: which operation was called. */
  action: string;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
  /** The raw request body. */
  body: Uint8Array;
}

/** How {@link startRoutedServer} routes requests and reports failures. */
export interface RouteSpec {
  /** Matches the path; group 1 is the resource name, group 2 the operation. */
  route: RegExp;
  /** How the service spells its error shape's message member. */
  messageKey: MessageKey;
  /** The error name a failing handler is reported as, e.g. `InternalFailure`. */
  internalType: string;
  /** How the service spells its errors; without it the header carries the bare name. */
  errorStyle?: RestJsonErrorStyle;
}

/**
 * Starts a restJson1 stand-in whose operations are all `POST /<resource>/<name>/<operation>`:
 * anything else answers 404 `UnknownOperationException`; a handler that fails answers a 500 of
 * the service's internal error type, or drops the connection when the response has begun.
 */
export function startRoutedServer(
  spec: RouteSpec,
  serve: (
    request: RoutedRequest,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ) => Promise<void>,
): Promise<RunningServer> {
  return startServer(
    async (req, res, requestId) => {
      const path = (req.url ?? "").split("?")[0] ?? "";
      const match = req.method === "POST" ? spec.route.exec(path) : null;
      const body = await readBody(req);
      if (!match) {
        sendError(
          res,
          standInError({
            status: 404,
            type: "UnknownOperationException",
            message: `No route for ${req.method} ${path}`,
          }),
          spec.messageKey,
          requestId,
        );
        return;
      }
      const request: RoutedRequest = {
        name: decodeURIComponent(match[1] as string),
        action: match[2] as string,
        headers: plainHeaders(req.headers),
        body,
      };
      try {
        await serve(request, req, res, requestId);
      } catch (err) {
        if (!res.headersSent)
          sendError(res, asStandInError(err, spec.internalType), spec.messageKey, requestId);
        else res.destroy();
      }
    },
    spec.errorStyle ? { errorStyle: spec.errorStyle } : {},
  );
}

/** How {@link startJsonTargetServer} addresses a JSON-protocol service and writes its answers. */
export interface JsonTargetSpec {
  /** The `X-Amz-Target` prefix before the operation's dot, e.g. `AmazonAthena`, `AWSGlue`. */
  targetPrefix: string;
  /** The protocol version; answers carry `content-type: application/x-amz-json-<version>`. */
  jsonVersion: "1.0" | "1.1";
  /**
   * How the service's errors go on the wire: a message key for the `x-amzn-errortype` form of
   * {@link sendError}, or a JSON-RPC style for {@link sendJsonRpcError} (`namespace#Name`, and
   * the query error header of query-compatible services).
   */
  errors: MessageKey | JsonRpcErrorStyle;
  /** The error name (HTTP 500) a handler failure that is not a {@link StandInError} becomes. */
  internalType: string;
}

/** One request to a JSON-protocol stand-in, as its handler gets it. */
export interface JsonTargetCall {
  /** The operation named after `<targetPrefix>.`; `""` when the target has another prefix. */
  operation: string;
  /** The whole `X-Amz-Target` header. */
  target: string;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
  /** The raw body, as sent (still compressed when the client compressed it). */
  body: Uint8Array;
  /** The id the answer carries in `x-amzn-requestid`. */
  requestId: string;
  /** The response, for handlers that wait on the client (long polling). */
  res: ServerResponse;
}

/**
 * What a JSON-protocol handler answers: the operation's output (sent as JSON with status 200),
 * an error (sent in the service's error form), or `undefined` when there is nothing to send
 * (the client went away during a long poll).
 */
export type JsonTargetReply = Record<string, unknown> | StandInError | undefined;

/** The answer to a target the stand-in does not serve: 400 `UnknownOperationException`. */
export function unknownOperation(target: string): StandInError {
  return standInError({
    status: 400,
    type: "UnknownOperationException",
    message: `Unknown operation ${target}`,
  });
}

/** Parses a JSON request body; an empty body is `{}`. Throws `SerializationException` otherwise. */
export function jsonInput(body: Uint8Array): Record<string, unknown> {
  if (body.byteLength === 0) return {};
  try {
    return JSON.parse(toUtf8(body)) as Record<string, unknown>;
  } catch {
    throw standInError({
      status: 400,
      type: "SerializationException",
      message: "Body is not JSON",
    });
  }
}

/** Writes a StandInError in the form `errors` gives. */
function sendTargetError(
  res: ServerResponse,
  error: StandInError,
  errors: MessageKey | JsonRpcErrorStyle,
  requestId: string,
): void {
  if (typeof errors === "string") sendError(res, error, errors, requestId);
  else sendJsonRpcError(res, error, errors, requestId);
}

/**
 * Starts a stand-in for an AWS JSON 1.0 / 1.1 service (Athena, Glue, Kendra, Comprehend, SQS,
 * CloudWatch, the SageMaker control plane): every operation is a POST whose `X-Amz-Target` is
 * `<targetPrefix>.<Operation>`. The server reads the body, hands the call to `serve`, and writes
 * what it answers: the output as `application/x-amz-json-<version>` with the request id, or an
 * error in the service's form. A thrown {@link StandInError} is sent the same way; any other
 * failure becomes a 500 of `internalType`, or drops the connection once the answer has begun.
 *
 * @example
 * ```ts
 * const running = await startJsonTargetServer(
 *   { targetPrefix: "AWSGlue", jsonVersion: "1.1", errors: "Message", internalType: "InternalServiceException" },
 *   async (call) => (call.operation === "GetDatabases" ? { DatabaseList: [] } : unknownOperation(call.target)),
 * );
 * ```
 */
export function startJsonTargetServer(
  spec: JsonTargetSpec,
  serve: (call: JsonTargetCall) => Promise<JsonTargetReply> | JsonTargetReply,
): Promise<RunningServer> {
  const prefix = `${spec.targetPrefix}.`;
  return startServer(async (req, res, requestId) => {
    const body = await readBody(req);
    const target = header(req.headers, "x-amz-target") ?? "";
    const call: JsonTargetCall = {
      operation: target.startsWith(prefix) ? target.slice(prefix.length) : "",
      target,
      headers: plainHeaders(req.headers),
      body,
      requestId,
      res,
    };
    let reply: JsonTargetReply;
    try {
      reply = await serve(call);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      reply = asStandInError(err, spec.internalType);
    }
    if (reply === undefined || res.writableEnded || res.destroyed) return;
    if (reply instanceof StandInError) {
      sendTargetError(res, reply, spec.errors, requestId);
      return;
    }
    sendBody(res, requestId, JSON.stringify(reply), {
      "content-type": `application/x-amz-json-${spec.jsonVersion}`,
    });
  });
}
