/**
 * {@link SageMakerChatModel}: chat over a SageMaker real-time endpoint, and
 * {@link streamEndpoint} for a raw streaming invocation.
 *
 * @module
 */
import type * as SageMakerRuntimeModule from "@aws-sdk/client-sagemaker-runtime";
import type {
  InvokeEndpointCommandInput,
  InvokeEndpointWithResponseStreamCommandInput,
  SageMakerRuntimeClient,
} from "@aws-sdk/client-sagemaker-runtime";
import { z } from "zod";
import type { ChatRequest, ChatResponse } from "../core/index.js";
import {
  type AwsClientConfig,
  awsCall,
  FmopsError,
  parseOptions,
  ValidationError,
  withDeadline,
} from "../core/index.js";
import type { ToolSpec } from "../core/internal.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  checkToolCall,
  clientConfigFrom,
  type LoadedAwsClient,
  lazyAwsClient,
  parseJsonBody,
  sageMakerEndpointNameSchema,
  sageMakerRuntimeSdk,
  schemaFor,
} from "../core/internal.js";
import type { UnknownEventPolicy } from "../streaming/index.js";
import { decodeResponseStream, type StreamFormat, TokenStream } from "../streaming/index.js";
import { streamFormatDefinition } from "../streaming/internal.js";
import { type ChatTemplate, chatTemplate, chatTemplateNames } from "./chat-templates.js";
import {
  type ConstrainedDecodingField,
  chatCompletionsConstraint,
  constrainedDecodingFields,
  tgiGrammar,
} from "./constrained-decoding.js";
import { validateChatRequest } from "./request.js";
import { invokeEndpoint } from "./sagemaker-invoke.js";
import {
  payloadCodec,
  type SageMakerPayloadCodec,
  type SageMakerPayloadFormat,
  sageMakerPayloadFormats,
} from "./sagemaker-payloads.js";
import type { CallOptions, ChatModel, StructuredOutputMode } from "./types.js";

const SERVICE = "SageMakerRuntime";
const DEFAULT_TIMEOUT_MS = 120_000;

/** Options for {@link SageMakerChatModel}. */
export interface SageMakerChatModelOptions extends AwsClientConfig {
  /** The endpoint's name. */
  endpointName: string;
  /**
   * The serving container's payload format: `"tgi"` (Text Generation Inference), `"lmi"` (DJL
   * large-model inference, rolling batch), `"openai"` (OpenAI-compatible `messages`, e.g. LMI's
   * chat schema or TGI's Messages API), `"jumpstart-text2text"` (FLAN-T5-style, no streaming),
   * the name of a codec given to `registerSageMakerPayloadCodec`, or your own
   * {@link SageMakerPayloadCodec}.
   */
  format: SageMakerPayloadFormat | SageMakerPayloadCodec;
  /** How to render messages into one prompt for raw-text formats. Default `"plain"`. */
  chatTemplate?: ChatTemplate;
  /** A ready client; preferred, so connections and credentials are shared. */
  client?: SageMakerRuntimeClient;
  /** Extra model parameters merged into every request (e.g. `{ repetition_penalty: 1.1 }`). */
  parameters?: Record<string, unknown>;
  /** Multi-model endpoints: the model artifact to invoke (not supported for streaming by SageMaker). */
  targetModel?: string;
  /** Send the request to this production variant. */
  targetVariant?: string;
  /** Endpoints with inference components: the component to invoke. */
  inferenceComponentName?: string;
  /** Passed to the container as `X-Amzn-SageMaker-Custom-Attributes`. */
  customAttributes?: string;
  /** Default deadline for a call in milliseconds. Default 120 000. */
  timeoutMs?: number;
  /**
   * Longest wait without progress in a stream before `STREAM_IDLE_TIMEOUT`: from sending the
   * request to the first chunk, then between two chunks. Default 60 000.
   */
  idleTimeoutMs?: number;
  /**
   * A response-stream event of a type this version does not know: `"skip"` (default), `"error"`,
   * or a function that sees each one before it is skipped. The AWS SDK already drops event types
   * it has no model for; this decides for those it hands on.
   */
  onUnknownEvent?: UnknownEventPolicy;
  /**
   * Format `"openai"` only: the field that carries a request's `responseFormat` (constrained
   * decoding). `"json_schema"` (OpenAI `response_format`, read by LMI's vLLM backend; the
   * default) or `"tgi"` (a TGI container's Messages API); see {@link ConstrainedDecodingField}.
   * Format `"tgi"` always sends TGI's `parameters.grammar`; other formats have none.
   */
  constrainedDecoding?: ConstrainedDecodingField;
  /**
   * How `generateObject` asks this model for an object when the caller does not say. Default:
   * `"constrained"` for format `"tgi"` (a JSON grammar), `"tool"` for `"openai"`, else `"json"`.
   */
  structuredOutput?: StructuredOutputMode;
}

