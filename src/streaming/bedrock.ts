/**
 * Token decoder for Bedrock's ConverseStream: turns the SDK's `ConverseStreamOutput` events into
 * provider-neutral {@link StreamEvent}s, and Bedrock's stream exceptions into typed errors.
 *
 * @module
 */
import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import type { TokenUsage } from "../core/index.js";
import { type FmopsError, type FmopsErrorOptions, redact, wrapAwsError } from "../core/index.js";
import { InternalStreamFailure, ModelStreamError, StreamDecodeError } from "./errors.js";
import type { StreamEvent } from "./events.js";

/**
 * Bedrock's `modelStreamErrorException` (or a `validationException` inside the stream): the model
 * failed while answering. Code: `STREAM_MODEL_ERROR`, like every {@link ModelStreamError}; it also
 * keeps the status code and message the model itself returned.
 */
export class BedrockModelStreamError extends ModelStreamError {
  /** The HTTP status the model returned to Bedrock, when Bedrock passed it on. */
  readonly originalStatusCode: number | undefined;
  /** The model's own error message, when Bedrock passed it on (redacted, at most 200 chars). */
  readonly originalMessage: string | undefined;

  constructor(
    message: string,
    errorCode: string,
    details: { originalStatusCode?: number | undefined; originalMessage?: string | undefined },
    options: FmopsErrorOptions = {},
  ) {
    super(message, errorCode, options);
    this.originalStatusCode = details.originalStatusCode;
    this.originalMessage = details.originalMessage;
  }
}

// Members of ConverseStreamOutput that carry nothing a TokenStream needs.
const IGNORED = new Set(["messageStart"]);

/** Token counts as Converse reports them (`usage` of Converse, `metadata.usage` of a stream). */
export interface BedrockUsage {
  /** Prompt tokens Bedrock counted as input (prompt-cache reads and writes are reported apart). */
  inputTokens?: number | undefined;
  /** Tokens the model generated. */
  outputTokens?: number | undefined;
  /** Bedrock's total for the call. */
  totalTokens?: number | undefined;
  /** Prompt tokens read from the prompt cache. */
  cacheReadInputTokens?: number | undefined;
  /** Prompt tokens written to the prompt cache. */
  cacheWriteInputTokens?: number | undefined;
}

/** Converse usage in fmops terms, prompt-cache reads and writes included. */
export function bedrockUsage(usage: BedrockUsage): TokenUsage {
  const out: TokenUsage = {};
  if (usage.inputTokens !== undefined) out.inputTokens = usage.inputTokens;
  if (usage.outputTokens !== undefined) out.outputTokens = usage.outputTokens;
  if (usage.totalTokens !== undefined) out.totalTokens = usage.totalTokens;
  if (usage.cacheReadInputTokens !== undefined) out.cacheReadTokens = usage.cacheReadInputTokens;
  if (usage.cacheWriteInputTokens !== undefined) out.cacheWriteTokens = usage.cacheWriteInputTokens;
  return out;
}

// Exception members: as union members (when a caller builds the events) or as the names of the
// errors the AWS SDK throws while iterating (what it does with exception frames).
const MODEL_ERRORS: Record<string, string> = {
  modelStreamErrorException: "ModelStreamErrorException",
  validationException: "ValidationException",
};
const SERVICE_FAILURES: Record<string, string> = {
  internalServerException: "InternalServerException",
  serviceUnavailableException: "ServiceUnavailableException",
  throttlingException: "ThrottlingException",
};
const ERROR_NAMES = new Set([...Object.values(MODEL_ERRORS), ...Object.values(SERVICE_FAILURES)]);

interface StreamExceptionShape {
  name?: string;
  message?: string;
  originalStatusCode?: number;
  originalMessage?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Maps a Bedrock stream exception (the SDK's thrown `ModelStreamErrorException`,
 * `ValidationException`, `InternalServerException`, `ServiceUnavailableException` or
 * `ThrottlingException` that arrived as an event-stream frame) to a typed fmops error:
 * {@link BedrockModelStreamError} for model and validation errors, retryable
 * {@link InternalStreamFailure} for service failures. Returns `undefined` for anything else,
 * including the same exceptions sent as plain HTTP error responses (those have an HTTP status
 * and belong to `wrapAwsError`).
 */
export function converseStreamError(err: unknown): FmopsError | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as StreamExceptionShape;
  if (!e.name || !ERROR_NAMES.has(e.name)) return undefined;
  // Exception frames carry no HTTP status of their own; an HTTP error response does.
  if (e.$metadata?.httpStatusCode !== undefined) return undefined;
  return exceptionToError(e.name, e, err);
}

function exceptionToError(name: string, e: StreamExceptionShape, cause: unknown): FmopsError {
  const detail = redact(String(e.message ?? "no message").replace(/\.\s*$/, ""));
  if (name === "ModelStreamErrorException" || name === "ValidationException") {
    const original =
      e.originalStatusCode !== undefined
        ? ` (the model returned HTTP ${e.originalStatusCode})`
        : "";
    const hint =
      name === "ValidationException"
        ? " Check the request (message order, token limits, inference parameters) against the model's limits."
        : " Retry, or check the model's limits for this input.";
    return new BedrockModelStreamError(
      `Bedrock ConverseStream reported ${name} mid-stream${original}: ${detail}.${hint}`,
      name,
      {
        originalStatusCode: e.originalStatusCode,
        originalMessage: e.originalMessage === undefined ? undefined : redact(e.originalMessage),
      },
      { cause },
    );
  }
  return new InternalStreamFailure(
    `Bedrock ConverseStream failed mid-stream with ${name}: ${detail}. Sending the request again may succeed${name === "ThrottlingException" ? " after a backoff" : ""}.`,
    { cause },
  );
}

