/**
 * {@link BedrockChatModel}: chat over Amazon Bedrock's Converse and ConverseStream APIs.
 *
 * @module
 */
import type {
  BedrockRuntimeClient,
  ConverseCommandInput,
  ConverseCommandOutput,
  ConverseStreamCommandInput,
  ConverseStreamCommandOutput,
  GuardrailConfiguration,
  GuardrailStreamConfiguration,
  InferenceConfiguration,
} from "@aws-sdk/client-bedrock-runtime";
import { z } from "zod";
import type { ChatLatency, ChatRequest, ChatResponse, TokenUsage } from "../core/index.js";
import {
  type AwsClientConfig,
  awsCall,
  FmopsError,
  parseOptions,
  ValidationError,
  withDeadline,
  wrapAwsError,
} from "../core/index.js";
import type { ToolSpec } from "../core/internal.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  bedrockRuntimeSdk,
  checkToolCall,
  clientConfigFrom,
  lazyAwsClient,
  schemaFor,
} from "../core/internal.js";
import { decodeConverseStream, TokenStream } from "../streaming/index.js";
import { type BedrockUsage, bedrockUsage, converseStreamError } from "../streaming/internal.js";
import { fromBedrockContent, toBedrockMessages, toBedrockToolConfig } from "./bedrock-content.js";
import { bedrockSupportsTools, parseBedrockModelId } from "./bedrock-model-id.js";
import { validateChatRequest } from "./request.js";
import type { CallOptions, ChatModel } from "./types.js";

const SERVICE = "BedrockRuntime";
const DEFAULT_TIMEOUT_MS = 120_000;

/** Default inference parameters; a request's own values win. */
export interface BedrockInferenceConfig {
  /** Upper bound on generated tokens. */
  maxTokens?: number;
  /** Sampling temperature. */
  temperature?: number;
  /** Nucleus-sampling probability mass. */
  topP?: number;
  /** Generation stops before any of these strings. */
  stopSequences?: string[];
}

/** A Bedrock guardrail applied to every call. */
export interface BedrockGuardrailConfig {
  /** The guardrail's id or ARN. */
  guardrailIdentifier: string;
  /** Its version: a number such as `"1"`, or `"DRAFT"`. */
  guardrailVersion: string;
  /** Whether Bedrock returns the guardrail's trace. Default: the service's (`disabled`). */
  trace?: "enabled" | "disabled" | "enabled_full";
  /** Streaming only: check each chunk before sending it (`sync`, default) or in the background (`async`). */
  streamProcessingMode?: "sync" | "async";
}

