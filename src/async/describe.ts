/**
 * DescribeEndpoint, reduced to what waiting on an async endpoint needs: its status and how many
 * instances are running (zero means the next request waits for a cold start).
 *
 * @module
 */
import type { DescribeEndpointOutput } from "@aws-sdk/client-sagemaker";
import { type WaitOptions, withDeadline } from "../core/index.js";
import type { SendsCommands } from "../core/internal.js";
import { sageMakerSdk, signalledAwsCall } from "../core/internal.js";

/** Default deadline of `describe()`. */
export const DEFAULT_DESCRIBE_TIMEOUT_MS = 30_000;

/** What {@link AsyncEndpoint.describe} reports. */
export interface AsyncEndpointDescription {
  /** The endpoint's name. */
  endpointName: string;
  /** `InService`, `Creating`, `Updating`, `Failed`, ... as SageMaker reports it. */
  status: string;
  /** Instances running now, summed over production variants; undefined when not reported. */
  currentInstanceCount: number | undefined;
  /** Instances wanted, summed over production variants; undefined when not reported. */
  desiredInstanceCount: number | undefined;
  /**
   * True when no instance is running (async endpoints with a minimum capacity of 0 scale to
   * zero when idle): the next request first waits for an instance to start, usually minutes.
   */
  scaledToZero: boolean;
  /** Why the endpoint failed, when it did. */
  failureReason?: string | undefined;
  /** The endpoint's configured `S3OutputPath`, when DescribeEndpoint reports it. */
  s3OutputPath?: string | undefined;
  /** The endpoint's configured `S3FailurePath`, when set. */
  s3FailurePath?: string | undefined;
  /** SNS topic ARN notified when an inference succeeds; absent when not configured. */
  successTopic?: string | undefined;
  /** SNS topic ARN notified when an inference fails; absent when not configured. */
  errorTopic?: string | undefined;
}

function sum(values: (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => typeof v === "number");
  return known.length === 0 ? undefined : known.reduce((a, b) => a + b, 0);
}

/** Calls DescribeEndpoint and summarizes the answer. */
export async function describeEndpoint(
  sagemaker: SendsCommands,
  endpointName: string,
  options: WaitOptions = {},
): Promise<AsyncEndpointDescription> {
  return withDeadline(
    options,
    DEFAULT_DESCRIBE_TIMEOUT_MS,
    `describing ${endpointName}`,
    async (signal) => {
      const { DescribeEndpointCommand } = await sageMakerSdk.load("AsyncEndpoint.describe");
      const out = (await signalledAwsCall(
        signal,
        {
          service: "SageMaker",
          operation: "DescribeEndpoint",
          iamAction: "sagemaker:DescribeEndpoint",
        },
        () =>
          sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }), {
            abortSignal: signal,
          }),
      )) as DescribeEndpointOutput;
      const variants = out.ProductionVariants ?? [];
      const currentInstanceCount = sum(variants.map((v) => v.CurrentInstanceCount));
      const status = out.EndpointStatus ?? "Unknown";
      const outputConfig = out.AsyncInferenceConfig?.OutputConfig;
      return {
        endpointName: out.EndpointName ?? endpointName,
        status,
        currentInstanceCount,
        desiredInstanceCount: sum(variants.map((v) => v.DesiredInstanceCount)),
        scaledToZero: currentInstanceCount === 0,
        failureReason: out.FailureReason,
        s3OutputPath: outputConfig?.S3OutputPath,
        s3FailurePath: outputConfig?.S3FailurePath,
        successTopic: outputConfig?.NotificationConfig?.SuccessTopic,
        errorTopic: outputConfig?.NotificationConfig?.ErrorTopic,
      };
    },
  );
}
