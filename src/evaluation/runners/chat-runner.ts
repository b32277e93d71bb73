/**
 * {@link ChatModelRunner}: any `ChatModel` plus a prompt template with `{{input}}`.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions, ValidationError } from "../../core/index.js";
import { inferenceOptionsSchema, schemaFor } from "../../core/internal.js";
import type { ChatModel } from "../../models/index.js";
import { chatModelSchema } from "../../models/internal.js";
import { type PromptDefinition, PromptTemplate } from "../../prompts/index.js";
import type { DatasetRecord } from "../datasets/dataset.js";
import type { ModelRunner, RunnerOutput } from "./runner.js";

/** Options of {@link ChatModelRunner}. */
export interface ChatModelRunnerOptions {
  /** The model to evaluate. */
  model: ChatModel;
  /**
   * The prompt: a {@link PromptTemplate}, a definition, or the user-turn text. It must use
   * `{{input}}` (the record's input); other variables need defaults. Default `"{{input}}"`.
   */
  prompt?: PromptTemplate | PromptDefinition | string;
  /** Inference parameters added to every request. */
  inference?: {
    /** Upper bound on generated tokens per record. */
    maxTokens?: number;
    /** Sampling temperature (0 for the most repeatable runs). */
    temperature?: number;
    /** Nucleus-sampling probability mass. */
    topP?: number;
  };
}

const optionsSchema = schemaFor<ChatModelRunnerOptions>()(
  z
    .object({
      model: chatModelSchema(),
      prompt: z
        .union([
          z.string().min(1),
          z.instanceof(PromptTemplate),
          z.custom<PromptDefinition>((v) => typeof v === "object" && v !== null),
        ])
        .optional(),
      inference: inferenceOptionsSchema.optional(),
    })
    .strict(),
);

/**
 * Runs each record through a `ChatModel`: the record's input fills `{{input}}` of the prompt
 * (rendered by {@link PromptTemplate}, so a missing placeholder or an undeclared variable fails
 * at construction), and the answer's text is the output.
 *
 * @example
 * ```ts
 * const runner = new ChatModelRunner({
 *   model: new BedrockChatModel({ modelId: "amazon.nova-lite-v1:0" }),
 *   prompt: "Summarize in one sentence:\n\n{{input}}",
 * });
 * ```
 */
export class ChatModelRunner implements ModelRunner {
  /** The model's id. */
  readonly id: string;
  /** The prompt each record is rendered with. */
  readonly prompt: PromptTemplate;
  readonly #model: ChatModel;
  readonly #inference: ChatModelRunnerOptions["inference"];

  constructor(options: ChatModelRunnerOptions) {
    const o = parseOptions(optionsSchema, options, "ChatModelRunner options");
    this.#model = o.model;
    this.id = o.model.id;
    const prompt = o.prompt ?? "{{input}}";
    this.prompt =
      prompt instanceof PromptTemplate
        ? prompt
        : new PromptTemplate(
            typeof prompt === "string" ? { id: "evaluation", version: "1", text: prompt } : prompt,
          );
    if (!this.prompt.usedVariables.includes("input")) {
      throw new ValidationError(
        `ChatModelRunner prompt "${this.prompt.ref}" never uses {{input}}: put {{input}} where the record's input goes.`,
        [{ path: "prompt", message: "must use {{input}}" }],
      );
    }
    this.#inference = o.inference;
  }

  /** Renders the prompt with the record's input and asks the model. */
  async run(record: DatasetRecord, options: { signal?: AbortSignal } = {}): Promise<RunnerOutput> {
    const request = this.prompt.render({ input: record.input }, this.#inference ?? {});
    const response = await this.#model.generate(
      request,
      options.signal ? { signal: options.signal } : {},
    );
    return { output: response.text, usage: response.usage };
  }
}