/** Options for {@link BedrockChatModel}. */
export interface BedrockChatModelOptions extends AwsClientConfig {
  /**
   * A model id (`anthropic.claude-3-haiku-20240307-v1:0`), a cross-region inference profile id
   * (`us.anthropic.claude-3-5-haiku-20241022-v1:0`), or the ARN of a foundation model, an
   * inference profile, an application inference profile
   * (`arn:aws:bedrock:<region>:<account>:application-inference-profile/<id>`), provisioned
   * throughput or an imported model.
   */
  modelId: string;
  /**
   * The foundation model behind a `modelId` that does not name it (an application inference
   * profile, provisioned throughput, an imported model), e.g.
   * `anthropic.claude-3-5-haiku-20241022-v1:0`: fmops reads what the model supports (tool use)
   * from it. Ids and ARNs that name their model need no hint.
   */
  foundationModel?: string;
  /**
   * Whether Converse takes tools for this model. Default: from the foundation model (false for
   * the models Bedrock documents without tool use, such as Titan Text and Claude 2), true when
   * it cannot tell.
   */
  supportsTools?: boolean;
  /** A ready client; preferred, so connections and credentials are shared. */
  client?: BedrockRuntimeClient;
  /** System prompt used when a request has none. */
  system?: string;
  /** Default inference parameters. */
  inferenceConfig?: BedrockInferenceConfig;
  /** `{ latency: "optimized" }` asks for latency-optimized inference on models that offer it. */
  performanceConfig?: {
    /** `"optimized"` for latency-optimized inference; `"standard"` is Bedrock's default. */
    latency: "standard" | "optimized";
  };
  /** A guardrail applied to every call. */
  guardrailConfig?: BedrockGuardrailConfig;
  /**
   * Prompt-cache checkpoints added to every request: after the system prompt, after the tool
   * definitions, and after the last message. Models with prompt caching then bill the cached
   * prefix at the cache-read rate (see `usage.cacheReadTokens`). A message can also carry its own
   * `{ type: "cachePoint" }` block.
   */
  cachePoints?: {
    /** A cache point after the system prompt. */
    system?: boolean;
    /** A cache point after the tools. */
    tools?: boolean;
    /** A cache point at the end of the last message. */
    messages?: boolean;
  };
  /** Model-specific fields Converse does not cover, e.g. `{ top_k: 200 }` for Anthropic models. */
  additionalModelRequestFields?: Record<string, unknown>;
  /**
   * Default deadline of a call in milliseconds: 120 000 for `generate`; for `stream` it bounds
   * the whole stream and defaults to the {@link TokenStream}'s 600 000.
   */
  timeoutMs?: number;
  /**
   * Longest wait without progress in a stream before `STREAM_IDLE_TIMEOUT`: from sending the
   * request to the first event, then between two events. Default 60 000.
   */
  idleTimeoutMs?: number;
}

// Model ids, inference profile ids and ARNs: Bedrock accepts up to 2048 characters.
const modelIdSchema = z
  .string()
  .min(1, "must name a model, inference profile or ARN")
  .max(2048)
  .regex(/^\S+$/, "must not contain whitespace");

const optionsSchema = schemaFor<BedrockChatModelOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      modelId: modelIdSchema,
      foundationModel: z
        .string()
        .regex(
          /^[a-z0-9-]+\.[A-Za-z0-9._:-]+$/,
          "must be a foundation model id such as anthropic.claude-3-5-haiku-20241022-v1:0",
        )
        .optional(),
      supportsTools: z.boolean().optional(),
      client: awsClientSchema<BedrockRuntimeClient>("BedrockRuntimeClient").optional(),
      system: z.string().min(1).optional(),
      inferenceConfig: z
        .object({
          maxTokens: z.int().positive().optional(),
          temperature: z.number().min(0).max(2).optional(),
          topP: z.number().gt(0).max(1).optional(),
          stopSequences: z.array(z.string().min(1)).max(2500).optional(),
        })
        .strict()
        .optional(),
      performanceConfig: z
        .object({ latency: z.enum(["standard", "optimized"]) })
        .strict()
        .optional(),
      guardrailConfig: z
        .object({
          guardrailIdentifier: z.string().min(1).max(2048),
          guardrailVersion: z
            .string()
            .regex(/^(([1-9][0-9]{0,7})|(DRAFT))$/, 'must be a version number or "DRAFT"'),
          trace: z.enum(["enabled", "disabled", "enabled_full"]).optional(),
          streamProcessingMode: z.enum(["sync", "async"]).optional(),
        })
        .strict()
        .optional(),
      cachePoints: z
        .object({
          system: z.boolean().optional(),
          tools: z.boolean().optional(),
          messages: z.boolean().optional(),
        })
        .strict()
        .optional(),
      additionalModelRequestFields: z.record(z.string(), z.unknown()).optional(),
      timeoutMs: z.int().positive().optional(),
      idleTimeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

/**
 * A {@link ChatModel} on Amazon Bedrock: `generate` calls Converse, `stream` calls ConverseStream.
 * Works with model ids, cross-region inference profiles and ARNs; supports latency-optimized
 * inference, guardrails, and reports token usage and Bedrock's own latency (`latency.serviceMs`).
 *
 * @example
 * ```ts
 * const model = new BedrockChatModel({
 *   modelId: "us.anthropic.claude-3-5-haiku-20241022-v1:0",
 *   region: "us-east-2",
 *   performanceConfig: { latency: "optimized" },
 *   inferenceConfig: { maxTokens: 512, temperature: 0.2 },
 * });
 * const answer = await model.generate({ messages: [{ role: "user", content: "Hello!" }] });
 * console.log(answer.text, answer.usage, answer.latency);
 * ```
 */
