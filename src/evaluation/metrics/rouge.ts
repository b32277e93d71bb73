/**
 * ROUGE-N, ROUGE-L and ROUGE-Lsum exactly as Google's `rouge_score` package computes them
 * (`RougeScorer(types, use_stemmer)`): same tokenizer, same clipped n-gram counts, same LCS table
 * and backtracking (which decides the union-LCS of ROUGE-Lsum), same F-measure formula, so the
 * floating-point results are bit-identical.
 *
 * @module
 */
import { ValidationError } from "../../core/index.js";
import { NltkPorterStemmer } from "./porter.js";

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
const sharedStemmer = new NltkPorterStemmer();

/** True for the characters `rouge_score` keeps after lowercasing: a-z and 0-9. */
function isTokenChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
}

/**
 * The tokens of already lowercased text: its maximal runs of a-z0-9, optionally stemmed. This
 * is what `re.sub(r"[^a-z0-9]+", " ", text)` followed by a whitespace split yields, done as one
 * scan. With `sentenceEnds`, the token count at every `"\n"` is appended to it as well (the
 * texts' sentence boundaries for ROUGE-Lsum; no token spans a newline, which is not a-z0-9).
 */
function scanTokens(
  lowered: string,
  useStemmer: boolean,
  tokens: string[],
  sentenceEnds?: number[],
): void {
  let start = -1;
  for (let i = 0; i <= lowered.length; i++) {
    const c = i < lowered.length ? lowered.charCodeAt(i) : -1;
    if (isTokenChar(c)) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) {
      const raw = lowered.slice(start, i);
      tokens.push(useStemmer && raw.length > 3 ? sharedStemmer.stem(raw) : raw);
      start = -1;
    }
    if (c === 0x0a) sentenceEnds?.push(tokens.length);
  }
}

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
  const tokens: string[] = [];
  scanTokens(text.toLowerCase(), useStemmer, tokens);
  return tokens;
}

/** `scoring.fmeasure`: 2PR/(P+R), evaluated in Python's left-to-right order. */
function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/**
 * One text as token ids (equal tokens, equal ids; the ids are shared by the two texts of one
 * call) and its sentences as `[start, end)` ranges of those ids. Comparing small integers instead
 * of strings is what makes the LCS tables and n-gram counts cheap.
 */
interface IdText {
  readonly ids: Int32Array;
  /** Start and end offsets of each sentence with at least one token, flattened. */
  readonly sentences: readonly number[];
}

function idText(text: string, useStemmer: boolean, vocab: Map<string, number>): IdText {
  const tokens: string[] = [];
  const ends: number[] = [];
  // Lowercasing the whole text and cutting at "\n" gives the tokens `get_sents` would get from
  // lowercasing each sentence: the only context-dependent lowercase mapping (final sigma) yields
  // a non-ASCII letter, i.e. a separator either way.
  scanTokens(text.toLowerCase(), useStemmer, tokens, ends);
  ends.push(tokens.length);
  const ids = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    let id = vocab.get(t);
    if (id === undefined) {
      id = vocab.size;
      vocab.set(t, id);
    }
    ids[i] = id;
  }
  // Sentences without tokens are left out: they add nothing to the summary-level LCS, and a
  // text with no sentences has no tokens either, so the zero results stay the same.
  const sentences: number[] = [];
  let start = 0;
  for (const end of ends) {
    if (end > start) sentences.push(start, end);
    start = end;
  }
  return { ids, sentences };
}

/**
 * Clipped n-gram counts as `_score_ngrams`. An n-gram's key is its ids read as a base-`v`
 * number (`v` = vocabulary size), exact while it stays below 2^53; longer keys fall back to the
 * ids joined into a string. Only integer counts are summed, so the result is the same exactly.
 */
