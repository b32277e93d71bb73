import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { inferenceOptionsSchema } from "../../src/core/inference-options.js";
import { parseOptions } from "../../src/core/options.js";
import { chatModelSchema } from "../../src/models/schema.js";
import { FakeChatModel } from "../../src/testing/index.js";
import { Text2Sql } from "../../src/text2sql/index.js";

describe("chatModelSchema", () => {
  it("accepts any object with generate(), and asks for stream() only when told to", () => {
    const generateOnly = { generate: async () => ({}) };
    expect(parseOptions(chatModelSchema(), generateOnly, "x")).toBe(generateOnly);
    expect(() => parseOptions(chatModelSchema(true), generateOnly, "x")).toThrow(
      /must be a ChatModel \(an object with generate\(\) and stream\(\)\)/,
    );
    const fake = new FakeChatModel({ responses: ["hi"] });
    expect(parseOptions(chatModelSchema(true), fake, "x")).toBe(fake);
  });

  it("names the option in every module that takes a model", () => {
    const attempt = () =>
      new Text2Sql({
        model: "anthropic.claude" as never,
        engine: {} as never,
        catalog: {} as never,
      });
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(/model: must be a ChatModel \(an object with generate\(\)\)/);
  });
});

describe("inferenceOptionsSchema", () => {
  it("takes maxTokens, temperature and topP within range, and nothing else", () => {
    expect(
      parseOptions(inferenceOptionsSchema, { maxTokens: 5, temperature: 0, topP: 1 }, "x"),
    ).toEqual({
      maxTokens: 5,
      temperature: 0,
      topP: 1,
    });
    expect(() => parseOptions(inferenceOptionsSchema, { temperature: 3 } as unknown, "x")).toThrow(
      /temperature/,
    );
    expect(() => parseOptions(inferenceOptionsSchema, { topP: 0 } as unknown, "x")).toThrow(/topP/);
    expect(() => parseOptions(inferenceOptionsSchema, { stop: ["x"] } as unknown, "x")).toThrow(
      ValidationError,
    );
  });
});
