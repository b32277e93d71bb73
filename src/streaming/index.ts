/**
 * `fmops/streaming`: response-stream line iterator, server-sent events, token decoders and
 * {@link TokenStream}.
 *
 * @packageDocumentation
 */

export {
  BedrockModelStreamError,
  type BedrockUsage,
  bedrockUsage,
  converseStreamError,
  decodeConverseStream,
} from "./bedrock.js";
export type { StreamChunk, UnknownEventPolicy } from "./chunks.js";
export type { DecoderOptions } from "./decode-common.js";
export {
  type DecodeResponseStreamOptions,
  decodeResponseStream,
  detectStreamFormat,
  type StreamFormat,
} from "./decoders.js";
export {
  InternalStreamFailure,
  ModelStreamError,
  StreamDecodeError,
  UnknownFormatError,
} from "./errors.js";
export type { StreamEvent } from "./events.js";
export {
  type LineDecoder,
  type RegisterStreamFormatOptions,
  registeredStreamFormats,
  registerStreamFormat,
  type StreamFormatDefinition,
  streamFormatDefinition,
} from "./formats.js";
export { LineIterator, type LineIteratorOptions } from "./line-iterator.js";
export { decodeLmi, LmiDecoder } from "./lmi.js";
export { decodeOpenAI, OpenAIDecoder } from "./openai.js";
export { replayAnswerEvents } from "./replay.js";
export { parseSse, type SseEvent, SseParser } from "./sse.js";
export { decodeTgi, TgiDecoder } from "./tgi.js";
export { TokenStream, type TokenStreamOptions } from "./token-stream.js";
