/**
 * Finds and reads NLTK's Punkt parameters (`tokenizers/punkt_tab/<language>/`) where NLTK keeps
 * them, so that fmops splits sentences with the same model as `nltk.word_tokenize`. fmops does
 * not ship the parameters: users who run NLTK (or fmeval) already have them, and anyone can get
 * them with `python -m nltk.downloader punkt_tab`.
 *
 * The folders searched, in NLTK's order: an explicit path; each entry of `NLTK_DATA` (separated
 * by the platform's path delimiter); `~/nltk_data`; then the system locations NLTK searches
 * (`/usr/share/nltk_data`, `/usr/local/share/nltk_data`, `/usr/lib/nltk_data`,
 * `/usr/local/lib/nltk_data`, and `/usr/nltk_data` and `/usr/local/nltk_data`, where a Python
 * installed under `/usr` or `/usr/local` keeps its own; on Windows `%APPDATA%\nltk_data` and
 * `C:\`, `D:\`, `E:\nltk_data`).
 *
 * File access (node:fs) is confined to this loader.
 *
 * @module
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { z } from "zod";
import { FmopsError, parseOptions } from "../../core/index.js";
import { schemaFor } from "../../core/internal.js";
import { PunktSentenceTokenizer, type PunktTabFiles, parsePunktTab } from "./punkt.js";

/** Options of {@link loadPunkt} and `findPunktData`. */
export interface PunktDataOptions {
  /**
   * Where the parameters are: the language folder itself (the one holding `abbrev_types.txt`,
   * e.g. `~/nltk_data/tokenizers/punkt_tab/english`) or an NLTK data folder that has
   * `tokenizers/punkt_tab/<language>/`. When given, nothing else is searched and a folder
   * without the parameters throws `PUNKT_NOT_FOUND`.
   */
  path?: string;
  /** The model's language folder. Default `"english"`, the one `word_tokenize` uses. */
  language?: string;
}

/** Where `findPunktData` looked and what it found. */
export interface PunktDataLocation {
  /** The language folder holding the parameter files, when one was found. */
  path?: string;
  /** Every candidate language folder, in the order they were tried. */
  searched: string[];
}

/** The Punkt model METEOR uses by default, with where it came from. */
export interface DefaultPunkt {
  /** The tokenizer: NLTK's parameters, or none when they were not found (see `path`). */
  readonly tokenizer: PunktSentenceTokenizer;
  /** The folder the parameters were read from; undefined when they were not found. */
  readonly path?: string;
  /** The folders searched. */
  readonly searched: readonly string[];
}

const FILES: Record<keyof PunktTabFiles, string> = {
  abbrevTypes: "abbrev_types.txt",
  collocations: "collocations.tab",
  sentStarters: "sent_starters.txt",
  orthoContext: "ortho_context.tab",
};
const LANGUAGE_RE = /^[A-Za-z][A-Za-z_-]*$/;
const INSTALL_HINT =
  "Install NLTK's punkt_tab data (python -m nltk.downloader punkt_tab), set NLTK_DATA to the folder that holds tokenizers/punkt_tab, or pass its path";

/** An environment variable, or undefined where it is unset or may not be read (Deno). */
function envVar(name: string): string | undefined {
  try {
    const value = process.env[name];
    return value === "" ? undefined : value;
  } catch {
    return undefined;
  }
}

function home(): string | undefined {
  try {
    const dir = homedir();
    return dir === "" ? undefined : dir;
  } catch {
    return undefined;
  }
}

/** Python's `os.path.expanduser` for `~` and `~/...` (the forms NLTK_DATA entries use). */
function expandHome(path: string): string {
  if (path !== "~" && !path.startsWith("~/") && !path.startsWith("~\\")) return path;
  const dir = home();
  return dir === undefined ? path : join(dir, path.slice(1));
}

/**
 * The NLTK data folders NLTK 3.9 searches, in its order (`nltk.data.path`): `NLTK_DATA`'s
 * entries, `~/nltk_data`, then the platform's common locations. Read from the environment at
 * each call.
 */
