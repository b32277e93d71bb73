/**
 * A generated stand-in for BEIR SciFact, for machines with no network (issue #22). It is a PROXY:
 * its figures are comparable between systems and between versions of fmops measured on it, not
 * with published SciFact numbers.
 *
 * Shape copied from SciFact: 5,200 abstract-length documents (120-320 words in sentences, with
 * English function words between the content words), 300 short claim-style queries of about 12
 * words, one to three relevant documents per query, graded.
 *
 * How it is made (deterministic for a given seed):
 *  - a vocabulary of 30,000 made-up "scientific" words built from syllables, drawn with a Zipf
 *    distribution (frequency ~ 1/rank), the long tail real text has;
 *  - 400 topics of 25 mid-frequency words; each document belongs to one topic and about a third
 *    of its content words come from that topic, the rest from the Zipf background;
 *  - each query is written from one "claim": 6 words of Zipf rank 500-8,000. The claim's target
 *    document contains the first 3 (relevant, grade 2); zero to two "supporting" documents of
 *    the same topic contain the same 3 (grade 1); 6 unjudged near-miss documents anywhere
 *    contain two random claim words each. The query text is 3 random claim words (so often
 *    words the target lacks), 4 topic words, 3 background words and function words, so a
 *    lexical ranker finds the target often but not always (nDCG@10 about 0.78 here, 0.68 on
 *    SciFact), and query terms have SciFact-like posting lengths (~10 terms after analysis).
 *
 * Calibration (session 3 of issue #22; figures per CPU-second of one Node 20 process on the 2-core
 * AMD EPYC development machine, `bench/bm25-scifact-proxy.ts --baseline <checkouts>`):
 *  - The "about 2,000 SciFact queries/s" was measured on the `Bm25Index` of d3fce02, which
 *    re-encoded each document's length norm for every posting (the profile's 45%); 94e6c4e, then
 *    6d49f4a, precomputed the norms. Comparing 6d49f4a's ~11,500 on this proxy with that 2,000
 *    compares two different programs.
 *  - The program the issue measured (d3fce02) answers 570-680 queries per CPU-second here, with
 *    about 70% of its query time in the norm functions (45% on SciFact). So, for that program, the
 *    default proxy is about 3x slower than SciFact was (less if the machine was faster;
 *    its vector figures were about 1.6x this machine's): per query it walks 8,936 postings (1.7x
 *    the collection), at least as many as SciFact's claims do, relative to the fixed per-query
 *    work. The default is kept as it was (the same bytes for the same seed).
 *  - Making 6d49f4a itself run at 2,000 queries per CPU-second would take about 90,000 postings
 *    per query (it costs about 5 ns per posting plus about 40 us per query), 17 times the
 *    collection: no 12-word claim over 5,200 abstracts does that. Instead, a stress setting adds
 *    common words to every query, like the "cells", "patients", "increased" and "associated" of
 *    SciFact claims: `{ commonQueryWords: 8, commonRanks: 60 }` gives 18.6 terms and 27,373
 *    postings per query (5.3x the collection, 3x the default), where d3fce02 answers about 210
 *    and 6d49f4a about 5,500 queries per CPU-second. Throughput claims for SciFact should hold
 *    on both settings.
 *
 * @module
 */
import { zipfRanks } from "./zipf.js";

/** One generated document. */
export interface ProxyDocument {
  /** `doc-<n>`. */
  id: string;
  /** Sentences of words. */
  text: string;
}

/** The generated collection, queries and graded relevance judgements. */
export interface ScifactProxy {
  /** The documents, in id order. */
  documents: ProxyDocument[];
  /** Query texts. */
  queries: string[];
  /** Per query: document id -> grade (2 = the claim's target, 1 = supporting). */
  qrels: Map<string, number>[];
}

