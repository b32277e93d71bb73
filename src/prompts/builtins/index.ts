/**
 * The built-in prompts other fmops modules use, versioned like any other prompt. Modules take a
 * prompt id (resolved in a catalog, by default {@link builtinCatalog}) or an override template.
 *
 * @module
 */
import { PromptCatalog, type PromptSelector } from "../catalog.js";
import { type PromptDefinition, PromptTemplate } from "../template.js";
import { judgeScore } from "./judge.js";
import { ragAnswer, ragCondense } from "./rag.js";
import { refusalDetect } from "./refusal.js";
import { summarizeText } from "./summarize.js";
import { text2sqlCorrect, text2sqlGenerate } from "./text2sql.js";

export { type JudgeScore, JudgeScoreError, judgeScore, parseJudgeScore } from "./judge.js";
export { ragAnswer, ragCondense } from "./rag.js";
export { parseRefusalVerdict, REFUSAL_EXAMPLES, refusalDetect } from "./refusal.js";
export { summarizeText } from "./summarize.js";
export { text2sqlCorrect, text2sqlGenerate } from "./text2sql.js";

/** Every built-in prompt definition. */
export const builtinPrompts: readonly PromptDefinition[] = Object.freeze([
  text2sqlGenerate,
  text2sqlCorrect,
  ragAnswer,
  ragCondense,
  summarizeText,
  judgeScore,
  refusalDetect,
]);

/** The ids of the built-in prompts. */
export const BUILTIN_PROMPT_IDS = {
  /** Writes one read-only SQL query answering a question over the given tables. */
  text2sqlGenerate: "fmops.text2sql.generate",
  /** Fixes a SQL query the engine rejected, using the engine's error message. */
  text2sqlCorrect: "fmops.text2sql.correct",
  /** Answers a question only from numbered passages, citing them as `[1]`, `[2]`. */
  ragAnswer: "fmops.rag.answer",
  /** Rewrites a follow-up question so it stands alone without the conversation. */
  ragCondense: "fmops.rag.condense",
  /** Summarizes a text faithfully in at most a given number of words. */
  summarizeText: "fmops.summarize",
  /** Grades an answer from 1 to 10 against criteria; read the reply with `parseJudgeScore`. */
  judgeScore: "fmops.judge.score",
  /** Classifies a response as REFUSAL or ANSWER; read the reply with `parseRefusalVerdict`. */
  refusalDetect: "fmops.refusal.detect",
} as const;

/**
 * Registers the built-in prompts (each labelled `production`) into `catalog`, or a new catalog.
 * Registering into a catalog that already holds a built-in version with a different body throws
 * `PROMPT_VERSION_IMMUTABLE`; add your own version instead and move its `production` label.
 *
 * @example
 * ```ts
 * const catalog = builtinCatalog();
 * catalog.register({ ...ragAnswer, version: "my-1", system: "..." }, { labels: ["production"] });
 * ```
 */
export function builtinCatalog(catalog: PromptCatalog = new PromptCatalog()): PromptCatalog {
  for (const definition of builtinPrompts) {
    const existing = catalog.has(definition.id) ? catalog.labels(definition.id) : {};
    catalog.register(definition);
    if (existing.production === undefined)
      catalog.setLabel(definition.id, "production", definition.version);
  }
  return catalog;
}

/** What a module accepts for a prompt: an id in the catalog, a template, or a definition. */
export type PromptRef = string | PromptTemplate | PromptDefinition;

/**
 * Resolves a {@link PromptRef}: templates pass through, definitions are built, ids are looked up
 * in `catalog` (default: the built-ins) with `selector`.
 */
export function resolvePrompt(
  ref: PromptRef,
  catalog?: PromptCatalog,
  selector: PromptSelector = {},
): PromptTemplate {
  if (ref instanceof PromptTemplate) return ref;
  if (typeof ref !== "string") return new PromptTemplate(ref);
  return (catalog ?? defaultCatalog()).get(ref, selector);
}

let shared: PromptCatalog | undefined;
function defaultCatalog(): PromptCatalog {
  shared ??= builtinCatalog();
  return shared;
}
