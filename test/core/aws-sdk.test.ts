import { describe, expect, it } from "vitest";
import { awsSdkPackage, kendraSdk, lazyAwsClient, s3Sdk } from "../../src/core/aws-sdk.js";
import { MissingDependencyError } from "../../src/core/errors.js";

// A package name that is never installed, imported through a variable so the compiler allows it.
const NOT_INSTALLED = "@aws-sdk/client-fmops-test-not-installed";
const notInstalled = awsSdkPackage<{ Client: new () => object }>(
  NOT_INSTALLED,
  () => import(/* @vite-ignore */ NOT_INSTALLED),
);

describe("AWS SDK packages", () => {
  it("imports a client package with its client and command classes", async () => {
    const sdk = await s3Sdk.load("test");
    expect(s3Sdk.name).toBe("@aws-sdk/client-s3");
    expect(typeof sdk.S3Client).toBe("function");
    expect(new sdk.GetObjectCommand({ Bucket: "b", Key: "k" }).input).toEqual({
      Bucket: "b",
      Key: "k",
    });
  });

  it("turns a missing package into MISSING_DEPENDENCY with the npm install command", async () => {
    const error = await notInstalled.load("KendraRetriever").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    const missing = error as MissingDependencyError;
    expect(missing.packageName).toBe(NOT_INSTALLED);
    expect(missing.message).toContain("KendraRetriever");
    expect(missing.message).toContain(`npm install ${NOT_INSTALLED}`);
    expect(missing.retryable).toBe(false);
  });
});

describe("lazyAwsClient", () => {
  it("builds nothing until first used, then builds one client and reuses it", async () => {
    let built = 0;
    const get = lazyAwsClient(kendraSdk, "KendraRetriever", undefined, (sdk) => {
      built++;
      return new sdk.KendraClient({ region: "us-east-1" });
    });
    expect(built).toBe(0);
    const [first, second] = await Promise.all([get(), get()]);
    expect(built).toBe(1);
    expect(first.client).toBe(second.client);
    expect(first.client).toBeInstanceOf(first.sdk.KendraClient);
    expect(typeof first.sdk.RetrieveCommand).toBe("function");
    first.client.destroy();
  });

  it("uses the caller's client and still loads the command classes", async () => {
    const given = { send: async () => ({}) };
    const get = lazyAwsClient(kendraSdk, "KendraRetriever", given, () => {
      throw new Error("must not build a client when one is given");
    });
    const { sdk, client } = await get();
    expect(client).toBe(given);
    expect(typeof sdk.QueryCommand).toBe("function");
  });

  it("reports a missing package on each call instead of remembering the failure", async () => {
    let built = 0;
    const get = lazyAwsClient(notInstalled, "KendraRetriever", undefined, (sdk) => {
      built++;
      return new sdk.Client();
    });
    await expect(get()).rejects.toMatchObject({ code: "MISSING_DEPENDENCY" });
    await expect(get()).rejects.toMatchObject({
      code: "MISSING_DEPENDENCY",
      packageName: NOT_INSTALLED,
    });
    expect(built).toBe(0);
  });
});
