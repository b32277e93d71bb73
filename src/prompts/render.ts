/**
 * Rendering: validate the values against the template's declarations, then fill every
 * placeholder in one pass. Inserted values are never re-scanned, so a value holding `{{x}}` or
 * braces appears literally.
 *
 * @module
 */
import type { ChatMessage, ChatRequest } from "../core/index.js";
import { PromptVariableError } from "./errors.js";
import type { ParsedText } from "./syntax.js";
import type { PromptTemplate } from "./template.js";

/** Inference parameters for one render; they win over the template's hints. */
export interface RenderOptions {
  /** Sampling temperature. */
  temperature?: number;
  /** Upper bound on generated tokens. */
  maxTokens?: number;
  /** Nucleus-sampling probability mass. */
  topP?: number;
  /** Generation stops before any of these strings. */
  stopSequences?: string[];
}

/** The rendered texts of a template, before they become a request. */
export interface RenderedTexts {
  /** Rendered system prompt. */
  system?: string;
  /** Rendered messages (one user message for `text` templates). */
  messages: ChatMessage[];
  /** Rendered negative prompt (image/video prompts). */
  negativeText?: string;
}

function isRequired(template: PromptTemplate, name: string): boolean {
  const d = template.variables[name];
  return d !== undefined && d.required !== false && d.default === undefined;
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  return JSON.stringify(value) ?? "";
}

/**
 * A prototype-free copy of the own enumerable properties of `values`: looking up a name that was
 * not given yields `undefined`, even for `constructor`, `toString` or `hasOwnProperty`.
 */
function ownValues(values: Record<string, unknown>): Record<string, unknown> {
  const own: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(values)) own[key] = values[key];
  return own;
}

/**
 * Checks `values` against the template's declarations and returns the text of each used
 * variable. Throws {@link PromptVariableError} naming every missing, undeclared or invalid one.
 * Error messages name variables and rules, never the values.
 */
export function validateValues(
  template: PromptTemplate,
  values: Record<string, unknown>,
): Record<string, string> {
  const ref = template.ref;
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    throw new PromptVariableError(
      ref,
      [],
      `Prompt "${ref}": values must be an object of variable names to values.`,
    );
  }
  const declared = Object.keys(template.variables);
  const undeclared = Object.keys(values).filter(
    (k) => values[k] !== undefined && !Object.hasOwn(template.variables, k),
  );
  if (undeclared.length > 0) {
    throw new PromptVariableError(
      ref,
      undeclared,
      `Prompt "${ref}": undeclared variable${undeclared.length > 1 ? "s" : ""} ${undeclared.map((n) => `"${n}"`).join(", ")}. Declared: ${declared.join(", ") || "(none)"}. Remove ${undeclared.length > 1 ? "them" : "it"} or use a prompt version that declares ${undeclared.length > 1 ? "them" : "it"}.`,
    );
  }
  // Own properties only: a name like "constructor" must never be read from Object.prototype.
  const own = ownValues(values);
  const missing = declared.filter((n) => own[n] === undefined && isRequired(template, n));
  if (missing.length > 0) {
    throw new PromptVariableError(
      ref,
      missing,
      `Prompt "${ref}": missing variable${missing.length > 1 ? "s" : ""} ${missing.map((n) => `"${n}"`).join(", ")}. Pass a value for each required variable.`,
    );
  }
  const parsed = template.schema.safeParse(own);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? "")))];
    const detail = parsed.error.issues
      .map((i) => `"${i.path.map(String).join(".")}": ${i.message}`)
      .join("; ");
    throw new PromptVariableError(ref, names, `Prompt "${ref}": invalid variable ${detail}.`, {
      cause: parsed.error,
    });
  }
  const data = ownValues(parsed.data as Record<string, unknown>);
  const out: Record<string, string> = Object.create(null);
  for (const name of template.usedVariables) out[name] = asText(data[name]);
  return out;
}

/** Number of `\n` characters at the end of `text`. */
function trailingNewlines(text: string): number {
  let n = 0;
  while (n < text.length && text[text.length - 1 - n] === "\n") n++;
  return n;
}

/**
 * Inserts `values` into a parsed template in one pass, like `fillText`, except that a
 * placeholder standing alone on its template line whose value is empty takes that line with it.
 * Optional sections (`{{examples}}` between blank lines) then vanish instead of leaving runs of
 * blank lines; when the removed line sat between two blank lines, one of them goes too, and an
 * empty section at the very start or end leaves no leading or trailing blank line.
 *
 * Only the template's own literal newlines are ever removed: inserted values are neither
 * re-scanned nor trimmed, so fenced untrusted text keeps every byte.
 */
function fillDroppingEmptyLines(
  parsed: ParsedText,
  values: Readonly<Record<string, string>>,
): string {
  const { literals, names } = parsed;
  let out = literals[0] as string;
  // The literal text appended last; only its trailing newlines may be taken back.
  let lastLiteral = out;
  for (let i = 0; i < names.length; i++) {
    const value = values[names[i] as string] as string;
    let next = literals[i + 1] as string;
    const before = literals[i] as string;
    const isLast = i === names.length - 1;
    // Standalone is judged on the template, never on the values around the placeholder.
    const startsLine = before.endsWith("\n") || (i === 0 && before === "");
    const endsLine = next.startsWith("\n") || (isLast && next === "");
    if (value === "" && startsLine && endsLine) {
      if (next.startsWith("\n")) {
        next = next.slice(1); // the removed line's own line break
        const blankBefore = out === "" || out.endsWith("\n\n");
        if (blankBefore && next.startsWith("\n")) next = next.slice(1);
      } else {
        // Last line of the text: take back the template's line breaks that led to it.
        out = out.slice(0, out.length - trailingNewlines(lastLiteral));
      }
    } else {
      out += value;
    }
    out += next;
    lastLiteral = next;
  }
  return out;
}

/**
 * Fills the template's texts with already-validated strings. A placeholder alone on its line
 * whose value is empty removes its line (see {@link fillDroppingEmptyLines}).
 */
export function renderTexts(
  template: PromptTemplate,
  strings: Readonly<Record<string, string>>,
): RenderedTexts {
  const { parsed } = template;
  const out: RenderedTexts = {
    messages: parsed.messages.map((m) => ({
      role: m.role,
      content: fillDroppingEmptyLines(m.text, strings),
    })),
  };
  if (parsed.system) out.system = fillDroppingEmptyLines(parsed.system, strings);
  if (parsed.negativeText) out.negativeText = fillDroppingEmptyLines(parsed.negativeText, strings);
  return out;
}

/**
 * Renders `template` with `values` as a {@link ChatRequest} for any `ChatModel`.
 *
 * @example
 * ```ts
 * const request = renderPrompt(template, { question: "What is {{this}}?" }, { maxTokens: 256 });
 * // the value's braces are kept literally
 * ```
 */
export function renderPrompt(
  template: PromptTemplate,
  values: Record<string, unknown>,
  options: RenderOptions = {},
): ChatRequest {
  const texts = renderTexts(template, validateValues(template, values));
  const request: ChatRequest = { messages: texts.messages };
  if (texts.system !== undefined && texts.system !== "") request.system = texts.system;
  const hints = template.modelHints?.inferenceConfig ?? {};
  const maxTokens = options.maxTokens ?? hints.maxTokens;
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = options.temperature ?? hints.temperature;
  if (temperature !== undefined) request.temperature = temperature;
  const topP = options.topP ?? hints.topP;
  if (topP !== undefined) request.topP = topP;
  const stop = options.stopSequences ?? hints.stopSequences;
  if (stop !== undefined) request.stopSequences = [...stop];
  return request;
}
