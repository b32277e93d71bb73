/**
 * The Node-only part of {@link Dataset}: opening a JSON Lines file as a byte stream. Kept apart
 * so that only `Dataset.fromJsonl(path)` loads `node:fs`.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { FmopsError } from "../../core/index.js";

/**
 * Opens `path` as an async iterable of byte chunks (64 KiB reads), failing with
 * `DATASET_NOT_FOUND` when the file cannot be read.
 */
export async function openJsonlFile(path: string): Promise<AsyncIterable<Uint8Array>> {
  const { access } = await import("node:fs/promises");
  try {
    await access(path);
  } catch (err) {
    throw new FmopsError(
      "DATASET_NOT_FOUND",
      `Cannot read the dataset file "${path.slice(0, 200)}": check the path and its permissions.`,
      { cause: err },
    );
  }
  return createReadStream(path, { highWaterMark: 64 * 1024 }) as AsyncIterable<Uint8Array>;
}
