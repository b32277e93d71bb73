/**
 * ROUGE-N, ROUGE-L and ROUGE-Lsum exactly as Google's `rouge_score` package computes them
 * (`RougeScorer(types, use_stemmer)`): same tokenizer, same clipped n-gram counts, same LCS table
 * and backtracking (which decides the union-LCS of ROUGE-Lsum), same F-measure formula, so the
 * floating-point results are bit-identical.
 *
 * @module
 */
import { ValidationError } from "../../core/errors.js";
import { PorterStemmer } from "./porter.js";

/** One ROUGE score triple, as `rouge_score.scoring.Score`. */
export interface RougeScore {
  /** Overlapping units over the prediction's units, 0 to 1. */
  precision: number;
  /** Overlapping units over the target's units, 0 to 1. */
  recall: number;
  /** Harmonic mean `2PR / (P + R)` of precision and recall; 0 when both are 0. */
  fmeasure: number;
}

/** A ROUGE variant: `rouge1`..`rouge9` (n-grams), `rougeL` (LCS) or `rougeLsum` (summary LCS). */
export type RougeType = `rouge${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}` | "rougeL" | "rougeLsum";

/** Options of {@link rougeScores}. */
export interface RougeOptions {
  /** Which scores to compute. Default: `["rouge1", "rouge2", "rougeL", "rougeLsum"]`. */
  types?: readonly RougeType[];
  /**
   * Porter-stem tokens longer than 3 characters (NLTK's stemmer, default mode). Default: false,
   * as in `rouge_score`; fmeval's summarization accuracy uses true.
   */
  useStemmer?: boolean;
}

/** Result of {@link rougeScores}: one entry per requested type. */
export type RougeScores = Partial<Record<RougeType, RougeScore>>;

const DEFAULT_TYPES: readonly RougeType[] = ["rouge1", "rouge2", "rougeL", "rougeLsum"];
const ZERO: RougeScore = Object.freeze({ precision: 0, recall: 0, fmeasure: 0 });

/** Shared stemmer: its cache makes repeated words cheap across calls. */
const sharedStemmer = new PorterStemmer();

/**
 * `rouge_score`'s tokenizer: lowercase, every run of characters outside `a-z0-9` becomes a space,
 * split on whitespace, optionally stem tokens longer than 3 characters, drop empty tokens.
 *
 * @example
 * ```ts
 * rougeTokenize("The cats' toys!", true); // ["the", "cat", "toy"]
 * ```
 */
export function rougeTokenize(text: string, useStemmer = false): string[] {
  // After the substitution only a-z, 0-9 and single spaces remain, so splitting on " " is
  // Python's re.split(r"\s+") followed by its empty-token filter.
  const cleaned = text.toLowerCase().replace(/[^a-z0-9]+/g, " ");
  const tokens: string[] = [];
  for (const raw of cleaned.split(" ")) {
    if (raw === "") continue;
    tokens.push(useStemmer && raw.length > 3 ? sharedStemmer.stem(raw) : raw);
  }
  return tokens;
}

