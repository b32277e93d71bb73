/**
 * Loads a folder of prompt files into a {@link PromptCatalog} (Node file system). Kept apart from
 * the rest of the module, which is web-standard: only this file imports `node:fs`, and
 * `fmops/prompts` imports it lazily from {@link loadPromptFolder}.
 *
 * @module
 */
import { open, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { PromptCatalog } from "./catalog.js";
import { PromptFileError } from "./errors.js";
import {
  MAX_PROMPT_FILE_CHARS,
  type PromptFile,
  parsePromptFile,
  registerPromptFiles,
} from "./parse-file.js";

/** File extensions read as prompts. */
export const PROMPT_FILE_EXTENSIONS = [".yaml", ".yml", ".md"] as const;

/** Options for `loadPromptFolder` (exported from `fmops/prompts`). */
export interface LoadPromptFolderOptions {
  /** Add to this catalog instead of a new one. */
  catalog?: PromptCatalog;
  /** Look into sub-folders too. Default `true`. */
  recursive?: boolean;
}

// `parentPath` arrived in Node 20.12; earlier 20.x releases call it `path`.
function parentOf(entry: object, fallback: string): string {
  const e = entry as { parentPath?: string; path?: string };
  return e.parentPath ?? e.path ?? fallback;
}

/** Every prompt file under `dir`, as paths relative to it with `/` separators, sorted. */
export async function listPromptFiles(dir: string, recursive = true): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { recursive, withFileTypes: true }))
      .filter(
        (e) => e.isFile() && PROMPT_FILE_EXTENSIONS.some((x) => e.name.toLowerCase().endsWith(x)),
      )
      .map((e) =>
        relative(dir, join(parentOf(e, dir), e.name))
          .split(sep)
          .join("/"),
      );
  } catch (err) {
    throw new PromptFileError(
      dir,
      undefined,
      `cannot read the prompt folder: ${(err as Error).message}`,
      { cause: err },
    );
  }
  // Code-unit order, not locale order: the same on every machine.
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Reads one prompt file as UTF-8, refusing one over {@link MAX_PROMPT_FILE_CHARS} bytes by its
 * size, so a huge file is never read whole; the error names the line where the limit is crossed.
 */
async function readPromptText(path: string): Promise<string> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (size <= MAX_PROMPT_FILE_CHARS) return await handle.readFile("utf8");
    const head = new Uint8Array(MAX_PROMPT_FILE_CHARS);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    let line = 1;
    for (let i = 0; i < bytesRead; i++) if (head[i] === 0x0a) line++;
    throw new PromptFileError(
      path,
      line,
      `the file is too large: ${size} bytes, over the ${MAX_PROMPT_FILE_CHARS}-byte limit for prompt files, which it crosses on this line. Keep one prompt per file and move long reference text out of the prompt.`,
    );
  } finally {
    await handle.close();
  }
}

/**
 * Reads every `.yaml`, `.yml` and `.md` prompt file under `dir` (sorted by path, so loading is
 * deterministic) and registers them. Throws `PROMPT_FILE_ERROR` naming the file and line of the
 * first malformed file; nothing is registered then.
 *
 * @example
 * ```ts
 * const catalog = await readPromptFolder("prompts/");
 * const request = catalog.render("support.reply", { customer: "Ada", question: "..." });
 * ```
 */
export async function readPromptFolder(
  dir: string,
  options: LoadPromptFolderOptions = {},
): Promise<PromptCatalog> {
  const files = await listPromptFiles(dir, options.recursive ?? true);
  const parsed: PromptFile[] = [];
  // Read in bounded batches: thousands of files should not open thousands of handles at once.
  const BATCH = 64;
  for (let i = 0; i < files.length; i += BATCH) {
    const batch = files.slice(i, i + BATCH);
    const texts = await Promise.all(
      batch.map(async (name) => {
        try {
          return await readPromptText(join(dir, name));
        } catch (err) {
          if (err instanceof PromptFileError) throw err;
          throw new PromptFileError(
            join(dir, name),
            undefined,
            `cannot read: ${(err as Error).message}`,
            { cause: err },
          );
        }
      }),
    );
    batch.forEach((name, n) => {
      parsed.push(parsePromptFile(join(dir, name), texts[n] as string));
    });
  }
  const catalog = options.catalog ?? new PromptCatalog();
  registerPromptFiles(catalog, parsed);
  return catalog;
}
