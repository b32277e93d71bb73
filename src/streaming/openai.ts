/**
 * Decoder for OpenAI-compatible chat-completion streams, as served by vLLM, TGI's Messages API
 * and SageMaker LMI's OpenAI schema.
 *
 * @module
 */
import {
  type DecoderOptions,
  inBandError,
  isObject,
  type JsonObject,
  runDecoder,
  usageOf,
} from "./decode-common.js";
import type { StreamEvent } from "./events.js";
import type { SseEvent } from "./sse.js";
import { SseJsonDecoder } from "./sse-json-decoder.js";

/**
 * Appends the events of one `delta.tool_calls` array. A call's first fragment (the first with
 * its `index`) starts it with its id and name; every `function.arguments` piece is a fragment of
 * its input. Calls are told apart by `index` alone, because servers send the id and name only
 * once; `started` remembers which indexes have begun across the stream's chunks.
 */
function pushToolCallFragments(toolCalls: unknown[], started: Set<number>, out: StreamEvent[]) {
  for (const [position, entry] of toolCalls.entries()) {
    if (!isObject(entry)) continue;
    const index = typeof entry.index === "number" ? entry.index : position;
    const fn = isObject(entry.function) ? entry.function : {};
    if (!started.has(index)) {
      started.add(index);
      const id = typeof entry.id === "string" && entry.id !== "" ? entry.id : `call_${index}`;
      out.push({
        type: "toolUseStart",
        index,
        id,
        name: typeof fn.name === "string" ? fn.name : "",
      });
    }
    // Ollama sends a whole call per chunk, its arguments as an object rather than JSON text.
    const input =
      typeof fn.arguments === "string" || fn.arguments === undefined || fn.arguments === null
        ? fn.arguments
        : JSON.stringify(fn.arguments);
    if (typeof input === "string" && input.length > 0) {
      out.push({ type: "toolUseDelta", index, input });
    }
  }
}

/**
 * Appends the events of one `chat.completion.chunk` (or legacy `text_completion`) object:
 * `choices[0].delta.content` (or `choices[0].text`) as text, `delta.tool_calls` fragments as
 * tool-use events, `finish_reason` as the stop reason, and `usage` as token counts. Error
 * objects throw {@link ModelStreamError}. Returns `false` when the object has none of these
 * fields. `startedToolCalls` is the stream's memory of which tool-call indexes have started;
 * pass the same set for every chunk of one stream.
 */
export function pushOpenAIChunk(
  chunk: JsonObject,
  out: StreamEvent[],
  startedToolCalls: Set<number> = new Set(),
): boolean {
  if (chunk.error !== undefined && chunk.error !== null) {
    throw inBandError(chunk.error, chunk.error_type, "OpenAI-compatible server");
  }
  if (chunk.object === "error") throw inBandError(chunk, undefined, "OpenAI-compatible server");
  const choices = chunk.choices;
  const usage = isObject(chunk.usage)
    ? usageOf(chunk.usage.prompt_tokens, chunk.usage.completion_tokens, chunk.usage.total_tokens)
    : undefined;
  if (!Array.isArray(choices) && usage === undefined) return false;
  if (Array.isArray(choices)) {
    // Only the first sequence (index 0) belongs to the answer when n > 1.
    for (const choice of choices) {
      if (!isObject(choice) || (choice.index ?? 0) !== 0) continue;
      const delta = choice.delta;
      const text = isObject(delta) ? delta.content : choice.text;
      if (typeof text === "string" && text.length > 0) out.push({ type: "text", text });
      if (isObject(delta) && Array.isArray(delta.tool_calls)) {
        pushToolCallFragments(delta.tool_calls, startedToolCalls, out);
      }
      if (typeof choice.finish_reason === "string") {
        out.push({ type: "stop", reason: choice.finish_reason });
      }
    }
  }
  if (usage !== undefined) out.push({ type: "usage", usage });
  return true;
}

/** One-event-at-a-time OpenAI-compatible decoder; see {@link decodeOpenAI}. */
export class OpenAIDecoder extends SseJsonDecoder {
  constructor(options: DecoderOptions = {}) {
    const startedToolCalls = new Set<number>();
    super(
      {
        optionsSubject: "decodeOpenAI options",
        streamName: "OpenAI-compatible stream",
        missingFields: 'neither "choices" nor "usage"',
        pushObject: (chunk, out) => pushOpenAIChunk(chunk, out, startedToolCalls),
      },
      options,
    );
  }
}

/**
 * Decodes an OpenAI-compatible chat-completion stream (`data: {"choices":[{"delta":{"content":
 * "Hi"}}]}` ... `data: [DONE]`) into {@link StreamEvent}s: text deltas, tool-call fragments
 * (`delta.tool_calls`, kept apart by `index`), the `finish_reason`, and
 * `usage` (`prompt_tokens`, `completion_tokens`, `total_tokens`) when the server sends it
 * (vLLM: `stream_options: { include_usage: true }`). Reading stops at `[DONE]`. An error object
 * in the stream throws {@link ModelStreamError}; a malformed event throws `STREAM_DECODE_ERROR`
 * unless `onMalformed: "skip"`.
 *
 * @example
 * ```ts
 * const events = decodeOpenAI(parseSse(new LineIterator(body)));
 * const stream = new TokenStream(() => events);
 * for await (const delta of stream) process.stdout.write(delta);
 * ```
 */
export function decodeOpenAI(
  events: AsyncIterable<SseEvent>,
  options: DecoderOptions = {},
): AsyncIterable<StreamEvent> {
  return runDecoder(events, new OpenAIDecoder(options));
}
