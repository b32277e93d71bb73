/**
 * One Bedrock `InvokeModel` call with a JSON body each way: the request the embedding and image
 * models share, so that the content type, the IAM action named on a 403, and how a non-JSON
 * answer is reported stay the same for every model that speaks InvokeModel.
 *
 * @module
 */
import type * as BedrockRuntime from "@aws-sdk/client-bedrock-runtime";
import { awsCall, FmopsError, redact } from "../core/index.js";
import type { LoadedAwsClient } from "../core/internal.js";
import { parseJsonBody } from "../core/internal.js";

/** The lazily loaded Bedrock runtime package and client, as `lazyAwsClient` returns them. */
export type LazyBedrockRuntime = () => Promise<
  LoadedAwsClient<typeof BedrockRuntime, BedrockRuntime.BedrockRuntimeClient>
>;

/**
 * Sends `body` as JSON to `modelId` with InvokeModel and returns the answer parsed as JSON.
 * AWS errors come back wrapped by `awsCall` (`bedrock:InvokeModel` named on a 403); a body that
 * is not JSON throws `UNEXPECTED_RESPONSE` naming the model.
 *
 * @example
 * ```ts
 * const json = await invokeBedrockJson(this.#bedrock, modelId, { inputText: "hi" }, signal);
 * ```
 */
export async function invokeBedrockJson(
  bedrock: LazyBedrockRuntime,
  modelId: string,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<unknown> {
  const { sdk, client } = await bedrock();
  const output = await awsCall(
    { service: "BedrockRuntime", operation: "InvokeModel", iamAction: "bedrock:InvokeModel" },
    () =>
      client.send(
        new sdk.InvokeModelCommand({
          modelId,
          contentType: "application/json",
          accept: "application/json",
          body: new TextEncoder().encode(JSON.stringify(body)),
        }),
        { abortSignal: signal },
      ),
  );
  return parseJsonBody(output.body, bedrockModelSource(modelId));
}

/**
 * Like {@link invokeBedrockJson}, for models whose every answer is a JSON object: any other JSON
 * value throws `UNEXPECTED_RESPONSE` showing what came back (redacted).
 */
export async function invokeBedrockObject(
  bedrock: LazyBedrockRuntime,
  modelId: string,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const json = await invokeBedrockJson(bedrock, modelId, body, signal);
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new FmopsError(
      "UNEXPECTED_RESPONSE",
      `${bedrockModelSource(modelId)} answered ${redact(JSON.stringify(json))}, not a JSON object.`,
    );
  }
  return json as Record<string, unknown>;
}

/** How messages name a Bedrock model: `Bedrock model "<id>"`. */
export function bedrockModelSource(modelId: string): string {
  return `Bedrock model "${modelId}"`;
}
