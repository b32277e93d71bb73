/**
 * Payload codecs for SageMaker real-time endpoints: how a {@link ChatRequest} becomes the JSON
 * body a serving container expects, and how its JSON answer becomes a {@link ChatResponse}.
 *
 * @module
 */
import type { ChatRequest, ChatResponse } from "../core/index.js";
import { FmopsError, redact, ValidationError } from "../core/index.js";
import type { StreamFormat } from "../streaming/index.js";
import { UnknownFormatError } from "../streaming/index.js";
import type { ChatTemplateFn } from "./chat-templates.js";
import { fromOpenAIMessage, toOpenAIMessages, toOpenAITools } from "./openai-messages.js";

/** What a codec gets besides the request. */
export interface PayloadContext {
  /** Whether the body is for InvokeEndpointWithResponseStream. */
  stream: boolean;
  /** Renders the request as one prompt string, for containers that take raw text. */
  render: ChatTemplateFn;
  /** Extra model parameters from the model's options, merged into the container's parameters. */
  parameters: Record<string, unknown>;
}

/**
 * Translates requests and responses for one kind of serving container. Pass your own to
 * `SageMakerChatModel` for a custom inference handler, or register it with
 * {@link registerSageMakerPayloadCodec} and refer to it by name.
 */
export interface SageMakerPayloadCodec {
  /** Short name, used in messages, and the name it is registered under. */
  readonly name: string;
  /**
   * The wire format of the container's response stream: a built-in stream format or one given
   * to `registerStreamFormat`. Leave out if the container cannot stream.
   */
  readonly streamFormat?: StreamFormat;
  /**
   * True when `body` sends the request's tools and `parse` (and the stream format) return tool
   * calls; requests with tools are refused for codecs without it.
   */
  readonly supportsTools?: boolean;
  /** Builds the JSON request body. */
  body(request: ChatRequest, context: PayloadContext): unknown;
  /** Reads the non-streaming JSON answer. Latency is added by the caller. */
  parse(json: unknown): Omit<ChatResponse, "latency">;
}

/** Names of the built-in codecs. */
export type BuiltinSageMakerPayloadFormat = "tgi" | "lmi" | "openai" | "jumpstart-text2text";

/**
 * A payload codec's registered name: a built-in (which autocomplete) or the `name` of a codec
 * given to {@link registerSageMakerPayloadCodec}. An unregistered name fails at run time with
 * `UnknownFormatError`.
 */
export type SageMakerPayloadFormat = BuiltinSageMakerPayloadFormat | (string & {});

type Json = Record<string, unknown>;

function unexpected(codec: string, json: unknown): FmopsError {
  return new FmopsError(
    "UNEXPECTED_RESPONSE",
    `The endpoint's answer does not match the "${codec}" payload format: ${redact(JSON.stringify(json) ?? String(json))}. Check the model's "format" option against the serving container.`,
  );
}

function defined(entries: Record<string, unknown>): Json {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}

/** Shared by TGI and LMI: both take `inputs` + `parameters` and answer `generated_text` + `details`. */
function textGenerationCodec(
  name: "tgi" | "lmi",
  stopKey: "stop" | "stop_sequences",
): SageMakerPayloadCodec {
  return {
    name,
    streamFormat: name,
    body(request, { stream, render, parameters }) {
      const sampling = request.temperature !== undefined && request.temperature > 0;
      return defined({
        inputs: render(request),
        parameters: defined({
          max_new_tokens: request.maxTokens,
          temperature: sampling ? request.temperature : undefined,
          top_p: request.topP !== undefined && request.topP < 1 ? request.topP : undefined,
          do_sample: request.temperature === undefined ? undefined : sampling,
          [stopKey]: request.stopSequences,
          return_full_text: false,
          details: true,
          ...parameters,
        }),
        stream: stream || undefined,
      });
    },
    parse(json) {
      // TGI (and LMI with tgi_compat) answers a one-element array; LMI answers the object.
      const item = (Array.isArray(json) ? json[0] : json) as Json | undefined;
      if (typeof item?.generated_text !== "string") throw unexpected(name, json);
      const details = item.details as Json | undefined;
      const finish = (details?.finish_reason ?? details?.["finish reason"]) as string | undefined;
      if (finish === "error") {
        throw new FmopsError(
          "MODEL_ERROR",
          'The container reported finish_reason "error"; see the endpoint\'s CloudWatch logs.',
        );
      }
      const response: Omit<ChatResponse, "latency"> = { text: item.generated_text };
      if (finish !== undefined) response.stopReason = finish;
      if (typeof details?.generated_tokens === "number")
        response.usage = { outputTokens: details.generated_tokens };
      return response;
    },
  };
}

