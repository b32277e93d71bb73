/**
 * Names typed on the command line or written in a model id are looked up in fixed tables; a
 * name such as `constructor` or `toString` is an unknown name there, never Object.prototype's.
 */
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { parseBedrockModelId } from "../../src/models/bedrock-model-id.js";
import { memoryIo } from "./cli-io.js";

describe("prototype names are unknown names", () => {
  it.each(["constructor", "toString", "hasOwnProperty"])(
    "fmops %s is an unknown command (exit 2)",
    async (name) => {
      const t = memoryIo();
      expect(await main([name], t.io)).toBe(2);
      expect(t.stderr()).toContain(`unknown command "${name}"`);
    },
  );

  it("a Bedrock ARN of resource type constructor is an unknown ARN", () => {
    expect(parseBedrockModelId("arn:aws:bedrock:us-east-1:123456789012:constructor/x")).toEqual({
      kind: "unknown-arn",
      arn: true,
    });
  });
});
