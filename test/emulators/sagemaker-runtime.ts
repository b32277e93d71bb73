/**
 * A local SageMaker Runtime on 127.0.0.1 speaking the real restJson1 wire protocol:
 * InvokeEndpoint, InvokeEndpointWithResponseStream (event-stream framed) and InvokeEndpointAsync
 * (reading inputs from and writing results to an S3 stand-in). Tests drive it with handlers and
 * use the real `SageMakerRuntimeClient` against it.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { toUtf8 } from "@smithy/util-utf8";
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
  testRegion,
  toBytes,
  writeEventStream,
} from "./http.js";
import { parseS3Uri, type S3StandIn } from "./s3.js";

/** The three operations the stand-in serves. */
export type SageMakerOperation =
  | "InvokeEndpoint"
  | "InvokeEndpointWithResponseStream"
  | "InvokeEndpointAsync";

/** A request as the stand-in recorded it. */
export interface RecordedSageMakerRequest {
  operation: SageMakerOperation;
  endpointName: string;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
  /** The raw request body. */
  body: Uint8Array;
}

/** What every handler receives: the decoded request. */
export interface SageMakerRequestBase extends RequestBody {
  endpointName: string;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
  contentType: string | undefined;
  accept: string | undefined;
  customAttributes: string | undefined;
  inferenceId: string | undefined;
}

/** An InvokeEndpoint request. */
export interface InvokeEndpointRequest extends SageMakerRequestBase {
  targetModel: string | undefined;
  targetVariant: string | undefined;
  targetContainerHostname: string | undefined;
  inferenceComponentName: string | undefined;
  sessionId: string | undefined;
  enableExplanations: string | undefined;
}

/** An InvokeEndpointWithResponseStream request (`accept` comes from `X-Amzn-SageMaker-Accept`). */
export interface InvokeEndpointStreamRequest extends SageMakerRequestBase {
  targetVariant: string | undefined;
  targetContainerHostname: string | undefined;
  inferenceComponentName: string | undefined;
  sessionId: string | undefined;
}

/** An InvokeEndpointAsync request as received (its body is the S3 input, read separately). */
export interface InvokeEndpointAsyncRequest extends SageMakerRequestBase {
  /** The generated or given inference id. */
  inferenceId: string;
  /** The S3 input; `""` when the input came inline as `Body` (then `body` holds it). */
  inputLocation: string;
  requestTtlSeconds: number | undefined;
  invocationTimeoutSeconds: number | undefined;
  s3OutputPathExtension: string | undefined;
  filename: string | undefined;
  /** Where the stand-in writes the result. */
  outputLocation: string;
  /** Where the stand-in writes a failure; undefined when `asyncFailureLocation` is `null`. */
  failureLocation: string | undefined;
}

/** What an InvokeEndpoint handler returns. */
export interface InvokeEndpointResult {
  /** Response body: bytes, text, or an object sent as JSON. */
  body: Uint8Array | string | object;
  /** Response `Content-Type`; default `application/json`. */
  contentType?: string;
  /** `x-Amzn-Invoked-Production-Variant`; default `AllTraffic`. */
  invokedProductionVariant?: string;
  customAttributes?: string;
  newSessionId?: string;
  closedSessionId?: string;
}

/** One step of a response stream. */
export type SageMakerStreamFrame =
  /** A `PayloadPart` event carrying these bytes (strings are sent as UTF-8). */
  | { payload: Uint8Array | string }
  /** A `ModelStreamError` exception frame; the stream ends after it. */
  | { modelStreamError: { message: string; errorCode?: string } }
  /** An `InternalStreamFailure` exception frame; the stream ends after it. */
  | { internalStreamFailure: { message: string } }
  /** Bytes written as they are (e.g. a truncated frame). */
  | { raw: Uint8Array }
  /** Waits, or drops the connection. */
  | StreamControlFrame;

/** What an InvokeEndpointWithResponseStream handler returns: the frames, or frames with headers. */
export type InvokeEndpointStreamResult =
  | AsyncIterable<SageMakerStreamFrame>
  | Iterable<SageMakerStreamFrame>
  | {
      frames: AsyncIterable<SageMakerStreamFrame> | Iterable<SageMakerStreamFrame>;
      /** Sent as `X-Amzn-SageMaker-Content-Type`; default `application/jsonlines`. */
      contentType?: string;
      invokedProductionVariant?: string;
    };

