/**
 * A deployment as data: an ordered list of AWS requests and waits. Building the plan does no
 * I/O, so `--dry-run` can print exactly the requests a real run would send, and tests can check
 * them against the SDK's input types without an AWS account.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { awsCall } from "../../../src/core/index.js";
import { DeployError } from "./deploy-error.js";
import { type EndpointWaiter, waitForEndpoint } from "./waiters.js";

/** The AWS services a plan talks to. */
export type ServiceName =
  | "SageMaker"
  | "SageMakerRuntime"
  | "ApplicationAutoScaling"
  | "CloudWatch"
  | "S3";

/** The clients a real (not dry) run sends with; made lazily, only for the services a plan uses. */
export interface DeployClients {
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  autoscaling: ApplicationAutoScalingClient;
  cloudwatch: CloudWatchClient;
  s3: S3Client;
}

/**
 * Reads a field of an earlier step's output (e.g. the `PolicyARN` PutScalingPolicy returned).
 * In a dry run it returns a readable placeholder such as `<scale-from-zero.PolicyARN>`.
 */
export type Ref = (stepId: string, field: string) => string;

/** One AWS request. `input` is a function so it can refer to earlier outputs through `ref`. */
export interface CallStep<I extends object = object> {
  kind: "call";
  /** Unique within the plan; used by {@link Ref}. */
  id: string;
  service: ServiceName;
  /** The API operation, e.g. `CreateEndpointConfig`. */
  operation: string;
  /** The IAM action the call needs, named in access-denied errors. */
  iamAction: string;
  /** Cleanup steps treat "not found" as done, so cleanup can be re-run. */
  ignoreNotFound?: boolean;
  input(ref: Ref): I;
  send(clients: DeployClients, input: I, signal: AbortSignal): Promise<object>;
}

/** A bounded wait on an endpoint's status. */
export interface WaitStep {
  kind: "wait";
  id: string;
  service: "SageMaker";
  waiter: EndpointWaiter;
  endpointName: string;
  /** Upper bound for the wait, in seconds. */
  maxWaitSeconds: number;
  /** First delay between polls, in seconds. */
  pollSeconds: number;
}

/** One step of a plan. */
export type Step = CallStep | WaitStep;

/** What a real run's `clients` option provides: ready clients, or a factory called on first use. */
export type ClientsProvider = () => DeployClients;

/** Options for {@link runPlan}. */
export interface RunPlanOptions {
  /** Print each request as one JSON line instead of sending it. */
  dryRun: boolean;
  /** Where JSON lines (dry run) and progress messages (real run) go. */
  print: (line: string) => void;
  /** The clients for a real run. */
  clients?: ClientsProvider;
  signal?: AbortSignal;
}

/** A printed dry-run line. */
export interface DryRunLine {
  service: ServiceName;
  operation: string;
  input: Record<string, unknown>;
  /** Present on wait lines: the waiter and its bound. */
  waiter?: EndpointWaiter;
  maxWaitSeconds?: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Small UTF-8 bodies (JSON requests) are printed as text; archives only as size and hash. */
const MAX_PRINTED_BODY = 4096;

/**
 * Makes `value` printable as JSON: byte arrays become `{ bytes, sha256 }` summaries, plus
 * `text` when they are short valid UTF-8 (a JSON request body, say).
 */
export function jsonSafe(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    const summary: Record<string, unknown> = {
      bytes: value.byteLength,
      sha256: createHash("sha256").update(value).digest("hex"),
    };
    if (value.byteLength <= MAX_PRINTED_BODY) {
      try {
        summary.text = utf8.decode(value);
      } catch {
        // Binary: size and hash say enough.
      }
    }
    return summary;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, jsonSafe(v)]),
    );
  }
  return value;
}

const NOT_FOUND = /could not find|not found|does not exist|no such|ObjectNotFound/i;

function isNotFound(err: unknown): boolean {
  const cause = (err as { cause?: { name?: string; message?: string } }).cause;
  const name = cause?.name ?? "";
  return (
    name === "ResourceNotFoundException" ||
    name === "ObjectNotFoundException" ||
    name === "NoSuchKey" ||
    NOT_FOUND.test(cause?.message ?? "")
  );
}

