import { describe, expect, it } from "vitest";
import { replayAnswerEvents } from "../../src/streaming/replay.js";

describe("replayAnswerEvents", () => {
  it("yields reasoning (with its signature), then each tool call as start, whole input, stop", () => {
    const events = [
      ...replayAnswerEvents({
        text: "",
        content: [
          { type: "reasoning", text: "Need the weather.", signature: "sig-1" },
          { type: "text", text: "Checking." },
          { type: "reasoning", text: "Unsigned." },
        ],
        toolCalls: [
          { id: "t1", name: "weather", input: { city: "Oslo" } },
          { id: "t2", name: "time", input: {} },
        ],
      }),
    ];
    expect(events).toEqual([
      { type: "reasoning", text: "Need the weather.", signature: "sig-1" },
      { type: "reasoning", text: "Unsigned." },
      { type: "toolUseStart", index: 0, id: "t1", name: "weather" },
      { type: "toolUseDelta", index: 0, input: '{"city":"Oslo"}' },
      { type: "toolUseStop", index: 0 },
      { type: "toolUseStart", index: 1, id: "t2", name: "time" },
      { type: "toolUseDelta", index: 1, input: "{}" },
      { type: "toolUseStop", index: 1 },
    ]);
    expect(Object.hasOwn(events[1] as object, "signature")).toBe(false);
  });

  it("yields nothing for a plain text answer", () => {
    expect([...replayAnswerEvents({ text: "Hi" })]).toEqual([]);
  });
});
