import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../../src/core/index.js";
import { chatTemplate, chatTemplateNames } from "../../src/models/chat-templates.js";

const conversation: ChatRequest = {
  system: "Answer briefly.",
  messages: [
    { role: "user", content: "What is S3?" },
    { role: "assistant", content: "Object storage." },
    { role: "user", content: "And Athena?" },
  ],
};

describe("chat templates", () => {
  it("lists every built-in template", () => {
    expect(chatTemplateNames.sort()).toEqual(["chatml", "llama3", "mistral", "plain"]);
  });

  it("renders Llama 3 headers and ends with an open assistant turn", () => {
    expect(chatTemplate("llama3")(conversation)).toBe(
      "<|begin_of_text|>" +
        "<|start_header_id|>system<|end_header_id|>\n\nAnswer briefly.<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nWhat is S3?<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\nObject storage.<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nAnd Athena?<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\n",
    );
  });

  it("folds the system prompt into Mistral's first instruction only", () => {
    expect(chatTemplate("mistral")(conversation)).toBe(
      "<s>[INST] Answer briefly.\n\nWhat is S3? [/INST] Object storage.</s>[INST] And Athena? [/INST]",
    );
  });

  it("renders ChatML turns", () => {
    expect(chatTemplate("chatml")({ messages: [{ role: "user", content: "Hi" }] })).toBe(
      "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    );
  });

  it("renders a plain transcript with an Assistant cue", () => {
    expect(chatTemplate("plain")(conversation)).toBe(
      "System: Answer briefly.\n\nUser: What is S3?\n\nAssistant: Object storage.\n\nUser: And Athena?\n\nAssistant:",
    );
  });

  it("passes a custom function through", () => {
    const custom = (r: ChatRequest) => r.messages.map((m) => m.content).join("|");
    expect(chatTemplate(custom)(conversation)).toBe("What is S3?|Object storage.|And Athena?");
  });
});
