/**
 * The stream-format registry: every response-stream wire format that
 * {@link decodeResponseStream} can read, by name. The built-ins (`lmi`, `tgi`, `openai`) are
 * registered below through {@link registerStreamFormat}, the same function a user calls for a
 * container of their own, so a new format never means editing the decoder.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";
import type { DecoderOptions, ItemDecoder } from "./decode-common.js";
import { isObject } from "./decode-common.js";
import { UnknownFormatError } from "./errors.js";
import type { StreamEvent } from "./events.js";
import { LmiDecoder } from "./lmi.js";
import { OpenAIDecoder } from "./openai.js";
import { type SseEvent, SseParser } from "./sse.js";
import { TgiDecoder } from "./tgi.js";

/** The stream formats fmops ships with. */
export type BuiltinStreamFormat = "lmi" | "tgi" | "openai";

/**
 * A response-stream wire format's registered name: `"lmi"` (LMI / DJL Serving jsonlines),
 * `"tgi"` (Text Generation Inference server-sent events), `"openai"` (OpenAI-compatible
 * server-sent events: vLLM, TGI's Messages API, LMI's OpenAI schema), or a name given to
 * {@link registerStreamFormat}. The built-in names autocomplete; any string compiles, and an
 * unregistered one fails at run time with {@link UnknownFormatError}.
 */
export type StreamFormat = BuiltinStreamFormat | (string & {});

/**
 * Decodes one response stream, line by line (each line without its terminator). `push` appends
 * the events a line yields to `out` and returns `false` once the stream has said it is finished
 * (the rest is not read); `end`, when present, is called once after the last line, for a final
 * item that had no terminator. Throw a `StreamDecodeError` (or any `FmopsError`) for a line that
 * cannot be read; events pushed before the throw are still delivered.
 */
export interface LineDecoder extends ItemDecoder<string> {
  /** Flushes whatever the last lines left pending. */
  end?(out: StreamEvent[]): void;
}

/** What {@link registerStreamFormat} needs to know about a format. */
export interface StreamFormatDefinition {
  /**
   * Builds a fresh decoder for one stream. Called once per stream, before any data is read, so
   * that option errors surface early. `options.onMalformed` says whether a line that cannot be
   * read should throw (the default) or be skipped; honour it where it makes sense.
   */
  createDecoder(options: DecoderOptions): LineDecoder;
  /**
   * Response content types (MIME type only, e.g. `application/x-kv-stream`) that mean this
   * format, for streams whose format is left to detection. Each type belongs to one format.
   */
  contentTypes?: readonly string[];
}

/** Options of {@link registerStreamFormat}. */
export interface RegisterStreamFormatOptions {
  /**
   * Replace a format already registered under the same name (a built-in included) instead of
   * refusing. Default false: a second registration of a name is almost always a mistake.
   */
  replace?: boolean;
}

const formats = new Map<string, StreamFormatDefinition>();
const byContentType = new Map<string, string>();

// Lower-case letters, digits, dots, dashes and underscores: safe in messages, logs and CLI flags.
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
// What detection reports for text/event-stream before the first event says TGI or OpenAI.
const SSE = "sse";

/**
 * Registers a response-stream format under `name`, for `decodeResponseStream({ format: name })`,
 * for a `SageMakerPayloadCodec` whose `streamFormat` is `name`, and (through `contentTypes`) for
 * streams whose format is detected from the response content type. Names are lower case
 * (`[a-z0-9._-]`, at most 64 characters); `"sse"` is reserved for detection. Registering a taken
 * name or content type throws a `ValidationError` unless `replace` is set.
 *
 * @example
 * ```ts
 * // A made-up line protocol: "T <text>" per token, "S <reason>" at the end.
 * registerStreamFormat("kv-lines", {
 *   contentTypes: ["application/x-kv-lines"],
 *   createDecoder: () => ({
 *     push(line, out) {
 *       if (line.startsWith("T ")) out.push({ type: "text", text: line.slice(2) });
 *       else if (line.startsWith("S ")) out.push({ type: "stop", reason: line.slice(2) });
 *       return true;
 *     },
 *   }),
 * });
 * ```
 */
export function registerStreamFormat(
  name: string,
  definition: StreamFormatDefinition,
  options: RegisterStreamFormatOptions = {},
): void {
  if (typeof name !== "string" || !NAME.test(name) || name === SSE) {
    throw new ValidationError(
      `A stream format needs a lower-case name of letters, digits, ".", "-" or "_" (at most 64 characters, not "sse"); got ${JSON.stringify(String(name)).slice(0, 80)}.`,
      [{ path: "name", message: "not a valid stream format name" }],
    );
  }
  // Read once: what is checked is what is stored (a getter cannot answer twice).
  const create: unknown = isObject(definition) ? definition.createDecoder : undefined;
  if (typeof create !== "function") {
    throw new ValidationError(
      `Stream format "${name}" needs a definition with createDecoder(options), returning an object with push(line, out).`,
      [{ path: "createDecoder", message: "must be a function" }],
    );
  }
  const types = (definition.contentTypes ?? []).map(normalizeMime);
  if (formats.has(name) && !options.replace) {
    throw new ValidationError(
      `A stream format named "${name}" is already registered. Pick another name, or pass { replace: true } to replace it.`,
      [{ path: "name", message: "already registered" }],
    );
  }
  for (const type of types) {
    const owner = byContentType.get(type);
    if (type === "" || type === "text/event-stream" || (owner !== undefined && owner !== name)) {
      throw new ValidationError(
        `Content type "${type}" cannot mean stream format "${name}": ${type === "" ? "it is empty" : `it already means "${owner ?? "sse"}"`}. Leave it out and pass format: "${name}" explicitly.`,
        [{ path: "contentTypes", message: "already taken" }],
      );
    }
  }
  // Replacing drops the old definition's content types, so detection follows the new one.
  for (const [type, owner] of byContentType) if (owner === name) byContentType.delete(type);
  // Bound, so a definition that is a class instance keeps its `this`.
  const createDecoder = (create as StreamFormatDefinition["createDecoder"]).bind(definition);
  formats.set(name, { createDecoder, contentTypes: types });
  for (const type of types) byContentType.set(type, name);
}

