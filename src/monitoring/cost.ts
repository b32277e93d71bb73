/**
 * Cost helpers: per-call cost from token prices or instance-hour prices, and cost-allocation
 * tags for SageMaker and Bedrock resources.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";
import { type ResourceTag, resourceTags, type TagValidationOptions } from "../core/internal.js";
import type { InvocationRecord } from "./record.js";

/** On-demand token prices, in your currency per 1000 tokens (check your region's price list). */
export interface TokenPrices {
  /** Price of 1000 prompt (input) tokens. */
  inputPer1k: number;
  /** Price of 1000 generated (output) tokens. */
  outputPer1k: number;
}

/**
 * Cost of one call from token prices: `input/1000 × inputPer1k + output/1000 × outputPer1k`.
 * Calls without token counts cost 0 for the missing side.
 *
 * @example
 * ```ts
 * tokenCost(record, { inputPer1k: 0.00025, outputPer1k: 0.00125 });
 * ```
 */
export function tokenCost(
  record: Pick<InvocationRecord, "inputTokens" | "outputTokens">,
  prices: TokenPrices,
): number {
  checkPrice(prices.inputPer1k, "inputPer1k");
  checkPrice(prices.outputPer1k, "outputPer1k");
  return (
    ((record.inputTokens ?? 0) * prices.inputPer1k +
      (record.outputTokens ?? 0) * prices.outputPer1k) /
    1000
  );
}

/** An endpoint's hourly price and what it served. */
export interface InstanceHourUsage {
  /** Price of one instance for one hour. */
  pricePerInstanceHour: number;
  /** Instances behind the endpoint. Default 1. */
  instances?: number;
  /** How long the endpoint ran, in hours. */
  hours: number;
}

/**
 * Cost per call on an instance-priced endpoint (SageMaker real-time): the endpoint's cost over
 * the period spread evenly over the calls it served. `calls` of 0 returns the whole cost.
 */
export function instanceHourCost(usage: InstanceHourUsage, calls: number): number {
  checkPrice(usage.pricePerInstanceHour, "pricePerInstanceHour");
  checkPrice(usage.hours, "hours");
  const total = usage.pricePerInstanceHour * (usage.instances ?? 1) * usage.hours;
  return calls > 0 ? total / calls : total;
}

function checkPrice(value: number, field: string): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new ValidationError(`${field} must be a non-negative number; got ${value}.`, [
      { path: field, message: "must be a non-negative number" },
    ]);
  }
}

export {
  MAX_TAGS,
  type ResourceTags,
  resourceTags,
  type TagProblem,
  type TagValidationOptions,
  validateCostAllocationTags,
} from "../core/internal.js";

/**
 * Builds the `Tags` list SageMaker (CreateEndpoint, CreateModel...) accepts, after validating
 * it; throws a {@link ValidationError} listing every problem. The same builder as
 * {@link resourceTags} (which also gives Bedrock's `{ key, value }` shape and S3's `Tagging`).
 *
 * @example
 * ```ts
 * const Tags = costAllocationTags({ CostCenter: "42", Project: "chatbot" }, { required: ["CostCenter"] });
 * // [{ Key: "CostCenter", Value: "42" }, { Key: "Project", Value: "chatbot" }]
 * ```
 */
export function costAllocationTags(
  tags: Record<string, string>,
  options: TagValidationOptions = {},
): ResourceTag[] {
  return resourceTags(tags, options).sagemaker();
}