const optionsSchema = schemaFor<SageMakerChatModelOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      endpointName: sageMakerEndpointNameSchema,
      format: z.union([
        // Any name here: the codec registry refuses unknown ones, listing the registered names.
        z.string().min(1),
        z.custom<SageMakerPayloadCodec>(
          (v) =>
            typeof v === "object" &&
            v !== null &&
            typeof (v as SageMakerPayloadCodec).body === "function" &&
            typeof (v as SageMakerPayloadCodec).parse === "function",
          `must be a registered payload format (${sageMakerPayloadFormats.join(", ")}, ...) or a codec with body() and parse()`,
        ),
      ]),
      chatTemplate: z
        .union([
          z.enum(chatTemplateNames),
          z.custom<(r: ChatRequest) => string>((v) => typeof v === "function"),
        ])
        .optional(),
      client: awsClientSchema<SageMakerRuntimeClient>("SageMakerRuntimeClient").optional(),
      parameters: z.record(z.string(), z.unknown()).optional(),
      targetModel: z.string().min(1).optional(),
      targetVariant: z.string().min(1).optional(),
      inferenceComponentName: z.string().min(1).optional(),
      customAttributes: z.string().max(1024).optional(),
      timeoutMs: z.int().positive().optional(),
      idleTimeoutMs: z.int().positive().optional(),
      // Checked by LineIterator, which knows the choices.
      onUnknownEvent: z.custom<UnknownEventPolicy>().optional(),
      constrainedDecoding: z.enum(constrainedDecodingFields).optional(),
      structuredOutput: z.enum(["tool", "constrained", "json"]).optional(),
    })
    .strict(),
);

/**
 * A {@link ChatModel} on a SageMaker real-time endpoint: `generate` calls InvokeEndpoint,
 * `stream` calls InvokeEndpointWithResponseStream and decodes the container's stream format
 * (TGI server-sent events, LMI JSON lines or OpenAI-compatible events) into a {@link TokenStream}.
 *
 * @example
 * ```ts
 * const model = new SageMakerChatModel({ endpointName: "llama-3-8b", format: "tgi", chatTemplate: "llama3" });
 * for await (const delta of model.stream({ messages: [{ role: "user", content: "Hi!" }] })) {
 *   process.stdout.write(delta);
 * }
 * ```
 */
export class SageMakerChatModel implements ChatModel {
  /** `sagemaker:<endpoint>`, with `/<component>` or `#<target model>` when set. */
  readonly id: string;
  readonly #options: SageMakerChatModelOptions;
  readonly #codec: SageMakerPayloadCodec;
  readonly #runtime;
  readonly #render: (request: ChatRequest) => string;
  /**
   * True when the payload format sends tools and reads tool calls (`"openai"`: LMI and TGI
   * containers' messages API); `generateObject` then forces a tool call on this model.
   */
  readonly supportsTools: boolean;
  /** From the `structuredOutput` option, else what the payload format can do (see the option). */
  readonly structuredOutput: StructuredOutputMode;

  constructor(options: SageMakerChatModelOptions) {
    this.#options = parseOptions(optionsSchema, options, "SageMakerChatModel options");
    this.#codec = payloadCodec(this.#options.format);
    this.supportsTools = this.#codec.supportsTools === true;
    const { format } = this.#options;
    if (this.#options.structuredOutput === "constrained" && !constrains(format)) {
      throw new ValidationError(
        `Invalid SageMakerChatModel options: structuredOutput: the "${this.#codec.name}" payload format has no constrained decoding; use format "tgi" or "openai", or structuredOutput "json".`,
        [{ path: "structuredOutput", message: "not supported by this payload format" }],
      );
    }
    this.structuredOutput =
      this.#options.structuredOutput ??
      (format === "tgi" ? "constrained" : this.supportsTools ? "tool" : "json");
    const config = clientConfigFrom(this.#options);
    this.#runtime = lazyAwsClient(
      sageMakerRuntimeSdk,
      "SageMakerChatModel",
      this.#options.client,
      (sdk) => new sdk.SageMakerRuntimeClient(config),
    );
    this.#render = chatTemplate(this.#options.chatTemplate ?? "plain");
    const { endpointName, inferenceComponentName, targetModel } = this.#options;
    this.id = `sagemaker:${endpointName}${inferenceComponentName ? `/${inferenceComponentName}` : ""}${targetModel ? `#${targetModel}` : ""}`;
  }

