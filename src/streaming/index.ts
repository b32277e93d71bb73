/**
 * `fmops/streaming`: response-stream line iterator, server-sent events, token decoders and
 * {@link TokenStream}.
 *
 * @packageDocumentation
 */

export { BedrockModelStreamError, decodeConverseStream } from "./bedrock.js";
export type { UnknownEventPolicy } from "./chunks.js";
export {
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
  registeredStreamFormats,
  registerStreamFormat,
  type StreamFormatDefinition,
} from "./formats.js";
export { LineIterator, type LineIteratorOptions } from "./line-iterator.js";
export { decodeLmi } from "./lmi.js";
export { decodeOpenAI } from "./openai.js";
export { parseSse, type SseEvent } from "./sse.js";
export { decodeTgi } from "./tgi.js";
export { TokenStream, type TokenStreamOptions } from "./token-stream.js";
