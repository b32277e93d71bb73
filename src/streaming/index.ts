/**
 * `fmops/streaming`: response-stream line iterator, server-sent events, token decoders and
 * {@link TokenStream}.
 *
 * @packageDocumentation
 */

export { InternalStreamFailure, ModelStreamError } from "./errors.js";
export type {
  ServiceLatencyEvent,
  StopEvent,
  StreamEvent,
  TextEvent,
  UsageEvent,
} from "./events.js";
export { type BoundedIterableOptions, boundedIterable } from "./idle-timeout.js";
export { type StreamOpener, TokenStream, type TokenStreamOptions } from "./token-stream.js";
