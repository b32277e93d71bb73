/**
 * The error hierarchy shared by every fmops module.
 *
 * Every error fmops throws is an {@link FmopsError}: it carries a stable string `code` to branch
 * on, a `retryable` flag, and the original `cause`. Messages say what went wrong and what to do,
 * and never contain credentials, signatures or long payloads (see {@link redact}).
 *
 * @module
 */

/** Options shared by every {@link FmopsError} constructor. */
export interface FmopsErrorOptions {
  /** Whether repeating the same call may succeed (throttling, 5xx, network blips). */
  retryable?: boolean;
  /** The underlying error, kept for debugging; never shown in `message`. */
  cause?: unknown;
}

/**
 * Base class of every error thrown by fmops.
 *
 * @example
 * ```ts
 * try {
 *   await model.generate(request);
 * } catch (err) {
 *   if (err instanceof FmopsError && err.retryable) scheduleRetry();
 *   else throw err;
 * }
 * ```
 */
export class FmopsError extends Error {
  /** Stable, machine-readable error code such as `VALIDATION_ERROR` or `STREAM_IDLE_TIMEOUT`. */
  readonly code: string;
  /** Whether repeating the same call may succeed. */
  readonly retryable: boolean;

  constructor(code: string, message: string, options: FmopsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** One problem found while validating options or input. */
export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `messages.0.role`; empty for the value itself. */
  path: string;
  /** What is wrong with it. */
  message: string;
}

/**
 * Invalid options or input. The message names every offending field.
 * Code: `VALIDATION_ERROR`. Never retryable.
 */
export class ValidationError extends FmopsError {
  /** Each offending field and what is wrong with it. */
  readonly issues: readonly ValidationIssue[];

  constructor(
    message: string,
    issues: readonly ValidationIssue[] = [],
    options: FmopsErrorOptions = {},
  ) {
    super("VALIDATION_ERROR", message, { ...options, retryable: false });
    this.issues = issues;
  }
}

/**
 * A wait ran past its deadline. Code: `TIMEOUT` unless a more specific code is given
 * (for example `STREAM_IDLE_TIMEOUT`).
 */
export class TimeoutError extends FmopsError {
  /** The deadline that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(
    message: string,
    timeoutMs: number,
    options: FmopsErrorOptions & { code?: string } = {},
  ) {
    super(options.code ?? "TIMEOUT", message, {
      retryable: options.retryable ?? true,
      cause: options.cause,
    });
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The caller aborted the operation through its `AbortSignal`. Code: `ABORTED`.
 * `cause` holds the signal's `reason`.
 */
export class AbortedError extends FmopsError {
  constructor(
    message = "The operation was aborted by its AbortSignal.",
    options: FmopsErrorOptions = {},
  ) {
    super("ABORTED", message, { ...options, retryable: false });
  }
}

/** Where a failed AWS call went, attached to errors that wrap an AWS response. */
export interface AwsErrorDetails {
  /** Service name, e.g. `BedrockRuntime`. */
  service: string;
  /** Operation name, e.g. `Converse`. */
  operation: string;
  /** The service's error name, e.g. `AccessDeniedException`. */
  errorName: string;
  /** The AWS request id, for support cases. */
  requestId?: string | undefined;
  /** HTTP status of the failed response, when there was one. */
  httpStatus?: number | undefined;
}

/**
 * The caller's credentials lack a permission. Code: `PERMISSION_DENIED`. Never retryable: the
 * message names what to grant.
 */
export class PermissionDeniedError extends FmopsError {
  /** The AWS call that was denied, when the denial came from AWS. */
  readonly details: AwsErrorDetails | undefined;

  constructor(message: string, options: FmopsErrorOptions & { details?: AwsErrorDetails } = {}) {
    super("PERMISSION_DENIED", message, { cause: options.cause, retryable: false });
    this.details = options.details;
  }
}

/**
 * An optional peer dependency is not installed. Code: `MISSING_DEPENDENCY`.
 * The message gives the exact install command.
 */
export class MissingDependencyError extends FmopsError {
  /** The npm package to install. */
  readonly packageName: string;

  constructor(packageName: string, feature: string, options: FmopsErrorOptions = {}) {
    super(
      "MISSING_DEPENDENCY",
      `${feature} needs the optional package "${packageName}". Install it with: npm install ${packageName}`,
      { ...options, retryable: false },
    );
    this.packageName = packageName;
  }
}

/**
 * An error returned by an AWS service (or the network on the way to it), wrapped with where it
 * happened. Code: `AWS_<ErrorName>` in upper snake case, e.g. `AWS_THROTTLING_EXCEPTION`.
 */
export class AwsServiceError extends FmopsError {
  /** The call that failed: service, operation, error name, request id and HTTP status. */
  readonly details: AwsErrorDetails;

  constructor(message: string, details: AwsErrorDetails, options: FmopsErrorOptions = {}) {
    super(`AWS_${toUpperSnake(details.errorName)}`, message, options);
    this.details = details;
  }

  /** Service name, e.g. `BedrockRuntime`. */
  get service(): string {
    return this.details.service;
  }
  /** Operation name, e.g. `Converse`. */
  get operation(): string {
    return this.details.operation;
  }
  /** The AWS request id, for support cases. */
  get requestId(): string | undefined {
    return this.details.requestId;
  }
  /** HTTP status of the failed response, when there was one. */
  get httpStatus(): number | undefined {
    return this.details.httpStatus;
  }
}

function toUpperSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toUpperCase();
}

/** Type guard for {@link FmopsError}, also across duplicated copies of the package. */
export function isFmopsError(value: unknown): value is FmopsError {
  return (
    value instanceof FmopsError ||
    (value instanceof Error &&
      typeof (value as { code?: unknown }).code === "string" &&
      typeof (value as { retryable?: unknown }).retryable === "boolean")
  );
}

const MAX_QUOTED_CHARS = 200;

// Patterns for secrets that can leak into service messages or URLs.
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  [/(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"']+/gi, "$1[redacted]"],
  [/(Signature=)[0-9a-f]{16,}/gi, "$1[redacted]"],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, "[redacted-access-key]"],
  [/((?:aws_)?secret_?access_?key["'\s:=]+)[A-Za-z0-9/+=]{20,}/gi, "$1[redacted]"],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, "$1[redacted]"],
];

/**
 * Makes text safe to put in an error message: removes signatures, access keys and tokens, and
 * shortens it to at most 200 characters.
 *
 * @example
 * ```ts
 * redact("https://b.s3.amazonaws.com/k?X-Amz-Signature=abc123"); // "...X-Amz-Signature=[redacted]"
 * ```
 */
export function redact(text: string, maxChars: number = MAX_QUOTED_CHARS): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  if (out.length <= maxChars) return out;
  return `${out.slice(0, maxChars)}… (${out.length - maxChars} more characters)`;
}

/**
 * The message of a failed `fetch`, with its cause: undici says only "fetch failed" and puts
 * what happened (`ECONNREFUSED`, a TLS error) on `cause`.
 *
 * @internal
 */
export function describeNetworkError(err: unknown): string {
  const e = err as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const message = typeof e?.message === "string" ? e.message : String(err);
  const cause = e?.cause;
  if (cause && typeof cause.code === "string") return `${message} (${cause.code})`;
  if (cause && typeof cause.message === "string") return `${message} (${cause.message})`;
  return message;
}
