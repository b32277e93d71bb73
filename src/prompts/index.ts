/**
 * `fmops/prompts`: a catalog of versioned, labelled, validated prompts shared by the whole SDK.
 *
 * - {@link PromptTemplate}: one immutable version (system + messages or text, typed variables,
 *   model hints, content hash); renders to a `ChatRequest` or a legacy text format.
 * - {@link PromptCatalog}: register, get by version or label, movable labels with rollback,
 *   history, diff, JSON export/import; {@link loadPromptFolder} reads YAML/Markdown files.
 * - Built-in prompts used by the other modules, {@link lintPrompt}, and
 *   {@link BedrockPromptStore} for Bedrock Prompt Management sync.
 * - Untrusted-data fences ({@link fenceUntrusted}, {@link fenceNotice}, {@link defuseMarkers},
 *   {@link oneLine}, {@link formatHistory}) for data that goes into a prompt.
 *
 * @example
 * ```ts
 * import { loadPromptFolder } from "fmops/prompts";
 *
 * const catalog = await loadPromptFolder("prompts/");
 * const request = catalog.render("support.reply", { question: "Where is my order?" }, { label: "production" });
 * const answer = await model.generate(request);
 * ```
 *
 * @packageDocumentation
 */
import type { LoadPromptFolderOptions } from "./loader.js";

export {
  type BedrockPromptRef,
  BedrockPromptStore,
  type BedrockPromptStoreOptions,
} from "./bedrock-store.js";
export { builtinCatalog, type PromptRef, resolvePrompt } from "./builtins/index.js";
export { JudgeScoreError, judgeScore, parseJudgeScore } from "./builtins/judge.js";
export { parseRefusalVerdict } from "./builtins/refusal.js";
export { summarizeText } from "./builtins/summarize.js";
export { CachedPromptSource, type CachedPromptSourceOptions, type PromptSource } from "./cache.js";
export {
  PromptCatalog,
  type PromptCatalogExport,
  type PromptCatalogOptions,
  type PromptSelector,
} from "./catalog.js";
export type { PromptDiff } from "./diff.js";
export {
  PromptFileError,
  PromptImmutableError,
  PromptNotFoundError,
  PromptTemplateError,
  PromptVariableError,
} from "./errors.js";
export {
  defuseMarkers,
  type FencedKind,
  fenceNotice,
  fenceUntrusted,
  formatHistory,
  oneLine,
  randomNonce,
} from "./fence.js";
export { type LegacyTextFormat, renderText } from "./legacy-formats.js";
export { lintPrompt } from "./lint.js";
export { type PromptFile, parsePromptFile, registerPromptFiles } from "./parse-file.js";
export { type PromptDefinition, PromptTemplate } from "./template.js";

/**
 * Reads a folder of `.yaml`, `.yml` and `.md` prompt files (sorted by path) into a catalog.
 * Node only: the file-system code is imported on first call, so the rest of `fmops/prompts`
 * stays usable in browsers and edge runtimes (use {@link parsePromptFile} there).
 * Throws `PROMPT_FILE_ERROR` naming the file and line of the first malformed file.
 */
export async function loadPromptFolder(
  dir: string,
  options: LoadPromptFolderOptions = {},
): Promise<import("./catalog.js").PromptCatalog> {
  const { readPromptFolder } = await import("./loader.js");
  return readPromptFolder(dir, options);
}
