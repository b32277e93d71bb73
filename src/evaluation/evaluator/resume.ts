/**
 * Resuming a {@link ModelEvaluator} run from the per-record output of an interrupted one.
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, isFmopsError, redact } from "../../core/index.js";
import { throwIfAborted } from "../../core/internal.js";
import { linesOf } from "../datasets/dataset.js";

/**
 * The fields of a per-record output line that resuming reads: an `EvaluationRecord` as the
 * evaluator writes it (`output` and `attempts` are not needed).
 */
export interface ResumableRecord {
  /** Zero-based record index in the dataset. */
  index: number;
  /** One-based line in the dataset file. */
  line: number;
  /** The record's category, when the dataset has one. */
  category?: string | undefined;
  /** The model input. */
  input: string;
  /** The targets. */
  targets: readonly string[];
  /** Milliseconds the model call took, when the evaluator measured it. */
  latencyMs?: number | undefined;
  /** Scores per algorithm name (`null` stands for NaN, as JSON writes it). */
  scores: Readonly<Record<string, Readonly<Record<string, number | null>>>>;
  /** Present when the record failed; such records are run again. */
  error?:
    | {
        /** The error code of the failure. */
        code: string;
        /** Its message. */
        message: string;
      }
    | undefined;
}

/**
 * The output of an earlier run to resume from: a file path (Node, Deno), an async iterable of
 * byte chunks (a Node stream, a `fetch` body) or of strings that are each one or more whole
 * lines, or the records themselves.
 */
export type ResumeSource = string | AsyncIterable<Uint8Array | string> | Iterable<ResumableRecord>;

/**
 * The options check for a resume source: a file path, or an (async) iterable. `records` names
 * what the iterable holds, for the message.
 */
export function resumeSourceSchema<T>(records: string) {
  return z.custom<T>(
    (v) =>
      typeof v === "string" ||
      (typeof v === "object" && v !== null && (Symbol.asyncIterator in v || Symbol.iterator in v)),
    `must be a file path, an async iterable of lines or byte chunks, or an iterable of ${records}`,
  );
}

/**
 * A line of the resumed output that is not a record the evaluator wrote. Code
 * `EVAL_RESUME_INVALID`; `line` is one-based (the item number for in-memory records).
 */
export class ResumeRecordError extends FmopsError {
  /** The offending line of the resumed output, one-based. */
  readonly line: number;

  constructor(line: number, problem: string, options: { cause?: unknown } = {}) {
    super(
      "EVAL_RESUME_INVALID",
      `Line ${line} of the output to resume from ${problem}. Resume only from a file ModelEvaluator wrote (one JSON record per line), or remove the line.`,
      { retryable: false, cause: options.cause },
    );
    this.line = line;
  }
}

/**
 * The resumed output was written for another dataset, sample, field mapping or set of
 * algorithms than this run. Code `EVAL_RESUME_MISMATCH`.
 */
export class ResumeMismatchError extends FmopsError {
  /** The record index the mismatch was found at. */
  readonly index: number;

  constructor(index: number, problem: string) {
    super(
      "EVAL_RESUME_MISMATCH",
      `${problem}. The output to resume from belongs to another dataset, sample (numRecords, seed), field mapping or set of algorithms: resume only with the same settings as the run that wrote it, or write to a new output without resuming.`,
      { retryable: false },
    );
    this.index = index;
  }
}

// The evaluator writes a score that could not be computed as null, so a number here is always
// finite; JSON reads `1e309` as Infinity, which only a damaged or forged file can hold.
const scoreValue = z.custom<number | null>(
  (v) => v === null || (typeof v === "number" && Number.isFinite(v)),
  "must be a finite number or null",
);
const recordSchema = z.looseObject({
  index: z.int().min(0).max(0xffff_fffe),
  line: z.int().min(1).max(0xffff_ffff),
  category: z.string().optional(),
  input: z.string(),
  targets: z.array(z.string()),
  scores: z.record(z.string(), z.record(z.string(), scoreValue)),
  latencyMs: z.number().min(0).optional(),
  error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
});

/** Two independent 32-bit FNV-1a style hashes of `text`, for a compact identity check. */
function fingerprint(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a >>> 0, b >>> 0];
}

/** What identifies a record's content: its input, targets and category. */
function contentOf(r: {
  input: string;
  targets: readonly string[];
  category?: string | undefined;
}): string {
  return JSON.stringify([r.input, r.targets, r.category ?? null]);
}

