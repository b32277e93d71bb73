/**
 * The SageMaker, S3, Application Auto Scaling and CloudWatch steps the examples share: upload an
 * artifact, create model / endpoint config / endpoint, wait, and the matching cleanup.
 *
 * @module
 */
import {
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  PutScalingPolicyCommand,
  type PutScalingPolicyCommandInput,
  RegisterScalableTargetCommand,
  type RegisterScalableTargetCommandInput,
} from "@aws-sdk/client-application-auto-scaling";
import {
  DeleteAlarmsCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { PutObjectCommand, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import {
  type ContainerDefinition,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  type ProductionVariant,
} from "@aws-sdk/client-sagemaker";
import {
  InvokeEndpointCommand,
  type InvokeEndpointCommandInput,
} from "@aws-sdk/client-sagemaker-runtime";
import { ValidationError } from "../../../src/core/index.js";
import type { CommonConfig } from "./cli.js";
import { type CallStep, call, type Ref, type Step } from "./plan.js";
import { s3Tagging } from "./tags.js";

/** Names derived from `--name`, so deploy and cleanup agree without any state file. */
export interface ResourceNames {
  model: string;
  endpointConfig: string;
  endpoint: string;
  variant: string;
}

/** The resource names for a deployment called `name`. */
export function resourceNames(name: string): ResourceNames {
  return {
    model: `${name}-model`,
    endpointConfig: `${name}-config`,
    endpoint: name,
    variant: "AllTraffic",
  };
}

/** Splits `s3://bucket/key` into its parts; the key may be empty (a prefix). */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match?.[1]) {
    throw new ValidationError(`"${uri}" is not an S3 URI; use s3://bucket/prefix/.`);
  }
  return { bucket: match[1], key: match[2] ?? "" };
}

/** Joins an S3 prefix URI and a file name. */
export function s3Join(prefix: string, file: string): string {
  return `${prefix.replace(/\/+$/, "")}/${file}`;
}

/** PutObject of a built artifact, tagged like every other resource. */
export function uploadStep(
  config: CommonConfig,
  uri: string,
  body: Uint8Array,
  id = "upload",
): CallStep<PutObjectCommandInput> {
  const { bucket, key } = parseS3Uri(uri);
  if (!key || key.endsWith("/")) {
    throw new ValidationError(`"${uri}" names a prefix; the artifact needs an object key.`);
  }
  return call(
    "S3",
    "PutObject",
    "s3:PutObject",
    {
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: "application/gzip",
      Tagging: s3Tagging(config.tags),
    },
    (c, input, signal) => c.s3.send(new PutObjectCommand(input), { abortSignal: signal }),
    { id },
  );
}

/** What {@link endpointSteps} needs beyond the common config. */
export interface EndpointSpec {
  container: ContainerDefinition;
  variant?: Partial<ProductionVariant>;
  asyncInference?: CreateEndpointConfigCommandInput["AsyncInferenceConfig"];
  /** Instances at creation. Default 1. */
  initialInstanceCount?: number;
}

/**
 * CreateModel, CreateEndpointConfig, CreateEndpoint and (unless `--skip-wait`) a bounded wait for
 * `InService`, all tagged.
 */
export function endpointSteps(config: CommonConfig, spec: EndpointSpec): Step[] {
  const names = resourceNames(config.name);
  const steps: Step[] = [
    call(
      "SageMaker",
      "CreateModel",
      "sagemaker:CreateModel",
      {
        ModelName: names.model,
        ExecutionRoleArn: config.roleArn,
        PrimaryContainer: spec.container,
        Tags: config.tags,
      },
      (c, input, signal) =>
        c.sagemaker.send(new CreateModelCommand(input), { abortSignal: signal }),
    ),
    call(
      "SageMaker",
      "CreateEndpointConfig",
      "sagemaker:CreateEndpointConfig",
      {
        EndpointConfigName: names.endpointConfig,
        ProductionVariants: [
          {
            VariantName: names.variant,
            ModelName: names.model,
            InstanceType: config.instanceType,
            InitialInstanceCount: spec.initialInstanceCount ?? 1,
            ...spec.variant,
          } as ProductionVariant,
        ],
        ...(spec.asyncInference ? { AsyncInferenceConfig: spec.asyncInference } : {}),
        Tags: config.tags,
      },
      (c, input, signal) =>
        c.sagemaker.send(new CreateEndpointConfigCommand(input), { abortSignal: signal }),
    ),
    call(
      "SageMaker",
      "CreateEndpoint",
      "sagemaker:CreateEndpoint",
      { EndpointName: names.endpoint, EndpointConfigName: names.endpointConfig, Tags: config.tags },
      (c, input, signal) =>
        c.sagemaker.send(new CreateEndpointCommand(input), { abortSignal: signal }),
    ),
  ];
  if (!config.skipWait) {
    steps.push({
      kind: "wait",
      id: "wait-in-service",
      service: "SageMaker",
      waiter: "EndpointInService",
      endpointName: names.endpoint,
      maxWaitSeconds: config.waitSeconds,
      pollSeconds: config.pollSeconds,
    });
  }
  return steps;
}

/** Application Auto Scaling's id for the endpoint's variant. */
export function scalableResourceId(names: ResourceNames): string {
  return `endpoint/${names.endpoint}/variant/${names.variant}`;
}

/** RegisterScalableTarget for the variant's instance count. */
export function registerTargetStep(
  config: CommonConfig,
  capacity: { min: number; max: number },
): CallStep<RegisterScalableTargetCommandInput> {
  const names = resourceNames(config.name);
  return call(
    "ApplicationAutoScaling",
    "RegisterScalableTarget",
    "application-autoscaling:RegisterScalableTarget",
    {
      ServiceNamespace: "sagemaker",
      ResourceId: scalableResourceId(names),
      ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
      MinCapacity: capacity.min,
      MaxCapacity: capacity.max,
      Tags: Object.fromEntries(config.tags.map((t) => [t.Key, t.Value])),
    },
    (c, input, signal) =>
      c.autoscaling.send(new RegisterScalableTargetCommand(input), { abortSignal: signal }),
  );
}