/** What an InvokeEndpointAsync handler returns: the output object, or a failure object. */
export type InvokeEndpointAsyncResult =
  | { output: Uint8Array | string | object }
  | { failure: Uint8Array | string | object };

/** The JSON SageMaker publishes to an async endpoint's SNS success or error topic. */
export interface AsyncInferenceNotification {
  awsRegion: string;
  eventTime: string;
  receivedTime: string;
  invocationStatus: "Completed" | "Failed";
  failureReason?: string;
  /** `inputLocation` is absent when the input was sent inline as `Body`. */
  requestParameters: { contentType?: string; endpointName: string; inputLocation?: string };
  responseParameters: { contentType?: string; outputLocation?: string; failureLocation?: string };
  inferenceId: string;
  eventVersion: string;
  eventSource: string;
  eventName: string;
}

/** Handlers and settings of a SageMaker Runtime stand-in. Missing handlers answer ValidationError. */
export interface SageMakerRuntimeHandlers {
  invokeEndpoint?: (
    request: InvokeEndpointRequest,
  ) => MaybePromise<InvokeEndpointResult | StandInError>;
  invokeEndpointWithResponseStream?: (
    request: InvokeEndpointStreamRequest,
  ) => MaybePromise<InvokeEndpointStreamResult | StandInError>;
  /**
   * Runs in the background after the 202 answer (and after `asyncDelayMs`), with the input
   * object's bytes. A thrown error becomes the failure object.
   */
  invokeEndpointAsync?: (
    input: Uint8Array,
    request: InvokeEndpointAsyncRequest,
  ) => MaybePromise<InvokeEndpointAsyncResult>;
  /**
   * Repeat the error name as `__type` in error bodies. Default true; the live service does not
   * always, and the SDK must then read the name from the suffixed `x-amzn-errortype` header.
   */
  errorTypeInBody?: boolean;
  /** Runs before the 202 answer; return or throw a {@link StandInError} to fail the call itself. */
  acceptAsync?: (request: InvokeEndpointAsyncRequest) => MaybePromise<StandInError | undefined>;
  /** The S3 stand-in that async inputs are read from and results written to. */
  s3?: S3StandIn;
  /** Async result prefix, e.g. `s3://bucket/async-out/`. Default `s3://sagemaker-async/output/`. */
  asyncOutputLocation?: string;
  /**
   * Async failure prefix. Default `s3://sagemaker-async/failure/`. `null` acts like an endpoint
   * configured without `S3FailurePath`: no `FailureLocation` is returned and failures are only
   * announced through `onAsyncNotification`.
   */
  asyncFailureLocation?: string | null;
  /**
   * Called once an async request has finished, with the notification SageMaker would publish to
   * the endpoint's SNS success or error topic (e.g. forward it to an SQS stand-in).
   */
  onAsyncNotification?: (
    notification: AsyncInferenceNotification,
    request: InvokeEndpointAsyncRequest,
  ) => MaybePromise<void>;
  /** Delay before an async request is processed: a number, or per request. Default 0. */
  asyncDelayMs?: number | ((request: InvokeEndpointAsyncRequest) => number);
}

/** A running SageMaker Runtime stand-in. */
export interface SageMakerRuntimeStandIn {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  port: number;
  /** A ready client with fake credentials and no SDK retries. */
  client: SageMakerRuntimeClient;
  /** Every request received, in order. */
  requests: RecordedSageMakerRequest[];
  /** Resolves when all background async work has finished; rejects if any of it failed. */
  asyncSettled(): Promise<void>;
  /** Builds another client for this stand-in, e.g. with SDK retries enabled. */
  newClient(config?: { maxAttempts?: number }): SageMakerRuntimeClient;
  /** Stops the server and destroys the client. */
  close(): Promise<void>;
}

/** Largest inline `Body` InvokeEndpointAsync takes, in bytes (SDK model documentation). */
const MAX_INLINE_ASYNC_BODY = 128_000;

const ROUTE = /^\/endpoints\/([^/]+)\/(invocations|invocations-response-stream|async-invocations)$/;

