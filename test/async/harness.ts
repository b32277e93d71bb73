/**
 * Shared set-up for the async tests: s3rver plus the SageMaker Runtime stand-in, whose async
 * handler reads the uploaded input and writes the output or failure object. An input
 * `{ "fail": "why" }` fails; the custom attribute `delay=<ms>` delays the result.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { toUtf8 } from "@smithy/util-utf8";
import {
  type S3StandIn,
  type SageMakerRuntimeHandlers,
  type SageMakerRuntimeStandIn,
  startS3,
  startSageMakerRuntime,
  testCredentials,
  testRegion,
} from "../emulators/index.js";

export interface AsyncHarness {
  s3: S3StandIn;
  runtime: SageMakerRuntimeStandIn;
  close(): Promise<void>;
}

/** An S3 client for `endpoint` (s3rver, or a fault proxy in front of it) with no SDK retries. */
export function s3ClientFor(endpoint: string): S3Client {
  return new S3Client({
    region: testRegion,
    endpoint,
    forcePathStyle: true,
    credentials: testCredentials,
    maxAttempts: 1,
  });
}

export function delayOf(customAttributes: string | undefined): number {
  const match = /delay=(\d+)/.exec(customAttributes ?? "");
  return match ? Number(match[1]) : 0;
}

export async function startAsyncHarness(
  extra: Partial<SageMakerRuntimeHandlers> = {},
): Promise<AsyncHarness> {
  const s3 = await startS3({ buckets: ["inputs", "results"] });
  const runtime = await startSageMakerRuntime({
    s3,
    asyncOutputLocation: "s3://results/out/",
    asyncFailureLocation: "s3://results/fail/",
    asyncDelayMs: (request) => delayOf(request.customAttributes),
    invokeEndpointAsync: (input) => {
      const value = JSON.parse(toUtf8(input)) as { fail?: string; echo?: unknown };
      if (value.fail) return { failure: value.fail };
      return { output: { echo: value.echo ?? value, ok: true } };
    },
    ...extra,
  });
  return {
    s3,
    runtime,
    async close() {
      await runtime.close();
      await s3.close();
    },
  };
}