/** PutScalingPolicy on the variant (`id` lets later steps refer to its PolicyARN). */
export function scalingPolicyStep(
  config: CommonConfig,
  id: string,
  policy: Omit<
    PutScalingPolicyCommandInput,
    "ServiceNamespace" | "ResourceId" | "ScalableDimension"
  >,
): CallStep<PutScalingPolicyCommandInput> {
  const names = resourceNames(config.name);
  return call(
    "ApplicationAutoScaling",
    "PutScalingPolicy",
    "application-autoscaling:PutScalingPolicy",
    {
      ...policy,
      ServiceNamespace: "sagemaker",
      ResourceId: scalableResourceId(names),
      ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
    },
    (c, input, signal) =>
      c.autoscaling.send(new PutScalingPolicyCommand(input), { abortSignal: signal }),
    { id },
  );
}

/** PutMetricAlarm, whose input may refer to earlier outputs (the policy ARN to trigger). */
export function metricAlarmStep(
  id: string,
  input: (ref: Ref) => PutMetricAlarmCommandInput,
): CallStep<PutMetricAlarmCommandInput> {
  return call(
    "CloudWatch",
    "PutMetricAlarm",
    "cloudwatch:PutMetricAlarm",
    input,
    (c, i, signal) => c.cloudwatch.send(new PutMetricAlarmCommand(i), { abortSignal: signal }),
    { id },
  );
}

/** InvokeEndpoint (used by examples' `invoke` command). */
export function invokeStep(
  input: InvokeEndpointCommandInput,
): CallStep<InvokeEndpointCommandInput> {
  return call(
    "SageMakerRuntime",
    "InvokeEndpoint",
    "sagemaker:InvokeEndpoint",
    input,
    async (c, i, signal) => {
      const output = await c.runtime.send(new InvokeEndpointCommand(i), { abortSignal: signal });
      return { ...output, Body: new TextDecoder().decode(output.Body) };
    },
  );
}

/** What {@link cleanupSteps} should also remove. */
export interface CleanupExtras {
  /** Scaling policy names to delete before deregistering the target. */
  scalingPolicies?: string[];
  /** CloudWatch alarm names to delete. */
  alarms?: string[];
}

/**
 * Deletes everything a deployment created, in dependency order, treating "not found" as done so
 * cleanup can be re-run after a partial deploy. Artifacts in S3 are left alone (they may be shared).
 */
export function cleanupSteps(config: CommonConfig, extras: CleanupExtras = {}): Step[] {
  const names = resourceNames(config.name);
  const steps: Step[] = [];
  const target = {
    ServiceNamespace: "sagemaker" as const,
    ResourceId: scalableResourceId(names),
    ScalableDimension: "sagemaker:variant:DesiredInstanceCount" as const,
  };
  for (const policy of extras.scalingPolicies ?? []) {
    steps.push(
      call(
        "ApplicationAutoScaling",
        "DeleteScalingPolicy",
        "application-autoscaling:DeleteScalingPolicy",
        { ...target, PolicyName: policy },
        (c, input, signal) =>
          c.autoscaling.send(new DeleteScalingPolicyCommand(input), { abortSignal: signal }),
        { id: `delete-policy-${policy}`, ignoreNotFound: true },
      ),
    );
  }
  if (extras.scalingPolicies) {
    steps.push(
      call(
        "ApplicationAutoScaling",
        "DeregisterScalableTarget",
        "application-autoscaling:DeregisterScalableTarget",
        target,
        (c, input, signal) =>
          c.autoscaling.send(new DeregisterScalableTargetCommand(input), { abortSignal: signal }),
        { ignoreNotFound: true },
      ),
    );
  }
  if (extras.alarms && extras.alarms.length > 0) {
    steps.push(
      call(
        "CloudWatch",
        "DeleteAlarms",
        "cloudwatch:DeleteAlarms",
        { AlarmNames: extras.alarms },
        (c, input, signal) =>
          c.cloudwatch.send(new DeleteAlarmsCommand(input), { abortSignal: signal }),
        { ignoreNotFound: true },
      ),
    );
  }
  steps.push(
    call(
      "SageMaker",
      "DeleteEndpoint",
      "sagemaker:DeleteEndpoint",
      { EndpointName: names.endpoint },
      (c, input, signal) =>
        c.sagemaker.send(new DeleteEndpointCommand(input), { abortSignal: signal }),
      { ignoreNotFound: true },
    ),
  );
  if (!config.skipWait) {
    steps.push({
      kind: "wait",
      id: "wait-deleted",
      service: "SageMaker",
      waiter: "EndpointDeleted",
      endpointName: names.endpoint,
      maxWaitSeconds: config.waitSeconds,
      pollSeconds: config.pollSeconds,
    });
  }
  steps.push(
    call(
      "SageMaker",
      "DeleteEndpointConfig",
      "sagemaker:DeleteEndpointConfig",
      { EndpointConfigName: names.endpointConfig },
      (c, input, signal) =>
        c.sagemaker.send(new DeleteEndpointConfigCommand(input), { abortSignal: signal }),
      { ignoreNotFound: true },
    ),
    call(
      "SageMaker",
      "DeleteModel",
      "sagemaker:DeleteModel",
      { ModelName: names.model },
      (c, input, signal) =>
        c.sagemaker.send(new DeleteModelCommand(input), { abortSignal: signal }),
      { ignoreNotFound: true },
    ),
  );
  return steps;
}
