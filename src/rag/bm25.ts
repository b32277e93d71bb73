/**
 * {@link Bm25Index}: the embedded lexical retriever. An inverted index with Lucene's BM25
 * scoring and English analysis, so scores match what OpenSearch / Elasticsearch would give for
 * the same documents, with no service to run.
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, parseOptions, ValidationError } from "../core/index.js";
import { schemaFor, throwIfAborted } from "../core/internal.js";
import { type Analyzer, englishAnalyzer } from "./analyzer.js";
import { bestFirst, type Ranked } from "./bm25-best-first.js";
import { type ScoredTerm, type TopKScratch, topKByMaxScore } from "./bm25-top-k.js";
import { evaluateFilter, type FilterNode, type MetadataFilter, parseFilter } from "./filter.js";
import { luceneLength } from "./lucene-norms.js";
import { MetadataIndex } from "./metadata-index.js";
import { metadataFilterSchema, metadataSchema } from "./metadata-schema.js";
import { editableCopy, frozenCopy, NO_METADATA } from "./metadata-snapshot.js";
import { PostingList } from "./posting-list.js";
import { sourceOf } from "./source.js";
import { TopK } from "./top-k.js";
import {
  DEFAULT_K,
  type Metadata,
  type RetrievedChunk,
  type RetrieveOptions,
  type Retriever,
} from "./types.js";

/** A document to index: anything with an id and a text (a {@link Document} or a {@link Chunk}). */
export interface IndexDocument {
  /** Unique id; adding an id again replaces the earlier document. */
  id: string;
  /** The text to index and return. */
  text: string;
  /** Metadata for filters, returned with results. */
  metadata?: Metadata;
}

/** Options for {@link Bm25Index}. */
export interface Bm25IndexOptions {
  /** Term-frequency saturation. Default 0.9 (Lucene's and OpenSearch's default is 1.2; Anserini's 0.9). */
  k1?: number;
  /** Length normalization, 0..1. Default 0.4. */
  b?: number;
  /**
   * `"lucene"` (default) rounds document lengths the way Lucene stores them (one byte), so scores
   * equal Lucene's; `"exact"` uses exact lengths.
   */
  lengthNorm?: "lucene" | "exact";
  /** Stop words for the built-in English analyzer. Default Lucene's English set. */
  stopWords?: readonly string[];
  /** Porter stemming in the built-in analyzer. Default true. */
  stem?: boolean;
  /**
   * A custom analyzer (text -> terms) replacing the English one. It is not serialized: pass it
   * again to {@link Bm25Index.fromJSON}.
   */
  analyzer?: Analyzer;
}

/** Per-call options of {@link Bm25Index.search}. */
export interface Bm25SearchOptions {
  /** How many results. Default 4. */
  k?: number;
  /** Only documents whose metadata match. */
  filter?: MetadataFilter;
}

/** One query term's share of a score, from {@link Bm25Index.explain}. */
export interface Bm25TermExplanation {
  /** The analyzed query term (stemmed, lowercased). */
  term: string;
  /** How often the term occurs in the document (0: it adds nothing). */
  tf: number;
  /** How many indexed documents contain the term. */
  docFreq: number;
  /** `ln(1 + (N - docFreq + 0.5) / (docFreq + 0.5))`; 0 when no document contains the term. */
  idf: number;
  /** The document's length normalization, `1 - b + b * dl / avgdl`. */
  lengthNorm: number;
  /** `idf * tf / (tf + k1 * lengthNorm)`: what this term adds to the score. */
  contribution: number;
}

/** Why a document scores what it does for a query, from {@link Bm25Index.explain}. */
export interface Bm25Explanation {
  /** The document id. */
  id: string;
  /** The sum of the contributions, in query order: the same double `search` returns. */
  score: number;
  /** Terms in the document. */
  documentLength: number;
  /** The length BM25 uses: Lucene-rounded unless `lengthNorm` is `"exact"`. */
  scoredLength: number;
  /** Mean term count over the indexed documents. */
  avgDocumentLength: number;
  /** Number of indexed documents. */
  documents: number;
  /** The index's term-frequency saturation. */
  k1: number;
  /** The index's length-normalization weight. */
  b: number;
  /** One entry per analyzed query term, in query order, repeats included. */
  terms: Bm25TermExplanation[];
}

