/**
 * The terminal summary of an evaluation's failed records: how many failed for each reason, and
 * the first few with their dataset line numbers (and the per-reason count other commands share). Without it a run whose records all fail prints
 * an empty score table, and the reasons are only in the records file (or nowhere, without one).
 *
 * @module
 */
import type { EvaluationRecord, EvaluationResult } from "../evaluation/index.js";

/** How many failed records are shown one by one. */
const SHOWN = 5;
/** Longest error message shown for one record; the records file has the whole text. */
const MESSAGE_CHARS = 200;

/** A failed record as the summary shows it. */
interface FailedLine {
  line: number;
  code: string;
  where: string;
  message: string;
}

/**
 * Collects the failed records of a run from its record lines (`ModelEvaluator`'s `output`), in
 * any order, keeping only the {@link SHOWN} with the lowest line numbers: records finish in the
 * order their calls do, and the first lines of the file are where a user looks first.
 */
export class FailedRecords {
  readonly #first: FailedLine[] = [];

  /** Looks at one record line; a line without an error is ignored. */
  observe(recordLine: string): void {
    // Every record line is JSON; only failed ones have an `"error":{` key, and a string value
    // cannot contain that text unescaped, so the others are not parsed.
    if (!recordLine.includes('"error":{')) return;
    const record = JSON.parse(recordLine) as EvaluationRecord;
    const error = record.error;
    if (error === undefined) return;
    const stage =
      error.stage === "scoring" && error.algorithm !== undefined
        ? `scoring ${error.algorithm}`
        : (error.stage ?? "record");
    const failed: FailedLine = {
      line: record.line,
      code: error.code,
      where: stage,
      message: oneLine(error.message),
    };
    const at = this.#first.findIndex((f) => f.line > failed.line);
    if (at === -1) this.#first.push(failed);
    else this.#first.splice(at, 0, failed);
    if (this.#first.length > SHOWN) this.#first.pop();
  }

  /**
   * The summary for `result` (empty when no record failed): the count per reason, from the
   * result, then the first failed records. `output` is the records file, when there is one.
   */
  format(result: EvaluationResult, output: string | undefined): string {
    if (result.numFailed === 0) return "";
    const lines = [
      `${result.numFailed} of ${result.numRecords} records failed. By reason:`,
      ...reasonLines(result.failures),
    ];
    if (this.#first.length > 0) {
      lines.push(`First failed record${this.#first.length === 1 ? "" : "s"}:`);
      for (const f of this.#first)
        lines.push(`  line ${f.line}: ${f.code} (${f.where}): ${f.message}`);
    }
    const more = result.numFailed - this.#first.length;
    const where =
      output === undefined
        ? "give --output <records.jsonl> to keep every record with its error"
        : `every failed record, with its error, is in ${output}`;
    lines.push(more > 0 ? `... and ${more} more: ${where}.` : `${capitalized(where)}.`);
    return `${lines.join("\n")}\n`;
  }
}

/**
 * One line per reason (an error code) with its count, most frequent first, codes aligned:
 * `  HTTP_400  5`. Shared by the commands that summarise failures they kept going through.
 */
export function reasonLines(counts: Readonly<Record<string, number>>): string[] {
  const reasons = Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const width = Math.max(0, ...reasons.map(([code]) => code.length));
  return reasons.map(([code, count]) => `  ${code.padEnd(width)}  ${count}`);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MESSAGE_CHARS ? `${flat.slice(0, MESSAGE_CHARS - 3)}...` : flat;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
