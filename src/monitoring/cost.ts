/**
 * Cost helpers: per-call cost from token prices or instance-hour prices, and cost-allocation
 * tags for SageMaker and Bedrock resources.
 *
 * @module
 */
import { ValidationError } from "../core/errors.js";
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

/** One problem with a tag set. */
export interface TagProblem {
  /** The offending tag key, or `*` for a problem with the whole set (too many tags). */
  key: string;
  /** What is wrong, e.g. `required tag is empty`. */
  message: string;
}

/** Options for {@link validateCostAllocationTags}. */
export interface TagValidationOptions {
  /** Keys that must be present with a non-empty value, e.g. `["CostCenter", "Project"]`. */
  required?: string[];
}

// AWS tag rules shared by SageMaker and Bedrock: Unicode letters, digits, spaces and _ . : / = + - @.
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** Most tags one SageMaker or Bedrock resource may carry. */
export const MAX_TAGS = 50;

/**
 * Checks tags against the rules SageMaker and Bedrock enforce (keys 1 to 128 characters, values
 * 0 to 256, letters, digits, spaces and `_ . : / = + - @` only, no `aws:` prefix, at most 50 tags)
 * and that every required key is present. Returns the problems; an empty list means valid.
 *
 * @example
 * ```ts
 * validateCostAllocationTags({ CostCenter: "42", Project: "" }, { required: ["CostCenter", "Project"] });
 * // [{ key: "Project", message: "required tag is empty" }]
 * ```
 */
export function validateCostAllocationTags(
  tags: Record<string, string>,
  options: TagValidationOptions = {},
): TagProblem[] {
  const problems: TagProblem[] = [];
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS)
    problems.push({
      key: "*",
      message: `${entries.length} tags; at most ${MAX_TAGS} per resource`,
    });
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 128)
      problems.push({ key, message: "key must be 1 to 128 characters" });
    if (!TAG_CHARS.test(key))
      problems.push({
        key,
        message: "key may only contain letters, digits, spaces and _ . : / = + - @",
      });
    if (key.toLowerCase().startsWith("aws:"))
      problems.push({ key, message: 'the "aws:" prefix is reserved for AWS' });
    if (typeof value !== "string" || value.length > 256)
      problems.push({ key, message: "value must be at most 256 characters" });
    else if (!TAG_CHARS.test(value))
      problems.push({
        key,
        message: "value may only contain letters, digits, spaces and _ . : / = + - @",
      });
  }
  for (const key of options.required ?? []) {
    if (!(key in tags)) problems.push({ key, message: "required tag is missing" });
    else if ((tags[key] ?? "").trim() === "")
      problems.push({ key, message: "required tag is empty" });
  }
  return problems;
}

/**
 * Builds the `Tags` list SageMaker (CreateEndpoint, CreateModel...) and Bedrock (inference
 * profiles, provisioned throughput) accept, after validating it; throws a
 * {@link ValidationError} listing every problem.
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
): {
  /** The tag key. */
  Key: string;
  /** The tag value. */
  Value: string;
}[] {
  const problems = validateCostAllocationTags(tags, options);
  if (problems.length > 0) {
    throw new ValidationError(
      `Invalid cost-allocation tags: ${problems.map((p) => `${p.key}: ${p.message}`).join("; ")}.`,
      problems.map((p) => ({ path: p.key, message: p.message })),
    );
  }
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
