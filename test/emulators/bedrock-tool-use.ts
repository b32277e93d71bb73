/**
 * Scripted Bedrock tool-use turns for the Bedrock Runtime stand-in: the Converse JSON and the
 * ConverseStream frames a model sends when it answers with text and/or tool calls, with each
 * tool input's JSON split into fragments the way Bedrock splits it across many frames.
 *
 * @module
 */
import type { ConverseReply, ConverseStreamFrame } from "./bedrock-runtime.js";

/** One assistant turn: text and/or tool calls. */
export interface ScriptedTurn {
  text?: string;
  toolCalls?: { id: string; name: string; input: unknown }[];
  /** Usage with prompt-cache counts, sent in Converse `usage` and the stream's metadata. */
  usage?: {
    inputTokens: number;
    outputTokens: number;
    cacheReadInputTokens?: number;
    cacheWriteInputTokens?: number;
  };
}

function usageOf(turn: ScriptedTurn) {
  const usage = turn.usage ?? { inputTokens: 1, outputTokens: 1 };
  return { ...usage, totalTokens: usage.inputTokens + usage.outputTokens };
}

function stopReasonOf(turn: ScriptedTurn): string {
  return turn.toolCalls?.length ? "tool_use" : "end_turn";
}

/** The Converse response for a turn. */
export function converseToolUseReply(turn: ScriptedTurn): ConverseReply {
  const content: Record<string, unknown>[] = [];
  if (turn.text !== undefined) content.push({ text: turn.text });
  for (const call of turn.toolCalls ?? []) {
    content.push({ toolUse: { toolUseId: call.id, name: call.name, input: call.input } });
  }
  return {
    json: {
      output: { message: { role: "assistant", content } },
      stopReason: stopReasonOf(turn),
      usage: usageOf(turn),
      metrics: { latencyMs: 1 },
    },
  };
}

/**
 * The ConverseStream frames for a turn: text in block 0 (when any), then per tool call a
 * `contentBlockStart` with its id and name, its input JSON in fragments of `fragmentSize`
 * characters (one `contentBlockDelta` each), and a `contentBlockStop`. `frames.fragments` counts
 * the tool-input deltas sent.
 */
export function converseToolUseFrames(
  turn: ScriptedTurn,
  fragmentSize = 3,
): ConverseStreamFrame[] & { fragments: number } {
  const frames: ConverseStreamFrame[] = [{ messageStart: { role: "assistant" } }];
  let index = 0;
  let fragments = 0;
  if (turn.text !== undefined) {
    frames.push(
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: turn.text } } },
      { contentBlockStop: { contentBlockIndex: 0 } },
    );
    index = 1;
  }
  for (const call of turn.toolCalls ?? []) {
    frames.push({
      contentBlockStart: {
        contentBlockIndex: index,
        start: { toolUse: { toolUseId: call.id, name: call.name } },
      },
    });
    const json = JSON.stringify(call.input);
    for (let at = 0; at < json.length; at += fragmentSize) {
      frames.push({
        contentBlockDelta: {
          contentBlockIndex: index,
          delta: { toolUse: { input: json.slice(at, at + fragmentSize) } },
        },
      });
      fragments++;
    }
    frames.push({ contentBlockStop: { contentBlockIndex: index } });
    index++;
  }
  frames.push(
    { messageStop: { stopReason: stopReasonOf(turn) } },
    { metadata: { usage: usageOf(turn), metrics: { latencyMs: 1 } } },
  );
  return Object.assign(frames, { fragments });
}
