/**
 * Deploys an asynchronous SageMaker endpoint that scales to zero instances when idle and wakes
 * up when requests queue: async inference config (S3 output and failure paths, SNS topics,
 * concurrency per instance), an Application Auto Scaling target with MinCapacity 0, target
 * tracking on ApproximateBacklogSizePerInstance, and a step-scaling policy fired by a CloudWatch
 * alarm on HasBacklogWithoutCapacity (the only signal that exists while no instance runs).
 *
 *   node --import tsx examples/deploy/async-scale-to-zero/deploy.ts --dry-run
 *   node --import tsx examples/deploy/async-scale-to-zero/deploy.ts --image <TGI DLC URI> \
 *     --role-arn arn:aws:iam::123456789012:role/SageMakerRole \
 *     --output-path s3://my-bucket/async/output/ --failure-path s3://my-bucket/async/failure/ \
 *     --success-topic arn:aws:sns:us-east-1:123456789012:llm-done \
 *     --error-topic arn:aws:sns:us-east-1:123456789012:llm-failed
 *   node --import tsx examples/deploy/async-scale-to-zero/deploy.ts cleanup
 */
import type { CreateEndpointConfigCommandInput } from "@aws-sdk/client-sagemaker";
import { z } from "zod";
import { parseOptions, ValidationError } from "../../../src/core/index.js";
import { type CliIo, type CommonConfig, type ExampleCli, isMain, runCli } from "../shared/cli.js";
import type { Step } from "../shared/plan.js";
import {
  cleanupSteps,
  endpointSteps,
  metricAlarmStep,
  registerTargetStep,
  resourceNames,
  scalingPolicyStep,
} from "../shared/sagemaker.js";
import { configureTgi, TGI_IMAGE_PLACEHOLDER, cli as tgiCli } from "../tgi-streaming/deploy.js";

/** The autoscaling and alarm names a deployment uses (cleanup derives the same ones). */
export function scalingNames(name: string) {
  return {
    targetTracking: `${name}-backlog-per-instance`,
    scaleFromZero: `${name}-scale-from-zero`,
    alarm: `${name}-has-backlog-without-capacity`,
  };
}

/** This example's validated configuration. */
export interface AsyncConfig extends CommonConfig {
  environment: Record<string, string>;
  healthCheckTimeoutSeconds: number;
  outputPath: string;
  failurePath: string;
  successTopic: string;
  errorTopic: string;
  maxConcurrentInvocations: number;
  maxCapacity: number;
  targetBacklog: number;
  scaleInCooldown: number;
}

const s3Prefix = z.string().regex(/^s3:\/\/[^/]+\/.*$/, "use s3://bucket/prefix/");
const topicArn = z.string().regex(/^arn:aws[a-z-]*:sns:[^:]+:[^:]+:[^:]+$/, "use an SNS topic ARN");

const flags = z.object({
  "output-path": s3Prefix.default("s3://<your-bucket>/fmops/async/output/"),
  "failure-path": s3Prefix.default("s3://<your-bucket>/fmops/async/failure/"),
  "success-topic": topicArn.default("arn:aws:sns:<region>:<account-id>:<success-topic>"),
  "error-topic": topicArn.default("arn:aws:sns:<region>:<account-id>:<error-topic>"),
  "max-concurrent-invocations": z.coerce.number().int().min(1).max(1000).default(4),
  "max-capacity": z.coerce.number().int().min(1).max(100).default(2),
  "target-backlog": z.coerce.number().positive().default(5),
  "scale-in-cooldown": z.coerce.number().int().min(0).default(600),
});

/** Validates the async flags on top of the TGI container flags. */
export function configureAsync(common: CommonConfig, values: Record<string, unknown>): AsyncConfig {
  const { environment, healthCheckTimeoutSeconds } = configureTgi(common, values);
  const picked = Object.fromEntries(Object.keys(flags.shape).map((k) => [k, values[k]]));
  const f = parseOptions(flags, picked, "async-scale-to-zero flags");
  if (f["output-path"] === f["failure-path"]) {
    throw new ValidationError(
      "--failure-path must differ from --output-path, so pollers can tell results from failures.",
    );
  }
  return {
    ...common,
    environment,
    healthCheckTimeoutSeconds,
    outputPath: f["output-path"],
    failurePath: f["failure-path"],
    successTopic: f["success-topic"],
    errorTopic: f["error-topic"],
    maxConcurrentInvocations: f["max-concurrent-invocations"],
    maxCapacity: f["max-capacity"],
    targetBacklog: f["target-backlog"],
    scaleInCooldown: f["scale-in-cooldown"],
  };
}

