/**
 * Cost-allocation tags: every resource the deploy scripts create carries the same set, so a
 * Cost Explorer filter on `fmops:example` (once activated as a cost-allocation tag in the Billing
 * console) shows what each example costs, and `cleanup` can be checked against it. The rules
 * and shapes come from fmops's one tag builder (`resourceTags`), the same that tags Bedrock
 * batch jobs and application inference profiles.
 *
 * @module
 */
import { ValidationError } from "../../../src/core/index.js";
import { resourceTags, validateCostAllocationTags } from "../../../src/core/tags.js";

/** A tag in the `[{ Key, Value }]` shape SageMaker, CloudWatch and most services take. */
export interface Tag {
  Key: string;
  Value: string;
}

/** Tag keys every resource gets, whatever the user adds. */
export const REQUIRED_TAG_KEYS = ["project", "fmops:example", "fmops:deployment"] as const;

/**
 * Parses `key=value` strings (from repeated `--tag` flags) into tags, rejecting keys AWS
 * reserves (`aws:`) and characters tags may not hold.
 *
 * @example
 * ```ts
 * parseTagFlags(["team=search", "cost-center=1234"]);
 * ```
 */
export function parseTagFlags(flags: readonly string[]): Tag[] {
  return flags.map((flag) => {
    const at = flag.indexOf("=");
    if (at <= 0) {
      throw new ValidationError(
        `--tag "${flag}" must look like key=value, e.g. --tag team=search.`,
      );
    }
    return checkTag({ Key: flag.slice(0, at), Value: flag.slice(at + 1) });
  });
}

function checkTag(tag: Tag): Tag {
  const problem = validateCostAllocationTags({ [tag.Key]: tag.Value })[0];
  if (problem) {
    throw new ValidationError(`Tag "${tag.Key}" is not allowed: ${problem.message}.`);
  }
  return tag;
}

/**
 * The tags for one deployment: `project=fmops-examples`, `fmops:example=<example>`,
 * `fmops:deployment=<name>`, then the user's own (which may override `project`).
 *
 * @example
 * ```ts
 * costTags("lmi-streaming", "my-llm", [{ Key: "team", Value: "search" }]);
 * ```
 */
export function costTags(example: string, deployment: string, extra: readonly Tag[] = []): Tag[] {
  const byKey = new Map<string, string>([
    ["project", "fmops-examples"],
    ["fmops:example", example],
    ["fmops:deployment", deployment],
  ]);
  for (const tag of extra) {
    if (tag.Key === "fmops:example" || tag.Key === "fmops:deployment") {
      throw new ValidationError(`Tag key "${tag.Key}" is set by the deploy script; pick another.`);
    }
    byKey.set(tag.Key, tag.Value);
  }
  return resourceTags(Object.fromEntries(byKey)).sagemaker();
}

/** The same tags as a `{ key: value }` map, the shape Application Auto Scaling takes. */
export function tagMap(tags: readonly Tag[]): Record<string, string> {
  return { ...resourceTags(toRecord(tags)).map };
}

/** The same tags as an S3 `Tagging` string (`k1=v1&k2=v2`, URL-encoded). */
export function s3Tagging(tags: readonly Tag[]): string {
  return resourceTags(toRecord(tags)).s3Tagging();
}

function toRecord(tags: readonly Tag[]): Record<string, string> {
  return Object.fromEntries(tags.map((t) => [t.Key, t.Value]));
}
