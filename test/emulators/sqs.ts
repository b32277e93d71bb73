/**
 * A local SQS on 127.0.0.1 speaking the AWS JSON 1.0 protocol that `@aws-sdk/client-sqs` 3.11xx
 * uses (`POST /` with `X-Amz-Target: AmazonSQS.<Operation>`): SendMessage, ReceiveMessage (with
 * long polling and visibility timeouts), DeleteMessage and ChangeMessageVisibility. MD5 digests are
 * real, since the SDK checks them.
 *
 * @module
 */
import { createHash, randomUUID } from "node:crypto";
import { SQSClient } from "@aws-sdk/client-sqs";
import { toUtf8 } from "@smithy/util-utf8";
import {
  header,
  pause,
  readBody,
  sendBody,
  sendError,
  standInClientConfig,
  standInError,
  startServer,
} from "./http.js";

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

  const running = await startServer(async (req, res, requestId) => {
    const raw = await readBody(req);
    const target = header(req.headers, "x-amz-target") ?? "";
    const operation = target.replace(/^AmazonSQS\./, "");
    const input = (raw.byteLength > 0 ? JSON.parse(toUtf8(raw)) : {}) as Record<string, unknown>;
    requests.push({ operation, input });
    const reply = (value: Record<string, unknown>) =>
      sendBody(res, requestId, JSON.stringify(value), {
        "content-type": "application/x-amz-json-1.0",
      });
    const fail = (type: string, message: string) =>
      sendError(res, standInError({ status: 400, type, message }), "message", requestId);
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
          if (!(await pause(res, Math.min(20, until - now)))) return;
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
  });
  const client = new SQSClient(standInClientConfig(running.endpoint));
  return {
    endpoint: running.endpoint,
    client,
    requests,
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
