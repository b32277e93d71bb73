/**
 * A local SQS on 127.0.0.1 speaking the AWS JSON 1.0 protocol that `@aws-sdk/client-sqs` 3.11xx
 * uses (`POST /` with `X-Amz-Target: AmazonSQS.<Operation>`): SendMessage, ReceiveMessage (with
 * long polling and visibility timeouts), DeleteMessage and ChangeMessageVisibility. MD5 digests are
 * real, since the SDK checks them. Errors go out as SQS sends them: the modelled HTTP status (403
 * for `RequestThrottled` and `OverLimit`), `__type` as `com.amazonaws.sqs#Name` and the
 * `x-amzn-query-error: Code;Sender` header; {@link SqsStandIn.failNext} injects any of them.
 *
 * @module
 */
import { createHash, randomUUID } from "node:crypto";
import { SQSClient } from "@aws-sdk/client-sqs";
import {
  type JsonRpcErrorStyle,
  type JsonTargetCall,
  type JsonTargetReply,
  jsonInput,
  pause,
  StandInError,
  standInClientConfig,
  startJsonTargetServer,
} from "./http.js";

/**
 * SQS's modelled errors for the operations the stand-in serves (as the SQS API reference lists
 * them): HTTP status and the legacy query code sent in `x-amzn-query-error`. The fidelity test
 * (test/emulators/fidelity.test.ts) checks every row against the SDK's service schema.
 */
export const SQS_ERRORS = {
  InvalidAddress: { status: 404, queryCode: "InvalidAddress" },
  InvalidIdFormat: { status: 400, queryCode: "InvalidIdFormat" },
  InvalidMessageContents: { status: 400, queryCode: "InvalidMessageContents" },
  InvalidSecurity: { status: 403, queryCode: "InvalidSecurity" },
  KmsAccessDenied: { status: 400, queryCode: "KMS.AccessDeniedException" },
  KmsDisabled: { status: 400, queryCode: "KMS.DisabledException" },
  KmsInvalidKeyUsage: { status: 400, queryCode: "KMS.InvalidKeyUsageException" },
  KmsInvalidState: { status: 400, queryCode: "KMS.InvalidStateException" },
  KmsNotFound: { status: 400, queryCode: "KMS.NotFoundException" },
  KmsOptInRequired: { status: 403, queryCode: "KMS.OptInRequired" },
  KmsThrottled: { status: 400, queryCode: "KMS.ThrottlingException" },
  MessageNotInflight: { status: 400, queryCode: "AWS.SimpleQueueService.MessageNotInflight" },
  OverLimit: { status: 403, queryCode: "OverLimit" },
  QueueDoesNotExist: { status: 400, queryCode: "AWS.SimpleQueueService.NonExistentQueue" },
  ReceiptHandleIsInvalid: { status: 404, queryCode: "ReceiptHandleIsInvalid" },
  RequestThrottled: { status: 403, queryCode: "RequestThrottled" },
  UnsupportedOperation: { status: 400, queryCode: "AWS.SimpleQueueService.UnsupportedOperation" },
} as const satisfies Record<string, { status: number; queryCode: string }>;

/** The name of one of {@link SQS_ERRORS}. */
export type SqsErrorName = keyof typeof SQS_ERRORS;

/** How SQS frames its errors on the wire. */
export const SQS_ERROR_STYLE: JsonRpcErrorStyle = {
  namespace: "com.amazonaws.sqs",
  jsonVersion: "1.0",
  queryCompatible: true,
  messageKey: "message",
};

/**
 * One of SQS's modelled errors as the stand-in sends it.
 *
 * @example
 * ```ts
 * sqs.failNext(sqsError("RequestThrottled"), { operation: "ReceiveMessage" });
 * ```
 */
export function sqsError(name: SqsErrorName, message = `stand-in ${name}`): StandInError {
  const { status, queryCode } = SQS_ERRORS[name];
  return new StandInError({ status, type: name, message, queryCode });
}

/** Which calls an injected fault hits; see {@link SqsStandIn.failNext}. */
export interface SqsFaultOptions {
  /** Only this operation (e.g. `ReceiveMessage`); every operation when left out. */
  operation?: string;
  /** How many matching calls fail. Default 1. */
  times?: number;
}

interface StoredMessage {
  id: string;
  body: string;
  visibleAt: number;
  receiptHandle: string | undefined;
  receiveCount: number;
}

/** A message as {@link SqsStandIn.messages} reports it. */
export interface SqsMessageSnapshot {
  id: string;
  body: string;
  /** Whether a consumer holds it now (received, visibility timeout running). */
  inFlight: boolean;
  receiveCount: number;
}

/** A running SQS stand-in. */
export interface SqsStandIn {
  endpoint: string;
  /** A ready client with fake credentials and no SDK retries. */
  client: SQSClient;
  /** The queue URL of `name` (created on first use). */
  queueUrl(name: string): string;
  /** Puts a message on a queue, as SNS delivery would. */
  send(queueName: string, body: string): string;
  /** The messages still on a queue (not deleted). */
  messages(queueName: string): SqsMessageSnapshot[];
  /** Removes every message from a queue. */
  purge(queueName: string): void;
  /** Every request: its operation and JSON input. */
  requests: { operation: string; input: Record<string, unknown> }[];
  /**
   * Makes the next matching calls fail with `error` (see {@link sqsError}) before they touch a
   * queue. Faults queue up in the order given.
   */
  failNext(error: StandInError, options?: SqsFaultOptions): void;
  close(): Promise<void>;
}