/**
 * Starts a SageMaker Runtime stand-in on 127.0.0.1 port 0.
 *
 * @example
 * ```ts
 * const sm = await startSageMakerRuntime({
 *   invokeEndpoint: (req) => ({ body: { generated_text: req.json<{ inputs: string }>().inputs } }),
 * });
 * const out = await sm.client.send(new InvokeEndpointCommand({ EndpointName: "e", Body: "{}" }));
 * await sm.close();
 * ```
 */
export async function startSageMakerRuntime(
  handlers: SageMakerRuntimeHandlers = {},
): Promise<SageMakerRuntimeStandIn> {
  const requests: RecordedSageMakerRequest[] = [];
  const background = new Set<Promise<void>>();
  const backgroundErrors: unknown[] = [];

  const spec = {
    route: ROUTE,
    messageKey: "Message",
    internalType: "InternalFailure",
    errorStyle: {
      coralNamespace: "com.amazonaws.sagemaker",
      typeInBody: handlers.errorTypeInBody ?? true,
    },
  } as const;
  const running = await startRoutedServer(spec, async (routed, req, res, requestId) => {
    const { name: endpointName, action, headers, body } = routed;
    const operation: SageMakerOperation =
      action === "invocations"
        ? "InvokeEndpoint"
        : action === "invocations-response-stream"
          ? "InvokeEndpointWithResponseStream"
          : "InvokeEndpointAsync";
    requests.push({ operation, endpointName, headers, body });
    if (operation === "InvokeEndpoint") {
      await serveInvoke(handlers, req, res, requestId, endpointName, body);
    } else if (operation === "InvokeEndpointWithResponseStream") {
      await serveStream(handlers, req, res, requestId, endpointName, body);
    } else {
      const { job } = await serveAsync(handlers, req, res, requestId, endpointName, body);
      if (job) {
        const tracked: Promise<void> = job
          .catch((err: unknown) => {
            backgroundErrors.push(err);
          })
          .finally(() => background.delete(tracked));
        background.add(tracked);
      }
    }
  });

  const pool = clientPool(
    (maxAttempts) => new SageMakerRuntimeClient(standInClientConfig(running.endpoint, maxAttempts)),
  );
  const client = pool.newClient();

  return {
    endpoint: running.endpoint,
    port: running.port,
    client,
    requests,
    newClient: pool.newClient,
    async asyncSettled() {
      while (background.size > 0) await Promise.all([...background]);
      if (backgroundErrors.length > 0) throw backgroundErrors[0];
    },
    async close() {
      await Promise.allSettled([...background]);
      pool.destroyAll();
      await running.close();
    },
  };
}

function baseRequest(
  req: IncomingMessage,
  endpointName: string,
  body: Uint8Array,
): SageMakerRequestBase {
  return {
    endpointName,
    headers: plainHeaders(req.headers),
    ...requestBody(body),
    contentType: header(req.headers, "content-type"),
    accept: header(req.headers, "accept"),
    customAttributes: header(req.headers, "x-amzn-sagemaker-custom-attributes"),
    inferenceId: header(req.headers, "x-amzn-sagemaker-inference-id"),
  };
}

/** Where a real-time request is routed: the fields both InvokeEndpoint operations carry. */
function targetHeaders(req: IncomingMessage) {
  return {
    targetVariant: header(req.headers, "x-amzn-sagemaker-target-variant"),
    targetContainerHostname: header(req.headers, "x-amzn-sagemaker-target-container-hostname"),
    inferenceComponentName: header(req.headers, "x-amzn-sagemaker-inference-component"),
    sessionId: header(req.headers, "x-amzn-sagemaker-session-id"),
  };
}

function noHandler(operation: string, endpointName: string): StandInError {
  return standInError({
    status: 400,
    type: "ValidationError",
    message: `Endpoint ${endpointName} of account 123456789012 not found (the stand-in has no ${operation} handler).`,
  });
}

