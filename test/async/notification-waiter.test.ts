import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AsyncEndpoint } from "../../src/async/endpoint.js";
import { AsyncInferenceFailedError } from "../../src/async/errors.js";
import { NotificationWaiter } from "../../src/async/notification-waiter.js";
import { AbortedError, PermissionDeniedError, TimeoutError } from "../../src/core/errors.js";
import { type SqsErrorName, type SqsStandIn, sqsError, startSqs } from "../emulators/index.js";
import { type AsyncHarness, startAsyncHarness } from "./harness.js";

let sqs: SqsStandIn;
let h: AsyncHarness;
let endpoint: AsyncEndpoint;
const QUEUE = "async-results";

beforeAll(async () => {
  sqs = await startSqs();
  // SageMaker publishes to SNS; SNS delivers to the queue in its JSON envelope.
  h = await startAsyncHarness({
    onAsyncNotification: (notification) => {
      sqs.send(
        QUEUE,
        JSON.stringify({
          Type: "Notification",
          MessageId: crypto.randomUUID(),
          TopicArn: "arn:aws:sns:us-east-1:123456789012:async-success",
          Message: JSON.stringify(notification),
        }),
      );
    },
  });
  endpoint = new AsyncEndpoint({
    endpointName: "notified",
    inputLocation: "s3://inputs/n/",
    sagemakerRuntime: h.runtime.client,
    s3: h.s3.client,
  });
});
afterAll(async () => {
  await h.close();
  await sqs.close();
});

const newWaiter = () =>
  new NotificationWaiter({
    queueUrl: sqs.queueUrl(QUEUE),
    sqs: sqs.client,
    s3: h.s3.client,
    waitTimeSeconds: 1,
  });

describe("NotificationWaiter", () => {
  it("resolves on the success notification, deletes it, and leaves other messages visible", async () => {
    const foreign = sqs.send(
      QUEUE,
      JSON.stringify({ inferenceId: "someone-else", invocationStatus: "Completed" }),
    );
    const junk = sqs.send(QUEUE, "not a notification");
    const waiter = newWaiter();
    const invocation = await endpoint.invoke({ echo: "via sqs" }, { customAttributes: "delay=40" });
    const result = await waiter.wait(invocation, { timeoutMs: 5_000 });
    expect(result.location).toBe(invocation.outputLocation);
    expect(await result.json()).toEqual({ echo: "via sqs", ok: true });
    const left = sqs.messages(QUEUE);
    expect(left.map((m) => m.id).sort()).toEqual([foreign, junk].sort());
    expect(left.every((m) => !m.inFlight)).toBe(true);
    expect(waiter.pendingIds).toEqual([]);
    for (const m of left) expect(m.receiveCount).toBeGreaterThan(0);
  });

  it("throws AsyncInferenceFailedError on the error notification", async () => {
    drain();
    const waiter = newWaiter();
    const invocation = await endpoint.invoke({ fail: "model exploded" });
    const err = await waiter.wait(invocation, { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AsyncInferenceFailedError);
    expect(err).toMatchObject({
      inferenceId: invocation.inferenceId,
      failureLocation: invocation.failureLocation,
    });
    expect((err as AsyncInferenceFailedError).failureText).toContain("model exploded");
  });

  it("serves concurrent waits from one receive loop, each getting its own result", async () => {
    drain();
    const waiter = newWaiter();
    const invocations = await Promise.all(
      [1, 2, 3].map((i) => endpoint.invoke({ echo: i }, { customAttributes: `delay=${10 * i}` })),
    );
    const results = await Promise.all(
      invocations.map((inv) => waiter.wait(inv.inferenceId, { timeoutMs: 5_000 })),
    );
    expect(await Promise.all(results.map((r) => r.json()))).toEqual(
      [1, 2, 3].map((i) => ({ echo: i, ok: true })),
    );
    expect(sqs.messages(QUEUE)).toEqual([]);
  });

  it("times out and stops polling when nothing arrives", async () => {
    drain();
    const waiter = newWaiter();
    const err = await waiter.wait("never-announced", { timeoutMs: 80 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toContain("never-announced");
    expect(waiter.pendingIds).toEqual([]);
    const before = sqs.requests.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(sqs.requests.length).toBe(before);
  });

  // Real SQS throttles with HTTP 403 (RequestThrottled, OverLimit); the waiter must back off and
  // keep receiving, not fail as if a permission were missing.
  for (const name of ["RequestThrottled", "OverLimit"] as SqsErrorName[]) {
    it(`survives a 403 ${name} on ReceiveMessage and then receives the message`, async () => {
      drain();
      const waiter = newWaiter();
      sqs.failNext(sqsError(name), { operation: "ReceiveMessage", times: 2 });
      const before = sqs.requests.length;
      const invocation = await endpoint.invoke({ echo: name });
      const result = await waiter.wait(invocation, { timeoutMs: 10_000 });
      expect(await result.json()).toEqual({ echo: name, ok: true });
      const receives = sqs.requests.slice(before).filter((r) => r.operation === "ReceiveMessage");
      expect(receives.length).toBeGreaterThanOrEqual(3);
      expect(sqs.messages(QUEUE)).toEqual([]);
    });
  }

  it("fails at once on a 403 that is not a throttle (InvalidSecurity)", async () => {
    const waiter = newWaiter();
    sqs.failNext(sqsError("InvalidSecurity", "The request must use HTTPS"), {
      operation: "ReceiveMessage",
    });
    const err = await waiter.wait("denied", { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect((err as Error).message).toContain("sqs:ReceiveMessage");
    expect(waiter.pendingIds).toEqual([]);
  });

  it("stops with ABORTED when the signal aborts", async () => {
    const waiter = newWaiter();
    const controller = new AbortController();
    const waiting = waiter.wait("also-never", { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    expect(waiter.pendingIds).toEqual([]);
  });

  it("serves a wait that starts just after the last one ended, while the old receive is still stopping", async () => {
    drain();
    // Visibility 0: a message the stand-in hands to the abandoned long poll is offered again at once.
    const waiter = new NotificationWaiter({
      queueUrl: sqs.queueUrl(QUEUE),
      sqs: sqs.client,
      s3: h.s3.client,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 0,
    });
    // The first wait ends with its receive loop mid long poll; the next starts a fresh loop at
    // once, before the old loop's aborted request has even settled. Ending the old loop must not
    // end the new wait.
    await expect(waiter.wait("gone", { timeoutMs: 30 })).rejects.toBeInstanceOf(TimeoutError);
    const outputLocation = "s3://outputs/second.out";
    const second = waiter.wait({ inferenceId: "second", outputLocation }, { timeoutMs: 5_000 });
    sqs.send(QUEUE, JSON.stringify({ inferenceId: "second", invocationStatus: "Completed" }));
    expect((await second).location).toBe(outputLocation);
  });
});

/** Empties the queue (what the foreign messages' owners would do). */
function drain(): void {
  sqs.purge(QUEUE);
}
