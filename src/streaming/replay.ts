/**
 * {@link replayAnswerEvents}: the stream events that carry a finished answer's reasoning and
 * tool calls, for a wrapper that re-streams an inner model (a guardrail, instrumentation) and
 * must hand them on whole so that its own `response()` has them too.
 *
 * @module
 */
import type { ChatResponse } from "../core/index.js";
import { toolInputJson } from "../core/internal.js";
import type { StreamEvent } from "./events.js";

/**
 * Yields `response`'s reasoning blocks (text and signature) as `reasoning` events, then each tool
 * call as `toolUseStart`, one `toolUseDelta` holding its whole input as JSON, and `toolUseStop`.
 * A tool-use turn with extended thinking must be sent back with its reasoning, so a wrapper that
 * dropped these would break the next turn.
 *
 * @example
 * ```ts
 * const response = await inner.response();
 * yield* replayAnswerEvents(response);
 * ```
 */
export function* replayAnswerEvents(response: ChatResponse): Generator<StreamEvent> {
  for (const block of response.content ?? []) {
    if (block.type !== "reasoning") continue;
    const signature = block.signature === undefined ? {} : { signature: block.signature };
    yield { type: "reasoning", text: block.text, ...signature };
  }
  for (const [index, call] of (response.toolCalls ?? []).entries()) {
    yield { type: "toolUseStart", index, id: call.id, name: call.name };
    yield { type: "toolUseDelta", index, input: toolInputJson(call) };
    yield { type: "toolUseStop", index };
  }
}
