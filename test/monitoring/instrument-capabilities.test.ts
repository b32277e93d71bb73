/**
 * instrument() keeps what the wrapped model can do, so generateObject, LlmJudge and Text2Sql ask
 * an instrumented model for objects the same way as the model itself.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { generateObject } from "../../src/models/generate-object.js";
import { instrument } from "../../src/monitoring/instrument.js";
import { MemorySink } from "../../src/monitoring/types.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";

const ask = { messages: [{ role: "user" as const, content: "Grade it." }] };
const schema = z.object({ score: z.int().min(1).max(5) });

describe("instrument() and model capabilities", () => {
  it("forwards supportsTools: generateObject still forces the tool, and the call is recorded", async () => {
    const inner = new FakeChatModel({
      responses: [{ toolCalls: [{ name: "respond", input: { score: 4 } }] }],
    });
    const sink = new MemorySink();
    const monitored = instrument(inner, { sinks: [sink] });
    expect(monitored.supportsTools).toBe(true);
    const { object } = await generateObject(monitored, { ...ask, schema });
    expect(object.score).toBe(4);
    expect(inner.requests[0]?.toolChoice).toEqual({ name: "respond" });
    await monitored.flush();
    expect(sink.records).toHaveLength(1);
  });

  it("forwards structuredOutput: a constrained model gets its responseFormat", async () => {
    const inner = new FakeChatModel({
      structuredOutput: "constrained",
      responses: ['{"score": 2}'],
    });
    const monitored = instrument(inner);
    expect(monitored.structuredOutput).toBe("constrained");
    await generateObject(monitored, { ...ask, schema });
    expect(inner.requests[0]?.responseFormat?.schema).toBe(schema);
  });

  it("forwards a model without tools as such", () => {
    const monitored = instrument(new FakeChatModel({ supportsTools: false, responses: [] }));
    expect(monitored.supportsTools).toBe(false);
    expect(monitored.structuredOutput).toBeUndefined();
  });
});
