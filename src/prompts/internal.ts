/**
 * What `prompts` shares with the modules above it but not with users: the one-line question
 * fencing that the RAG and text-to-SQL prompts put around a user's question, and the text forms
 * of `fmops prompts` (the diff rendering and the list of legacy text formats). package.json does
 * not export this file; npm run check:layering lets modules above `prompts` import it (see
 * docs/architecture.md).
 *
 * @module
 */

export { formatDiff } from "./diff.js";
export { questionLine } from "./fence.js";
export { legacyTextFormats } from "./legacy-formats.js";