export function nltkDataPath(): string[] {
  const dirs: string[] = [];
  for (const entry of (envVar("NLTK_DATA") ?? "").split(delimiter))
    if (entry !== "") dirs.push(expandHome(entry));
  const dir = home();
  if (dir !== undefined) dirs.push(join(dir, "nltk_data"));
  if (process.platform === "win32") {
    const appData = envVar("APPDATA") ?? "C:\\";
    dirs.push(join(appData, "nltk_data"), "C:\\nltk_data", "D:\\nltk_data", "E:\\nltk_data");
  } else {
    dirs.push(
      "/usr/nltk_data",
      "/usr/share/nltk_data",
      "/usr/lib/nltk_data",
      "/usr/local/nltk_data",
      "/usr/local/share/nltk_data",
      "/usr/local/lib/nltk_data",
    );
  }
  return [...new Set(dirs)];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const optionsSchema = schemaFor<PunktDataOptions>()(
  z
    .object({
      path: z.string().min(1).optional(),
      language: z
        .string()
        .regex(LANGUAGE_RE, 'must be a punkt_tab folder name such as "english"')
        .optional(),
    })
    .strict(),
);

function checked(options: PunktDataOptions): PunktDataOptions {
  return parseOptions(optionsSchema, options, "Punkt data options");
}

/**
 * Finds the folder holding the Punkt parameter files without reading them: `options.path`, or
 * the first `tokenizers/punkt_tab/<language>` folder under {@link nltkDataPath}.
 *
 * @example
 * ```ts
 * findPunktData(); // { path: "/home/me/nltk_data/tokenizers/punkt_tab/english", searched: [...] }
 * ```
 */
export function findPunktData(options: PunktDataOptions = {}): PunktDataLocation {
  const { path, language = "english" } = checked(options);
  const candidates =
    path === undefined
      ? nltkDataPath().map((root) => join(root, "tokenizers", "punkt_tab", language))
      : [expandHome(path), join(expandHome(path), "tokenizers", "punkt_tab", language)];
  for (const dir of candidates) {
    // An explicit path may be the language folder or a data root; a searched root must have the
    // language folder, as NLTK's find() requires.
    const ok = path === undefined ? isDirectory(dir) : existsSync(join(dir, FILES.abbrevTypes));
    if (ok) return { path: dir, searched: candidates };
  }
  return { searched: candidates };
}

function notFound(options: PunktDataOptions): FmopsError {
  const language = options.language ?? "english";
  const where =
    options.path === undefined
      ? `any NLTK data folder (${nltkDataPath().join(", ")})`
      : `${options.path} (neither the language folder nor an NLTK data folder that has it)`;
  return new FmopsError(
    "PUNKT_NOT_FOUND",
    `NLTK's Punkt parameters (tokenizers/punkt_tab/${language}) are not in ${where}. ${INSTALL_HINT}.`,
  );
}

function unreadable(dir: string, err: unknown): FmopsError {
  return new FmopsError(
    "PUNKT_PARAMETERS_INVALID",
    `Could not read the Punkt parameter files (${Object.values(FILES).join(", ")}) in ${dir}: reinstall NLTK's punkt_tab data (python -m nltk.downloader punkt_tab).`,
    { cause: err },
  );
}

function readSync(dir: string): PunktSentenceTokenizer {
  let files: PunktTabFiles;
  try {
    files = {
      abbrevTypes: readFileSync(join(dir, FILES.abbrevTypes), "utf8"),
      collocations: readFileSync(join(dir, FILES.collocations), "utf8"),
      sentStarters: readFileSync(join(dir, FILES.sentStarters), "utf8"),
      orthoContext: readFileSync(join(dir, FILES.orthoContext), "utf8"),
    };
  } catch (err) {
    throw unreadable(dir, err);
  }
  return new PunktSentenceTokenizer(parsePunktTab(files));
}

let defaultPunkt: DefaultPunkt | undefined;

/**
 * The Punkt model METEOR splits sentences with by default: NLTK's English parameters from the
 * first folder of NLTK's data path (`NLTK_DATA`, `~/nltk_data`, then the system folders NLTK
 * searches) that has them, read on first use and kept for the
 * process. When none has them, the tokenizer has no parameters, `path` is undefined, and one
 * warning (the first time only) says what to install. A folder that is found but cannot be read
 * or parsed throws `PUNKT_PARAMETERS_INVALID` rather than scoring with part of the model.
 */
export function getDefaultPunkt(): DefaultPunkt {
  if (defaultPunkt !== undefined) return defaultPunkt;
  const location = findPunktData();
  if (location.path !== undefined) {
    defaultPunkt = {
      tokenizer: readSync(location.path),
      path: location.path,
      searched: location.searched,
    };
  } else {
    defaultPunkt = { tokenizer: new PunktSentenceTokenizer(), searched: location.searched };
    // Once per process: the model is cached, so this branch runs once.
    console.warn(
      `fmops: ${notFound({}).message} Until then METEOR splits sentences with Punkt without parameters: abbreviations such as "Dr." or "e.g." end a sentence there, so a few scores differ from NLTK's and fmeval's. getDefaultPunkt() and meteorScoreDetails() report which model was used.`,
    );
  }
  return defaultPunkt;
}

/**
 * Reads Punkt parameters into a tokenizer: from `options.path`, or from the first folder of
 * NLTK's data path that has them (see {@link getDefaultPunkt}). Throws `PUNKT_NOT_FOUND` when there are none and
 * `PUNKT_PARAMETERS_INVALID` when the files cannot be read or parsed. Called without a path
 * or language, it also becomes the default model of METEOR (unless one was already loaded).
 *
 * @example
 * ```ts
 * const punkt = await loadPunkt({ path: "/opt/nltk_data" });
 * meteorScore(reference, candidate, { punkt });
 * ```
 */
export async function loadPunkt(options: PunktDataOptions = {}): Promise<PunktSentenceTokenizer> {
  checked(options);
  const location = findPunktData(options);
  const dir = location.path;
  if (dir === undefined) throw notFound(options);
  let files: PunktTabFiles;
  try {
    const [abbrevTypes, collocations, sentStarters, orthoContext] = await Promise.all(
      [FILES.abbrevTypes, FILES.collocations, FILES.sentStarters, FILES.orthoContext].map((f) =>
        readFile(join(dir, f), "utf8"),
      ),
    );
    files = {
      abbrevTypes: abbrevTypes as string,
      collocations: collocations as string,
      sentStarters: sentStarters as string,
      orthoContext: orthoContext as string,
    };
  } catch (err) {
    throw unreadable(dir, err);
  }
  const tokenizer = new PunktSentenceTokenizer(parsePunktTab(files));
  if (options.path === undefined && options.language === undefined)
    defaultPunkt ??= { tokenizer, path: dir, searched: location.searched };
  return tokenizer;
}
