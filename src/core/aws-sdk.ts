/**
 * The AWS SDK, loaded on first use. No fmops module imports an `@aws-sdk/*` or `@smithy/*`
 * package at load time: importing `fmops/rag` for an embedded BM25 index, or `fmops/evaluation`
 * for ROUGE, costs neither the SDK's start-up time and memory nor, under Deno, the `--allow-env`
 * permission the SDK needs when it loads. A class that calls AWS imports its client package on
 * its first call, and a missing package becomes a `MISSING_DEPENDENCY` error that names the
 * `npm install` to run.
 *
 * Each package below is imported through a function holding a literal `import("...")`, so
 * bundlers (esbuild and webpack for Lambda) still see, and include, the packages an application
 * uses. In the CommonJS build the import becomes `require`, so a CommonJS application's clients
 * and fmops's command classes come from the same copy of the SDK.
 *
 * @module
 */
import type * as Athena from "@aws-sdk/client-athena";
import type * as Bedrock from "@aws-sdk/client-bedrock";
import type * as BedrockAgent from "@aws-sdk/client-bedrock-agent";
import type * as BedrockAgentRuntime from "@aws-sdk/client-bedrock-agent-runtime";
import type * as BedrockRuntime from "@aws-sdk/client-bedrock-runtime";
import type * as CloudWatch from "@aws-sdk/client-cloudwatch";
import type * as Comprehend from "@aws-sdk/client-comprehend";
import type * as Glue from "@aws-sdk/client-glue";
import type * as Kendra from "@aws-sdk/client-kendra";
import type * as OpenSearch from "@aws-sdk/client-opensearch";
import type * as S3 from "@aws-sdk/client-s3";
import type * as SageMaker from "@aws-sdk/client-sagemaker";
import type * as SageMakerRuntime from "@aws-sdk/client-sagemaker-runtime";
import type * as Sqs from "@aws-sdk/client-sqs";
import type * as CredentialProviderNode from "@aws-sdk/credential-provider-node";
import type * as SignatureV4 from "@smithy/signature-v4";
import { loadOptional } from "./optional.js";

/** One AWS SDK package, imported when first needed. */
export interface AwsSdkPackage<M> {
  /** The npm package name, e.g. `@aws-sdk/client-s3`: what a user installs. */
  readonly name: string;
  /**
   * Imports the package. The runtime caches the module, so later calls are cheap.
   *
   * @param feature - what needs it, for the error message, e.g. `"KendraRetriever"`.
   * @throws {@link MissingDependencyError} (`MISSING_DEPENDENCY`) when the package is not
   *   installed, saying `npm install <name>`.
   */
  load(feature: string): Promise<M>;
}

/**
 * Describes one lazily imported package. `importer` must hold a literal `import("<name>")` so
 * that bundlers see the package; `name` is what the error message tells the user to install.
 */
export function awsSdkPackage<M>(name: string, importer: () => Promise<M>): AwsSdkPackage<M> {
  return { name, load: (feature) => loadOptional<M>(name, feature, importer) };
}

