/**
 * Missing AWS configuration, told as the settings to provide. The AWS SDK reports a missing
 * region as `Region is missing` and missing credentials as `Could not load credentials from any
 * providers`; neither says where a region or credentials come from.
 *
 * @module
 */
import { FmopsError, isFmopsError } from "../core/index.js";

/** The codes an {@link AwsSetupError} carries. */
export type AwsSetupErrorCode = "AWS_REGION_MISSING" | "AWS_CREDENTIALS_MISSING";

/**
 * The AWS SDK found no region or no credentials. Code: one of {@link AwsSetupErrorCode}. Not
 * retryable: the same call fails until the configuration changes.
 */
export class AwsSetupError extends FmopsError {
  declare readonly code: AwsSetupErrorCode;

  constructor(code: AwsSetupErrorCode, message: string, cause: unknown) {
    super(code, message, { cause, retryable: false });
  }
}

/** How deep the chain of causes is searched for the SDK's own error. */
const MAX_CAUSES = 5;

/**
 * The {@link AwsSetupError} for an error caused by a missing region or missing credentials,
 * or `undefined` for any other error. `regionFlag` is the command's flag for the region, when
 * it has one.
 */
export function awsSetupErrorFrom(err: unknown, regionFlag?: string): AwsSetupError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < MAX_CAUSES && current instanceof Error; depth++) {
    if (/^Region is missing/i.test(current.message) || current.name === "RegionMissingError")
      return regionMissing(err, regionFlag);
    if (current.name === "CredentialsProviderError") return credentialsMissing(err);
    current = isFmopsError(current) ? current.unsafeCause() : current.cause;
  }
  return undefined;
}

function regionMissing(err: unknown, regionFlag: string | undefined): AwsSetupError {
  const flag = regionFlag
    ? `pass ${regionFlag} <region> (for example ${regionFlag} us-east-1), `
    : "";
  return new AwsSetupError(
    "AWS_REGION_MISSING",
    `No AWS region is configured: ${flag}set the AWS_REGION environment variable, or set "region" in the AWS profile that AWS_PROFILE names (~/.aws/config).`,
    err,
  );
}

function credentialsMissing(err: unknown): AwsSetupError {
  return new AwsSetupError(
    "AWS_CREDENTIALS_MISSING",
    'No AWS credentials were found by the AWS SDK\'s default credential chain. Provide them one of these ways: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys); AWS_PROFILE naming a profile in ~/.aws/credentials or ~/.aws/config (run "aws sso login" for an SSO profile); or a role of the instance, container or Lambda function the command runs in.',
    err,
  );
}

/**
 * Resolves, before any work, the AWS region and credentials that the SDK's clients will use
 * with `config` (`--region`, `--endpoint-url`), and throws the {@link AwsSetupError} when
 * either is missing. For commands that isolate each call's failure (the records of
 * `fmops eval`, the questions of `fmops sql --eval`, the calls of `fmops bench`): without this
 * check, a missing region fails every call alike and shows only as N failures.
 *
 * The resolution is the AWS SDK's own default chain (what the first call would do), on a
 * client that sends nothing.
 */
export async function checkAwsSetup(
  config: { region?: string; endpoint?: string },
  regionFlag?: string,
): Promise<void> {
  const { BedrockRuntimeClient } = await import("@aws-sdk/client-bedrock-runtime");
  const client = new BedrockRuntimeClient(config);
  try {
    await client.config.region();
    await client.config.credentials();
  } catch (err) {
    throw awsSetupErrorFrom(err, regionFlag) ?? err;
  } finally {
    client.destroy();
  }
}

/** Whether a `--model` spec (`bedrock:...`, `sagemaker:...`) calls an AWS service. */
export function isAwsModelSpec(spec: string | undefined): boolean {
  return spec !== undefined && /^(bedrock|sagemaker):./.test(spec);
}