const SCORED = 1;
const MATCHED = 2;

/**
 * Growable parallel columns of the resumed records, about 21 bytes per record, so that resuming
 * a run of millions of records keeps its memory small.
 *
 * @internal
 */
export class ResumeColumns {
  /** Records held. */
  size = 0;
  /** Record index in the dataset. */
  index = new Uint32Array(64);
  /** Line in the dataset. */
  line = new Uint32Array(64);
  /** First half of the content fingerprint. */
  hashA = new Uint32Array(64);
  /** Second half of the content fingerprint. */
  hashB = new Uint32Array(64);
  /** Line in the resumed output. */
  source = new Uint32Array(64);
  /** `SCORED` and `MATCHED` bits. */
  flags = new Uint8Array(64);

  /** Appends one record. */
  push(index: number, line: number, hash: [number, number], source: number, flags: number): void {
    if (this.size === this.index.length) this.#grow(this.size * 2);
    const i = this.size++;
    this.index[i] = index;
    this.line[i] = line;
    this.hashA[i] = hash[0];
    this.hashB[i] = hash[1];
    this.source[i] = source;
    this.flags[i] = flags;
  }

  #grow(capacity: number): void {
    const grow = <T extends Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    const u32 = (n: number) => new Uint32Array(n);
    this.index = grow(this.index, u32);
    this.line = grow(this.line, u32);
    this.hashA = grow(this.hashA, u32);
    this.hashB = grow(this.hashB, u32);
    this.source = grow(this.source, u32);
    this.flags = grow(this.flags, (n) => new Uint8Array(n));
  }
}

/**
 * The records of a resumed output: which indexes are done (scored) and which must run again,
 * with what identifies each, sorted by index for lookup.
 *
 * @internal
 */
export class ResumeState {
  readonly #c: ResumeColumns;
  /** Records the resumed output had scored. */
  readonly scored: number;

  /** The records sorted by index, repeated indexes merged, and how many are scored. */
  constructor(columns: ResumeColumns, scored: number) {
    this.#c = columns;
    this.scored = scored;
  }

  /** Distinct records in the resumed output (scored or failed). */
  get size(): number {
    return this.#c.size;
  }

  /**
   * Whether `record` was scored already (`"scored"`: skip it) or must run (`"run"`: failed
   * before, or not reached). Throws {@link ResumeMismatchError} when the resumed output has a
   * different record at this index.
   */
  match(record: {
    index: number;
    line: number;
    input: string;
    targets: readonly string[];
    category?: string | undefined;
  }): "scored" | "run" {
    const c = this.#c;
    const slot = this.#find(record.index);
    if (slot < 0) return "run";
    const source = c.source[slot] as number;
    if (c.line[slot] !== record.line) {
      throw new ResumeMismatchError(
        record.index,
        `Record ${record.index} is on line ${record.line} of the dataset, but the output to resume from (line ${source}) has it on line ${c.line[slot]}`,
      );
    }
    const [a, b] = fingerprint(contentOf(record));
    if (c.hashA[slot] !== a || c.hashB[slot] !== b) {
      throw new ResumeMismatchError(
        record.index,
        `Record ${record.index} (dataset line ${record.line}) has another input, target or category than in the output to resume from (line ${source})`,
      );
    }
    const flags = c.flags[slot] as number;
    c.flags[slot] = flags | MATCHED;
    return flags & SCORED ? "scored" : "run";
  }

  /**
   * Throws {@link ResumeMismatchError} when a resumed record never matched a record of the
   * evaluated set: the output has records this dataset (or sample) does not.
   */
  assertAllMatched(what: "dataset" | "sample"): void {
    const c = this.#c;
    let missing = 0;
    let first = -1;
    for (let i = 0; i < c.size; i++) {
      if (((c.flags[i] as number) & MATCHED) === 0) {
        missing += 1;
        if (first < 0) first = i;
      }
    }
    if (first < 0) return;
    const more = missing > 1 ? ` (and ${missing - 1} more)` : "";
    throw new ResumeMismatchError(
      c.index[first] as number,
      `The output to resume from has record ${c.index[first]} (its line ${c.source[first]})${more}, which the evaluated ${what} does not have`,
    );
  }

