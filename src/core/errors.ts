/**
 * The error hierarchy shared by every fmops module.
 *
 * Every error fmops throws is an {@link FmopsError}: it carries a stable string `code` to branch
 * on, a `retryable` flag, and the original `cause`. Messages say what went wrong and what to do,
 * and never contain credentials, signatures or long payloads (see {@link redact}).
 *
 * @module
 */

import type { FmopsErrorCode } from "./error-codes.js";

/** Options shared by every {@link FmopsError} constructor. */
export interface FmopsErrorOptions {
  /** Whether repeating the same call may succeed (throttling, 5xx, network blips). */
  retryable?: boolean;
  /**
   * The underlying error. It is kept as it is behind {@link FmopsError.unsafeCause}; `cause`
   * shows only a redacted {@link ErrorCauseSummary} of it.
   */
  cause?: unknown;
}

/**
 * What an {@link FmopsError}'s `cause` shows of an error that is not itself an FmopsError: its
 * name, code and redacted message (at most 200 characters), the AWS SDK's request metadata, and
 * the same summary of its own cause. Fields an SDK exception copies from the response body
 * (S3's `StringToSign`, `CanonicalRequest`, `AWSAccessKeyId`, an echoed prompt) are left out.
 */
export interface ErrorCauseSummary {
  /** The error's name, e.g. `AccessDeniedException`, `AbortError`. */
  readonly name: string;
  /** Its message, with secrets removed and cut to 200 characters. */
  readonly message: string;
  /** Its `code`, e.g. `ECONNRESET`, when it has one. */
  readonly code?: string;
  /** AWS SDK errors: whether the client or the service was at fault. */
  readonly $fault?: string;
  /** AWS SDK errors: the retry classification the SDK gave it. */
  readonly $retryable?: {
    /** True when the SDK classed the error as throttling; absent when it did not say. */
    readonly throttling?: boolean;
  };
  /** AWS SDK errors: status, request ids, attempts. */
  readonly $metadata?: {
    /** The HTTP status code of the service's response, e.g. 403 or 503. */
    readonly httpStatusCode?: number;
    /** The id the service gave the request, to quote to AWS Support. */
    readonly requestId?: string;
    /** A second request id some services return (S3's `x-amz-id-2`). */
    readonly extendedRequestId?: string;
    /** The CloudFront request id, when the response passed through CloudFront. */
    readonly cfId?: string;
    /** How many attempts the SDK made, the first one included. */
    readonly attempts?: number;
    /** Milliseconds the SDK waited between its retries, in total. */
    readonly totalRetryDelay?: number;
  };
  /** The summary of the error's own cause. */
  readonly cause?: unknown;
}

/** How deep causes of causes are summarised, and printed fields are followed. */
const MAX_DEPTH = 4;

/**
 * Base class of every error thrown by fmops.
 *
 * Every error is safe to print: `message`, `stack`, `String(err)`, `JSON.stringify(err)`,
 * `console.error(err)` and `util.inspect(err)` show no credentials, signatures or tokens, and
 * quote at most 200 characters of any payload. `cause` is a redacted {@link ErrorCauseSummary}
 * (or the causing FmopsError itself); the original is reachable only through
 * {@link FmopsError.unsafeCause}.
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
  readonly code: FmopsErrorCode;
  /** Whether repeating the same call may succeed. */
  readonly retryable: boolean;
  readonly #cause: unknown;

  constructor(code: FmopsErrorCode, message: string, options: FmopsErrorOptions = {}) {
    const raw = options.cause;
    super(removeSecrets(message), raw === undefined ? undefined : { cause: summarizeCause(raw) });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.#cause = raw;
  }

  /**
   * The original cause, exactly as it was thrown: for example the AWS SDK exception with its
   * raw response fields. **It may contain secrets** (access key ids, session tokens, signatures,
   * S3's `CanonicalRequest`) and whole prompts or payloads: use it to debug, never log or show it.
   * `cause` is the safe summary of the same error.
   */
  unsafeCause(): unknown {
    return this.#cause;
  }

  /** What `JSON.stringify` writes: the same safe fields that `util.inspect` shows. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, ...this.#safeFields() };
  }

  /**
   * Node's `util.inspect` (and so `console.error`): the stack, then the safe fields. Registered
   * through the global symbol so that core needs no `node:util` import and runs under Deno.
   */
  [Symbol.for("nodejs.util.inspect.custom")](
    _depth: number,
    options: unknown,
    inspect?: (value: unknown, options?: unknown) => string,
  ): string {
    const fields = this.#safeFields();
    const shown = typeof inspect === "function" ? inspect(fields, options) : JSON.stringify(fields);
    return `${this.stack ?? `${this.name}: ${this.message}`} ${shown}`;
  }

  /** `code`, `retryable`, the subclass's own fields (redacted) and the cause summary. */
  #safeFields(): Record<string, unknown> {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) {
      if (key !== "name") fields[key] = safeValue(value, 1);
    }
    if (this.cause !== undefined) fields.cause = this.cause;
    return fields;
  }
}

