/**
 * {@link RecursiveTextSplitter}: cuts documents into chunks of bounded size at the most natural
 * boundary available (paragraph, then line, then sentence, then word, then character), with
 * overlap, exact source offsets and stable ids.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions, ValidationError } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import { metadataSchema } from "./metadata-schema.js";
import type { Chunk, Document } from "./types.js";

/** Counts the size of a text in the unit chunks are measured in (tokens of your tokenizer). */
export type LengthFunction = (text: string) => number;

/** Options for {@link RecursiveTextSplitter}. */
export interface RecursiveTextSplitterOptions {
  /** Maximum chunk size in characters, or in the units of `lengthFunction`. Default 1000. */
  chunkSize?: number;
  /** How much of the end of a chunk the next chunk repeats, same unit. Default 0; must be < chunkSize. */
  chunkOverlap?: number;
  /**
   * Measures text in tokens instead of characters (e.g. a tokenizer's `encode(t).length`).
   * Default: UTF-16 length.
   */
  lengthFunction?: LengthFunction;
  /**
   * Boundaries to try, most natural first, as regular expressions; a match ends a piece (the
   * matched text stays with the piece before it). Default: paragraph, line, sentence, word.
   * Characters are always the last resort.
   */
  separators?: readonly RegExp[];
}