  #find(index: number): number {
    const a = this.#c.index;
    let lo = 0;
    let hi = this.#c.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = a[mid] as number;
      if (v === index) return mid;
      if (v < index) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

/** Options of {@link loadResume}. */
export interface LoadResumeOptions {
  /** The evaluator's algorithm names: a scored record must have exactly these. */
  algorithms: readonly string[];
  /** Receives each scored record's category and scores, once, as it is read. */
  onScored: (
    category: string | undefined,
    scores: Record<string, Record<string, number>>,
    latencyMs: number | undefined,
  ) => void;
  /** Stops reading with `ABORTED`. */
  signal?: AbortSignal | undefined;
}

/**
 * Reads a resumed output, streaming: each scored record's scores go to `onScored` at once, and
 * only the compact identity of every record is kept. A last line that is not JSON (a run that
 * died mid-write) is ignored; any other bad line throws {@link ResumeRecordError}.
 *
 * @internal
 */
export async function loadResume(
  source: ResumeSource,
  options: LoadResumeOptions,
): Promise<ResumeState> {
  const columns = new ResumeColumns();
  const algorithms = [...options.algorithms].sort();
  const add = (value: unknown, at: number): void => {
    const parsed = recordSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.map(String).join(".")}: ` : "";
      throw new ResumeRecordError(at, `is not an evaluation record (${where}${issue?.message})`, {
        cause: parsed.error,
      });
    }
    const r = parsed.data;
    let flags = 0;
    if (r.error === undefined) {
      const names = Object.keys(r.scores).sort();
      if (names.join("\n") !== algorithms.join("\n")) {
        throw new ResumeMismatchError(
          r.index,
          `Line ${at} of the output to resume from has scores of ${names.join(", ") || "no algorithm"}, but this evaluation runs ${algorithms.join(", ")}`,
        );
      }
      const scores: Record<string, Record<string, number>> = {};
      for (const [name, byScore] of Object.entries(r.scores)) {
        const copy: Record<string, number> = {};
        // JSON writes NaN (a score that could not be computed) as null.
        for (const [k, v] of Object.entries(byScore)) copy[k] = v ?? Number.NaN;
        scores[name] = copy;
      }
      options.onScored(r.category, scores, r.latencyMs);
      flags = SCORED;
    }
    columns.push(r.index, r.line, fingerprint(contentOf(r)), at, flags);
  };

  if (typeof source === "string" || Symbol.asyncIterator in Object(source)) {
    for await (const { value, at } of readRecordLines(
      source as string | AsyncIterable<Uint8Array | string>,
      options.signal,
    )) {
      add(value, at);
    }
  } else if (typeof source === "object" && source !== null && Symbol.iterator in source) {
    let at = 0;
    for (const record of source as Iterable<ResumableRecord>) {
      throwIfAborted(options.signal);
      add(record, ++at);
    }
  } else {
    throw new FmopsError(
      "VALIDATION_ERROR",
      "resume must be a file path, an async iterable of lines or byte chunks, or an iterable of evaluation records.",
    );
  }
  return finish(columns);
}

/**
 * The JSON value of each non-blank line of a per-record output (a file path, or its bytes or
 * lines), with its one-based line number. A line that is not JSON is an error only when another
 * line follows it: a last line cut short is a crash mid-write, and its record simply runs again.
 *
 * @internal
 */
export async function* readRecordLines(
  source: string | AsyncIterable<Uint8Array | string>,
  signal?: AbortSignal,
): AsyncGenerator<{ value: unknown; at: number }> {
  const bytes = typeof source === "string" ? await openResumeFile(source) : source;
  let at = 0;
  // A line that is not JSON is held back: it is an error only if another line follows it.
  let pending: { at: number; text: string; cause: unknown } | undefined;
  for await (const text of linesOf(bytes, undefined, signal)) {
    at += 1;
    if (text.trim() === "") continue;
    if (pending !== undefined) {
      throw new ResumeRecordError(
        pending.at,
        `is not valid JSON (${redact(pending.text, 60)}), and it is not the last line, so it is not a write cut short by a crash`,
        { cause: pending.cause },
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      pending = { at, text, cause };
      continue;
    }
    yield { value, at };
  }
}

/** Sorts the columns by index and merges repeated indexes (a record that failed, then ran). */
function finish(c: ResumeColumns): ResumeState {
  const order = Array.from({ length: c.size }, (_, i) => i).sort(
    (x, y) =>
      (c.index[x] as number) - (c.index[y] as number) ||
      (c.source[x] as number) - (c.source[y] as number),
  );
  const out = new ResumeColumns();
  let scored = 0;
  for (const i of order) {
    const last = out.size - 1;
    const flags = c.flags[i] as number;
    if (last >= 0 && out.index[last] === c.index[i]) {
      if (
        out.line[last] !== c.line[i] ||
        out.hashA[last] !== c.hashA[i] ||
        out.hashB[last] !== c.hashB[i]
      ) {
        throw new ResumeRecordError(
          c.source[i] as number,
          `has record ${c.index[i]} with another line, input, target or category than line ${out.source[last]}: the file mixes the output of different datasets`,
        );
      }
      if (flags & SCORED) {
        if ((out.flags[last] as number) & SCORED) {
          throw new ResumeRecordError(
            c.source[i] as number,
            `scores record ${c.index[i]} again (line ${out.source[last]} scored it already): the file holds more than one run's output, so its scores would count twice`,
          );
        }
        out.flags[last] = SCORED;
        out.source[last] = c.source[i] as number;
        scored += 1;
      }
      continue;
    }
    out.push(
      c.index[i] as number,
      c.line[i] as number,
      [c.hashA[i] as number, c.hashB[i] as number],
      c.source[i] as number,
      flags,
    );
    if (flags & SCORED) scored += 1;
  }
  return new ResumeState(out, scored);
}

