import { describe, expect, it } from "vitest";
import { parsePromptsJsonl } from "../../src/cli/bench.js";
import { ValidationError } from "../../src/core/errors.js";
import { parseJsonLines } from "../../src/core/json-lines.js";
import { parseRecordsJsonl } from "../../src/monitoring/jsonl-sink.js";

function thrown(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError");
}

describe("parseJsonLines", () => {
  it("returns each non-blank line's value with its line number in the text", () => {
    expect(parseJsonLines('1\n\n  \n{"a":2}\r\n"x"')).toEqual([
      { line: 1, value: 1 },
      { line: 4, value: { a: 2 } },
      { line: 5, value: "x" },
    ]);
  });

  it("names the first line that is not JSON, with the parser's error as cause", () => {
    const error = thrown(() => parseJsonLines('{"ok":1}\n\n{nope\n[', "Prompts line"));
    expect(error.message).toBe("Prompts line 3 is not valid JSON.");
    expect(error.issues).toEqual([{ path: "line 3", message: "invalid JSON" }]);
    expect(error.unsafeCause()).toBeInstanceOf(SyntaxError);
  });

  it("is what both JSON Lines readers report a broken line with", () => {
    expect(thrown(() => parsePromptsJsonl('"a"\n{nope')).message).toBe(
      "Prompts line 2 is not valid JSON.",
    );
    const record = JSON.stringify({ modelId: "m", e2eMs: 1 });
    expect(thrown(() => parseRecordsJsonl(`${record}\n\n{nope`)).message).toBe(
      "Line 3 is not valid JSON.",
    );
    expect(thrown(() => parseRecordsJsonl(`${record}\n{"e2eMs":1}`)).message).toBe(
      "Line 2 is not an invocation record (needs modelId and e2eMs).",
    );
  });
});
