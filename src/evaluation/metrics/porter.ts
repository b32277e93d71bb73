/**
 * The Porter stemmer exactly as NLTK's `PorterStemmer()` computes it in its default
 * `NLTK_EXTENSIONS` mode (NLTK 3.8): the irregular-form pool, the `ies`/`ied` four-letter rules,
 * the two-letter `*o` condition, the consonant-only `y -> i` rule, and the `alli`, `fulli` and
 * `logi` step-2 extensions. ROUGE (`rouge_score`) and METEOR (`nltk.translate.meteor_score`) both
 * stem with it, so their scores depend on every detail here.
 *
 * No npm stemmer implements NLTK's mode (the common ones follow Martin Porter's frozen
 * reference version, which stems e.g. `dying`, `skies`, `generously` differently), hence this
 * port of the algorithm.
 *
 * @module
 */
import { hasAstral, pyLen } from "./pytext.js";

/** Words NLTK maps straight to a fixed stem before running the algorithm. */
const POOL: ReadonlyMap<string, string> = new Map([
  ["sky", "sky"],
  ["skies", "sky"],
  ["dying", "die"],
  ["lying", "lie"],
  ["tying", "tie"],
  ["news", "news"],
  ["innings", "inning"],
  ["inning", "inning"],
  ["outings", "outing"],
  ["outing", "outing"],
  ["cannings", "canning"],
  ["canning", "canning"],
  ["howe", "howe"],
  ["proceed", "proceed"],
  ["exceed", "exceed"],
  ["succeed", "succeed"],
]);

function isVowelChar(c: string): boolean {
  return c === "a" || c === "e" || c === "i" || c === "o" || c === "u";
}

/** Paper definition: a letter other than a, e, i, o, u, and other than y after a consonant. */
function isConsonant(word: string, i: number): boolean {
  // Iterative form of NLTK's recursion: walk back over a run of y's.
  let consonant = true;
  let j = i;
  for (;;) {
    const c = word[j] as string;
    if (isVowelChar(c)) return !consonant;
    if (c !== "y") return consonant;
    if (j === 0) return consonant;
    // word[j] is 'y': it is a consonant iff word[j-1] is not one.
    consonant = !consonant;
    j -= 1;
  }
}

/** m in [C](VC){m}[V]: the number of vowel-to-consonant transitions. */
function measure(stem: string): number {
  let m = 0;
  let prevVowel = false;
  for (let i = 0; i < stem.length; i++) {
    const consonant = isConsonant(stem, i);
    if (consonant && prevVowel) m += 1;
    prevVowel = !consonant;
  }
  return m;
}

function hasPositiveMeasure(stem: string): boolean {
  return measure(stem) > 0;
}

function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true;
  return false;
}

/** Condition *d: the word ends with a double consonant. */
function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

/** Condition *o: ends consonant-vowel-consonant (last not w, x, y); NLTK adds two-letter vc. */
function endsCvc(word: string): boolean {
  const n = word.length;
  if (n >= 3) {
    const last = word[n - 1] as string;
    if (
      isConsonant(word, n - 3) &&
      !isConsonant(word, n - 2) &&
      isConsonant(word, n - 1) &&
      last !== "w" &&
      last !== "x" &&
      last !== "y"
    )
      return true;
  }
  return n === 2 && !isConsonant(word, 0) && isConsonant(word, 1);
}

type Rule = readonly [
  suffix: string,
  replacement: string,
  condition: ((stem: string) => boolean) | null,
];

/**
 * The first rule whose suffix matches decides: it applies if its condition holds, otherwise the
 * word is returned unchanged (later rules are not tried). `*d` is the double-consonant rule.
 */
function applyRuleList(word: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === "*d" && endsDoubleConsonant(word)) {
      const stem = word.slice(0, -2);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
    // NLTK falls through to a literal suffix test even for "*d" (a word can end in "*d").
    if (word.endsWith(suffix)) {
      const stem = suffix === "" ? word : word.slice(0, -suffix.length);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
  }
  return word;
}

const STEP1A: readonly Rule[] = [
  ["sses", "ss", null],
  ["ies", "i", null],
  ["ss", "ss", null],
  ["s", "", null],
];

function step1a(word: string): string {
  if (word.endsWith("ies") && word.length === 4) return `${word.slice(0, -3)}ie`;
  return applyRuleList(word, STEP1A);
}

function step1b(word: string): string {
  if (word.endsWith("ied")) {
    return word.length === 4 ? `${word.slice(0, -3)}ie` : `${word.slice(0, -3)}i`;
  }
  if (word.endsWith("eed")) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? `${stem}ee` : word;
  }
  let intermediate: string | undefined;
  for (const suffix of ["ed", "ing"]) {
    if (word.endsWith(suffix)) {
      const candidate = word.slice(0, -suffix.length);
      if (containsVowel(candidate)) {
        intermediate = candidate;
        break;
      }
    }
  }
  if (intermediate === undefined) return word;
  const last = intermediate[intermediate.length - 1] as string;
  return applyRuleList(intermediate, [
    ["at", "ate", null],
    ["bl", "ble", null],
    ["iz", "ize", null],
    ["*d", last, () => last !== "l" && last !== "s" && last !== "z"],
    ["", "e", (stem) => measure(stem) === 1 && endsCvc(stem)],
  ]);
}

const STEP1C: readonly Rule[] = [
  ["y", "i", (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)],
];

