/**
 * The NLTK parity cases, shared by the golden-fixture test (`npm test`), the live check against
 * Python's NLTK (`npm run test:system`) and the script that regenerates the fixture: the inputs
 * (a few hundred words and 400 seeded sentence pairs), the Python program that computes NLTK's
 * answers for them, and the fixture file's format. No vitest here: the generator imports it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { wordTokenize } from "../../src/evaluation/metrics/index.js";
import { mulberry32 } from "../support/random.js";

/** How many pairs the parity cases hold, and the seed that generates them. */
export const PAIR_COUNT = 400;
export const PAIR_SEED = 20240611;

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
  const pairs = generatePairs(PAIR_COUNT, PAIR_SEED);
  const wordSet = new Set<string>([...WORDS, ...EXTRA_WORDS]);
  for (const [r, c] of pairs)
    for (const t of [...wordTokenize(r), ...wordTokenize(c)]) wordSet.add(t);
  return { words: [...wordSet], pairs };
}

/**
 * Reads `{"words": [...], "pairs": [[ref, cand], ...]}` on stdin; prints NLTK's Porter stems,
 * `word_tokenize(text, preserve_line=True)` tokens and `single_meteor_score` of the tokens, with
 * the NLTK and Python versions that produced them.
 */
export const PY_SCRIPT = `
import json, platform, sys
import nltk
from nltk.stem.porter import PorterStemmer
from nltk.tokenize import word_tokenize
from nltk.translate.meteor_score import single_meteor_score
inp = json.load(sys.stdin)
st = PorterStemmer()
stems = [st.stem(w) for w in inp["words"]]
tokens = [[word_tokenize(r, preserve_line=True), word_tokenize(c, preserve_line=True)] for r, c in inp["pairs"]]
meteor = [single_meteor_score(t[0], t[1]) for t in tokens]
print(json.dumps({"nltk": nltk.__version__, "python": platform.python_version(), "stems": stems, "tokens": tokens, "meteor": meteor}))
`;

/** What {@link PY_SCRIPT} prints. */
export interface NltkOutput {
  /** `nltk.__version__`. */
  nltk: string;
  /** `platform.python_version()`. */
  python: string;
  /** One stem per input word, in order. */
  stems: string[];
  /** Reference and candidate tokens per pair, in order. */
  tokens: [string[], string[]][];
  /** METEOR per pair, in order. */
  meteor: number[];
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
}

/** The fixture file: provenance, then one entry per word and per pair, so diffs stay readable. */
interface FixtureFile {
  provenance: FixtureProvenance;
  stems: [word: string, stem: string][];
  pairs: {
    reference: string;
    candidate: string;
    referenceTokens: string[];
    candidateTokens: string[];
    meteor: number;
  }[];
}

/** Writes NLTK's answers for `inputs` as the fixture. */
export function writeFixture(
  reference: NltkReference,
  provenance: Omit<FixtureProvenance, "nltk" | "python">,
): void {
  const { inputs, output } = reference;
  const file: FixtureFile = {
    provenance: { ...provenance, nltk: output.nltk, python: output.python },
    stems: inputs.words.map((w, i) => [w, output.stems[i] as string]),
    pairs: inputs.pairs.map(([reference, candidate], i) => {
      const [referenceTokens, candidateTokens] = output.tokens[i] as [string[], string[]];
      return {
        reference,
        candidate,
        referenceTokens,
        candidateTokens,
        meteor: output.meteor[i] as number,
      };
    }),
  };
  writeFileSync(FIXTURE_URL, `${JSON.stringify(file, null, 2)}\n`);
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
    },
  };
}