function scoreNgrams(target: Int32Array, prediction: Int32Array, n: number, v: number): RougeScore {
  const numeric = v ** n <= Number.MAX_SAFE_INTEGER;
  const key = (ids: Int32Array, i: number): number | string => {
    if (n === 1) return ids[i] as number;
    if (!numeric) return ids.subarray(i, i + n).join(",");
    let k = 0;
    for (let j = i; j < i + n; j++) k = k * v + (ids[j] as number);
    return k;
  };
  const targetCounts = new Map<number | string, number>();
  for (let i = 0; i + n <= target.length; i++) {
    const k = key(target, i);
    targetCounts.set(k, (targetCounts.get(k) ?? 0) + 1);
  }
  const predictionCounts = new Map<number | string, number>();
  for (let i = 0; i + n <= prediction.length; i++) {
    const k = key(prediction, i);
    predictionCounts.set(k, (predictionCounts.get(k) ?? 0) + 1);
  }
  let overlap = 0;
  for (const [gram, count] of targetCounts)
    overlap += Math.min(count, predictionCounts.get(gram) ?? 0);
  const targetTotal = Math.max(0, target.length - n + 1);
  const predictionTotal = Math.max(0, prediction.length - n + 1);
  const precision = overlap / Math.max(predictionTotal, 1);
  const recall = overlap / Math.max(targetTotal, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

// One LCS table reused by every call (the metrics are synchronous, so calls never overlap):
// allocating a fresh typed array per sentence pair cost more than filling it. Tables larger than
// the cap (texts of thousands of tokens) are allocated per call so that memory is not kept.
const LCS_SCRATCH_CAP = 1 << 16;
let lcsScratch = new Int32Array(1024);

/**
 * The (rows+1) x (cols+1) LCS length table of `ref[r0, r1)` and `can[c0, c1)`, flattened
 * row-major (into the shared scratch buffer when it fits: valid until the next call).
 */
function lcsTable(
  ref: Int32Array,
  r0: number,
  r1: number,
  can: Int32Array,
  c0: number,
  c1: number,
): Int32Array {
  const rows = r1 - r0;
  const cols = c1 - c0 + 1;
  const size = (rows + 1) * cols;
  if (size > LCS_SCRATCH_CAP) return fillLcs(new Int32Array(size), ref, r0, rows, can, c0, cols);
  if (lcsScratch.length < size)
    lcsScratch = new Int32Array(Math.min(LCS_SCRATCH_CAP, Math.max(size, 2 * lcsScratch.length)));
  return fillLcs(lcsScratch, ref, r0, rows, can, c0, cols);
}

function fillLcs(
  table: Int32Array,
  ref: Int32Array,
  r0: number,
  rows: number,
  can: Int32Array,
  c0: number,
  cols: number,
): Int32Array {
  // Row 0 and column 0 are the only cells read before being written.
  table.fill(0, 0, cols);
  for (let i = 1; i <= rows; i++) {
    const r = ref[r0 + i - 1];
    const row = i * cols;
    const prev = row - cols;
    table[row] = 0;
    for (let j = 1; j < cols; j++) {
      if (r === can[c0 + j - 1]) table[row + j] = (table[prev + j - 1] as number) + 1;
      else {
        const up = table[prev + j] as number;
        const left = table[row + j - 1] as number;
        table[row + j] = Math.max(up, left);
      }
    }
  }
  return table;
}

function scoreLcs(target: Int32Array, prediction: Int32Array): RougeScore {
  if (target.length === 0 || prediction.length === 0) return { ...ZERO };
  const table = lcsTable(target, 0, target.length, prediction, 0, prediction.length);
  const lcs = table[(target.length + 1) * (prediction.length + 1) - 1] as number;
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * Flags (in `out`, indexed from `r0`) the positions of `ref[r0, r1)` on the LCS with
 * `can[c0, c1)` that `rouge_score`'s `_backtrack_norec` reads out.
 */
function markLcs(
  ref: Int32Array,
  r0: number,
  r1: number,
  can: Int32Array,
  c0: number,
  c1: number,
  out: Uint8Array,
): void {
  const table = lcsTable(ref, r0, r1, can, c0, c1);
  const cols = c1 - c0 + 1;
  let i = r1 - r0;
  let j = c1 - c0;
  while (i > 0 && j > 0) {
    if (ref[r0 + i - 1] === can[c0 + j - 1]) {
      out[i - 1] = 1;
      i -= 1;
      j -= 1;
    } else if ((table[i * cols + j - 1] as number) > (table[(i - 1) * cols + j] as number)) {
      j -= 1;
    } else {
      i -= 1;
    }
  }
}

function countIds(ids: Int32Array, v: number): Int32Array {
  const counts = new Int32Array(v);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    counts[id] = (counts[id] as number) + 1;
  }
  return counts;
}

/** Summary-level LCS (ROUGE paper 3.2) with ROUGE-1.5.5's guard against double counting. */
function scoreSummaryLcs(ref: IdText, can: IdText, v: number): RougeScore {
  const m = ref.ids.length;
  const n = can.ids.length;
  if (m === 0 || n === 0) return { ...ZERO };
  const refCounts = countIds(ref.ids, v);
  const canCounts = countIds(can.ids, v);
  let hits = 0;
  const onLcs = new Uint8Array(m);
  for (let s = 0; s < ref.sentences.length; s += 2) {
    const r0 = ref.sentences[s] as number;
    const r1 = ref.sentences[s + 1] as number;
    // The union of the LCS positions over all candidate sentences, visited in ascending order.
    onLcs.fill(0, 0, r1 - r0);
    for (let c = 0; c < can.sentences.length; c += 2)
      markLcs(
        ref.ids,
        r0,
        r1,
        can.ids,
        can.sentences[c] as number,
        can.sentences[c + 1] as number,
        onLcs,
      );
    for (let k = 0; k < r1 - r0; k++) {
      if (onLcs[k] === 0) continue;
      const t = ref.ids[r0 + k] as number;
      const cc = canCounts[t] as number;
      const rc = refCounts[t] as number;
      if (cc > 0 && rc > 0) {
        hits += 1;
        canCounts[t] = cc - 1;
        refCounts[t] = rc - 1;
      }
    }
  }
  const recall = hits / m;
  const precision = hits / n;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
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
  for (const type of types)
    if (type !== "rougeL" && type !== "rougeLsum" && !/^rouge[1-9]$/.test(type))
      throw new ValidationError(
        `Unknown ROUGE type "${String(type).slice(0, 40)}": use rouge1..rouge9, rougeL or rougeLsum.`,
      );
  // Both texts are tokenized once, for every type: the sentence-level tokens of ROUGE-Lsum are
  // ranges of the whole-text tokens the other types use.
  const vocab = new Map<string, number>();
  const ref = idText(reference, useStemmer, vocab);
  const can = idText(candidate, useStemmer, vocab);
  const result: RougeScores = {};
  for (const type of types) {
    if (type === "rougeLsum") result[type] = scoreSummaryLcs(ref, can, vocab.size);
    else if (type === "rougeL") result[type] = scoreLcs(ref.ids, can.ids);
    else result[type] = scoreNgrams(ref.ids, can.ids, Number(type.slice(5)), vocab.size);
  }
  return result;
}
