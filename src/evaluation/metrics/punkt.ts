/**
 * The Punkt sentence tokenizer (Kiss & Strunk 2006) as NLTK 3.8-3.9.1 applies a trained model:
 * `PunktSentenceTokenizer(params).tokenize(text)`, which is what `nltk.word_tokenize` runs before
 * it splits words. Only the tokenizing half is here; the parameters (abbreviations, collocations,
 * frequent sentence starters, orthographic contexts) are learned data that NLTK users download as
 * `punkt_tab`, read by {@link parsePunktTab} (and found on disk by `punkt-data.ts`).
 *
 * How a text is split:
 * 1. Every `.`, `?` or `!` followed by one of Punkt's non-word characters, or by whitespace and
 *    another token, is a candidate break. Its context is the word before it (back to the last
 *    whitespace), the mark itself and what follows it.
 * 2. The context is split into Punkt's word tokens and annotated: a first pass marks sentence
 *    marks and words ending in a period as breaks unless they are known abbreviations or
 *    ellipses; a second pass revisits each period-final word with the word after it
 *    (collocations, the orthographic heuristic, frequent sentence starters, initials and
 *    ordinals). The candidate is a break when some token other than the last is one.
 * 3. Closing quotes and brackets right after a break move back to the sentence they close.
 *
 * Pure string work: no I/O, so it runs wherever fmops runs.
 *
 * @module
 */
import { FmopsError, ValidationError } from "../../core/index.js";
import { rejectUnknownOptions } from "../../core/internal.js";
import { isPyWhitespace, PY_WHITESPACE } from "./pytext.js";

/**
 * Orthographic context flags, as stored in `ortho_context.tab`: where (sentence start, middle,
 * unknown position) and with which case (upper, lower) a word type was seen in training.
 */
export const PUNKT_ORTHO = {
  /** Seen first in a sentence, upper case. */
  BEG_UC: 1 << 1,
  /** Seen inside a sentence, upper case. */
  MID_UC: 1 << 2,
  /** Seen at an unknown position, upper case. */
  UNK_UC: 1 << 3,
  /** Seen first in a sentence, lower case. */
  BEG_LC: 1 << 4,
  /** Seen inside a sentence, lower case. */
  MID_LC: 1 << 5,
  /** Seen at an unknown position, lower case. */
  UNK_LC: 1 << 6,
} as const;

const ORTHO_UC = PUNKT_ORTHO.BEG_UC | PUNKT_ORTHO.MID_UC | PUNKT_ORTHO.UNK_UC;
const ORTHO_LC = PUNKT_ORTHO.BEG_LC | PUNKT_ORTHO.MID_LC | PUNKT_ORTHO.UNK_LC;

/**
 * The learned data of a Punkt model. Types are lowercased tokens, with numbers written
 * `##number##`; abbreviations and collocation first words are written without their final period.
 */
export interface PunktParameters {
  /** Known abbreviations, e.g. `"dr"`, `"u.s"`, `"e.g"`. */
  abbrevTypes?: Iterable<string>;
  /** Word pairs across a period that is not a break, e.g. `["##number##", "billion"]`. */
  collocations?: Iterable<readonly [string, string]>;
  /** Words that often start a sentence after an abbreviation, e.g. `"however"`. */
  sentStarters?: Iterable<string>;
  /** Orthographic contexts per type: a sum of `PUNKT_ORTHO` flags (a `Map` works too). */
  orthoContext?: Iterable<readonly [string, number]>;
}

// Typed by the interface, so the compiler keeps this list and the interface in step.
const KNOWN_PARAMETERS: Record<keyof PunktParameters, true> = {
  abbrevTypes: true,
  collocations: true,
  sentStarters: true,
  orthoContext: true,
};

/** The contents of the four `punkt_tab` files of one language. */
export interface PunktTabFiles {
  /** `abbrev_types.txt`: one abbreviation type a line. */
  abbrevTypes: string;
  /** `collocations.tab`: two types a line, separated by a tab. */
  collocations: string;
  /** `sent_starters.txt`: one type a line. */
  sentStarters: string;
  /** `ortho_context.tab`: a type and its flags (a decimal integer), separated by a tab. */
  orthoContext: string;
}

/**
 * A file's lines as Python's text-mode file iteration gives them after NLTK drops each final
 * `"\n"`: universal newlines (`\r\n` and `\r` read as `\n`), no empty line after a final
 * newline, and nothing else stripped.
 */
function fileLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function invalid(file: string, line: number, what: string): FmopsError {
  return new FmopsError(
    "PUNKT_PARAMETERS_INVALID",
    `Punkt parameter file ${file}, line ${line}: ${what}. Reinstall NLTK's punkt_tab data (python -m nltk.downloader punkt_tab) or fix the file.`,
  );
}

/**
 * Reads Punkt parameters from the text of NLTK's `punkt_tab` files, as NLTK's
 * `load_punkt_params` does. A malformed `ortho_context.tab` line (no tab, or flags that are not
 * an integer) throws `PUNKT_PARAMETERS_INVALID`, where NLTK raises too.
 *
 * @example
 * ```ts
 * const params = parsePunktTab({
 *   abbrevTypes: "dr\nu.s", collocations: "", sentStarters: "however", orthoContext: "smith\t2",
 * });
 * new PunktSentenceTokenizer(params).tokenize("Dr. Smith left. However, I stayed.");
 * // ["Dr. Smith left.", "However, I stayed."]
 * ```
 */
export function parsePunktTab(files: PunktTabFiles): PunktParameters {
  const collocations: [string, string][] = [];
  for (const line of fileLines(files.collocations)) {
    const parts = line.split("\t");
    // NLTK keeps any tuple; only pairs can ever match a (word, next word) lookup.
    if (parts.length === 2) collocations.push([parts[0] as string, parts[1] as string]);
  }
  const orthoContext: [string, number][] = [];
  fileLines(files.orthoContext).forEach((line, i) => {
    const parts = line.split("\t");
    if (parts.length !== 2)
      throw invalid("ortho_context.tab", i + 1, "expected a type, a tab and its flags");
    const flags = (parts[1] as string).trim();
    if (!/^[+-]?\d+$/.test(flags))
      throw invalid("ortho_context.tab", i + 1, "the flags are not an integer");
    orthoContext.push([parts[0] as string, Number.parseInt(flags, 10)]);
  });
  return {
    abbrevTypes: fileLines(files.abbrevTypes),
    collocations,
    sentStarters: fileLines(files.sentStarters),
    orthoContext,
  };
}

// Python's \s and \S for str patterns.
const S = `[${PY_WHITESPACE}]`;
const NS = `[^${PY_WHITESPACE}]`;
// Characters that cannot appear inside a word (PunktLanguageVars._re_non_word_chars).
const NON_WORD_CHARS = ")\";}]*:@'({[?!";
const NON_WORD = "[)\";}\\]*:@'({\\[?!]";
// Hyphen runs and ellipses are tokens of their own (_re_multi_char_punct).
const MULTI_CHAR = `(?:-{2,}|\\.{2,}|(?:\\.${S}){2,}\\.)`;
// Characters that cannot start a word token (_re_word_start).
const WORD_START = '[^("`{\\[:;&#*@)}\\]\\-,]';
// Python's $ without MULTILINE: the end, or just before a final newline.
const END = "(?=\\n?$)";
/**
 * Punkt's own word tokenizer, which splits off punctuation but leaves periods on their words:
 * a multi-character mark, or a word that runs lazily up to whitespace, the end, a non-word
 * character, a multi-character mark or a word-final comma, or any other single character.
 */
const PUNKT_WORD = new RegExp(
  `${MULTI_CHAR}|(?=${WORD_START})${NS}+?(?=${S}|${END}|${NON_WORD}|${MULTI_CHAR}|,(?=${END}|${S}|${NON_WORD}|${MULTI_CHAR}))|${NS}`,
  "gu",
);
const ELLIPSIS = /^\.\.+$/u;
const NUMERIC = /^-?[.,]?\p{Nd}[\p{Nd},.-]*\.?$/u;
// One letter and a period: Python's [^\W\d] is \w without the decimal digits.
const INITIAL = /^[\p{L}\p{Nl}\p{No}_]\.$/u;
const UPPER = /^\p{Uppercase}/u;
const LOWER = /^\p{Lowercase}/u;
// Sentences do not start with these (PunktSentenceTokenizer.PUNCTUATION).
const PUNCTUATION = new Set([";", ":", ",", ".", "!", "?"]);
const SENT_END = new Set([".", "?", "!"]);
const SENT_END_RE = /[.?!]/g;
/** Closing marks that belong to the sentence before a break (re_boundary_realignment). */
const REALIGN = new RegExp(`^["')\\]}]+?(?:${S}+|(?=--)|(?=\\n)|$)`, "u");

/** `string.whitespace`: the ASCII whitespace NLTK looks for when it finds the word before a mark. */
function isAsciiWhitespace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** One Punkt word token with its annotations. */
interface Token {
  readonly tok: string;
  /** Lowercased, numbers as `##number##`. */
  readonly type: string;
  readonly periodFinal: boolean;
  sentbreak: boolean;
  abbr: boolean;
  ellipsis: boolean;
}

