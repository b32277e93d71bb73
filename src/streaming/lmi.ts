/**
 * Decoder for SageMaker Large Model Inference (LMI / DJL Serving) `application/jsonlines`
 * streams.
 *
 * @module
 */
import {
  type DecoderOptions,
  type ItemDecoder,
  isBlank,
  isObject,
  malformed,
  parseDecoderOptions,
  parseObject,
  runDecoder,
  SKIP,
} from "./decode-common.js";
import type { StreamEvent } from "./events.js";
import { pushOpenAIChunk } from "./openai.js";
import { pushTgiToken } from "./tgi.js";

const SOURCE = "LMI container";

/** One-line-at-a-time LMI decoder; see {@link decodeLmi}. */
export class LmiDecoder implements ItemDecoder<string> {
  readonly #onMalformed: DecoderOptions["onMalformed"];
  #index = 0;
  // Tool-call indexes already started, for `jsonlines_chat` streams that call tools.
  readonly #startedToolCalls = new Set<number>();

  constructor(options: DecoderOptions = {}) {
    this.#onMalformed = parseDecoderOptions(options, "decodeLmi options").onMalformed;
  }

  /** Decodes one item into `out`; returns `false` once the stream is finished. */
  push(line: string, out: StreamEvent[]): boolean {
    const index = this.#index++;
    if (isBlank(line)) return true;
    const what = `Line ${index} of the LMI stream`;
    const record = parseObject(line, index, what, this.#onMalformed);
    if (record === SKIP) return true;

    let known: boolean;
    if (Array.isArray(record.choices)) {
      // LMI's `jsonlines_chat` formatter: OpenAI chat-completion chunks, one per line.
      known = pushOpenAIChunk(record, out, this.#startedToolCalls);
    } else if (Array.isArray(record.outputs)) {
      // Legacy LMI streaming: {"outputs": [" text"]}, one entry per prompt of the batch.
      const text = record.outputs[0];
      if (typeof text === "string" && text.length > 0) out.push({ type: "text", text, tokens: 1 });
      known = true;
    } else if (!isObject(record.token) && typeof record.generated_text === "string") {
      // A whole answer on one line (the `json` formatter, or a non-streaming response).
      if (record.generated_text.length > 0) out.push({ type: "text", text: record.generated_text });
      known = pushTgiToken({ details: record.details }, out, SOURCE) || true;
    } else {
      // Rolling batch: {"token": {"id", "text", "log_prob"}}; the last line adds
      // "generated_text" (the whole answer, not emitted again) and "details".
      known = pushTgiToken(record, out, SOURCE);
    }
    if (!known) {
      malformed(
        line,
        index,
        `${what} has none of "token", "outputs", "generated_text", "details", "choices"`,
        this.#onMalformed,
      );
    }
    return true;
  }
}

/**
 * Decodes an LMI (DJL Serving) jsonlines stream into {@link StreamEvent}s. Understands every
 * line shape LMI streams:
 *
 * - rolling batch (vLLM, TensorRT-LLM, LMI-Dist): `{"token": {"id": 1, "text": " Hi", "log_prob": -0.1}}`
 *   per token (`tokens: 1`), the last line adding `"generated_text"` and `"details"`
 *   (`finish_reason`, `generated_tokens`) which become the stop reason and usage; tokens flagged
 *   `special_token` are not emitted;
 * - legacy streaming: `{"outputs": [" Hi"]}`;
 * - a whole answer: `{"generated_text": "..."}` (the `json` formatter);
 * - `jsonlines_chat`: OpenAI chat-completion chunks.
 *
 * `finish_reason: "error"` or an `{"error": ...}` line throws {@link ModelStreamError}; a
 * malformed line throws `STREAM_DECODE_ERROR` with the line and its index unless
 * `onMalformed: "skip"`. Blank lines are ignored.
 *
 * @example
 * ```ts
 * for await (const event of decodeLmi(new LineIterator(body))) {
 *   if (event.type === "text") process.stdout.write(event.text);
 * }
 * ```
 */
export function decodeLmi(
  lines: AsyncIterable<string>,
  options: DecoderOptions = {},
): AsyncIterable<StreamEvent> {
  return runDecoder(lines, new LmiDecoder(options));
}