export class BedrockChatModel implements ChatModel {
  /** `bedrock:<modelId>`. */
  readonly id: string;
  /**
   * Whether Converse takes tools for this model (option `supportsTools`, else told from the
   * foundation model); `generateObject` then forces a tool call, else asks for JSON in text.
   */
  readonly supportsTools: boolean;
  /** The foundation model id behind `modelId` (option `foundationModel`, else read from the id), when known. */
  readonly foundationModel?: string;
  readonly #options: BedrockChatModelOptions;
  readonly #bedrock;

  constructor(options: BedrockChatModelOptions) {
    this.#options = parseOptions(optionsSchema, options, "BedrockChatModel options");
    const config = clientConfigFrom(this.#options);
    this.#bedrock = lazyAwsClient(
      bedrockRuntimeSdk,
      "BedrockChatModel",
      this.#options.client,
      (sdk) => new sdk.BedrockRuntimeClient(config),
    );
    this.id = `bedrock:${this.#options.modelId}`;
    const foundationModel =
      this.#options.foundationModel ?? parseBedrockModelId(this.#options.modelId).foundationModel;
    if (foundationModel !== undefined) this.foundationModel = foundationModel;
    this.supportsTools =
      this.#options.supportsTools ??
      (foundationModel === undefined ? true : bedrockSupportsTools(foundationModel));
  }

  /** Calls Converse and returns the whole answer with usage and latency (`e2eMs`, `serviceMs`). */
  async generate(request: ChatRequest, options: CallOptions = {}): Promise<ChatResponse> {
    const valid = checkRequest(request);
    const input: ConverseCommandInput = this.#input(valid);
    const guardrail = this.#guardrail(false);
    if (guardrail) input.guardrailConfig = guardrail;
    return this.#converse(input, options, valid.tools);
  }

