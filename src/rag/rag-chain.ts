/**
 * {@link RagChain}: retrieve -> prompt -> model -> answer with citations, with follow-up
 * condensation, a score threshold that answers "I don't know" without calling the model, a
 * context token budget, and untrusted-data fencing of the retrieved text.
 *
 * @module
 */
import { z } from "zod";
import {
  type ChatMessage,
  type ChatRequest,
  parseOptions,
  type TokenUsage,
  withDeadline,
} from "../core/index.js";
import { addUsage, schemaFor } from "../core/internal.js";
import type { ChatModel, Guardrail } from "../models/index.js";
import { chatModelSchema } from "../models/internal.js";
import type { PromptTemplate } from "../prompts/index.js";
import {
  formatHistory,
  type PromptCatalog,
  type PromptRef,
  randomNonce,
  resolvePrompt,
} from "../prompts/index.js";
import { questionLine } from "../prompts/internal.js";
import {
  citedNumbers,
  conversationNotice,
  estimateTokens,
  formatContext,
  type TokenCounter,
  untrustedNotice,
} from "./context.js";
import type { MetadataFilter } from "./filter.js";
import { metadataFilterSchema } from "./metadata-schema.js";
import { DEFAULT_K, type RetrievedChunk, type Retriever } from "./types.js";

/** Options for {@link RagChain}. */
export interface RagChainOptions {
  /** Where passages come from. */
  retriever: Retriever;
  /** The model answering (and condensing follow-ups). */
  model: ChatModel;
  /**
   * The answer prompt, with variables `context` and `question`. Default the built-in
   * `fmops.rag.answer` (answers only from the passages, citing them as [n]).
   */
  prompt?: PromptRef;
  /**
   * The prompt rewriting a follow-up into a standalone question, with variables `history` and
   * `question`. Default the built-in `fmops.rag.condense`.
   */
  condensePrompt?: PromptRef;
  /** Catalog for prompt ids. Default the built-in prompts. */
  catalog?: PromptCatalog;
  /** Passages to retrieve. Default 4. */
  k?: number;
  /** Passages scoring below this are dropped; if none is left the model is not called. */
  minScore?: number;
  /** Token budget of the context; passages that do not fit are left out. Default: no limit. */
  maxContextTokens?: number;
  /** Counts tokens for `maxContextTokens`. Default `ceil(characters / 4)`. */
  countTokens?: TokenCounter;
  /** A filter applied to every retrieval. */
  filter?: MetadataFilter;
  /** The answer given when nothing passes `minScore`. */
  noAnswer?: string;
  /** Deadline of one `ask` (all calls). Default 120 000 ms. */
  timeoutMs?: number;
  /**
   * A Bedrock guardrail that checks each answer (source `OUTPUT`) with the passages given to the
   * model as its grounding source and the question as its query, so a contextual grounding policy
   * refuses answers the passages do not support. A refused answer throws
   * `GuardrailInterventionError`; masked sensitive information comes back masked in `answer`.
   */
  guardrail?: Guardrail;
}

/** Per-call options of {@link RagChain.ask}. */
export interface RagAskOptions {
  /**
   * Earlier turns, as text; when present the question is first condensed into a standalone one.
   */
  history?: readonly (ChatMessage & { content: string })[];
  /** Overrides the chain's filter for this call. */
  filter?: MetadataFilter;
  /** Overrides the chain's k for this call. */
  k?: number;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Overrides the chain's deadline for this call. */
  timeoutMs?: number;
}

/** A citation: the passage the answer referred to as `[n]`. */
export interface Citation {
  /** The passage number used in the answer. */
  index: number;
  /** The cited chunk's id. */
  chunkId: string;
  /** The cited chunk's source, when known. */
  source?: string;
}

/** Time spent in each step, in milliseconds. */
export interface RagLatency {
  /** Condensing the follow-up (0 without history). */
  condenseMs: number;
  /** Retrieval. */
  retrieveMs: number;
  /** The answering model call (0 when it was skipped). */
  generateMs: number;
  /** The whole `ask`. */
  totalMs: number;
}

