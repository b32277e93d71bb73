/**
 * NLTK's `word_tokenize` word splitter (the improved Treebank tokenizer, `NLTKWordTokenizer`,
 * NLTK 3.8), ported rule by rule. Python's `re` is Unicode-aware by default, so `\w`, `\d`, `\s`,
 * `\b` and `$` are spelled out here with the meaning CPython gives them.
 *
 * Sentence splitting: `nltk.word_tokenize(text)` first splits text into sentences with the Punkt
 * model (a trained data file) and tokenizes each sentence; {@link wordTokenize} tokenizes the text
 * as one sentence, i.e. it equals `word_tokenize(text, preserve_line=True)`. The two differ only
 * where a period ends a sentence inside the text ("sat. The" keeps "sat." as one token here).
 *
 * @module
 */
import { PY_WHITESPACE, pySplit } from "./pytext.js";

// Python's \w for str patterns: letters, numbers and underscore (Unicode).
const W = "[\\p{L}\\p{N}_]";
// Python's \b: a position between \w and non-\w (or the string's ends).
const B = `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`;
// Python's $ without MULTILINE: the end, or just before a final newline.
const END = "(?=\\n?$)";
const S = `[${PY_WHITESPACE}]`;

type Sub = readonly [RegExp, string];

function re(source: string, flags = ""): RegExp {
  return new RegExp(source, `gu${flags}`);
}

// JS replacement strings: $1 for \1, $& for \g<0>.
const STARTING_QUOTES: readonly Sub[] = [
  [re("([«“‘„]|[`]+)"), " $1 "],
  [re('^"'), "``"],
  [re("(``)"), " $1 "],
  [re(`([ ([{<])("|'{2})`), "$1 `` "],
  [re(`(')(?!re|ve|ll|m|t|s|d|n)(${W})${B}`, "i"), "$1 $2"],
];

const ENDING_QUOTES: readonly Sub[] = [
  [re("([»”’])"), " $1 "],
  [re("''"), " '' "],
  [re('"'), " '' "],
  [re("([^' ])('[sS]|'[mM]|'[dD]|') "), "$1 $2 "],
  [re("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), "$1 $2 "],
];

const PUNCTUATION: readonly Sub[] = [
  [re(`([^.])(\\.)([\\])}>"'»”’ ]*)${S}*${END}`), "$1 $2 $3 "],
  [re("([:,])([^\\p{Nd}])"), " $1 $2"],
  [re(`([:,])${END}`), " $1 "],
  [re("\\.{2,}"), " $& "],
  [re("[;@#$%&]"), " $& "],
  [re(`([^.])(\\.)([\\])}>"']*)${S}*${END}`), "$1 $2$3 "],
  [re("[?!]"), " $& "],
  [re("([^'])' "), "$1 ' "],
  [re("[*]"), " $& "],
];

const PARENS_BRACKETS: Sub = [re("[\\][(){}<>]"), " $& "];
const DOUBLE_DASHES: Sub = [re("--"), " -- "];

const CONTRACTIONS2: readonly RegExp[] = [
  re(`${B}(can)(not)${B}`, "i"),
  re(`${B}(d)('ye)${B}`, "i"),
  re(`${B}(gim)(me)${B}`, "i"),
  re(`${B}(gon)(na)${B}`, "i"),
  re(`${B}(got)(ta)${B}`, "i"),
  re(`${B}(lem)(me)${B}`, "i"),
  re(`${B}(more)('n)${B}`, "i"),
  re(`${B}(wan)(na)(?=${S})`, "i"),
];
const CONTRACTIONS3: readonly RegExp[] = [re(` ('t)(is)${B}`, "i"), re(` ('t)(was)${B}`, "i")];

/**
 * Splits `text` into words and punctuation exactly as NLTK's Treebank word tokenizer
 * (`NLTKWordTokenizer().tokenize(text)`, i.e. `word_tokenize(text, preserve_line=True)`).
 *
 * @example
 * ```ts
 * wordTokenize("They'll pay $3.88, won't they?");
 * // ["They", "'ll", "pay", "$", "3.88", ",", "wo", "n't", "they", "?"]
 * ```
 */
export function wordTokenize(text: string): string[] {
  let t = text;
  for (const [pattern, replacement] of STARTING_QUOTES) t = t.replace(pattern, replacement);
  for (const [pattern, replacement] of PUNCTUATION) t = t.replace(pattern, replacement);
  t = t.replace(PARENS_BRACKETS[0], PARENS_BRACKETS[1]);
  t = t.replace(DOUBLE_DASHES[0], DOUBLE_DASHES[1]);
  t = ` ${t} `;
  for (const [pattern, replacement] of ENDING_QUOTES) t = t.replace(pattern, replacement);
  for (const pattern of CONTRACTIONS2) t = t.replace(pattern, " $1 $2 ");
  for (const pattern of CONTRACTIONS3) t = t.replace(pattern, " $1 $2 ");
  return pySplit(t);
}
