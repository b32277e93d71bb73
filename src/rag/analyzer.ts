/**
 * An English text analyzer equivalent to Lucene's `EnglishAnalyzer` (the analyzer OpenSearch
 * uses for `"analyzer": "english"`): Unicode word tokenization in the spirit of
 * `StandardTokenizer` (UAX #29), English possessive removal, lowercasing, Lucene's English stop
 * words, and the original Porter stemmer (Lucene's `PorterStemFilter`).
 *
 * @module
 */
import { stemmer } from "stemmer";

/**
 * Lucene's `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET` (33 words), the default stop set of
 * OpenSearch's `english` analyzer.
 */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set([
  "a",
  "an",
  "and",
  "are",
  "as",
  "at",
  "be",
  "but",
  "by",
  "for",
  "if",
  "in",
  "into",
  "is",
  "it",
  "no",
  "not",
  "of",
  "on",
  "or",
  "such",
  "that",
  "the",
  "their",
  "then",
  "there",
  "these",
  "they",
  "this",
  "to",
  "was",
  "will",
  "with",
]);

/** Turns text into the terms an index stores and a query looks up. */
export type Analyzer = (text: string) => string[];

/** Lucene's StandardTokenizer default maximum token length; longer runs are cut. */
const MAX_TOKEN_LENGTH = 255;

// Han, Hiragana and Thai-like scripts: UAX #29 gives each ideograph its own token.
const IDEOGRAPHIC = /[\p{Script=Han}\p{Script=Hiragana}]/u;
const WORD_CHAR = /[\p{L}\p{M}\p{N}\p{Pc}]/u;
const LETTER = /[\p{L}\p{M}]/u;
const DIGIT = /\p{N}/u;
// UAX #29 MidLetter / MidNumLet / MidNum: join letters (a.b, don't) or digits (3.14, 1,000).
const MID_LETTER = new Set([
  ":",
  "\u00b7",
  "\u0387",
  "\u05f4",
  "\u2027",
  "\ufe13",
  "\ufe55",
  "\uff1a",
]);
const MID_NUM_LET = new Set([".", "'", "\u2018", "\u2019", "\u2024", "\ufe52", "\uff07", "\uff0e"]);
const MID_NUM = new Set([
  ",",
  ";",
  "\u037e",
  "\u0589",
  "\u060c",
  "\u060d",
  "\u066c",
  "\u07f8",
  "\u2044",
  "\ufe10",
  "\ufe14",
  "\ufe50",
  "\ufe54",
  "\uff0c",
  "\uff1b",
]);

// Character classes as bit flags, so the tokenizer tests a code point once.
const WORD = 1;
const IDEO = 2;
const LET = 4;
const DIG = 8;
const MID_L = 16; // joins letters: MID_LETTER or MID_NUM_LET
const MID_N = 32; // joins digits: MID_NUM or MID_NUM_LET

function classifySlow(c: string): number {
  let flags = 0;
  if (IDEOGRAPHIC.test(c)) flags |= IDEO;
  if (WORD_CHAR.test(c)) flags |= WORD;
  if (LETTER.test(c)) flags |= LET;
  if (DIGIT.test(c)) flags |= DIG;
  if (MID_LETTER.has(c) || MID_NUM_LET.has(c)) flags |= MID_L;
  if (MID_NUM.has(c) || MID_NUM_LET.has(c)) flags |= MID_N;
  return flags;
}

// ASCII is classified once up front; other code points on first sight (memo, bounded).
const ASCII_FLAGS = Uint8Array.from({ length: 128 }, (_, i) =>
  classifySlow(String.fromCharCode(i)),
);
const otherFlags = new Map<number, number>();

function classify(cp: number): number {
  if (cp < 128) return ASCII_FLAGS[cp] as number;
  let flags = otherFlags.get(cp);
  if (flags === undefined) {
    flags = classifySlow(String.fromCodePoint(cp));
    if (otherFlags.size < 100_000) otherFlags.set(cp, flags);
  }
  return flags;
}

