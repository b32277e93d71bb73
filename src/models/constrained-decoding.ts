/**
 * Constrained decoding on the wire: how a {@link ResponseFormat} becomes the request field each
 * serving stack reads. The servers disagree on the field, not on the idea (a JSON Schema the
 * decoder may not leave), so the adapters share these builders and pick one by option.
 *
 * @module
 */
import { z } from "zod";
import { ValidationError } from "../core/index.js";
import type { ResponseFormat } from "../core/internal.js";

/**
 * The request field a chat-completions server reads a JSON Schema from:
 * - `"json_schema"`: `response_format: { type: "json_schema", json_schema: { name, schema, strict? } }`,
 *   the OpenAI field, also read by vLLM, Ollama's `/v1`, llama.cpp and LM Studio.
 * - `"structured_outputs"`: vLLM's own `structured_outputs: { json: schema }` (vLLM 0.10.2 and later).
 * - `"guided_json"`: vLLM's older `guided_json: schema` (removed in vLLM 0.12).
 * - `"tgi"`: Text Generation Inference's Messages API, `response_format: { type: "json_object", value: schema }`.
 */
export type ConstrainedDecodingField = "json_schema" | "structured_outputs" | "guided_json" | "tgi";

/** The names of {@link ConstrainedDecodingField}, for option checks. */
export const constrainedDecodingFields: readonly ConstrainedDecodingField[] = [
  "json_schema",
  "structured_outputs",
  "guided_json",
  "tgi",
];

const DEFAULT_NAME = "response";

/** The JSON Schema of a response format's zod schema, without the `$schema` marker. */
export function responseJsonSchema(format: ResponseFormat): Record<string, unknown> {
  let schema: Record<string, unknown>;
  try {
    schema = z.toJSONSchema(format.schema, { target: "draft-7", io: "input" }) as Record<
      string,
      unknown
    >;
  } catch (err) {
    const message = `cannot be expressed as JSON Schema (${(err as Error).message}); use plain objects, arrays, strings, numbers, booleans, enums and unions`;
    throw new ValidationError(`Invalid chat request: responseFormat.schema ${message}`, [
      { path: "responseFormat.schema", message },
    ]);
  }
  delete schema.$schema;
  return schema;
}

/**
 * The body fields that ask a chat-completions server for JSON matching `format`, in the form
 * `field` names.
 *
 * @example
 * ```ts
 * chatCompletionsConstraint({ type: "json", schema: z.object({ n: z.int() }) }, "structured_outputs");
 * // { structured_outputs: { json: { type: "object", properties: { n: { type: "integer", ... } }, ... } } }
 * ```
 */
export function chatCompletionsConstraint(
  format: ResponseFormat,
  field: ConstrainedDecodingField,
): Record<string, unknown> {
  const schema = responseJsonSchema(format);
  switch (field) {
    case "json_schema":
      return {
        response_format: {
          type: "json_schema",
          json_schema: {
            name: format.name ?? DEFAULT_NAME,
            ...(format.description !== undefined ? { description: format.description } : {}),
            schema,
            ...(format.strict !== undefined ? { strict: format.strict } : {}),
          },
        },
      };
    case "structured_outputs":
      return { structured_outputs: { json: schema } };
    case "guided_json":
      return { guided_json: schema };
    case "tgi":
      return { response_format: { type: "json_object", value: schema } };
  }
}

/** TGI's `/generate` grammar parameter for `format`: `{ type: "json", value: schema }`. */
export function tgiGrammar(format: ResponseFormat): {
  type: "json";
  value: Record<string, unknown>;
} {
  return { type: "json", value: responseJsonSchema(format) };
}
