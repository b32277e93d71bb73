/**
 * {@link PromptTemplate}: one immutable version of a prompt: system text and messages (or one
 * text) with `{{variable}}` placeholders, typed variable declarations, model hints and tags, and
 * the content hash that makes "same version, different body" detectable.
 *
 * @module
 */
import { z } from "zod";
import type { ChatMessage, ChatRequest } from "../core/index.js";
import { parseOptions, ValidationError } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import { PromptVariableError } from "./errors.js";
import { canonicalJson, sha256Hex } from "./hash.js";
import { type RenderOptions, renderPrompt, renderTexts, validateValues } from "./render.js";
import { type ParsedText, parseTemplateText, usedNames, VARIABLE_NAME } from "./syntax.js";

/** The type of a declared variable. Numbers and booleans are inserted as their string form. */
export type PromptVariableType = "string" | "number" | "integer" | "boolean";

/** A serializable variable declaration (what YAML files, JSON exports and Bedrock sync carry). */
export interface PromptVariable {
  /** Default `"string"`. */
  type?: PromptVariableType;
  /** What the variable holds; shown by `fmops prompts show`. */
  description?: string;
  /** Used when the caller gives no value; makes the variable optional. */
  default?: string | number | boolean;
  /** `false` makes the variable optional (rendered as empty text when missing). Default `true`. */
  required?: boolean;
  /** Longest allowed string, in UTF-16 code units (what `String.length` counts). */
  maxLength?: number;
  /** Shortest allowed string. */
  minLength?: number;
  /** The only allowed string values. */
  enum?: string[];
  /** Smallest allowed number. */
  minimum?: number;
  /** Largest allowed number. */
  maximum?: number;
}

/** Inference parameters a prompt was written for; a render's own options win. */
export interface PromptInferenceConfig {
  /** Upper bound on generated tokens. */
  maxTokens?: number;
  /** Sampling temperature. */
  temperature?: number;
  /** Nucleus-sampling probability mass. */
  topP?: number;
  /** Generation stops before any of these strings. */
  stopSequences?: string[];
}

/**
 * What a prompt was written for. `family` names the model family (`claude`, `llama3`, `mistral`,
 * `nova`, `titan`, or an image/video family: `nova-canvas`, `nova-reel`, `titan-image`,
 * `stability`); lint uses it for length limits and image-prompt rules.
 */
export interface PromptModelHints {
  /** Model family, e.g. `claude`, `llama3`, `nova-canvas`. */
  family?: string;
  /** A specific model id, e.g. `anthropic.claude-3-haiku-20240307-v1:0`. */
  modelId?: string;
  /** `text` (default) for chat prompts, `image`/`video` for generation prompts. */
  modality?: "text" | "image" | "video";
  /** Default inference parameters. */
  inferenceConfig?: PromptInferenceConfig;
  /** The model's input limit in tokens, when it differs from the family's. */
  maxInputTokens?: number;
}

/** A zod object schema declaring the variables (the alternative to {@link PromptVariable} records). */
export type PromptVariablesSchema = z.ZodObject<z.ZodRawShape>;

/** Everything needed to define one version of a prompt. */
export interface PromptDefinition {
  /** Stable id, e.g. `support.reply`: letters, digits, `.`, `_`, `-`, `/`. */
  id: string;
  /** Immutable version, e.g. `1`, `1.2.0`, `2024-06-01`. */
  version: string;
  /** What the prompt is for. */
  description?: string;
  /** System prompt template. */
  system?: string;
  /** Conversation template, ending with a user turn; text turns only. Give this or `text`. */
  messages?: (ChatMessage & {
    /** The turn's text (text only). */
    content: string;
  })[];
  /** A single user-turn template (the positive prompt for image/video prompts). */
  text?: string;
  /** Image/video prompts: what to keep out of the picture (Nova Canvas `negativeText`). */
  negativeText?: string;
  /**
   * Variable declarations, or a zod object schema. Left out, every placeholder is a required
   * string. With declarations, a placeholder that is not declared is an error.
   */
  variables?: Record<string, PromptVariable> | PromptVariablesSchema;
  /** Model family, model id, inference defaults. */
  modelHints?: PromptModelHints;
  /** Free-form tags for listing and filtering. */
  tags?: string[];
}

/** A {@link PromptDefinition} with its variables as serializable declarations (JSON-safe). */
export interface SerializedPromptDefinition extends Omit<PromptDefinition, "variables"> {
  /** Variable declarations. */
  variables?: Record<string, PromptVariable>;
}