/** The serialized form of a {@link Bm25Index} (plain JSON). */
export interface Bm25IndexJson {
  /** Always `"fmops.bm25"`. */
  format: "fmops.bm25";
  /** Format version, 1. */
  version: 1;
  /** Scoring and analysis settings. */
  options: {
    /** Term-frequency saturation the index was built with. */
    k1: number;
    /** Length normalization (0 to 1) the index was built with. */
    b: number;
    /** How document lengths are stored: Lucene-rounded or exact. */
    lengthNorm: "lucene" | "exact";
    /** The custom stop-word list; absent for the default English set. */
    stopWords?: string[];
    /** Whether the built-in analyzer applies Porter stemming. */
    stem: boolean;
    /** Whether a custom analyzer was used; `fromJSON` then requires it again. */
    customAnalyzer: boolean;
  };
  /** The vocabulary; documents refer to terms by position. */
  terms: string[];
  /** The documents with their analyzed terms as `[termIndex, frequency, ...]` pairs. */
  documents: {
    /** The document id. */
    id: string;
    /** The original text, returned with results. */
    text: string;
    /** The document's metadata (`{}` when it had none). */
    metadata: Metadata;
    /** Flat `[termIndex, frequency, ...]` pairs; `termIndex` points into `terms`. */
    terms: number[];
  }[];
}

const optionsSchema = schemaFor<Bm25IndexOptions>()(
  z
    .object({
      k1: z.number().min(0).max(1000).optional(),
      b: z.number().min(0).max(1).optional(),
      lengthNorm: z.enum(["lucene", "exact"]).optional(),
      stopWords: z.array(z.string()).readonly().optional(),
      stem: z.boolean().optional(),
      analyzer: z.custom<Analyzer>((v) => typeof v === "function", "must be a function").optional(),
    })
    .strict(),
);

const documentSchema = schemaFor<IndexDocument>()(
  z.object({
    id: z.string().min(1),
    text: z.string(),
    metadata: metadataSchema.optional(),
  }),
);

const searchSchema = schemaFor<Bm25SearchOptions>()(
  z.object({
    k: z.int().min(0).max(100_000).optional(),
    filter: metadataFilterSchema.optional(),
  }),
);

/**
 * An in-memory BM25 index that is a {@link Retriever}. Analysis follows Lucene's English
 * analyzer; a document scores, for each query term t (repeated terms count again, as in a
 * Lucene `match` query):
 *
 * `idf(t) * tf / (tf + k1 * (1 - b + b * dl / avgdl))`, with
 * `idf(t) = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))`,
 *
 * where N is the number of documents, n(t) how many contain t, tf the term's frequency in the
 * document, dl the document's term count (Lucene-rounded by default) and avgdl the mean term
 * count. Queries walk only the posting lists of the query terms, and a query returns k results
 * whenever k matching documents contain a query term. Metadata is indexed when a document is
 * added (value -> documents): when reading that index costs less than the posting lists, a filter
 * first becomes the set of documents it selects and postings of other documents are skipped
 * without being scored; otherwise the filter is tested only on documents that would enter the
 * top k. Metadata is a snapshot: the index copies it when a document is added or loaded, indexes
 * that copy (and reads a result's `source` from it then), and freezes it. Results and
 * {@link Bm25Index.documents} return that frozen copy, so editing it throws a `TypeError` (in
 * strict-mode code; elsewhere an assignment is silently ignored) and can never make a filtered
 * result depend on which way the filter was answered. To change metadata, add the document again.
 *
 * Everything that does not depend on the query is computed before it: each document's
 * normalized length is rounded once when it is added, and the per-document part of the
 * denominator, `k1 * (1 - b + b * dl / avgdl)`, is kept in one array that is refreshed only
 * when the collection (and so avgdl) has changed since the last query; each term's per-posting
 * contributions are likewise computed once per collection state, on the term's first query.
 * Top-k queries use MaxScore: once the k-th best score exceeds what the remaining (long,
 * low-idf) terms could add, their posting lists are no longer walked, only searched for the
 * documents still in the running. A filter the metadata index did not answer takes part: the
 * k-th best score is then that of accepted documents, and the filter is tested only on documents
 * whose score could enter the top k, not on every match. The top k is the same documents with
 * the same doubles as scoring every posting: bit-for-bit the formula above, summed in query
 * order ({@link Bm25Index.explain} shows the terms of one score).
 *
 * @example
 * ```ts
 * const index = new Bm25Index();
 * index.add([
 *   { id: "a", text: "Bedrock runs foundation models", metadata: { team: "ml" } },
 *   { id: "b", text: "Athena queries data in S3", metadata: { team: "data" } },
 * ]);
 * const hits = await index.retrieve("which service runs models?", { k: 1 });
 * // hits[0].id === "a"
 * ```
 */
