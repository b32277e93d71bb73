import { Console } from "node:console";
import { Writable } from "node:stream";
import { inspect } from "node:util";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterEach, describe, expect, it } from "vitest";
import { awsCall } from "../../src/core/aws.js";
import { FmopsError, PermissionDeniedError } from "../../src/core/errors.js";
import {
  type FaultProxy,
  type S3StandIn,
  type SageMakerRuntimeStandIn,
  standInError,
  startFaultProxy,
  startS3,
  startSageMakerRuntime,
  testRegion,
} from "../emulators/index.js";

const AKID = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SESSION =
  "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDf3ZmlvxkmOkQ7TBXq7bG9v3a0QqSESSION";
const credentials = { accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: SESSION };

/** Everything a user may print an error with: each must be free of `secrets`. */
function printed(err: unknown): Record<string, string> {
  let consoleText = "";
  const sink = new Writable({
    write(chunk, _encoding, done) {
      consoleText += String(chunk);
      done();
    },
  });
  new Console({ stdout: sink, stderr: sink }).error(err);
  const e = err as Error;
  return {
    "util.inspect": inspect(err),
    "util.inspect (deep, hidden)": inspect(err, {
      depth: Number.POSITIVE_INFINITY,
      showHidden: true,
    }),
    "util.inspect (no custom inspect)": inspect(err, { depth: 10, customInspect: false }),
    "console.error": consoleText,
    String: String(err),
    stack: String(e.stack),
    message: e.message,
    "JSON.stringify": JSON.stringify(err),
  };
}

function expectPrintsNoSecret(err: unknown, secrets: string[]): void {
  for (const [how, text] of Object.entries(printed(err))) {
    for (const secret of secrets) expect(text, `${how} shows ${secret}`).not.toContain(secret);
  }
}

let sm: SageMakerRuntimeStandIn | undefined;
let s3: S3StandIn | undefined;
let proxy: FaultProxy | undefined;
const clients: { destroy(): void }[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await proxy?.close();
  await sm?.close();
  await s3?.close();
  proxy = undefined;
  sm = undefined;
  s3 = undefined;
});

describe("FmopsError: safe to print", () => {
  it("keeps the raw cause behind unsafeCause() and shows a redacted summary as cause", () => {
    const raw = Object.assign(new Error(`denied for x-amz-security-token: ${SESSION}`), {
      name: "ExpiredTokenException",
      $fault: "client",
      $metadata: { httpStatusCode: 403, requestId: "req-1", attempts: 1 },
      Credentials: { SecretAccessKey: SECRET },
    });
    const err = new FmopsError("UNEXPECTED_RESPONSE", "It failed. Do Y.", { cause: raw });
    expect(err.unsafeCause()).toBe(raw);
    expect(err.cause).toMatchObject({
      name: "ExpiredTokenException",
      $fault: "client",
      $metadata: { httpStatusCode: 403, requestId: "req-1", attempts: 1 },
    });
    expectPrintsNoSecret(err, [SESSION.slice(0, 24), SECRET]);
    expect(inspect(err)).toContain("ExpiredTokenException");
    expect(inspect(err)).toContain("req-1");
    expect(JSON.parse(JSON.stringify(err))).toMatchObject({
      name: "FmopsError",
      code: "UNEXPECTED_RESPONSE",
      message: "It failed. Do Y.",
      retryable: false,
      cause: { name: "ExpiredTokenException" },
    });
  });

  it("redacts its own message, and causes nested in causes", () => {
    const inner = new Error(`aws_session_token=${SESSION}`);
    const outer = new Error("wrapper", { cause: inner });
    const err = new FmopsError(
      "UNEXPECTED_RESPONSE",
      `failed with Authorization: Bearer ${SESSION}`,
      {
        cause: outer,
      },
    );
    expect(err.message).not.toContain(SESSION.slice(0, 24));
    expectPrintsNoSecret(err, [SESSION.slice(0, 24)]);
  });

  it("keeps an FmopsError cause as it is: it is already safe", () => {
    const inner = new FmopsError("NETWORK_ERROR", "inner");
    expect(new FmopsError("UNEXPECTED_ERROR", "outer", { cause: inner }).cause).toBe(inner);
  });

  it("does not print long payloads echoed in a cause", () => {
    const prompt = `Summarize this contract: ${"clause ".repeat(800)}`;
    const err = new FmopsError("UNEXPECTED_RESPONSE", "failed", {
      cause: Object.assign(new Error(`Input is too long: ${prompt}`), {
        name: "ValidationException",
      }),
    });
    for (const text of Object.values(printed(err)))
      expect(text).not.toContain("clause ".repeat(60));
  });
});

