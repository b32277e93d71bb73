/**
 * A local CloudWatch (metrics) on 127.0.0.1 speaking what `@aws-sdk/client-cloudwatch` 3.11xx
 * speaks: AWS JSON 1.0 (`POST /`, `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`,
 * query-compatible errors), with gzip request bodies (the client compresses PutMetricData bodies
 * over 10 kB). It serves PutMetricData and checks the API's limits the way CloudWatch does.
 * Errors carry `__type` as `com.amazonaws.cloudwatch#Name` and the `x-amzn-query-error` header
 * with the legacy query code (`InvalidParameterValue;Sender`, `Throttling;Sender`), which the SDK
 * reads first.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { toUtf8 } from "@smithy/util-utf8";
import {
  type JsonRpcErrorStyle,
  StandInError,
  startJsonTargetServer,
  testCredentials,
  testRegion,
} from "./http.js";

/**
 * CloudWatch's modelled errors for PutMetricData (as its API reference lists them), with HTTP
 * status, legacy query code and message member. The fidelity test checks each against the SDK's
 * service schema.
 */
export const CLOUDWATCH_ERRORS = {
  InvalidParameterValueException: {
    status: 400,
    queryCode: "InvalidParameterValue",
    messageKey: "message",
  },
  MissingRequiredParameterException: {
    status: 400,
    queryCode: "MissingParameter",
    messageKey: "message",
  },
  InvalidParameterCombinationException: {
    status: 400,
    queryCode: "InvalidParameterCombination",
    messageKey: "message",
  },
  InternalServiceFault: { status: 500, queryCode: "InternalServiceError", messageKey: "Message" },
} as const satisfies Record<
  string,
  { status: number; queryCode: string; messageKey: "message" | "Message" }
>;

/** The name of one of {@link CLOUDWATCH_ERRORS}. */
export type CloudWatchErrorName = keyof typeof CLOUDWATCH_ERRORS;

/** How CloudWatch frames its errors on the wire. */
export const CLOUDWATCH_ERROR_STYLE: JsonRpcErrorStyle = {
  namespace: "com.amazonaws.cloudwatch",
  jsonVersion: "1.0",
  queryCompatible: true,
  messageKey: "message",
};

/**
 * One of CloudWatch's modelled errors as the stand-in sends it.
 *
 * @example
 * ```ts
 * cw.failNext(cloudWatchError("InternalServiceFault"));
 * ```
 */
export function cloudWatchError(
  name: CloudWatchErrorName,
  message = `stand-in ${name}`,
): StandInError {
  const { status, queryCode, messageKey } = CLOUDWATCH_ERRORS[name];
  // The style sends `message`; an error whose member is `Message` carries that too.
  const extra = messageKey === "Message" ? { Message: message } : {};
  return new StandInError({ status, type: name, message, queryCode, extra });
}

/**
 * CloudWatch's throttle, which its model does not list: the common `Throttling` query code with
 * HTTP 400 (see test/emulators/FIDELITY.md).
 */
export function cloudWatchThrottle(message = "Rate exceeded"): StandInError {
  return new StandInError({ status: 400, type: "Throttling", message, queryCode: "Throttling" });
}

/** A PutMetricData datum as it arrived on the wire (timestamps are epoch seconds). */
export interface WireMetricDatum {
  MetricName: string;
  Dimensions?: { Name: string; Value: string }[];
  Timestamp?: number;
  Value?: number;
  Values?: number[];
  Counts?: number[];
  Unit?: string;
  StorageResolution?: number;
}

/** One PutMetricData request as received. */
export interface PutMetricDataCall {
  Namespace: string;
  MetricData: WireMetricDatum[];
  /** Whether the body arrived gzip-compressed. */
  gzip: boolean;
  /** Body size on the wire, in bytes. */
  bytes: number;
}

/** A running CloudWatch stand-in. */
export interface CloudWatchStandIn {
  endpoint: string;
  /** A ready client: fake credentials, no SDK retries. */
  client: CloudWatchClient;
  /** Every accepted PutMetricData call, in order. */
  calls: PutMetricDataCall[];
  /** Every datum accepted, flattened. */
  datums(): (WireMetricDatum & { Namespace: string })[];
  /** Makes the next `n` calls fail with this error. */
  failNext(error: StandInError, n?: number): void;
  close(): Promise<void>;
}

