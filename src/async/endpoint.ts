/**
 * {@link AsyncEndpoint}: submits payloads to a SageMaker asynchronous endpoint.
 *
 * @module
 */
import type * as S3Module from "@aws-sdk/client-s3";
import type * as SageMakerModule from "@aws-sdk/client-sagemaker";
import type * as SageMakerRuntimeModule from "@aws-sdk/client-sagemaker-runtime";
import type {
  InvokeEndpointAsyncCommandInput,
  InvokeEndpointAsyncCommandOutput,
} from "@aws-sdk/client-sagemaker-runtime";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { z } from "zod";
import {
  AwsServiceError,
  parseOptions,
  parseS3Uri,
  ValidationError,
  type WaitOptions,
  withDeadline,
} from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  joinS3Uri,
  lazyAwsClient,
  resolveDelays,
  type SendsCommands,
  s3Sdk,
  sageMakerEndpointNameSchema,
  sageMakerRuntimeSdk,
  sageMakerSdk,
  schemaFor,
  signalledAwsCall,
} from "../core/internal.js";
import { type AsyncEndpointDescription, describeEndpoint } from "./describe.js";
import { AsyncInvocation } from "./invocation.js";
import { type InvokeManyOptions, type InvokeManyOutcome, invokeMany } from "./invoke-many.js";
import { DEFAULT_MAX_DELAY_MS, DEFAULT_MIN_DELAY_MS } from "./poller.js";

/** Default deadline of `invoke()` (upload plus InvokeEndpointAsync): 5 minutes. */
export const DEFAULT_INVOKE_TIMEOUT_MS = 300_000;

/**
 * A request payload: bytes are sent as they are, strings as UTF-8, anything else as JSON.
 */
export type AsyncPayload = Uint8Array | string | Record<string, unknown> | readonly unknown[];

/** Options for {@link AsyncEndpoint}. */
export interface AsyncEndpointOptions {
  /** The async endpoint's name. */
  endpointName: string;
  /** S3 prefix payloads are uploaded under, e.g. `s3://my-bucket/async-inputs/`. */
  inputLocation: string;
  /** A ready SageMaker Runtime client (InvokeEndpointAsync); preferred. */
  sagemakerRuntime?: SendsCommands;
  /** A ready S3 client (uploads and result polling); preferred. */
  s3?: SendsCommands;
  /** A ready SageMaker client, only for `describe()` and cold-start checks. */
  sagemaker?: SendsCommands;
  /** Region for clients fmops builds itself. */
  region?: string;
  /** Credentials for clients fmops builds itself; the SDK's default chain when left out. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Default `ContentType` of string payloads (`text/plain` otherwise; JSON payloads are `application/json`). */
  contentType?: string;
  /** Default `Accept`. */
  accept?: string;
  /** Default shortest delay between result probes, ms. Default 250. */
  minDelayMs?: number;
  /** Default longest delay between result probes, ms. Default 2 000. */
  maxDelayMs?: number;
  /** Default deadline of `wait()`, ms. Default 15 minutes. */
  waitTimeoutMs?: number;
  /**
   * Extra wait time, ms, when the endpoint is scaled to zero as a wait starts (checked with one
   * DescribeEndpoint call). Default 0: no check. 600 000 (10 min) covers most cold starts.
   */
  coldStartTimeoutMs?: number;
}

/** Options of {@link AsyncEndpoint.invoke}. */
export interface AsyncInvokeOptions extends WaitOptions {
  /** `ContentType` of the payload. */
  contentType?: string;
  /** `Accept`: the result's wanted MIME type. */
  accept?: string;
  /** `InferenceId`; a random UUID when left out. */
  inferenceId?: string;
  /** Use this existing S3 object as the input instead of uploading a payload. */
  inputLocation?: string;
  /** `RequestTTLSeconds`: how long the request may wait in the queue (60 to 21 600). */
  requestTtlSeconds?: number;
  /** `InvocationTimeoutSeconds`: how long the container may work on it (1 to 3 600). */
  invocationTimeoutSeconds?: number;
  /** `CustomAttributes`, passed verbatim to the container. */
  customAttributes?: string;
}

const s3PrefixSchema = z
  .string()
  .regex(/^s3:\/\/[^/]+(\/.*)?$/s, "must be an s3://bucket/prefix URI");

