/**
 * The NLTK parity cases, shared by the golden-fixture test (`npm test`), the live check against
 * Python's NLTK (`npm run test:system`) and the script that regenerates the fixture: the inputs
 * (a few hundred words, 400 seeded pairs of word soup, and multi-sentence pairs with
 * abbreviations, numbers, quotes and brackets), the Python program that computes NLTK's
 * answers for them, and the fixture file's format. No vitest here: the generator imports it.
 *
 * Each pair is tokenized and scored three ways: `word_tokenize(text, preserve_line=True)` (one
 * sentence), `word_tokenize(text)` with an untrained `PunktSentenceTokenizer()` (fmops' fallback
 * without NLTK's data) and `word_tokenize(text)` with NLTK's English Punkt parameters (what
 * fmeval computes; read from the shared copy, never committed).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { PunktSentenceTokenizer, wordTokenize } from "../../src/evaluation/metrics/index.js";
import { mulberry32 } from "../support/random.js";

/** How many word-soup pairs the parity cases hold, and the seed that generates them. */
export const PAIR_COUNT = 400;
export const PAIR_SEED = 20240611;
/** How many generated multi-sentence pairs follow them, and their seed. */
export const SENTENCE_PAIR_COUNT = 240;
export const SENTENCE_PAIR_SEED = 20250214;

export const WORDS = (
  "the a an of cat cats dog dogs puppy puppies child children kid kids man men woman women " +
  "run runs running ran sit sat sitting sits walk walked walking walks go goes went gone " +
  "good better best happy happier happiest happily quick quickly fast faster car cars " +
  "automobile house home houses big large huge small little tiny city town cities mouse mice " +
  "geese goose leaf leaves knife knives study studies studied studying fly flies flying " +
  "relational conditional rational generously hopeful goodness formalize electrical " +
  "adjustable replacement adoption communism activate effective bowdlerize controlled " +
  "caresses ponies ties dying lying tying skies sky news innings outings proceed exceed " +
  "agreed plastered motoring sing conflated troubled sized hopping tanned falling hissing " +
  "fizzed failing filing happy enjoy enjoyment analogously vietnamization predication " +
  "operator feudalism decisiveness hopefulness callousness formality sensitivity " +
  "sensibility triplicate formative electricity allowance inference airliner gyroscopic " +
  "defensible irritant dependent homologous probate rate cease controll roll " +
  "buy bought purchase acquire say said tell told speak spoke talk talked began begin " +
  "Paris London New York Obama's U.S. e.g. don't can't won't I'm they'll we've she'd " +
  "cannot gonna gimme lemme wanna 'tis 'twas 3.88 1,000 $ 42 % @ # & ... -- ( ) [ ] { } < > " +
  "« » “ ” ‘ ’ \" ' ` `` '' : ; , . ! ? * naïve café résumé Ünïcödé 東京 😀 𝐀bc"
).split(" ");

/** Varied (reference, candidate) pairs: related edits of one sentence and unrelated ones. */
export function generatePairs(count: number, seed: number): [string, string][] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const sentence = (): string[] =>
    Array.from({ length: 1 + Math.floor(rand() * 18) }, () => pick(WORDS));
  const joiners = [" ", " ", " ", "  ", "\n", "\t"];
  const join = (ws: string[]): string =>
    ws.map((w, i) => (i === 0 ? w : pick(joiners) + w)).join("");
  const pairs: [string, string][] = [
    ["", ""],
    ["", "a cat"],
    ["a cat", ""],
    ["...", "!!!"],
    ["The cat sat on the mat.", "The cat sat on the mat."],
    [
      "It is a guide to action which ensures that the military always obeys the commands of the party",
      "It is a guide to action that ensures that the military will forever heed Party commands",
    ],
  ];
  while (pairs.length < count) {
    const ref = sentence();
    let cand: string[];
    const mode = rand();
    if (mode < 0.2) cand = sentence();
    else {
      cand = ref.map((w) => (rand() < 0.3 ? pick(WORDS) : w)).filter(() => rand() > 0.15);
      if (rand() < 0.3) cand.reverse();
      if (rand() < 0.3)
        cand.splice(Math.floor(rand() * (cand.length + 1)), 0, ...sentence().slice(0, 3));
    }
    let r = join(ref);
    let c = join(cand);
    if (rand() < 0.3) r += pick([".", "!", "?", ' ."', ".)"]);
    if (rand() < 0.3) c = pick(['"', "(", "``", ""]) + c + pick([".", "", "..."]);
    if (rand() < 0.2) r = r.toUpperCase();
    pairs.push([r, c]);
  }
  return pairs;
}

