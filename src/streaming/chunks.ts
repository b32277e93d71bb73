/**
 * What a response-stream source may yield, and how each item becomes bytes or a typed error.
 *
 * @module
 */
import type { ResponseStream } from "@aws-sdk/client-sagemaker-runtime";
import { FmopsError, redact } from "../core/index.js";
import { isRetryableAwsError } from "../core/internal.js";
import { InternalStreamFailure, ModelStreamError } from "./errors.js";

/**
 * A SageMaker `InvokeEndpointWithResponseStream` event as a plain object. (The AWS SDK types the
 * error members as its exception classes, and in practice throws them; both are accepted.)
 */
export type SageMakerStreamEvent =
  | {
      /** A piece of the model's output. */
      PayloadPart: {
        /** The bytes, cut anywhere: mid-line, even mid-character. */
        Bytes?: Uint8Array | undefined;
      };
    }
  | {
      /** The model container failed mid-stream. */
      ModelStreamError: {
        /** What went wrong. */
        Message?: string | undefined;
        /** e.g. `ModelInvocationTimeExceeded`, `StreamBroken`. */
        ErrorCode?: string | undefined;
      };
    }
  | {
      /** SageMaker failed mid-stream; retrying may succeed. */
      InternalStreamFailure: {
        /** What went wrong. */
        Message?: string | undefined;
      };
    };

/**
 * One item of a response stream: raw bytes (a `fetch` body, a Node stream) or a SageMaker
 * `InvokeEndpointWithResponseStream` event (`{ PayloadPart: { Bytes } }`,
 * `{ ModelStreamError: { Message, ErrorCode } }`, `{ InternalStreamFailure: { Message } }`),
 * as the SDK's `ResponseStream` type or as a plain object.
 */
export type StreamChunk = Uint8Array | ResponseStream | SageMakerStreamEvent;

/** A response-stream event of a type this version of fmops does not know. */
export interface UnknownStreamEvent {
  /** The event type, e.g. a member SageMaker added after this release. */
  name: string;
  /** The event as the source yielded it. */
  event: unknown;
}

/**
 * What to do with a SageMaker response-stream event of a type fmops does not know: `"skip"` it
 * (the default: SageMaker may add event types, and an old client should keep working), fail
 * with `"error"` (`STREAM_UNKNOWN_EVENT`), or pass a function that sees each such event (to log
 * or count it) before it is skipped; a function that throws ends the stream with its error.
 */
export type UnknownEventPolicy = "skip" | "error" | ((event: UnknownStreamEvent) => void);

const EMPTY = new Uint8Array(0);

interface EventShape {
  PayloadPart?: { Bytes?: unknown } | undefined;
  ModelStreamError?: { Message?: unknown; message?: unknown; ErrorCode?: unknown } | undefined;
  InternalStreamFailure?: { Message?: unknown; message?: unknown } | undefined;
  $unknown?: unknown;
}

/**
 * The bytes an item carries. Error events throw {@link ModelStreamError} or
 * {@link InternalStreamFailure}. An event of an unknown type (the SDK's `$unknown` member, or a
 * one-member object named like SageMaker's members, e.g. `{ NewEvent: {...} }`) is handled as
 * `onUnknownEvent` says, and yields no bytes when skipped. Anything else (a string, `null`,
 * `PayloadPart.Bytes` that are not bytes, another service's events) throws
 * `STREAM_UNKNOWN_EVENT`: it means the wrong source was passed, and skipping it could silently
 * drop the whole answer.
 */
export function bytesOf(item: unknown, onUnknownEvent: UnknownEventPolicy = "skip"): Uint8Array {
  if (item instanceof Uint8Array) return item;
  if (typeof item === "object" && item !== null) {
    const event = item as EventShape;
    if (event.PayloadPart !== undefined) {
      const bytes = event.PayloadPart?.Bytes;
      if (bytes === undefined) return EMPTY;
      if (bytes instanceof Uint8Array) return bytes;
    } else if (event.ModelStreamError !== undefined) {
      const { Message, message, ErrorCode } = event.ModelStreamError ?? {};
      throw modelStreamError(stringOr(Message) ?? stringOr(message), stringOr(ErrorCode));
    } else if (event.InternalStreamFailure !== undefined) {
      const { Message, message } = event.InternalStreamFailure ?? {};
      throw internalStreamFailure(stringOr(Message) ?? stringOr(message));
    } else {
      const name = unknownEventName(event);
      if (name !== undefined) {
        if (onUnknownEvent === "skip") return EMPTY;
        if (typeof onUnknownEvent === "function") {
          onUnknownEvent({ name, event: item });
          return EMPTY;
        }
        throw new FmopsError(
          "STREAM_UNKNOWN_EVENT",
          `The response stream sent an event of a type this version of fmops does not know ("${redact(name, 60)}"). Update fmops, or pass onUnknownEvent: "skip" (the default) to read past it.`,
        );
      }
    }
  }
  throw new FmopsError(
    "STREAM_UNKNOWN_EVENT",
    `The response stream yielded an item that is neither bytes nor a SageMaker event: ${describe(item)}. Pass the response's Body (or Uint8Array chunks).`,
  );
}

