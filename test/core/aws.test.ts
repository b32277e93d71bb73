import {
  AccessDeniedException,
  BedrockRuntimeClient,
  ConverseCommand,
  ThrottlingException,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import {
  InvokeEndpointCommand,
  ModelError,
  ModelNotReadyException,
  SageMakerRuntimeClient,
  ServiceUnavailable,
} from "@aws-sdk/client-sagemaker-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  isRetryableAwsError,
  wrapAwsError,
} from "../../src/core/aws.js";
import {
  AbortedError,
  AwsServiceError,
  FmopsError,
  PermissionDeniedError,
} from "../../src/core/errors.js";
import {
  type RunningServer,
  StandInError,
  sendError,
  startServer,
  testCredentials,
  testRegion,
} from "../emulators/http.js";

const converse = {
  service: "BedrockRuntime",
  operation: "Converse",
  iamAction: "bedrock:InvokeModel",
};
const invoke = {
  service: "SageMakerRuntime",
  operation: "InvokeEndpoint",
  iamAction: "sagemaker:InvokeEndpoint",
};
const metadata = (httpStatusCode: number, requestId = "req-123") => ({
  httpStatusCode,
  requestId,
  attempts: 1,
  totalRetryDelay: 0,
});

describe("wrapAwsError with real SDK exceptions", () => {
  it("wraps Bedrock ThrottlingException as a retryable AwsServiceError", () => {
    const sdk = new ThrottlingException({
      message: "Too many requests.",
      $metadata: metadata(429),
    });
    const error = wrapAwsError(sdk, converse);
    expect(error).toBeInstanceOf(AwsServiceError);
    const aws = error as AwsServiceError;
    expect(aws.code).toBe("AWS_THROTTLING_EXCEPTION");
    expect(aws.retryable).toBe(true);
    expect(aws).toMatchObject({
      service: "BedrockRuntime",
      operation: "Converse",
      requestId: "req-123",
      httpStatus: 429,
    });
    expect(aws.details.errorName).toBe("ThrottlingException");
    expect(aws.unsafeCause()).toBe(sdk);
    expect(aws.cause).toMatchObject({ name: "ThrottlingException" });
    expect(aws.message).toContain("BedrockRuntime.Converse failed (request id req-123)");
    expect(aws.message).toContain("Too many requests");
    expect(aws.message).toMatch(/backoff/);
  });

  it("wraps AccessDeniedException as PermissionDeniedError naming the IAM action", () => {
    const sdk = new AccessDeniedException({
      message: "You don't have access to the model with the specified model ID.",
      $metadata: metadata(403, "req-403"),
    });
    const error = wrapAwsError(sdk, converse);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error.code).toBe("PERMISSION_DENIED");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('"bedrock:InvokeModel"');
    expect(error.message).toContain("req-403");
    expect((error as PermissionDeniedError).details).toMatchObject({
      errorName: "AccessDeniedException",
      httpStatus: 403,
      requestId: "req-403",
    });
  });

  it("treats any 403 as permission denied, even under another error name", () => {
    const error = wrapAwsError(
      Object.assign(new Error("Forbidden"), { name: "SomethingElse", $metadata: metadata(403) }),
      invoke,
    );
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error.message).toContain("sagemaker:InvokeEndpoint");
  });

  it("wraps SageMaker ModelError (424) as non-retryable with a hint about container logs", () => {
    const sdk = new ModelError({
      message: 'Received server error (500) from primary with message "CUDA out of memory".',
      OriginalStatusCode: 500,
      LogStreamArn: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/x",
      $metadata: metadata(424, "sm-req"),
    });
    const error = wrapAwsError(sdk, invoke) as AwsServiceError;
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error.code).toBe("AWS_MODEL_ERROR");
    expect(error.retryable).toBe(false);
    expect(error.httpStatus).toBe(424);
    expect(error.requestId).toBe("sm-req");
    expect(error.message).toContain("CUDA out of memory");
    expect(error.message).toContain("CloudWatch logs");
  });

  it("uses the SageMaker Message member when message is empty", () => {
    const sdk = new ModelError({ Message: "container said no", $metadata: metadata(424) } as never);
    expect(wrapAwsError(sdk, invoke).message).toContain("container said no");
  });

  it("marks transient SageMaker errors retryable", () => {
    const unavailable = new ServiceUnavailable({ message: "try again", $metadata: metadata(503) });
    expect(wrapAwsError(unavailable, invoke)).toMatchObject({
      code: "AWS_SERVICE_UNAVAILABLE",
      retryable: true,
    });
    const loading = new ModelNotReadyException({ message: "loading", $metadata: metadata(429) });
    const error = wrapAwsError(loading, invoke);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/still loading/);
  });

  it("keeps client errors non-retryable", () => {
    const sdk = new ValidationException({ message: "maxTokens too big", $metadata: metadata(400) });
    const error = wrapAwsError(sdk, converse);
    expect(error).toMatchObject({ code: "AWS_VALIDATION_EXCEPTION", retryable: false });
    expect(error.message).toMatch(/limits/);
  });

  it("wraps a plain network error by its code as retryable", () => {
    const network = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const error = wrapAwsError(network, invoke) as AwsServiceError;
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error.code).toBe("AWS_ECONNRESET");
    expect(error.retryable).toBe(true);
    expect(error.httpStatus).toBeUndefined();
    expect(error.message).toContain("socket hang up");
  });

  it("turns an AbortError into AbortedError", () => {
    const abort = Object.assign(new Error("Request aborted"), { name: "AbortError" });
    const error = wrapAwsError(abort, converse);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error.code).toBe("ABORTED");
    expect(error.unsafeCause()).toBe(abort);
    const dom = new DOMException("This operation was aborted", "AbortError");
    expect(wrapAwsError(dom, converse)).toBeInstanceOf(AbortedError);
  });

  it("passes FmopsErrors through unchanged and survives non-errors", () => {
    const original = new FmopsError("UNEXPECTED_RESPONSE", "mine");
    expect(wrapAwsError(original, converse)).toBe(original);
    const fromString = wrapAwsError("weird", converse);
    expect(fromString).toBeInstanceOf(AwsServiceError);
    expect(fromString.code).toBe("AWS_UNKNOWN_ERROR");
    expect(wrapAwsError(undefined, converse)).toBeInstanceOf(FmopsError);
  });

  it("redacts secrets and long bodies in the message", () => {
    const body = `token Bearer abcdefghijklmnop ${"z".repeat(5_000)}`;
    const error = wrapAwsError(
      Object.assign(new Error(body), { name: "ValidationException", $metadata: metadata(400) }),
      converse,
    );
    expect(error.message).not.toContain("abcdefghijklmnop");
    expect(error.message).not.toContain("z".repeat(201));
  });
});