/**
 * The safe stand-in for a cause: FmopsErrors as they are, other errors as an
 * {@link ErrorCauseSummary}, strings redacted.
 */
function summarizeCause(value: unknown, depth = 0): unknown {
  if (value instanceof FmopsError) return value;
  if (typeof value === "string") return redact(value);
  if (typeof value !== "object" || value === null) return value;
  const e = value as Record<string, unknown>;
  const text =
    typeof e.message === "string"
      ? e.message
      : typeof e.Message === "string"
        ? e.Message
        : value instanceof Error
          ? ""
          : safeJson(value);
  const summary: Record<string, unknown> = {
    name: typeof e.name === "string" ? e.name : value instanceof Error ? "Error" : "Object",
    message: redact(text),
  };
  if (typeof e.code === "string") summary.code = redact(e.code, 100);
  if (typeof e.$fault === "string") summary.$fault = e.$fault;
  const retryable = e.$retryable as { throttling?: unknown } | undefined;
  if (typeof retryable === "object" && retryable !== null) {
    summary.$retryable =
      typeof retryable.throttling === "boolean" ? { throttling: retryable.throttling } : {};
  }
  const metadata = sdkMetadata(e.$metadata);
  if (metadata) summary.$metadata = metadata;
  if (e.cause !== undefined && depth < MAX_DEPTH)
    summary.cause = summarizeCause(e.cause, depth + 1);
  return Object.freeze(summary);
}

const METADATA_STRINGS = ["requestId", "extendedRequestId", "cfId"] as const;
const METADATA_NUMBERS = ["httpStatusCode", "attempts", "totalRetryDelay"] as const;

function sdkMetadata(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const m = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of METADATA_NUMBERS) if (typeof m[key] === "number") out[key] = m[key];
  for (const key of METADATA_STRINGS)
    if (typeof m[key] === "string") out[key] = redact(m[key], 200);
  return Object.freeze(out);
}

/** A printable copy of a field value: strings redacted, depth and size bounded. */
function safeValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof FmopsError) return value;
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (value instanceof Error) return summarizeCause(value, MAX_DEPTH);
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? "[Array]" : "[Object]";
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => safeValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // A field named like a secret is dropped whatever its value looks like.
    out[key] =
      isSecretName(key) && typeof item === "string" ? REDACTED : safeValue(item, depth + 1);
  }
  return out;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
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
    options: FmopsErrorOptions & { code?: FmopsErrorCode } = {},
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
const REDACTED = "[redacted]";

// Redaction works in two ways. Values are removed by the name they are given (a header, query
// parameter, JSON or XML field, INI or environment entry), whatever they look like; and values
// with a recognisable shape (access key ids, STS session tokens, JWTs, provider API keys) are
// removed wherever they appear. Every pattern is linear in the text: names are at most 64
// characters and start only at a word boundary, so a long payload cannot make redaction slow.

/** Normalised names (lower case, no `-`, `_`, `.`) whose value is secret wherever it appears. */
const SECRET_NAME_SUFFIX =
  /(?:secret|password|passwd|token|apikey|signature|signatureprovided|credential|accesskey|accesskeyid|privatekey|stringtosign|stringtosignbytes|canonicalrequest|canonicalrequestbytes|authorization|cookie)$/;
const SECRET_NAMES = new Set(["sig", "pwd", "auth", "credentials"]);

function isSecretName(name: string): boolean {
  const normalised = name.toLowerCase().replace(/[-_.]/g, "");
  return SECRET_NAME_SUFFIX.test(normalised) || SECRET_NAMES.has(normalised);
}

