/**
 * {@link AsyncResultPoller}: waits for an asynchronous inference's output or failure object,
 * probing both in one loop with capped, jittered backoff.
 *
 * @module
 */

import type * as S3Module from "@aws-sdk/client-s3";
import { z } from "zod";
import {
  type AwsClientConfig,
  FmopsError,
  isRetryableError,
  parseOptions,
  parseS3Uri,
  redact,
  TimeoutError,
  type WaitOptions,
  waitFor,
  withDeadline,
} from "../core/index.js";
import {
  abortError,
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  lazyAwsClient,
  type PollDelayOptions,
  pollDelayShape,
  resolveDelays,
  type SendsCommands,
  s3Sdk,
  schemaFor,
  type WaiterPollEvent,
} from "../core/internal.js";
import { AsyncInferenceFailedError } from "./errors.js";
import { type ObjectProbe, probeObject, readFailureText } from "./probe.js";
import { AsyncResult } from "./result.js";

/** Default deadline of `wait()`: 15 minutes, the Python SDK's default budget. */
export const DEFAULT_WAIT_TIMEOUT_MS = 900_000;
/** Default deadline of one `check()`. */
export const DEFAULT_CHECK_TIMEOUT_MS = 30_000;
/** Default shortest delay between probes: sub-second, so quick results are seen quickly. */
export const DEFAULT_MIN_DELAY_MS = 250;
/** Default longest delay between probes. */
export const DEFAULT_MAX_DELAY_MS = 2_000;

/** One probe of a poll loop, reported to {@link AsyncWaitOptions.onPoll}. */
export interface AsyncPollEvent {
  /** 1 for the first probe. */
  attempt: number;
  /** `Date.now()` when the probe started. */
  startedAt: number;
  /** Milliseconds since the wait started, at the end of the probe. */
  elapsedMs: number;
  /** What the probe found; `"error"` is a retryable error (throttling, 5xx, network). */
  outcome: "pending" | "succeeded" | "failed" | "error";
  /** The retryable error, for `"error"`. */
  error?: unknown;
  /** How long the loop sleeps before the next probe (absent once the wait is over). */
  nextDelayMs?: number;
}

/** Options of `wait()`. */
export interface AsyncWaitOptions extends WaitOptions, PollDelayOptions {
  /** Called after every probe, e.g. for logging or counting requests. */
  onPoll?: (event: AsyncPollEvent) => void;
}

/** What one `check()` found. */
export type AsyncCheckResult =
  | {
      /** Neither the output nor the failure object exists yet. */
      status: "pending";
    }
  | {
      /** The output object exists. */
      status: "succeeded";
      /** The output object, to read. */
      result: AsyncResult;
    }
  | {
      /** The failure object exists: the model container returned an error. */
      status: "failed";
      /** Carries the failure object's text. */
      error: AsyncInferenceFailedError;
    };

/** Options for {@link AsyncResultPoller}. */
export interface AsyncResultPollerOptions extends AwsClientConfig, PollDelayOptions {
  /** Where the result appears (`OutputLocation` of InvokeEndpointAsync). */
  outputLocation: string;
  /**
   * Where a failure appears (`FailureLocation`). Leave out for endpoints configured without
   * `S3FailurePath`: then only the output is watched, and a failed inference ends in a timeout.
   */
  failureLocation?: string | undefined;
  /** The inference id, for messages. */
  inferenceId?: string | undefined;
  /** A ready S3 client; preferred. Otherwise one is built from region/credentials/endpoint. */
  client?: SendsCommands;
  /** Default deadline of `wait()` in ms. Default 15 minutes. */
  timeoutMs?: number;
  /** Source of randomness for the jitter, in [0, 1). Default `Math.random`. */
  random?: () => number;
}

const s3UriSchema = z.string().regex(/^s3:\/\/[^/]+\/.+/s, "must be an s3://bucket/key URI");

