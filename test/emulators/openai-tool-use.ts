/**
 * Scripted OpenAI chat-completions turns with tool calls, for the OpenAI-compatible HTTP stand-in
 * and for SageMaker endpoints in the `openai` format: the `chat.completion` JSON of a turn, and
 * the `chat.completion.chunk` server-sent events of the same turn with each call's `arguments`
 * split into small fragments the way vLLM streams them (the id and name only in a call's first
 * fragment, every fragment tagged with the call's `index`).
 *
 * @module
 */
import type { ScriptedTurn } from "./bedrock-tool-use.js";

function finishReasonOf(turn: ScriptedTurn): string {
  return turn.toolCalls?.length ? "tool_calls" : "stop";
}

const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };

/** The non-streamed `chat.completion` answer for a turn. */
export function openAIToolUseCompletion(turn: ScriptedTurn): Record<string, unknown> {
  const message: Record<string, unknown> = { role: "assistant", content: turn.text ?? null };
  if (turn.toolCalls?.length) {
    message.tool_calls = turn.toolCalls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: JSON.stringify(call.input) },
    }));
  }
  return {
    id: "chatcmpl-tools",
    object: "chat.completion",
    model: "stand-in",
    choices: [{ index: 0, message, finish_reason: finishReasonOf(turn) }],
    usage,
  };
}

/**
 * The SSE events (each `data: ...\n\n`) of a streamed turn: text first, then per call a first
 * fragment with id, name and empty arguments, then its arguments in pieces of `fragmentSize`
 * characters, then the finish reason, usage and `[DONE]`. `fragments` counts the argument pieces.
 */
export function openAIToolUseEvents(
  turn: ScriptedTurn,
  fragmentSize = 3,
): { events: string[]; fragments: number } {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({
      id: "chatcmpl-tools",
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;
  const events = [chunk({ role: "assistant", content: "" })];
  if (turn.text !== undefined) events.push(chunk({ content: turn.text }));
  let fragments = 0;
  for (const [index, call] of (turn.toolCalls ?? []).entries()) {
    events.push(
      chunk({
        tool_calls: [
          { index, id: call.id, type: "function", function: { name: call.name, arguments: "" } },
        ],
      }),
    );
    const json = JSON.stringify(call.input);
    for (let at = 0; at < json.length; at += fragmentSize) {
      events.push(
        chunk({
          tool_calls: [{ index, function: { arguments: json.slice(at, at + fragmentSize) } }],
        }),
      );
      fragments++;
    }
  }
  events.push(chunk({}, finishReasonOf(turn)));
  events.push(`data: ${JSON.stringify({ id: "chatcmpl-tools", choices: [], usage })}\n\n`);
  events.push("data: [DONE]\n\n");
  return { events, fragments };
}
