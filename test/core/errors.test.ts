import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AbortedError,
  AwsServiceError,
  FmopsError,
  isFmopsError,
  MissingDependencyError,
  PermissionDeniedError,
  redact,
  TimeoutError,
  ValidationError,
} from "../../src/core/errors.js";

describe("FmopsError", () => {
  it("carries code, message, retryable and cause", () => {
    const cause = new Error("root");
    const error = new FmopsError("UNEXPECTED_RESPONSE", "It broke. Do X.", {
      retryable: true,
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(FmopsError);
    expect(error.name).toBe("FmopsError");
    expect(error.code).toBe("UNEXPECTED_RESPONSE");
    expect(error.message).toBe("It broke. Do X.");
    expect(error.retryable).toBe(true);
    expect(error.unsafeCause()).toBe(cause);
    expect(error.cause).toEqual({ name: "Error", message: "root" });
    expect(error.stack).toContain("errors.test.ts");
  });

  it("is not retryable and has no cause unless told", () => {
    const error = new FmopsError("UNEXPECTED_RESPONSE", "m");
    expect(error.retryable).toBe(false);
    expect("cause" in error).toBe(false);
  });

  it("subclasses keep their own names, codes and fixed retryability", () => {
    const validation = new ValidationError("bad", [{ path: "a.b", message: "required" }], {
      retryable: true,
    });
    expect(validation).toBeInstanceOf(FmopsError);
    expect(validation.name).toBe("ValidationError");
    expect(validation.code).toBe("VALIDATION_ERROR");
    expect(validation.retryable).toBe(false);
    expect(validation.issues).toEqual([{ path: "a.b", message: "required" }]);

    const timeout = new TimeoutError("slow", 500);
    expect(timeout).toMatchObject({ name: "TimeoutError", code: "TIMEOUT", retryable: true });
    expect(timeout.timeoutMs).toBe(500);
    const idle = new TimeoutError("idle", 30, { code: "STREAM_IDLE_TIMEOUT", retryable: false });
    expect(idle).toMatchObject({ code: "STREAM_IDLE_TIMEOUT", retryable: false, timeoutMs: 30 });

    const reason = new Error("user left");
    const aborted = new AbortedError(undefined, { cause: reason });
    expect(aborted).toMatchObject({ name: "AbortedError", code: "ABORTED", retryable: false });
    expect(aborted.message).toMatch(/aborted/);
    expect(aborted.unsafeCause()).toBe(reason);

    const denied = new PermissionDeniedError("no", {
      details: { service: "S3", operation: "GetObject", errorName: "AccessDenied" },
    });
    expect(denied).toMatchObject({ code: "PERMISSION_DENIED", retryable: false });
    expect(denied.details?.operation).toBe("GetObject");

    const missing = new MissingDependencyError("@duckdb/node-api", "DuckDbEngine");
    expect(missing).toMatchObject({ code: "MISSING_DEPENDENCY", packageName: "@duckdb/node-api" });
    expect(missing.message).toContain("npm install @duckdb/node-api");
    expect(missing.message).toContain("DuckDbEngine");
  });

  it("AwsServiceError derives an upper-snake code and exposes the call details", () => {
    const error = new AwsServiceError(
      "failed",
      {
        service: "BedrockRuntime",
        operation: "Converse",
        errorName: "ThrottlingException",
        requestId: "req-1",
        httpStatus: 429,
      },
      { retryable: true },
    );
    expect(error.code).toBe("AWS_THROTTLING_EXCEPTION");
    expect(error).toMatchObject({
      service: "BedrockRuntime",
      operation: "Converse",
      requestId: "req-1",
      httpStatus: 429,
      retryable: true,
    });
    const odd = new AwsServiceError("x", {
      service: "S",
      operation: "O",
      errorName: "Not-Found.Thing",
    });
    expect(odd.code).toBe("AWS_NOT_FOUND_THING");
  });
});

describe("isFmopsError", () => {
  it("accepts FmopsErrors and look-alikes from another copy of the package", () => {
    expect(isFmopsError(new ValidationError("x"))).toBe(true);
    const foreign = Object.assign(new Error("other copy"), { code: "X", retryable: false });
    expect(isFmopsError(foreign)).toBe(true);
  });

  it("rejects everything else", () => {
    expect(isFmopsError(new Error("plain"))).toBe(false);
    expect(isFmopsError(Object.assign(new Error("net"), { code: "ECONNRESET" }))).toBe(false);
    expect(isFmopsError({ code: "X", retryable: true, message: "not an Error" })).toBe(false);
    expect(isFmopsError(undefined)).toBe(false);
    expect(isFmopsError("X")).toBe(false);
  });
});

describe("redact", () => {
  it("removes presigned URL signatures, credentials and security tokens", () => {
    const url =
      "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101&X-Amz-Security-Token=FwoGZXIvYXdzEBYaD&X-Amz-Signature=3f1c0a9e8b7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d";
    const out = redact(url);
    expect(out).toContain("X-Amz-Signature=[redacted]");
    expect(out).toContain("X-Amz-Credential=[redacted]");
    expect(out).toContain("X-Amz-Security-Token=[redacted]");
    expect(out).not.toContain("3f1c0a9e");
    expect(out).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(out).not.toContain("FwoGZXIvYXdzEBYaD");
    expect(out).toContain("X-Amz-Algorithm=AWS4-HMAC-SHA256");
  });

  it("removes SigV4 header signatures, access key ids, secret keys and bearer tokens", () => {
    const header =
      "Credential=x/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";
    expect(redact(header)).toContain("Signature=[redacted]");
    expect(redact(header)).not.toContain("fe5f80f7");
    expect(redact("key ASIAXXXXXXXXXXXXXXXX used")).toBe("key [redacted-access-key] used");
    expect(redact("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).toBe(
      "aws_secret_access_key = [redacted]",
    );
    expect(redact('{"secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}')).not.toContain(
      "wJalrXUtnFEMI",
    );
    expect(redact("Authorization: Bearer sk-abc123def456.ghi")).toBe(
      "Authorization: Bearer [redacted]",
    );
  });

  it("leaves ordinary text alone", () => {
    const text = "Endpoint my-endpoint is not found in us-east-1. SignedHeaders=host";
    expect(redact(text)).toBe(text);
    // A value named Signature is removed whatever its length: SigV2 signatures are short base64.
    expect(redact("Signature=short")).toBe("Signature=[redacted]");
  });

  it("shortens long text to 200 characters plus a note of what was cut", () => {
    const long = "x".repeat(1_000);
    const out = redact(long);
    expect(out.startsWith("x".repeat(200))).toBe(true);
    expect(out).not.toContain("x".repeat(201));
    expect(out).toContain("800 more characters");
    expect(redact("y".repeat(200))).toBe("y".repeat(200));
    expect(redact("abcdef", 3)).toBe("abc… (3 more characters)");
  });

  it("never returns a secret or more than the limit of the original text", () => {
    const secret = "AKIA" + "ABCDEFGHIJKLMNOP";
    fc.assert(
      fc.property(fc.string(), fc.string(), (before, after) => {
        const out = redact(`${before} ${secret} ${after}`);
        expect(out).not.toContain(secret);
        const quoted = out.replace(/… \(\d+ more characters\)$/, "");
        expect(quoted.length).toBeLessThanOrEqual(200);
      }),
    );
  });
});
