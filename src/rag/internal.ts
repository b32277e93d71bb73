/**
 * What `rag` shares with the modules above it but not with users: the option schema that checks
 * a metadata filter's shape, so every component taking a `filter` option refuses the same
 * values with the same message. package.json does not export this file; npm run check:layering
 * lets modules above `rag` import it (see docs/architecture.md).
 *
 * @module
 */

export { metadataFilterSchema } from "./metadata-schema.js";
