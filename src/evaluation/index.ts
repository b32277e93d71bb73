/**
 * `fmops/evaluation`: model evaluation. Metrics that reproduce their reference implementations
 * exactly (ROUGE as `rouge_score`, METEOR / Porter / word tokenization as NLTK, QA accuracy and
 * factual knowledge as fmeval) plus retrieval and SQL execution accuracy.
 *
 * @packageDocumentation
 */
export * from "./metrics/index.js";
