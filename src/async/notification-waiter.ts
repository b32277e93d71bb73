/**
 * {@link NotificationWaiter}: waits for async inference results through SNS notifications
 * delivered to an SQS queue, instead of polling S3.
 *
 * @module
 */
import type * as S3Module from "@aws-sdk/client-s3";
import type * as SqsModule from "@aws-sdk/client-sqs";
import type {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  Message,
} from "@aws-sdk/client-sqs";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { z } from "zod";
import {
  AwsServiceError,
  type FmopsError,
  isRetryableError,
  parseOptions,
  type WaitOptions,
  waitFor,
  withDeadline,
  wrapAwsError,
} from "../core/index.js";
import {
  abortError,
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  type LoadedAwsClient,
  lazyAwsClient,
  MAX_TIMER_MS,
  pollDelay,
  type SendsCommands,
  s3Sdk,
  schemaFor,
  sqsSdk,
} from "../core/internal.js";
import { AsyncInferenceFailedError } from "./errors.js";
import { type AsyncNotification, parseAsyncNotification } from "./notification.js";
import { DEFAULT_WAIT_TIMEOUT_MS } from "./poller.js";
import { AsyncResult } from "./result.js";

/** Options for {@link NotificationWaiter}. */
export interface NotificationWaiterOptions {
  /** URL of the SQS queue subscribed to the endpoint's success and error topics. */
  queueUrl: string;
  /** A ready SQS client; preferred. */
  sqs?: SendsCommands;
  /** A ready S3 client, used to read results. */
  s3?: SendsCommands;
  /** Region for clients fmops builds itself. */
  region?: string;
  /** Credentials for clients fmops builds itself. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Long-poll time of each ReceiveMessage, 1 to 20 s. Default 20. */
  waitTimeSeconds?: number;
  /** How long a received message stays hidden from other consumers, s. Default 30. */
  visibilityTimeoutSeconds?: number;
  /** Default deadline of `wait()`, ms. Default 15 minutes. */
  timeoutMs?: number;
}

const optionsSchema = schemaFor<NotificationWaiterOptions>()(
  z
    .object({
      queueUrl: z.url(),
      sqs: awsClientSchema<SendsCommands>("SQSClient").optional(),
      s3: awsClientSchema<SendsCommands>("S3Client").optional(),
      region: awsClientConfigShape.region,
      credentials: awsClientConfigShape.credentials,
      waitTimeSeconds: z.int().min(1).max(20).optional(),
      visibilityTimeoutSeconds: z.int().min(0).max(43_200).optional(),
      timeoutMs: z.int().min(1).max(2_147_483_647).optional(),
    })
    .strict(),
);

interface Waiter {
  resolve(result: AsyncResult): void;
  reject(error: FmopsError): void;
  invocation: {
    inferenceId: string;
    outputLocation?: string | undefined;
    failureLocation?: string | undefined;
  };
}

/** Cap on remembered finished ids (to delete SQS's duplicate deliveries of them). */
const MAX_REMEMBERED = 10_000;
/** Deadline of the delete / release calls, which run even while the pump is stopping. */
const HOUSEKEEPING_TIMEOUT_MS = 10_000;
/** Backoff after a transient ReceiveMessage error, by consecutive errors. */
const RECEIVE_ERROR_DELAYS = { minDelayMs: 200, maxDelayMs: 5_000 };
/** Pause after a batch holding only other consumers' messages, by consecutive such batches. */
const OTHERS_ONLY_DELAYS = { minDelayMs: 100, maxDelayMs: 2_000 };

/**
 * Waits for asynchronous inference results announced on an SQS queue that is subscribed to the
 * endpoint's SNS success and error topics (`AsyncInferenceConfig.OutputConfig.NotificationConfig`).
 * One long-polling receive loop serves every concurrent `wait()` and runs only while someone
 * waits. It deletes the messages for the inference ids it waits on (and duplicates of ids it has
 * finished), and makes every other message visible again at once, for its owner.
 *
 * @example
 * ```ts
 * const waiter = new NotificationWaiter({ queueUrl, sqs, s3 });
 * const invocation = await endpoint.invoke(payload);
 * const result = await waiter.wait(invocation, { timeoutMs: 30 * 60_000 });
 * ```
 */