  /**
   * Runs a Bedrock Prompt Management prompt: `modelId` must be a prompt (version) ARN, and
   * `variables` fill its `{{placeholders}}`. The prompt carries its own model, system text and
   * inference settings, so only extra `messages` may be added after its own.
   *
   * @example
   * ```ts
   * const prompt = new BedrockChatModel({ modelId: "arn:aws:bedrock:us-east-1:111122223333:prompt/PROMPT12345:2" });
   * const answer = await prompt.runPrompt({ customer: "Ana", question: "Where is my order?" });
   * ```
   */
  async runPrompt(
    variables: Record<string, string>,
    options: CallOptions & { messages?: ChatRequest["messages"] } = {},
  ): Promise<ChatResponse> {
    if (!PROMPT_ARN.test(this.#options.modelId)) {
      throw new ValidationError(
        `runPrompt needs a Bedrock prompt ARN as modelId (arn:aws:bedrock:<region>:<account>:prompt/<id>[:<version>]); got "${this.#options.modelId}".`,
        [{ path: "modelId", message: "not a prompt ARN" }],
      );
    }
    const input: ConverseCommandInput = {
      modelId: this.#options.modelId,
      promptVariables: Object.fromEntries(
        Object.entries(variables).map(([name, text]) => [name, { text }]),
      ),
    };
    if (options.messages?.length) {
      input.messages = toBedrockMessages(checkRequest({ messages: options.messages }).messages);
    }
    return this.#converse(input, options);
  }

  async #converse(
    input: ConverseCommandInput,
    options: CallOptions,
    tools?: readonly ToolSpec[],
  ): Promise<ChatResponse> {
    const startedAt = performance.now();
    const output: ConverseCommandOutput = await withDeadline(
      { signal: options.signal, timeoutMs: options.timeoutMs ?? this.#options.timeoutMs },
      DEFAULT_TIMEOUT_MS,
      `waiting for Bedrock model "${this.#options.modelId}"`,
      (signal) =>
        awsCall(
          { service: SERVICE, operation: "Converse", iamAction: "bedrock:InvokeModel" },
          async () => {
            const { sdk, client } = await this.#bedrock();
            return client.send(new sdk.ConverseCommand(input), { abortSignal: signal });
          },
        ),
    );
    const e2eMs = performance.now() - startedAt;
    const content = output.output?.message?.content;
    if (!Array.isArray(content)) {
      throw new FmopsError(
        "UNEXPECTED_RESPONSE",
        `Bedrock Converse for "${this.#options.modelId}" returned no output message (stop reason: ${output.stopReason ?? "none"}). Check the model id and its Converse support.`,
      );
    }
    const answer = fromBedrockContent(content);
    const response: ChatResponse = { text: answer.text };
    // Present when tools were offered or called; a plain-text answer keeps its plain shape.
    if (answer.toolCalls.length > 0 || tools?.length) {
      response.toolCalls = answer.toolCalls.map((call) => checkToolCall(call, tools));
    }
    if (answer.content.some((block) => block.type !== "text")) {
      // Validated inputs replace the raw ones in the blocks too, so the turn can be sent back.
      const calls = new Map(response.toolCalls?.map((call) => [call.id, call]));
      response.content = answer.content.map((block) =>
        block.type === "toolUse" ? { ...block, input: calls.get(block.id)?.input } : block,
      );
    }
    if (output.stopReason !== undefined) response.stopReason = output.stopReason;
    const usage = usageOf(output.usage);
    if (usage) response.usage = usage;
    const latency: ChatLatency = { e2eMs };
    if (output.metrics?.latencyMs !== undefined) latency.serviceMs = output.metrics.latencyMs;
    response.latency = latency;
    return response;
  }

  /**
   * Calls ConverseStream; the request is sent when the stream is first read. Stream exceptions
   * surface as `STREAM_MODEL_ERROR` / `STREAM_INTERNAL_FAILURE`, HTTP errors as AWS errors.
   */
  stream(request: ChatRequest, options: CallOptions = {}): TokenStream {
    const valid = checkRequest(request);
    const input: ConverseStreamCommandInput = this.#input(valid);
    const guardrail = this.#guardrail(true);
    if (guardrail) input.guardrailConfig = guardrail;
    const bedrock = this.#bedrock;
    return new TokenStream(
      async (signal) => {
        const { sdk, client } = await bedrock();
        let output: ConverseStreamCommandOutput;
        try {
          output = await client.send(new sdk.ConverseStreamCommand(input), { abortSignal: signal });
        } catch (err) {
          // The SDK reads the first frame before resolving, so an exception frame can land here.
          throw (
            converseStreamError(err) ??
            wrapAwsError(err, {
              service: SERVICE,
              operation: "ConverseStream",
              iamAction: "bedrock:InvokeModelWithResponseStream",
            })
          );
        }
        if (!output.stream) {
          throw new FmopsError(
            "UNEXPECTED_RESPONSE",
            `Bedrock ConverseStream for "${this.#options.modelId}" returned no event stream.`,
          );
        }
        return decodeConverseStream(output.stream);
      },
      {
        signal: options.signal,
        timeoutMs: options.timeoutMs ?? this.#options.timeoutMs,
        idleTimeoutMs: this.#options.idleTimeoutMs,
        tools: valid.tools,
      },
    );
  }

  #input(request: ChatRequest): ConverseCommandInput & ConverseStreamCommandInput {
    const o = this.#options;
    const input: ConverseCommandInput & ConverseStreamCommandInput = {
      modelId: o.modelId,
      messages: toBedrockMessages(request.messages),
    };
    const cache = o.cachePoints ?? {};
    const system = request.system ?? o.system;
    if (system !== undefined && system !== "") {
      input.system = [{ text: system }];
      if (cache.system) input.system.push({ cachePoint: { type: "default" } });
    }
    const last = input.messages?.at(-1);
    if (cache.messages && last?.content) last.content.push({ cachePoint: { type: "default" } });
    if (request.tools?.length) {
      input.toolConfig = toBedrockToolConfig(
        request.tools,
        request.toolChoice,
        cache.tools === true,
      );
    }
    const inferenceConfig = mergeInferenceConfig(o.inferenceConfig, request);
    if (inferenceConfig) input.inferenceConfig = inferenceConfig;
    if (o.performanceConfig) input.performanceConfig = { latency: o.performanceConfig.latency };
    if (o.additionalModelRequestFields) {
      input.additionalModelRequestFields =
        o.additionalModelRequestFields as ConverseCommandInput["additionalModelRequestFields"];
    }
    return input;
  }