/**
 * Multi-sentence pairs written by hand, each aimed at one Punkt decision: a sentence-final period
 * inside the text, known abbreviations (and one that ends a sentence), initials, ordinals and
 * numbers with periods, ellipses, collocations, quotes and brackets after a sentence end,
 * paragraphs and lines.
 */
export const SENTENCE_PAIRS: readonly [string, string][] = [
  [
    "He was born in India. He moved to London in 1990.",
    "He was born in India and moved to London.",
  ],
  ["Dr. Smith met Mr. Jones at St. Paul's Cathedral.", "Mr. Jones met Dr. Smith at St. Paul's."],
  [
    "The U.S. economy grew last year. Prices rose, e.g. for food and rent.",
    "The economy of the U.S. grew. Food prices rose.",
  ],
  ["It costs $3.50. That is cheap.", "It costs 3.50 dollars, which is cheap."],
  ["Version 2.0 was released on Jan. 5. It fixed many bugs.", "Version 2.0 came out in January."],
  ["He finished in the 3. place. She won.", "She won and he was third."],
  ["Pi is about 3.14159. E is about 2.718.", "Pi is 3.14. E is 2.72."],
  ['She said "Go home." Then she left.', 'She left after saying "go home".'],
  ["(This is a note.) The end follows.", "The note ends here. (The end.)"],
  ["He asked 'why?' Nobody knew the answer.", "Nobody knew why."],
  ["[See the table above.] The next item is cheaper.", "See the table. The next item is cheaper."],
  ['"Stop!" he cried. "Now!"', '"Stop now!" he cried.'],
  ["Wait... What happened? I don't know...", "What happened... I do not know."],
  ["J. S. Bach composed it. W. A. Mozart did not.", "Bach composed it, Mozart did not."],
  ["We bought apples, pears, etc. The shop closed at noon.", "We bought fruit. The shop closed."],
  ["i is a good variable name. and so is j.", "i and j are good variable names."],
  ["First line.\nSecond line.\n\nA new paragraph starts here.", "First line. Second line."],
  ["Really?! Yes!!! OK.", "Yes, really. OK!"],
  ["No. 5 is here. No. It is not.", "Number 5 is not here."],
  ["The meeting is at 5 p.m. Tomorrow it is at 6 a.m. sharp.", "The meeting moved to 6 a.m."],
  ["The U.S. Navy sailed. The U.K. Army marched.", "The navy sailed and the army marched."],
  ["It happened in 1999. In 2000, it changed.", "It changed in 2000."],
  ["The ex-Gov. Smith spoke at length. Everyone listened.", "Smith spoke and everyone listened."],
  ["Mr. Smith Jr. arrived. Mrs. Smith was late.", "Mrs. Smith was late, Mr. Smith was not."],
  ["The company, Acme Inc. However, nobody came.", "Acme Inc. had no visitors."],
  ["It was 1,000,000. dollars. That's a lot.", "A million dollars is a lot."],
  ["The vote was 5-4. The bill passed.", "The bill passed 5-4."],
  ["See Fig. 3. It shows the trend.", "Figure 3 shows the trend."],
  ["He scored 99.5%. Nobody beat him.", "Nobody beat his 99.5% score."],
  ["The results (see Sec. 4.2.) are clear. We agree.", "Section 4.2 has clear results."],
  ['He wrote: "It ended." (Or so he said.) Then silence.', "He wrote that it ended."],
  ['Is it over? "Yes." It is.', "It is over."],
  ["They met in Washington, D.C. The talks failed.", "Talks in D.C. failed."],
  ["The sample was 10 ml. The rest was discarded.", "10 ml was kept."],
  ["  Leading spaces. Trailing spaces.   ", "Leading and trailing spaces.  "],
  ["A sentence without an end", "A sentence. Without an end"],
  ["Dots in a.b.c. names. And more.", "names like a.b.c. and more."],
  ["He said... nothing. Really.", "He said nothing. Really..."],
  ["Prof. Lee and Gen. Grant arrived. Sen. Brown left.", "Lee and Grant arrived, Brown left."],
  ["The cost: approx. 20 dollars. Cheap.", "About 20 dollars. Cheap!"],
];

