import { describe, expect, it } from "vitest";
import { awsFlags, modelSpecParts } from "../../src/cli/flags.js";
import { ValidationError } from "../../src/core/errors.js";

describe("awsFlags", () => {
  it("maps --region and --endpoint-url to the client settings", () => {
    expect(awsFlags({ region: "eu-west-1", "endpoint-url": "http://127.0.0.1:4566" })).toEqual({
      region: "eu-west-1",
      endpoint: "http://127.0.0.1:4566",
    });
  });

  it("leaves out what was not given, so the SDK's own defaults apply", () => {
    const config = awsFlags({ region: "us-east-1" });
    expect(config).toEqual({ region: "us-east-1" });
    expect(Object.hasOwn(config, "endpoint")).toBe(false);
    expect(Object.keys(awsFlags({}))).toEqual([]);
  });
});

describe("modelSpecParts", () => {
  it("splits at the first colon, keeping the colons of a Bedrock model id", () => {
    expect(modelSpecParts("bedrock:amazon.nova-lite-v1:0", "x")).toEqual({
      kind: "bedrock",
      target: "amazon.nova-lite-v1:0",
    });
    expect(modelSpecParts("openai:http://127.0.0.1:8080/v1", "x")).toEqual({
      kind: "openai",
      target: "http://127.0.0.1:8080/v1",
    });
  });

  it("gives no kind to a spec without a colon", () => {
    expect(modelSpecParts("nova", "x")).toEqual({ kind: "", target: "nova" });
  });

  it("refuses a missing --model with the command's example", () => {
    const error = (() => {
      try {
        modelSpecParts(undefined, "bedrock:amazon.nova-canvas-v1:0");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe(
      "--model is required, e.g. --model bedrock:amazon.nova-canvas-v1:0.",
    );
  });
});