/** `scoring.fmeasure`: 2PR/(P+R), evaluated in Python's left-to-right order. */
function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    // Tokens are [a-z0-9]+, so a space joins them without ambiguity.
    const key = n === 1 ? (tokens[i] as string) : tokens.slice(i, i + n).join(" ");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function scoreNgrams(
  target: readonly string[],
  prediction: readonly string[],
  n: number,
): RougeScore {
  const targetCounts = ngramCounts(target, n);
  const predictionCounts = ngramCounts(prediction, n);
  let overlap = 0;
  for (const [gram, count] of targetCounts)
    overlap += Math.min(count, predictionCounts.get(gram) ?? 0);
  const targetTotal = Math.max(0, target.length - n + 1);
  const predictionTotal = Math.max(0, prediction.length - n + 1);
  const precision = overlap / Math.max(predictionTotal, 1);
  const recall = overlap / Math.max(targetTotal, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** The (rows+1) x (cols+1) LCS length table, flattened row-major. */
function lcsTable(ref: readonly string[], can: readonly string[]): Int32Array {
  const cols = can.length + 1;
  const table = new Int32Array((ref.length + 1) * cols);
  for (let i = 1; i <= ref.length; i++) {
    const r = ref[i - 1];
    const row = i * cols;
    const prev = row - cols;
    for (let j = 1; j <= can.length; j++) {
      if (r === can[j - 1]) table[row + j] = (table[prev + j - 1] as number) + 1;
      else {
        const up = table[prev + j] as number;
        const left = table[row + j - 1] as number;
        table[row + j] = Math.max(up, left);
      }
    }
  }
  return table;
}

function scoreLcs(target: readonly string[], prediction: readonly string[]): RougeScore {
  if (target.length === 0 || prediction.length === 0) return { ...ZERO };
  const table = lcsTable(target, prediction);
  const lcs = table[table.length - 1] as number;
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Indices into `ref` of the LCS that `rouge_score`'s `_backtrack_norec` reads out. */
function lcsIndices(ref: readonly string[], can: readonly string[], out: Set<number>): void {
  const table = lcsTable(ref, can);
  const cols = can.length + 1;
  let i = ref.length;
  let j = can.length;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.add(i - 1);
      i -= 1;
      j -= 1;
    } else if ((table[i * cols + j - 1] as number) > (table[(i - 1) * cols + j] as number)) {
      j -= 1;
    } else {
      i -= 1;
    }
  }
}

function countTokens(sentences: readonly (readonly string[])[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of sentences) for (const t of s) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

/** Summary-level LCS (ROUGE paper 3.2) with ROUGE-1.5.5's guard against double counting. */
function scoreSummaryLcs(
  refSentences: readonly (readonly string[])[],
  canSentences: readonly (readonly string[])[],
): RougeScore {
  if (refSentences.length === 0 || canSentences.length === 0) return { ...ZERO };
  let m = 0;
  for (const s of refSentences) m += s.length;
  let n = 0;
  for (const s of canSentences) n += s.length;
  if (m === 0 || n === 0) return { ...ZERO };
  const refCounts = countTokens(refSentences);
  const canCounts = countTokens(canSentences);
  let hits = 0;
  for (const r of refSentences) {
    const union = new Set<number>();
    for (const c of canSentences) lcsIndices(r, c, union);
    const indices = [...union].sort((a, b) => a - b);
    for (const idx of indices) {
      const t = r[idx] as string;
      const cc = canCounts.get(t) ?? 0;
      const rc = refCounts.get(t) ?? 0;
      if (cc > 0 && rc > 0) {
        hits += 1;
        canCounts.set(t, cc - 1);
        refCounts.set(t, rc - 1);
      }
    }
  }
  const recall = hits / m;
  const precision = hits / n;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** `get_sents`: newline-separated sentences, empty ones dropped (whitespace-only ones kept). */
function sentences(text: string, useStemmer: boolean): string[][] {
  return text
    .split("\n")
    .filter((s) => s.length > 0)
    .map((s) => rougeTokenize(s, useStemmer));
}

/**
 * ROUGE scores of `candidate` against `reference`, identical to
 * `rouge_score.rouge_scorer.RougeScorer(types, use_stemmer).score(reference, candidate)`.
 * ROUGE-Lsum splits both texts into sentences on `"\n"` only, as `rouge_score` does by default.
 *
 * @throws ValidationError for an unknown ROUGE type.
 * @example
 * ```ts
 * const s = rougeScores("the cat sat on the mat", "the cat lay on the mat", { useStemmer: true });
 * s.rouge2?.fmeasure; // 0.6
 * ```
 */
export function rougeScores(
  reference: string,
  candidate: string,
  options: RougeOptions = {},
): RougeScores {
  const types = options.types ?? DEFAULT_TYPES;
  const useStemmer = options.useStemmer ?? false;
  let refTokens: string[] | undefined;
  let canTokens: string[] | undefined;
  const result: RougeScores = {};
  for (const type of types) {
    if (type === "rougeLsum") {
      result[type] = scoreSummaryLcs(
        sentences(reference, useStemmer),
        sentences(candidate, useStemmer),
      );
      continue;
    }
    refTokens ??= rougeTokenize(reference, useStemmer);
    canTokens ??= rougeTokenize(candidate, useStemmer);
    if (type === "rougeL") {
      result[type] = scoreLcs(refTokens, canTokens);
    } else if (/^rouge[1-9]$/.test(type)) {
      result[type] = scoreNgrams(refTokens, canTokens, Number(type.slice(5)));
    } else {
      throw new ValidationError(
        `Unknown ROUGE type "${String(type).slice(0, 40)}": use rouge1..rouge9, rougeL or rougeLsum.`,
      );
    }
  }
  return result;
}
