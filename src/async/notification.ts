/**
 * Parsing SageMaker asynchronous inference notifications as they arrive through an SQS queue
 * subscribed to the endpoint's SNS success/error topics (wrapped in an SNS envelope, or raw when
 * the subscription has raw message delivery on).
 *
 * @module
 */

/** A SageMaker async inference notification, reduced to what a waiter needs. */
export interface AsyncNotification {
  /** The inference id the notification is about. */
  inferenceId: string;
  /** `Completed` on success, `Failed` on failure (as SageMaker sends it). */
  invocationStatus: string;
  /** True for a success notification. */
  succeeded: boolean;
  /** Output object, on success. */
  outputLocation?: string | undefined;
  /** Failure object, on failure, when the endpoint has an S3FailurePath. */
  failureLocation?: string | undefined;
  /** The result's content type, on success. */
  contentType?: string | undefined;
  /** Why it failed, on failure. */
  failureReason?: string | undefined;
  /** The endpoint, when named. */
  endpointName?: string | undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Reads an SQS message body as a SageMaker async notification: the SNS envelope
 * (`{"Type":"Notification","Message":"{...}"}`) is unwrapped when present. Returns `undefined`
 * for anything else (other producers' messages share queues too), never throws.
 *
 * @example
 * ```ts
 * parseAsyncNotification(message.Body ?? "")?.inferenceId;
 * ```
 */
export function parseAsyncNotification(body: string): AsyncNotification | undefined {
  let value = asRecord(parseJson(body));
  if (value && value.Type === "Notification" && typeof value.Message === "string") {
    value = asRecord(parseJson(value.Message));
  }
  if (!value) return undefined;
  const inferenceId = str(value.inferenceId);
  const invocationStatus = str(value.invocationStatus);
  if (!inferenceId || !invocationStatus) return undefined;
  const response = asRecord(value.responseParameters) ?? {};
  const request = asRecord(value.requestParameters) ?? {};
  return {
    inferenceId,
    invocationStatus,
    succeeded: invocationStatus.toLowerCase() === "completed",
    outputLocation: str(response.outputLocation),
    failureLocation: str(response.failureLocation),
    contentType: str(response.contentType),
    failureReason: str(value.failureReason),
    endpointName: str(request.endpointName),
  };
}