/**
 * Decodes Bedrock ConverseStream events into {@link StreamEvent}s: text from
 * `contentBlockDelta.delta.text`, the stop reason from `messageStop`, token usage and Bedrock's
 * own `latencyMs` from `metadata`. Exception events, whether they arrive as union members or are
 * thrown by the AWS SDK, become {@link BedrockModelStreamError} (`modelStreamErrorException`,
 * `validationException`) or {@link InternalStreamFailure} (`internalServerException`,
 * `serviceUnavailableException`, `throttlingException`). An event this decoder does not know
 * throws `STREAM_DECODE_ERROR`. Tool use arrives as `toolUseStart` (from `contentBlockStart`),
 * `toolUseDelta` (input JSON fragments) and `toolUseStop` (from the `contentBlockStop` of a tool-use block), each with the content block index, so
 * that two calls in one turn stay apart; reasoning deltas become `reasoning` events.
 *
 * @example
 * ```ts
 * const { stream } = await client.send(new ConverseStreamCommand(input));
 * const tokens = new TokenStream(() => decodeConverseStream(stream!));
 * console.log(await tokens.text());
 * ```
 */
export async function* decodeConverseStream(
  stream: AsyncIterable<ConverseStreamOutput>,
): AsyncGenerator<StreamEvent, void, undefined> {
  let index = 0;
  // Content block indices that are tool uses: only their stops end a tool call.
  const toolBlocks = new Set<number>();
  const iterator = stream[Symbol.asyncIterator]();
  let done = false;
  try {
    while (true) {
      let result: IteratorResult<ConverseStreamOutput>;
      try {
        result = await iterator.next();
      } catch (err) {
        done = true;
        throw thrownToError(err);
      }
      if (result.done) {
        done = true;
        return;
      }
      yield* decodeEvent(result.value, index++, toolBlocks);
    }
  } finally {
    // Stopped early (consumer broke out, or a decode error): let the SDK close the connection.
    if (!done) await Promise.resolve(iterator.return?.()).catch(() => {});
  }
}

function thrownToError(err: unknown): FmopsError {
  const e = (err ?? {}) as StreamExceptionShape;
  if (e.name && ERROR_NAMES.has(e.name)) return exceptionToError(e.name, e, err);
  return wrapAwsError(err, {
    service: "BedrockRuntime",
    operation: "ConverseStream",
    iamAction: "bedrock:InvokeModelWithResponseStream",
  });
}

function* decodeEvent(
  event: ConverseStreamOutput,
  index: number,
  toolBlocks: Set<number>,
): Generator<StreamEvent> {
  const member = Object.keys(event).find(
    (key) => (event as unknown as Record<string, unknown>)[key] !== undefined,
  );
  if (member === undefined || member === "$unknown") throw unknownEvent(event, index);
  if (IGNORED.has(member)) return;
  if (member === "contentBlockStart") {
    const start = event.contentBlockStart;
    const toolUse = start?.start?.toolUse;
    if (toolUse) {
      const blockIndex = start.contentBlockIndex ?? 0;
      toolBlocks.add(blockIndex);
      yield {
        type: "toolUseStart",
        index: blockIndex,
        id: toolUse.toolUseId ?? "",
        name: toolUse.name ?? "",
      };
    }
    return;
  }
  if (member === "contentBlockStop") {
    const blockIndex = event.contentBlockStop?.contentBlockIndex ?? 0;
    if (toolBlocks.delete(blockIndex)) yield { type: "toolUseStop", index: blockIndex };
    return;
  }
  if (member === "contentBlockDelta") {
    const index = event.contentBlockDelta?.contentBlockIndex ?? 0;
    const delta = event.contentBlockDelta?.delta;
    const text = delta?.text;
    if (typeof text === "string" && text !== "") yield { type: "text", text };
    const input = delta?.toolUse?.input;
    if (typeof input === "string" && input !== "") yield { type: "toolUseDelta", index, input };
    const reasoning = delta?.reasoningContent;
    if (reasoning && (reasoning.text !== undefined || reasoning.signature !== undefined)) {
      yield {
        type: "reasoning",
        text: reasoning.text ?? "",
        ...(reasoning.signature !== undefined ? { signature: reasoning.signature } : {}),
      };
    }
    return;
  }
  if (member === "messageStop") {
    const reason = event.messageStop?.stopReason;
    if (reason !== undefined) yield { type: "stop", reason };
    return;
  }
  if (member === "metadata") {
    const usage = event.metadata?.usage;
    if (usage) yield { type: "usage", usage: bedrockUsage(usage) };
    const latencyMs = event.metadata?.metrics?.latencyMs;
    if (latencyMs !== undefined) yield { type: "serviceLatency", latencyMs };
    return;
  }
  // Own keys only: a member named "constructor" is an unknown event, not Object's constructor.
  const errorName = Object.hasOwn(MODEL_ERRORS, member)
    ? MODEL_ERRORS[member]
    : Object.hasOwn(SERVICE_FAILURES, member)
      ? SERVICE_FAILURES[member]
      : undefined;
  if (errorName !== undefined) {
    const shape = (event as unknown as Record<string, unknown>)[member] as StreamExceptionShape;
    throw exceptionToError(errorName, shape, shape);
  }
  throw unknownEvent(event, index);
}

function unknownEvent(event: ConverseStreamOutput, index: number): StreamDecodeError {
  let text: string;
  try {
    text = JSON.stringify(event) ?? String(event);
  } catch {
    text = String(event);
  }
  const line = redact(text);
  const name = Object.keys(event)[0] ?? "(empty)";
  return new StreamDecodeError(
    `Bedrock ConverseStream sent event ${index} of a kind this decoder does not know ("${redact(name, 60)}"). Update fmops, or report the event: ${line}`,
    line,
    index,
  );
}