async function openResumeFile(path: string): Promise<AsyncIterable<Uint8Array>> {
  try {
    return await (await import("../datasets/jsonl-file.js")).openJsonlFile(path);
  } catch (err) {
    if (isFmopsError(err) && err.code === "DATASET_NOT_FOUND") {
      throw new FmopsError(
        "EVAL_RESUME_NOT_FOUND",
        `Cannot read the output to resume from, "${path.slice(0, 200)}": check the path, or start without resume when there is no earlier output.`,
        { cause: err.cause ?? err },
      );
    }
    throw err;
  }
}

/** What {@link repairRecordsFile} did. */
export interface RepairResult {
  /** Whether the file exists (nothing is done when it does not). */
  exists: boolean;
  /** Bytes cut from the end: an unfinished last line. */
  removedBytes: number;
  /** Whether a newline was added after a complete last record that lacked one. */
  addedNewline: boolean;
}

/**
 * Makes a per-record output file safe to append to before resuming (Node, Deno): when a crash
 * cut the last line short, the unfinished line is removed (its record runs again); when the
 * last record is whole but has no newline, one is added. Without this, the first appended
 * record would join the broken line. A missing file is left missing.
 *
 * @example
 * ```ts
 * await repairRecordsFile("records.jsonl");
 * await evaluator.evaluate(data, {
 *   resume: "records.jsonl",
 *   output: createWriteStream("records.jsonl", { flags: "a" }),
 * });
 * ```
 */
export async function repairRecordsFile(path: string): Promise<RepairResult> {
  const { open } = await import("node:fs/promises");
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r+");
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") {
      return { exists: false, removedBytes: 0, addedNewline: false };
    }
    throw new FmopsError(
      "EVAL_RESUME_NOT_FOUND",
      `Cannot open the output file "${path.slice(0, 200)}" to repair it: check its permissions.`,
      { cause: err },
    );
  }
  try {
    const { size } = await handle.stat();
    const result: RepairResult = { exists: true, removedBytes: 0, addedNewline: false };
    if (size === 0) return result;
    const byte = new Uint8Array(1);
    await handle.read(byte, 0, 1, size - 1);
    if (byte[0] === 0x0a) return result;
    // Find where the last line starts, reading backwards in blocks.
    const block = new Uint8Array(64 * 1024);
    let start = 0;
    for (let end = size; end > 0; ) {
      const length = Math.min(block.length, end);
      const from = end - length;
      await handle.read(block, 0, length, from);
      const at = block.subarray(0, length).lastIndexOf(0x0a);
      if (at >= 0) {
        start = from + at + 1;
        break;
      }
      end = from;
    }
    const tail = new Uint8Array(size - start);
    await handle.read(tail, 0, tail.length, start);
    let whole = false;
    try {
      JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(tail));
      whole = true;
    } catch {
      whole = false;
    }
    if (whole) {
      await handle.write("\n", size);
      result.addedNewline = true;
    } else {
      await handle.truncate(start);
      result.removedBytes = size - start;
    }
    return result;
  } finally {
    await handle.close();
  }
}
