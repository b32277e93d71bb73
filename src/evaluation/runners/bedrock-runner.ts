/**
 * {@link BedrockModelRunner}: any Bedrock model through InvokeModel, with an fmeval content
 * template and a JMESPath output.
 *
 * @module
 */
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { z } from "zod";
import { type AwsClientConfig, awsCall, parseOptions } from "../../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  bedrockRuntimeSdk,
  clientConfigFrom,
  lazyAwsClient,
  schemaFor,
} from "../../core/internal.js";
import type { DatasetRecord } from "../datasets/dataset.js";
import { ContentCodec, type ContentRunnerOptions, contentRunnerShape } from "./content-template.js";
import type { ModelRunner, RunnerOutput } from "./runner.js";

const DEFAULT_TIMEOUT_MS = 120_000;
const JSON_TYPE = "application/json";

/** Options of {@link BedrockModelRunner}. */
export interface BedrockModelRunnerOptions extends AwsClientConfig, ContentRunnerOptions {
  /**
   * The model id (`amazon.titan-text-express-v1`), an inference profile id
   * (`us.anthropic.claude-3-5-haiku-20241022-v1:0`) or an ARN, as InvokeModel takes it.
   */
  modelId: string;
  /** A ready client; preferred, so connections and credentials are shared. */
  client?: BedrockRuntimeClient;
  /** Deadline of one model call in milliseconds. Default 120 000. */
  timeoutMs?: number;
}

const optionsSchema = schemaFor<BedrockModelRunnerOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      ...contentRunnerShape,
      modelId: z
        .string()
        .min(1, "must name a model, inference profile or ARN")
        .max(2048)
        .regex(/^\S+$/, "must not contain whitespace"),
      client: awsClientSchema<BedrockRuntimeClient>("BedrockRuntimeClient").optional(),
      timeoutMs: z.int().min(1).max(2_147_483_647).optional(),
    })
    .strict(),
);

/**
 * Runs each record through a Bedrock model with InvokeModel, the way fmeval's
 * `BedrockModelRunner` does: the record's input (through the optional `{{input}}` prompt) fills
 * `$prompt` of the content template, the body goes out as `application/json`, and the output is
 * read from the JSON answer by JMESPath (plus the log probability, when `logProbability` is set).
 *
 * Throttling and 5xx errors come out `retryable`, so `ModelEvaluator` retries them; an answer
 * without a string at `output` is `UNEXPECTED_RESPONSE` and is not retried.
 *
 * @example
 * ```ts
 * const runner = new BedrockModelRunner({
 *   modelId: "amazon.titan-text-express-v1",
 *   contentTemplate: '{"inputText": $prompt, "textGenerationConfig": {"maxTokenCount": 512}}',
 *   output: "results[0].outputText",
 *   prompt: "Answer briefly: {{input}}",
 * });
 * ```
 */
export class BedrockModelRunner implements ModelRunner {
  /** `bedrock:<modelId>`. */
  readonly id: string;
  /** The model invoked. */
  readonly modelId: string;
  readonly #bedrock;
  readonly #codec: ContentCodec;
  readonly #timeoutMs: number;

  constructor(options: BedrockModelRunnerOptions) {
    const o = parseOptions(optionsSchema, options, "BedrockModelRunner options");
    this.#codec = new ContentCodec(o, "BedrockModelRunner");
    this.modelId = o.modelId;
    this.id = `bedrock:${o.modelId}`;
    const config = clientConfigFrom(o);
    this.#bedrock = lazyAwsClient(
      bedrockRuntimeSdk,
      "BedrockModelRunner",
      o.client,
      (sdk) => new sdk.BedrockRuntimeClient(config),
    );
    this.#timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Invokes the model with the record's body and extracts the output from its answer. */
  run(record: DatasetRecord, options: { signal?: AbortSignal } = {}): Promise<RunnerOutput> {
    const waitingFor = `waiting for Bedrock model "${this.modelId}"`;
    const o = { signal: options.signal, timeoutMs: this.#timeoutMs, waitingFor };
    return this.#codec.run(record, o, (body, signal) =>
      awsCall(
        { service: "BedrockRuntime", operation: "InvokeModel", iamAction: "bedrock:InvokeModel" },
        async () => {
          const { sdk, client } = await this.#bedrock();
          const answer = await client.send(
            new sdk.InvokeModelCommand({
              modelId: this.modelId,
              body,
              contentType: JSON_TYPE,
              accept: JSON_TYPE,
            }),
            { abortSignal: signal },
          );
          return { body: answer.body, who: `Bedrock model "${this.modelId}"` };
        },
      ),
    );
  }
}