const endpointSchema = schemaFor<AsyncEndpointOptions>()(
  z
    .object({
      endpointName: sageMakerEndpointNameSchema,
      inputLocation: s3PrefixSchema,
      sagemakerRuntime: awsClientSchema<SendsCommands>("SageMakerRuntimeClient").optional(),
      s3: awsClientSchema<SendsCommands>("S3Client").optional(),
      sagemaker: awsClientSchema<SendsCommands>("SageMakerClient").optional(),
      region: awsClientConfigShape.region,
      credentials: awsClientConfigShape.credentials,
      contentType: z.string().min(1).max(1024).optional(),
      accept: z.string().min(1).max(1024).optional(),
      minDelayMs: z.int().min(1).optional(),
      maxDelayMs: z.int().min(1).optional(),
      waitTimeoutMs: z.int().min(1).max(2_147_483_647).optional(),
      coldStartTimeoutMs: z.int().min(0).max(86_400_000).optional(),
    })
    .strict(),
);

const invokeSchema = schemaFor<AsyncInvokeOptions>()(
  z
    .object({
      contentType: z.string().min(1).max(1024).optional(),
      accept: z.string().min(1).max(1024).optional(),
      inferenceId: z.string().min(1).max(64).regex(/^\S+$/, "must not contain spaces").optional(),
      inputLocation: z
        .string()
        .regex(/^s3:\/\/[^/]+\/.+/s, "must be an s3://bucket/key URI")
        .optional(),
      requestTtlSeconds: z.int().min(60).max(21_600).optional(),
      invocationTimeoutSeconds: z.int().min(1).max(3_600).optional(),
      customAttributes: z.string().max(1024).optional(),
      signal: z.instanceof(AbortSignal).optional(),
      timeoutMs: z.number().optional(),
    })
    .strict(),
);

function encodePayload(
  payload: AsyncPayload,
  contentType: string | undefined,
): { body: Uint8Array; contentType: string } {
  if (payload instanceof Uint8Array) {
    return { body: payload, contentType: contentType ?? "application/octet-stream" };
  }
  if (typeof payload === "string") {
    return { body: new TextEncoder().encode(payload), contentType: contentType ?? "text/plain" };
  }
  return {
    body: new TextEncoder().encode(JSON.stringify(payload)),
    contentType: contentType ?? "application/json",
  };
}

/**
 * A SageMaker asynchronous inference endpoint. `invoke()` uploads the payload to
 * `inputLocation/<date>/<uuid>`, calls InvokeEndpointAsync and returns an
 * {@link AsyncInvocation} to wait on; `invokeMany()` runs a batch with bounded concurrency;
 * `describe()` reports whether the endpoint is scaled to zero.
 *
 * @example
 * ```ts
 * const endpoint = new AsyncEndpoint({
 *   endpointName: "whisper-async",
 *   inputLocation: "s3://my-bucket/async-inputs/",
 * });
 * const invocation = await endpoint.invoke({ inputs: "Hello" });
 * const result = await invocation.wait();
 * console.log(await result.json());
 * ```
 */
export class AsyncEndpoint {
  /** The endpoint's name. */
  readonly endpointName: string;
  /** The S3 prefix payloads are uploaded under. */
  readonly inputLocation: string;
  readonly #options: z.output<typeof endpointSchema>;
  readonly #runtime;
  readonly #s3;
  readonly #sagemaker;

