/**
 * schemaFor: the compile-time contract between an options type and its zod schema. Each
 * `@ts-expect-error` below is checked by `npx tsc --noEmit` (tsconfig includes test/): if the
 * helper stopped refusing that schema, the directive would be unused and tsc would fail. The
 * runtime assertions check that the bound schema still validates as before.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { type AwsClientConfig, awsClientConfigShape } from "../../src/core/aws.js";
import { ValidationError } from "../../src/core/errors.js";
import { parseOptions, type SchemaFor, schemaFor } from "../../src/core/options.js";

interface ThingOptions {
  endpointName: string;
  timeoutMs?: number;
  retry?: { maxAttempts: number; jitter?: boolean };
  tags?: { key: string; value: string }[];
}

const retrySchema = z.object({ maxAttempts: z.int().min(1), jitter: z.boolean().optional() });
const tagSchema = z.object({ key: z.string(), value: z.string() }).strict();

describe("schemaFor", () => {
  it("binds a matching schema, and parseOptions then returns the options type", () => {
    const schema = schemaFor<ThingOptions>()(
      z
        .object({
          endpointName: z.string().min(1),
          timeoutMs: z.int().positive().optional(),
          retry: retrySchema.strict().optional(),
          tags: z.array(tagSchema).optional(),
        })
        .strict(),
    );
    expectTypeOf(schema).toEqualTypeOf<SchemaFor<ThingOptions>>();
    const input: ThingOptions = { endpointName: "e", retry: { maxAttempts: 2 } };
    const parsed = parseOptions(schema, input, "Thing options");
    expectTypeOf(parsed).toEqualTypeOf<ThingOptions>();
    expect(parsed).toEqual(input);
    expect(() => parseOptions(schema, { endpointName: "e", timeout: 1 }, "Thing options")).toThrow(
      new ValidationError(
        "Invalid Thing options: unknown option `timeout`; did you mean `timeoutMs`?",
        [],
      ).message,
    );
  });

  it("refuses a schema that lacks a key of the options type", () => {
    schemaFor<ThingOptions>()(
      // @ts-expect-error: `timeoutMs` is in the options type but not in the schema.
      z
        .object({
          endpointName: z.string(),
          retry: retrySchema.optional(),
          tags: z.array(tagSchema).optional(),
        })
        .strict(),
    );
  });

  it("refuses a schema with a key the options type lacks", () => {
    schemaFor<ThingOptions>()(
      // @ts-expect-error: `idleTimeoutMs` is validated but not documented in the options type.
      z
        .object({
          endpointName: z.string(),
          timeoutMs: z.number().optional(),
          idleTimeoutMs: z.number().optional(),
          retry: retrySchema.optional(),
          tags: z.array(tagSchema).optional(),
        })
        .strict(),
    );
  });

  it("refuses a nested object or array element whose keys differ", () => {
    schemaFor<ThingOptions>()(
      // @ts-expect-error: `retry.jitter` is in the options type but not in the nested schema.
      z
        .object({
          endpointName: z.string(),
          timeoutMs: z.number().optional(),
          retry: z.object({ maxAttempts: z.int() }).strict().optional(),
          tags: z.array(tagSchema).optional(),
        })
        .strict(),
    );
    schemaFor<ThingOptions>()(
      // @ts-expect-error: `tags[].colour` is validated but not in the options type.
      z
        .object({
          endpointName: z.string(),
          timeoutMs: z.number().optional(),
          retry: retrySchema.optional(),
          tags: z.array(tagSchema.extend({ colour: z.string().optional() })).optional(),
        })
        .strict(),
    );
  });

  it("refuses a field whose parsed type does not fit the options type", () => {
    schemaFor<ThingOptions>()(
      // @ts-expect-error: `timeoutMs` parses to a string, the options type says number.
      z
        .object({
          endpointName: z.string(),
          timeoutMs: z.string().optional(),
          retry: retrySchema.optional(),
          tags: z.array(tagSchema).optional(),
        })
        .strict(),
    );
    schemaFor<ThingOptions>()(
      // @ts-expect-error: a transform changes the parsed type of `endpointName` to a number.
      z
        .object({
          endpointName: z.string().transform((s) => s.length),
          timeoutMs: z.number().optional(),
          retry: retrySchema.optional(),
          tags: z.array(tagSchema).optional(),
        })
        .strict(),
    );
  });

  it("refuses optionality that disagrees, in either direction", () => {
    schemaFor<ThingOptions>()(
      // @ts-expect-error: the schema lets `endpointName` be left out, the options type requires it.
      z
        .object({
          endpointName: z.string().optional(),
          timeoutMs: z.number().optional(),
          retry: retrySchema.optional(),
          tags: z.array(tagSchema).optional(),
        })
        .strict(),
    );
    schemaFor<ThingOptions>()(
      // @ts-expect-error: the options type lets `timeoutMs` be left out, the schema requires it.
      z
        .object({
          endpointName: z.string(),
          timeoutMs: z.number(),
          retry: retrySchema.optional(),
          tags: z.array(tagSchema).optional(),
        })
        .strict(),
    );
  });

  it("accepts a default whose parsed value still fits the options type", () => {
    const schema = schemaFor<ThingOptions>()(
      z
        .object({
          endpointName: z.string(),
          timeoutMs: z.int().positive().default(1000),
          retry: retrySchema.optional(),
          tags: z.array(tagSchema).optional(),
        })
        .strict(),
    );
    expect(parseOptions(schema, { endpointName: "e" }, "Thing options").timeoutMs).toBe(1000);
  });

  it("checks the members of a union options type", () => {
    type Source = { kind: "file"; path: string } | { kind: "url"; url: string };
    const fileSchema = z.object({ kind: z.literal("file"), path: z.string() }).strict();
    const source = schemaFor<Source>()(
      z.discriminatedUnion("kind", [
        fileSchema,
        z.object({ kind: z.literal("url"), url: z.url() }).strict(),
      ]),
    );
    expect(parseOptions(source, { kind: "file", path: "a" }, "source")).toEqual({
      kind: "file",
      path: "a",
    });
    schemaFor<Source>()(
      // @ts-expect-error: the `url` member is missing, so the schema refuses what the type allows.
      z.discriminatedUnion("kind", [fileSchema]),
    );
  });

  it("binds the shared AWS client fields to AwsClientConfig, static credentials included", () => {
    // The SDK's AwsCredentialIdentity is an interface without an index signature: a schema
    // typed as a loose object would refuse it at compile time.
    const schema = schemaFor<AwsClientConfig>()(z.object(awsClientConfigShape).strict());
    const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x", sessionToken: "t" };
    expect(parseOptions(schema, { credentials }, "client options")).toEqual({ credentials });
  });
});
