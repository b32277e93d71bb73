import { describe, expect, it } from "vitest";
import { awsPages, signalledAwsCall } from "../../src/core/aws-call.js";
import { AwsServiceError, TimeoutError } from "../../src/core/errors.js";

const context = { service: "Glue", operation: "GetTables", iamAction: "glue:GetTables" };

/** Pages like an AWS SDK paginator: an async generator that sends one request per page. */
async function* pagesOf(pages: (string[] | Error)[], log: string[]) {
  try {
    for (const page of pages) {
      log.push("request");
      if (page instanceof Error) throw page;
      yield { Items: page };
    }
  } finally {
    log.push("released");
  }
}

describe("awsPages", () => {
  it("yields every page of a paginator in order", async () => {
    const log: string[] = [];
    const seen: string[] = [];
    for await (const page of awsPages(
      new AbortController().signal,
      context,
      pagesOf([["a", "b"], ["c"], []], log),
    )) {
      seen.push(...page.Items);
    }
    expect(seen).toEqual(["a", "b", "c"]);
    expect(log).toEqual(["request", "request", "request", "released"]);
  });

  it("wraps a page's SDK error like awsCall, naming the operation", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), {
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 400, requestId: "req-1" },
    });
    const pages = awsPages(new AbortController().signal, context, pagesOf([["a"], throttled], []));
    const error = await (async () => {
      for await (const _ of pages);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({
      retryable: true,
      message: expect.stringContaining("Glue.GetTables failed (request id req-1)"),
    });
  });

  it("releases the paginator when the caller stops early", async () => {
    const log: string[] = [];
    for await (const _ of awsPages(
      new AbortController().signal,
      context,
      pagesOf([["a"], ["b"]], log),
    )) {
      break;
    }
    expect(log).toEqual(["request", "released"]);
  });

  it("throws the deadline's error, not the SDK's AbortError, once the signal has aborted", async () => {
    const controller = new AbortController();
    const timeout = new TimeoutError("Timed out after 5 ms reading the Glue Data Catalog.", 5);
    async function* aborting() {
      yield { Items: ["a"] };
      controller.abort(timeout);
      throw Object.assign(new Error("The operation was aborted"), { name: "AbortError" });
    }
    const error = await (async () => {
      for await (const _ of awsPages(controller.signal, context, aborting()));
    })().catch((e: unknown) => e);
    expect(error).toBe(timeout);
  });
});

describe("signalledAwsCall", () => {
  it("passes results through and replaces errors after an abort with the signal's reason", async () => {
    const controller = new AbortController();
    await expect(signalledAwsCall(controller.signal, context, async () => 42)).resolves.toBe(42);
    const timeout = new TimeoutError("late", 5);
    controller.abort(timeout);
    await expect(
      signalledAwsCall(controller.signal, context, async () => {
        throw new Error("socket closed");
      }),
    ).rejects.toBe(timeout);
  });
});
