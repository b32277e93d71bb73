import { describe, expect, it } from "vitest";
import { awsFlags } from "../../src/cli/flags.js";

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