// `Authorization: <scheme> <value>` and cookies: everything up to the end of the line or quote
// is secret (a SigV4 header holds the credential scope and the signature); the scheme is kept.
// The separator and the space after the scheme may be URL-encoded (`%3A`, `%3D`, `%20`), as in
// a header echoed inside a query string.
const AUTH_HEADER =
  /(?<![\w-])((?:proxy-)?authorization|(?:set-)?cookie)(\\?["']?(?:[ \t]|%20)*(?:[:=]|%3[ADad])(?:[ \t]|%20)*\\?["']?)(?:(Bearer|Basic|Digest|Negotiate|Token|AWS4-HMAC-SHA256|AWS4-ECDSA-P256-SHA256|AWS)(?:[ \t]|%20)+)?([^"'\\\r\n]+)/gi;

const AUTH_HEADER_NAME = /^(?:proxy-)?authorization$|^(?:set-)?cookie$/i;

// <Name>value</Name>, as in S3's XML errors (SignatureProvided, StringToSign, CanonicalRequest).
const XML_FIELD = /<([A-Za-z][\w.-]{0,63})>([^<]*)<\/\1>/g;

// name=value, name: value, "name": "value", name: 'value', the same inside escaped JSON, and
// URL-encoded inside another URL's query (`%26Signature%3D...`). NAMED_PREFIX finds a name and
// its separator; only for a secret name is the value read, by NAMED_VALUE (sticky, the same
// pattern with the value) at that place. Reading every value would make the scan quadratic: a
// value can run to the end of the text (`a=a=a=...`), and the scan resumes inside it.
const NAMED_PREFIX =
  /(?:(?<![\w.-])|(?<=%[0-9A-Fa-f]{2}))([A-Za-z][\w.-]{0,63})(\\?["']?(?:[ \t]|%20)*([:=]|%3[ADad])(?:[ \t]|%20)*)/g;
const NAMED_VALUE =
  /(?:(?<![\w.-])|(?<=%[0-9A-Fa-f]{2}))([A-Za-z][\w.-]{0,63})(\\?["']?(?:[ \t]|%20)*([:=]|%3[ADad])(?:[ \t]|%20)*)(\\"[^"\\]*\\"|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[^\s"'&,;<>(){}[\]\\]+)/y;

// Values recognisable by their shape alone.
const SHAPED_SECRETS: readonly [RegExp, string][] = [
  // SigV2 `AWS <key id>:<signature>` header values.
  [/\bAWS[ \t]+[A-Z0-9]{16,128}:[A-Za-z0-9+/]{20,}={0,2}/g, `AWS ${REDACTED}`],
  [/\b(Bearer|Basic)[ \t]+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  // Access key ids: long-term (AKIA), temporary (ASIA), and the other key kinds.
  [/\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, "[redacted-access-key]"],
  // STS session tokens: every generation starts with one of these base64 prefixes.
  [
    /(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz|AQoDYXdz|AgoJb3JpZ2lu)[A-Za-z0-9+/=%]{16,}/g,
    "[redacted-session-token]",
  ],
  [/\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/g, "[redacted-jwt]"],
  // OpenAI / Anthropic, Hugging Face, GitHub, Google and Slack keys.
  [
    /\b(?:sk-(?:proj-|ant-)?[\w-]{20,}|hf_[A-Za-z0-9]{30,}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,}|glpat-[\w-]{20,}|xai-[A-Za-z0-9]{32,}|ya29\.[\w-]{20,}|AIza[\w-]{35}|xox[abprs]-[A-Za-z0-9-]{10,})/g,
    "[redacted-api-key]",
  ],
];

// PEM private keys, from BEGIN to END (or to the end of a text cut short).
const PRIVATE_KEY =
  /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----|$)/g;

// The password in a URL's user information: scheme://user:password@host.
const URL_PASSWORD = /\b([A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/[^\s:@/?#]{0,256}:)[^\s@/?#]{1,512}@/g;

// A secret access key after its name and plain spaces, with no `=` or `:` between them.
const SPACED_SECRET_KEY =
  /(?<![\w-])((?:aws_?)?secret_?access_?key[ \t]+)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/gi;

// Base64 lines right after a removed value: the rest of a token wrapped over several lines.
const WRAPPED_CONTINUATION =
  /(\[redacted(?:-session-token)?\])(?:\r?\n[ \t]*[A-Za-z0-9+/=]{16,}(?=\r?\n|$))+/g;

/**
 * Replaces the values of secret-named entries. A match whose name is not secret is not
 * consumed: scanning resumes inside its value, which may itself hold named entries (a URL's
 * query after `http:`, escaped JSON inside a JSON string).
 */
function redactNamedValues(text: string): string {
  let out = "";
  let copied = 0;
  NAMED_PREFIX.lastIndex = 0;
  for (let p = NAMED_PREFIX.exec(text); p !== null; p = NAMED_PREFIX.exec(text)) {
    const prefixName = p[1] as string;
    // Not a secret name: the value is not needed, and names inside it are found from here on.
    if (!isSecretName(prefixName)) continue;
    NAMED_VALUE.lastIndex = p.index;
    const m = NAMED_VALUE.exec(text);
    if (m === null) {
      // No value the pattern reads here (an unclosed quote, say): look for names further on.
      NAMED_PREFIX.lastIndex = p.index + 1;
      continue;
    }
    const [whole, name, separator, operator, value] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    if (!isSecretValue(name, separator, operator, value)) {
      NAMED_PREFIX.lastIndex = m.index + name.length + separator.length;
      continue;
    }
    const quote = value.startsWith('\\"') ? '\\"' : /^["']/.test(value) ? (value[0] as string) : "";
    out += `${text.slice(copied, m.index)}${name}${separator}${quote}${REDACTED}${quote}`;
    copied = m.index + whole.length;
    NAMED_PREFIX.lastIndex = copied;
  }
  return out + text.slice(copied);
}

function isSecretValue(name: string, separator: string, operator: string, value: string): boolean {
  // Authorization and cookie values were handled whole, scheme kept, by AUTH_HEADER.
  if (!isSecretName(name) || AUTH_HEADER_NAME.test(name) || value === REDACTED) return false;
  // `name: value` with neither side quoted is also how prose and validation messages read
  // ("secretAccessKey: Invalid input"): there, only a value that looks like a key is removed.
  // An encoded separator (`%3A`) never appears in prose.
  if (operator.startsWith("%")) return true;
  const quoted = /^\\?["']/.test(value) || /["']/.test(separator);
  return operator !== ":" || quoted || /[\d/+=%]/.test(value) || value.length >= 16;
}

/** Removes credentials, signatures and tokens from `text` without shortening it. */
function removeSecrets(text: string): string {
  let out = text
    .replace(PRIVATE_KEY, "[redacted-private-key]")
    .replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(SPACED_SECRET_KEY, `$1${REDACTED}`)
    .replace(
      AUTH_HEADER,
      (_match, name: string, separator: string, scheme: string | undefined) =>
        `${name}${separator}${scheme ? `${scheme} ` : ""}${REDACTED}`,
    );
  out = out.replace(XML_FIELD, (match, name: string) =>
    isSecretName(name) ? `<${name}>${REDACTED}</${name}>` : match,
  );
  out = redactNamedValues(out);
  for (const [pattern, replacement] of SHAPED_SECRETS) out = out.replace(pattern, replacement);
  return out.replace(WRAPPED_CONTINUATION, "$1");
}

/**
 * Makes text safe to put in an error message: removes credentials, signatures and tokens, and
 * shortens it to at most `maxChars` (default 200) characters.
 *
 * What is removed: the values of headers, query parameters, JSON/XML fields and INI or
 * environment entries named like a secret (`Authorization`, `Cookie`, `X-Amz-Signature`,
 * `X-Amz-Credential`, `X-Amz-Security-Token`, `Signature`, `AWSAccessKeyId`, `Credential`,
 * `aws_secret_access_key`, `aws_session_token`, `SessionToken`, `x-api-key`, `api_key`,
 * `access_token`, `client_secret`, `password`, S3's `StringToSign` / `CanonicalRequest` /
 * `SignatureProvided`, ...), and anything shaped like an AWS access key id (`AKIA...`,
 * `ASIA...`), an STS session token, a bearer token, a JWT or a well-known provider API key.
 * A secret access key is only recognised by its name: a bare 40-character string is not.
 *
 * @example
 * ```ts
 * redact("https://b.s3.amazonaws.com/k?X-Amz-Signature=abc123"); // "...X-Amz-Signature=[redacted]"
 * redact("aws_session_token = IQoJb3JpZ2luX2Vj..."); // "aws_session_token = [redacted]"
 * ```
 */
export function redact(text: string, maxChars: number = MAX_QUOTED_CHARS): string {
  const out = removeSecrets(text);
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
