/**
 * `s3://bucket/key` locations: parsing, formatting and joining.
 *
 * @module
 */
import { ValidationError } from "./errors.js";

/** A parsed `s3://bucket/key` location. */
export interface S3Location {
  /** The bucket name. */
  bucket: string;
  /** The object key (or key prefix), without a leading slash; may be empty for a bucket root. */
  key: string;
}

// Bucket names: 3-63 characters of lower-case letters, digits, dots and hyphens. Older buckets in
// us-east-1 may also hold upper-case letters and underscores, so those are accepted too.
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;

/**
 * Splits an `s3://bucket/key` URI into bucket and key. The key is taken verbatim (S3 keys may hold
 * any character, including `%`, spaces and further slashes). Throws {@link ValidationError} naming
 * `field` when the text is not an S3 URI.
 *
 * @example
 * ```ts
 * parseS3Uri("s3://my-bucket/async/out/abc.out"); // { bucket: "my-bucket", key: "async/out/abc.out" }
 * ```
 */
export function parseS3Uri(uri: string, field = "location"): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/s.exec(uri);
  const bucket = match?.[1];
  if (!match || bucket === undefined || !BUCKET.test(bucket)) {
    const shown = uri.length > 120 ? `${uri.slice(0, 120)}…` : uri;
    throw new ValidationError(
      `${field} must be an S3 URI like "s3://bucket/key"; got "${shown}".`,
      [{ path: field, message: "must be an s3://bucket/key URI" }],
    );
  }
  return { bucket, key: match[2] ?? "" };
}

/** Formats a bucket and key as `s3://bucket/key`. */
export function formatS3Uri(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

/**
 * Appends path segments to an S3 prefix with exactly one `/` between parts.
 *
 * @example
 * ```ts
 * joinS3Uri("s3://b/inputs", "2024-05-01", "id.json"); // "s3://b/inputs/2024-05-01/id.json"
 * ```
 */
export function joinS3Uri(prefix: string, ...segments: string[]): string {
  let out = prefix;
  for (const segment of segments) {
    if (segment === "") continue;
    out = `${out.endsWith("/") ? out : `${out}/`}${segment.replace(/^\/+/, "")}`;
  }
  return out;
}