/** The result of {@link RagChain.ask}. */
export interface RagAnswer {
  /** The model's answer, or `noAnswer` when nothing relevant was found. */
  answer: string;
  /** Whether the model answered (false when no passage passed `minScore`). */
  answered: boolean;
  /** The passages the answer cites, in order of first mention. */
  citations: Citation[];
  /** The passages given to the model (passage n is `chunks[n - 1]`). */
  chunks: RetrievedChunk[];
  /** The question used for retrieval: the condensed one after a follow-up. */
  question: string;
  /** Tokens used by all model calls together. */
  usage: TokenUsage;
  /** Time per step. */
  latency: RagLatency;
}

const DEFAULT_NO_ANSWER =
  "I don't know: I could not find anything about this in the available sources.";

const isObject = (v: unknown) => typeof v === "object" && v !== null;

// A prompt id, template or definition: resolvePrompt builds and checks a definition, and looks an
// id up in the catalog.
const promptRef = z.custom<PromptRef>(
  (v) => typeof v === "string" || isObject(v),
  "must be a prompt id, template or definition",
);

const optionsSchema = schemaFor<RagChainOptions>()(
  z
    .object({
      retriever: z.custom<Retriever>(
        (v) => isObject(v) && typeof (v as Retriever).retrieve === "function",
        "must be a Retriever (an object with retrieve())",
      ),
      model: chatModelSchema(),
      prompt: promptRef.optional(),
      condensePrompt: promptRef.optional(),
      catalog: z
        .custom<PromptCatalog>(
          (v) => isObject(v) && typeof (v as PromptCatalog).get === "function",
          "must be a PromptCatalog",
        )
        .optional(),
      k: z.int().min(1).max(1000).optional(),
      minScore: z.number().optional(),
      maxContextTokens: z.int().positive().optional(),
      countTokens: z
        .custom<TokenCounter>((v) => typeof v === "function", "must be a function")
        .optional(),
      filter: metadataFilterSchema.optional(),
      noAnswer: z.string().min(1).optional(),
      timeoutMs: z.int().positive().optional(),
      guardrail: z
        .custom<Guardrail>(
          (v) => isObject(v) && typeof (v as Guardrail).enforce === "function",
          "must be a Guardrail",
        )
        .optional(),
    })
    .strict(),
);

