import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAsyncNotification } from "../../src/async/notification.js";

const success = {
  awsRegion: "us-east-1",
  eventTime: "2024-05-01T10:00:01.000Z",
  receivedTime: "2024-05-01T10:00:00.000Z",
  invocationStatus: "Completed",
  requestParameters: { endpointName: "ep", inputLocation: "s3://b/in/x" },
  responseParameters: { contentType: "application/json", outputLocation: "s3://b/out/x.out" },
  inferenceId: "abc",
  eventVersion: "1.0",
  eventSource: "aws:sagemaker",
  eventName: "InferenceResult",
};

describe("parseAsyncNotification", () => {
  it("reads a raw notification and one wrapped in an SNS envelope alike", () => {
    const raw = parseAsyncNotification(JSON.stringify(success));
    const wrapped = parseAsyncNotification(
      JSON.stringify({ Type: "Notification", MessageId: "m", Message: JSON.stringify(success) }),
    );
    expect(raw).toEqual(wrapped);
    expect(raw).toMatchObject({
      inferenceId: "abc",
      succeeded: true,
      outputLocation: "s3://b/out/x.out",
      contentType: "application/json",
      endpointName: "ep",
    });
  });

  it("reads failures with their reason", () => {
    const failed = parseAsyncNotification(
      JSON.stringify({
        ...success,
        invocationStatus: "Failed",
        failureReason: "ClientError: boom",
        responseParameters: { failureLocation: "s3://b/fail/x" },
      }),
    );
    expect(failed).toMatchObject({
      succeeded: false,
      failureReason: "ClientError: boom",
      failureLocation: "s3://b/fail/x",
    });
  });

  it("returns undefined, never throws, for other messages (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (body) => {
        const parsed = parseAsyncNotification(body);
        if (parsed) expect(typeof parsed.inferenceId).toBe("string");
      }),
    );
    expect(parseAsyncNotification('{"Type":"Notification","Message":"not json"}')).toBeUndefined();
    expect(parseAsyncNotification('{"inferenceId":"x"}')).toBeUndefined();
  });
});