export class Bm25Index implements Retriever {
  /** Term-frequency saturation parameter. */
  readonly k1: number;
  /** Length-normalization parameter. */
  readonly b: number;
  /** How document lengths are normalized. */
  readonly lengthNorm: "lucene" | "exact";
  readonly #analyze: Analyzer;
  readonly #stopWords: readonly string[] | undefined;
  readonly #stem: boolean;
  readonly #custom: boolean;

  readonly #termIds = new Map<string, number>();
  readonly #terms: string[] = [];
  readonly #postings: PostingList[] = [];
  readonly #slotOf = new Map<string, number>();
  readonly #ids: (string | undefined)[] = [];
  readonly #texts: string[] = [];
  readonly #metadata: Metadata[] = [];
  /**
   * Per slot: the result's `source`, read from the metadata when the document is added (like the
   * metadata index), so building a result does not search the metadata for it.
   */
  readonly #sources: (string | undefined)[] = [];
  readonly #lengths: number[] = [];
  readonly #docTerms: Int32Array[] = [];
  readonly #free: number[] = [];
  #sumLength = 0;
  readonly #index = new MetadataIndex();
  /** Per slot: the document length BM25 uses (Lucene-rounded unless lengthNorm is "exact"). */
  #scoredLengths = new Float64Array(0);
  /** Per slot: `k1 * (1 - b + b * dl / avgdl)` for the avgdl in {@link #denominatorsAvgdl}. */
  #denominators = new Float64Array(0);
  /** The avgdl `#denominators` was computed for; NaN once a document is added or removed. */
  #denominatorsAvgdl = Number.NaN;
  /**
   * Per term: each posting's BM25 contribution, `idf * tf / (tf + denominator)`, computed on first
   * use after the collection changed, so a query only adds precomputed doubles.
   */
  readonly #impacts: (Float64Array | undefined)[] = [];
  /** Per term: the largest of its {@link #impacts} (MaxScore's bound). */
  readonly #maxImpacts: number[] = [];
  /** Per term: the {@link #generation} its {@link #impacts} were computed for. */
  readonly #impactsGeneration: number[] = [];
  /** Bumped whenever a document is added or removed (N, avgdl and posting lists change). */
  #generation = 0;
  /** Per-slot score accumulator, all zero between queries (only touched entries are reset). */
  #scores = new Float64Array(0);
  /** Slots given a score by the current query, in first-touched order. */
  #touched = new Int32Array(0);
  /** Per-slot buffers of the MaxScore evaluation (see {@link TopKScratch}), grown with the slots. */
  #scratch: TopKScratch = {
    scores: this.#scores,
    touched: this.#touched,
    candidates: new Int32Array(0),
    verdicts: new Uint8Array(0),
    marks: new Uint32Array(0),
    gathered: new Float64Array(0),
  };

  constructor(options: Bm25IndexOptions = {}) {
    const o = parseOptions(optionsSchema, options, "Bm25Index options");
    this.k1 = o.k1 ?? 0.9;
    this.b = o.b ?? 0.4;
    this.lengthNorm = o.lengthNorm ?? "lucene";
    this.#stopWords = o.stopWords;
    this.#stem = o.stem ?? true;
    this.#custom = o.analyzer !== undefined;
    this.#analyze =
      o.analyzer ??
      englishAnalyzer({
        ...(o.stopWords ? { stopWords: o.stopWords } : {}),
        stem: this.#stem,
      });
  }

  /** Number of documents in the index. */
  get size(): number {
    return this.#slotOf.size;
  }

  /** Whether a document with this id is indexed. */
  has(id: string): boolean {
    return this.#slotOf.has(id);
  }

  /** The terms the index's analyzer makes of a text (useful to debug matches). */
  analyze(text: string): string[] {
    return this.#analyze(text);
  }

  /**
   * Adds documents; a document whose id is already indexed replaces the old one. Metadata values
   * must be what filters compare (strings, numbers, booleans, null, arrays of those scalars); a
   * nested object or a `Date` is refused with a `ValidationError` naming the field.
   */
  add(documents: readonly IndexDocument[]): void {
    if (!Array.isArray(documents)) {
      throw new ValidationError(
        "Bm25Index.add takes an array of { id, text, metadata? } documents.",
        [{ path: "documents", message: "must be an array" }],
      );
    }
    for (const [i, doc] of documents.entries()) {
      const d = parseOptions(documentSchema, doc, `document ${i}`);
      const counts = new Map<number, number>();
      let length = 0;
      for (const term of this.#analyze(d.text)) {
        const termId = this.#termId(term);
        counts.set(termId, (counts.get(termId) ?? 0) + 1);
        length++;
      }
      const pairs = new Int32Array(counts.size * 2);
      let j = 0;
      for (const [termId, freq] of counts) {
        pairs[j++] = termId;
        pairs[j++] = freq;
      }
      this.#insert(d.id, d.text, frozenCopy(d.metadata), pairs, length);
    }
  }

  /** Removes documents by id; unknown ids are ignored. Returns how many were removed. */
  remove(ids: readonly string[]): number {
    let removed = 0;
    for (const id of ids) {
      const slot = this.#slotOf.get(id);
      if (slot === undefined) continue;
      const pairs = this.#docTerms[slot] as Int32Array;
      for (let j = 0; j < pairs.length; j += 2)
        (this.#postings[pairs[j] as number] as PostingList).remove(slot);
      this.#sumLength -= this.#lengths[slot] as number;
      this.#denominatorsAvgdl = Number.NaN;
      this.#generation++;
      this.#index.delete(slot);
      this.#slotOf.delete(id);
      this.#ids[slot] = undefined;
      this.#texts[slot] = "";
      this.#metadata[slot] = NO_METADATA;
      this.#sources[slot] = undefined;
      this.#docTerms[slot] = new Int32Array(0);
      this.#free.push(slot);
      removed++;
    }
    return removed;
  }

  /** Removes every document. */
  clear(): void {
    this.remove([...this.#slotOf.keys()]);
  }

  /**
   * The per-slot denominators for `avgdl`, recomputed only when documents were added or removed
   * since the last query. The expression is the one the formula spells out, evaluated in the
   * same order, so cached and uncached scores are the same doubles.
   */
  #denominatorsFor(avgdl: number): Float64Array {
    if (this.#denominatorsAvgdl !== avgdl) {
      const dl = this.#scoredLengths;
      const out = this.#denominators;
      const { k1, b } = this;
      for (let slot = 0; slot < this.#ids.length; slot++)
        out[slot] = k1 * (1 - b + (b * (dl[slot] as number)) / avgdl);
      this.#denominatorsAvgdl = avgdl;
    }
    return this.#denominators;
  }

  /**
   * The contributions of one term's postings, position by position, for the current collection:
   * the formula's term `idf * tf / (tf + denominator)` evaluated as the per-query loop used to, so
   * a cached contribution is the same double. Recomputed only after documents were added or
   * removed.
   */
  #impactsOf(termId: number, denominators: Float64Array): Float64Array {
    const posting = this.#postings[termId] as PostingList;
    let impacts = this.#impacts[termId];
    if (impacts !== undefined && this.#impactsGeneration[termId] === this.#generation)
      return impacts;
    const n = posting.length;
    if (impacts === undefined || impacts.length < n || impacts.length > 2 * n + 8)
      impacts = new Float64Array(n);
    const idf = this.idf(n);
    const slots = posting.slots;
    const freqs = posting.freqs;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const freq = freqs[i] as number;
      const impact = (idf * freq) / (freq + (denominators[slots[i] as number] as number));
      impacts[i] = impact;
      if (impact > max) max = impact;
    }
    this.#impacts[termId] = impacts;
    this.#maxImpacts[termId] = max;
    this.#impactsGeneration[termId] = this.#generation;
    return impacts;
  }

  /** Lucene's idf for a term found in `docFreq` of the indexed documents. */
  idf(docFreq: number): number {
    const n = this.size;
    return Math.log(1 + (n - docFreq + 0.5) / (docFreq + 0.5));
  }

  /**
   * Scores the query against the index and returns the best `k` documents (synchronous; see
   * {@link Bm25Index.retrieve} for the {@link Retriever} form). Documents sharing no term with
   * the query are never returned. Each result's `metadata` is the index's frozen snapshot of the
   * document's metadata (read-only, arrays included; shared by every result for that document):
   * copy it (`{ ...hit.metadata }`) to build on it.
   */
  search(query: string, options: Bm25SearchOptions = {}): RetrievedChunk[] {
    const o = parseOptions(searchSchema, options, "Bm25Index.search options");
    const k = o.k ?? DEFAULT_K;
    let node: FilterNode | undefined =
      options.filter === undefined ? undefined : parseFilter(options.filter);
    if (node?.op === "and" && node.children.length === 0) node = undefined;
    if (k === 0 || this.size === 0) return [];
    const avgdl = this.#sumLength / this.size || 1;
    const denominators = this.#denominatorsFor(avgdl);
    const termIds: number[] = [];
    let postingCount = 0;
    for (const term of this.#analyze(query)) {
      const termId = this.#termIds.get(term);
      if (termId === undefined) continue;
      const posting = this.#postings[termId] as PostingList;
      if (posting.length === 0) continue;
      termIds.push(termId);
      postingCount += posting.length;
    }
    // MaxScore pays while the k-th best score is a high bar: for a small k, or a k that is a small
    // share of the collection. Asked for a larger share it prunes little and costs more than
    // scoring every posting and bucketing the scores (SciFact proxy, 5,200 documents, queries per
    // CPU-second, MaxScore against every posting: k = 10: 21,432 / 12,078; 32: 14,354 / 12,273;
    // 48: 11,928 / 11,813; 64: 9,771 / 10,841; 100: 8,653 / 10,689; 1,000: 2,304 / 5,593), so
    // such queries score every posting.
    const pruned = k < this.size && (k <= MAX_SCORE_ANY_SIZE_K || k * MAX_SCORE_SHARE < this.size);
    // The index pays off when reading it costs less than the postings it lets us skip. A range
    // makes the index compare every distinct value of its field, each dearer than adding one
    // posting, while a top-k query tests a per-document filter on few documents: a top-k range
    // filter must cost the index under half the postings (measured at 5,200 and 300,000
    // documents, bench/bm25-*.ts). Value filters keep the plain comparison.
    const budget = pruned && node !== undefined && hasRange(node) ? postingCount / 2 : postingCount;
    let allowed: Uint32Array | undefined;
    if (node !== undefined && this.#index.estimate(node, this.#ids.length, budget) < budget) {
      const selection = this.#index.select(node, this.#ids.length);
      if (selection?.bits) allowed = selection.bits;
      if (selection?.exact) node = undefined;
    }
    const scores = this.#scores;
    const touched = this.#touched;
    if (pruned) {
      // MaxScore may skip postings that cannot reach the top k; a filter the metadata index did
      // not answer is tested only on documents that could enter it.
      const terms = new Map<number, ScoredTerm>();
      const query = termIds.map((termId) => {
        let term = terms.get(termId);
        if (term === undefined) {
          const posting = this.#postings[termId] as PostingList;
          const impacts = this.#impactsOf(termId, denominators);
          term = {
            slots: posting.slots,
            impacts,
            length: posting.length,
            maxImpact: this.#maxImpacts[termId] as number,
          };
          terms.set(termId, term);
        }
        return term;
      });
      const match = node;
      const metadata = this.#metadata;
      const accept =
        match === undefined
          ? undefined
          : (slot: number) => evaluateFilter(match, metadata[slot] as Metadata);
      return this.#results(topKByMaxScore(query, k, this.#scratch, allowed, accept));
    }
    const slotCount = this.#ids.length;
    if (node === undefined && allowed === undefined && postingCount * DENSE_SHARE >= slotCount) {
      // Postings cover much of the collection: add without tracking which slots were touched
      // (a branch taken at random), then collect the non-zero scores in one pass over the slots.
      for (const termId of termIds) {
        const posting = this.#postings[termId] as PostingList;
        const n = posting.length;
        const impacts = this.#impactsOf(termId, denominators);
        const slots = posting.slots;
        for (let i = 0; i < n; i++) {
          const slot = slots[i] as number;
          scores[slot] = (scores[slot] as number) + (impacts[i] as number);
        }
      }
      const gathered = this.#scratch.gathered;
      let count = 0;
      for (let slot = 0; slot < slotCount; slot++) {
        const score = scores[slot] as number;
        touched[count] = slot;
        gathered[count] = score;
        // Every contribution is > 0: a zero score is a document no query term is in.
        count += score > 0 ? 1 : 0;
        scores[slot] = 0;
      }
      return this.#results(bestFirst(touched, gathered, count, k));
    }
    let touchedCount = 0;
    // Repeated query terms walk their list again, so additions happen in the same order as the
    // formula's sum (and the result is the same double).
    for (const termId of termIds) {
      const posting = this.#postings[termId] as PostingList;
      const n = posting.length;
      const impacts = this.#impactsOf(termId, denominators);
      const slots = posting.slots;
      if (allowed === undefined) {
        for (let i = 0; i < n; i++) {
          const slot = slots[i] as number;
          const previous = scores[slot] as number;
          // Every contribution is > 0, so 0 means "not touched yet".
          if (previous === 0) touched[touchedCount++] = slot;
          scores[slot] = previous + (impacts[i] as number);
        }
        continue;
      }
      for (let i = 0; i < n; i++) {
        const slot = slots[i] as number;
        if (((allowed[slot >>> 5] as number) & (1 << (slot & 31))) === 0) continue;
        const previous = scores[slot] as number;
        if (previous === 0) touched[touchedCount++] = slot;
        scores[slot] = previous + (impacts[i] as number);
      }
    }
    const match = node;
    if (match === undefined) {
      // No filter left to test: select the best k of every touched document at once.
      const gathered = this.#scratch.gathered;
      for (let t = 0; t < touchedCount; t++) {
        const slot = touched[t] as number;
        gathered[t] = scores[slot] as number;
        scores[slot] = 0;
      }
      return this.#results(bestFirst(touched, gathered, touchedCount, k));
    }
    const top = new TopK(k);
    let threshold = Number.NEGATIVE_INFINITY;
    let i = 0;
    try {
      for (; i < touchedCount; i++) {
        const slot = touched[i] as number;
        const score = scores[slot] as number;
        scores[slot] = 0;
        // Cheap rejection before the filter runs; equal scores may still win on slot order.
        if (score < threshold) continue;
        if (match && !evaluateFilter(match, this.#metadata[slot] as Metadata)) continue;
        top.push(slot, score);
        threshold = top.threshold;
      }
    } finally {
      // Leave the accumulator zeroed for the next query even if a filter threw.
      for (; i < touchedCount; i++) scores[touched[i] as number] = 0;
    }
    return top.sorted().map(({ slot, score }) => this.#result(slot, score));
  }

  /**
   * Breaks down the score `search` gives document `id` for `query`: each analyzed query term's
   * tf, idf, the document's length normalization and the term's contribution, added in query
   * order exactly as `search` adds them, so `score` is the same double (0 when no query term is
   * in the document). Undefined when no document has that id. Costs one pass over the
   * document's terms; meant for debugging rankings, not for scoring many documents.
   */
  explain(query: string, id: string): Bm25Explanation | undefined {
    const slot = this.#slotOf.get(id);
    if (slot === undefined) return undefined;
    const avgdl = this.#sumLength / this.size || 1;
    const denominator = this.#denominatorsFor(avgdl)[slot] as number;
    const tfOf = new Map<number, number>();
    const pairs = this.#docTerms[slot] as Int32Array;
    for (let j = 0; j < pairs.length; j += 2) tfOf.set(pairs[j] as number, pairs[j + 1] as number);
    const scoredLength = this.#scoredLengths[slot] as number;
    const lengthNorm = 1 - this.b + (this.b * scoredLength) / avgdl;
    let score = 0;
    const terms = this.#analyze(query).map((term): Bm25TermExplanation => {
      const termId = this.#termIds.get(term);
      const docFreq = termId === undefined ? 0 : (this.#postings[termId] as PostingList).length;
      const idf = docFreq === 0 ? 0 : this.idf(docFreq);
      const tf = termId === undefined ? 0 : (tfOf.get(termId) ?? 0);
      // The expression search's cached contributions use, so the sum is the same double.
      const contribution = tf === 0 ? 0 : (idf * tf) / (tf + denominator);
      if (tf > 0) score += contribution;
      return { term, tf, docFreq, idf, lengthNorm, contribution };
    });
    return {
      id,
      score,
      documentLength: this.#lengths[slot] as number,
      scoredLength,
      avgDocumentLength: avgdl,
      documents: this.size,
      k1: this.k1,
      b: this.b,
      terms,
    };
  }

  /** {@link Retriever} form of {@link Bm25Index.search}. Default k is 4. */
  async retrieve(query: string, options: RetrieveOptions = {}): Promise<RetrievedChunk[]> {
    throwIfAborted(options.signal);
    const searchOptions: Bm25SearchOptions = {};
    if (options.k !== undefined) searchOptions.k = options.k;
    if (options.filter !== undefined) searchOptions.filter = options.filter;
    return this.search(query, searchOptions);
  }

  /**
   * Every indexed document (in slot order), e.g. to re-embed them. `metadata` is the index's
   * frozen snapshot, as in {@link Bm25Index.search} results: read-only, arrays included.
   */
  *documents(): IterableIterator<
    IndexDocument & {
      /** The document's metadata (`{}` when it was indexed without any). */
      metadata: Metadata;
    }
  > {
    for (let slot = 0; slot < this.#ids.length; slot++) {
      const id = this.#ids[slot];
      if (id === undefined) continue;
      yield { id, text: this.#texts[slot] as string, metadata: this.#metadata[slot] as Metadata };
    }
  }

  /**
   * Serializes the index, analyzed terms included, so loading does not re-analyze. The output is
   * the caller's own: each document's `metadata` is a fresh, editable copy (e.g. to redact a
   * field before saving), and editing it changes neither this index nor a later `toJSON()`.
   */
  toJSON(): Bm25IndexJson {
    const termIndex = new Map<number, number>();
    const terms: string[] = [];
    const documents: Bm25IndexJson["documents"] = [];
    for (let slot = 0; slot < this.#ids.length; slot++) {
      const id = this.#ids[slot];
      if (id === undefined) continue;
      const pairs = this.#docTerms[slot] as Int32Array;
      const out: number[] = [];
      for (let j = 0; j < pairs.length; j += 2) {
        const termId = pairs[j] as number;
        let idx = termIndex.get(termId);
        if (idx === undefined) {
          idx = terms.length;
          termIndex.set(termId, idx);
          terms.push(this.#terms[termId] as string);
        }
        out.push(idx, pairs[j + 1] as number);
      }
      documents.push({
        id,
        text: this.#texts[slot] as string,
        metadata: editableCopy(this.#metadata[slot] as Metadata),
        terms: out,
      });
    }
    return {
      format: "fmops.bm25",
      version: 1,
      options: {
        k1: this.k1,
        b: this.b,
        lengthNorm: this.lengthNorm,
        ...(this.#stopWords ? { stopWords: [...this.#stopWords] } : {}),
        stem: this.#stem,
        customAnalyzer: this.#custom,
      },
      terms,
      documents,
    };
  }

  /**
   * Rebuilds an index from {@link Bm25Index.toJSON} output. An index built with a custom
   * analyzer needs the same analyzer again in `options.analyzer` (queries must be analyzed the
   * same way); `options` may also override k1 and b.
   */
  static fromJSON(
    json: unknown,
    options: Pick<Bm25IndexOptions, "analyzer" | "k1" | "b"> = {},
  ): Bm25Index {
    const data = parseOptions(jsonSchema, json, "Bm25Index JSON");
    if (data.options.customAnalyzer && options.analyzer === undefined) {
      throw new FmopsError(
        "RAG_ANALYZER_REQUIRED",
        "This Bm25Index was built with a custom analyzer, which is not serialized. Pass the same analyzer: Bm25Index.fromJSON(json, { analyzer }).",
      );
    }
    const index = new Bm25Index({
      k1: options.k1 ?? data.options.k1,
      b: options.b ?? data.options.b,
      lengthNorm: data.options.lengthNorm,
      stem: data.options.stem,
      ...(data.options.stopWords ? { stopWords: data.options.stopWords } : {}),
      ...(options.analyzer ? { analyzer: options.analyzer } : {}),
    });
    const ids = data.terms.map((t) => index.#termId(t));
    for (const [i, doc] of data.documents.entries()) {
      if (doc.terms.length % 2 !== 0) {
        throw new ValidationError(`Invalid Bm25Index JSON: documents.${i}.terms must hold pairs.`, [
          { path: `documents.${i}.terms`, message: "odd length" },
        ]);
      }
      const pairs = new Int32Array(doc.terms.length);
      let length = 0;
      for (let j = 0; j < doc.terms.length; j += 2) {
        const termIndex = doc.terms[j] as number;
        const freq = doc.terms[j + 1] as number;
        const termId = Number.isInteger(termIndex) ? ids[termIndex] : undefined;
        if (termId === undefined || !Number.isInteger(freq) || !(freq > 0 && freq <= 0x7fffffff)) {
          throw new ValidationError(
            `Invalid Bm25Index JSON: documents.${i}.terms has a bad pair.`,
            [
              {
                path: `documents.${i}.terms`,
                message: "term index not an integer in range, or frequency not an integer > 0",
              },
            ],
          );
        }
        pairs[j] = termId;
        pairs[j + 1] = freq;
        length += freq;
      }
      index.#insert(doc.id, doc.text, frozenCopy(doc.metadata), pairs, length);
    }
    return index;
  }

  #termId(term: string): number {
    let id = this.#termIds.get(term);
    if (id === undefined) {
      id = this.#terms.length;
      this.#termIds.set(term, id);
      this.#terms.push(term);
      this.#postings.push(new PostingList());
    }
    return id;
  }

  #insert(id: string, text: string, metadata: Metadata, pairs: Int32Array, length: number): void {
    if (this.#slotOf.has(id)) this.remove([id]);
    const slot = this.#free.pop() ?? this.#ids.length;
    this.#ids[slot] = id;
    this.#texts[slot] = text;
    this.#metadata[slot] = metadata;
    this.#sources[slot] = sourceOf(metadata);
    this.#lengths[slot] = length;
    this.#docTerms[slot] = pairs;
    this.#slotOf.set(id, slot);
    this.#sumLength += length;
    this.#index.add(slot, metadata);
    this.#ensureSlotCapacity(this.#ids.length);
    this.#scoredLengths[slot] = this.lengthNorm === "lucene" ? luceneLength(length) : length;
    this.#denominatorsAvgdl = Number.NaN;
    this.#generation++;
    for (let j = 0; j < pairs.length; j += 2)
      (this.#postings[pairs[j] as number] as PostingList).push(slot, pairs[j + 1] as number);
  }

  /** Grows the per-slot typed arrays (by half) so that `slots` slots fit. */
  #ensureSlotCapacity(slots: number): void {
    if (slots <= this.#scores.length) return;
    const capacity = Math.max(64, slots, Math.ceil(this.#scores.length * 1.5));
    const grow = (old: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(old);
      return next;
    };
    this.#scoredLengths = grow(this.#scoredLengths);
    this.#denominators = grow(this.#denominators);
    this.#scores = grow(this.#scores);
    // Touched, candidates and verdicts hold nothing between queries: fresh arrays will do.
    this.#touched = new Int32Array(capacity);
    this.#scratch = {
      scores: this.#scores,
      touched: this.#touched,
      candidates: new Int32Array(capacity),
      verdicts: new Uint8Array(capacity),
      marks: new Uint32Array((capacity >>> 5) + 1),
      gathered: new Float64Array(capacity),
    };
  }

  /** The ranked slots as results, best first. */
  #results(ranked: Ranked): RetrievedChunk[] {
    const { slots, scores } = ranked;
    const out: RetrievedChunk[] = [];
    for (let i = 0; i < slots.length; i++)
      out.push(this.#result(slots[i] as number, scores[i] as number));
    return out;
  }

  #result(slot: number, score: number): RetrievedChunk {
    const id = this.#ids[slot] as string;
    const text = this.#texts[slot] as string;
    const metadata = this.#metadata[slot] as Metadata;
    const source = this.#sources[slot];
    // One object literal per shape, keys in the same order as before the source was cached.
    return source === undefined
      ? { id, text, score, metadata }
      : { id, text, score, metadata, source };
  }
}

/** Up to this k, top-k queries use MaxScore whatever the collection's size (see `search`). */
const MAX_SCORE_ANY_SIZE_K = 48;

/** A larger k uses MaxScore only when the collection holds more than this many times k. */
const MAX_SCORE_SHARE = 100;

/**
 * A query scoring every posting skips tracking touched documents when its postings number at
 * least the slots divided by this (the pass over all slots then costs less than the tracking).
 */
const DENSE_SHARE = 2;

/** Whether a filter compares any field with a range (`$gt`, `$gte`, `$lt`, `$lte`). */
function hasRange(node: FilterNode): boolean {
  switch (node.op) {
    case "and":
    case "or":
      return node.children.some(hasRange);
    case "not":
      return hasRange(node.child);
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return true;
    default:
      return false;
  }
}

const jsonSchema = schemaFor<Bm25IndexJson>()(
  z.object({
    format: z.literal("fmops.bm25"),
    version: z.literal(1),
    options: z.object({
      k1: z.number(),
      b: z.number(),
      lengthNorm: z.enum(["lucene", "exact"]),
      stopWords: z.array(z.string()).optional(),
      stem: z.boolean(),
      customAnalyzer: z.boolean(),
    }),
    terms: z.array(z.string()),
    documents: z.array(
      z.object({
        id: z.string().min(1),
        text: z.string(),
        metadata: metadataSchema,
        // Checked pair by pair while loading: a zod check per number costs more than the load.
        terms: z.custom<number[]>(Array.isArray, "must be an array of integers"),
      }),
    ),
  }),
);
