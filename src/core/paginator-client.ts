/**
 * {@link paginatorClient}: checks that a client can drive the AWS SDK's paginators.
 *
 * @module
 */
import { ValidationError } from "./errors.js";

/**
 * Returns `client` as an instance of `clientClass`, or throws a {@link ValidationError}
 * (`VALIDATION_ERROR`) that names the class to pass.
 *
 * The SDK's `paginate*` functions test `client instanceof <their client class>` and, failing
 * that, throw a bare `Error("Invalid client ...")` on the first page. Checking before the first
 * request turns that into an fmops error that says what to do: pass the SDK client itself (from
 * the same copy of the package fmops loads), not a wrapper object that only has `send`.
 *
 * @param client - the client a class was given or built.
 * @param clientClass - the client class of the package the paginator comes from, e.g.
 *   `sdk.BedrockAgentClient` of the lazily loaded `@aws-sdk/client-bedrock-agent`.
 * @param owner - the fmops class and package, for the message, e.g.
 *   `"BedrockPromptStore (@aws-sdk/client-bedrock-agent)"`.
 * @throws {@link ValidationError} when `client` is not an instance of `clientClass`.
 *
 * @example
 * ```ts
 * const agent = paginatorClient(client, sdk.BedrockAgentClient, "BedrockPromptStore (@aws-sdk/client-bedrock-agent)");
 * const pages = sdk.paginateListPrompts({ client: agent, pageSize: 100 }, {}, { abortSignal: signal });
 * ```
 */
export function paginatorClient<C>(
  client: unknown,
  clientClass: abstract new (...args: never) => C,
  owner: string,
): C {
  if (client instanceof clientClass) return client;
  throw new ValidationError(
    `${owner} needs its client to be a ${clientClass.name} instance from the same copy of the SDK package that fmops loads: the SDK's paginators accept no other object. Pass the SDK client itself rather than an object that only wraps its send method, or leave client out and give region/credentials instead.`,
    [{ path: "client", message: `must be a ${clientClass.name} instance` }],
  );
}
