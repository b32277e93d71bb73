/**
 * Renderers for the text formats that SageMaker containers serving raw text generation still
 * expect: Claude's text-completion framing, the Llama 3 chat template (and the other chat
 * templates of `fmops/models`), and a plain instruction with no role markers.
 *
 * @module
 */
import { type ChatRequest, ValidationError } from "../core/index.js";
import { messageText } from "../core/internal.js";
import { type ChatTemplateName, chatTemplate } from "../models/index.js";
import { chatTemplateNames } from "../models/internal.js";
import type { RenderOptions } from "./render.js";
import type { PromptTemplate } from "./template.js";

/** Legacy text formats: the chat templates of `fmops/models` plus `claude-text` and `instruction`. */
export type LegacyTextFormat = ChatTemplateName | "claude-text" | "instruction";

/** Every {@link LegacyTextFormat}. */
export const legacyTextFormats: readonly LegacyTextFormat[] = [
  ...chatTemplateNames,
  "claude-text",
  "instruction",
];

/**
 * Claude text completion framing: the system prompt first, then `\n\nHuman: ` and
 * `\n\nAssistant: ` turns, ending with `\n\nAssistant:` for the model to continue.
 */
export function claudeText(request: ChatRequest): string {
  let prompt = request.system ?? "";
  for (const m of request.messages) {
    prompt += `\n\n${m.role === "user" ? "Human" : "Assistant"}: ${messageText(m)}`;
  }
  return `${prompt}\n\nAssistant:`;
}

/**
 * A plain instruction: the system prompt and the single user turn separated by a blank line,
 * with no role markers (instruction-tuned models such as Flan-T5). Multi-turn requests have no
 * faithful plain form, so they are rejected.
 */
export function instructionText(request: ChatRequest): string {
  if (request.messages.length !== 1) {
    throw new ValidationError(
      `The "instruction" format holds one user turn; this request has ${request.messages.length} messages. Use a chat format such as "llama3" or "claude-text".`,
      [{ path: "messages", message: "must hold exactly one user message" }],
    );
  }
  const first = request.messages[0];
  const user = first ? messageText(first) : "";
  return request.system ? `${request.system}\n\n${user}` : user;
}

/** Renders an already-built request in a legacy text format. */
export function formatRequest(request: ChatRequest, format: LegacyTextFormat): string {
  if (format === "claude-text") return claudeText(request);
  if (format === "instruction") return instructionText(request);
  if (!chatTemplateNames.includes(format)) {
    throw new ValidationError(
      `Unknown text format "${String(format)}". Use one of: ${legacyTextFormats.join(", ")}.`,
      [{ path: "format", message: "unknown" }],
    );
  }
  return chatTemplate(format)(request);
}

/**
 * Renders a prompt template as a single prompt string in a legacy text format.
 *
 * @example
 * ```ts
 * renderText(template, { question: "Why?" }, "claude-text");
 * // "You are helpful.\n\nHuman: Why?\n\nAssistant:"
 * ```
 */
export function renderText(
  template: PromptTemplate,
  values: Record<string, unknown>,
  format: LegacyTextFormat,
  options: RenderOptions = {},
): string {
  return formatRequest(template.render(values, options), format);
}
