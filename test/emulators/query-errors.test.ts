/**
 * SQS and CloudWatch are query-compatible JSON services: their errors carry an
 * `x-amzn-query-error: Code;Sender|Receiver` header that the SDK reads before the body. These
 * tests send such errors from the stand-ins through the real clients and check what the SDK
 * reports (class, name, `Code`, `Type`, status) and how fmops maps it.
 */
import {
  CloudWatchServiceException,
  InternalServiceFault,
  InvalidParameterValueException,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  OverLimit,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  RequestThrottled,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wrapAwsError } from "../../src/core/aws.js";
import { AwsServiceError, PermissionDeniedError } from "../../src/core/errors.js";
import {
  type CloudWatchStandIn,
  cloudWatchError,
  cloudWatchThrottle,
  startCloudWatch,
} from "./cloudwatch.js";
import { type SqsStandIn, sqsError, startSqs } from "./sqs.js";

interface QueryCompatFields {
  name: string;
  Code?: string;
  Type?: string;
  $metadata: { httpStatusCode?: number };
}

let sqs: SqsStandIn;
let cw: CloudWatchStandIn;
beforeAll(async () => {
  [sqs, cw] = await Promise.all([startSqs(), startCloudWatch()]);
});
afterAll(async () => {
  await Promise.all([sqs.close(), cw.close()]);
});

const receive = () =>
  sqs.client
    .send(new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl("q") }))
    .catch((e: unknown) => e as QueryCompatFields);
const put = (value: number) =>
  cw.client
    .send(
      new PutMetricDataCommand({
        Namespace: "App",
        MetricData: [{ MetricName: "m", Value: value }],
      }),
    )
    .catch((e: unknown) => e as QueryCompatFields);
const sqsCall = { service: "SQS", operation: "ReceiveMessage", iamAction: "sqs:ReceiveMessage" };
const cwCall = {
  service: "CloudWatch",
  operation: "PutMetricData",
  iamAction: "cloudwatch:PutMetricData",
};

describe("SQS errors with x-amzn-query-error", () => {
  it("QueueDoesNotExist: the SDK finds the class from the legacy code and reports Code and Type", async () => {
    sqs.failNext(sqsError("QueueDoesNotExist", "The specified queue does not exist."));
    const err = await receive();
    expect(err).toBeInstanceOf(QueueDoesNotExist);
    expect(err).toMatchObject({
      name: "QueueDoesNotExist",
      Code: "AWS.SimpleQueueService.NonExistentQueue",
      Type: "Sender",
      $metadata: { httpStatusCode: 400 },
    });
    const wrapped = wrapAwsError(err, sqsCall);
    expect(wrapped).toBeInstanceOf(AwsServiceError);
    expect(wrapped.retryable).toBe(false);
    expect(wrapped.message).toContain("The specified queue does not exist");
  });

  it("RequestThrottled and OverLimit arrive as 403 and fmops maps them to retryable throttles", async () => {
    for (const [name, ctor] of [
      ["RequestThrottled", RequestThrottled],
      ["OverLimit", OverLimit],
    ] as const) {
      sqs.failNext(sqsError(name));
      const err = await receive();
      expect(err).toBeInstanceOf(ctor);
      expect(err).toMatchObject({ name, Code: name, $metadata: { httpStatusCode: 403 } });
      const wrapped = wrapAwsError(err, sqsCall);
      expect(wrapped).toBeInstanceOf(AwsServiceError);
      expect(wrapped).not.toBeInstanceOf(PermissionDeniedError);
      expect(wrapped.retryable).toBe(true);
    }
  });

  it("a fault aimed at one operation leaves the others alone", async () => {
    sqs.failNext(sqsError("RequestThrottled"), { operation: "SendMessage" });
    const out = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl("q") }));
    expect(out.Messages ?? []).toEqual([]);
    const err = await sqs.client
      .send(new SendMessageCommand({ QueueUrl: sqs.queueUrl("q"), MessageBody: "x" }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestThrottled);
  });
});

describe("CloudWatch errors with x-amzn-query-error", () => {
  it("a rejected datum is InvalidParameterValueException with Code InvalidParameterValue", async () => {
    const err = await put(Number.NaN);
    expect(err).toBeInstanceOf(InvalidParameterValueException);
    expect(err).toMatchObject({
      Code: "InvalidParameterValue",
      Type: "Sender",
      $metadata: { httpStatusCode: 400 },
    });
    expect(wrapAwsError(err, cwCall).retryable).toBe(false);
  });

  it("the unmodelled Throttling code surfaces under that name and is retryable", async () => {
    cw.failNext(cloudWatchThrottle());
    const err = await put(1);
    expect(err).toBeInstanceOf(CloudWatchServiceException);
    expect(err).toMatchObject({ name: "Throttling", Code: "Throttling", Type: "Sender" });
    const wrapped = wrapAwsError(err, cwCall);
    expect(wrapped.retryable).toBe(true);
    expect(wrapped.message).toMatch(/backoff/);
  });

  it("InternalServiceFault is a 500 with the Receiver fault and is retryable", async () => {
    cw.failNext(cloudWatchError("InternalServiceFault", "try again"));
    const err = await put(1);
    expect(err).toBeInstanceOf(InternalServiceFault);
    expect(err).toMatchObject({
      Code: "InternalServiceError",
      Type: "Receiver",
      $metadata: { httpStatusCode: 500 },
    });
    expect(wrapAwsError(err, cwCall).retryable).toBe(true);
  });
});