  #guardrail(stream: false): GuardrailConfiguration | undefined;
  #guardrail(stream: true): GuardrailStreamConfiguration | undefined;
  #guardrail(stream: boolean): GuardrailConfiguration | GuardrailStreamConfiguration | undefined {
    const g = this.#options.guardrailConfig;
    if (!g) return undefined;
    const config: GuardrailStreamConfiguration = {
      guardrailIdentifier: g.guardrailIdentifier,
      guardrailVersion: g.guardrailVersion,
    };
    if (g.trace !== undefined) config.trace = g.trace;
    if (stream && g.streamProcessingMode !== undefined)
      config.streamProcessingMode = g.streamProcessingMode;
    return config;
  }
}

/** A Bedrock Prompt Management prompt ARN, optionally with a version. */
const PROMPT_ARN =
  /^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:prompt\/[0-9a-zA-Z]{10}(?::[0-9]{1,5})?$/;

/** Validates a request, adding the two rules Converse enforces that the shared schema does not. */
function checkRequest(request: ChatRequest): ChatRequest {
  const valid = validateChatRequest(request);
  if (valid.responseFormat !== undefined) {
    throw new ValidationError(
      "Invalid chat request: responseFormat: BedrockChatModel asks for objects with a forced tool call, not constrained decoding. Use generateObject (it picks the tool), or leave responseFormat out.",
      [{ path: "responseFormat", message: "not supported by Bedrock Converse" }],
    );
  }
  if (valid.messages[0]?.role !== "user") {
    throw new ValidationError(
      "Invalid chat request: messages.0.role: Bedrock Converse needs the conversation to start with a user message.",
      [{ path: "messages.0.role", message: 'must be "user"' }],
    );
  }
  const blank = valid.messages.findIndex((m) =>
    typeof m.content === "string"
      ? m.content.trim() === ""
      : m.content.every(
          (b) => b.type === "cachePoint" || (b.type === "text" && b.text.trim() === ""),
        ),
  );
  if (blank >= 0) {
    throw new ValidationError(
      `Invalid chat request: messages.${blank}.content: Bedrock Converse rejects blank text; drop the message or give it text.`,
      [{ path: `messages.${blank}.content`, message: "must not be blank" }],
    );
  }
  return valid;
}

function mergeInferenceConfig(
  defaults: BedrockInferenceConfig | undefined,
  request: ChatRequest,
): InferenceConfiguration | undefined {
  const config: InferenceConfiguration = {};
  const maxTokens = request.maxTokens ?? defaults?.maxTokens;
  const temperature = request.temperature ?? defaults?.temperature;
  const topP = request.topP ?? defaults?.topP;
  const stopSequences = request.stopSequences ?? defaults?.stopSequences;
  if (maxTokens !== undefined) config.maxTokens = maxTokens;
  if (temperature !== undefined) config.temperature = temperature;
  if (topP !== undefined) config.topP = topP;
  if (stopSequences !== undefined && stopSequences.length > 0) config.stopSequences = stopSequences;
  return Object.keys(config).length > 0 ? config : undefined;
}

function usageOf(usage: BedrockUsage | undefined): TokenUsage | undefined {
  return usage ? bedrockUsage(usage) : undefined;
}