const TARGET_PREFIX = "GraniteServiceVersion20100801";

function invalid(message: string): StandInError {
  return cloudWatchError("InvalidParameterValueException", message);
}

/** Checks a PutMetricData input against CloudWatch's documented limits. */
function validate(
  input: { Namespace?: unknown; MetricData?: unknown },
  bytes: number,
): string | undefined {
  if (bytes > 1_048_576) return "The request exceeds 1 MB.";
  if (
    typeof input.Namespace !== "string" ||
    input.Namespace.length < 1 ||
    input.Namespace.length > 255
  ) {
    return "The parameter Namespace must be 1 to 255 characters.";
  }
  if (input.Namespace.startsWith("AWS/"))
    return "The value AWS/ for parameter Namespace is invalid.";
  if (!Array.isArray(input.MetricData) || input.MetricData.length === 0)
    return "MetricData is required.";
  if (input.MetricData.length > 1000)
    return "The collection MetricData must not have a size greater than 1000.";
  for (const [i, d] of (input.MetricData as WireMetricDatum[]).entries()) {
    if (typeof d.MetricName !== "string" || d.MetricName.length === 0)
      return `MetricData.${i}.MetricName is required.`;
    if ((d.Dimensions?.length ?? 0) > 30)
      return `MetricData.${i}.Dimensions must have at most 30 items.`;
    for (const dim of d.Dimensions ?? []) {
      if (!dim.Name || !dim.Value || dim.Value.length > 1024)
        return `MetricData.${i} has an invalid dimension.`;
    }
    const values = d.Values ?? [];
    if (values.length > 150) return `MetricData.${i}.Values must have at most 150 items.`;
    if (d.Counts && d.Counts.length !== values.length)
      return `MetricData.${i}.Counts must match Values.`;
    if (d.Value === undefined && values.length === 0)
      return `MetricData.${i} needs Value or Values.`;
    for (const v of [...values, ...(d.Value === undefined ? [] : [d.Value])]) {
      if (!Number.isFinite(v)) return `MetricData.${i} has a non-finite value.`;
    }
    if (
      d.StorageResolution !== undefined &&
      d.StorageResolution !== 1 &&
      d.StorageResolution !== 60
    ) {
      return `MetricData.${i}.StorageResolution must be 1 or 60.`;
    }
  }
  return undefined;
}

/**
 * Starts a CloudWatch stand-in on 127.0.0.1 port 0.
 *
 * @example
 * ```ts
 * const cw = await startCloudWatch();
 * await cw.client.send(new PutMetricDataCommand({ Namespace: "App", MetricData: [...] }));
 * cw.datums();
 * ```
 */
export async function startCloudWatch(): Promise<CloudWatchStandIn> {
  const calls: PutMetricDataCall[] = [];
  let failures: { error: StandInError; left: number } | undefined;
  const running = await startJsonTargetServer(
    {
      targetPrefix: TARGET_PREFIX,
      jsonVersion: "1.0",
      errors: CLOUDWATCH_ERROR_STYLE,
      internalType: "InternalServiceFault",
    },
    (call) => {
      if (call.operation !== "PutMetricData") {
        return new StandInError({
          status: 400,
          type: "UnknownOperationException",
          message: `Unsupported target ${call.target}`,
        });
      }
      if (failures && failures.left > 0) {
        failures.left--;
        return failures.error;
      }
      const raw = call.body;
      const gzip = call.headers["content-encoding"] === "gzip";
      const body = gzip ? new Uint8Array(gunzipSync(raw)) : raw;
      const input = JSON.parse(toUtf8(body)) as { Namespace?: unknown; MetricData?: unknown };
      const problem = validate(input, raw.length);
      if (problem) return invalid(problem);
      calls.push({
        Namespace: input.Namespace as string,
        MetricData: input.MetricData as WireMetricDatum[],
        gzip,
        bytes: raw.length,
      });
      return {};
    },
  );
  const client = new CloudWatchClient({
    endpoint: running.endpoint,
    region: testRegion,
    credentials: testCredentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint: running.endpoint,
    client,
    calls,
    datums: () => calls.flatMap((c) => c.MetricData.map((d) => ({ ...d, Namespace: c.Namespace }))),
    failNext(error, n = 1) {
      failures = { error, left: n };
    },
    async close() {
      client.destroy();
      await running.close();
    },
  };
}