/** The names of every registered stream format, built-ins first, in registration order. */
export function registeredStreamFormats(): string[] {
  return [...formats.keys()];
}

/**
 * The definition registered under `name`. Throws {@link UnknownFormatError} (a `ValidationError`
 * naming `format`, listing the registered names and the closest one) when there is none.
 */
export function streamFormatDefinition(name: string): StreamFormatDefinition {
  const found = formats.get(name);
  if (found === undefined) {
    throw new UnknownFormatError("stream format", String(name), registeredStreamFormats());
  }
  return found;
}

/**
 * The format a content type stands for: a registered format's name, `"sse"` for
 * `text/event-stream` (TGI and OpenAI-compatible servers share it), or `undefined`.
 *
 * @internal
 */
export function formatOfContentType(mime: string): string | undefined {
  return mime === "text/event-stream" ? SSE : byContentType.get(mime);
}

/**
 * A decoder for a format name, or for `"sse"`: server-sent events whose first event decides
 * between TGI and OpenAI.
 *
 * @internal
 */
export function createLineDecoder(format: string, options: DecoderOptions): LineDecoder {
  if (format === SSE) return new SseLineDecoder((first) => sseDecoderFor(first, options));
  return streamFormatDefinition(format).createDecoder(options);
}

/** `application/JSON; charset=utf-8` -> `application/json`. */
export function normalizeMime(contentType: string): string {
  return (String(contentType).split(";")[0] ?? "").trim().toLowerCase();
}

/**
 * Server-sent events out of lines, each event handed to one event decoder, chosen by the first
 * event (for detection) or fixed up front.
 *
 * @internal
 */
export class SseLineDecoder implements LineDecoder {
  readonly #parser = new SseParser();
  readonly #events: SseEvent[] = [];
  readonly #choose: (first: SseEvent) => ItemDecoder<SseEvent>;
  #decoder: ItemDecoder<SseEvent> | undefined;

  constructor(decoder: ItemDecoder<SseEvent> | ((first: SseEvent) => ItemDecoder<SseEvent>)) {
    if (typeof decoder === "function") this.#choose = decoder;
    else {
      this.#decoder = decoder;
      this.#choose = () => decoder;
    }
  }

  push(line: string, out: StreamEvent[]): boolean {
    this.#parser.push(line, this.#events);
    return this.#drain(out);
  }

  end(out: StreamEvent[]): void {
    const last = this.#parser.end();
    if (last === undefined) return;
    this.#events.push(last);
    this.#drain(out);
  }

  #drain(out: StreamEvent[]): boolean {
    const events = this.#events;
    if (events.length === 0) return true;
    try {
      for (const event of events) {
        this.#decoder ??= this.#choose(event);
        if (!this.#decoder.push(event, out)) return false;
      }
      return true;
    } finally {
      events.length = 0;
    }
  }
}

function sseDecoderFor(first: SseEvent, options: DecoderOptions): ItemDecoder<SseEvent> {
  return looksLikeOpenAI(first.data) ? new OpenAIDecoder(options) : new TgiDecoder(options);
}

function looksLikeOpenAI(data: string): boolean {
  if (data === "[DONE]") return true;
  try {
    const value: unknown = JSON.parse(data);
    if (!isObject(value)) return false;
    if (Array.isArray(value.choices) || value.object === "error") return true;
    if (typeof value.object === "string" && value.object.includes("completion")) return true;
    // OpenAI-style errors are objects; TGI's are strings.
    return isObject(value.error);
  } catch {
    return false;
  }
}

// The built-ins, registered exactly as a user's format would be.
registerStreamFormat("lmi", {
  createDecoder: (options) => new LmiDecoder(options),
  contentTypes: [
    "application/jsonlines",
    "application/x-jsonlines",
    "application/jsonl",
    "application/x-ndjson",
    "application/ndjson",
    // LMI's `json` formatter streams one JSON document; read as lines it is one LMI line.
    "application/json",
  ],
});
registerStreamFormat("tgi", {
  createDecoder: (options) => new SseLineDecoder(new TgiDecoder(options)),
});
registerStreamFormat("openai", {
  createDecoder: (options) => new SseLineDecoder(new OpenAIDecoder(options)),
});
