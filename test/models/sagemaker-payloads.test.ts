import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../../src/core/index.js";
import { chatTemplate } from "../../src/models/chat-templates.js";
import { payloadCodec } from "../../src/models/sagemaker-payloads.js";

const request: ChatRequest = {
  system: "Be brief.",
  messages: [{ role: "user", content: "Hi" }],
  maxTokens: 64,
  temperature: 0.7,
  topP: 0.9,
  stopSequences: ["</s>"],
};
const context = (stream: boolean, parameters: Record<string, unknown> = {}) => ({
  stream,
  render: chatTemplate("plain"),
  parameters,
});

describe("SageMaker payload codecs", () => {
  it("builds a TGI body with inputs, parameters and stream", () => {
    expect(payloadCodec("tgi").body(request, context(true, { repetition_penalty: 1.1 }))).toEqual({
      inputs: "System: Be brief.\n\nUser: Hi\n\nAssistant:",
      parameters: {
        max_new_tokens: 64,
        temperature: 0.7,
        top_p: 0.9,
        do_sample: true,
        stop: ["</s>"],
        return_full_text: false,
        details: true,
        repetition_penalty: 1.1,
      },
      stream: true,
    });
  });

  it("sends greedy decoding without temperature when temperature is 0, and names LMI's stop field", () => {
    const body = payloadCodec("lmi").body({ ...request, temperature: 0 }, context(false)) as Record<
      string,
      never
    >;
    expect(body.parameters).toEqual({
      max_new_tokens: 64,
      top_p: 0.9,
      do_sample: false,
      stop_sequences: ["</s>"],
      return_full_text: false,
      details: true,
    });
    expect(body).not.toHaveProperty("stream");
  });

  it("parses TGI's array answer and LMI's object answer", () => {
    const tgi = payloadCodec("tgi").parse([
      { generated_text: "Hello!", details: { finish_reason: "eos_token", generated_tokens: 3 } },
    ]);
    expect(tgi).toEqual({ text: "Hello!", stopReason: "eos_token", usage: { outputTokens: 3 } });
    const lmi = payloadCodec("lmi").parse({
      generated_text: "Hey",
      details: { "finish reason": "length", generated_tokens: 8 },
    });
    expect(lmi).toEqual({ text: "Hey", stopReason: "length", usage: { outputTokens: 8 } });
  });

  it("turns LMI's finish_reason error into a MODEL_ERROR", () => {
    expect(() =>
      payloadCodec("lmi").parse({ generated_text: "", details: { finish_reason: "error" } }),
    ).toThrow(expect.objectContaining({ code: "MODEL_ERROR" }));
  });

  it("builds and parses OpenAI chat completions", () => {
    const codec = payloadCodec("openai");
    expect(codec.body(request, context(true))).toEqual({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      max_tokens: 64,
      temperature: 0.7,
      top_p: 0.9,
      stop: ["</s>"],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(
      codec.parse({
        choices: [{ message: { role: "assistant", content: "Hello" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
      }),
    ).toEqual({
      text: "Hello",
      stopReason: "stop",
      usage: { inputTokens: 9, outputTokens: 2, totalTokens: 11 },
    });
  });

  it("builds JumpStart text2text bodies and cannot stream", () => {
    const codec = payloadCodec("jumpstart-text2text");
    expect(codec.streamFormat).toBeUndefined();
    expect(
      codec.body(
        { messages: [{ role: "user", content: "Translate" }], maxTokens: 20 },
        context(false),
      ),
    ).toEqual({
      text_inputs: "User: Translate\n\nAssistant:",
      max_length: 20,
    });
    expect(codec.parse({ generated_texts: ["Bonjour"] })).toEqual({ text: "Bonjour" });
  });

  it("rejects answers of the wrong shape with UNEXPECTED_RESPONSE, quoting at most 200 characters", () => {
    const huge = { result: "x".repeat(5_000) };
    for (const format of ["tgi", "lmi", "openai", "jumpstart-text2text"] as const) {
      let error: unknown;
      try {
        payloadCodec(format).parse(huge);
      } catch (err) {
        error = err;
      }
      expect(error).toMatchObject({ code: "UNEXPECTED_RESPONSE" });
      expect((error as Error).message.length).toBeLessThan(500);
    }
  });
});
