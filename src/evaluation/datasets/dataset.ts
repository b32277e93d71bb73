/**
 * {@link Dataset}: evaluation records streamed from JSON Lines, with JMESPath field locations.
 *
 * @module
 */
import { z } from "zod";
import {
  FmopsError,
  isFmopsError,
  parseOptions,
  redact,
  ValidationError,
} from "../../core/index.js";
import { schemaFor, throwIfAborted } from "../../core/internal.js";
import { LineIterator } from "../../streaming/index.js";
import { compileJmesPath, type JmesPathQuery } from "../runners/jmespath.js";

/** The longest line read when `maxLineBytes` is not given (LineIterator's default too): 16 MiB. */
const DEFAULT_LINE_LIMIT = 16 * 1024 * 1024;

/** One record of a {@link Dataset}. */
export interface DatasetRecord {
  /** Zero-based position among the dataset's records (blank lines are not records). */
  index: number;
  /** One-based line number in the JSON Lines source. */
  line: number;
  /** The model input the `input` location selected. */
  input: string;
  /** Acceptable answers the `target` location selected (empty when no target was configured). */
  targets: string[];
  /** The category the `category` location selected, when configured. */
  category?: string | undefined;
  /** The parsed JSON line, for runners that read other fields (e.g. precomputed outputs). */
  data: unknown;
}

/** Where each field of a record lives: JMESPath expressions evaluated on each JSON line. */
export interface DatasetLocations {
  /** The model input, a string (e.g. `"question"`, `"document.text"`). */
  input: string;
  /**
   * The target answer: a string, or an array of strings meaning several acceptable answers
   * (scores take the best). Optional for algorithms that need none.
   */
  target?: string | undefined;
  /** The category used for per-category scores: a string or number. Optional. */
  category?: string | undefined;
}

/** Options of {@link Dataset.fromJsonl}. */
export interface DatasetOptions extends DatasetLocations {
  /** Longest accepted line in bytes. Default 16 MiB (see `LineIterator`). */
  maxLineBytes?: number | undefined;
  /** Stops reading with `ABORTED`. */
  signal?: AbortSignal | undefined;
}

/**
 * What {@link Dataset.fromJsonl} reads: a file path (Node, Deno), a function that opens a fresh
 * source for each pass, or one source read once. A source is an async iterable of byte chunks
 * (a `fetch` body, a Node stream) or of strings, each string being one or more whole lines
 * (what `readline` yields).
 */
export type JsonlSource =
  | string
  | AsyncIterable<Uint8Array | string>
  | (() => AsyncIterable<Uint8Array | string>);

const optionsSchema = schemaFor<DatasetOptions>()(
  z
    .object({
      input: z.string().min(1),
      target: z.string().min(1).optional(),
      category: z.string().min(1).optional(),
      maxLineBytes: z.int().positive().optional(),
      signal: z.instanceof(AbortSignal).optional(),
    })
    .strict(),
);

/** A JSON line that is not a valid record. Code `DATASET_RECORD_INVALID`; `line` is one-based. */
export class DatasetRecordError extends FmopsError {
  /** The offending line, one-based. */
  readonly line: number;

  constructor(line: number, problem: string, options: { cause?: unknown } = {}) {
    super(
      "DATASET_RECORD_INVALID",
      `Dataset line ${line}: ${problem}. Fix the line or the JMESPath locations given to Dataset.fromJsonl.`,
      { retryable: false, cause: options.cause },
    );
    this.line = line;
  }
}

type Compiled = { input: JmesPathQuery; target?: JmesPathQuery; category?: JmesPathQuery };

/** Turns one JSON line into a record, or throws {@link DatasetRecordError}. */
function toRecord(text: string, line: number, index: number, q: Compiled): DatasetRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new DatasetRecordError(line, `not valid JSON (${redact(text, 60)})`, { cause: err });
  }
  const select = (query: JmesPathQuery, field: string): unknown => {
    try {
      return query(data);
    } catch (err) {
      throw new DatasetRecordError(line, `the ${field} location failed on this record`, {
        cause: err,
      });
    }
  };
  const input = select(q.input, "input");
  if (typeof input !== "string") {
    throw new DatasetRecordError(line, `the input location selected ${kind(input)}, not a string`);
  }
  const record: DatasetRecord = { index, line, input, targets: [], data };
  if (q.target) {
    const target = select(q.target, "target");
    if (typeof target === "string") record.targets = [target];
    else if (
      Array.isArray(target) &&
      target.length > 0 &&
      target.every((t) => typeof t === "string")
    ) {
      record.targets = target as string[];
    } else {
      throw new DatasetRecordError(
        line,
        `the target location selected ${kind(target)}, not a string or a non-empty array of strings`,
      );
    }
  }
  if (q.category) {
    const category = select(q.category, "category");
    if (typeof category === "string" || typeof category === "number") {
      record.category = String(category);
    } else {
      throw new DatasetRecordError(
        line,
        `the category location selected ${kind(category)}, not a string or number`,
      );
    }
  }
  return record;
}