/**
 * Runs (or, with `dryRun`, prints) every step of a plan in order and returns each call's output
 * by step id. Real runs wrap AWS errors with `wrapAwsError` (service, operation, request id,
 * the IAM action on access denied) and stop at the first failure.
 *
 * @example
 * ```ts
 * await runPlan(plan, { dryRun: true, print: (line) => console.log(line) });
 * ```
 */
export async function runPlan(
  steps: readonly Step[],
  options: RunPlanOptions,
): Promise<Map<string, object>> {
  const outputs = new Map<string, object>();
  const ids = new Set<string>();
  for (const step of steps) {
    if (ids.has(step.id)) throw new DeployError("PLAN_INVALID", `Step id "${step.id}" repeats.`);
    ids.add(step.id);
  }
  const ref: Ref = (stepId, field) => {
    if (!ids.has(stepId)) {
      throw new DeployError(
        "PLAN_INVALID",
        `A step refers to "${stepId}", which is not in the plan.`,
      );
    }
    if (options.dryRun) return `<${stepId}.${field}>`;
    const value = (outputs.get(stepId) as Record<string, unknown> | undefined)?.[field];
    if (typeof value !== "string") {
      throw new DeployError(
        "PLAN_INVALID",
        `Step "${stepId}" returned no string "${field}"; it must run before the steps that use it.`,
      );
    }
    return value;
  };

  let clients: DeployClients | undefined;
  const signal = options.signal ?? new AbortController().signal;
  for (const step of steps) {
    if (step.kind === "wait") {
      if (options.dryRun) {
        const line: DryRunLine = {
          service: step.service,
          operation: "DescribeEndpoint",
          input: { EndpointName: step.endpointName },
          waiter: step.waiter,
          maxWaitSeconds: step.maxWaitSeconds,
        };
        options.print(JSON.stringify(line));
        continue;
      }
      clients ??= requireClients(options);
      options.print(
        `waiting for ${step.waiter} on ${step.endpointName} (<= ${step.maxWaitSeconds} s)`,
      );
      await waitForEndpoint(clients.sagemaker, step.endpointName, {
        waiter: step.waiter,
        timeoutMs: step.maxWaitSeconds * 1000,
        minDelaySeconds: step.pollSeconds,
        maxDelaySeconds: Math.max(step.pollSeconds, 60),
        signal,
      });
      continue;
    }
    const input = step.input(ref);
    if (options.dryRun) {
      const line: DryRunLine = {
        service: step.service,
        operation: step.operation,
        input: jsonSafe(input) as Record<string, unknown>,
      };
      options.print(JSON.stringify(line));
      continue;
    }
    clients ??= requireClients(options);
    const active = clients;
    try {
      const output = await awsCall(
        { service: step.service, operation: step.operation, iamAction: step.iamAction },
        () => step.send(active, input, signal),
      );
      outputs.set(step.id, output);
      options.print(`${step.service}.${step.operation} ok (${step.id})`);
    } catch (err) {
      if (step.ignoreNotFound && isNotFound(err)) {
        options.print(`${step.service}.${step.operation} skipped: already gone (${step.id})`);
        continue;
      }
      throw err;
    }
  }
  return outputs;
}

function requireClients(options: RunPlanOptions): DeployClients {
  if (!options.clients) {
    throw new DeployError("PLAN_INVALID", "A real run needs AWS clients; pass `clients`.");
  }
  return options.clients();
}

/**
 * Builds a typed {@link CallStep}. `input` may be a plain object or a function of {@link Ref}.
 *
 * @example
 * ```ts
 * call("SageMaker", "DeleteModel", "sagemaker:DeleteModel", { ModelName: "m" },
 *   (c, input, signal) => c.sagemaker.send(new DeleteModelCommand(input), { abortSignal: signal }));
 * ```
 */
export function call<I extends object>(
  service: ServiceName,
  operation: string,
  iamAction: string,
  input: I | ((ref: Ref) => I),
  send: (clients: DeployClients, input: I, signal: AbortSignal) => Promise<object>,
  extra: { id?: string; ignoreNotFound?: boolean } = {},
): CallStep<I> {
  return {
    kind: "call",
    id: extra.id ?? operation,
    service,
    operation,
    iamAction,
    ...(extra.ignoreNotFound ? { ignoreNotFound: true } : {}),
    input: typeof input === "function" ? input : () => input,
    send,
  };
}
