/**
 * One look at an S3 object (HeadObject) that tells "not there yet" apart from "not allowed".
 *
 * @module
 */

import { PermissionDeniedError, parseS3Uri, wrapAwsError } from "../core/index.js";
import {
  type AwsErrorDetails,
  abortError,
  type SendsCommands,
  s3Sdk,
  signalledAwsCall,
} from "../core/internal.js";
import { MAX_FAILURE_TEXT_CHARS } from "./errors.js";

/** What a HeadObject said about an object. */
export type ObjectProbe =
  | { exists: false }
  | {
      exists: true;
      contentType?: string | undefined;
      size?: number | undefined;
      etag?: string | undefined;
    };

interface HeadErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * HeadObject on `uri`: `{ exists: false }` for 404, the object's metadata when it exists. A 403
 * throws {@link PermissionDeniedError} at once, because S3 answers 403 (not 404) for a missing key
 * when the caller lacks `s3:ListBucket`, so retrying would only wait out the deadline. Other
 * errors are wrapped with `wrapAwsError` (throttling and 5xx come back `retryable`).
 */
export async function probeObject(
  s3: SendsCommands,
  uri: string,
  signal: AbortSignal,
): Promise<ObjectProbe> {
  const { bucket, key } = parseS3Uri(uri);
  const { HeadObjectCommand } = await s3Sdk.load("AsyncResultPoller");
  try {
    const out = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: signal,
    })) as { ContentType?: string; ContentLength?: number; ETag?: string };
    return { exists: true, contentType: out.ContentType, size: out.ContentLength, etag: out.ETag };
  } catch (err) {
    if (signal.aborted) throw abortError(signal);
    const e = (err ?? {}) as HeadErrorShape;
    const status = e.$metadata?.httpStatusCode;
    if (status === 404 || e.name === "NotFound" || e.name === "NoSuchKey") return { exists: false };
    const wrapped = wrapAwsError(err, {
      service: "S3",
      operation: "HeadObject",
      iamAction: "s3:GetObject",
    });
    if (wrapped instanceof PermissionDeniedError) throw headDenied(uri, bucket, wrapped, err);
    throw wrapped;
  }
}

function headDenied(
  uri: string,
  bucket: string,
  wrapped: PermissionDeniedError,
  cause: unknown,
): PermissionDeniedError {
  const details: AwsErrorDetails | undefined = wrapped.details;
  const requestNote = details?.requestId ? ` (request id ${details.requestId})` : "";
  return new PermissionDeniedError(
    `S3.HeadObject on ${uri} was denied (HTTP 403)${requestNote}. Reading async results needs "s3:GetObject" on the output and failure objects, and "s3:ListBucket" on arn:aws:s3:::${bucket}: without ListBucket, S3 answers 403 instead of 404 for a key that does not exist yet, so a result that is merely pending looks like a permission error. Grant both to the caller's role (and kms:Decrypt if the bucket uses SSE-KMS).`,
    { cause, details },
  );
}

/**
 * Reads the beginning of a failure object as text: at most {@link MAX_FAILURE_TEXT_CHARS}
 * characters' worth of bytes are fetched (a Range request), since only that much is ever kept.
 */
export async function readFailureText(
  s3: SendsCommands,
  uri: string,
  signal: AbortSignal,
): Promise<string> {
  const { bucket, key } = parseS3Uri(uri);
  const { GetObjectCommand } = await s3Sdk.load("AsyncResultPoller");
  return signalledAwsCall(
    signal,
    { service: "S3", operation: "GetObject", iamAction: "s3:GetObject" },
    async () => {
      const out = (await s3.send(
        // UTF-8 needs at most 4 bytes a character.
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          Range: `bytes=0-${MAX_FAILURE_TEXT_CHARS * 4 - 1}`,
        }),
        { abortSignal: signal },
      )) as { Body?: { transformToString?: (encoding?: string) => Promise<string> } };
      return (await out.Body?.transformToString?.("utf-8")) ?? "";
    },
  );
}