/** The endpoint, then (after it is InService, which RegisterScalableTarget needs) the scaling. */
export function asyncDeploySteps(config: AsyncConfig): Step[] {
  const names = resourceNames(config.name);
  const scaling = scalingNames(config.name);
  const asyncInference: CreateEndpointConfigCommandInput["AsyncInferenceConfig"] = {
    ClientConfig: { MaxConcurrentInvocationsPerInstance: config.maxConcurrentInvocations },
    OutputConfig: {
      S3OutputPath: config.outputPath,
      S3FailurePath: config.failurePath,
      NotificationConfig: {
        SuccessTopic: config.successTopic,
        ErrorTopic: config.errorTopic,
        IncludeInferenceResponseIn: ["SUCCESS_NOTIFICATION_TOPIC"],
      },
    },
  };
  const endpointDimension = [{ Name: "EndpointName", Value: names.endpoint }];
  return [
    ...endpointSteps(config, {
      container: { Image: config.image, Environment: config.environment },
      variant: { ContainerStartupHealthCheckTimeoutInSeconds: config.healthCheckTimeoutSeconds },
      asyncInference,
    }),
    registerTargetStep(config, { min: 0, max: config.maxCapacity }),
    // Keeps the queue per running instance near the target; scales in to 0 when it drains.
    scalingPolicyStep(config, "backlog-target-tracking", {
      PolicyName: scaling.targetTracking,
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: config.targetBacklog,
        CustomizedMetricSpecification: {
          MetricName: "ApproximateBacklogSizePerInstance",
          Namespace: "AWS/SageMaker",
          Dimensions: endpointDimension,
          Statistic: "Average",
        },
        ScaleInCooldown: config.scaleInCooldown,
        ScaleOutCooldown: 300,
      },
    }),
    // At zero instances the per-instance backlog is undefined, so target tracking cannot wake
    // the endpoint: this policy adds one instance when the alarm below fires.
    scalingPolicyStep(config, "scale-from-zero", {
      PolicyName: scaling.scaleFromZero,
      PolicyType: "StepScaling",
      StepScalingPolicyConfiguration: {
        AdjustmentType: "ChangeInCapacity",
        MetricAggregationType: "Average",
        Cooldown: 300,
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      },
    }),
    metricAlarmStep("has-backlog-alarm", (ref) => ({
      AlarmName: scaling.alarm,
      AlarmDescription: `Wakes ${names.endpoint} from zero instances when requests are queued.`,
      MetricName: "HasBacklogWithoutCapacity",
      Namespace: "AWS/SageMaker",
      Dimensions: endpointDimension,
      Statistic: "Average",
      Period: 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "missing",
      AlarmActions: [ref("scale-from-zero", "PolicyARN")],
      Tags: config.tags,
    })),
  ];
}

/** The CLI definition (exported for tests and for reuse). */
export const cli: ExampleCli<AsyncConfig> = {
  example: "async-scale-to-zero",
  usage: [
    "Usage: deploy.ts [deploy|cleanup] [flags]",
    "  --dry-run                       print every AWS request as JSON, send nothing",
    "  --output-path s3://b/p/         AsyncInferenceConfig S3OutputPath",
    "  --failure-path s3://b/p/        AsyncInferenceConfig S3FailurePath",
    "  --success-topic ARN             SNS topic for successes",
    "  --error-topic ARN               SNS topic for failures",
    "  --max-concurrent-invocations N  MaxConcurrentInvocationsPerInstance (default 4)",
    "  --max-capacity N                most instances (default 2; the least is 0)",
    "  --target-backlog N              ApproximateBacklogSizePerInstance target (default 5)",
    "  --scale-in-cooldown S           seconds before scaling in again (default 600)",
    "  plus the TGI container flags of tgi-streaming (--model-id, --quantize, ...)",
    "  --image URI  --role-arn ARN  --instance-type T (default ml.g5.xlarge)",
    "  --name N  --region R  --tag k=v  --wait-minutes M",
  ].join("\n"),
  defaults: { name: "fmops-async", image: TGI_IMAGE_PLACEHOLDER, instanceType: "ml.g5.xlarge" },
  options: {
    ...tgiCli.options,
    "output-path": { type: "string" },
    "failure-path": { type: "string" },
    "success-topic": { type: "string" },
    "error-topic": { type: "string" },
    "max-concurrent-invocations": { type: "string" },
    "max-capacity": { type: "string" },
    "target-backlog": { type: "string" },
    "scale-in-cooldown": { type: "string" },
  },
  configure: configureAsync,
  plans: {
    deploy: (config) => {
      if (config.skipWait) {
        throw new ValidationError(
          "--skip-wait cannot be used here: RegisterScalableTarget needs the endpoint InService.",
        );
      }
      return asyncDeploySteps(config);
    },
    cleanup: (config) => {
      const scaling = scalingNames(config.name);
      return cleanupSteps(config, {
        scalingPolicies: [scaling.scaleFromZero, scaling.targetTracking],
        alarms: [scaling.alarm],
      });
    },
  },
};

/** Runs the script with `argv` (without `node` and the script path). */
export function main(argv: readonly string[], io?: CliIo): Promise<number> {
  return runCli(cli, argv, io);
}

if (isMain(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