/** Ids: letters, digits, and `.`, `_`, `-`, `/` inside. */
export const PROMPT_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,198}[A-Za-z0-9])?$/;
/** Versions: letters, digits, `.`, `_`, `-`; at most 64 characters. */
export const PROMPT_VERSION = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$/;

const variableSchema = z
  .object({
    type: z.enum(["string", "number", "integer", "boolean"]).optional(),
    description: z.string().optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    required: z.boolean().optional(),
    maxLength: z.int().positive().optional(),
    minLength: z.int().min(0).optional(),
    enum: z.array(z.string()).min(1).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
  })
  .strict();

const modelHintsSchema = z
  .object({
    family: z.string().min(1).optional(),
    modelId: z.string().min(1).optional(),
    modality: z.enum(["text", "image", "video"]).optional(),
    inferenceConfig: z
      .object({
        maxTokens: z.int().positive().optional(),
        temperature: z.number().min(0).max(2).optional(),
        topP: z.number().gt(0).max(1).optional(),
        stopSequences: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .optional(),
    maxInputTokens: z.int().positive().optional(),
  })
  .strict();

const messageSchema = z
  .object({ role: z.enum(["user", "assistant"]), content: z.string() })
  .strict();

const zodObject = z.custom<PromptVariablesSchema>(
  (v) => v instanceof z.ZodObject,
  "must be a zod object schema",
);

const definitionObjectSchema = z
  .object({
    id: z.string().regex(PROMPT_ID, "must be letters, digits, and . _ - / inside (at most 200)"),
    version: z
      .string()
      .regex(PROMPT_VERSION, "must be letters, digits, and . _ - inside (at most 64)"),
    description: z.string().optional(),
    system: z.string().optional(),
    messages: z.array(messageSchema).min(1).optional(),
    text: z.string().optional(),
    negativeText: z.string().optional(),
    variables: z
      .record(z.string().regex(VARIABLE_NAME, "must be a valid variable name"), variableSchema)
      .optional(),
    modelHints: modelHintsSchema.optional(),
    tags: z.array(z.string().min(1)).optional(),
  })
  .strict();

/**
 * The zod schema of a serialized definition (files and JSON exports): parses to a
 * {@link SerializedPromptDefinition}, rejecting unknown keys, bad ids and versions.
 */
export const promptDefinitionSchema: z.ZodType<SerializedPromptDefinition> = definitionObjectSchema;

const definitionInputSchema = schemaFor<PromptDefinition>()(
  definitionObjectSchema
    .extend({
      variables: z
        .union([
          zodObject,
          z.record(
            z.string().regex(VARIABLE_NAME, "must be a valid variable name"),
            variableSchema,
          ),
        ])
        .optional(),
    })
    .superRefine((d, ctx) => {
      if ((d.messages === undefined) === (d.text === undefined)) {
        ctx.addIssue({
          code: "custom",
          path: ["messages"],
          message: "give exactly one of messages or text",
        });
      }
      if (d.messages && d.messages[d.messages.length - 1]?.role !== "user") {
        ctx.addIssue({
          code: "custom",
          path: ["messages", d.messages.length - 1, "role"],
          message: 'the last message must be a "user" turn',
        });
      }
    }),
);

const SAFE_INT = Number.MAX_SAFE_INTEGER;

/** Declarations read back from a zod object schema through its JSON Schema. */
function declarationsFromZod(schema: PromptVariablesSchema): Record<string, PromptVariable> {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  const required = new Set(json.required ?? []);
  const out: Record<string, PromptVariable> = {};
  for (const [name, p] of Object.entries(json.properties ?? {})) {
    const v: PromptVariable = {};
    const t = p.type;
    if (t === "number" || t === "integer" || t === "boolean") v.type = t;
    if (typeof p.description === "string") v.description = p.description;
    const d = p.default;
    if (typeof d === "string" || typeof d === "number" || typeof d === "boolean") v.default = d;
    if (!required.has(name) && v.default === undefined) v.required = false;
    if (typeof p.maxLength === "number") v.maxLength = p.maxLength;
    if (typeof p.minLength === "number") v.minLength = p.minLength;
    if (Array.isArray(p.enum) && p.enum.every((e) => typeof e === "string")) v.enum = p.enum;
    if (typeof p.minimum === "number" && p.minimum > -SAFE_INT) v.minimum = p.minimum;
    if (typeof p.maximum === "number" && p.maximum < SAFE_INT) v.maximum = p.maximum;
    out[name] = v;
  }
  return out;
}

/** Builds the zod schema that validates render values from declarations. */
function schemaFromDeclarations(decls: Record<string, PromptVariable>): PromptVariablesSchema {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, d] of Object.entries(decls)) {
    let s: z.ZodType;
    if (d.type === "number" || d.type === "integer") {
      let n = d.type === "integer" ? z.int() : z.number();
      if (d.minimum !== undefined) n = n.min(d.minimum);
      if (d.maximum !== undefined) n = n.max(d.maximum);
      s = n;
    } else if (d.type === "boolean") {
      s = z.boolean();
    } else {
      let t = z.string();
      if (d.maxLength !== undefined) t = t.max(d.maxLength);
      if (d.minLength !== undefined) t = t.min(d.minLength);
      s = d.enum ? t.refine((v) => d.enum?.includes(v), `must be one of: ${d.enum.join(", ")}`) : t;
    }
    if (d.default !== undefined) s = s.default(d.default as never);
    else if (d.required === false) s = s.optional();
    shape[name] = s;
  }
  return z.object(shape);
}

