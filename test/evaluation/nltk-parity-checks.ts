/**
 * The parity checks against NLTK's answers (from the committed fixture or a live run): fmops'
 * Porter stems and tokens must equal NLTK's exactly and its METEOR must be within 1e-12 of
 * NLTK's, on every case, for each way of splitting sentences: none
 * (`word_tokenize(text, preserve_line=True)`), an untrained Punkt (fmops' fallback without
 * NLTK's data) and NLTK's English Punkt (`word_tokenize(text)`, what fmeval computes; these
 * checks need the shared copy of the parameters and say so when they skip).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  meteorScore,
  meteorScoreTokens,
  nltkPorterStem,
  PunktSentenceTokenizer,
  wordTokenize,
} from "../../src/evaluation/metrics/index.js";
import type { NltkReference, TokenizedPairs } from "./nltk-parity-cases.js";
import { NO_SHARED_PUNKT, sharedPunkt } from "./nltk-punkt-data.js";

/** Token lists that differ between fmops and NLTK, for every text of every pair. */
function tokenMismatches(
  pairs: readonly [string, string][],
  nltk: TokenizedPairs,
  tokenize: (text: string) => string[],
): unknown[] {
  const mismatches: unknown[] = [];
  pairs.forEach((pair, i) => {
    const theirs = nltk.tokens[i] as [string[], string[]];
    pair.forEach((text, side) => {
      const ours = tokenize(text);
      if (JSON.stringify(ours) !== JSON.stringify(theirs[side]))
        mismatches.push({ text, ours, nltk: theirs[side] });
    });
  });
  return mismatches;
}

/** Pairs whose METEOR differs from NLTK's by more than 1e-12. */
function meteorMismatches(
  pairs: readonly [string, string][],
  nltk: TokenizedPairs,
  score: (reference: string, candidate: string, i: number) => number,
): unknown[] {
  const mismatches: unknown[] = [];
  pairs.forEach(([r, c], i) => {
    const ours = score(r, c, i);
    const theirs = nltk.meteor[i] as number;
    if (!(Math.abs(ours - theirs) <= 1e-12)) mismatches.push({ pair: [r, c], ours, nltk: theirs });
  });
  return mismatches;
}

/** Defines the parity tests in a `describe` block; `load` runs once, in `beforeAll`. */
export function describeNltkParity(title: string, load: () => NltkReference): void {
  describe(title, () => {
    let ref: NltkReference | undefined;
    beforeAll(() => {
      ref = load();
    }, 300_000);
    const reference = (): NltkReference => {
      if (ref === undefined) throw new Error("the NLTK reference did not load (see beforeAll)");
      return ref;
    };
    const english = sharedPunkt();
    const skipped = english === undefined ? ` (skipped: ${NO_SHARED_PUNKT})` : "";

    it("Porter stems equal NLTK's PorterStemmer() on every word", () => {
      const { inputs, output } = reference();
      const mismatches = inputs.words
        .map((w, i) => [w, nltkPorterStem(w), output.stems[i]] as const)
        .filter(([, ours, theirs]) => ours !== theirs);
      expect(mismatches).toEqual([]);
      expect(inputs.words.length).toBeGreaterThan(300);
    });

    it("word tokens equal NLTK's word_tokenize(text, preserve_line=True)", () => {
      const { inputs, output } = reference();
      expect(tokenMismatches(inputs.pairs, output, (t) => wordTokenize(t))).toEqual([]);
      expect(output.tokens.length).toBe(inputs.pairs.length);
    });

    it("METEOR equals NLTK's single_meteor_score to 1e-12", () => {
      const { inputs, output } = reference();
      const nonTrivial = output.meteor.filter((m) => m > 0 && m < 1).length;
      const mismatches = meteorMismatches(inputs.pairs, output, (_r, _c, i) => {
        const [refTokens, candTokens] = output.tokens[i] as [string[], string[]];
        return meteorScoreTokens(refTokens, candTokens);
      });
      expect(mismatches).toEqual([]);
      expect(output.meteor.length).toBe(inputs.pairs.length);
      expect(nonTrivial).toBeGreaterThan(200);
    });

    it("meteorScore with punkt: false equals single_meteor_score of the preserve_line tokens", () => {
      const { inputs, output } = reference();
      const score = (r: string, c: string): number => meteorScore(r, c, { punkt: false });
      expect(meteorMismatches(inputs.pairs, output, score)).toEqual([]);
    });

    it("untrained Punkt: word tokens equal word_tokenize(text) with PunktSentenceTokenizer()", () => {
      const { inputs, output } = reference();
      const untrained = new PunktSentenceTokenizer();
      const tokenize = (t: string): string[] => wordTokenize(t, { sentences: untrained });
      expect(tokenMismatches(inputs.pairs, output.untrainedPunkt, tokenize)).toEqual([]);
    });

    it("untrained Punkt: meteorScore equals NLTK's with PunktSentenceTokenizer() to 1e-12", () => {
      const { inputs, output } = reference();
      const punkt = new PunktSentenceTokenizer();
      const score = (r: string, c: string): number => meteorScore(r, c, { punkt });
      expect(meteorMismatches(inputs.pairs, output.untrainedPunkt, score)).toEqual([]);
    });

    it.skipIf(english === undefined)(
      `English Punkt: word tokens equal NLTK's word_tokenize(text)${skipped}`,
      () => {
        const { inputs, output } = reference();
        if (output.punkt === null) throw new Error("NLTK answered without English Punkt");
        const tokenize = (t: string): string[] => wordTokenize(t, { sentences: english });
        expect(tokenMismatches(inputs.pairs, output.punkt, tokenize)).toEqual([]);
        // The cases must exercise sentence splitting: many pairs tokenize differently with it.
        const split = output.punkt.tokens.filter(
          (t, i) => JSON.stringify(t) !== JSON.stringify(output.tokens[i]),
        ).length;
        expect(split).toBeGreaterThan(150);
      },
    );

    it.skipIf(english === undefined)(
      `English Punkt: meteorScore equals fmeval's single_meteor_score(word_tokenize(r), word_tokenize(c)) to 1e-12${skipped}`,
      () => {
        const { inputs, output } = reference();
        if (output.punkt === null) throw new Error("NLTK answered without English Punkt");
        const score = (r: string, c: string): number => meteorScore(r, c, { punkt: english });
        expect(meteorMismatches(inputs.pairs, output.punkt, score)).toEqual([]);
        // And the splitting changes scores, so this check is not the one-sentence check again.
        const changed = output.punkt.meteor.filter((m, i) => m !== output.meteor[i]).length;
        expect(changed).toBeGreaterThan(100);
      },
    );
  });
}