/** Sentences for {@link generateSentencePairs}: plain, with abbreviations, numbers and quotes. */
const SENTENCES = [
  "The cat sat on the mat",
  "Dr. Smith arrived late",
  "Mr. Brown and Mrs. Green left early",
  "The U.S. economy grew by 3.5 percent",
  "Prices rose, e.g. for bread and milk",
  "It cost $4.99 at the store",
  "He lives on Main St. near the park",
  "J. R. R. Tolkien wrote the book",
  "The meeting starts at 9 a.m. sharp",
  "She finished 2. in the race",
  "Version 1.2.3 fixed the bug",
  "They visited Washington, D.C. last year",
  "The children ran home",
  "Nobody knew the answer",
  "Paris is the capital of France",
  "He said it was fine",
  "The results were clear, i.e. positive",
  "Sales rose in Jan. and Feb.",
  "However the plan failed",
  "But the team kept going",
];
const ENDINGS = [".", ".", ".", "!", "?", '."', ".)", ".'", "...", ".]", "?!", '!"'];
const OPENINGS = ["", "", "", "", '"', "(", "'", "["];
const GLUES = [" ", " ", " ", "  ", "\n", "\n\n"];

/**
 * Pairs of 2-4 sentences from {@link SENTENCES} with varied ends, quotes and brackets; the
 * candidate drops, swaps or repeats sentences and words of the reference, or is another text.
 */
export function generateSentencePairs(count: number, seed: number): [string, string][] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const sentence = (s: string): string => pick(OPENINGS) + s + pick(ENDINGS);
  const text = (ss: string[]): string => ss.map((s, i) => (i === 0 ? s : pick(GLUES) + s)).join("");
  const pairs: [string, string][] = [];
  while (pairs.length < count) {
    const ref = Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(SENTENCES));
    let cand: string[];
    if (rand() < 0.2)
      cand = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(SENTENCES));
    else {
      cand = ref
        .filter(() => rand() > 0.2)
        .map((s) =>
          s
            .split(" ")
            .filter(() => rand() > 0.15)
            .join(" "),
        );
      if (rand() < 0.3) cand.reverse();
      if (cand.length === 0) cand = [pick(SENTENCES)];
    }
    pairs.push([text(ref.map(sentence)), text(cand.map(sentence))]);
  }
  return pairs;
}

/** Words that exercise corner cases of the Porter rules (and non-ASCII letters). */
export const EXTRA_WORDS = [
  "a*ded",
  "ied",
  "ies",
  "tied",
  "spies",
  "died",
  "feed",
  "bled",
  "generalization",
  "logi",
  "archaeology",
  "fulli",
  "SKIES",
  "Dying",
  "yyy",
  "syzygy",
  "toy",
  "😀😀s",
  "𝐀𝐀ing",
  "İstanbul",
  "ſtrong",
  "ab",
  "abs",
  "ss",
  "ssss",
  "eed",
  "ing",
  "ying",
  "ally",
  "alli",
];

/** The parity inputs: the words to stem and the (reference, candidate) pairs. */
export interface ParityInputs {
  /** Words for the Porter stemmer: {@link WORDS}, {@link EXTRA_WORDS} and every pair's tokens. */
  words: string[];
  /** Text pairs to tokenize and score. */
  pairs: [string, string][];
}

/** The inputs as the generator and the live check build them. */
export function parityInputs(): ParityInputs {
  const pairs = [
    ...generatePairs(PAIR_COUNT, PAIR_SEED),
    ...SENTENCE_PAIRS,
    ...generateSentencePairs(SENTENCE_PAIR_COUNT, SENTENCE_PAIR_SEED),
  ];
  const wordSet = new Set<string>([...WORDS, ...EXTRA_WORDS]);
  // The words of both tokenizations fmops can make without NLTK's data.
  const untrained = new PunktSentenceTokenizer();
  for (const text of pairs.flat())
    for (const t of [...wordTokenize(text), ...wordTokenize(text, { sentences: untrained })])
      wordSet.add(t);
  return { words: [...wordSet], pairs };
}

