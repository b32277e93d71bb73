/**
 * Bounded endpoint waits built on the SDK's own waiters (`waitUntilEndpointInService`,
 * `waitUntilEndpointDeleted`), under an fmops {@link withDeadline} so every wait has a finite
 * limit, honours the caller's AbortSignal, and fails with a typed error.
 *
 * @module
 */
import {
  type SageMakerClient,
  waitUntilEndpointDeleted,
  waitUntilEndpointInService,
} from "@aws-sdk/client-sagemaker";
import { redact, type WaitOptions, withDeadline } from "../../../src/core/index.js";
import { DeployError } from "./deploy-error.js";

/** Which endpoint state to wait for. */
export type EndpointWaiter = "EndpointInService" | "EndpointDeleted";

/** Options for {@link waitForEndpoint}. */
export interface WaitForEndpointOptions extends WaitOptions {
  /** Default `EndpointInService`. */
  waiter?: EndpointWaiter;
  /** First delay between DescribeEndpoint polls, seconds. Default 15. */
  minDelaySeconds?: number;
  /** Largest delay between polls, seconds. Default 60. */
  maxDelaySeconds?: number;
}

/** Default bound: GPU endpoints with large models routinely take 10-20 minutes. */
export const DEFAULT_ENDPOINT_WAIT_MS = 40 * 60_000;

/** The SDK waiter throws an Error whose message is the JSON of its result; pull out why. */
function failureReason(err: unknown): string | undefined {
  const message = (err as { message?: unknown }).message;
  if (typeof message !== "string") return undefined;
  try {
    const result = JSON.parse(message) as { reason?: { FailureReason?: string } };
    return result.reason?.FailureReason;
  } catch {
    return undefined;
  }
}

/**
 * Waits until an endpoint is `InService` (or deleted). Throws `ENDPOINT_FAILED` with SageMaker's
 * `FailureReason` when it ends `Failed`, `TimeoutError` after `timeoutMs` (default 40 minutes),
 * and `AbortedError` when `signal` aborts.
 *
 * @example
 * ```ts
 * await waitForEndpoint(sagemaker, "my-llm", { timeoutMs: 30 * 60_000, signal });
 * ```
 */
export async function waitForEndpoint(
  client: SageMakerClient,
  endpointName: string,
  options: WaitForEndpointOptions = {},
): Promise<void> {
  const waiter = options.waiter ?? "EndpointInService";
  const what = `waiting for endpoint "${endpointName}" (${waiter})`;
  await withDeadline(options, DEFAULT_ENDPOINT_WAIT_MS, what, async (signal, deadline) => {
    const config = {
      client,
      // The SDK's own bound sits just past ours, so ours (with its typed error) fires first.
      maxWaitTime: Math.ceil(deadline.timeoutMs / 1000) + 2,
      minDelay: options.minDelaySeconds ?? 15,
      maxDelay: options.maxDelaySeconds ?? 60,
      abortSignal: signal,
    };
    try {
      if (waiter === "EndpointInService") {
        await waitUntilEndpointInService(config, { EndpointName: endpointName });
      } else {
        await waitUntilEndpointDeleted(config, { EndpointName: endpointName });
      }
    } catch (err) {
      if (signal.aborted) throw err; // withDeadline turns this into TimeoutError / AbortedError
      const reason = failureReason(err);
      throw new DeployError(
        "ENDPOINT_FAILED",
        `Endpoint "${endpointName}" did not reach ${waiter}${reason ? `: ${redact(reason)}` : ""}. ` +
          `Check /aws/sagemaker/Endpoints/${endpointName} in CloudWatch Logs, then run cleanup.`,
        { cause: err },
      );
    }
  });
}
