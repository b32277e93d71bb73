/**
 * {@link SseJsonDecoder}: the event loop shared by the decoders of server-sent-event streams
 * whose `data` fields are JSON objects (TGI's `generate_stream`, OpenAI-compatible chat).
 *
 * @module
 */
import {
  type DecoderOptions,
  type ItemDecoder,
  isBlank,
  type JsonObject,
  malformed,
  parseDecoderOptions,
  parseObject,
  SKIP,
} from "./decode-common.js";
import type { StreamEvent } from "./events.js";
import type { SseEvent } from "./sse.js";

/** What tells one SSE-of-JSON format from another; see {@link SseJsonDecoder}. */
export interface SseJsonFormat {
  /** Names the decoder in option errors, e.g. `decodeTgi options`. */
  optionsSubject: string;
  /** Names the stream in decode errors, e.g. `TGI stream`. */
  streamName: string;
  /** Ends `<event> has …` when an object carries none of the format's fields. */
  missingFields: string;
  /** Appends one object's events; returns `false` when it carries none of the format's fields. */
  pushObject(object: JsonObject, out: StreamEvent[]): boolean;
}

/**
 * Decodes SSE events one at a time: `[DONE]` ends the stream (OpenAI sends it; proxies add it to
 * TGI), blank events are ignored, and every other event must be a JSON object of the format, or
 * it is malformed (thrown, or skipped under `onMalformed: "skip"`).
 */
export class SseJsonDecoder implements ItemDecoder<SseEvent> {
  readonly #format: SseJsonFormat;
  readonly #onMalformed: DecoderOptions["onMalformed"];
  #index = 0;

  constructor(format: SseJsonFormat, options: DecoderOptions = {}) {
    this.#format = format;
    this.#onMalformed = parseDecoderOptions(options, format.optionsSubject).onMalformed;
  }

  /** Decodes one item into `out`; returns `false` once the stream is finished. */
  push(event: SseEvent, out: StreamEvent[]): boolean {
    const index = this.#index++;
    const data = event.data;
    if (data === "[DONE]") return false;
    if (isBlank(data)) return true;
    const what = `Event ${index} of the ${this.#format.streamName}`;
    const object = parseObject(data, index, what, this.#onMalformed);
    if (object === SKIP) return true;
    if (!this.#format.pushObject(object, out)) {
      malformed(data, index, `${what} has ${this.#format.missingFields}`, this.#onMalformed);
    }
    return true;
  }
}
