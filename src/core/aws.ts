/**
 * AWS plumbing shared by every module: client options, and turning AWS SDK errors into
 * {@link AwsServiceError} / {@link PermissionDeniedError}.
 *
 * @module
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { z } from "zod";
import {
  AbortedError,
  AwsServiceError,
  FmopsError,
  PermissionDeniedError,
  redact,
} from "./errors.js";

/**
 * How to build an AWS SDK client when the caller does not pass a ready one. Every field is
 * optional: what is left out comes from the AWS SDK's usual configuration chain.
 */
export interface AwsClientConfig {
  /** AWS region, e.g. `us-east-1`. */
  region?: string;
  /** Static credentials or a credential provider; the SDK's default chain when left out. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** A custom endpoint URL (VPC endpoint, local stand-in). */
  endpoint?: string;
  /** The SDK's own transport retry budget (attempts, including the first). */
  maxAttempts?: number;
}

/**
 * A ready AWS SDK v3 client: anything with `send(command)`.
 *
 * Public options type a caller's client with this, never with the SDK's class (`KendraClient`):
 * the service packages are optional peers, and a declaration naming their class would make
 * every TypeScript user without that package fail to compile (TS2307) under
 * `skipLibCheck: false`. Any real client is assignable to it.
 */
export interface SendsCommands {
  /**
   * Sends one command object, as every AWS SDK v3 client does. Declared as a method, so a
   * client's generic `send(command: Command<...>, options?: HandlerOptions)` is assignable.
   */
  send(command: object, options?: object): Promise<unknown>;
}

/**
 * Static credentials: the two keys every signer needs are checked, the SDK's other fields
 * (session token, expiration, ...) pass through untouched. Typed with the SDK's interface because
 * a loose object's inferred input type has an index signature, which an interface such as
 * `AwsCredentialIdentity` does not satisfy: every options type holding credentials would then
 * disagree with its schema.
 */
const staticCredentialsSchema: z.ZodType<AwsCredentialIdentity, AwsCredentialIdentity> = z
  .object({
    /** The access key id. */
    accessKeyId: z.string().min(1),
    /** The secret access key; never shown in messages. */
    secretAccessKey: z.string().min(1),
  })
  .loose();

/** zod fields for {@link AwsClientConfig}, merged into each class's option schema. */
export const awsClientConfigShape = {
  /** See {@link AwsClientConfig.region}. */
  region: z.string().min(1).optional(),
  /** See {@link AwsClientConfig.credentials}. */
  credentials: z
    .union([
      staticCredentialsSchema,
      z.custom<AwsCredentialIdentityProvider>(
        (v) => typeof v === "function",
        "must be a credential provider function",
      ),
    ])
    .optional(),
  /** See {@link AwsClientConfig.endpoint}. */
  endpoint: z.url().optional(),
  /** See {@link AwsClientConfig.maxAttempts}. */
  maxAttempts: z.int().min(1).max(20).optional(),
};

/** A zod schema accepting a ready AWS SDK client (an object with a `send` method). */
export function awsClientSchema<T extends SendsCommands = SendsCommands>(clientName: string) {
  return z.custom<T>(
    (v) => typeof v === "object" && v !== null && typeof (v as SendsCommands).send === "function",
    `must be an AWS SDK ${clientName} instance`,
  );
}

/**
 * A zod schema for a SageMaker endpoint name as the service accepts it: letters, digits and
 * single or repeated hyphens between them, at most 63 characters. Checking it in the options
 * turns a typo into a `ValidationError` at construction instead of a service error on the first
 * call.
 */
export const sageMakerEndpointNameSchema = z
  .string()
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, "must be a SageMaker endpoint name")
  .max(63);

/** Picks the {@link AwsClientConfig} fields out of an options object, dropping undefined ones. */
export function clientConfigFrom(options: AwsClientConfig): AwsClientConfig {
  const config: AwsClientConfig = {};
  if (options.region !== undefined) config.region = options.region;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  return config;
}

/** Where a call went, for error messages and for naming the IAM action a 403 lacks. */
export interface AwsCallContext {
  /** Service name as users know it, e.g. `SageMakerRuntime`. */
  service: string;
  /** The API operation, e.g. `InvokeEndpoint`. */
  operation: string;
  /** The IAM action the call needs, e.g. `sagemaker:InvokeEndpoint`; shown on access denied. */
  iamAction?: string;
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  /** SageMaker's error shapes spell it `Message`; the SDK copies it to `message` when it parses. */
  Message?: string;
  code?: string;
  $fault?: "client" | "server";
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
}

/**
 * Error names the AWS SDK itself treats as throttling: a copy of `THROTTLING_ERROR_CODES` from
 * `@smithy/core`'s retry module (not exported there, and core must not load SDK packages
 * eagerly). test/core/aws-throttling.test.ts reads the installed list and fails when this copy
 * falls behind it.
 */
const SDK_THROTTLING = [
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
];

