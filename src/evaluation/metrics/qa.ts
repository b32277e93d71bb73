/**
 * Question-answering and factual-knowledge scores exactly as AWS fmeval computes them
 * (`qa_accuracy.py`, `factual_knowledge.py`, `util.normalize_text_quac_protocol`), including the
 * Python string semantics they rely on (`str.strip()`, `str.split()`, `string.punctuation`).
 *
 * @module
 */
import { ValidationError } from "../../core/index.js";
import { pySplit, pyStrip } from "./pytext.js";

/** fmeval's default separator of several acceptable answers in one target string. */
export const OR_DELIMITER = "<OR>";
/** The separator fmeval's docs use with `logical_operator="AND"`. */
export const AND_DELIMITER = "<AND>";

// Python's string.punctuation: the 32 ASCII punctuation characters.
const PUNCTUATION_RE = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
const ARTICLES = new Set(["a", "an", "the"]);

/**
 * fmeval's `normalize_text_quac_protocol` (SQuAD/QuAC normalization): lowercase, delete ASCII
 * punctuation, split on single spaces, drop empty pieces and the articles a/an/the, join with
 * one space. Only the space character separates words here, as in fmeval.
 *
 * @example
 * ```ts
 * normalizeAnswer("The  Eiffel-Tower!"); // "eiffeltower"
 * ```
 */
export function normalizeAnswer(text: string): string {
  const stripped = text.toLowerCase().replace(PUNCTUATION_RE, "");
  return stripped
    .split(" ")
    .filter((w) => w !== "" && !ARTICLES.has(w))
    .join(" ");
}

/** Scores of {@link qaScores}, each in [0, 1]; fmeval's names in parentheses. */
export interface QaScores {
  /** Stripped strings equal (`exact_match_score`). */
  exactMatch: number;
  /** Normalized strings equal (`quasi_exact_match_score`). */
  quasiExactMatch: number;
  /** Share of the output's distinct normalized words found in the target (`precision_over_words`). */
  precision: number;
  /** Share of the target's distinct normalized words found in the output (`recall_over_words`). */
  recall: number;
  /** Harmonic mean of the two (`f1_score`). */
  f1: number;
}

/** Options of {@link qaScores}. */
export interface QaOptions {
  /** Separator of acceptable answers in `target`; each score takes the best. Default `"<OR>"`. */
  delimiter?: string;
}

function wordSet(text: string): Set<string> {
  return new Set(pySplit(normalizeAnswer(pyStrip(text))));
}

function overlap(a: Set<string>, b: Set<string>): number {
  let n = 0;
  for (const w of a) if (b.has(w)) n += 1;
  return n;
}

function scoreOne(target: string, output: string): QaScores {
  const exactMatch = pyStrip(output) === pyStrip(target) ? 1 : 0;
  const quasiExactMatch =
    normalizeAnswer(pyStrip(output)) === normalizeAnswer(pyStrip(target)) ? 1 : 0;
  const ref = wordSet(target);
  const test = wordSet(output);
  const common = overlap(ref, test);
  // nltk.metrics.scores: precision/recall are None (fmeval: 0) on an empty set.
  const precision = test.size === 0 ? 0 : common / test.size;
  const recall = ref.size === 0 ? 0 : common / ref.size;
  let f1 = 0;
  if (test.size > 0 && ref.size > 0 && precision !== 0 && recall !== 0) {
    f1 = 1.0 / (0.5 / precision + 0.5 / recall);
  }
  return { exactMatch, quasiExactMatch, precision, recall, f1 };
}

function checkDelimiter(delimiter: string): void {
  if (delimiter === "")
    throw new ValidationError(
      'delimiter must not be empty: use "<OR>" or another non-empty separator.',
      [{ path: "delimiter", message: "must not be empty" }],
    );
}

/**
 * fmeval's QA accuracy scores of a model `output` against a `target` answer. When the target
 * holds several answers separated by `<OR>`, each score is the maximum over the answers (taken
 * separately per score, as fmeval does).
 *
 * @example
 * ```ts
 * qaScores("Paris<OR>City of Light", "paris.");
 * // { exactMatch: 0, quasiExactMatch: 1, precision: 1, recall: 1, f1: 1 }
 * ```
 */
export function qaScores(target: string, output: string, options: QaOptions = {}): QaScores {
  const delimiter = options.delimiter ?? OR_DELIMITER;
  checkDelimiter(delimiter);
  let best: QaScores | undefined;
  for (const t of target.split(delimiter)) {
    const s = scoreOne(t, output);
    if (best === undefined) best = s;
    else {
      best.exactMatch = Math.max(best.exactMatch, s.exactMatch);
      best.quasiExactMatch = Math.max(best.quasiExactMatch, s.quasiExactMatch);
      best.precision = Math.max(best.precision, s.precision);
      best.recall = Math.max(best.recall, s.recall);
      best.f1 = Math.max(best.f1, s.f1);
    }
  }
  // split() always yields at least one piece.
  return best as QaScores;
}

/** Scores of {@link factualKnowledgeScores}: 0 or 1 each; fmeval's names in parentheses. */
export interface FactualKnowledgeScores {
  /** Lowercased target contained in the lowercased output (`factual_knowledge`). */
  exactInclusion: number;
  /** Normalized target contained in the normalized output (`factual_knowledge_quasi_exact`). */
  quasiExactInclusion: number;
}

/** Options of {@link factualKnowledgeScores}. */
export interface FactualKnowledgeOptions {
  /** `"OR"`: any answer suffices (default); `"AND"`: every answer must appear. */
  logicalOperator?: "OR" | "AND";
  /** Separator of the answers. Default: `"<OR>"` for OR, `"<AND>"` for AND. */
  delimiter?: string;
}

/**
 * fmeval's factual knowledge scores: whether the target answer (any `<OR>` alternative, or every
 * `<AND>` part with `logicalOperator: "AND"`) is contained in the model output.
 *
 * @example
 * ```ts
 * factualKnowledgeScores("Germany<OR>Deutschland", "It is in germany, I think.");
 * // { exactInclusion: 1, quasiExactInclusion: 1 }
 * factualKnowledgeScores("red<AND>blue", "Red and green", { logicalOperator: "AND" });
 * // { exactInclusion: 0, quasiExactInclusion: 0 }
 * ```
 */
export function factualKnowledgeScores(
  target: string,
  output: string,
  options: FactualKnowledgeOptions = {},
): FactualKnowledgeScores {
  const operator = options.logicalOperator ?? "OR";
  if (operator !== "OR" && operator !== "AND")
    throw new ValidationError('logicalOperator must be "OR" or "AND".', [
      { path: "logicalOperator", message: 'must be "OR" or "AND"' },
    ]);
  const delimiter = options.delimiter ?? (operator === "AND" ? AND_DELIMITER : OR_DELIMITER);
  checkDelimiter(delimiter);
  const outputLower = output.toLowerCase();
  const outputNormalized = normalizeAnswer(pyStrip(output));
  const exact: number[] = [];
  const quasi: number[] = [];
  for (const t of target.split(delimiter)) {
    exact.push(outputLower.includes(t.toLowerCase()) ? 1 : 0);
    quasi.push(outputNormalized.includes(normalizeAnswer(pyStrip(t))) ? 1 : 0);
  }
  const combine = operator === "OR" ? Math.max : Math.min;
  return { exactInclusion: combine(...exact), quasiExactInclusion: combine(...quasi) };
}