/** Options of {@link scifactProxy}; defaults are SciFact's shape. */
export interface ScifactProxyOptions {
  /** Number of documents. Default 5,200. */
  documents?: number;
  /** Number of queries. Default 300. */
  queries?: number;
  /** PRNG seed. Default 22. */
  seed?: number;
  /**
   * Extra words per query drawn from the head of the Zipf vocabulary (the {@link
   * ScifactProxyOptions.commonRanks} most frequent words, each in a large share of the documents),
   * the way SciFact claims carry "cells", "patients", "increased" or "associated". Default 0 (the
   * original proxy). They come from a second PRNG, so the documents and the rest of each query are
   * the same with or without them.
   */
  commonQueryWords?: number;
  /** How many of the most frequent vocabulary words {@link ScifactProxyOptions.commonQueryWords} draws from. Default 200. */
  commonRanks?: number;
}

const SYLLABLES = [
  "cyt",
  "gen",
  "ase",
  "pro",
  "tein",
  "lip",
  "ox",
  "mito",
  "neur",
  "card",
  "hep",
  "ren",
  "im",
  "mun",
  "path",
  "log",
  "kin",
  "phos",
  "glyc",
  "ster",
  "ol",
  "amin",
  "ide",
  "ic",
  "al",
  "bac",
  "ter",
  "vir",
  "onc",
  "fib",
  "ro",
  "blast",
  "leuk",
  "lymph",
  "ang",
  "io",
  "vas",
  "cul",
  "mer",
  "chrom",
  "som",
  "nuc",
  "le",
  "ot",
  "ribo",
  "trans",
  "crip",
  "tion",
  "meth",
  "yl",
  "acet",
  "hist",
  "one",
  "recept",
  "or",
  "lig",
  "and",
  "syn",
  "apt",
  "dend",
  "rit",
  "axo",
  "myel",
  "in",
];
const FUNCTION_WORDS = [
  "the",
  "of",
  "and",
  "in",
  "to",
  "a",
  "with",
  "was",
  "were",
  "is",
  "for",
  "by",
  "that",
  "on",
  "we",
  "these",
  "from",
  "as",
  "at",
  "not",
  "this",
  "which",
  "are",
  "be",
  "between",
  "after",
];

/** mulberry32: a small seeded PRNG, so every run generates the same collection. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Generates the proxy collection (about 0.5 s for the default size). */
/** Claim words come from these Zipf ranks: rare enough to point at a claim, common enough to recur. */
const CLAIM_RANKS = [500, 8_000] as const;
/** How many of a claim's 6 words its target document contains. */
const TARGET_WORDS = 3;
/** Unjudged documents that share two claim words, per claim. */
const NEAR_MISSES = 6;

