/**
 * NLTK's `word_tokenize` word splitter (the improved Treebank tokenizer, `NLTKWordTokenizer`,
 * NLTK 3.8), ported rule by rule. Python's `re` is Unicode-aware by default, so `\w`, `\d`, `\s`,
 * `\b` and `$` are spelled out here with the meaning CPython gives them.
 *
 * Sentence splitting: `nltk.word_tokenize(text)` first splits text into sentences with the Punkt
 * model and tokenizes each sentence. {@link wordTokenize} does the same when given a sentence
 * tokenizer (`{ sentences: punkt }`, see punkt.ts); without one it tokenizes the text as one
 * sentence, i.e. it equals `word_tokenize(text, preserve_line=True)`. The two differ where a
 * period ends a sentence inside the text: "sat. The" gives "sat." alone, "sat" "." after Punkt.
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

/**
 * One substitution: `pattern` replaced by `replacement` (JS syntax: $1 for \1, $& for \g<0>).
 * `needs` lists characters of which every match holds at least one; when the text has none of
 * them the rule cannot fire and is skipped. The tokenizer runs two dozen global regexes per text
 * and most of them find nothing, so a few `includes` scans (memchr-fast) replace most of the
 * regex passes without changing any output.
 */
interface Sub {
  readonly pattern: RegExp;
  readonly replacement: string;
  readonly needs: readonly string[];
}

function re(source: string, flags = ""): RegExp {
  return new RegExp(source, `gu${flags}`);
}

function sub(source: string, replacement: string, needs: string, flags = ""): Sub {
  return { pattern: re(source, flags), replacement, needs: [...needs] };
}

const STARTING_QUOTES: readonly Sub[] = [
  sub("([«“‘„]|[`]+)", " $1 ", "«“‘„`"),
  sub('^"', "``", '"'),
  sub("(``)", " $1 ", "`"),
  sub(`([ ([{<])("|'{2})`, "$1 `` ", "\"'"),
  sub(`(')(?!re|ve|ll|m|t|s|d|n)(${W})${B}`, "$1 $2", "'", "i"),
];

const ENDING_QUOTES: readonly Sub[] = [
  sub("([»”’])", " $1 ", "»”’"),
  sub("''", " '' ", "'"),
  sub('"', " '' ", '"'),
  sub("([^' ])('[sS]|'[mM]|'[dD]|') ", "$1 $2 ", "'"),
  sub("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", "$1 $2 ", "'"),
];

const PUNCTUATION: readonly Sub[] = [
  sub(`([^.])(\\.)([\\])}>"'»”’ ]*)${S}*${END}`, "$1 $2 $3 ", "."),
  sub("([:,])([^\\p{Nd}])", " $1 $2", ":,"),
  sub(`([:,])${END}`, " $1 ", ":,"),
  sub("\\.{2,}", " $& ", "."),
  sub("[;@#$%&]", " $& ", ";@#$%&"),
  sub(`([^.])(\\.)([\\])}>"']*)${S}*${END}`, "$1 $2$3 ", "."),
  sub("[?!]", " $& ", "?!"),
  sub("([^'])' ", "$1 ' ", "'"),
  sub("[*]", " $& ", "*"),
];

const PARENS_BRACKETS: Sub = sub("[\\][(){}<>]", " $& ", "[](){}<>");
const DOUBLE_DASHES: Sub = sub("--", " -- ", "-");

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
// Every contraction match contains one of these literals (same flags, so the same case folding),
// and no contraction rule fires without one. Testing for them once is far cheaper than the ten
// word-boundary scans above, which cannot skip ahead because each starts with a lookaround.
const CONTRACTION_HINT = /cannot|d'ye|gimme|gonna|gotta|lemme|more'n|wanna|'tis|'twas/iu;

function apply(text: string, rule: Sub): string {
  for (const ch of rule.needs)
    if (text.includes(ch)) return text.replace(rule.pattern, rule.replacement);
  return text;
}

/** Anything that splits text into sentences, such as a `PunktSentenceTokenizer`. */
export interface SentenceTokenizer {
  /** The sentences of `text`, in order. */
  tokenize(text: string): string[];
}

/** Options of {@link wordTokenize}. */
export interface WordTokenizeOptions {
  /**
   * Split the text into sentences with this first and tokenize each one, as
   * `nltk.word_tokenize(text)` does with Punkt. Default: the text is one sentence
   * (`word_tokenize(text, preserve_line=True)`).
   */
  sentences?: SentenceTokenizer;
}

/**
 * Splits `text` into words and punctuation exactly as NLTK's Treebank word tokenizer
 * (`NLTKWordTokenizer().tokenize(text)`, i.e. `word_tokenize(text, preserve_line=True)`), or,
 * with `options.sentences`, as `word_tokenize(text)`: sentence by sentence.
 *
 * @example
 * ```ts
 * wordTokenize("They'll pay $3.88, won't they?");
 * // ["They", "'ll", "pay", "$", "3.88", ",", "wo", "n't", "they", "?"]
 * wordTokenize("He left India. Then he came back.", { sentences: new PunktSentenceTokenizer() });
 * // ["He", "left", "India", ".", "Then", "he", "came", "back", "."]
 * ```
 */
export function wordTokenize(text: string, options: WordTokenizeOptions = {}): string[] {
  const splitter = options.sentences;
  if (splitter === undefined) return treebankTokenize(text);
  const tokens: string[] = [];
  for (const sentence of splitter.tokenize(text)) tokens.push(...treebankTokenize(sentence));
  return tokens;
}

/** The Treebank rules over one sentence. */
function treebankTokenize(text: string): string[] {
  let t = text;
  for (const rule of STARTING_QUOTES) t = apply(t, rule);
  for (const rule of PUNCTUATION) t = apply(t, rule);
  t = apply(t, PARENS_BRACKETS);
  t = apply(t, DOUBLE_DASHES);
  t = ` ${t} `;
  for (const rule of ENDING_QUOTES) t = apply(t, rule);
  if (CONTRACTION_HINT.test(t)) {
    for (const pattern of CONTRACTIONS2) t = t.replace(pattern, " $1 $2 ");
    for (const pattern of CONTRACTIONS3) t = t.replace(pattern, " $1 $2 ");
  }
  return pySplit(t);
}
