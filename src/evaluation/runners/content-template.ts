/**
 * What the content-template runners share: fmeval's JSON content templates (`$prompt`), the
 * JMESPath extraction of the output and log probability from a JSON answer, and the optional
 * `{{input}}` prompt rendered to one string.
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, redact, ValidationError, withDeadline } from "../../core/index.js";
import { messageText, parseJsonBody, rejectUnknownOptions } from "../../core/internal.js";
import { type PromptDefinition, PromptTemplate } from "../../prompts/index.js";
import type { DatasetRecord } from "../datasets/dataset.js";
import { compileJmesPath, type JmesPathQuery } from "./jmespath.js";
import type { RunnerOutput } from "./runner.js";

/** A JSON value, as a content template composes it. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

// Python's string.Template pattern (fmeval's VanillaTemplate): `$$` is a literal `$`, `$name` and
// `${name}` are placeholders (ASCII identifiers), and any other `$` is an invalid placeholder.
const PLACEHOLDER = /\$(?:(\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\{([_a-zA-Z][_a-zA-Z0-9]*)\}|())/g;

// Exercises every escape JSON strings need, so a template that only works for tame prompts fails.
const SAMPLE_PROMPT = 'A "sample" prompt\nwith a tab\t, a backslash \\ and ünïcödé';

/**
 * An fmeval content template: the request body as JSON text in which `$prompt` stands for the
 * prompt, e.g. `{"inputText": $prompt, "textGenerationConfig": {"maxTokenCount": 512}}`.
 *
 * Substitution follows fmeval's `JsonContentComposer` exactly: `$prompt` (or `${prompt}`) is
 * replaced by the prompt encoded as a JSON string, quotes included, so quotes, backslashes and
 * newlines in the prompt are escaped; `$$` stands for a literal `$`; the result is parsed as JSON.
 * As in fmeval, `$prompt` must appear exactly once and no other `$name` may appear.
 *
 * The template is checked at construction with a sample prompt: one without `$prompt`, with
 * another placeholder, or that is not valid JSON once filled (for example `"$prompt"` in quotes)
 * throws `VALIDATION_ERROR` naming the field.
 *
 * @example
 * ```ts
 * const template = new ContentTemplate('{"inputText": $prompt}');
 * template.compose('Say "hi"'); // { inputText: 'Say "hi"' }
 * template.body("Hello"); // '{"inputText":"Hello"}'
 * ```
 */
export class ContentTemplate {
  /** The template text as given. */
  readonly template: string;
  /** The text before and after the `$prompt` placeholder, with `$$` already unescaped. */
  readonly #before: string;
  readonly #after: string;

  /**
   * @param template - The JSON text with one `$prompt`.
   * @param field - The option name used in error messages. Default `"contentTemplate"`.
   */
  constructor(template: string, field = "contentTemplate") {
    if (typeof template !== "string" || template.trim() === "") {
      throw invalid(field, "must be a non-empty JSON text with $prompt where the prompt goes");
    }
    this.template = template;
    const parts: string[] = [];
    let prompts = 0;
    let literal = "";
    let last = 0;
    for (const match of template.matchAll(PLACEHOLDER)) {
      literal += template.slice(last, match.index);
      last = match.index + match[0].length;
      const [, escaped, named, braced] = match;
      if (escaped !== undefined) {
        literal += "$";
        continue;
      }
      const name = named ?? braced;
      if (name === undefined) {
        throw invalid(
          field,
          `has an invalid placeholder at character ${match.index + 1}: write $$ for a literal $, and $prompt for the prompt`,
        );
      }
      if (name !== "prompt") {
        throw invalid(
          field,
          `uses $${name}, but only $prompt can be filled in (write $$ for a literal $)`,
        );
      }
      prompts += 1;
      if (prompts > 1) {
        throw invalid(field, "uses $prompt more than once; fmeval allows it exactly once");
      }
      parts.push(literal);
      literal = "";
    }
    literal += template.slice(last);
    if (prompts === 0) {
      throw invalid(
        field,
        `has no $prompt placeholder: put $prompt (unquoted) where the prompt goes, e.g. {"inputText": $prompt}`,
      );
    }
    this.#before = parts[0] ?? "";
    this.#after = literal;
    try {
      this.compose(SAMPLE_PROMPT);
    } catch (err) {
      const quoted = /"\s*$/.test(this.#before) && /^\s*"/.test(this.#after);
      const hint = quoted
        ? ': $prompt is replaced by a JSON string with its own quotes, so write "inputText": $prompt, not "$prompt"'
        : "; fix the JSON around $prompt";
      throw invalid(field, `is not valid JSON once $prompt is filled in${hint}`, err);
    }
  }

  /** The text of the body for `prompt`, exactly as fmeval substitutes it (before parsing). */
  fill(prompt: string): string {
    return `${this.#before}${JSON.stringify(prompt)}${this.#after}`;
  }

  /** The request body for `prompt` as a parsed JSON value (fmeval's `compose`). */
  compose(prompt: string): JsonValue {
    return JSON.parse(this.fill(prompt)) as JsonValue;
  }

  /** The request body for `prompt` as compact JSON text on one line. */
  body(prompt: string): string {
    return JSON.stringify(this.compose(prompt));
  }
}

function invalid(field: string, problem: string, cause?: unknown): ValidationError {
  return new ValidationError(
    `${field} ${problem}.`,
    [{ path: field, message: problem }],
    cause === undefined ? {} : { cause },
  );
}

/**
 * Reads the output text and, optionally, the log probability from a model's JSON answer with
 * JMESPath, as fmeval's `JsonExtractor` does: the output must be a string; the log probability
 * a number, or an array of numbers that is summed.
 *
 * @example
 * ```ts
 * const extract = new OutputExtractor({ output: "results[0].outputText" });
 * extract.extract({ results: [{ outputText: "blue" }] }, "Bedrock model m"); // { output: "blue" }
 * ```
 */
export class OutputExtractor {
  /** The output's JMESPath. */
  readonly output: string;
  /** The log probability's JMESPath, when given. */
  readonly logProbability: string | undefined;
  readonly #output: JmesPathQuery;
  readonly #logProbability: JmesPathQuery | undefined;

