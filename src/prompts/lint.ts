/**
 * {@link lintPrompt}: static checks of a prompt version before it ships: variables declared but
 * unused or used but undeclared, malformed placeholders, rendered length over the model's input
 * limit, and for image/video generation prompts the known pitfalls (negations in the positive
 * prompt, character limits such as 1,024 for Nova Canvas and 512 for Nova Reel).
 *
 * @module
 */
import { z } from "zod";
import { messageText } from "../core/internal.js";
import { PromptTemplateError } from "./errors.js";
import { type ParsedText, parseTemplateText } from "./syntax.js";
import {
  type PromptDefinition,
  PromptTemplate,
  type SerializedPromptDefinition,
} from "./template.js";

/** The checks {@link lintPrompt} runs. */
export type LintRule =
  | "malformed-placeholder"
  | "undeclared-variable"
  | "unused-variable"
  | "input-too-long"
  | "unbounded-variable"
  | "image-negation"
  | "image-prompt-too-long";

/** One finding. */
export interface LintIssue {
  /** Which check found it. */
  rule: LintRule;
  /** `error`: the prompt fails or the model rejects it; `warning`: likely a mistake. */
  severity: "error" | "warning";
  /** `id@version`. */
  prompt: string;
  /** The field concerned, e.g. `system`, `messages.1.content`, `variables.topic`. */
  field?: string;
  /** What is wrong and what to do. */
  message: string;
}

/** Options for {@link lintPrompt}. */
export interface LintOptions {
  /** Input limit in tokens; default: the prompt's `modelHints.maxInputTokens`, else its family's. */
  maxInputTokens?: number;
  /** Characters per token for the length estimate. Default 4 (a common rule of thumb for English). */
  charsPerToken?: number;
  /** Sample values: their lengths replace the worst case (`maxLength`) in the length checks. */
  values?: Record<string, unknown>;
}

/** Character limits of image/video prompt text, per family (what the service rejects past). */
export const IMAGE_PROMPT_LIMITS: Readonly<Record<string, number>> = {
  "nova-canvas": 1024,
  "nova-reel": 512,
  "titan-image": 512,
};

/** Rough input limits in tokens by model family, for the length check. */
export const FAMILY_INPUT_TOKENS: Readonly<Record<string, number>> = {
  claude: 200_000,
  nova: 300_000,
  "nova-micro": 128_000,
  llama3: 8_192,
  "llama3.1": 128_000,
  mistral: 32_000,
  titan: 8_192,
};

