/**
 * The one cost-allocation tag builder: every resource fmops or its deploy scripts create
 * (SageMaker models and endpoints, S3 artifacts, Bedrock batch inference jobs, application
 * inference profiles) is tagged through {@link resourceTags}, so the same keys, the same rules
 * and the same error reach every service, whatever shape its API wants the tags in.
 *
 * @module
 */
import { ValidationError } from "./errors.js";

/** One problem with a tag set. */
export interface TagProblem {
  /** The offending tag key, or `*` for a problem with the whole set (too many tags). */
  key: string;
  /** What is wrong, e.g. `required tag is empty`. */
  message: string;
}

/** Options for {@link validateCostAllocationTags} and {@link resourceTags}. */
export interface TagValidationOptions {
  /** Keys that must be present with a non-empty value, e.g. `["CostCenter", "Project"]`. */
  required?: string[];
  /** Most tags the resource may carry. Default 50; Bedrock jobs and profiles take 200. */
  maxTags?: number;
}

/** A tag in the `{ Key, Value }` shape SageMaker, CloudWatch and the deploy scripts use. */
export interface ResourceTag {
  /** The tag key. */
  Key: string;
  /** The tag value. */
  Value: string;
}

/** A tag in the `{ key, value }` shape the Bedrock control plane takes (batch jobs, inference profiles). */
export interface BedrockTag {
  /** The tag key. */
  key: string;
  /** The tag value. */
  value: string;
}

/** A validated tag set, in each shape an AWS API asks for. */
export interface ResourceTags {
  /** The tags as `{ key: value }` (Application Auto Scaling's shape). */
  readonly map: Readonly<Record<string, string>>;
  /** `[{ Key, Value }]`: SageMaker CreateModel / CreateEndpoint(Config), CloudWatch. */
  sagemaker(): ResourceTag[];
  /** `[{ key, value }]`: Bedrock CreateModelInvocationJob and CreateInferenceProfile. */
  bedrock(): BedrockTag[];
  /** The S3 `Tagging` header value (`k1=v1&k2=v2`, URL-encoded) for PutObject. */
  s3Tagging(): string;
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
  const maxTags = options.maxTags ?? MAX_TAGS;
  if (entries.length > maxTags)
    problems.push({
      key: "*",
      message: `${entries.length} tags; at most ${maxTags} per resource`,
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
 * Validates a tag set once and gives it in every shape the AWS APIs take. Throws a
 * {@link ValidationError} listing every problem (see {@link validateCostAllocationTags}).
 *
 * @example
 * ```ts
 * const tags = resourceTags({ CostCenter: "42", Project: "chatbot" }, { required: ["CostCenter"] });
 * tags.sagemaker(); // [{ Key: "CostCenter", Value: "42" }, { Key: "Project", Value: "chatbot" }]
 * tags.bedrock();   // [{ key: "CostCenter", value: "42" }, { key: "Project", value: "chatbot" }]
 * ```
 */
export function resourceTags(
  tags: Record<string, string>,
  options: TagValidationOptions = {},
): ResourceTags {
  const problems = validateCostAllocationTags(tags, options);
  if (problems.length > 0) {
    throw new ValidationError(
      `Invalid cost-allocation tags: ${problems.map((p) => `${p.key}: ${p.message}`).join("; ")}.`,
      problems.map((p) => ({ path: p.key, message: p.message })),
    );
  }
  const map = Object.freeze({ ...tags });
  const entries = Object.entries(map);
  return {
    map,
    sagemaker: () => entries.map(([Key, Value]) => ({ Key, Value })),
    bedrock: () => entries.map(([key, value]) => ({ key, value })),
    s3Tagging: () => new URLSearchParams(entries).toString(),
  };
}
