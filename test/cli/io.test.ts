import { describe, expect, it } from "vitest";
import { readPrompt } from "../../src/cli/io.js";
import { ValidationError } from "../../src/core/errors.js";
import { memoryIo } from "./cli-io.js";

describe("readPrompt (the prompt of fmops chat and fmops image)", () => {
  it("joins the positional arguments and leaves stdin unread", async () => {
    const t = memoryIo("from stdin");
    expect(await readPrompt(["a", "red", "kite"], t.io)).toBe("a red kite");
  });

  it("reads standard input, trimmed, when there are no arguments", async () => {
    const t = memoryIo("  What is S3?\n");
    expect(await readPrompt([], t.io)).toBe("What is S3?");
  });

  it("refuses an empty prompt as a usage error naming the prompt", async () => {
    const t = memoryIo(" \n");
    const error = await readPrompt([], t.io).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe("Give a prompt as arguments or on stdin.");
    expect((error as ValidationError).issues).toEqual([{ path: "prompt", message: "empty" }]);
  });
});