function step2(word: string): string {
  if (word.endsWith("alli") && hasPositiveMeasure(word.slice(0, -4))) {
    return step2(`${word.slice(0, -4)}al`);
  }
  return applyRuleList(word, [
    ["ational", "ate", hasPositiveMeasure],
    ["tional", "tion", hasPositiveMeasure],
    ["enci", "ence", hasPositiveMeasure],
    ["anci", "ance", hasPositiveMeasure],
    ["izer", "ize", hasPositiveMeasure],
    ["bli", "ble", hasPositiveMeasure],
    ["alli", "al", hasPositiveMeasure],
    ["entli", "ent", hasPositiveMeasure],
    ["eli", "e", hasPositiveMeasure],
    ["ousli", "ous", hasPositiveMeasure],
    ["ization", "ize", hasPositiveMeasure],
    ["ation", "ate", hasPositiveMeasure],
    ["ator", "ate", hasPositiveMeasure],
    ["alism", "al", hasPositiveMeasure],
    ["iveness", "ive", hasPositiveMeasure],
    ["fulness", "ful", hasPositiveMeasure],
    ["ousness", "ous", hasPositiveMeasure],
    ["aliti", "al", hasPositiveMeasure],
    ["iviti", "ive", hasPositiveMeasure],
    ["biliti", "ble", hasPositiveMeasure],
    ["fulli", "ful", hasPositiveMeasure],
    // NLTK tests the measure of the word minus "ogi" (keeping the "l"), not of the stem.
    ["logi", "log", () => hasPositiveMeasure(word.slice(0, -3))],
  ]);
}

const STEP3: readonly Rule[] = [
  ["icate", "ic", hasPositiveMeasure],
  ["ative", "", hasPositiveMeasure],
  ["alize", "al", hasPositiveMeasure],
  ["iciti", "ic", hasPositiveMeasure],
  ["ical", "ic", hasPositiveMeasure],
  ["ful", "", hasPositiveMeasure],
  ["ness", "", hasPositiveMeasure],
];

const measureGt1 = (stem: string): boolean => measure(stem) > 1;

const STEP4: readonly Rule[] = [
  ["al", "", measureGt1],
  ["ance", "", measureGt1],
  ["ence", "", measureGt1],
  ["er", "", measureGt1],
  ["ic", "", measureGt1],
  ["able", "", measureGt1],
  ["ible", "", measureGt1],
  ["ant", "", measureGt1],
  ["ement", "", measureGt1],
  ["ment", "", measureGt1],
  ["ent", "", measureGt1],
  ["ion", "", (stem) => measure(stem) > 1 && (stem.endsWith("s") || stem.endsWith("t"))],
  ["ou", "", measureGt1],
  ["ism", "", measureGt1],
  ["ate", "", measureGt1],
  ["iti", "", measureGt1],
  ["ous", "", measureGt1],
  ["ive", "", measureGt1],
  ["ize", "", measureGt1],
];

function step5a(word: string): string {
  if (word.endsWith("e")) {
    const stem = word.slice(0, -1);
    const m = measure(stem);
    if (m > 1) return stem;
    if (m === 1 && !endsCvc(stem)) return stem;
  }
  return word;
}

function step5b(word: string): string {
  return applyRuleList(word, [["ll", "l", () => measure(word.slice(0, -1)) > 1]]);
}

function stemBmp(lowered: string): string {
  let stem = step1a(lowered);
  stem = step1b(stem);
  stem = applyRuleList(stem, STEP1C);
  stem = step2(stem);
  stem = applyRuleList(stem, STEP3);
  stem = applyRuleList(stem, STEP4);
  stem = step5a(stem);
  return step5b(stem);
}

/**
 * Runs the algorithm on text with characters outside the BMP: each such code point stands in
 * for one character (as in Python), so it is swapped for an unused private-use character that
 * behaves the same way (a consonant, equal only to itself), stemmed, and swapped back.
 */
function stemAstral(lowered: string): string {
  const toPlaceholder = new Map<string, string>();
  const fromPlaceholder = new Map<string, string>();
  let next = 0xe000;
  let mapped = "";
  for (const ch of lowered) {
    if (ch.length === 1) {
      mapped += ch;
      continue;
    }
    let p = toPlaceholder.get(ch);
    if (p === undefined) {
      while (lowered.includes(String.fromCharCode(next))) next += 1;
      p = String.fromCharCode(next);
      next += 1;
      toPlaceholder.set(ch, p);
      fromPlaceholder.set(p, ch);
    }
    mapped += p;
  }
  let out = "";
  for (const ch of stemBmp(mapped)) out += fromPlaceholder.get(ch) ?? ch;
  return out;
}

/**
 * Stems one word exactly as NLTK's `PorterStemmer().stem(word)` (default mode, lowercasing).
 *
 * @example
 * ```ts
 * nltkPorterStem("generously"); // "gener"
 * nltkPorterStem("dying");      // "die"
 * ```
 */
export function nltkPorterStem(word: string): string {
  const lowered = word.toLowerCase();
  // NLTK looks the original (not lowercased) word up in the pool.
  const pooled = POOL.get(word);
  if (pooled !== undefined) return pooled;
  if (pyLen(word) <= 2) return lowered;
  return hasAstral(lowered) ? stemAstral(lowered) : stemBmp(lowered);
}

/**
 * A memoizing {@link nltkPorterStem}: texts repeat words, and stemming dominates ROUGE/METEOR time.
 * The cache is bounded so a long run over varied text cannot grow memory without limit.
 */
export class NltkPorterStemmer {
  private readonly cache = new Map<string, string>();
  private readonly maxEntries: number;

  /** @param maxEntries - cache size; the cache is cleared when it would grow past it. */
  constructor(maxEntries = 100_000) {
    this.maxEntries = maxEntries;
  }

  /** Same result as {@link nltkPorterStem}. */
  stem(word: string): string {
    let s = this.cache.get(word);
    if (s === undefined) {
      s = nltkPorterStem(word);
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(word, s);
    }
    return s;
  }
}
