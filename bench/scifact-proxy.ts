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
    // Claims read like sentences: content words with a few function words between them.
    const text: string[] = [];
    for (const w of words.sort(() => rand() - 0.5)) {
      if (rand() < 0.25) text.push(pick(FUNCTION_WORDS));
      text.push(w);
    }
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
