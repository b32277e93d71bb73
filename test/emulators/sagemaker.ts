/**
 * A local SageMaker control plane on 127.0.0.1 speaking the real awsJson1_1 protocol
 * (`POST /` with `X-Amz-Target: SageMaker.<Operation>`). It serves DescribeEndpoint, which is what
 * async-endpoint waiting needs to notice an endpoint scaled to zero, and hands any other operation
 * to an optional `operation` handler (the deploy examples' tests use it for CreateModel & co.).
 *
 * @module
 */
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  jsonInput,
  StandInError,
  standInError,
  startJsonTargetServer,
  testCredentials,
  testRegion,
  unknownOperation,
} from "./http.js";

/** An endpoint as the stand-in describes it. */
export interface StandInEndpoint {
  /** `InService`, `Creating`, `Updating`, `Failed`, ... Default `InService`. */
  status?: string;
  /** Instances running now. Default 1. */
  currentInstanceCount?: number;
  /** Instances wanted. Default: the current count. */
  desiredInstanceCount?: number;
  failureReason?: string;
  /** Async inference output config, reported as `AsyncInferenceConfig.OutputConfig`. */
  s3OutputPath?: string;
  s3FailurePath?: string;
  successTopic?: string;
  errorTopic?: string;
}

/** Handlers of the SageMaker control-plane stand-in. */
export interface SageMakerHandlers {
  /** The endpoint named, or undefined for "not found". Called on every DescribeEndpoint. */
  describeEndpoint?: (
    endpointName: string,
  ) =>
    | StandInEndpoint
    | undefined
    | StandInError
    | Promise<StandInEndpoint | undefined | StandInError>;
  /**
   * Any other operation (CreateModel, CreateEndpointConfig, CreateEndpoint, Delete*, ...): return
   * the JSON output, a StandInError, or undefined to answer UnknownOperationException as when
   * this handler is absent.
   */
  operation?: (
    operation: string,
    input: Record<string, unknown>,
  ) =>
    | Record<string, unknown>
    | undefined
    | StandInError
    | Promise<Record<string, unknown> | undefined | StandInError>;
}

/** A running SageMaker control-plane stand-in. */
export interface SageMakerStandIn {
  endpoint: string;
  /** A ready client with fake credentials and no SDK retries. */
  client: SageMakerClient;
  /** Every request: its X-Amz-Target operation and JSON input. */
  requests: { operation: string; input: Record<string, unknown> }[];
  close(): Promise<void>;
}

function describeOutput(name: string, e: StandInEndpoint): Record<string, unknown> {
  const current = e.currentInstanceCount ?? 1;
  const now = Math.floor(Date.now() / 1000);
  const out: Record<string, unknown> = {
    EndpointName: name,
    EndpointArn: `arn:aws:sagemaker:${testRegion}:123456789012:endpoint/${name.toLowerCase()}`,
    EndpointConfigName: `${name}-config`,
    EndpointStatus: e.status ?? "InService",
    CreationTime: now - 3600,
    LastModifiedTime: now - 60,
    ProductionVariants: [
      {
        VariantName: "AllTraffic",
        CurrentWeight: 1,
        DesiredWeight: 1,
        CurrentInstanceCount: current,
        DesiredInstanceCount: e.desiredInstanceCount ?? current,
      },
    ],
  };
  if (e.failureReason) out.FailureReason = e.failureReason;
  if (e.s3OutputPath) {
    const notification: Record<string, string> = {};
    if (e.successTopic) notification.SuccessTopic = e.successTopic;
    if (e.errorTopic) notification.ErrorTopic = e.errorTopic;
    out.AsyncInferenceConfig = {
      ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
      OutputConfig: {
        S3OutputPath: e.s3OutputPath,
        ...(e.s3FailurePath ? { S3FailurePath: e.s3FailurePath } : {}),
        ...(Object.keys(notification).length > 0 ? { NotificationConfig: notification } : {}),
      },
    };
  }
  return out;
}

/**
 * Starts a SageMaker control-plane stand-in on 127.0.0.1 port 0.
 *
 * @example
 * ```ts
 * const sm = await startSageMaker({ describeEndpoint: () => ({ currentInstanceCount: 0 }) });
 * await sm.client.send(new DescribeEndpointCommand({ EndpointName: "e" }));
 * ```
 */
export async function startSageMaker(handlers: SageMakerHandlers = {}): Promise<SageMakerStandIn> {
  const requests: SageMakerStandIn["requests"] = [];
  const running = await startJsonTargetServer(
    {
      targetPrefix: "SageMaker",
      jsonVersion: "1.1",
      errors: "Message",
      internalType: "InternalFailure",
    },
    async (call) => {
      const input = jsonInput(call.body);
      const operation = call.operation || call.target;
      requests.push({ operation, input });
      if (operation !== "DescribeEndpoint" && handlers.operation) {
        const output = await handlers.operation(operation, input);
        if (output) return output;
      }
      if (operation !== "DescribeEndpoint") return unknownOperation(call.target);
      const name = String(input.EndpointName ?? "");
      const described = await handlers.describeEndpoint?.(name);
      if (described instanceof StandInError) return described;
      if (!described) {
        return standInError({
          status: 400,
          type: "ValidationException",
          message: `Could not find endpoint "${name}".`,
        });
      }
      return describeOutput(name, described);
    },
  );
  const client = new SageMakerClient({
    region: testRegion,
    endpoint: running.endpoint,
    credentials: testCredentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint: running.endpoint,
    client,
    requests,
    async close() {
      client.destroy();
      await running.close();
    },
  };
}
