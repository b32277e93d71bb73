/**
 * Missing AWS configuration, told as the settings to provide. The AWS SDK reports a missing
 * region as `Region is missing` and missing credentials as `Could not load credentials from any
 * providers`; neither says where a region or credentials come from.
 *
 * @module
 */
import { FmopsError, isFmopsError } from "../core/index.js";
import type { ChatModel } from "../models/index.js";

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
 * `model` with one difference: a call that fails for missing AWS configuration (no region, no
 * credentials) also hands the {@link AwsSetupError} to `onSetupError`. Commands that isolate
 * each call's failure (`fmops eval` records) use it to stop at the first such call, since every
 * later one would fail the same way. Everything else, `this` included, is the model's own.
 */
export function reportingAwsSetup(
  model: ChatModel,
  onSetupError: (err: AwsSetupError) => void,
  regionFlag?: string,
): ChatModel {
  const generate: ChatModel["generate"] = async (request, options) => {
    try {
      return await model.generate(request, options);
    } catch (err) {
      const setup = awsSetupErrorFrom(err, regionFlag);
      if (setup !== undefined) onSetupError(setup);
      throw err;
    }
  };
  return new Proxy(model, {
    get(target, property) {
      if (property === "generate") return generate;
      // Methods run on the model itself: its private fields are not on the proxy.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
