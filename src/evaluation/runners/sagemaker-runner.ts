/**
 * {@link SageMakerModelRunner}: a SageMaker real-time endpoint through InvokeEndpoint, with an
 * fmeval content template and a JMESPath output.
 *
 * @module
 */
import type {
  InvokeEndpointCommandInput,
  SageMakerRuntimeClient,
} from "@aws-sdk/client-sagemaker-runtime";
import { z } from "zod";
import { type AwsClientConfig, awsCall, parseOptions } from "../../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  lazyAwsClient,
  sageMakerEndpointNameSchema,
  sageMakerRuntimeSdk,
  schemaFor,
} from "../../core/internal.js";
import type { DatasetRecord } from "../datasets/dataset.js";
import { ContentCodec, type ContentRunnerOptions, contentRunnerShape } from "./content-template.js";
import type { ModelRunner, RunnerOutput } from "./runner.js";

const DEFAULT_TIMEOUT_MS = 120_000;
const JSON_TYPE = "application/json";

/** Options of {@link SageMakerModelRunner}. */
export interface SageMakerModelRunnerOptions extends AwsClientConfig, ContentRunnerOptions {
  /** The endpoint's name. */
  endpointName: string;
  /** The request's `Content-Type`. Default `application/json` (the body is always JSON). */
  contentType?: string;
  /** The `Accept` type asked for; the answer must be JSON. Default `application/json`. */
  accept?: string;
  /** Passed to the container as `X-Amzn-SageMaker-Custom-Attributes` (fmeval's `custom_attributes`). */
  customAttributes?: string;
  /** Multi-model endpoints: the model artifact to invoke. */
  targetModel?: string;
  /** Send the request to this production variant. */
  targetVariant?: string;
  /** Endpoints with inference components: the component to invoke (fmeval's `component_name`). */
  inferenceComponentName?: string;
  /** A ready client; preferred, so connections and credentials are shared. */
  client?: SageMakerRuntimeClient;
  /** Deadline of one call in milliseconds. Default 120 000. */
  timeoutMs?: number;
}

// MIME types as SageMaker accepts them in its headers: visible ASCII, at most 1024 characters.
const mimeType = z
  .string()
  .regex(/^[\x21-\x7e][\x20-\x7e]*$/, "must be a MIME type")
  .max(1024);

const optionsSchema = schemaFor<SageMakerModelRunnerOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      ...contentRunnerShape,
      endpointName: sageMakerEndpointNameSchema,
      contentType: mimeType.optional(),
      accept: mimeType.optional(),
      customAttributes: z.string().max(1024).optional(),
      targetModel: z.string().min(1).max(1024).optional(),
      targetVariant: z.string().min(1).max(63).optional(),
      inferenceComponentName: z.string().min(1).max(63).optional(),
      client: awsClientSchema<SageMakerRuntimeClient>("SageMakerRuntimeClient").optional(),
      timeoutMs: z.int().min(1).max(2_147_483_647).optional(),
    })
    .strict(),
);

/**
 * Runs each record through a SageMaker real-time endpoint with InvokeEndpoint, as fmeval's
 * `SageMakerModelRunner` does: the record's input (through the optional `{{input}}` prompt)
 * fills `$prompt` of the content template, and the output (and optionally the log probability)
 * is read from the JSON answer by JMESPath. Custom attributes, target model, variant and
 * inference component are passed through.
 *
 * Throttling and 5xx errors come out `retryable`, so `ModelEvaluator` retries them; a container
 * error (`ModelError`) or an answer without a string at `output` is not retried.
 *
 * @example
 * ```ts
 * const runner = new SageMakerModelRunner({
 *   endpointName: "flan-t5-xl",
 *   contentTemplate: '{"text_inputs": $prompt, "max_length": 100}',
 *   output: "generated_texts[0]",
 * });
 * ```
 */
export class SageMakerModelRunner implements ModelRunner {
  /** `sagemaker:<endpoint>`, with `/<component>` or `#<target model>` when set. */
  readonly id: string;
  /** The endpoint invoked. */
  readonly endpointName: string;
  readonly #runtime;
  readonly #codec: ContentCodec;
  readonly #timeoutMs: number;
  readonly #input: Omit<InvokeEndpointCommandInput, "Body">;

  constructor(options: SageMakerModelRunnerOptions) {
    const o = parseOptions(optionsSchema, options, "SageMakerModelRunner options");
    this.#codec = new ContentCodec(o, "SageMakerModelRunner");
    this.endpointName = o.endpointName;
    this.id = `sagemaker:${o.endpointName}${o.inferenceComponentName ? `/${o.inferenceComponentName}` : ""}${o.targetModel ? `#${o.targetModel}` : ""}`;
    const config = clientConfigFrom(o);
    this.#runtime = lazyAwsClient(
      sageMakerRuntimeSdk,
      "SageMakerModelRunner",
      o.client,
      (sdk) => new sdk.SageMakerRuntimeClient(config),
    );
    this.#timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const input: Omit<InvokeEndpointCommandInput, "Body"> = {
      EndpointName: o.endpointName,
      ContentType: o.contentType ?? JSON_TYPE,
      Accept: o.accept ?? JSON_TYPE,
    };
    if (o.customAttributes !== undefined) input.CustomAttributes = o.customAttributes;
    if (o.targetModel !== undefined) input.TargetModel = o.targetModel;
    if (o.targetVariant !== undefined) input.TargetVariant = o.targetVariant;
    if (o.inferenceComponentName !== undefined)
      input.InferenceComponentName = o.inferenceComponentName;
    this.#input = input;
  }

  /** Invokes the endpoint with the record's body and extracts the output from its answer. */
  run(record: DatasetRecord, options: { signal?: AbortSignal } = {}): Promise<RunnerOutput> {
    const waitingFor = `waiting for SageMaker endpoint "${this.endpointName}"`;
    const o = { signal: options.signal, timeoutMs: this.#timeoutMs, waitingFor };
    return this.#codec.run(record, o, (body, signal) =>
      awsCall(
        {
          service: "SageMakerRuntime",
          operation: "InvokeEndpoint",
          iamAction: "sagemaker:InvokeEndpoint",
        },
        async () => {
          const { sdk, client } = await this.#runtime();
          const answer = await client.send(
            new sdk.InvokeEndpointCommand({ ...this.#input, Body: body }),
            { abortSignal: signal },
          );
          const who = `Endpoint "${this.endpointName}" (${answer.ContentType ?? "no content type"})`;
          return { body: answer.Body, who };
        },
      ),
    );
  }
}