async function serveInvoke(
  handlers: SageMakerRuntimeHandlers,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  endpointName: string,
  body: Uint8Array,
): Promise<void> {
  const request: InvokeEndpointRequest = {
    ...baseRequest(req, endpointName, body),
    ...targetHeaders(req),
    targetModel: header(req.headers, "x-amzn-sagemaker-target-model"),
    enableExplanations: header(req.headers, "x-amzn-sagemaker-enable-explanations"),
  };
  const result = handlers.invokeEndpoint
    ? await handlers.invokeEndpoint(request)
    : noHandler("invokeEndpoint", endpointName);
  if (result instanceof StandInError) {
    sendError(res, result, "Message", requestId);
    return;
  }
  const headers: Record<string, string> = {
    "content-type": result.contentType ?? "application/json",
    "x-amzn-invoked-production-variant": result.invokedProductionVariant ?? "AllTraffic",
  };
  if (result.customAttributes !== undefined)
    headers["x-amzn-sagemaker-custom-attributes"] = result.customAttributes;
  if (result.newSessionId !== undefined)
    headers["x-amzn-sagemaker-new-session-id"] = result.newSessionId;
  if (result.closedSessionId !== undefined)
    headers["x-amzn-sagemaker-closed-session-id"] = result.closedSessionId;
  sendBody(res, requestId, toBytes(result.body), headers);
}

async function serveStream(
  handlers: SageMakerRuntimeHandlers,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  endpointName: string,
  body: Uint8Array,
): Promise<void> {
  const request: InvokeEndpointStreamRequest = {
    ...baseRequest(req, endpointName, body),
    ...targetHeaders(req),
    accept: header(req.headers, "x-amzn-sagemaker-accept"),
  };
  const result = handlers.invokeEndpointWithResponseStream
    ? await handlers.invokeEndpointWithResponseStream(request)
    : noHandler("invokeEndpointWithResponseStream", endpointName);
  if (result instanceof StandInError) {
    sendError(res, result, "Message", requestId);
    return;
  }
  const plain = isIterable<SageMakerStreamFrame>(result);
  const frames = plain ? result : result.frames;
  const contentType = plain ? undefined : result.contentType;
  const variant = plain ? undefined : result.invokedProductionVariant;
  const headers = {
    "content-type": "application/vnd.amazon.eventstream",
    "x-amzn-sagemaker-content-type": contentType ?? "application/jsonlines",
    "x-amzn-invoked-production-variant": variant ?? "AllTraffic",
    "x-amzn-requestid": requestId,
  };
  await writeEventStream(res, headers, frames, (frame) => {
    if ("payload" in frame) {
      const bytes = toBytes(frame.payload);
      return { chunk: eventFrame("PayloadPart", bytes, "application/octet-stream") };
    }
    if ("raw" in frame) return { chunk: frame.raw };
    // Exception frames end the stream, as the service ends it.
    if ("modelStreamError" in frame) {
      const members: Record<string, unknown> = { Message: frame.modelStreamError.message };
      if (frame.modelStreamError.errorCode !== undefined)
        members.ErrorCode = frame.modelStreamError.errorCode;
      return { chunk: exceptionFrame("ModelStreamError", members), last: true };
    }
    const failure = { Message: frame.internalStreamFailure.message };
    return { chunk: exceptionFrame("InternalStreamFailure", failure), last: true };
  });
}

function joinLocation(prefix: string, name: string): string {
  return prefix.endsWith("/") ? `${prefix}${name}` : `${prefix}/${name}`;
}