/**
 * Reads `{"words": [...], "pairs": [[ref, cand], ...], "punktDir": folder | null}` on stdin;
 * prints NLTK's Porter stems, then per pair the tokens and `single_meteor_score` of three
 * tokenizations: `word_tokenize(text, preserve_line=True)`; `word_tokenize(text)` with an
 * untrained `PunktSentenceTokenizer()`; and, when `punktDir` is given, `word_tokenize(text)` with
 * `PunktParameters` built from the `punkt_tab` files there as NLTK 3.9's `load_punkt_params`
 * builds them (Debian's NLTK 3.8 reads only the old pickle, so the parameters are built here and
 * `word_tokenize`'s own code runs with `sent_tokenize` answered by that tokenizer).
 */
export const PY_SCRIPT = `
import json, os, platform, sys
from collections import defaultdict
import nltk
import nltk.tokenize
from nltk.stem.porter import PorterStemmer
from nltk.tokenize import word_tokenize
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
from nltk.translate.meteor_score import single_meteor_score
inp = json.load(sys.stdin)
pairs = inp["pairs"]

def lines(folder, name):
    with open(os.path.join(folder, name), encoding="utf-8") as f:
        return [l[:-1] if l.endswith("\\n") else l for l in f]

def english_params(folder):
    p = PunktParameters()
    p.collocations = set(tuple(l.split("\\t")) for l in lines(folder, "collocations.tab"))
    p.sent_starters = set(lines(folder, "sent_starters.txt"))
    p.abbrev_types = set(lines(folder, "abbrev_types.txt"))
    p.ortho_context = defaultdict(int, {a: int(b) for a, b in (l.split("\\t") for l in lines(folder, "ortho_context.tab"))})
    return p

def scored(tokenize):
    tokens = [[tokenize(r), tokenize(c)] for r, c in pairs]
    return {"tokens": tokens, "meteor": [single_meteor_score(t[0], t[1]) for t in tokens]}

def with_sentences(tokenizer):
    nltk.tokenize.sent_tokenize = lambda text, language="english": tokenizer.tokenize(text)
    return scored(word_tokenize)

st = PorterStemmer()
out = {"nltk": nltk.__version__, "python": platform.python_version(), "stems": [st.stem(w) for w in inp["words"]]}
line = scored(lambda text: word_tokenize(text, preserve_line=True))
out["tokens"], out["meteor"] = line["tokens"], line["meteor"]
out["untrainedPunkt"] = with_sentences(PunktSentenceTokenizer())
out["punkt"] = with_sentences(PunktSentenceTokenizer(english_params(inp["punktDir"]))) if inp.get("punktDir") else None
print(json.dumps(out))
`;

/** Tokens and METEOR of every pair under one tokenization. */
export interface TokenizedPairs {
  /** Reference and candidate tokens per pair, in order. */
  tokens: [string[], string[]][];
  /** METEOR per pair, in order. */
  meteor: number[];
}

/** What {@link PY_SCRIPT} prints. */
export interface NltkOutput extends TokenizedPairs {
  /** `nltk.__version__`. */
  nltk: string;
  /** `platform.python_version()`. */
  python: string;
  /** One stem per input word, in order. */
  stems: string[];
  /** `word_tokenize(text)` with an untrained `PunktSentenceTokenizer()`. */
  untrainedPunkt: TokenizedPairs;
  /** `word_tokenize(text)` with NLTK's English Punkt parameters; null when they were absent. */
  punkt: TokenizedPairs | null;
}

/** NLTK's answers for a set of inputs, wherever they came from (the fixture or a live run). */
export interface NltkReference {
  /** The inputs the answers belong to. */
  inputs: ParityInputs;
  /** NLTK's answers. */
  output: NltkOutput;
}

/** The committed golden fixture: NLTK's answers for {@link parityInputs}, with provenance. */
export const FIXTURE_URL = new URL("./fixtures/nltk-parity.json", import.meta.url);

/** Where the fixture's values came from. */
export interface FixtureProvenance {
  /** What the file is and how to regenerate it. */
  about: string;
  /** The command that wrote the file. */
  command: string;
  /** NLTK's version (`nltk.__version__`). */
  nltk: string;
  /** Python's version (`platform.python_version()`). */
  python: string;
  /** The python3 that ran, as the generator found it (`FMOPS_PYTHON` or the PATH). */
  pythonExecutable: string;
  /** The WordNet files NLTK read for METEOR (the same ones fmops reads). */
  wordnet: string;
  /** The Punkt parameters of the `punkt` answers: where they were read, not what they hold. */
  punkt: string;
  /** sha256 of the four Punkt parameter files (see nltk-punkt-data.ts). */
  punktDigest: string;
}

