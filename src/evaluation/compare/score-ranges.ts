/**
 * The ranges the built-in algorithms declare for their scores, looked up by name, for code that
 * sees scores only through files: a per-record output or a summary JSON stores each score's
 * values but not the range its algorithm declared, so a paired interval read from files would
 * otherwise have nothing to be cut to.
 *
 * @module
 */
import { type ScoreRange, UNIT_RANGE } from "../algorithms/stats.js";

/** What one built-in algorithm declares: its listed scores, and the range of any other name. */
interface DeclaredRanges {
  readonly scores: Readonly<Record<string, ScoreRange>>;
  readonly otherScores?: ScoreRange;
}

const unit = (...names: string[]): Record<string, ScoreRange> =>
  Object.fromEntries(names.map((name) => [name, UNIT_RANGE]));

// Each entry repeats the `scores` (and `otherScores`) of the algorithm with that `name`; a test
// (test/evaluation/compare/paired-intervals.test.ts) compares them with the classes themselves,
// so a range changed in one place and not here fails there.
const BUILT_IN: Readonly<Record<string, DeclaredRanges>> = {
  qa_accuracy: {
    scores: unit(
      "exact_match_score",
      "quasi_exact_match_score",
      "precision_over_words",
      "recall_over_words",
      "f1_score",
    ),
  },
  summarization_accuracy: {
    // A rescaled BERTScore can be negative: only its top is known.
    scores: { ...unit("rouge", "meteor"), bertscore: { max: 1 } },
  },
  factual_knowledge: { scores: unit("factual_knowledge", "factual_knowledge_quasi_exact") },
  llm_judge: {
    scores: { judge_score: { min: 1, max: 10 }, judge_score_normalized: UNIT_RANGE },
  },
  // The classifier's labels are named by the backend; every one is a probability.
  toxicity: { scores: unit("toxicity"), otherScores: UNIT_RANGE },
  sql_accuracy: { scores: unit("execution_match", "valid_sql") },
  retrieval_accuracy: { scores: unit("recall_at_k", "precision_at_k", "mrr", "ndcg_at_k") },
};

/**
 * The range a built-in algorithm declares for `metric` (`"algorithm.score"`), or `undefined`
 * for a score of any other algorithm (or a name without a dot). A user's algorithm that takes a
 * built-in's name would be read as the built-in: give its ranges explicitly where that matters
 * (`checkGates`' `algorithms` option).
 *
 * @internal
 */
export function builtInScoreRange(metric: string): ScoreRange | undefined {
  const dot = metric.indexOf(".");
  if (dot <= 0) return undefined;
  const declared = BUILT_IN[metric.slice(0, dot)];
  if (declared === undefined || !Object.hasOwn(BUILT_IN, metric.slice(0, dot))) return undefined;
  const score = metric.slice(dot + 1);
  return Object.hasOwn(declared.scores, score) ? declared.scores[score] : declared.otherScores;
}
