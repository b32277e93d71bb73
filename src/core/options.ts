/**
 * Option validation shared by every class: one zod schema per options object, and one error
 * format that names each offending field.
 *
 * @module
 */
import type { z } from "zod";
import { ValidationError, type ValidationIssue } from "./errors.js";

/**
 * Parses `value` with `schema`, or throws a {@link ValidationError} naming every offending field.
 * `subject` starts the message, e.g. `"BedrockChatModel options"`.
 *
 * @example
 * ```ts
 * const options = parseOptions(optionsSchema, input, "AsyncEndpoint options");
 * ```
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  subject: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
  const listed = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
  throw new ValidationError(`Invalid ${subject}: ${listed}.`, issues, { cause: result.error });
}