/**
 * One pair's answers under a sentence-splitting tokenization. Tokens are written only where
 * they differ from the one-sentence tokens, which keeps the file small and shows at a glance
 * which pairs sentence splitting changes.
 */
interface FixtureVariant {
  meteor: number;
  referenceTokens?: string[];
  candidateTokens?: string[];
}

/** The fixture file: provenance, then one entry per word and per pair, so diffs stay readable. */
interface FixtureFile {
  provenance: FixtureProvenance;
  stems: [word: string, stem: string][];
  pairs: {
    reference: string;
    candidate: string;
    /** `word_tokenize(reference, preserve_line=True)`, and so on. */
    referenceTokens: string[];
    candidateTokens: string[];
    meteor: number;
    /** With an untrained `PunktSentenceTokenizer()`. */
    untrainedPunkt: FixtureVariant;
    /** With NLTK's English Punkt parameters: `word_tokenize(text)`, what fmeval computes. */
    punkt: FixtureVariant;
  }[];
}

const same = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((t, i) => t === b[i]);

function variant(
  base: readonly [string[], string[]],
  tokens: readonly [string[], string[]],
  meteor: number,
): FixtureVariant {
  const v: FixtureVariant = { meteor };
  if (!same(base[0], tokens[0])) v.referenceTokens = tokens[0];
  if (!same(base[1], tokens[1])) v.candidateTokens = tokens[1];
  return v;
}

/** Writes NLTK's answers for `inputs` as the fixture; it needs the English Punkt answers. */
export function writeFixture(
  reference: NltkReference,
  provenance: Omit<FixtureProvenance, "nltk" | "python">,
): void {
  const { inputs, output } = reference;
  const punkt = output.punkt;
  if (punkt === null) throw new Error("the fixture needs NLTK's answers with English Punkt");
  const file: FixtureFile = {
    provenance: { ...provenance, nltk: output.nltk, python: output.python },
    stems: inputs.words.map((w, i) => [w, output.stems[i] as string]),
    pairs: inputs.pairs.map(([reference, candidate], i) => {
      const base = output.tokens[i] as [string[], string[]];
      return {
        reference,
        candidate,
        referenceTokens: base[0],
        candidateTokens: base[1],
        meteor: output.meteor[i] as number,
        untrainedPunkt: variant(
          base,
          output.untrainedPunkt.tokens[i] as [string[], string[]],
          output.untrainedPunkt.meteor[i] as number,
        ),
        punkt: variant(base, punkt.tokens[i] as [string[], string[]], punkt.meteor[i] as number),
      };
    }),
  };
  writeFileSync(FIXTURE_URL, `${JSON.stringify(file, null, 2)}\n`);
}

function unpack(
  file: FixtureFile,
  pick: (p: FixtureFile["pairs"][number]) => FixtureVariant,
): TokenizedPairs {
  return {
    tokens: file.pairs.map((p) => {
      const v = pick(p);
      return [v.referenceTokens ?? p.referenceTokens, v.candidateTokens ?? p.candidateTokens];
    }),
    meteor: file.pairs.map((p) => pick(p).meteor),
  };
}

/** Reads the fixture back as inputs and NLTK's answers, with its provenance. */
export function readFixture(): NltkReference & { provenance: FixtureProvenance } {
  const file = JSON.parse(readFileSync(FIXTURE_URL, "utf8")) as FixtureFile;
  return {
    provenance: file.provenance,
    inputs: {
      words: file.stems.map(([w]) => w),
      pairs: file.pairs.map((p) => [p.reference, p.candidate]),
    },
    output: {
      nltk: file.provenance.nltk,
      python: file.provenance.python,
      stems: file.stems.map(([, s]) => s),
      tokens: file.pairs.map((p) => [p.referenceTokens, p.candidateTokens]),
      meteor: file.pairs.map((p) => p.meteor),
      untrainedPunkt: unpack(file, (p) => p.untrainedPunkt),
      punkt: unpack(file, (p) => p.punkt),
    },
  };
}
