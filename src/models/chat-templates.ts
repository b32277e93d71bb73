/**
 * Chat templates: turn a {@link ChatRequest}'s system prompt and messages into the single prompt
 * string that raw text-generation containers (TGI `inputs`, LMI `inputs`, JumpStart
 * `text_inputs`) expect. Containers that accept `messages` (OpenAI-compatible schema) apply the
 * model's own template server-side and need none of this.
 *
 * @module
 */
import type { ChatRequest } from "../core/index.js";
import { messageText } from "../core/internal.js";

/** A function that renders a request as one prompt string. */
export type ChatTemplateFn = (request: ChatRequest) => string;

/** Built-in chat template names. */
export type ChatTemplateName = "plain" | "llama3" | "mistral" | "chatml";

/** A built-in template name or your own rendering function. */
export type ChatTemplate = ChatTemplateName | ChatTemplateFn;

const plain: ChatTemplateFn = (request) => {
  const parts = request.system ? [`System: ${request.system}`] : [];
  for (const m of request.messages)
    parts.push(`${m.role === "user" ? "User" : "Assistant"}: ${m.content}`);
  parts.push("Assistant:");
  return parts.join("\n\n");
};

const llama3: ChatTemplateFn = (request) => {
  const turn = (role: string, content: string) =>
    `<|start_header_id|>${role}<|end_header_id|>\n\n${content}<|eot_id|>`;
  let prompt = "<|begin_of_text|>";
  if (request.system) prompt += turn("system", request.system);
  for (const m of request.messages) prompt += turn(m.role, messageText(m));
  return `${prompt}<|start_header_id|>assistant<|end_header_id|>\n\n`;
};

// Mistral instruct has no system role: the system prompt leads the first user turn.
const mistral: ChatTemplateFn = (request) => {
  let prompt = "<s>";
  let pendingSystem = request.system ? `${request.system}\n\n` : "";
  for (const m of request.messages) {
    if (m.role === "user") {
      prompt += `[INST] ${pendingSystem}${m.content} [/INST]`;
      pendingSystem = "";
    } else {
      prompt += ` ${m.content}</s>`;
    }
  }
  return prompt;
};

const chatml: ChatTemplateFn = (request) => {
  const turn = (role: string, content: string) => `<|im_start|>${role}\n${content}<|im_end|>\n`;
  let prompt = request.system ? turn("system", request.system) : "";
  for (const m of request.messages) prompt += turn(m.role, messageText(m));
  return `${prompt}<|im_start|>assistant\n`;
};

const BUILT_IN: Record<ChatTemplateName, ChatTemplateFn> = { plain, llama3, mistral, chatml };

/** The names of the built-in chat templates. */
export const chatTemplateNames = Object.keys(BUILT_IN) as ChatTemplateName[];

/**
 * Resolves a template name (or function) to a rendering function.
 *
 * @example
 * ```ts
 * const render = chatTemplate("llama3");
 * render({ system: "Be brief.", messages: [{ role: "user", content: "Hi" }] });
 * // "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>..."
 * ```
 */
export function chatTemplate(template: ChatTemplate): ChatTemplateFn {
  return typeof template === "function" ? template : BUILT_IN[template];
}
