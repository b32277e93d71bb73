/**
 * One SageMaker `InvokeEndpoint` call: the request the chat, embedding and image models share, so
 * that the operation and IAM action named on an error (a 403 says `sagemaker:InvokeEndpoint`)
 * stay the same for each of them.
 *
 * @module
 */
import type * as SageMakerRuntime from "@aws-sdk/client-sagemaker-runtime";
import { awsCall } from "../core/index.js";
import type { LoadedAwsClient } from "../core/internal.js";

/** The lazily loaded SageMaker runtime package and client, as `lazyAwsClient` returns them. */
export type LazySageMakerRuntime = () => Promise<
  LoadedAwsClient<typeof SageMakerRuntime, SageMakerRuntime.SageMakerRuntimeClient>
>;

/**
 * Sends `input` with InvokeEndpoint, wrapped by `awsCall`, and returns the SDK's output (the
 * caller decodes `Body` for its own payload format).
 *
 * @example
 * ```ts
 * const output = await invokeEndpoint(this.#runtime, { EndpointName: "bge", Body: bytes }, signal);
 * ```
 */
export async function invokeEndpoint(
  runtime: LazySageMakerRuntime,
  input: SageMakerRuntime.InvokeEndpointCommandInput,
  signal: AbortSignal,
): Promise<SageMakerRuntime.InvokeEndpointCommandOutput> {
  return awsCall(
    {
      service: "SageMakerRuntime",
      operation: "InvokeEndpoint",
      iamAction: "sagemaker:InvokeEndpoint",
    },
    async () => {
      const { sdk, client } = await runtime();
      return client.send(new sdk.InvokeEndpointCommand(input), { abortSignal: signal });
    },
  );
}