const pollerSchema = schemaFor<AsyncResultPollerOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      ...pollDelayShape,
      outputLocation: s3UriSchema,
      failureLocation: s3UriSchema.optional(),
      inferenceId: z.string().min(1).optional(),
      client: awsClientSchema<SendsCommands>("S3Client").optional(),
      timeoutMs: z.int().min(1).max(2_147_483_647).optional(),
      random: z
        .custom<() => number>((v) => typeof v === "function", "must be a function")
        .optional(),
    })
    .strict(),
);

/**
 * Waits for the result of an asynchronous inference given its output and failure locations,
 * for example ones another process submitted. {@link AsyncInvocation} uses one internally.
 *
 * One loop probes the output and the failure object together (two HeadObject calls per probe),
 * sleeping between probes with jittered backoff from `minDelayMs` up to `maxDelayMs`. A 404 means
 * pending; a 403 throws `PERMISSION_DENIED` at once; throttling and 5xx are retried until the
 * deadline; aborting stops at once.
 *
 * @example
 * ```ts
 * const poller = new AsyncResultPoller({ client: s3, outputLocation, failureLocation });
 * const result = await poller.wait({ timeoutMs: 60_000 });
 * console.log(await result.text());
 * ```
 */
export class AsyncResultPoller {
  /** The watched output location. */
  readonly outputLocation: string;
  /** The watched failure location, when there is one. */
  readonly failureLocation: string | undefined;
  /** The inference id, when given. */
  readonly inferenceId: string | undefined;
  readonly #s3;
  readonly #delays: { minDelayMs: number; maxDelayMs: number };
  readonly #timeoutMs: number;
  readonly #random: () => number;