describe("AWS errors through the real SDK clients", () => {
  it("an SDK error that echoes the session token and keys prints none of them", async () => {
    sm = await startSageMakerRuntime({
      invokeEndpoint: (request) =>
        standInError({
          status: 400,
          type: "ValidationError",
          message: `Request rejected; headers were x-amz-security-token: ${request.headers["x-amz-security-token"]}`,
          extra: { Authorization: request.headers.authorization, PromptEcho: "p".repeat(5_000) },
        }),
    });
    const client = new SageMakerRuntimeClient({
      region: testRegion,
      endpoint: sm.endpoint,
      credentials,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
    clients.push(client);
    const err = await awsCall({ service: "SageMakerRuntime", operation: "InvokeEndpoint" }, () =>
      client.send(new InvokeEndpointCommand({ EndpointName: "ep", Body: "{}" })),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FmopsError);
    const raw = JSON.stringify((err as FmopsError).unsafeCause());
    // The raw SDK error really carries the secrets: the checks below have something to catch.
    expect(raw).toContain(SESSION.slice(0, 24));
    expect(raw).toContain(AKID);
    expectPrintsNoSecret(err, [SESSION.slice(0, 24), AKID, "p".repeat(300)]);
    expect(inspect(err)).toContain("ValidationError");
  });

  it("S3 SignatureDoesNotMatch (StringToSign, CanonicalRequest, SignatureProvided) prints none of them", async () => {
    s3 = await startS3({ buckets: ["b"] });
    // s3rver checks only SigV2 signatures, so the proxy answers the way S3 does for a SigV4
    // request signed with the wrong secret: the canonical request, with the token, echoed back.
    proxy = await startFaultProxy(s3.endpoint, (request) => {
      const authorization = String(request.headers.authorization);
      const token = String(request.headers["x-amz-security-token"]);
      const signature = /Signature=([0-9a-f]+)/.exec(authorization)?.[1] ?? "";
      const canonical = `GET\n${request.path}\n\nhost:${request.headers.host}\nx-amz-security-token:${token}\n\nhost;x-amz-security-token\nUNSIGNED-PAYLOAD`;
      const stringToSign = `AWS4-HMAC-SHA256\n${request.headers["x-amz-date"]}\n20240101/us-east-1/s3/aws4_request\n${"ab".repeat(32)}`;
      const hex = (s: string) => Buffer.from(s).toString("hex").replace(/(..)/g, "$1 ").trim();
      return {
        status: 403,
        headers: { "content-type": "application/xml" },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><AWSAccessKeyId>${AKID}</AWSAccessKeyId><StringToSign>${stringToSign}</StringToSign><SignatureProvided>${signature}</SignatureProvided><StringToSignBytes>${hex(stringToSign)}</StringToSignBytes><CanonicalRequest>${canonical}</CanonicalRequest><CanonicalRequestBytes>${hex(canonical)}</CanonicalRequestBytes><RequestId>R1</RequestId><HostId>H1</HostId></Error>`,
      };
    });
    const client = new S3Client({
      region: testRegion,
      endpoint: proxy.endpoint,
      forcePathStyle: true,
      credentials: { ...credentials, secretAccessKey: "not-the-right-secret" },
      maxAttempts: 1,
    });
    clients.push(client);
    const err = await awsCall(
      { service: "S3", operation: "GetObject", iamAction: "s3:GetObject" },
      () => client.send(new GetObjectCommand({ Bucket: "b", Key: "k" })),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    const raw = (err as FmopsError).unsafeCause() as Record<string, unknown>;
    const signature = String(raw.SignatureProvided);
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(String(raw.CanonicalRequest)).toContain(SESSION);
    expectPrintsNoSecret(err, [
      SESSION.slice(0, 24),
      AKID,
      signature,
      "ab".repeat(32),
      "x-amz-security-token:",
    ]);
    expect(inspect(err)).toContain("SignatureDoesNotMatch");
  });

  it("s3rver's InvalidAccessKeyId echo of the key id prints no key id", async () => {
    s3 = await startS3({ buckets: ["b"] });
    const client = new S3Client({
      region: testRegion,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials,
      maxAttempts: 1,
    });
    clients.push(client);
    const err = await awsCall({ service: "S3", operation: "GetObject" }, () =>
      client.send(new GetObjectCommand({ Bucket: "b", Key: "k" })),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FmopsError);
    expect(JSON.stringify((err as FmopsError).unsafeCause())).toContain(AKID);
    expectPrintsNoSecret(err, [AKID]);
  });
});
