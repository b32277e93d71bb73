/**
 * {@link withGuardrail}: a {@link ChatModel} whose prompts and answers pass a {@link Guardrail}.
 *
 * @module
 */
import { z } from "zod";
import type { ChatMessage, ChatRequest, ChatResponse } from "../core/index.js";
import { parseOptions } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import type { StreamEvent } from "../streaming/index.js";
import { TokenStream } from "../streaming/index.js";
import { replayAnswerEvents } from "../streaming/internal.js";
import { Guardrail } from "./guardrail.js";
import type { CallOptions, ChatModel } from "./types.js";

/**
 * What {@link withGuardrail} needs of a screen: `enforce` returns the text to pass on (masked if
 * need be) or throws to refuse it. {@link Guardrail} and `PiiRedactor` both fit.
 */
export interface TextScreen {
  /** Returns the text to pass on, or throws a typed error to refuse it. */
  enforce(
    text: string,
    options: { source: "INPUT" | "OUTPUT"; signal?: AbortSignal },
  ): Promise<string>;
}

/** Options for {@link withGuardrail}. */
export interface WithGuardrailOptions {
  /** Check the last user message before the call (source `INPUT`). Default true. */
  input?: boolean;
  /** Check the answer after the call (source `OUTPUT`). Default true. */
  output?: boolean;
  /**
   * How `stream` treats the answer when `output` is on:
   * - `buffer` (default): the answer is read whole, checked, and only then yielded (masked if the
   *   guardrail anonymized something), so no refused text ever reaches the reader; time to first
   *   token becomes the whole answer's time.
   * - `checkAtEnd`: text is yielded as it arrives and the assembled answer is checked at the end;
   *   a refusal then throws {@link GuardrailInterventionError} after the text was shown, so the
   *   application must withdraw it. Masking cannot apply to text already yielded.
   *
   * To screen a stream chunk by chunk on the service side, use `BedrockChatModel`'s
   * `guardrailConfig` with `streamProcessingMode` instead.
   */
  stream?: "buffer" | "checkAtEnd";
}

const optionsSchema = schemaFor<WithGuardrailOptions>()(
  z
    .object({
      input: z.boolean().optional(),
      output: z.boolean().optional(),
      stream: z.enum(["buffer", "checkAtEnd"]).optional(),
    })
    .strict(),
);

/** The text of a message whose content is a string or (in newer requests) an array of blocks. */
function textOf(message: ChatMessage): string {
  const content: unknown = message.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter(
      (b): b is { type: "text"; text: string } =>
        typeof b === "object" && b !== null && b.type === "text" && typeof b.text === "string",
    )
    .map((b) => b.text)
    .join("\n");
}

/** `message` with its text replaced by `text`, keeping any non-text blocks after it. */
function withText(message: ChatMessage, text: string): ChatMessage {
  const content: unknown = message.content;
  if (!Array.isArray(content)) return { ...message, content: text };
  const others = content.filter(
    (b) => !(typeof b === "object" && b !== null && (b as { type?: unknown }).type === "text"),
  );
  return { ...message, content: [{ type: "text", text }, ...others] as ChatMessage["content"] };
}

/**
 * Wraps a chat model so that each request's last user message is checked by `guardrail` before
 * the call, and each answer after it. A blocked prompt or answer throws
 * {@link GuardrailInterventionError} (`GUARDRAIL_INTERVENED`, with the findings and the guardrail's
 * message); when the guardrail only anonymized sensitive information, the masked text is sent to
 * the model (input) or returned (output). Composes with `instrument()` either way round.
 *
 * @example
 * ```ts
 * const guardrail = new Guardrail({ guardrailId: "gr1abc2def3g", guardrailVersion: "1" });
 * const safe = withGuardrail(model, guardrail);
 * try {
 *   const answer = await safe.generate({ messages: [{ role: "user", content: question }] });
 * } catch (err) {
 *   if (err instanceof GuardrailInterventionError) reply(err.blockedMessage);
 *   else throw err;
 * }
 * ```
 */
export function withGuardrail(
  model: ChatModel,
  guardrail: Guardrail | TextScreen,
  options: WithGuardrailOptions = {},
): ChatModel {
  const o = parseOptions(optionsSchema, options, "withGuardrail options");
  if (!(guardrail instanceof Guardrail)) {
    parseOptions(
      z.custom<TextScreen>(
        (v) => typeof (v as TextScreen | null)?.enforce === "function",
        "must be a Guardrail or PiiRedactor (an object with enforce)",
      ),
      guardrail,
      "withGuardrail guardrail",
    );
  }
  const checkInput = o.input ?? true;
  const checkOutput = o.output ?? true;
  const streamMode = o.stream ?? "buffer";

  async function screened(request: ChatRequest, signal: AbortSignal | undefined) {
    if (!checkInput) return request;
    const last = request.messages.findLastIndex((m) => m.role === "user");
    const message = request.messages[last];
    if (!message) return request;
    const text = textOf(message);
    if (text.trim() === "") return request;
    const checked = await guardrail.enforce(text, { source: "INPUT", ...signalOf(signal) });
    if (checked === text) return request;
    const messages = request.messages.slice();
    messages[last] = withText(message, checked);
    return { ...request, messages };
  }

  async function answer(text: string, signal: AbortSignal | undefined): Promise<string> {
    if (!checkOutput || text.trim() === "") return text;
    return guardrail.enforce(text, { source: "OUTPUT", ...signalOf(signal) });
  }

  return {
    id: model.id,
    async generate(request: ChatRequest, callOptions: CallOptions = {}): Promise<ChatResponse> {
      const sent = await screened(request, callOptions.signal);
      const response = await model.generate(sent, callOptions);
      const text = await answer(response.text, callOptions.signal);
      return text === response.text ? response : { ...response, text };
    },
    stream(request: ChatRequest, callOptions: CallOptions = {}): TokenStream {
      return new TokenStream(
        async function* (signal): AsyncGenerator<StreamEvent> {
          const sent = await screened(request, signal);
          const inner = model.stream(sent, { ...callOptions, signal });
          let whole = "";
          for await (const delta of inner) {
            whole += delta;
            if (!checkOutput || streamMode === "checkAtEnd") yield { type: "text", text: delta };
          }
          const response = await inner.response();
          if (checkOutput) {
            const checked = await answer(whole, signal);
            if (streamMode === "buffer" && checked !== "") yield { type: "text", text: checked };
          }
          // The inner answer's reasoning and tool calls, replayed whole so that response()
          // carries them too (a tool-use turn with extended thinking is sent back with them).
          yield* replayAnswerEvents(response);
          if (response.usage) yield { type: "usage", usage: response.usage };
          if (response.stopReason !== undefined)
            yield { type: "stop", reason: response.stopReason };
        },
        { signal: callOptions.signal, timeoutMs: callOptions.timeoutMs, tools: request.tools },
      );
    },
  };
}

function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}
