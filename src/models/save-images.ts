/**
 * {@link saveImages}: writes generated images to a folder. Node-only: `node:fs` is loaded when it
 * is called, so importing `fmops/models` in a browser or edge bundle pulls in no file system.
 *
 * @module
 */
import { FmopsError, ValidationError } from "../core/index.js";
import type { GeneratedImage, ImageResult } from "./image-types.js";

/** Options of {@link saveImages}. */
export interface SaveImagesOptions {
  /** File name stem: files are `<prefix>-1.png`, `<prefix>-2.png`, ... Default `image`. */
  prefix?: string;
  /**
   * Replace files that exist. Default false: an existing file is an error and nothing is written
   * over. With true, the new image is written beside the old entry and renamed over it, so a
   * symbolic link at that name is replaced, never written through.
   */
  overwrite?: boolean;
}

const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
};

/**
 * Writes each image to `dir` (created when missing) as `<prefix>-<n>.<ext>`, the extension
 * taken from its media type, and returns the paths in order. Without `overwrite`, an existing
 * file fails the call with `FILE_ERROR` rather than being replaced.
 *
 * @example
 * ```ts
 * const result = await model.generate({ prompt: "a lighthouse", count: 3 });
 * const paths = await saveImages(result, "out", { prefix: "lighthouse" }); // out/lighthouse-1.png, ...
 * ```
 */
export async function saveImages(
  images: ImageResult | readonly GeneratedImage[],
  dir: string,
  options: SaveImagesOptions = {},
): Promise<string[]> {
  const list = Array.isArray(images) ? images : (images as ImageResult).images;
  const prefix = options.prefix ?? "image";
  if (!/^[\w.-]{1,100}$/.test(prefix) || prefix.startsWith(".")) {
    throw new ValidationError(
      `saveImages: prefix "${prefix}" must be 1 to 100 letters, digits, '_', '-' or '.', not starting with '.'.`,
      [{ path: "prefix", message: "not a plain file name stem" }],
    );
  }
  if (typeof dir !== "string" || dir === "") {
    throw new ValidationError("saveImages: dir must be a folder path.", [
      { path: "dir", message: "must be a non-empty string" },
    ]);
  }
  const [{ mkdir, rename, rm, writeFile }, { join }] = await Promise.all([
    import("node:fs/promises"),
    import("node:path"),
  ]);
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const [i, image] of list.entries()) {
    // Own keys only: a media type such as "constructor" must not pick up Object.prototype's.
    const ext = Object.hasOwn(EXTENSIONS, image.mediaType) ? EXTENSIONS[image.mediaType] : "bin";
    const path = join(dir, `${prefix}-${i + 1}.${ext}`);
    try {
      if (options.overwrite) {
        // Never open the final name for writing: a symbolic link planted there would send the
        // bytes to the file it points at. A fresh file (exclusive create, so never a link) is
        // renamed over the name instead, which replaces whatever entry is there, links included,
        // and readers never see a half-written image.
        const temporary = join(dir, `.${prefix}-${i + 1}.${crypto.randomUUID()}.tmp`);
        try {
          await writeFile(temporary, image.bytes, { flag: "wx" });
          await rename(temporary, path);
        } catch (err) {
          await rm(temporary, { force: true }).catch(() => {});
          throw err;
        }
      } else {
        // Exclusive create fails on any existing entry, a dangling link included.
        await writeFile(path, image.bytes, { flag: "wx" });
      }
    } catch (cause) {
      const exists = (cause as { code?: unknown }).code === "EEXIST";
      throw new FmopsError(
        "FILE_ERROR",
        exists
          ? `saveImages: ${path} already exists; pass overwrite: true or choose another prefix or folder.`
          : `saveImages: could not write ${path}: ${(cause as Error).message}`,
        { cause },
      );
    }
    paths.push(path);
  }
  return paths;
}