/**
 * One immutable version of a prompt. Construct it from a {@link PromptDefinition}; the
 * constructor validates the definition (`VALIDATION_ERROR` naming the field), parses every
 * placeholder (`PROMPT_TEMPLATE_ERROR`), checks that each one is declared
 * (`PROMPT_VARIABLE_ERROR`), and records the content hash.
 *
 * @example
 * ```ts
 * const greet = new PromptTemplate({
 *   id: "greet",
 *   version: "1",
 *   system: "You are a concise assistant.",
 *   text: "Say hello to {{name}} in {{language}}.",
 *   variables: { name: { maxLength: 100 }, language: { default: "English" } },
 * });
 * const request = greet.render({ name: "Ada" }); // a ChatRequest for any ChatModel
 * ```
 */
export class PromptTemplate {
  /** The prompt id. */
  readonly id: string;
  /** This version. */
  readonly version: string;
  /** What the prompt is for. */
  readonly description: string | undefined;
  /** System prompt template. */
  readonly system: string | undefined;
  /** Conversation template (when defined with `messages`). */
  readonly messages:
    | readonly (ChatMessage & {
        /** The turn's text (text only). */
        content: string;
      })[]
    | undefined;
  /** Single user-turn template (when defined with `text`). */
  readonly text: string | undefined;
  /** Negative prompt template (image/video prompts). */
  readonly negativeText: string | undefined;
  /** Serializable variable declarations. */
  readonly variables: Readonly<Record<string, PromptVariable>>;
  /** The zod schema render values are validated with. */
  readonly schema: PromptVariablesSchema;
  /** Model hints. */
  readonly modelHints: PromptModelHints | undefined;
  /** Tags. */
  readonly tags: readonly string[];
  /** SHA-256 (hex) of the canonical JSON of everything but id and version. */
  readonly hash: string;
  /** Variables the placeholders use, in order of first use. */
  readonly usedVariables: readonly string[];

  /** Parsed system / messages (or text) / negative text, in that order. @internal */
  readonly parsed: {
    system: ParsedText | undefined;
    messages: { role: ChatMessage["role"]; text: ParsedText }[];
    negativeText: ParsedText | undefined;
  };

