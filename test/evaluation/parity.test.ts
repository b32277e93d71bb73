/**
 * Parity with the reference implementation: Debian's python3-nltk (NLTK 3.8) computes Porter
 * stems, Treebank word tokens and METEOR scores on a few hundred generated pairs, and fmops must
 * agree (tokens and stems exactly, METEOR to 1e-12). Both sides read the same WordNet files.
 * Needs `apt-get install -y python3-nltk`; without it this test fails and says so.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { meteorScoreTokens, porterStem, wordTokenize } from "../../src/evaluation/metrics/index.js";
import { mulberry32 } from "../support/random.js";
import { buildNltkData, findNltkPython, runPython } from "./nltk-harness.js";

const WORDS = (
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
function generatePairs(count: number, seed: number): [string, string][] {
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

const PY_SCRIPT = `
import json, sys
from nltk.stem.porter import PorterStemmer
from nltk.tokenize import word_tokenize
from nltk.translate.meteor_score import single_meteor_score
inp = json.load(sys.stdin)
st = PorterStemmer()
stems = [st.stem(w) for w in inp["words"]]
tokens = [[word_tokenize(r, preserve_line=True), word_tokenize(c, preserve_line=True)] for r, c in inp["pairs"]]
meteor = [single_meteor_score(t[0], t[1]) for t in tokens]
print(json.dumps({"stems": stems, "tokens": tokens, "meteor": meteor}))
`;

interface PyResult {
  stems: string[];
  tokens: [string[], string[]][];
  meteor: number[];
}

describe("parity with python3-nltk", () => {
  const python = findNltkPython();
  const pairs = generatePairs(400, 20240611);
  const extraWords = [
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
  let result: PyResult;
  let words: string[];

  beforeAll(() => {
    if (python === undefined) {
      throw new Error(
        "The NLTK parity test needs Python's NLTK: install it with `apt-get install -y python3-nltk` (or set FMOPS_PYTHON to a python3 that can `import nltk`).",
      );
    }
    const wordSet = new Set<string>([...WORDS, ...extraWords]);
    for (const [r, c] of pairs)
      for (const t of [...wordTokenize(r), ...wordTokenize(c)]) wordSet.add(t);
    words = [...wordSet];
    result = runPython(python, buildNltkData(), PY_SCRIPT, { words, pairs }) as PyResult;
  }, 300_000);

  it("Porter stems equal NLTK's PorterStemmer() on every word", () => {
    const mismatches = words
      .map((w, i) => [w, porterStem(w), result.stems[i]] as const)
      .filter(([, ours, theirs]) => ours !== theirs);
    expect(mismatches).toEqual([]);
    expect(words.length).toBeGreaterThan(300);
  });

  it("word tokens equal NLTK's word_tokenize(text, preserve_line=True)", () => {
    const mismatches: unknown[] = [];
    pairs.forEach(([r, c], i) => {
      const [pr, pc] = result.tokens[i] as [string[], string[]];
      if (JSON.stringify(wordTokenize(r)) !== JSON.stringify(pr))
        mismatches.push({ text: r, ours: wordTokenize(r), nltk: pr });
      if (JSON.stringify(wordTokenize(c)) !== JSON.stringify(pc))
        mismatches.push({ text: c, ours: wordTokenize(c), nltk: pc });
    });
    expect(mismatches).toEqual([]);
  });

  it("METEOR equals NLTK's single_meteor_score to 1e-12", () => {
    const mismatches: unknown[] = [];
    let nonTrivial = 0;
    pairs.forEach((_, i) => {
      const [refTokens, candTokens] = result.tokens[i] as [string[], string[]];
      const ours = meteorScoreTokens(refTokens, candTokens);
      const theirs = result.meteor[i] as number;
      if (theirs > 0 && theirs < 1) nonTrivial += 1;
      if (!(Math.abs(ours - theirs) <= 1e-12))
        mismatches.push({ pair: pairs[i], ours, nltk: theirs });
    });
    expect(mismatches).toEqual([]);
    expect(nonTrivial).toBeGreaterThan(200);
  });
});
