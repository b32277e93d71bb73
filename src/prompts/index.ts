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
  type PulledPrompt,
  type PushResult,
} from "./bedrock-store.js";
export * from "./builtins/index.js";
export {
  CachedPromptSource,
  type CachedPromptSourceOptions,
  catalogSource,
  type PromptOrigin,
  type PromptSource,
} from "./cache.js";
export {
  DEFAULT_LABEL,
  LABEL_NAME,
  PromptCatalog,
  type PromptCatalogExport,
  type PromptCatalogOptions,
  type PromptHistoryEvent,
  type PromptSelector,
  type PromptSummary,
  type PromptVersionInfo,
  type RegisterOptions,
} from "./catalog.js";
export {
  type DiffLine,
  diffLines,
  formatDiff,
  type PromptChange,
  type PromptDiff,
} from "./diff.js";
export {
  PromptFileError,
  PromptImmutableError,
  PromptNotFoundError,
  type PromptNotFoundKind,
  PromptTemplateError,
  PromptVariableError,
} from "./errors.js";
export {
  closeMarker,
  defuseMarkers,
  type FencedKind,
  type FenceKind,
  fenceNotice,
  fenceUntrusted,
  formatHistory,
  oneLine,
  openMarker,
  questionLine,
  randomNonce,
} from "./fence.js";
export {
  claudeText,
  formatRequest,
  instructionText,
  type LegacyTextFormat,
  legacyTextFormats,
  renderText,
} from "./legacy-formats.js";
export {
  FAMILY_INPUT_TOKENS,
  IMAGE_PROMPT_LIMITS,
  type LintIssue,
  type LintOptions,
  type LintRule,
  lintPrompt,
} from "./lint.js";
export type { LoadPromptFolderOptions } from "./loader.js";
export {
  type PromptFile,
  parseMarkdownPrompt,
  parsePromptFile,
  parseYamlPrompt,
  registerPromptFiles,
} from "./parse-file.js";
export { type RenderedTexts, type RenderOptions, renderPrompt } from "./render.js";
export {
  PROMPT_ID,
  PROMPT_VERSION,
  type PromptDefinition,
  type PromptInferenceConfig,
  type PromptModelHints,
  PromptTemplate,
  type PromptVariable,
  type PromptVariablesSchema,
  type PromptVariableType,
  promptDefinitionSchema,
  type SerializedPromptDefinition,
} from "./template.js";

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