/**
 * Turns what a source threw into an {@link FmopsError}. The AWS SDK throws a stream's exception
 * events (`ModelStreamError`, `InternalStreamFailure`) as errors of those names rather than
 * yielding them, so both paths end in the same typed errors.
 */
export function sourceError(err: unknown): FmopsError {
  if (err instanceof FmopsError) return err;
  const e = (err ?? {}) as { name?: unknown; message?: unknown; ErrorCode?: unknown };
  if (e.name === "ModelStreamError") {
    return modelStreamError(stringOr(e.message), stringOr(e.ErrorCode), err);
  }
  if (e.name === "InternalStreamFailure") return internalStreamFailure(stringOr(e.message), err);
  const name = typeof e.name === "string" && e.name !== "Error" ? `${e.name}: ` : "";
  return new FmopsError(
    "STREAM_READ_FAILED",
    `Reading the response stream failed: ${name}${redact(stringOr(e.message) ?? String(err))}. The connection may have dropped; send the request again.`,
    { cause: err, retryable: isRetryableAwsError(err) || e.name === "TypeError" },
  );
}

const HINTS: Record<string, string> = {
  ModelInvocationTimeExceeded:
    " The container did not finish within SageMaker's time limit; ask for fewer tokens or raise the endpoint's invocation timeout.",
  StreamBroken:
    " The connection between SageMaker and the model container was reset; send the request again.",
};

function modelStreamError(
  message: string | undefined,
  code: string | undefined,
  cause?: unknown,
): ModelStreamError {
  const text = `The model's response stream failed${code ? ` with ${code}` : ""}: ${redact(message ?? "no message")}.${(code !== undefined && Object.hasOwn(HINTS, code) ? HINTS[code] : undefined) ?? " See the model container's logs."}`;
  return new ModelStreamError(text, code, { cause, retryable: code === "StreamBroken" });
}

function internalStreamFailure(
  message: string | undefined,
  cause?: unknown,
): InternalStreamFailure {
  return new InternalStreamFailure(
    `SageMaker failed while streaming the response: ${redact(message ?? "no message")}. Send the request again.`,
    { cause },
  );
}

// SageMaker's event members are PascalCase (PayloadPart, ModelStreamError); Bedrock's and most
// others' are camelCase, so an object like `{ chunk: {...} }` is a wrong source, not a new event.
const EVENT_MEMBER = /^[A-Z][A-Za-z0-9]{0,63}$/;

/** The type of an event fmops does not know, or `undefined` when `event` is not an event. */
function unknownEventName(event: EventShape): string | undefined {
  const unknown = event.$unknown;
  if (unknown !== undefined) {
    return Array.isArray(unknown) && typeof unknown[0] === "string" ? unknown[0] : "$unknown";
  }
  const members = Object.keys(event).filter(
    (key) => (event as Record<string, unknown>)[key] !== undefined,
  );
  if (members.length !== 1) return undefined;
  const name = members[0] as string;
  const value = (event as Record<string, unknown>)[name];
  return EVENT_MEMBER.test(name) && typeof value === "object" && value !== null ? name : undefined;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function describe(item: unknown): string {
  if (typeof item !== "object" || item === null) return typeof item;
  const unknown = (item as EventShape).$unknown;
  if (Array.isArray(unknown) && typeof unknown[0] === "string") {
    return `unknown event "${redact(unknown[0], 60)}"`;
  }
  const keys = Object.keys(item).slice(0, 5).join(", ");
  return `an object with keys [${redact(keys, 100)}]`;
}