  constructor(definition: PromptDefinition) {
    refuseProtoVariable(definition);
    const d = parseOptions(definitionInputSchema, definition, "prompt definition");
    const label = `prompt "${d.id}@${d.version}"`;
    this.id = d.id;
    this.version = d.version;
    this.description = d.description;
    this.system = d.system;
    this.messages = d.messages?.map((m) => Object.freeze({ ...m }));
    this.text = d.text;
    this.negativeText = d.negativeText;
    this.modelHints = d.modelHints;
    this.tags = Object.freeze([...(d.tags ?? [])]);

    const messages = d.messages ?? [{ role: "user" as const, content: d.text as string }];
    this.parsed = {
      system: d.system === undefined ? undefined : parseTemplateText(d.system, `${label} system`),
      messages: messages.map((m, i) => ({
        role: m.role,
        text: parseTemplateText(
          m.content,
          `${label} ${d.text === undefined ? `messages.${i}` : "text"}`,
        ),
      })),
      negativeText:
        d.negativeText === undefined
          ? undefined
          : parseTemplateText(d.negativeText, `${label} negativeText`),
    };
    const all = [
      ...(this.parsed.system ? [this.parsed.system] : []),
      ...this.parsed.messages.map((m) => m.text),
      ...(this.parsed.negativeText ? [this.parsed.negativeText] : []),
    ];
    this.usedVariables = Object.freeze(usedNames(all));

    if (d.variables === undefined) {
      this.variables = Object.fromEntries(this.usedVariables.map((n) => [n, {}]));
      this.schema = schemaFromDeclarations(this.variables);
    } else if (d.variables instanceof z.ZodObject) {
      this.schema = d.variables as PromptVariablesSchema;
      this.variables = declarationsFromZod(this.schema);
    } else {
      this.variables = d.variables as Record<string, PromptVariable>;
      this.schema = schemaFromDeclarations(this.variables);
    }
    const undeclared = this.usedVariables.filter((n) => !Object.hasOwn(this.variables, n));
    if (undeclared.length > 0) {
      throw new PromptVariableError(
        `${d.id}@${d.version}`,
        undeclared,
        `${label} uses ${undeclared.map((n) => `{{${n}}}`).join(", ")} but does not declare ${undeclared.length === 1 ? "it" : "them"} under variables. Declare every placeholder, or drop the variables section to make each one a required string.`,
      );
    }
    Object.freeze(this.variables);
    this.hash = sha256Hex(canonicalJson(bodyOf(this.toDefinition())));
  }

  /** `id@version`. */
  get ref(): string {
    return `${this.id}@${this.version}`;
  }

  /**
   * Renders the prompt as a {@link ChatRequest}: validates `values` (missing, undeclared or
   * invalid ones throw `PROMPT_VARIABLE_ERROR` naming them), fills every placeholder in one
   * pass, and adds the hinted inference parameters (`options` win).
   */
  render(values: Record<string, unknown> = {}, options: RenderOptions = {}): ChatRequest {
    return renderPrompt(this, values, options);
  }

  /** Renders an image/video prompt: `{ text, negativeText? }` (Nova Canvas / Reel fields). */
  renderImage(values: Record<string, unknown> = {}): {
    /** The rendered positive prompt: every message's text joined by blank lines. */
    text: string;
    /** The rendered negative prompt; absent when the definition has no `negativeText`. */
    negativeText?: string;
  } {
    const strings = validateValues(this, values);
    const { messages, negativeText } = renderTexts(this, strings);
    const out: { text: string; negativeText?: string } = {
      text: messages.map((m) => m.content).join("\n\n"),
    };
    if (negativeText !== undefined) out.negativeText = negativeText;
    return out;
  }

  /** The serializable definition (variables as declarations), e.g. for JSON export. */
  toDefinition(): SerializedPromptDefinition {
    const out: SerializedPromptDefinition = { id: this.id, version: this.version };
    if (this.description !== undefined) out.description = this.description;
    if (this.system !== undefined) out.system = this.system;
    if (this.messages !== undefined) out.messages = this.messages.map((m) => ({ ...m }));
    if (this.text !== undefined) out.text = this.text;
    if (this.negativeText !== undefined) out.negativeText = this.negativeText;
    if (Object.keys(this.variables).length > 0)
      out.variables = structuredClone({ ...this.variables });
    if (this.modelHints !== undefined) out.modelHints = structuredClone(this.modelHints);
    if (this.tags.length > 0) out.tags = [...this.tags];
    return out;
  }
}

/**
 * Refuses a `__proto__` key among the declarations (JSON.parse and YAML can produce one): the
 * schema would drop it silently, since no plain object can hold it as data.
 */
function refuseProtoVariable(definition: PromptDefinition): void {
  const vars = (definition as { variables?: unknown } | undefined)?.variables;
  if (typeof vars === "object" && vars !== null && Object.hasOwn(vars, "__proto__")) {
    throw new ValidationError(
      'Invalid prompt definition: variables: "__proto__" is a reserved name and cannot be a variable. Rename it.',
      [{ path: "variables.__proto__", message: "reserved name" }],
    );
  }
}

/** The hashed part of a definition: everything but id and version. */
function bodyOf(d: SerializedPromptDefinition): Omit<SerializedPromptDefinition, "id" | "version"> {
  const { id: _id, version: _version, ...body } = d;
  return body;
}

/** Wraps a definition or passes a template through. */
export function toTemplate(value: PromptTemplate | PromptDefinition): PromptTemplate {
  return value instanceof PromptTemplate ? value : new PromptTemplate(value);
}