describe("isRetryableAwsError", () => {
  it("classifies by name, status, $retryable and network code", () => {
    expect(isRetryableAwsError({ name: "Throttling" })).toBe(true);
    expect(isRetryableAwsError({ name: "X", $metadata: { httpStatusCode: 502 } })).toBe(true);
    expect(isRetryableAwsError({ name: "X", $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isRetryableAwsError({ name: "X", $retryable: {} })).toBe(true);
    expect(isRetryableAwsError({ name: "X", $metadata: { httpStatusCode: 404 } })).toBe(false);
    expect(isRetryableAwsError({ code: "ETIMEDOUT" })).toBe(true);
    expect(isRetryableAwsError({ code: "EACCES" })).toBe(false);
    expect(
      isRetryableAwsError(new FmopsError("UNEXPECTED_RESPONSE", "x", { retryable: true })),
    ).toBe(true);
    expect(isRetryableAwsError(new FmopsError("UNEXPECTED_RESPONSE", "x"))).toBe(false);
    expect(isRetryableAwsError(null)).toBe(false);
  });
});

describe("wrapAwsError on errors thrown by real clients", () => {
  let server: RunningServer;
  let status = 403;
  let type = "AccessDeniedException";

  beforeAll(async () => {
    server = await startServer(async (req, res, requestId) => {
      for await (const _ of req); // drain the body
      sendError(
        res,
        new StandInError({ status, type, message: `stand-in says ${type}` }),
        "message",
        requestId,
      );
    });
  });
  afterAll(() => server.close());

  it("maps a Bedrock 403 from the wire to PermissionDeniedError with the request id", async () => {
    status = 403;
    type = "AccessDeniedException";
    const client = new BedrockRuntimeClient({
      region: testRegion,
      credentials: testCredentials,
      endpoint: server.endpoint,
      requestHandler: new NodeHttpHandler(),
      maxAttempts: 1,
    });
    const err = await client
      .send(
        new ConverseCommand({
          modelId: "m",
          messages: [{ role: "user", content: [{ text: "hi" }] }],
        }),
      )
      .catch((e: unknown) => e);
    const error = wrapAwsError(err, converse);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as PermissionDeniedError).details?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).toContain("stand-in says AccessDeniedException");
  });

  it("maps a SageMaker throttle from the wire to a retryable AwsServiceError", async () => {
    status = 429;
    type = "ThrottlingException";
    const client = new SageMakerRuntimeClient({
      region: testRegion,
      credentials: testCredentials,
      endpoint: server.endpoint,
      maxAttempts: 1,
    });
    const err = await client
      .send(new InvokeEndpointCommand({ EndpointName: "e", Body: new TextEncoder().encode("{}") }))
      .catch((e: unknown) => e);
    const error = wrapAwsError(err, invoke) as AwsServiceError;
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ retryable: true, httpStatus: 429 });
    expect(error.code).toBe("AWS_THROTTLING_EXCEPTION");
  });
});

describe("AWS client options", () => {
  const schema = z.object({
    ...awsClientConfigShape,
    client: awsClientSchema<BedrockRuntimeClient>("BedrockRuntimeClient").optional(),
  });

  it("accepts region, credentials (static or provider), endpoint, maxAttempts and a ready client", () => {
    const client = new BedrockRuntimeClient({ region: testRegion, credentials: testCredentials });
    const provider = async () => testCredentials;
    expect(
      schema.parse({
        region: "us-east-1",
        credentials: testCredentials,
        endpoint: "http://127.0.0.1:1",
        maxAttempts: 2,
        client,
      }).client,
    ).toBe(client);
    expect(schema.safeParse({ credentials: provider }).success).toBe(true);
  });

  it("rejects bad values", () => {
    expect(schema.safeParse({ endpoint: "not a url" }).success).toBe(false);
    expect(schema.safeParse({ credentials: { accessKeyId: "" } }).success).toBe(false);
    expect(schema.safeParse({ maxAttempts: 0 }).success).toBe(false);
    expect(schema.safeParse({ client: {} }).success).toBe(false);
    expect(schema.safeParse({ region: "" }).success).toBe(false);
  });

  it("clientConfigFrom keeps only the defined client fields", () => {
    expect(
      clientConfigFrom({
        region: "eu-west-1",
        endpoint: undefined,
        extra: 1,
      } as Parameters<typeof clientConfigFrom>[0]),
    ).toEqual({ region: "eu-west-1" });
    expect(clientConfigFrom({ maxAttempts: 5, credentials: testCredentials })).toEqual({
      maxAttempts: 5,
      credentials: testCredentials,
    });
  });
});
