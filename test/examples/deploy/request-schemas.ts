/**
 * zod schemas of the AWS requests the deploy scripts print, written from the API references
 * (required fields, enums, limits), strict so a misspelt field fails; and a check that the SDK
 * itself accepts and serializes each request.
 *
 * @module
 */
import {
  ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  PutMetricAlarmCommand,
} from "@aws-sdk/client-cloudwatch";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { HttpRequest } from "@smithy/types";
import { z } from "zod";
import type { DryRunLine } from "../../../examples/deploy/shared/plan.js";

const name = z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
const tags = z
  .array(z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) }).strict())
  .min(3)
  .max(50);
const s3Uri = z.string().regex(/^s3:\/\/[^/]+\/.*$/);
const bytesSummary = z
  .object({ bytes: z.number().int().positive(), sha256: z.string(), text: z.string().optional() })
  .strict();

const containerSchema = z
  .object({
    Image: z.string().min(1).max(255),
    Mode: z.enum(["SingleModel", "MultiModel"]).optional(),
    ModelDataUrl: s3Uri.optional(),
    Environment: z.record(z.string().max(1024), z.string().max(1024)).optional(),
  })
  .strict();

const variantSchema = z
  .object({
    VariantName: name,
    ModelName: name,
    InstanceType: z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/),
    InitialInstanceCount: z.number().int().min(1),
    ContainerStartupHealthCheckTimeoutInSeconds: z.number().int().min(60).max(3600).optional(),
    ModelDataDownloadTimeoutInSeconds: z.number().int().min(60).max(3600).optional(),
  })
  .strict();

const asyncSchema = z
  .object({
    ClientConfig: z
      .object({ MaxConcurrentInvocationsPerInstance: z.number().int().min(1).max(1000) })
      .strict(),
    OutputConfig: z
      .object({
        S3OutputPath: s3Uri,
        S3FailurePath: s3Uri,
        NotificationConfig: z
          .object({
            SuccessTopic: z.string().startsWith("arn:aws:sns:"),
            ErrorTopic: z.string().startsWith("arn:aws:sns:"),
            IncludeInferenceResponseIn: z
              .array(z.enum(["SUCCESS_NOTIFICATION_TOPIC", "ERROR_NOTIFICATION_TOPIC"]))
              .optional(),
          })
          .strict(),
      })
      .strict(),
  })
  .strict();

const scalableTarget = {
  ServiceNamespace: z.literal("sagemaker"),
  ResourceId: z.string().regex(/^endpoint\/[^/]+\/variant\/[^/]+$/),
  ScalableDimension: z.literal("sagemaker:variant:DesiredInstanceCount"),
};

const metricDimensions = z.array(z.object({ Name: z.string(), Value: z.string() }).strict()).min(1);

/** One schema per operation the scripts print. */
export const REQUEST_SCHEMAS: Record<string, z.ZodType> = {
  PutObject: z
    .object({
      Bucket: z.string().min(3),
      Key: z.string().min(1),
      Body: bytesSummary,
      ContentType: z.literal("application/gzip"),
      Tagging: z.string().includes("fmops%3Aexample="),
    })
    .strict(),
  CreateModel: z
    .object({
      ModelName: name,
      ExecutionRoleArn: z.string().startsWith("arn:aws:iam::"),
      PrimaryContainer: containerSchema,
      Tags: tags,
    })
    .strict(),
  CreateEndpointConfig: z
    .object({
      EndpointConfigName: name,
      ProductionVariants: z.array(variantSchema).length(1),
      AsyncInferenceConfig: asyncSchema.optional(),
      Tags: tags,
    })
    .strict(),
  CreateEndpoint: z.object({ EndpointName: name, EndpointConfigName: name, Tags: tags }).strict(),
  DescribeEndpoint: z.object({ EndpointName: name }).strict(),
  RegisterScalableTarget: z
    .object({
      ...scalableTarget,
      MinCapacity: z.number().int().min(0),
      MaxCapacity: z.number().int().min(1),
      Tags: z.record(z.string(), z.string()),
    })
    .strict(),
  PutScalingPolicy: z.discriminatedUnion("PolicyType", [
    z
      .object({
        ...scalableTarget,
        PolicyName: z.string().min(1).max(256),
        PolicyType: z.literal("TargetTrackingScaling"),
        TargetTrackingScalingPolicyConfiguration: z
          .object({
            TargetValue: z.number().positive(),
            CustomizedMetricSpecification: z
              .object({
                MetricName: z.string(),
                Namespace: z.string(),
                Dimensions: metricDimensions,
                Statistic: z.enum(["Average", "Minimum", "Maximum", "SampleCount", "Sum"]),
              })
              .strict(),
            ScaleInCooldown: z.number().int().min(0),
            ScaleOutCooldown: z.number().int().min(0),
          })
          .strict(),
      })
      .strict(),
    z
      .object({
        ...scalableTarget,
        PolicyName: z.string().min(1).max(256),
        PolicyType: z.literal("StepScaling"),
        StepScalingPolicyConfiguration: z
          .object({
            AdjustmentType: z.enum([
              "ChangeInCapacity",
              "ExactCapacity",
              "PercentChangeInCapacity",
            ]),
            MetricAggregationType: z.enum(["Average", "Minimum", "Maximum"]),
            Cooldown: z.number().int().min(0),
            StepAdjustments: z
              .array(
                z
                  .object({
                    MetricIntervalLowerBound: z.number().optional(),
                    MetricIntervalUpperBound: z.number().optional(),
                    ScalingAdjustment: z.number().int(),
                  })
                  .strict(),
              )
              .min(1),
          })
          .strict(),
      })
      .strict(),
  ]),
  PutMetricAlarm: z
    .object({
      AlarmName: z.string().min(1).max(255),
      AlarmDescription: z.string().max(1024),
      MetricName: z.string(),
      Namespace: z.string(),
      Dimensions: metricDimensions,
      Statistic: z.enum(["Average", "Minimum", "Maximum", "SampleCount", "Sum"]),
      Period: z.number().int().min(10),
      EvaluationPeriods: z.number().int().min(1),
      DatapointsToAlarm: z.number().int().min(1),
      Threshold: z.number(),
      ComparisonOperator: z.enum([
        "GreaterThanOrEqualToThreshold",
        "GreaterThanThreshold",
        "LessThanThreshold",
        "LessThanOrEqualToThreshold",
      ]),
      TreatMissingData: z.enum(["breaching", "notBreaching", "ignore", "missing"]),
      AlarmActions: z.array(z.string()).min(1),
      Tags: tags,
    })
    .strict(),
  InvokeEndpoint: z
    .object({
      EndpointName: name,
      TargetModel: z.string().regex(/\.tar\.gz$/),
      ContentType: z.string(),
      Accept: z.string(),
      Body: bytesSummary.required({ text: true }),
    })
    .strict(),
  DeleteScalingPolicy: z.object({ ...scalableTarget, PolicyName: z.string() }).strict(),
  DeregisterScalableTarget: z.object(scalableTarget).strict(),
  DeleteAlarms: z.object({ AlarmNames: z.array(z.string()).min(1) }).strict(),
  DeleteEndpoint: z.object({ EndpointName: name }).strict(),
  DeleteEndpointConfig: z.object({ EndpointConfigName: name }).strict(),
  DeleteModel: z.object({ ModelName: name }).strict(),
};