  constructor(options: AsyncEndpointOptions) {
    const o = parseOptions(endpointSchema, options, "AsyncEndpoint options");
    parseS3Uri(o.inputLocation, "inputLocation");
    resolveDelays(o, { minDelayMs: DEFAULT_MIN_DELAY_MS, maxDelayMs: DEFAULT_MAX_DELAY_MS });
    this.#options = o;
    this.endpointName = o.endpointName;
    this.inputLocation = o.inputLocation;
    const config = clientConfigFrom(o);
    // Each client (and its package) is loaded on first use; describe() alone needs SageMaker's.
    this.#runtime = lazyAwsClient<typeof SageMakerRuntimeModule, SendsCommands>(
      sageMakerRuntimeSdk,
      "AsyncEndpoint",
      o.sagemakerRuntime,
      (sdk) => new sdk.SageMakerRuntimeClient(config),
    );
    this.#s3 = lazyAwsClient<typeof S3Module, SendsCommands>(
      s3Sdk,
      "AsyncEndpoint",
      o.s3,
      (sdk) => new sdk.S3Client(config),
    );
    this.#sagemaker = lazyAwsClient<typeof SageMakerModule, SendsCommands>(
      sageMakerSdk,
      "AsyncEndpoint.describe",
      o.sagemaker,
      (sdk) => new sdk.SageMakerClient(config),
    );
  }

  /**
   * Submits one request. Uploads `payload` (unless `options.inputLocation` names an existing
   * object, in which case pass `undefined`), calls InvokeEndpointAsync, and returns the
   * {@link AsyncInvocation}. Default deadline 5 minutes.
   */
  async invoke(
    payload: AsyncPayload | undefined,
    options: AsyncInvokeOptions = {},
  ): Promise<AsyncInvocation> {
    const o = parseOptions(invokeSchema, options, "invoke options");
    if ((payload === undefined) === (o.inputLocation === undefined)) {
      throw new ValidationError(
        "Pass either a payload or options.inputLocation (an existing S3 object), not both or neither.",
        [{ path: "inputLocation", message: "exactly one of payload and inputLocation" }],
      );
    }
    const id = globalThis.crypto.randomUUID();
    const inferenceId = o.inferenceId ?? id;
    return withDeadline(
      options,
      DEFAULT_INVOKE_TIMEOUT_MS,
      `invoking ${this.endpointName}`,
      async (signal) => {
        const [runtime, { client: s3 }] = await Promise.all([this.#runtime(), this.#s3()]);
        let inputLocation = o.inputLocation;
        let contentType = o.contentType ?? this.#options.contentType;
        if (payload !== undefined) {
          const encoded = encodePayload(payload, contentType);
          contentType = encoded.contentType;
          const date = new Date().toISOString().slice(0, 10);
          inputLocation = joinS3Uri(this.inputLocation, date, id);
          await this.#upload(s3, inputLocation, encoded.body, encoded.contentType, signal);
        }
        const input: InvokeEndpointAsyncCommandInput = {
          EndpointName: this.endpointName,
          InputLocation: inputLocation,
          InferenceId: inferenceId,
          ContentType: contentType,
          Accept: o.accept ?? this.#options.accept,
          RequestTTLSeconds: o.requestTtlSeconds,
          InvocationTimeoutSeconds: o.invocationTimeoutSeconds,
          CustomAttributes: o.customAttributes,
        };
        const out = (await signalledAwsCall(
          signal,
          {
            service: "SageMakerRuntime",
            operation: "InvokeEndpointAsync",
            iamAction: "sagemaker:InvokeEndpointAsync",
          },
          () =>
            runtime.client.send(new runtime.sdk.InvokeEndpointAsyncCommand(input), {
              abortSignal: signal,
            }),
        )) as InvokeEndpointAsyncCommandOutput;
        if (!out.OutputLocation) {
          throw new AwsServiceError(
            `SageMakerRuntime.InvokeEndpointAsync on ${this.endpointName} returned no OutputLocation, so there is nothing to wait on. Check that the endpoint is an asynchronous endpoint (its config has AsyncInferenceConfig).`,
            {
              service: "SageMakerRuntime",
              operation: "InvokeEndpointAsync",
              errorName: "MissingOutputLocation",
              requestId: out.$metadata?.requestId,
            },
          );
        }
        return new AsyncInvocation({
          endpointName: this.endpointName,
          inferenceId: out.InferenceId ?? inferenceId,
          inputLocation: inputLocation as string,
          outputLocation: out.OutputLocation,
          failureLocation: out.FailureLocation || undefined,
          s3,
          minDelayMs: this.#options.minDelayMs,
          maxDelayMs: this.#options.maxDelayMs,
          timeoutMs: this.#options.waitTimeoutMs,
          coldStartTimeoutMs: this.#options.coldStartTimeoutMs,
          isScaledToZero: async (opts) => (await this.describe(opts)).scaledToZero,
        });
      },
    );
  }

  /**
   * Invokes and waits for many payloads with bounded concurrency. Results come back in input
   * order, one outcome per payload (`succeeded` with the result, or `failed` with the error); one
   * failure never stops the rest unless `failFast` is set.
   *
   * @example
   * ```ts
   * const outcomes = await endpoint.invokeMany(prompts.map((inputs) => ({ inputs })), {
   *   concurrency: 8,
   *   onProgress: (p) => console.log(`${p.completed}/${p.total}`),
   * });
   * ```
   */
  invokeMany(
    payloads: Iterable<AsyncPayload>,
    options: InvokeManyOptions = {},
  ): Promise<InvokeManyOutcome[]> {
    return invokeMany(this, payloads, options);
  }

  /**
   * The endpoint's status and running instance count (DescribeEndpoint; needs
   * `sagemaker:DescribeEndpoint`). Default deadline 30 s.
   */
  async describe(options: WaitOptions = {}): Promise<AsyncEndpointDescription> {
    const { client } = await this.#sagemaker();
    return describeEndpoint(client, this.endpointName, options);
  }

  async #upload(
    s3: SendsCommands,
    location: string,
    body: Uint8Array,
    contentType: string,
    signal: AbortSignal,
  ): Promise<void> {
    const { bucket, key } = parseS3Uri(location);
    const { PutObjectCommand } = await s3Sdk.load("AsyncEndpoint");
    await signalledAwsCall(
      signal,
      { service: "S3", operation: "PutObject", iamAction: "s3:PutObject" },
      () =>
        s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
          { abortSignal: signal },
        ),
    );
  }
}