/**
 * Splits text into word tokens following the UAX #29 word-boundary rules that matter for
 * search: runs of letters, digits and connector punctuation (`foo_bar`) form one token; a
 * period, apostrophe or colon between two letters joins them (`U.S.A`, `don't`); a period,
 * comma or semicolon between two digits joins them (`3.14`, `1,000`); each Han or Hiragana
 * character is its own token; everything else separates tokens. Case is kept.
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  // The current token is the slice text[start, end): tokens are contiguous in the text.
  let start = -1;
  let end = -1;
  const flush = () => {
    if (start >= 0) {
      const token = text.slice(start, end);
      tokens.push(token.length > MAX_TOKEN_LENGTH ? token.slice(0, MAX_TOKEN_LENGTH) : token);
      start = -1;
    }
  };
  let prevFlags = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    const flags = classify(cp);
    if ((flags & IDEO) !== 0) {
      flush();
      tokens.push(text.slice(i, i + width));
    } else if ((flags & WORD) !== 0) {
      if (start < 0) start = i;
      end = i + width;
    } else {
      let joined = false;
      if (start >= 0 && i + width < text.length) {
        const next = classify(text.codePointAt(i + width) as number);
        if ((next & IDEO) === 0) {
          const letters = (prevFlags & LET) !== 0 && (next & LET) !== 0;
          const digits = (prevFlags & DIG) !== 0 && (next & DIG) !== 0;
          joined = (letters && (flags & MID_L) !== 0) || (digits && (flags & MID_N) !== 0);
        }
      }
      if (joined) end = i + width;
      else flush();
    }
    prevFlags = flags;
    i += width;
  }
  flush();
  return tokens;
}

/**
 * Lucene's `EnglishPossessiveFilter`: removes a trailing `'s` (with `'`, `\u2019` or `\uff07`,
 * any case) from a token.
 */
export function removePossessive(token: string): string {
  const n = token.length;
  if (n >= 2) {
    const last = token[n - 1];
    const apostrophe = token[n - 2];
    if (
      (last === "s" || last === "S") &&
      (apostrophe === "'" || apostrophe === "\u2019" || apostrophe === "\uff07")
    ) {
      return token.slice(0, n - 2);
    }
  }
  return token;
}

/**
 * The Porter stemmer as Lucene's `PorterStemFilter` applies it: words of one or two characters
 * are left alone, others go through Martin Porter's original algorithm (with the "bli" -> "ble"
 * and "logi" -> "log" departures of his reference implementation, which Lucene also has).
 *
 * It is not the stemmer of `fmops/evaluation` (`nltkPorterStem`, NLTK's extended variant): the two
 * disagree on some words ("dying" is `dy` here, `die` there), and each must match its own
 * reference, Lucene for BM25 scores and NLTK for ROUGE and METEOR.
 */
export function lucenePorterStem(term: string): string {
  // Like Lucene, any other character (digit, accented letter) simply counts as a consonant.
  if (term.length < 3) return term;
  return stemmer(term);
}

/** Options for {@link englishAnalyzer}. */
export interface EnglishAnalyzerOptions {
  /** Stop words to drop (after lowercasing). Default {@link ENGLISH_STOP_WORDS}. */
  stopWords?: ReadonlySet<string> | readonly string[];
  /** Apply the Porter stemmer. Default true. */
  stem?: boolean;
}

/**
 * Builds the English analyzer: {@link tokenize}, {@link removePossessive}, lowercase, drop stop
 * words, {@link lucenePorterStem}, in Lucene's order.
 *
 * @example
 * ```ts
 * englishAnalyzer()("The Runner's shoes were running"); // ["runner", "shoe", "were", "run"]
 * ```
 */
export function englishAnalyzer(options: EnglishAnalyzerOptions = {}): Analyzer {
  const stop =
    options.stopWords === undefined
      ? ENGLISH_STOP_WORDS
      : new Set([...options.stopWords].map((w) => w.toLowerCase()));
  const stem = options.stem ?? true;
  const cache = new Map<string, string>();
  return (text) => {
    const out: string[] = [];
    for (const raw of tokenize(text)) {
      const lower = removePossessive(raw).toLowerCase();
      if (lower.length === 0 || stop.has(lower)) continue;
      if (!stem) {
        out.push(lower);
        continue;
      }
      let stemmed = cache.get(lower);
      if (stemmed === undefined) {
        stemmed = lucenePorterStem(lower);
        // A bounded memo: stemming dominates indexing time and vocabularies repeat.
        if (cache.size < 200_000) cache.set(lower, stemmed);
      }
      out.push(stemmed);
    }
    return out;
  };
}