export class NotificationWaiter {
  /** The queue read. */
  readonly queueUrl: string;
  readonly #sqs;
  readonly #s3;
  readonly #waitTimeSeconds: number;
  readonly #visibilityTimeoutSeconds: number;
  readonly #timeoutMs: number;
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #finished = new Set<string>();
  #pump: AbortController | undefined;

  constructor(options: NotificationWaiterOptions) {
    const o = parseOptions(optionsSchema, options, "NotificationWaiter options");
    this.queueUrl = o.queueUrl;
    const config = clientConfigFrom(o);
    this.#sqs = lazyAwsClient<typeof SqsModule, SendsCommands>(
      sqsSdk,
      "NotificationWaiter",
      o.sqs,
      (sdk) => new sdk.SQSClient(config),
    );
    this.#s3 = lazyAwsClient<typeof S3Module, SendsCommands>(
      s3Sdk,
      "NotificationWaiter",
      o.s3,
      (sdk) => new sdk.S3Client(config),
    );
    this.#waitTimeSeconds = o.waitTimeSeconds ?? 20;
    this.#visibilityTimeoutSeconds = o.visibilityTimeoutSeconds ?? 30;
    this.#timeoutMs = o.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  }

  /** Inference ids being waited on now. */
  get pendingIds(): string[] {
    return [...this.#waiters.keys()];
  }

  /**
   * Waits for the notification of `invocation` (an {@link AsyncInvocation}, or just an inference
   * id). Resolves with the {@link AsyncResult} on success; throws
   * {@link AsyncInferenceFailedError} on an error notification, `TimeoutError` (default 15
   * minutes) or `ABORTED`; queue errors that are not transient (missing queue, no permission)
   * throw at once.
   */
  wait(invocation: string | Waiter["invocation"], options: WaitOptions = {}): Promise<AsyncResult> {
    const target = typeof invocation === "string" ? { inferenceId: invocation } : invocation;
    const what = `waiting for the notification of inference ${target.inferenceId} on ${this.queueUrl}`;
    return withDeadline(
      options,
      this.#timeoutMs,
      what,
      (signal) =>
        new Promise<AsyncResult>((resolve, reject) => {
          const waiter: Waiter = {
            invocation: target,
            resolve: (r) => {
              cleanup();
              resolve(r);
            },
            reject: (e) => {
              cleanup();
              reject(e);
            },
          };
          const onAbort = () => waiter.reject(abortError(signal));
          const cleanup = () => {
            signal.removeEventListener("abort", onAbort);
            this.#remove(waiter);
          };
          signal.addEventListener("abort", onAbort, { once: true });
          let set = this.#waiters.get(target.inferenceId);
          if (!set) {
            set = new Set();
            this.#waiters.set(target.inferenceId, set);
          }
          set.add(waiter);
          this.#ensurePump();
        }),
    );
  }

  #remove(waiter: Waiter): void {
    const id = waiter.invocation.inferenceId;
    const set = this.#waiters.get(id);
    set?.delete(waiter);
    if (set?.size === 0) this.#waiters.delete(id);
    if (this.#waiters.size === 0 && this.#pump) {
      // Nobody waits: end the long poll now rather than after up to 20 s.
      this.#pump.abort();
      this.#pump = undefined;
    }
  }

  #ensurePump(): void {
    if (this.#pump) return;
    const controller = new AbortController();
    this.#pump = controller;
    this.#run(controller.signal).catch((err: unknown) => {
      // A pump stopped because nobody waits any more ends with its own abort: there is no one to
      // tell, and a newer pump may already serve new waiters.
      if (!controller.signal.aborted) this.#failAll(err);
    });
  }

  #failAll(err: unknown): void {
    const error = wrapAwsError(err, {
      service: "SQS",
      operation: "ReceiveMessage",
      iamAction: "sqs:ReceiveMessage",
    });
    for (const set of [...this.#waiters.values()]) for (const w of [...set]) w.reject(error);
  }

  /**
   * The receive loop, on core's waiter: one long-polling ReceiveMessage per probe, never "done".
   * It ends when `signal` aborts (the last waiter left, each of them under its own deadline) or on
   * an error that is not transient; its own time limit is only a backstop.
   */
  async #run(signal: AbortSignal): Promise<void> {
    // A missing package rejects here, and #failAll hands its MISSING_DEPENDENCY to every waiter.
    const [sqs, { client: s3 }] = await Promise.all([this.#sqs(), this.#s3()]);
    let errors = 0;
    let idle = 0;
    await waitFor<never>(
      async (receiveSignal) => {
        let messages: Message[];
        try {
          const out = (await sqs.client.send(
            new sqs.sdk.ReceiveMessageCommand({
              QueueUrl: this.queueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: this.#waitTimeSeconds,
              VisibilityTimeout: this.#visibilityTimeoutSeconds,
            }),
            { abortSignal: receiveSignal },
          )) as { Messages?: Message[] };
          messages = out.Messages ?? [];
          errors = 0;
        } catch (err) {
          if (receiveSignal.aborted || !isRetryableError(err)) throw err;
          errors++;
          return { state: "retry", error: err, delayMs: pollDelay(errors, RECEIVE_ERROR_DELAYS) };
        }
        let mine = 0;
        for (const message of messages) {
          if (await this.#handle(message, sqs, s3)) mine++;
        }
        // Only other consumers' messages came back: they will be offered again at once, so pause
        // (growing up to 2 s) rather than spin on them.
        if (messages.length > 0 && mine === 0) {
          idle++;
          return { state: "pending", delayMs: pollDelay(idle, OTHERS_ONLY_DELAYS) };
        }
        idle = 0;
        // The next ReceiveMessage is itself a long poll: no sleep in between.
        return { state: "pending", delayMs: 0 };
      },
      { signal, timeoutMs: MAX_TIMER_MS, what: `receiving notifications from ${this.queueUrl}` },
    );
  }

  /** Delivers or releases one message; true when it was ours. */
  async #handle(
    message: Message,
    sqs: LoadedAwsClient<typeof SqsModule, SendsCommands>,
    s3: SendsCommands,
  ): Promise<boolean> {
    const notification = parseAsyncNotification(message.Body ?? "");
    const waiters = notification ? this.#waiters.get(notification.inferenceId) : undefined;
    if (notification && (waiters || this.#finished.has(notification.inferenceId))) {
      await this.#housekeep(
        sqs.client,
        new sqs.sdk.DeleteMessageCommand({
          QueueUrl: this.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
        }),
      );
      if (waiters) {
        this.#remember(notification.inferenceId);
        for (const waiter of [...waiters]) this.#deliver(waiter, notification, s3);
      }
      return true;
    }
    // Someone else's message (or not a notification at all): make it visible again now.
    await this.#housekeep(
      sqs.client,
      new sqs.sdk.ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    return false;
  }

  #remember(id: string): void {
    this.#finished.add(id);
    if (this.#finished.size > MAX_REMEMBERED) {
      const oldest = this.#finished.values().next().value;
      if (oldest !== undefined) this.#finished.delete(oldest);
    }
  }

  async #housekeep(
    sqs: SendsCommands,
    command: DeleteMessageCommand | ChangeMessageVisibilityCommand,
  ): Promise<void> {
    try {
      await sqs.send(command, { abortSignal: AbortSignal.timeout(HOUSEKEEPING_TIMEOUT_MS) });
    } catch {
      // A failed delete means a duplicate delivery later (deleted then as a finished id); a
      // failed release means the owner sees the message after the visibility timeout. Neither
      // should fail the wait whose result is already known.
    }
  }

  #deliver(waiter: Waiter, n: AsyncNotification, s3: SendsCommands): void {
    const inv = waiter.invocation;
    if (n.succeeded) {
      const location = n.outputLocation ?? inv.outputLocation;
      if (!location) {
        waiter.reject(
          new AwsServiceError(
            `The success notification for inference ${n.inferenceId} names no output location. Pass the AsyncInvocation (not just its id) to wait(), so its outputLocation can be used.`,
            {
              service: "SageMaker",
              operation: "AsyncInferenceNotification",
              errorName: "MissingOutputLocation",
            },
          ),
        );
        return;
      }
      waiter.resolve(new AsyncResult({ s3, location, contentType: n.contentType }));
      return;
    }
    waiter.reject(
      new AsyncInferenceFailedError(n.failureReason ?? `invocation status ${n.invocationStatus}`, {
        failureLocation: n.failureLocation ?? inv.failureLocation,
        inferenceId: n.inferenceId,
      }),
    );
  }
}
