/**
 * Throttling and transient errors are recognised by name before any status rule, with the AWS
 * SDK's own lists. The lists are read from the installed `@smithy/core` so that a name the SDK
 * adds later fails this test until fmops knows it too.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { isRetryableAwsError, wrapAwsError } from "../../src/core/aws.js";
import { AwsServiceError, PermissionDeniedError } from "../../src/core/errors.js";

const receive = { service: "SQS", operation: "ReceiveMessage", iamAction: "sqs:ReceiveMessage" };

/**
 * One `const NAME = [ ... ];` string-array constant from the installed SDK retry module. The
 * constants are not exported, so the module's source is read; a missing constant fails loudly.
 */
function sdkConstant(name: string): string[] {
  const file = createRequire(import.meta.url).resolve("@smithy/core/retry");
  const source = readFileSync(file, "utf8");
  const match = new RegExp(`\\b${name}\\s*=\\s*\\[([^\\]]*)\\]`).exec(source);
  if (!match) throw new Error(`${name} not found in ${file}; the SDK moved it, update this test`);
  return [...(match[1] as string).matchAll(/"([^"]+)"/g)].map((m) => m[1] as string);
}

const sdkThrottling = sdkConstant("THROTTLING_ERROR_CODES");
const sdkTransient = sdkConstant("TRANSIENT_ERROR_CODES");
const sdkNetwork = [
  ...sdkConstant("NODEJS_TIMEOUT_ERROR_CODES"),
  ...sdkConstant("NODEJS_NETWORK_ERROR_CODES"),
];

/** An error shaped like the SDK's service exceptions (name, $fault, $metadata). */
const sdkError = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(`${name} from the service`), {
    name,
    $fault: "client" as const,
    $metadata: { httpStatusCode, requestId: "req-1", attempts: 1, totalRetryDelay: 0 },
  });

describe("the SDK's classification lists as installed", () => {
  it("holds the names the issue lists (so the parsing above read the real constants)", () => {
    expect(sdkThrottling).toEqual(
      expect.arrayContaining([
        "RequestThrottled",
        "BandwidthLimitExceeded",
        "PriorRequestNotComplete",
        "LimitExceededException",
        "EC2ThrottledException",
        "TransactionInProgressException",
      ]),
    );
    expect(sdkTransient.length).toBeGreaterThan(0);
    expect(sdkNetwork).toContain("ECONNRESET");
  });
});

describe("throttling by name comes before the 403 rule", () => {
  // SQS answers RequestThrottled and OverLimit with HTTP 403; other services use 400 or 429.
  for (const name of [...sdkThrottling, "OverLimit"]) {
    for (const status of [400, 403, 429]) {
      it(`${name} with HTTP ${status} is a retryable AwsServiceError, not PERMISSION_DENIED`, () => {
        const err = sdkError(name, status);
        expect(isRetryableAwsError(err)).toBe(true);
        const wrapped = wrapAwsError(err, receive);
        expect(wrapped).toBeInstanceOf(AwsServiceError);
        expect(wrapped).not.toBeInstanceOf(PermissionDeniedError);
        expect(wrapped.retryable).toBe(true);
        expect((wrapped as AwsServiceError).details.errorName).toBe(name);
        expect(wrapped.message).toMatch(/backoff/);
      });
    }
  }
});

describe("codes the troubleshooting guide names", () => {
  it("SQS's and CloudWatch's throttles get stable AWS_ codes", () => {
    expect(wrapAwsError(sdkError("RequestThrottled", 403), receive).code).toBe(
      "AWS_REQUEST_THROTTLED",
    );
    expect(wrapAwsError(sdkError("OverLimit", 403), receive).code).toBe("AWS_OVER_LIMIT");
    expect(wrapAwsError(sdkError("Throttling", 400), receive).code).toBe("AWS_THROTTLING");
  });
});

describe("transient names and network codes from the SDK's lists", () => {
  for (const name of sdkTransient) {
    it(`${name} is retryable`, () => {
      const wrapped = wrapAwsError(sdkError(name, 400), receive);
      expect(wrapped.retryable).toBe(true);
    });
  }
  for (const code of sdkNetwork) {
    it(`network code ${code} is retryable`, () => {
      expect(isRetryableAwsError(Object.assign(new Error("socket"), { code }))).toBe(true);
    });
  }
});

describe("the 403 rule still holds for everything else", () => {
  it("an unknown name with HTTP 403 is PERMISSION_DENIED and not retryable", () => {
    const wrapped = wrapAwsError(sdkError("KmsAccessDenied", 403), receive);
    expect(wrapped).toBeInstanceOf(PermissionDeniedError);
    expect(wrapped.retryable).toBe(false);
    expect(wrapped.message).toContain("sqs:ReceiveMessage");
  });
});