  constructor(options: AsyncResultPollerOptions) {
    const o = parseOptions(pollerSchema, options, "AsyncResultPoller options");
    parseS3Uri(o.outputLocation, "outputLocation");
    if (o.failureLocation !== undefined) parseS3Uri(o.failureLocation, "failureLocation");
    this.outputLocation = o.outputLocation;
    this.failureLocation = o.failureLocation;
    this.inferenceId = o.inferenceId;
    const config = clientConfigFrom(o);
    this.#s3 = lazyAwsClient<typeof S3Module, SendsCommands>(
      s3Sdk,
      "AsyncResultPoller",
      o.client,
      (sdk) => new sdk.S3Client(config),
    );
    this.#delays = resolveDelays(o, {
      minDelayMs: DEFAULT_MIN_DELAY_MS,
      maxDelayMs: DEFAULT_MAX_DELAY_MS,
    });
    this.#timeoutMs = o.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    this.#random = o.random ?? Math.random;
  }

  /**
   * Looks once at the output and failure objects. Returns `pending`, `succeeded` with the
   * {@link AsyncResult}, or `failed` with the {@link AsyncInferenceFailedError} (not thrown).
   * Throws on errors (permission, throttling); default deadline 30 s.
   */
  check(options: WaitOptions = {}): Promise<AsyncCheckResult> {
    return withDeadline(options, DEFAULT_CHECK_TIMEOUT_MS, `checking ${this.outputLocation}`, (s) =>
      this.#probe(s),
    );
  }

  /**
   * Waits until the output or the failure object exists. Returns the {@link AsyncResult}, or
   * throws {@link AsyncInferenceFailedError} (the failure object's text), `TimeoutError`
   * (naming the locations and the time waited), `PERMISSION_DENIED`, or `ABORTED`.
   */
  async wait(options: AsyncWaitOptions = {}): Promise<AsyncResult> {
    const delays = resolveDelays(options, this.#delays);
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const onPoll = options.onPoll;
    return waitFor<AsyncResult>(
      async (signal) => {
        const found = await this.#probe(signal);
        if (found.status === "succeeded") return { state: "done", value: found.result };
        if (found.status === "failed") return { state: "failed", error: found.error };
        return { state: "pending" };
      },
      {
        signal: options.signal,
        timeoutMs,
        what: `waiting for ${this.outputLocation}`,
        ...delays,
        random: this.#random,
        retryOn: isRetryableError,
        ...(onPoll ? { onPoll: (e) => onPoll(asyncPollEvent(e)) } : {}),
        giveUpError: (info) =>
          info.cause === "timeout"
            ? this.#timeoutError(
                timeoutMs,
                info.elapsedMs,
                info.attempts,
                info.lastError,
                info.reason,
              )
            : info.reason,
      },
    );
  }

  async #probe(signal: AbortSignal): Promise<AsyncCheckResult> {
    const failureLocation = this.failureLocation;
    const { client: s3 } = await this.#s3();
    const [output, failure] = await Promise.allSettled([
      probeObject(s3, this.outputLocation, signal),
      failureLocation
        ? probeObject(s3, failureLocation, signal)
        : Promise.resolve<ObjectProbe>({ exists: false }),
    ]);
    if (output.status === "fulfilled" && output.value.exists) {
      return {
        status: "succeeded",
        result: new AsyncResult({
          s3,
          location: this.outputLocation,
          contentType: output.value.contentType,
          size: output.value.size,
          etag: output.value.etag,
        }),
      };
    }
    if (failure.status === "fulfilled" && failure.value.exists && failureLocation) {
      return { status: "failed", error: await this.#failure(failureLocation, signal) };
    }
    // Report a permission error before a transient one: it is the one to act on.
    const errors = [output, failure]
      .filter((r): r is PromiseRejectedResult => r.status === "rejected")
      .map((r) => r.reason as unknown);
    if (errors.length > 0) {
      throw errors.find((e) => e instanceof FmopsError && !e.retryable) ?? errors[0];
    }
    return { status: "pending" };
  }

  async #failure(failureLocation: string, signal: AbortSignal): Promise<AsyncInferenceFailedError> {
    const details = { failureLocation, inferenceId: this.inferenceId };
    try {
      return new AsyncInferenceFailedError(
        await readFailureText((await this.#s3()).client, failureLocation, signal),
        details,
      );
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      const why = err instanceof Error ? err.message : String(err);
      return new AsyncInferenceFailedError(
        `(the failure object could not be read: ${why})`,
        details,
        {
          cause: err,
        },
      );
    }
  }

  #timeoutError(
    timeoutMs: number,
    elapsedMs: number,
    attempts: number,
    lastError: unknown,
    cause: unknown,
  ): TimeoutError {
    const id = this.inferenceId ? ` for inference ${this.inferenceId}` : "";
    const watched = this.failureLocation
      ? `neither ${this.outputLocation} nor ${this.failureLocation} exists yet`
      : `${this.outputLocation} does not exist yet. Only the output was watched: this invocation has no failure location (the endpoint has no S3FailurePath), so a failed inference cannot be told apart from a slow one; add S3FailurePath to the endpoint's AsyncInferenceConfig, or use a NotificationWaiter with an error topic`;
    const last =
      lastError instanceof Error
        ? ` The last probe failed with: ${redact(lastError.message)}.`
        : "";
    return new TimeoutError(
      `No result${id} after ${Math.round(elapsedMs)} ms (${attempts} probes, timeoutMs ${timeoutMs}): ${watched}.${last} The inference may still be queued or running (an endpoint scaled to zero takes minutes to start): call wait() again with a larger timeoutMs.`,
      timeoutMs,
      { cause },
    );
  }
}

const OUTCOMES = {
  pending: "pending",
  done: "succeeded",
  failed: "failed",
  retry: "error",
} as const satisfies Record<WaiterPollEvent<AsyncResult>["state"], AsyncPollEvent["outcome"]>;

/** The waiter's poll event in the terms of {@link AsyncPollEvent}. */
function asyncPollEvent(e: WaiterPollEvent<AsyncResult>): AsyncPollEvent {
  const event: AsyncPollEvent = {
    attempt: e.attempt,
    startedAt: e.startedAt,
    elapsedMs: e.elapsedMs,
    outcome: OUTCOMES[e.state],
  };
  if (e.state === "retry") event.error = e.error;
  if (e.nextDelayMs !== undefined) event.nextDelayMs = e.nextDelayMs;
  return event;
}