/** The default boundaries: blank line, line break, end of sentence, whitespace. */
export const DEFAULT_SEPARATORS: readonly RegExp[] = Object.freeze([
  /\n[ \t]*\n\s*/g,
  /\n/g,
  /[.!?\u3002\uff01\uff1f]+["'\u201d\u2019)\]]*(?:\s+|$)/g,
  /\s+/g,
]);

const optionsSchema = schemaFor<RecursiveTextSplitterOptions>()(
  z
    .object({
      chunkSize: z.int().positive().max(10_000_000).optional(),
      chunkOverlap: z.int().min(0).optional(),
      lengthFunction: z
        .custom<LengthFunction>((v) => typeof v === "function", "must be a function")
        .optional(),
      separators: z.array(z.instanceof(RegExp)).readonly().optional(),
    })
    .strict(),
);

const documentSchema = schemaFor<Document>()(
  z.object({
    id: z.string().min(1),
    text: z.string(),
    metadata: metadataSchema.optional(),
  }),
);

/** A half-open range `[start, end)` of UTF-16 code-unit offsets into a document's text. */
export interface Span {
  /** Offset of the first character in the range. */
  start: number;
  /** Offset just past the last character in the range (exclusive). */
  end: number;
}

/**
 * Splits documents into chunks no larger than `chunkSize`, preferring paragraph boundaries, then
 * lines, sentences, words and finally characters (never inside a surrogate pair). Chunks are
 * exact slices of the document with leading and trailing whitespace left out; together they
 * cover every non-whitespace character. Each chunk's metadata holds the document's metadata plus
 * `documentId`, `chunkIndex`, `start` and `end` offsets.
 *
 * @example
 * ```ts
 * const splitter = new RecursiveTextSplitter({ chunkSize: 800, chunkOverlap: 100 });
 * const chunks = splitter.split({ id: "guide.md", text, metadata: { source: "docs/guide.md" } });
 * // chunks[0].id === "guide.md#0"; text.slice(chunks[0].metadata.start, chunks[0].metadata.end) === chunks[0].text
 * ```
 */
export class RecursiveTextSplitter {
  /** Maximum chunk size. */
  readonly chunkSize: number;
  /** Overlap between consecutive chunks. */
  readonly chunkOverlap: number;
  readonly #length: LengthFunction;
  readonly #additive: boolean;
  readonly #separators: readonly RegExp[];

  constructor(options: RecursiveTextSplitterOptions = {}) {
    const o = parseOptions(optionsSchema, options, "RecursiveTextSplitter options");
    this.chunkSize = o.chunkSize ?? 1000;
    this.chunkOverlap = o.chunkOverlap ?? 0;
    if (this.chunkOverlap >= this.chunkSize) {
      throw new ValidationError(
        `Invalid RecursiveTextSplitter options: chunkOverlap (${this.chunkOverlap}) must be smaller than chunkSize (${this.chunkSize}).`,
        [{ path: "chunkOverlap", message: "must be smaller than chunkSize" }],
      );
    }
    this.#length = o.lengthFunction ?? ((t: string) => t.length);
    // Character lengths add up exactly, so pieces can be summed instead of re-measured.
    this.#additive = o.lengthFunction === undefined;
    this.#separators = (o.separators ?? DEFAULT_SEPARATORS).map(
      (r) => new RegExp(r.source, r.flags.includes("g") ? r.flags : `${r.flags}g`),
    );
  }

  /** Splits one document into chunks. */
  split(document: Document): Chunk[] {
    const doc = parseOptions(documentSchema, document, "document");
    const text = doc.text;
    const spans = this.splitText(text);
    return spans.map((span, chunkIndex) => ({
      id: `${doc.id}#${chunkIndex}`,
      text: text.slice(span.start, span.end),
      metadata: {
        ...(doc.metadata ?? {}),
        documentId: doc.id,
        chunkIndex,
        start: span.start,
        end: span.end,
      },
    }));
  }

  /** Splits many documents; chunks keep the documents' order. */
  splitAll(documents: readonly Document[]): Chunk[] {
    return documents.flatMap((d) => this.split(d));
  }

  /** The chunk spans (`[start, end)` offsets) of a text, whitespace trimmed. */
  splitText(text: string): Span[] {
    const pieces = this.#pieces(text, { start: 0, end: text.length }, 0);
    return this.#merge(text, pieces);
  }

  #measure(text: string, span: Span): number {
    return this.#length(text.slice(span.start, span.end));
  }

  /** Cuts a span into pieces each within chunkSize, at the most natural boundary that works. */
  #pieces(text: string, span: Span, level: number): Span[] {
    if (this.#measure(text, span) <= this.chunkSize) return [span];
    if (level >= this.#separators.length) return this.#characters(text, span);
    const cuts = this.#cuts(text, span, this.#separators[level] as RegExp);
    if (cuts.length <= 1) return this.#pieces(text, span, level + 1);
    const out: Span[] = [];
    for (const piece of cuts) {
      for (const p of this.#pieces(text, piece, level + 1)) out.push(p);
    }
    return out;
  }

  #cuts(text: string, span: Span, separator: RegExp): Span[] {
    const out: Span[] = [];
    const slice = text.slice(span.start, span.end);
    separator.lastIndex = 0;
    let from = 0;
    for (let m = separator.exec(slice); m !== null; m = separator.exec(slice)) {
      if (m[0].length === 0) {
        separator.lastIndex++;
        continue;
      }
      const end = m.index + m[0].length;
      if (end > from) {
        out.push({ start: span.start + from, end: span.start + end });
        from = end;
      }
    }
    if (from < slice.length) out.push({ start: span.start + from, end: span.end });
    return out;
  }

  /** Last resort: single code points (a lone character over the limit still becomes a piece). */
  #characters(text: string, span: Span): Span[] {
    const out: Span[] = [];
    for (let i = span.start; i < span.end; ) {
      const cp = text.codePointAt(i) ?? 0;
      const width = cp > 0xffff ? 2 : 1;
      out.push({ start: i, end: Math.min(i + width, span.end) });
      i += width;
    }
    return out;
  }

  /** Greedily packs consecutive pieces into chunks, repeating up to `chunkOverlap` at each start. */
  #merge(text: string, pieces: Span[]): Span[] {
    const chunks: Span[] = [];
    const fits = (from: number, to: number, limit: number): boolean => {
      // pieces[from..to] inclusive; pieces are contiguous, so character length is end - start.
      if (this.#additive) return (pieces[to] as Span).end - (pieces[from] as Span).start <= limit;
      const span = { start: (pieces[from] as Span).start, end: (pieces[to] as Span).end };
      return this.#measure(text, span) <= limit;
    };
    let first = 0;
    while (first < pieces.length) {
      let last = first;
      while (last + 1 < pieces.length && fits(first, last + 1, this.chunkSize)) last++;
      const trimmed = trim(text, (pieces[first] as Span).start, (pieces[last] as Span).end);
      // With overlap, a chunk can repeat the previous one plus whitespace only: skip it.
      const previous = chunks[chunks.length - 1];
      if (trimmed && (previous === undefined || trimmed.end > previous.end)) chunks.push(trimmed);
      if (last + 1 >= pieces.length) break;
      // The next chunk starts with the longest tail of this one that fits in the overlap and
      // still leaves room for the next piece; it always starts after `first`, so we progress.
      let next = last + 1;
      if (this.chunkOverlap > 0) {
        while (
          next - 1 > first &&
          fits(next - 1, last, this.chunkOverlap) &&
          fits(next - 1, last + 1, this.chunkSize)
        ) {
          next--;
        }
      }
      first = next;
    }
    return chunks;
  }
}

function trim(text: string, start: number, end: number): Span | undefined {
  let s = start;
  let e = end;
  while (s < e && /\s/.test(text[s] as string)) s++;
  while (e > s && /\s/.test(text[e - 1] as string)) e--;
  return s < e ? { start: s, end: e } : undefined;
}