/** `@aws-sdk/client-athena`: AthenaEngine. */
export const athenaSdk = awsSdkPackage<typeof Athena>(
  "@aws-sdk/client-athena",
  () => import("@aws-sdk/client-athena"),
);
/** `@aws-sdk/client-bedrock` (control plane): Bedrock batch inference jobs. */
export const bedrockSdk = awsSdkPackage<typeof Bedrock>(
  "@aws-sdk/client-bedrock",
  () => import("@aws-sdk/client-bedrock"),
);
/** `@aws-sdk/client-bedrock-agent`: Bedrock Prompt Management. */
export const bedrockAgentSdk = awsSdkPackage<typeof BedrockAgent>(
  "@aws-sdk/client-bedrock-agent",
  () => import("@aws-sdk/client-bedrock-agent"),
);
/** `@aws-sdk/client-bedrock-agent-runtime`: Knowledge Bases (Retrieve, RetrieveAndGenerate). */
export const bedrockAgentRuntimeSdk = awsSdkPackage<typeof BedrockAgentRuntime>(
  "@aws-sdk/client-bedrock-agent-runtime",
  () => import("@aws-sdk/client-bedrock-agent-runtime"),
);
/** `@aws-sdk/client-bedrock-runtime`: Bedrock models (Converse, InvokeModel). */
export const bedrockRuntimeSdk = awsSdkPackage<typeof BedrockRuntime>(
  "@aws-sdk/client-bedrock-runtime",
  () => import("@aws-sdk/client-bedrock-runtime"),
);
/** `@aws-sdk/client-cloudwatch`: the PutMetricData sink. */
export const cloudWatchSdk = awsSdkPackage<typeof CloudWatch>(
  "@aws-sdk/client-cloudwatch",
  () => import("@aws-sdk/client-cloudwatch"),
);
/** `@aws-sdk/client-comprehend`: sentiment and toxicity metrics. */
export const comprehendSdk = awsSdkPackage<typeof Comprehend>(
  "@aws-sdk/client-comprehend",
  () => import("@aws-sdk/client-comprehend"),
);
/** `@aws-sdk/client-glue`: GlueCatalog. */
export const glueSdk = awsSdkPackage<typeof Glue>(
  "@aws-sdk/client-glue",
  () => import("@aws-sdk/client-glue"),
);
/** `@aws-sdk/client-kendra`: KendraRetriever. */
export const kendraSdk = awsSdkPackage<typeof Kendra>(
  "@aws-sdk/client-kendra",
  () => import("@aws-sdk/client-kendra"),
);
/** `@aws-sdk/client-opensearch` (control plane): DescribeDomain for `OpenSearchVectorStore.fromDomain`. */
export const openSearchSdk = awsSdkPackage<typeof OpenSearch>(
  "@aws-sdk/client-opensearch",
  () => import("@aws-sdk/client-opensearch"),
);
/** `@aws-sdk/client-s3`: asynchronous inference payloads and results, batch job files, artifacts. */
export const s3Sdk = awsSdkPackage<typeof S3>(
  "@aws-sdk/client-s3",
  () => import("@aws-sdk/client-s3"),
);
/** `@aws-sdk/client-sagemaker` (control plane): endpoint descriptions for cold-start checks. */
export const sageMakerSdk = awsSdkPackage<typeof SageMaker>(
  "@aws-sdk/client-sagemaker",
  () => import("@aws-sdk/client-sagemaker"),
);
/** `@aws-sdk/client-sagemaker-runtime`: SageMaker endpoints (real-time, streaming, async). */
export const sageMakerRuntimeSdk = awsSdkPackage<typeof SageMakerRuntime>(
  "@aws-sdk/client-sagemaker-runtime",
  () => import("@aws-sdk/client-sagemaker-runtime"),
);
/** `@aws-sdk/client-sqs`: the asynchronous inference notification waiter. */
export const sqsSdk = awsSdkPackage<typeof Sqs>(
  "@aws-sdk/client-sqs",
  () => import("@aws-sdk/client-sqs"),
);
/** `@aws-sdk/credential-provider-node`: the default credential chain for SigV4 over fetch. */
export const credentialProviderNodeSdk = awsSdkPackage<typeof CredentialProviderNode>(
  "@aws-sdk/credential-provider-node",
  () => import("@aws-sdk/credential-provider-node"),
);
/** `@smithy/signature-v4`: SigV4 signing of plain HTTP requests (MLflow, OpenSearch). */
export const signatureV4Sdk = awsSdkPackage<typeof SignatureV4>(
  "@smithy/signature-v4",
  () => import("@smithy/signature-v4"),
);

/** A client together with the package its command classes come from. */
export interface LoadedAwsClient<M, C> {
  /** The imported package: `new sdk.GetObjectCommand(...)`. */
  readonly sdk: M;
  /** The caller's client, or the one built on first use. */
  readonly client: C;
}

/**
 * Defers importing `pkg` and building a client until the first AWS call, so that constructors
 * stay synchronous and free of I/O. The returned function imports the package (even when the
 * caller gave a ready client: the command classes live there), builds the client with `create`
 * unless `given` is set, and returns the same pair on every later call. A failed import is not
 * remembered, so a later call tries again.
 *
 * @example
 * ```ts
 * this.#kendra = lazyAwsClient(kendraSdk, "KendraRetriever", options.client, (sdk) =>
 *   new sdk.KendraClient(clientConfigFrom(options)),
 * );
 * // later, in an async method:
 * const { sdk, client } = await this.#kendra();
 * await client.send(new sdk.RetrieveCommand(input));
 * ```
 */
export function lazyAwsClient<M, C>(
  pkg: AwsSdkPackage<M>,
  feature: string,
  given: C | undefined,
  create: (sdk: M) => C,
): () => Promise<LoadedAwsClient<M, C>> {
  let loaded: Promise<LoadedAwsClient<M, C>> | undefined;
  return () => {
    loaded ??= pkg.load(feature).then(
      (sdk) => ({ sdk, client: given ?? create(sdk) }),
      (err: unknown) => {
        loaded = undefined;
        throw err;
      },
    );
    return loaded;
  };
}