function token(tok: string): Token {
  const lower = tok.toLowerCase();
  return {
    tok,
    type: NUMERIC.test(lower) ? "##number##" : lower,
    periodFinal: tok.endsWith("."),
    sentbreak: false,
    abbr: false,
    ellipsis: false,
  };
}

function typeNoPeriod(t: Token): string {
  return t.type.length > 1 && t.type.endsWith(".") ? t.type.slice(0, -1) : t.type;
}

function typeNoSentPeriod(t: Token): string {
  return t.sentbreak ? typeNoPeriod(t) : t.type;
}

function firstChar(tok: string): string {
  return String.fromCodePoint(tok.codePointAt(0) as number);
}

/** The entries of one parameter, checked: an iterable (not a string) of `check`ed values. */
function entries<T>(
  value: unknown,
  field: string,
  what: string,
  check: (v: unknown) => boolean,
): T[] {
  if (value === undefined) return [];
  const iterable =
    typeof value === "object" && value !== null && Symbol.iterator in (value as object);
  const list = iterable ? [...(value as Iterable<unknown>)] : undefined;
  const bad = list === undefined ? -1 : list.findIndex((v) => !check(v));
  if (list === undefined || bad >= 0) {
    const where = list === undefined ? "" : ` (entry ${bad})`;
    throw new ValidationError(
      `Invalid Punkt parameters: ${field} must be ${what}${where}. parsePunktTab() builds them from NLTK's punkt_tab files.`,
      [{ path: field, message: `must be ${what}` }],
    );
  }
  return list as T[];
}

const isString = (v: unknown): boolean => typeof v === "string";
const isPair = (v: unknown): boolean =>
  Array.isArray(v) && v.length === 2 && isString(v[0]) && isString(v[1]);
const isOrtho = (v: unknown): boolean =>
  Array.isArray(v) && v.length === 2 && isString(v[0]) && Number.isInteger(v[1]);

/** One candidate break: the mark's position and where the token after it starts, if any. */
interface Candidate {
  /** Index of the `.`, `?` or `!`. */
  readonly index: number;
  /** The text after the mark that the lookahead saw (a non-word character, or spaces + token). */
  readonly after: string;
  /** Where that following token starts, or -1 when a non-word character follows. */
  readonly nextTokenStart: number;
}

/**
 * A Punkt sentence tokenizer with fixed parameters. Without parameters it still splits at
 * sentence marks, keeps initials ("J. Bach") and ordinals before lower-case words together, and
 * treats every other word ending in a period as a sentence end.
 *
 * @example
 * ```ts
 * const punkt = new PunktSentenceTokenizer({ abbrevTypes: ["st"] });
 * punkt.tokenize("We met on St. Mark's Square. It rained.");
 * // ["We met on St. Mark's Square.", "It rained."]
 * ```
 */
export class PunktSentenceTokenizer {
  readonly #abbrevTypes: ReadonlySet<string>;
  readonly #collocations: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #sentStarters: ReadonlySet<string>;
  readonly #orthoContext: ReadonlyMap<string, number>;

