/**
 * What `evaluation` shares with the modules above it (the `fmops eval` command) but not with
 * users: how a score's interval is printed, the mark and the record count behind a small-sample
 * interval, and the check that a JSON file is an evaluation summary. package.json does not export
 * this file; npm run check:layering lets modules above `evaluation` import it (see
 * docs/architecture.md).
 *
 * @module
 */

export { MIN_INTERVAL_COUNT } from "./algorithms/stats.js";
export { formatInterval, isEvaluationSummary, SMALL_SAMPLE_MARK } from "./report/report.js";