  /** Calls InvokeEndpoint and returns the whole answer with its end-to-end latency. */
  async generate(request: ChatRequest, options: CallOptions = {}): Promise<ChatResponse> {
    const valid = this.#check(request);
    const body = this.#body(valid, false);
    const startedAt = performance.now();
    const output = await withDeadline(
      { signal: options.signal, timeoutMs: options.timeoutMs ?? this.#options.timeoutMs },
      DEFAULT_TIMEOUT_MS,
      `waiting for SageMaker endpoint "${this.#options.endpointName}"`,
      (signal) => invokeEndpoint(this.#runtime, this.#input(body, true), signal),
    );
    const e2eMs = performance.now() - startedAt;
    const json = parseJsonBody(
      output.Body,
      `Endpoint "${this.#options.endpointName}" (${output.ContentType ?? "no content type"})`,
    );
    const answer: ChatResponse = { ...this.#codec.parse(json), latency: { e2eMs } };
    const calls = answer.toolCalls ?? [];
    // Present when tools were offered or called; a plain-text answer keeps its plain shape.
    if (calls.length > 0 || valid.tools?.length) {
      answer.toolCalls = calls.map((call) => checkToolCall(call, valid.tools));
    }
    return answer;
  }

  /** Calls InvokeEndpointWithResponseStream; the request is sent when the stream is first read. */
  stream(request: ChatRequest, options: CallOptions = {}): TokenStream {
    const format = this.#codec.streamFormat;
    if (format === undefined) {
      throw new ValidationError(
        `The "${this.#codec.name}" payload format cannot stream. Use generate(), or a container and format that stream (tgi, lmi, openai).`,
        [{ path: "format", message: "does not stream" }],
      );
    }
    // An unregistered stream format fails here, before the request is sent.
    streamFormatDefinition(format);
    if (this.#options.targetModel !== undefined) {
      throw new ValidationError(
        "SageMaker does not stream from multi-model endpoints (targetModel). Use generate(), or host the model on its own endpoint or inference component.",
        [{ path: "targetModel", message: "not supported for streaming" }],
      );
    }
    const valid = this.#check(request);
    const body = this.#body(valid, true);
    return streamWith(
      this.#runtime,
      {
        input: this.#input(body, false),
        format,
        signal: options.signal,
        timeoutMs: options.timeoutMs ?? this.#options.timeoutMs,
        idleTimeoutMs: this.#options.idleTimeoutMs,
        onUnknownEvent: this.#options.onUnknownEvent,
      },
      valid.tools,
    );
  }

  /** Validates the request, and refuses tools the payload format cannot send. */
  #check(request: ChatRequest): ChatRequest {
    const valid = validateChatRequest(request);
    if (valid.tools?.length && !this.supportsTools) {
      throw new ValidationError(
        `The "${this.#codec.name}" payload format cannot send tools. Use format "openai" with a container that serves the messages API (LMI, TGI), or leave tools out.`,
        [{ path: "tools", message: `not supported by the "${this.#codec.name}" payload format` }],
      );
    }
    if (valid.responseFormat !== undefined && !constrains(this.#options.format)) {
      throw new ValidationError(
        `The "${this.#codec.name}" payload format has no constrained decoding (responseFormat). Use format "tgi" (a JSON grammar) or "openai" with a container that serves the messages API, or leave responseFormat out.`,
        [
          {
            path: "responseFormat",
            message: `not supported by the "${this.#codec.name}" payload format`,
          },
        ],
      );
    }
    return valid;
  }

  #body(request: ChatRequest, stream: boolean): Uint8Array {
    const json = this.#codec.body(request, {
      stream,
      render: this.#render,
      parameters: this.#options.parameters ?? {},
    }) as Record<string, unknown>;
    const format = request.responseFormat;
    if (format !== undefined && this.#options.format === "tgi") {
      // TGI's /generate takes the schema as a grammar among the generation parameters.
      const parameters = (json.parameters ?? {}) as Record<string, unknown>;
      json.parameters = { ...parameters, grammar: tgiGrammar(format) };
    } else if (format !== undefined) {
      Object.assign(
        json,
        chatCompletionsConstraint(format, this.#options.constrainedDecoding ?? "json_schema"),
      );
    }
    return new TextEncoder().encode(JSON.stringify(json));
  }

  #input(body: Uint8Array, withTargetModel: boolean): InvokeEndpointCommandInput {
    const o = this.#options;
    const input: InvokeEndpointCommandInput = {
      EndpointName: o.endpointName,
      Body: body,
      ContentType: "application/json",
    };
    if (withTargetModel && o.targetModel !== undefined) input.TargetModel = o.targetModel;
    if (o.targetVariant !== undefined) input.TargetVariant = o.targetVariant;
    if (o.inferenceComponentName !== undefined)
      input.InferenceComponentName = o.inferenceComponentName;
    if (o.customAttributes !== undefined) input.CustomAttributes = o.customAttributes;
    return input;
  }
}