  /**
   * @param parameters - The model; nothing given means no parameters (see the class note).
   *   Each field is an array, a `Set` (a `Map` for `orthoContext`) or another iterable; an
   *   entry of the wrong shape throws `VALIDATION_ERROR` naming the field.
   */
  constructor(parameters: PunktParameters = {}) {
    rejectUnknownOptions(parameters, KNOWN_PARAMETERS, "PunktSentenceTokenizer parameters");
    const p = parameters as Record<keyof PunktParameters, unknown>;
    this.#abbrevTypes = new Set(
      entries<string>(p.abbrevTypes, "abbrevTypes", "an iterable of strings", isString),
    );
    this.#sentStarters = new Set(
      entries<string>(p.sentStarters, "sentStarters", "an iterable of strings", isString),
    );
    const collocations = new Map<string, Set<string>>();
    const pairs = entries<[string, string]>(
      p.collocations,
      "collocations",
      "an iterable of [first, second] string pairs",
      isPair,
    );
    for (const [first, second] of pairs) {
      const seconds = collocations.get(first) ?? new Set<string>();
      seconds.add(second);
      collocations.set(first, seconds);
    }
    this.#collocations = collocations;
    // Later entries win, as in NLTK's dict.
    this.#orthoContext = new Map(
      entries<[string, number]>(
        p.orthoContext,
        "orthoContext",
        "an iterable of [type, integer flags] pairs",
        isOrtho,
      ),
    );
  }

  /** True when every parameter set is empty (the fallback model). */
  get isEmpty(): boolean {
    return (
      this.#abbrevTypes.size === 0 &&
      this.#collocations.size === 0 &&
      this.#sentStarters.size === 0 &&
      this.#orthoContext.size === 0
    );
  }

  /**
   * The sentences of `text`, as NLTK's `PunktSentenceTokenizer.tokenize(text)`: slices of the
   * text (inner whitespace and newlines kept), without the whitespace between them or at the end.
   */
  tokenize(text: string, options: { realignBoundaries?: boolean } = {}): string[] {
    return this.spanTokenize(text, options).map(([start, end]) => text.slice(start, end));
  }

  /**
   * The `[start, end)` spans (UTF-16 indices) of the sentences of `text`, as NLTK's
   * `span_tokenize`. `realignBoundaries` (default true) moves closing quotes and brackets that
   * follow a break into the sentence before it.
   */
  spanTokenize(
    text: string,
    options: { realignBoundaries?: boolean } = {},
  ): [start: number, end: number][] {
    const slices = this.#slices(text);
    return options.realignBoundaries === false ? slices : realign(text, slices);
  }

  /** Sentence slices before realignment (`_slices_from_text`). */
  #slices(text: string): [number, number][] {
    const out: [number, number][] = [];
    let lastBreak = 0;
    for (const [candidate, context] of potentialEndContexts(text)) {
      if (this.#containsSentbreak(context)) {
        out.push([lastBreak, candidate.index + 1]);
        // The next sentence starts at the following token, or right after the mark.
        lastBreak = candidate.nextTokenStart >= 0 ? candidate.nextTokenStart : candidate.index + 1;
      }
    }
    let end = text.length;
    while (end > 0 && isPyWhitespace(text.charCodeAt(end - 1))) end--;
    out.push([lastBreak, end]);
    return out;
  }

  /** True when a token other than the last of `context` ends a sentence. */
  #containsSentbreak(context: string): boolean {
    const tokens = punktWords(context);
    for (const t of tokens) this.#firstPass(t);
    for (let i = 0; i < tokens.length - 1; i++) {
      const t = tokens[i] as Token;
      this.#secondPass(t, tokens[i + 1] as Token);
      if (t.sentbreak) return true;
    }
    return false;
  }

  /** Decisions from the token alone: sentence marks, ellipses, abbreviations. */
  #firstPass(t: Token): void {
    const tok = t.tok;
    if (SENT_END.has(tok)) t.sentbreak = true;
    else if (ELLIPSIS.test(tok)) t.ellipsis = true;
    else if (t.periodFinal && !tok.endsWith("..")) {
      const word = tok.slice(0, -1).toLowerCase();
      const lastPart = word.slice(word.lastIndexOf("-") + 1);
      if (this.#abbrevTypes.has(word) || this.#abbrevTypes.has(lastPart)) t.abbr = true;
      else t.sentbreak = true;
    }
  }

  /** Revisits a period-final token in the light of the token after it. */
  #secondPass(t: Token, next: Token): void {
    if (!t.periodFinal) return;
    const typ = typeNoPeriod(t);
    const nextTyp = typeNoSentPeriod(next);
    const isInitial = INITIAL.test(t.tok);

    // A known collocation across the period: not a break.
    if (this.#collocations.get(typ)?.has(nextTyp)) {
      t.sentbreak = false;
      t.abbr = true;
      return;
    }
    // An abbreviation or ellipsis may still end a sentence when the next word says so.
    if ((t.abbr || t.ellipsis) && !isInitial) {
      if (this.#orthoHeuristic(next) === true) {
        t.sentbreak = true;
        return;
      }
      if (UPPER.test(firstChar(next.tok)) && this.#sentStarters.has(nextTyp)) {
        t.sentbreak = true;
        return;
      }
    }
    // Initials and ordinals are abbreviations unless the next word looks like a sentence start.
    if (isInitial || typ === "##number##") {
      const starter = this.#orthoHeuristic(next);
      if (starter === false) {
        t.sentbreak = false;
        t.abbr = true;
        return;
      }
      // "J. Bach": an initial before a word never seen in lower case.
      if (
        starter === "unknown" &&
        isInitial &&
        UPPER.test(firstChar(next.tok)) &&
        ((this.#orthoContext.get(nextTyp) ?? 0) & ORTHO_LC) === 0
      ) {
        t.sentbreak = false;
        t.abbr = true;
      }
    }
  }

  /** Whether the orthography of `t` says it starts a sentence: true, false or "unknown". */
  #orthoHeuristic(t: Token): boolean | "unknown" {
    if (PUNCTUATION.has(t.tok)) return false;
    const ortho = this.#orthoContext.get(typeNoSentPeriod(t)) ?? 0;
    const first = firstChar(t.tok);
    // Capitalised here, seen in lower case, never capitalised inside a sentence: a sentence start.
    if (UPPER.test(first) && (ortho & ORTHO_LC) !== 0 && (ortho & PUNKT_ORTHO.MID_UC) === 0)
      return true;
    // Lower case here, and seen capitalised or never seen starting a sentence in lower case.
    if (LOWER.test(first) && ((ortho & ORTHO_UC) !== 0 || (ortho & PUNKT_ORTHO.BEG_LC) === 0))
      return false;
    return "unknown";
  }
}