async function serveAsync(
  handlers: SageMakerRuntimeHandlers,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  endpointName: string,
  body: Uint8Array,
): Promise<{ job: Promise<void> | undefined }> {
  const base = baseRequest(req, endpointName, body);
  const inferenceId = base.inferenceId ?? randomUUID();
  const inputLocation = header(req.headers, "x-amzn-sagemaker-inputlocation");
  const extension = header(req.headers, "x-amzn-sagemaker-s3outputpathextension");
  const filename = header(req.headers, "x-amzn-sagemaker-filename");
  const numberHeader = (name: string) => {
    const v = header(req.headers, name);
    return v === undefined ? undefined : Number(v);
  };
  let outputPrefix = handlers.asyncOutputLocation ?? "s3://sagemaker-async/output/";
  if (extension) outputPrefix = joinLocation(outputPrefix, extension);
  const request: InvokeEndpointAsyncRequest = {
    ...base,
    contentType: header(req.headers, "x-amzn-sagemaker-content-type"),
    accept: header(req.headers, "x-amzn-sagemaker-accept"),
    inferenceId,
    inputLocation: inputLocation ?? "",
    requestTtlSeconds: numberHeader("x-amzn-sagemaker-requestttlseconds"),
    invocationTimeoutSeconds: numberHeader("x-amzn-sagemaker-invocationtimeoutseconds"),
    s3OutputPathExtension: extension,
    filename,
    outputLocation: joinLocation(outputPrefix, filename ?? `${inferenceId}.out`),
    failureLocation:
      handlers.asyncFailureLocation === null
        ? undefined
        : joinLocation(
            handlers.asyncFailureLocation ?? "s3://sagemaker-async/failure/",
            `${inferenceId}-error.out`,
          ),
  };
  // The current API takes the input either from S3 (InputLocation) or inline (Body, up to
  // 128,000 bytes), exactly one of them (the SDK model's InvokeEndpointAsyncInput).
  const inline = body.length > 0;
  const invalid =
    inputLocation && inline
      ? "InputLocation and Body are mutually exclusive: provide exactly one of them."
      : !inputLocation && !inline
        ? "Provide either InputLocation or Body."
        : body.length > MAX_INLINE_ASYNC_BODY
          ? `Body is ${body.length} bytes; an inline payload can be up to ${MAX_INLINE_ASYNC_BODY} bytes.`
          : undefined;
  if (invalid) {
    sendError(
      res,
      standInError({ status: 400, type: "ValidationError", message: invalid }),
      "Message",
      requestId,
    );
    return { job: undefined };
  }
  if (!handlers.invokeEndpointAsync) {
    sendError(res, noHandler("invokeEndpointAsync", endpointName), "Message", requestId);
    return { job: undefined };
  }
  let refusal: StandInError | undefined;
  try {
    refusal = await handlers.acceptAsync?.(request);
  } catch (err) {
    refusal = asStandInError(err, "InternalFailure");
  }
  if (refusal instanceof StandInError) {
    sendError(res, refusal, "Message", requestId);
    return { job: undefined };
  }
  const answerHeaders: Record<string, string> = {
    "content-type": "application/json",
    "x-amzn-sagemaker-outputlocation": request.outputLocation,
  };
  if (request.failureLocation !== undefined)
    answerHeaders["x-amzn-sagemaker-failurelocation"] = request.failureLocation;
  sendBody(res, requestId, JSON.stringify({ InferenceId: inferenceId }), answerHeaders, 202);
  const receivedTime = new Date().toISOString();

  const s3 = handlers.s3;
  const process = handlers.invokeEndpointAsync;
  if (!s3) return { job: undefined }; // Without S3 the call is accepted but nothing is ever written.
  const job = (async () => {
    const delay =
      typeof handlers.asyncDelayMs === "function"
        ? handlers.asyncDelayMs(request)
        : (handlers.asyncDelayMs ?? 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    let result: InvokeEndpointAsyncResult;
    try {
      let input: Uint8Array;
      if (inline) input = body;
      else {
        const { bucket, key } = parseS3Uri(request.inputLocation);
        input = await s3.getObject(bucket, key);
      }
      result = await process(input, request);
    } catch (err) {
      // The real service reports an unreadable input or a container error in the failure object.
      result = { failure: err instanceof Error ? err.message : String(err) };
    }
    const outputType = request.accept ?? "application/json";
    if ("output" in result) {
      const { bucket, key } = parseS3Uri(request.outputLocation);
      await s3.putObject(bucket, key, toBytes(result.output), outputType);
    } else if (request.failureLocation !== undefined) {
      const { bucket, key } = parseS3Uri(request.failureLocation);
      await s3.putObject(bucket, key, toBytes(result.failure), "text/plain");
    }
    if (handlers.onAsyncNotification) {
      const ok = "output" in result;
      const failureText = "failure" in result ? toUtf8(toBytes(result.failure)) : undefined;
      const notification: AsyncInferenceNotification = {
        awsRegion: testRegion,
        eventTime: new Date().toISOString(),
        receivedTime,
        invocationStatus: ok ? "Completed" : "Failed",
        requestParameters: {
          endpointName,
          ...(inline ? {} : { inputLocation: request.inputLocation }),
          ...(request.contentType ? { contentType: request.contentType } : {}),
        },
        responseParameters: ok
          ? { contentType: outputType, outputLocation: request.outputLocation }
          : request.failureLocation
            ? { failureLocation: request.failureLocation }
            : {},
        inferenceId,
        eventVersion: "1.0",
        eventSource: "aws:sagemaker",
        eventName: "InferenceResult",
      };
      if (failureText !== undefined) notification.failureReason = `ClientError: ${failureText}`;
      await handlers.onAsyncNotification(notification, request);
    }
  })();
  return { job };
}