// LMI and TGI containers serve the OpenAI messages API: the same mapping as OpenAI-compatible
// servers, tools included.
const openai: SageMakerPayloadCodec = {
  name: "openai",
  streamFormat: "openai",
  supportsTools: true,
  body(request, { stream, parameters }) {
    return defined({
      messages: toOpenAIMessages(request),
      ...toOpenAITools(request),
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      top_p: request.topP,
      stop: request.stopSequences,
      ...parameters,
      stream: stream || undefined,
      stream_options: stream ? { include_usage: true } : undefined,
    });
  },
  parse(json) {
    const choice = ((json as Json | undefined)?.choices as Json[] | undefined)?.[0];
    const message = fromOpenAIMessage(choice?.message);
    if (message === undefined) throw unexpected("openai", json);
    const response: Omit<ChatResponse, "latency"> = { text: message.text };
    // Unchecked here: SageMakerChatModel checks tool calls against the request's tools.
    if (message.toolCalls.length > 0) {
      response.toolCalls = message.toolCalls;
      response.content = message.content;
    }
    if (typeof choice?.finish_reason === "string") response.stopReason = choice.finish_reason;
    const usage = (json as Json).usage as Json | undefined;
    if (usage) {
      response.usage = defined({
        inputTokens: usage.prompt_tokens,
        outputTokens: usage.completion_tokens,
        totalTokens: usage.total_tokens,
      });
    }
    return response;
  },
};

// JumpStart's text2text containers (FLAN-T5 and kin) take `text_inputs` and cannot stream.
const jumpstartText2Text: SageMakerPayloadCodec = {
  name: "jumpstart-text2text",
  body(request, { render, parameters }) {
    return defined({
      text_inputs: render(request),
      max_length: request.maxTokens,
      temperature: request.temperature,
      top_p: request.topP,
      do_sample: request.temperature === undefined ? undefined : request.temperature > 0,
      ...parameters,
    });
  },
  parse(json) {
    const texts = (json as Json | undefined)?.generated_texts;
    if (!Array.isArray(texts) || typeof texts[0] !== "string")
      throw unexpected("jumpstart-text2text", json);
    return { text: texts[0] };
  },
};

const codecs = new Map<string, SageMakerPayloadCodec>();

/** Options of {@link registerSageMakerPayloadCodec}. */
export interface RegisterPayloadCodecOptions {
  /** Replace a codec already registered under the same name (a built-in included). Default false. */
  replace?: boolean;
}

/**
 * Registers a payload codec under its `name`, so that `new SageMakerChatModel({ format: name })`
 * (and the CLI's `--format name`) use it. The built-in codecs are registered the same way.
 * Registering a taken name throws a `ValidationError` unless `replace` is set. A codec's
 * `streamFormat` is looked up when a stream starts, so it may be registered before or after.
 *
 * @example
 * ```ts
 * registerSageMakerPayloadCodec({
 *   name: "my-handler",
 *   streamFormat: "kv-lines", // registered with registerStreamFormat
 *   body: (request, { render, stream }) => ({ prompt: render(request), stream }),
 *   parse: (json) => ({ text: (json as { completion: string }).completion }),
 * });
 * const model = new SageMakerChatModel({ endpointName: "my-endpoint", format: "my-handler" });
 * ```
 */
export function registerSageMakerPayloadCodec(
  codec: SageMakerPayloadCodec,
  options: RegisterPayloadCodecOptions = {},
): void {
  // The name is read once: checked, compared and stored as one value, so a getter cannot pass the
  // checks under one name and then take another's place (a built-in's, say) without `replace`.
  const name: unknown = typeof codec === "object" && codec !== null ? codec.name : undefined;
  checkCodec(codec, name);
  if (codecs.has(name as string) && !options.replace) {
    throw new ValidationError(
      `A SageMaker payload codec named "${name as string}" is already registered. Pick another name, or pass { replace: true } to replace it.`,
      [{ path: "name", message: "already registered" }],
    );
  }
  codecs.set(name as string, codec);
}

function checkCodec(codec: SageMakerPayloadCodec, name: unknown): void {
  const problem =
    typeof codec !== "object" || codec === null
      ? "must be an object"
      : typeof name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)
        ? "needs a name of letters, digits, '.', '-' or '_' (at most 64 characters)"
        : typeof codec.body !== "function" || typeof codec.parse !== "function"
          ? "needs body() and parse() functions"
          : codec.streamFormat !== undefined && typeof codec.streamFormat !== "string"
            ? "has a streamFormat that is not a name"
            : undefined;
  if (problem !== undefined) {
    throw new ValidationError(`A SageMaker payload codec ${problem}.`, [
      { path: "codec", message: problem },
    ]);
  }
}

registerSageMakerPayloadCodec(textGenerationCodec("tgi", "stop"));
registerSageMakerPayloadCodec(textGenerationCodec("lmi", "stop_sequences"));
registerSageMakerPayloadCodec(openai);
registerSageMakerPayloadCodec(jumpstartText2Text);

/** The built-in payload format names. */
export const sageMakerPayloadFormats: readonly BuiltinSageMakerPayloadFormat[] = [
  "tgi",
  "lmi",
  "openai",
  "jumpstart-text2text",
];

/** The names of every registered payload codec, built-ins first, in registration order. */
export function registeredSageMakerPayloadFormats(): string[] {
  return [...codecs.keys()];
}

/**
 * Resolves a payload format name (or a custom codec) to a codec. An unregistered name throws
 * `UnknownFormatError` (a `ValidationError` on `format`) listing the registered names.
 */
export function payloadCodec(
  format: SageMakerPayloadFormat | SageMakerPayloadCodec,
): SageMakerPayloadCodec {
  if (typeof format !== "string") return format;
  const codec = codecs.get(format);
  if (codec === undefined) {
    throw new UnknownFormatError(
      "SageMaker payload format",
      format,
      registeredSageMakerPayloadFormats(),
    );
  }
  return codec;
}
