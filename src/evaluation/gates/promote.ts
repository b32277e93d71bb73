/**
 * {@link promoteIfPassed}: moves a prompt label to a new version only when an evaluation's gates
 * passed, and records which evaluation run justified the move.
 *
 * @module
 */
import { ValidationError } from "../../core/index.js";
import type { PromptCatalog } from "../../prompts/index.js";
import type { GateReport } from "./gates.js";

/** Options of {@link promoteIfPassed}. */
export interface PromoteOptions {
  /** The prompt's id in the catalog. */
  id: string;
  /** The label to move, e.g. `"production"`. */
  label: string;
  /** The version that was evaluated and would be promoted. */
  version: string;
  /** The gates' verdicts on that version's evaluation (from `checkGates`). */
  report: GateReport;
  /**
   * The evaluation run's id (a tracker's `runId`, an MLflow run id, a CI build id): kept in the
   * label's history entry, so every promotion can be traced to the numbers that allowed it.
   */
  runId: string;
}

/** Result of {@link promoteIfPassed}. */
export interface PromoteOutcome {
  /** Whether the label now points at the evaluated version. */
  promoted: boolean;
  /** The version the label points at after the call. */
  version: string | undefined;
  /** The version it pointed at before, when it was set. */
  previous?: string;
  /** The gates that failed (empty when promoted). */
  failed: string[];
}

/**
 * Moves `label` of prompt `id` to `version` only when every gate of `report` passed, recording
 * `runId` as the move's `evaluationRunId` in the catalog's history (so `catalog.history(id)`
 * says which evaluation justified each promotion, and `rollback` undoes it as any move). When a
 * gate failed, nothing changes and the failed gates are returned. Throws `ValidationError` for a
 * report without gates or an empty run id, and the catalog's own error for an unknown version,
 * before anything moves.
 *
 * @example
 * ```ts
 * const report = checkGates(candidate, [parseGate("qa_accuracy.f1_score drop > 0.02")], { baseline });
 * const outcome = promoteIfPassed(catalog, { id: "qa", label: "production", version: "3", report, runId });
 * if (!outcome.promoted) console.error("not promoted:", outcome.failed.join("; "));
 * ```
 */
export function promoteIfPassed(catalog: PromptCatalog, options: PromoteOptions): PromoteOutcome {
  const { id, label, version, report, runId } = options;
  if (typeof runId !== "string" || runId.trim() === "") {
    throw new ValidationError(
      "promoteIfPassed needs the evaluation's runId, to record in the label's history.",
      [{ path: "runId", message: "must be a non-empty string" }],
    );
  }
  if (report.verdicts.length === 0) {
    throw new ValidationError(
      "promoteIfPassed was given a gate report with no gate: a promotion must be earned by at least one gate.",
      [{ path: "report.verdicts", message: "no gate" }],
    );
  }
  // Resolves the version first: an unknown one throws whether or not the gates passed.
  catalog.get(id, { version });
  const previous = catalog.labels(id)[label];
  const failed = report.verdicts.filter((v) => !v.passed).map((v) => v.name);
  const at = (v: string | undefined) => (v === undefined ? {} : { previous: v });
  if (failed.length > 0 || !report.passed) {
    return { promoted: false, version: previous, ...at(previous), failed };
  }
  catalog.setLabel(id, label, version, { evaluationRunId: runId });
  return { promoted: true, version, ...at(previous), failed: [] };
}
