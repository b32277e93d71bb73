/**
 * The zod schema of {@link Metadata}: what a document or chunk may carry, checked the way its type
 * says, so that a value the filters cannot compare (a nested object, a `Date`) is refused where it
 * comes in rather than ignored later.
 *
 * @module
 */
import { z } from "zod";
import type { MetadataFilter } from "./filter.js";
import type { Metadata, MetadataValue } from "./types.js";

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const metadataValueSchema: z.ZodType<MetadataValue> = z.union([
  scalar,
  z.null(),
  z.array(scalar).readonly(),
]);

/** Checks a {@link Metadata} record: string keys; strings, numbers, booleans, null or arrays of scalars. */
export const metadataSchema: z.ZodType<Metadata> = z.record(
  z.string(),
  metadataValueSchema.optional(),
);

/**
 * A metadata filter's shape: a plain object. Only the shape is checked here; whoever applies the
 * filter (`parseFilter`, `toBedrockFilter`, a store) checks the operators and names the offending
 * one, so an option schema does not repeat that grammar.
 */
export const metadataFilterSchema = z.custom<MetadataFilter>(
  (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  "must be a metadata filter object",
);