const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");

/**
 * Starts an SQS stand-in on 127.0.0.1 port 0. Queues exist as soon as they are named.
 *
 * @example
 * ```ts
 * const sqs = await startSqs();
 * sqs.send("results", JSON.stringify({ hello: 1 }));
 * const out = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl("results") }));
 * ```
 */
export async function startSqs(): Promise<SqsStandIn> {
  const queues = new Map<string, StoredMessage[]>();
  const requests: SqsStandIn["requests"] = [];
  const faults: { error: StandInError; operation: string | undefined; left: number }[] = [];
  const takeFault = (operation: string) => {
    const fault = faults.find((f) => f.operation === undefined || f.operation === operation);
    if (!fault) return undefined;
    if (--fault.left <= 0) faults.splice(faults.indexOf(fault), 1);
    return fault.error;
  };
  const queue = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = [];
      queues.set(name, q);
    }
    return q;
  };
  const send = (name: string, body: string) => {
    const id = randomUUID();
    queue(name).push({ id, body, visibleAt: 0, receiptHandle: undefined, receiveCount: 0 });
    return id;
  };

  const serve = async (call: JsonTargetCall): Promise<JsonTargetReply> => {
    const operation = call.operation || call.target;
    const input = jsonInput(call.body);
    requests.push({ operation, input });
    const reply = (value: Record<string, unknown>) => value;
    const failWith = (error: StandInError) => error;
    const fail = (name: SqsErrorName, message: string) => failWith(sqsError(name, message));
    const fault = takeFault(operation);
    if (fault) return failWith(fault);
    const queueName =
      String(input.QueueUrl ?? "")
        .split("/")
        .pop() ?? "";
    if (!queueName) return fail("QueueDoesNotExist", "The specified queue does not exist.");
    const q = queue(queueName);
    const byHandle = () => q.find((m) => m.receiptHandle === input.ReceiptHandle);

    switch (operation) {
      case "SendMessage": {
        const body = String(input.MessageBody ?? "");
        return reply({ MessageId: send(queueName, body), MD5OfMessageBody: md5(body) });
      }
      case "ReceiveMessage": {
        const max = Math.min(Number(input.MaxNumberOfMessages ?? 1), 10);
        const visibility = Number(input.VisibilityTimeout ?? 30);
        const until = Date.now() + Number(input.WaitTimeSeconds ?? 0) * 1000;
        for (;;) {
          const now = Date.now();
          const ready = q.filter((m) => m.visibleAt <= now).slice(0, max);
          if (ready.length > 0 || now >= until) {
            for (const m of ready) {
              m.visibleAt = now + visibility * 1000;
              m.receiptHandle = randomUUID();
              m.receiveCount++;
            }
            return reply({
              Messages: ready.map((m) => ({
                MessageId: m.id,
                ReceiptHandle: m.receiptHandle,
                MD5OfBody: md5(m.body),
                Body: m.body,
                Attributes: { ApproximateReceiveCount: String(m.receiveCount) },
              })),
            });
          }
          // Long polling: look again shortly; stop when the client goes away.
          if (!(await pause(call.res, Math.min(20, until - now)))) return undefined;
        }
      }
      case "DeleteMessage": {
        const m = byHandle();
        if (!m) return fail("ReceiptHandleIsInvalid", "The receipt handle is not valid.");
        q.splice(q.indexOf(m), 1);
        return reply({});
      }
      case "ChangeMessageVisibility": {
        const m = byHandle();
        if (!m) return fail("ReceiptHandleIsInvalid", "The receipt handle is not valid.");
        m.visibleAt = Date.now() + Number(input.VisibilityTimeout ?? 0) * 1000;
        return reply({});
      }
      default:
        return fail("UnsupportedOperation", `The stand-in does not serve ${operation}.`);
    }
  };
  const running = await startJsonTargetServer(
    {
      targetPrefix: "AmazonSQS",
      jsonVersion: "1.0",
      errors: SQS_ERROR_STYLE,
      internalType: "InternalFailure",
    },
    serve,
  );
  const client = new SQSClient(standInClientConfig(running.endpoint));
  return {
    endpoint: running.endpoint,
    client,
    requests,
    failNext(error, options = {}) {
      faults.push({ error, operation: options.operation, left: options.times ?? 1 });
    },
    queueUrl: (name) => {
      queue(name);
      return `${running.endpoint}/123456789012/${name}`;
    },
    send,
    purge: (name) => {
      queue(name).length = 0;
    },
    messages: (name) =>
      queue(name).map((m) => ({
        id: m.id,
        body: m.body,
        inFlight: m.visibleAt > Date.now(),
        receiveCount: m.receiveCount,
      })),
    async close() {
      client.destroy();
      await running.close();
    },
  };
}
