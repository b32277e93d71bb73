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
 * Appends the events of one `chat.completion.chunk` (or legacy `text_completion`) object:
 * `choices[0].delta.content` (or `choices[0].text`) as text, `finish_reason` as the stop reason,
 * and `usage` as token counts. Error objects throw {@link ModelStreamError}. Returns `false`
 * when the object has none of these fields.
 */
export function pushOpenAIChunk(chunk: JsonObject, out: StreamEvent[]): boolean {
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
    super(
      {
        optionsSubject: "decodeOpenAI options",
        streamName: "OpenAI-compatible stream",
        missingFields: 'neither "choices" nor "usage"',
        pushObject: pushOpenAIChunk,
      },
      options,
    );
  }
}

/**
 * Decodes an OpenAI-compatible chat-completion stream (`data: {"choices":[{"delta":{"content":
 * "Hi"}}]}` ... `data: [DONE]`) into {@link StreamEvent}s: text deltas, the `finish_reason`, and
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