/** Whether a payload format can carry a `responseFormat`: TGI's grammar or the messages API's field. */
function constrains(format: SageMakerChatModelOptions["format"]): boolean {
  return format === "tgi" || format === "openai";
}

/** Options for {@link streamEndpoint}. */
export interface StreamEndpointOptions {
  /** The client to send with. */
  client: SageMakerRuntimeClient;
  /** The invocation: `EndpointName`, `Body` (bytes, a string or a JSON-serializable object), and optional headers. */
  input: Omit<InvokeEndpointWithResponseStreamCommandInput, "Body"> & {
    /** The request body: bytes as they are, a string as UTF-8, anything else as JSON. */
    Body: Uint8Array | string | object;
  };
  /** The container's stream format; detected from the response content type when left out. */
  format?: StreamFormat;
  /** Cancels the stream. */
  signal?: AbortSignal | undefined;
  /** Deadline for the whole stream. Default 600 000 ms. */
  timeoutMs?: number | undefined;
  /** Longest wait from sending the request to the first chunk, then between chunks. Default 60 000 ms. */
  idleTimeoutMs?: number | undefined;
  /** A response-stream event of a type this version does not know; see {@link UnknownEventPolicy}. */
  onUnknownEvent?: UnknownEventPolicy | undefined;
}

/**
 * Invokes a streaming endpoint with a body you built yourself and decodes its response stream
 * into a {@link TokenStream}.
 *
 * @example
 * ```ts
 * const stream = streamEndpoint({
 *   client: new SageMakerRuntimeClient({}),
 *   input: { EndpointName: "my-lmi", Body: { inputs: "Hello", parameters: { max_new_tokens: 64 } } },
 *   format: "lmi",
 * });
 * console.log(await stream.text());
 * ```
 */
export function streamEndpoint(options: StreamEndpointOptions): TokenStream {
  const { client } = options;
  return streamWith(
    lazyAwsClient(sageMakerRuntimeSdk, "streamEndpoint", client, () => client),
    options,
  );
}

/** {@link streamEndpoint}, with the client (and its package) loaded when the stream is first read. */
function streamWith(
  runtime: () => Promise<LoadedAwsClient<typeof SageMakerRuntimeModule, SageMakerRuntimeClient>>,
  options: Omit<StreamEndpointOptions, "client">,
  tools?: readonly ToolSpec[],
): TokenStream {
  const { format, idleTimeoutMs, onUnknownEvent } = options;
  const { Body, ...rest } = options.input;
  const bytes =
    Body instanceof Uint8Array
      ? Body
      : new TextEncoder().encode(typeof Body === "string" ? Body : JSON.stringify(Body));
  const input: InvokeEndpointWithResponseStreamCommandInput = {
    ContentType: "application/json",
    ...rest,
    Body: bytes,
  };
  return new TokenStream(
    async (signal) => {
      const output = await awsCall(
        {
          service: SERVICE,
          operation: "InvokeEndpointWithResponseStream",
          iamAction: "sagemaker:InvokeEndpointWithResponseStream",
        },
        async () => {
          const { sdk, client } = await runtime();
          return client.send(new sdk.InvokeEndpointWithResponseStreamCommand(input), {
            abortSignal: signal,
          });
        },
      );
      if (!output.Body) {
        throw new FmopsError(
          "UNEXPECTED_RESPONSE",
          `Endpoint "${input.EndpointName}" returned no response stream.`,
        );
      }
      return decodeResponseStream(output.Body, {
        format,
        contentType: output.ContentType,
        signal,
        idleTimeoutMs,
        onUnknownEvent,
      });
    },
    { signal: options.signal, timeoutMs: options.timeoutMs, idleTimeoutMs, tools },
  );
}