const askSchema = schemaFor<RagAskOptions>()(
  z
    .object({
      history: z
        .array(z.object({ role: z.enum(["user", "assistant"]), content: z.string() }).strict())
        .readonly()
        .optional(),
      filter: metadataFilterSchema.optional(),
      k: z.int().min(1).max(1000).optional(),
      signal: z.instanceof(AbortSignal).optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

/** The system prompt with a security notice appended. */
function withNotice(system: string | undefined, notice: string): string {
  return system ? `${system}\n\n${notice}` : notice;
}

/**
 * Answers questions from retrieved passages, citing them.
 *
 * Each passage is numbered and fenced, with its source and title, between markers with a random
 * per-call nonce, and the system prompt says the fenced text is untrusted data whose
 * instructions must be ignored; earlier turns given as `history` are fenced the same way in the
 * condensing prompt. With
 * `history`, the question is first rewritten into a standalone question (one model call) so
 * retrieval sees "How do I rotate *IAM access keys*?" rather than "How do I rotate them?". When
 * `minScore` is set and no passage reaches it, the chain answers `noAnswer` without calling the
 * model.
 *
 * @example
 * ```ts
 * const chain = new RagChain({ retriever: index, model, minScore: 1.5, maxContextTokens: 3000 });
 * const first = await chain.ask("What does fmops index do?");
 * const next = await chain.ask("And how do I query it?", {
 *   history: [{ role: "user", content: "What does fmops index do?" }, { role: "assistant", content: first.answer }],
 * });
 * console.log(next.answer, next.citations); // [{ index: 1, chunkId: "docs/rag.md#3", source: "docs/rag.md" }]
 * ```
 */
export class RagChain {
  readonly #options: RagChainOptions;
  readonly #answerPrompt: PromptTemplate;
  readonly #condensePrompt: PromptTemplate;

  constructor(options: RagChainOptions) {
    this.#options = parseOptions(optionsSchema, options, "RagChain options");
    const catalog = this.#options.catalog;
    this.#answerPrompt = resolvePrompt(this.#options.prompt ?? "fmops.rag.answer", catalog);
    this.#condensePrompt = resolvePrompt(
      this.#options.condensePrompt ?? "fmops.rag.condense",
      catalog,
    );
  }

  /** Answers one question (a follow-up when `history` is given). */
  async ask(question: string, options: RagAskOptions = {}): Promise<RagAnswer> {
    const o = parseOptions(askSchema, options, "RagChain.ask options");
    if (typeof question !== "string" || question.trim() === "") {
      parseOptions(z.string().trim().min(1), question, "RagChain.ask question");
    }
    const started = performance.now();
    const usage: TokenUsage = {};
    const latency: RagLatency = { condenseMs: 0, retrieveMs: 0, generateMs: 0, totalMs: 0 };
    return withDeadline(
      { signal: o.signal, timeoutMs: o.timeoutMs ?? this.#options.timeoutMs },
      120_000,
      "answering with the RAG chain",
      async (signal) => {
        let standalone = question;
        const history = o.history ?? [];
        if (history.length > 0) {
          const t0 = performance.now();
          // Earlier turns may quote retrieved text (or be forged), so they are fenced too.
          const turnNonce = randomNonce();
          const rendered = this.#condensePrompt.render({
            history: formatHistory(history, turnNonce),
            question: questionLine(question),
          });
          const request: ChatRequest = {
            ...rendered,
            system: withNotice(rendered.system, conversationNotice(turnNonce)),
          };
          const response = await this.#options.model.generate(request, { signal });
          addUsage(usage, response.usage);
          standalone = response.text.trim() || question;
          latency.condenseMs = performance.now() - t0;
        }

        const t1 = performance.now();
        const filter = options.filter ?? this.#options.filter;
        let chunks = await this.#options.retriever.retrieve(standalone, {
          k: o.k ?? this.#options.k ?? DEFAULT_K,
          signal,
          ...(filter ? { filter } : {}),
        });
        latency.retrieveMs = performance.now() - t1;
        const min = this.#options.minScore;
        if (min !== undefined) chunks = chunks.filter((c) => c.score >= min);

        const nonce = randomNonce();
        const context = formatContext(
          chunks,
          nonce,
          this.#options.countTokens ?? estimateTokens,
          this.#options.maxContextTokens,
        );
        if (context.chunks.length === 0) {
          latency.totalMs = performance.now() - started;
          return {
            answer: this.#options.noAnswer ?? DEFAULT_NO_ANSWER,
            answered: false,
            citations: [],
            chunks: [],
            question: standalone,
            usage,
            latency,
          };
        }

        const t2 = performance.now();
        // The standalone question may be the model's rewrite of fenced history: it gets the same
        // one-line, defused treatment as the user's own question.
        const rendered = this.#answerPrompt.render({
          context: context.text,
          question: questionLine(standalone),
        });
        const request: ChatRequest = {
          ...rendered,
          system: withNotice(rendered.system, untrustedNotice(nonce)),
        };
        const response = await this.#options.model.generate(request, { signal });
        addUsage(usage, response.usage);
        const answer = this.#options.guardrail
          ? await this.#options.guardrail.enforce(response.text, {
              source: "OUTPUT",
              groundingSource: context.chunks.map((c) => c.text),
              query: standalone,
              signal,
            })
          : response.text;
        latency.generateMs = performance.now() - t2;

        const citations: Citation[] = [];
        for (const n of citedNumbers(response.text)) {
          const chunk = context.chunks[n - 1];
          if (!chunk) continue; // a number the model made up
          const citation: Citation = { index: n, chunkId: chunk.id };
          if (chunk.source !== undefined) citation.source = chunk.source;
          citations.push(citation);
        }
        latency.totalMs = performance.now() - started;
        return {
          answer,
          answered: true,
          citations,
          chunks: context.chunks,
          question: standalone,
          usage,
          latency,
        };
      },
    );
  }
}