  constructor(options: {
    /** JMESPath of the output string, e.g. `"results[0].outputText"`. */
    output: string;
    /** JMESPath of the log probability (a number or an array of per-token numbers). */
    logProbability?: string | undefined;
  }) {
    rejectUnknownOptions(
      options,
      { output: true, logProbability: true } satisfies Record<keyof typeof options, true>,
      "OutputExtractor options",
    );
    this.output = options.output;
    this.logProbability = options.logProbability;
    this.#output = compileJmesPath(options.output, "output");
    this.#logProbability =
      options.logProbability === undefined
        ? undefined
        : compileJmesPath(options.logProbability, "logProbability");
  }

  /**
   * The {@link RunnerOutput} in `answer`. Throws `UNEXPECTED_RESPONSE` (not retryable) when the
   * output location selects no string or the log probability location no number; `who` names the
   * answering model in that message.
   */
  extract(answer: unknown, who: string): RunnerOutput {
    const output = select(this.#output, answer);
    if (typeof output !== "string") {
      throw unexpected(
        `${who} answered, but the output JMESPath "${this.output}" selected ${describe(output)}, not a string. Check the output option against the model's response`,
        answer,
      );
    }
    const result: RunnerOutput = { output };
    if (this.#logProbability !== undefined) {
      const value = select(this.#logProbability, answer);
      const total =
        typeof value === "number"
          ? value
          : Array.isArray(value) && value.every((v) => typeof v === "number")
            ? (value as number[]).reduce((sum, v) => sum + v, 0)
            : undefined;
      if (total === undefined || !Number.isFinite(total)) {
        throw unexpected(
          `${who} answered, but the logProbability JMESPath "${this.logProbability}" selected ${describe(value)}, not a number or an array of numbers`,
          answer,
        );
      }
      result.logProbability = total;
    }
    return result;
  }
}

function select(query: JmesPathQuery, value: unknown): unknown {
  try {
    return query(value);
  } catch {
    // A runtime type error inside the expression (e.g. a function on the wrong type) selects
    // nothing, as for a record whose answer has a different shape.
    return null;
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

function unexpected(message: string, answer: unknown): FmopsError {
  return new FmopsError(
    "UNEXPECTED_RESPONSE",
    `${message}. The answer began: ${redact(JSON.stringify(answer) ?? String(answer), 120)}`,
    { retryable: false },
  );
}

/** A prompt option as the content-template runners take it (like `ChatModelRunner`'s). */
export type RunnerPrompt = PromptTemplate | PromptDefinition | string;

/** The zod schema of a {@link RunnerPrompt} option. */
export const runnerPromptSchema = z.union([
  z.string().min(1),
  z.instanceof(PromptTemplate),
  z.custom<PromptDefinition>((v) => typeof v === "object" && v !== null),
]);

/**
 * Turns each record into one prompt string: the record's input fills `{{input}}` of `prompt`
 * (default `"{{input}}"`, the input as it is), rendered by {@link PromptTemplate}. A template with
 * a system prompt or several turns is flattened to one text, parts separated by a blank line,
 * since a content template has one `$prompt`.
 */
export class RecordPrompt {
  /** The template each record is rendered with. */
  readonly template: PromptTemplate;

  /**
   * @param prompt - The prompt; it must use `{{input}}`.
   * @param subject - Who is asking, for the error message, e.g. `"BedrockModelRunner"`.
   */
  constructor(prompt: RunnerPrompt | undefined, subject: string) {
    const p = prompt ?? "{{input}}";
    this.template =
      p instanceof PromptTemplate
        ? p
        : new PromptTemplate(
            typeof p === "string" ? { id: "evaluation", version: "1", text: p } : p,
          );
    if (!this.template.usedVariables.includes("input")) {
      const fmeval =
        typeof p === "string" && p.includes("$model_input")
          ? " (fmeval's $model_input is written {{input}} here)"
          : "";
      throw new ValidationError(
        `${subject} prompt "${this.template.ref}" never uses {{input}}: put {{input}} where the record's input goes${fmeval}.`,
        [{ path: "prompt", message: "must use {{input}}" }],
      );
    }
  }

  /** The prompt text for `record`. */
  render(record: DatasetRecord): string {
    const request = this.template.render({ input: record.input });
    const parts = request.system ? [request.system] : [];
    for (const message of request.messages) parts.push(messageText(message));
    return parts.join("\n\n");
  }
}

/** Options every content-template runner takes. */
export interface ContentRunnerOptions {
  /**
   * The request body as fmeval writes it: JSON text with `$prompt` where the prompt goes, e.g.
   * `'{"inputText": $prompt, "textGenerationConfig": {"maxTokenCount": 512}}'`.
   */
  contentTemplate: string;
  /** JMESPath of the output text in the model's JSON answer, e.g. `"results[0].outputText"`. */
  output: string;
  /** JMESPath of the output's log probability (a number, or per-token numbers that are summed). */
  logProbability?: string;
  /**
   * The prompt: a {@link PromptTemplate}, a definition, or text using `{{input}}` (the record's
   * input). It is rendered to one string before it fills `$prompt`. Default `"{{input}}"`.
   */
  prompt?: RunnerPrompt;
}

/** zod fields of {@link ContentRunnerOptions}, merged into each runner's option schema. */
export const contentRunnerShape = {
  /** See {@link ContentRunnerOptions.contentTemplate}. */
  contentTemplate: z.string().min(1),
  /** See {@link ContentRunnerOptions.output}. */
  output: z.string().min(1),
  /** See {@link ContentRunnerOptions.logProbability}. */
  logProbability: z.string().min(1).optional(),
  /** See {@link ContentRunnerOptions.prompt}. */
  prompt: runnerPromptSchema.optional(),
};

/**
 * The prompt, content template and extractor built from {@link ContentRunnerOptions}: what a
 * runner needs to turn a record into a request body and an answer into a {@link RunnerOutput}.
 */
export class ContentCodec {
  /** The prompt each record is rendered with. */
  readonly prompt: RecordPrompt;
  /** The request body template. */
  readonly template: ContentTemplate;
  /** The answer extractor. */
  readonly extractor: OutputExtractor;

  /**
   * @param options - The already validated options.
   * @param subject - The runner's name, for error messages.
   */
  constructor(options: ContentRunnerOptions, subject: string) {
    this.prompt = new RecordPrompt(options.prompt, subject);
    this.template = new ContentTemplate(options.contentTemplate);
    this.extractor = new OutputExtractor({
      output: options.output,
      logProbability: options.logProbability,
    });
  }

  /** The JSON request body for `record`. */
  body(record: DatasetRecord): string {
    return this.template.body(this.prompt.render(record));
  }

  /** The request body for `record` as a JSON value (for batch files). */
  compose(record: DatasetRecord): JsonValue {
    return this.template.compose(this.prompt.render(record));
  }

  /**
   * Runs `record` through a model that takes the JSON body and answers JSON, as the Bedrock and
   * SageMaker runners do: `send` makes the call, all of it under one deadline of `timeoutMs`
   * (`waitingFor` names the wait in the timeout error) and `signal`; the output is then read
   * from the answer's body, and `who` names the model in an error about the answer.
   */
  async run(
    record: DatasetRecord,
    options: { signal?: AbortSignal | undefined; timeoutMs: number; waitingFor: string },
    send: (
      body: Uint8Array,
      signal: AbortSignal,
    ) => Promise<{ body: Uint8Array | undefined; who: string }>,
  ): Promise<RunnerOutput> {
    const body = new TextEncoder().encode(this.body(record));
    const answer = await withDeadline(
      { signal: options.signal, timeoutMs: options.timeoutMs },
      options.timeoutMs,
      options.waitingFor,
      (signal) => send(body, signal),
    );
    return this.extractor.extract(parseJsonBody(answer.body, answer.who), answer.who);
  }
}