class Captured extends Error {
  constructor(readonly request: HttpRequest) {
    super("captured");
  }
}

/** A request handler that records the serialized HTTP request and sends nothing anywhere. */
const capture = {
  handle: async (request: HttpRequest): Promise<never> => {
    throw new Captured(request);
  },
};

const clientConfig = {
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  endpoint: "http://127.0.0.1:9",
  maxAttempts: 1,
  requestHandler: capture,
};

/** Byte summaries stand for real bodies in the dry-run output; put real bytes back. */
function withBody(input: Record<string, unknown>): Record<string, unknown> {
  const body = input.Body as { text?: string; bytes?: number } | undefined;
  if (!body) return input;
  const bytes =
    body.text !== undefined ? new TextEncoder().encode(body.text) : new Uint8Array(body.bytes ?? 0);
  return { ...input, Body: bytes };
}

type AnyInput = never;

/**
 * Builds the SDK Command for a printed request and runs it through the real client's
 * middleware stack (validation, serialization, signing) up to the transport, returning the HTTP
 * request the SDK would send.
 */
export async function serializeWithSdk(line: DryRunLine): Promise<HttpRequest> {
  const input = withBody(line.input) as AnyInput;
  const byOperation: Record<string, () => Promise<unknown>> = {
    CreateModel: () => new SageMakerClient(clientConfig).send(new CreateModelCommand(input)),
    CreateEndpointConfig: () =>
      new SageMakerClient(clientConfig).send(new CreateEndpointConfigCommand(input)),
    CreateEndpoint: () => new SageMakerClient(clientConfig).send(new CreateEndpointCommand(input)),
    DescribeEndpoint: () =>
      new SageMakerClient(clientConfig).send(new DescribeEndpointCommand(input)),
    DeleteEndpoint: () => new SageMakerClient(clientConfig).send(new DeleteEndpointCommand(input)),
    DeleteEndpointConfig: () =>
      new SageMakerClient(clientConfig).send(new DeleteEndpointConfigCommand(input)),
    DeleteModel: () => new SageMakerClient(clientConfig).send(new DeleteModelCommand(input)),
    RegisterScalableTarget: () =>
      new ApplicationAutoScalingClient(clientConfig).send(new RegisterScalableTargetCommand(input)),
    PutScalingPolicy: () =>
      new ApplicationAutoScalingClient(clientConfig).send(new PutScalingPolicyCommand(input)),
    DeleteScalingPolicy: () =>
      new ApplicationAutoScalingClient(clientConfig).send(new DeleteScalingPolicyCommand(input)),
    DeregisterScalableTarget: () =>
      new ApplicationAutoScalingClient(clientConfig).send(
        new DeregisterScalableTargetCommand(input),
      ),
    PutMetricAlarm: () => new CloudWatchClient(clientConfig).send(new PutMetricAlarmCommand(input)),
    DeleteAlarms: () => new CloudWatchClient(clientConfig).send(new DeleteAlarmsCommand(input)),
    PutObject: () =>
      new S3Client({ ...clientConfig, forcePathStyle: true }).send(new PutObjectCommand(input)),
    InvokeEndpoint: () =>
      new SageMakerRuntimeClient(clientConfig).send(new InvokeEndpointCommand(input)),
  };
  const send = byOperation[line.operation];
  if (!send) throw new Error(`no SDK command mapped for ${line.operation}`);
  try {
    await send();
  } catch (err) {
    if (err instanceof Captured) return err.request;
    throw err;
  }
  throw new Error(`${line.operation} was not captured`);
}
