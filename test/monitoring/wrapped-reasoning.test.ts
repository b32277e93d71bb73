// instrument(model) and withGuardrail(model) wrap a model's stream in a stream of their own; the
// wrapper's response() must carry the inner answer's reasoning (text and signature), which a
// caller sends back unchanged when it continues a tool-use conversation with extended thinking.
import { describe, expect, it } from "vitest";
import type { ChatResponse } from "../../src/core/chat.js";
import type { ChatModel } from "../../src/models/types.js";
import { withGuardrail } from "../../src/models/with-guardrail.js";
import { instrument } from "../../src/monitoring/instrument.js";
import { MemorySink } from "../../src/monitoring/types.js";
import type { StreamEvent } from "../../src/streaming/events.js";
import { TokenStream } from "../../src/streaming/token-stream.js";

/** A model that thinks (in two pieces, then a signature) before answering "Paris.". */
function thinkingModel(): ChatModel {
  const events: StreamEvent[] = [
    { type: "reasoning", text: "The user asks for a capital. " },
    { type: "reasoning", text: "France's is Paris." },
    { type: "reasoning", text: "", signature: "sig-123" },
    { type: "text", text: "Paris." },
    { type: "stop", reason: "end_turn" },
  ];
  return {
    id: "bedrock:anthropic.claude-thinking",
    async generate(): Promise<ChatResponse> {
      throw new Error("this model only streams");
    },
    stream(): TokenStream {
      return new TokenStream(async function* () {
        yield* events;
      });
    },
  };
}

const REASONING = {
  type: "reasoning",
  text: "The user asks for a capital. France's is Paris.",
  signature: "sig-123",
};

/** The answer as the unwrapped stream gives it: the reference each wrapper must match. */
async function innerResponse(): Promise<ChatResponse> {
  const stream = thinkingModel().stream({ messages: [{ role: "user", content: "Capital?" }] });
  for await (const _ of stream);
  return stream.response();
}

async function streamed(model: ChatModel): Promise<ChatResponse> {
  const stream = model.stream({ messages: [{ role: "user", content: "Capital of France?" }] });
  let text = "";
  for await (const delta of stream) text += delta;
  expect(text).toBe("Paris.");
  return stream.response();
}

// Lets every text through unchanged: what is under test is the wrapper's replay, not the screen.
const passThrough = { enforce: async (text: string) => text };

describe("stream wrappers keep the inner answer's reasoning in response()", () => {
  it("the unwrapped stream's response has the reasoning block (the reference)", async () => {
    expect((await innerResponse()).content).toEqual([REASONING, { type: "text", text: "Paris." }]);
  });

  it("instrument(model)", async () => {
    const sink = new MemorySink();
    const response = await streamed(instrument(thinkingModel(), { sinks: [sink] }));
    expect(response.content).toEqual((await innerResponse()).content);
    expect(response.stopReason).toBe("end_turn");
  });

  for (const mode of ["buffer", "checkAtEnd"] as const) {
    it(`withGuardrail(model, screen, { stream: "${mode}" })`, async () => {
      const response = await streamed(
        withGuardrail(thinkingModel(), passThrough, { stream: mode }),
      );
      expect(response.content).toEqual((await innerResponse()).content);
    });
  }

  it("withGuardrail with output checks off", async () => {
    const response = await streamed(withGuardrail(thinkingModel(), passThrough, { output: false }));
    expect(response.content).toEqual((await innerResponse()).content);
  });
});