/** Punkt's word tokens of `text`, line by line (`_tokenize_words`). */
function punktWords(text: string): Token[] {
  const tokens: Token[] = [];
  // Blank lines hold no tokens (NLTK only records them as paragraph starts).
  for (const line of text.includes("\n") ? text.split("\n") : [text]) {
    PUNKT_WORD.lastIndex = 0;
    for (let m = PUNKT_WORD.exec(line); m !== null; m = PUNKT_WORD.exec(line))
      tokens.push(token(m[0]));
  }
  return tokens;
}

/** Every `.`, `?` or `!` followed by a non-word character, or by whitespace and a token. */
function candidates(text: string): Candidate[] {
  const out: Candidate[] = [];
  SENT_END_RE.lastIndex = 0;
  for (let mark = SENT_END_RE.exec(text); mark !== null; mark = SENT_END_RE.exec(text)) {
    const i = mark.index;
    const next = text[i + 1];
    if (next === undefined) break;
    if (NON_WORD_CHARS.includes(next)) {
      out.push({ index: i, after: next, nextTokenStart: -1 });
      continue;
    }
    let j = i + 1;
    while (j < text.length && isPyWhitespace(text.charCodeAt(j))) j++;
    if (j === i + 1 || j === text.length) continue;
    let k = j;
    while (k < text.length && !isPyWhitespace(text.charCodeAt(k))) k++;
    out.push({ index: i, after: text.slice(i + 1, k), nextTokenStart: j });
  }
  return out;
}

/**
 * The candidates with their decision contexts (`_match_potential_end_contexts`): the word before
 * each mark starts after the last ASCII whitespace since the previous mark's word. When a run of
 * marks ("!!!", "?!") shares a word, only its last mark is kept, with the whole run in context.
 */
function potentialEndContexts(text: string): [Candidate, string][] {
  const out: [Candidate, string][] = [];
  let prevStart = 0;
  let prevStop = 0;
  let prev: Candidate | undefined;
  for (const c of candidates(text)) {
    let lastSpace = -1;
    for (let i = c.index - 1; i >= prevStop; i--) {
      if (isAsciiWhitespace(text.charCodeAt(i))) {
        lastSpace = i - prevStop;
        break;
      }
    }
    // NLTK's helper answers 0 both for "no whitespace" and "whitespace first": both mean the
    // word starts where the previous one did.
    const wordStart = lastSpace > 0 ? prevStop + lastSpace + 1 : prevStart;
    if (prev !== undefined && prevStop <= wordStart)
      out.push([prev, context(text, prevStart, prevStop, prev)]);
    prev = c;
    prevStart = wordStart;
    prevStop = c.index;
  }
  if (prev !== undefined) out.push([prev, context(text, prevStart, prevStop, prev)]);
  return out;
}

function context(text: string, start: number, stop: number, c: Candidate): string {
  return text.slice(start, stop) + (text[c.index] as string) + c.after;
}

/** Moves closing quotes and brackets after a break into the sentence before it. */
function realign(text: string, slices: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let shift = 0;
  for (let i = 0; i < slices.length; i++) {
    const [s1, e1] = slices[i] as [number, number];
    const start = s1 + shift;
    const following = slices[i + 1];
    if (following === undefined) {
      if (start < e1) out.push([start, e1]);
      continue;
    }
    const [s2, e2] = following;
    const m = REALIGN.exec(text.slice(s2, Math.max(s2, e2)));
    if (m !== null) {
      let kept = m[0].length;
      while (kept > 0 && isPyWhitespace(m[0].charCodeAt(kept - 1))) kept--;
      out.push([start, s2 + kept]);
      shift = m[0].length;
    } else {
      shift = 0;
      if (start < e1) out.push([start, e1]);
    }
  }
  return out;
}
