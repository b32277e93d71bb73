/**
 * {@link JsonlSink}: records as JSON Lines.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";
import { parseJsonLines, rejectUnknownOptions } from "../core/internal.js";
import type { InvocationRecord } from "./record.js";
import type { MetricSink } from "./types.js";
import { defaultOutput, type TextOutput } from "./writable.js";

/** Options for {@link JsonlSink}. */
export interface JsonlSinkOptions {
  /** Where lines go: a `fs.WriteStream`, `process.stdout`... Default standard output. */
  output?: TextOutput;
}

// Typed by the interface, so the compiler keeps this list and the interface in step.
const KNOWN_OPTIONS: Record<keyof JsonlSinkOptions, true> = { output: true };
/**
 * Writes each record as one JSON line, immediately: the raw data for later analysis with
 * `summarize`, DuckDB, pandas or `jq`.
 *
 * @example
 * ```ts
 * import { createWriteStream } from "node:fs";
 * const jsonl = new JsonlSink({ output: createWriteStream("calls.jsonl", { flags: "a" }) });
 * ```
 */
export class JsonlSink implements MetricSink {
  readonly #output: TextOutput;

  constructor(options: JsonlSinkOptions = {}) {
    rejectUnknownOptions(options, KNOWN_OPTIONS, "JsonlSink options");
    const output = options.output ?? defaultOutput();
    if (typeof output?.write !== "function") {
      throw new ValidationError("JsonlSink output must have a write(chunk) method.", [
        { path: "output", message: "must have a write method" },
      ]);
    }
    this.#output = output;
  }

  write(record: InvocationRecord): void {
    this.#output.write(`${JSON.stringify(record)}\n`);
  }
}

/** The first top-level or `metrics` field holding a non-finite number, if any. */
function nonFiniteField(record: Record<string, unknown>): string | undefined {
  const bad = (v: unknown) => typeof v === "number" && !Number.isFinite(v);
  for (const [key, value] of Object.entries(record)) if (bad(value)) return key;
  const metrics = record.metrics;
  if (typeof metrics === "object" && metrics !== null) {
    for (const [key, value] of Object.entries(metrics)) if (bad(value)) return `metrics.${key}`;
  }
  return undefined;
}

/**
 * Parses JSON Lines written by {@link JsonlSink} back into records; blank lines are skipped. A
 * line that is not a record, or that holds a non-finite number (`1e309` reads as Infinity),
 * throws `VALIDATION_ERROR` naming the line.
 */
export function parseRecordsJsonl(text: string): InvocationRecord[] {
  const records: InvocationRecord[] = [];
  for (const { line, value } of parseJsonLines(text)) {
    const r = value as Partial<InvocationRecord>;
    if (
      typeof r !== "object" ||
      r === null ||
      typeof r.modelId !== "string" ||
      typeof r.e2eMs !== "number"
    ) {
      throw new ValidationError(
        `Line ${line} is not an invocation record (needs modelId and e2eMs).`,
        [{ path: `line ${line}`, message: "not an invocation record" }],
      );
    }
    const bad = nonFiniteField(r as Record<string, unknown>);
    if (bad !== undefined) {
      throw new ValidationError(
        `Line ${line} has a number that is not finite in ${bad}: JSON reads a huge number such as 1e309 as Infinity, which no record JsonlSink writes holds. Repair or remove the line.`,
        [{ path: `line ${line}: ${bad}`, message: "not a finite number" }],
      );
    }
    records.push({ dimensions: {}, metrics: {}, ...r } as InvocationRecord);
  }
  return records;
}