const THROTTLING = new Set([
  ...SDK_THROTTLING,
  "TooManyRequests",
  // SQS's "too many in-flight messages" (HTTP 403): it clears as consumers delete messages or
  // visibility timeouts run out, so it is waited out like a throttle, never a permission problem.
  "OverLimit",
]);

const TRANSIENT = new Set([
  // The SDK's TRANSIENT_ERROR_CODES (checked against the installed SDK by the same test).
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalServerException",
  "InternalServerError",
  "InternalFailure",
  "InternalError",
  "ModelNotReadyException",
]);

const ACCESS_DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "ExpiredTokenException",
  "Forbidden",
]);

const NETWORK_CODES = new Set([
  // The SDK's NODEJS_TIMEOUT_ERROR_CODES and NODEJS_NETWORK_ERROR_CODES, and a few more.
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
]);

/**
 * Whether an AWS SDK (or network) error is worth retrying: throttling, 5xx, and transient
 * network failures are; validation and permission errors are not.
 */
export function isRetryableAwsError(err: unknown): boolean {
  if (err instanceof FmopsError) return err.retryable;
  const e = (err ?? {}) as SdkErrorShape;
  if (e.$retryable) return true;
  const name = e.name ?? "";
  if (THROTTLING.has(name) || TRANSIENT.has(name)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  return e.code !== undefined && NETWORK_CODES.has(e.code);
}

/**
 * Converts whatever an AWS SDK call threw into an {@link FmopsError}: a
 * {@link PermissionDeniedError} naming the IAM action for access-denied errors, an
 * {@link AbortedError} when the caller aborted, and an {@link AwsServiceError} otherwise.
 * FmopsErrors pass through unchanged. The original error is kept as `cause`.
 *
 * @example
 * ```ts
 * try {
 *   return await client.send(new InvokeEndpointCommand(input));
 * } catch (err) {
 *   throw wrapAwsError(err, { service: "SageMakerRuntime", operation: "InvokeEndpoint" });
 * }
 * ```
 */
export function wrapAwsError(err: unknown, context: AwsCallContext): FmopsError {
  if (err instanceof FmopsError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const where = `${context.service}.${context.operation}`;
  if (e.name === "AbortError") {
    return new AbortedError(`${where} was aborted by its AbortSignal.`, { cause: err });
  }
  const errorName = e.name && e.name !== "Error" ? e.name : (e.code ?? "UnknownError");
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId;
  const detail = redact((e.message || e.Message || String(err)).replace(/\.\s*$/, ""));
  const requestNote = requestId ? ` (request id ${requestId})` : "";

  const details = {
    service: context.service,
    operation: context.operation,
    errorName,
    requestId,
    httpStatus: status,
  };
  // Throttling first: SQS throttles with HTTP 403 (RequestThrottled, OverLimit), and a throttle
  // must stay a retryable error, not turn into a permission problem that ends a wait.
  if (!isThrottling(e, errorName) && (ACCESS_DENIED.has(errorName) || status === 403)) {
    const grant = context.iamAction
      ? ` Grant the caller's role the "${context.iamAction}" permission on this resource.`
      : "";
    return new PermissionDeniedError(
      `${where} was denied${requestNote}: ${errorName}: ${detail}.${grant}`,
      {
        cause: err,
        details,
      },
    );
  }
  const retryable = isRetryableAwsError(err);
  return new AwsServiceError(
    `${where} failed${requestNote}: ${errorName}: ${detail}${hintFor(errorName, retryable)}`,
    details,
    { retryable, cause: err },
  );
}

/**
 * Runs one AWS SDK call and converts whatever it throws with {@link wrapAwsError}, keeping the
 * call's own result type.
 *
 * @example
 * ```ts
 * const output = await awsCall({ service: "S3", operation: "HeadObject", iamAction: "s3:GetObject" }, () =>
 *   s3.send(new HeadObjectCommand({ Bucket, Key }), { abortSignal: signal }),
 * );
 * ```
 */
export async function awsCall<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw wrapAwsError(err, context);
  }
}

/** Throttling by the error's name, the SDK's throttling trait, or HTTP 429. */
function isThrottling(e: SdkErrorShape, errorName: string): boolean {
  return (
    THROTTLING.has(errorName) ||
    e.$retryable?.throttling === true ||
    e.$metadata?.httpStatusCode === 429
  );
}

function hintFor(errorName: string, retryable: boolean): string {
  if (THROTTLING.has(errorName))
    return " Retry later with backoff, or ask for a higher service quota.";
  if (errorName === "ModelNotReadyException") return " The model is still loading; retry shortly.";
  if (
    errorName.endsWith("NotFoundException") ||
    errorName === "NoSuchKey" ||
    errorName === "NotFound"
  ) {
    return " Check the name or ARN and the region.";
  }
  if (errorName === "ValidationException")
    return " Check the request fields against the API's limits.";
  if (errorName === "ModelError")
    return " The model container returned an error; see its CloudWatch logs.";
  return retryable ? " This is usually transient; retrying may succeed." : "";
}
