/**
 * Decoder for Hugging Face Text Generation Inference (TGI) `generate_stream` server-sent events.
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
 * Appends the events of one TGI stream object. Shared with the LMI decoder, whose
 * TGI-compatible mode sends the same shape. Returns `false` when the object has none of
 * `token`, `generated_text`, `details`.
 */
export function pushTgiToken(response: JsonObject, out: StreamEvent[], source: string): boolean {
  if (response.error !== undefined && response.error !== null) {
    // TGI names the kind in `error_type`; DJL Serving sends an HTTP-like `code`.
    throw inBandError(response.error, response.error_type ?? response.code, source);
  }
  const token = response.token;
  const details = isObject(response.details) ? response.details : undefined;
  if (!isObject(token) && details === undefined && !("generated_text" in response)) return false;
  const finishReason = details?.finish_reason;
  if (isObject(token)) {
    const text = token.text;
    // Special tokens (BOS/EOS, chat markers) are not part of the answer. The last token of an
    // `eos_token` finish is the end-of-sequence token even when a server forgets to flag it.
    const special =
      token.special === true || token.special_token === true || finishReason === "eos_token";
    if (!special && typeof text === "string" && text.length > 0) {
      out.push({ type: "text", text, tokens: 1 });
    }
  }
  if (details !== undefined) {
    if (finishReason === "error") {
      throw inBandError('generation stopped with finish_reason "error"', undefined, source);
    }
    if (typeof finishReason === "string") out.push({ type: "stop", reason: finishReason });
    const usage = usageOf(details.input_length ?? details.prompt_tokens, details.generated_tokens);
    if (usage !== undefined) out.push({ type: "usage", usage });
  }
  return true;
}

/**
 * One-event-at-a-time TGI decoder; see {@link decodeTgi}. TGI itself never sends `[DONE]`;
 * proxies that add it mean the same as the end of the stream.
 */
export class TgiDecoder extends SseJsonDecoder {
  constructor(options: DecoderOptions = {}) {
    super(
      {
        optionsSubject: "decodeTgi options",
        streamName: "TGI stream",
        missingFields: 'none of "token", "generated_text", "details"',
        pushObject: (response, out) => pushTgiToken(response, out, "TGI server"),
      },
      options,
    );
  }
}

/**
 * Decodes a TGI `generate_stream` event stream
 * (`data:{"token":{"id":1,"text":" Hi","logprob":-0.1,"special":false},"generated_text":null,"details":null}`)
 * into {@link StreamEvent}s: one text event per non-special token (`tokens: 1`), and from the
 * last event's `details` the `finish_reason` and usage (`generated_tokens`, and `input_length`
 * where TGI sends it). The end-of-sequence token is not emitted as text. TGI's error event
 * (`{"error": "...", "error_type": "generation"}`) throws {@link ModelStreamError} with
 * `errorCode` set to the `error_type`.
 *
 * @example
 * ```ts
 * for await (const event of decodeTgi(parseSse(new LineIterator(body)))) {
 *   if (event.type === "text") process.stdout.write(event.text);
 * }
 * ```
 */
export function decodeTgi(
  events: AsyncIterable<SseEvent>,
  options: DecoderOptions = {},
): AsyncIterable<StreamEvent> {
  return runDecoder(events, new TgiDecoder(options));
}
