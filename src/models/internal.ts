/**
 * What `models` shares with the modules above it but not with users: the option schema that
 * checks an injected chat model, the request check that every adapter (and the testing fake)
 * runs, and the list of built-in chat template names for flag help and format lists. package.json
 * does not export this file; npm run check:layering lets modules above `models` import it (see
 * docs/architecture.md).
 *
 * @module
 */

export { chatTemplateNames } from "./chat-templates.js";
export { validateChatRequest } from "./request.js";
export { chatModelSchema } from "./schema.js";