const NEGATION = /\b(no|not|without|never|avoid|exclude|excluding|don't|do not|none)\b/i;

interface Field {
  name: string;
  text: string;
  positiveImage: boolean;
}

function fieldsOf(d: SerializedPromptDefinition | PromptDefinition): Field[] {
  const out: Field[] = [];
  if (d.system !== undefined) out.push({ name: "system", text: d.system, positiveImage: false });
  if (d.text !== undefined) out.push({ name: "text", text: d.text, positiveImage: true });
  d.messages?.forEach((m, i) => {
    out.push({
      name: `messages.${i}.content`,
      text: messageText(m),
      positiveImage: m.role === "user",
    });
  });
  if (d.negativeText !== undefined)
    out.push({ name: "negativeText", text: d.negativeText, positiveImage: false });
  return out;
}

function declaredOf(d: SerializedPromptDefinition | PromptDefinition) {
  if (d.variables === undefined) return undefined;
  if (d.variables instanceof z.ZodObject) {
    return new PromptTemplate({ id: d.id, version: d.version, text: "", variables: d.variables })
      .variables;
  }
  return d.variables as SerializedPromptDefinition["variables"] & object;
}

function familyOf(d: SerializedPromptDefinition | PromptDefinition): string | undefined {
  const family = d.modelHints?.family?.toLowerCase();
  const modelId = d.modelHints?.modelId?.toLowerCase() ?? "";
  if (family === "llama3" && /llama3-[123]/.test(modelId)) return "llama3.1";
  if (family === "nova" && modelId.includes("nova-micro")) return "nova-micro";
  if (family) return family;
  if (modelId.includes("nova-canvas")) return "nova-canvas";
  if (modelId.includes("nova-reel")) return "nova-reel";
  if (modelId.includes("titan-image")) return "titan-image";
  if (modelId.includes("claude")) return "claude";
  return undefined;
}

/**
 * Lints one prompt version (a template or a raw definition, which may not even construct).
 * Returns the findings, errors first; an empty array means nothing was found.
 *
 * @example
 * ```ts
 * const issues = lintPrompt({
 *   id: "poster", version: "1", modelHints: { family: "nova-canvas" },
 *   text: "A beach at dawn, no people, {{style}}", variables: { style: { maxLength: 100 } },
 * });
 * // [{ rule: "image-negation", severity: "warning", ... }]
 * ```
 */
export function lintPrompt(
  prompt: PromptTemplate | PromptDefinition | SerializedPromptDefinition,
  options: LintOptions = {},
): LintIssue[] {
  const d = prompt instanceof PromptTemplate ? prompt.toDefinition() : prompt;
  const ref = `${d.id}@${d.version}`;
  const issues: LintIssue[] = [];
  const add = (issue: Omit<LintIssue, "prompt">) => issues.push({ prompt: ref, ...issue });

  const parsed: { field: Field; text: ParsedText }[] = [];
  const recovered: string[] = [];
  for (const field of fieldsOf(d)) {
    try {
      parsed.push({ field, text: parseTemplateText(field.text, field.name) });
    } catch (err) {
      if (!(err instanceof PromptTemplateError)) throw err;
      add({
        rule: "malformed-placeholder",
        severity: "error",
        field: field.name,
        message: err.message,
      });
      // Still count the well-formed placeholders of this field, so they are not reported unused.
      const names = [...field.text.matchAll(/\{\{[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}/g)].map(
        (m) => m[1] as string,
      );
      recovered.push(...names);
    }
  }
  const used = new Set([...parsed.flatMap((p) => p.text.names), ...recovered]);
  const declared = declaredOf(d);
  if (declared) {
    for (const name of used) {
      if (!Object.hasOwn(declared, name)) {
        add({
          rule: "undeclared-variable",
          severity: "error",
          field: parsed.find((p) => p.text.names.includes(name))?.field.name,
          message: `{{${name}}} is used but not declared under variables; rendering will fail. Declare it.`,
        });
      }
    }
    for (const name of Object.keys(declared)) {
      if (!used.has(name)) {
        add({
          rule: "unused-variable",
          severity: "warning",
          field: `variables.${name}`,
          message: `Variable "${name}" is declared but no placeholder uses it; callers passing it have no effect. Use {{${name}}} or remove it.`,
        });
      }
    }
  }

  // Length of one placeholder's value: the sample's, else the declared maximum, else unknown.
  const valueLength = (name: string): number | undefined => {
    // Own properties only, so "toString" or "constructor" never measure Object.prototype's.
    const values = options.values;
    const sample = values && Object.hasOwn(values, name) ? values[name] : undefined;
    if (sample !== undefined) return String(sample).length;
    const decl = declared && Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (decl?.maxLength !== undefined) return decl.maxLength;
    if (decl?.type === "boolean") return 5;
    if (decl?.enum) return Math.max(...decl.enum.map((e) => e.length));
    return undefined;
  };
  const lengthOf = (p: ParsedText): { chars: number; unbounded: string[] } => {
    let chars = p.literals.reduce((n, l) => n + l.length, 0);
    const unbounded: string[] = [];
    for (const name of p.names) {
      const n = valueLength(name);
      if (n === undefined) unbounded.push(name);
      else chars += n;
    }
    return { chars, unbounded };
  };

  const family = familyOf(d);
  const modality =
    d.modelHints?.modality ?? (family && IMAGE_PROMPT_LIMITS[family] ? "image" : "text");
  if (modality === "image" || modality === "video") {
    const limit = family ? IMAGE_PROMPT_LIMITS[family] : undefined;
    for (const { field, text } of parsed) {
      if (field.positiveImage) {
        const literal = text.literals.join(" ");
        const m = NEGATION.exec(literal);
        if (m) {
          add({
            rule: "image-negation",
            severity: "warning",
            field: field.name,
            message: `The positive prompt says "${m[0]}": image models tend to draw what a negation names. Move what to avoid into negativeText.`,
          });
        }
      }
      if (limit === undefined) continue;
      const { chars, unbounded } = lengthOf(text);
      if (chars > limit) {
        add({
          rule: "image-prompt-too-long",
          severity: "error",
          field: field.name,
          message: `${field.name} can render to ${chars} characters; ${family} accepts at most ${limit}. Shorten it or lower the variables' maxLength.`,
        });
      } else if (unbounded.length > 0) {
        add({
          rule: "unbounded-variable",
          severity: "warning",
          field: field.name,
          message: `${unbounded.map((n) => `{{${n}}}`).join(", ")} ha${unbounded.length > 1 ? "ve" : "s"} no maxLength, so ${field.name} may exceed ${family}'s ${limit}-character limit. Declare a maxLength.`,
        });
      }
    }
  } else {
    const limit =
      options.maxInputTokens ??
      d.modelHints?.maxInputTokens ??
      (family ? FAMILY_INPUT_TOKENS[family] : undefined);
    if (limit !== undefined) {
      let chars = 0;
      for (const { text } of parsed) chars += lengthOf(text).chars;
      const tokens = Math.ceil(chars / (options.charsPerToken ?? 4));
      if (tokens > limit) {
        add({
          rule: "input-too-long",
          severity: "error",
          message: `The rendered prompt can reach about ${tokens} tokens (${chars} characters) but the model accepts ${limit}. Lower the variables' maxLength or pick a model with a longer context.`,
        });
      }
    }
  }
  return issues.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
}
