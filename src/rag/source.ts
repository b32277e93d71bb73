/**
 * Where a chunk came from, read from its metadata by the embedded stores.
 *
 * @module
 */
import type { Metadata } from "./types.js";

/** The first string among `metadata.source`, `metadata.url`, `metadata.path` and `metadata.documentId`. */
export function sourceOf(metadata: Metadata): string | undefined {
  for (const key of ["source", "url", "path", "documentId"]) {
    const v = metadata[key];
    if (typeof v === "string" && v.length > 0) return v;
  }
  return undefined;
}