function kind(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/**
 * Lines of a source: bytes go through `LineIterator`; strings are already lines. Shared with
 * the evaluator's resume reader, so both read JSON Lines alike.
 *
 * @internal
 */
export async function* linesOf(
  source: AsyncIterable<Uint8Array | string>,
  maxLineBytes: number | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<string> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const rest: AsyncIterable<Uint8Array | string> = {
    [Symbol.asyncIterator]: () => iterator,
  };
  if (typeof first.value === "string") {
    for (const l of first.value.split("\n")) yield l;
    for await (const item of rest) {
      throwIfAborted(signal);
      if (typeof item !== "string") {
        throw new FmopsError(
          "DATASET_SOURCE_INVALID",
          "A dataset source mixed strings and byte chunks: yield only lines (strings) or only Uint8Array chunks.",
        );
      }
      for (const l of item.split("\n")) yield l;
    }
    return;
  }
  // Put the first chunk back in front of the rest, then split bytes into lines.
  async function* bytes(): AsyncGenerator<Uint8Array> {
    yield first.value as Uint8Array;
    for await (const item of rest) yield item as Uint8Array;
  }
  yield* new LineIterator(bytes(), { maxLineBytes, signal });
}

/**
 * A dataset of evaluation records read from JSON Lines, one record per non-blank line, streamed:
 * only the line being parsed is held in memory. Each field is found with a JMESPath expression
 * (as fmeval's `DataConfig` locations). A line that is not JSON, or whose input is not a string,
 * throws {@link DatasetRecordError} (`DATASET_RECORD_INVALID`) naming the line.
 *
 * A dataset built from a path or a function can be iterated any number of times; one built from
 * a ready stream can be iterated once.
 *
 * @example
 * ```ts
 * const data = Dataset.fromJsonl("qa.jsonl", { input: "question", target: "answers", category: "topic" });
 * for await (const record of data) console.log(record.line, record.input, record.targets);
 * ```
 */
export class Dataset implements AsyncIterable<DatasetRecord> {
  readonly #open: () => Promise<AsyncIterable<Uint8Array | string>>;
  readonly #queries: Compiled;
  readonly #maxLineBytes: number;
  readonly #signal: AbortSignal | undefined;

  private constructor(
    open: () => Promise<AsyncIterable<Uint8Array | string>>,
    options: z.output<typeof optionsSchema>,
  ) {
    this.#open = open;
    this.#queries = { input: compileJmesPath(options.input, "input") };
    if (options.target) this.#queries.target = compileJmesPath(options.target, "target");
    if (options.category) this.#queries.category = compileJmesPath(options.category, "category");
    // Given explicitly, so that the limit a too-long line is refused at is the one its error names.
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_LINE_LIMIT;
    this.#signal = options.signal;
  }

  /**
   * A dataset over JSON Lines. A string is a file path, read lazily through `node:fs` when
   * iteration starts (so bundles for the web never load it); anything else is an async iterable
   * of byte chunks or lines, or a function returning one per pass. Options are checked (and JMESPath compiled) here: `VALIDATION_ERROR`.
   */
  static fromJsonl(source: JsonlSource, options: DatasetOptions): Dataset {
    const parsed = parseOptions(optionsSchema, options, "Dataset.fromJsonl options");
    let open: () => Promise<AsyncIterable<Uint8Array | string>>;
    if (typeof source === "string") {
      const path = source;
      open = async () => (await import("./jsonl-file.js")).openJsonlFile(path);
    } else if (typeof source === "function") {
      open = async () => source();
    } else if (
      typeof source === "object" &&
      source !== null &&
      typeof source[Symbol.asyncIterator] === "function"
    ) {
      let used = false;
      open = async () => {
        if (used) {
          throw new FmopsError(
            "DATASET_ALREADY_CONSUMED",
            "This dataset was built from a stream, which can be read once. Pass a file path or a function that opens the stream to read it again.",
          );
        }
        used = true;
        return source;
      };
    } else {
      throw new ValidationError(
        "Dataset.fromJsonl needs a file path, an async iterable of lines or byte chunks, or a function returning one.",
        [{ path: "source", message: "not a path, async iterable or function" }],
      );
    }
    return new Dataset(open, parsed);
  }

  /** Streams the records in file order. */
  async *[Symbol.asyncIterator](): AsyncIterator<DatasetRecord> {
    throwIfAborted(this.#signal);
    const source = await this.#open();
    let line = 0;
    let index = 0;
    try {
      for await (const text of linesOf(source, this.#maxLineBytes, this.#signal)) {
        line += 1;
        throwIfAborted(this.#signal);
        if (text.trim() === "") continue;
        yield toRecord(text, line, index, this.#queries);
        index += 1;
      }
    } catch (err) {
      // The line splitter knows bytes, not lines: say which line of the file is too long.
      if (isFmopsError(err) && err.code === "STREAM_LINE_TOO_LONG") {
        throw new DatasetRecordError(
          line + 1,
          `longer than ${this.#maxLineBytes} bytes, the maxLineBytes limit (check that the file holds one JSON record per line, or raise the limit)`,
          { cause: err },
        );
      }
      throw err;
    }
  }
}