export function scifactProxy(options: ScifactProxyOptions = {}): ScifactProxy {
  const docCount = options.documents ?? 5_200;
  const queryCount = options.queries ?? 300;
  const rand = prng(options.seed ?? 22);
  // Extras (common query words) draw from their own stream so the base collection never moves.
  const extraRand = prng((options.seed ?? 22) + 0x9e3779b9);
  const commonQueryWords = options.commonQueryWords ?? 0;
  const commonRanks = options.commonRanks ?? 200;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));

  // Vocabulary: unique syllable compounds, Zipf-ranked in generation order.
  const vocabulary: string[] = [];
  const seen = new Set<string>(FUNCTION_WORDS);
  while (vocabulary.length < 30_000) {
    let w = "";
    for (let n = int(2, 4); n > 0; n--) w += pick(SYLLABLES);
    if (!seen.has(w)) {
      seen.add(w);
      vocabulary.push(w);
    }
  }
  const rank = zipfRanks(vocabulary.length, rand);
  const zipf = () => vocabulary[rank()] as string;
  // Topic words from ranks 300-12,000; claim words from the tail (12,000-30,000).
  const topics = Array.from({ length: 400 }, () =>
    Array.from({ length: 25 }, () => vocabulary[int(300, 11_999)] as string),
  );
  const rare = () => vocabulary[int(...CLAIM_RANKS)] as string;

  const topicOf = Array.from({ length: docCount }, () => int(0, topics.length - 1));
  const byTopic = new Map<number, number[]>();
  topicOf.forEach((t, d) => {
    byTopic.set(t, [...(byTopic.get(t) ?? []), d]);
  });
  // Words each document must contain beyond its random prose.
  const planted: string[][] = Array.from({ length: docCount }, () => []);

  const queries: string[] = [];
  const qrels: Map<string, number>[] = [];
  const targets = new Set<number>();
  while (queries.length < queryCount) {
    const target = int(0, docCount - 1);
    if (targets.has(target)) continue;
    targets.add(target);
    const topic = topics[topicOf[target] as number] as string[];
    const claim = Array.from({ length: 6 }, rare);
    (planted[target] as string[]).push(...claim.slice(0, TARGET_WORDS));
    const judged = new Map<string, number>([[`doc-${target}`, 2]]);
    const siblings = (byTopic.get(topicOf[target] as number) ?? []).filter((d) => d !== target);
    for (let s = int(0, 2); s > 0 && siblings.length > 0; s--) {
      const sibling = siblings.splice(Math.floor(rand() * siblings.length), 1)[0] as number;
      (planted[sibling] as string[]).push(...claim.slice(0, 3));
      judged.set(`doc-${sibling}`, 1);
    }
    // Near misses: unjudged documents anywhere that share two of the claim's words.
    for (let n = 0; n < NEAR_MISSES; n++) {
      const other = int(0, docCount - 1);
      if (!judged.has(`doc-${other}`))
        (planted[other] as string[]).push(claim[int(0, 5)] as string, claim[int(0, 5)] as string);
    }
    const words = [
      ...[...claim].sort(() => rand() - 0.5).slice(0, 3),
      ...Array.from({ length: 4 }, () => pick(topic)),
      zipf(),
      zipf(),
      zipf(),
    ];
    const common = Array.from(
      { length: commonQueryWords },
      () => vocabulary[Math.floor(extraRand() * commonRanks)] as string,
    );
    // Claims read like sentences: content words with a few function words between them.
    const text: string[] = [];
    for (const w of words.sort(() => rand() - 0.5)) {
      if (rand() < 0.25) text.push(pick(FUNCTION_WORDS));
      text.push(w);
    }
    // Common words go at random places of the finished claim, using only the second stream.
    for (const w of common) text.splice(Math.floor(extraRand() * (text.length + 1)), 0, w);
    queries.push(`${text.join(" ")}.`);
    qrels.push(judged);
  }

  const documents = Array.from({ length: docCount }, (_, d) => {
    const topic = topics[topicOf[d] as number] as string[];
    const words: string[] = [];
    for (let n = int(120, 320); n > 0; n--) words.push(rand() < 0.33 ? pick(topic) : zipf());
    for (const w of planted[d] as string[]) words.splice(int(0, words.length), 0, w);
    let text = "";
    let sentence = 0;
    for (const w of words) {
      if (rand() < 0.45) text += `${pick(FUNCTION_WORDS)} `;
      text += sentence === 0 ? w[0]?.toUpperCase() + w.slice(1) : w;
      sentence++;
      if (sentence >= int(12, 24)) {
        text += ". ";
        sentence = 0;
      } else text += " ";
    }
    return { id: `doc-${d}`, text: `${text.trim()}.` };
  });
  return { documents, queries, qrels };
}

/** nDCG@k with linear gains (trec_eval's and BEIR's definition) for one ranked list. */
export function ndcgAt(k: number, ranked: readonly string[], judged: Map<string, number>): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++)
    dcg += (judged.get(ranked[i] as string) ?? 0) / Math.log2(i + 2);
  const ideal = [...judged.values()].sort((a, b) => b - a).slice(0, k);
  let idcg = 0;
  ideal.forEach((g, i) => {
    idcg += g / Math.log2(i + 2);
  });
  return idcg === 0 ? 0 : dcg / idcg;
}
