/**
 * The parity checks against NLTK's answers (from the committed fixture or a live run): fmops'
 * Porter stems and tokens must equal NLTK's exactly and its METEOR must be within 1e-12 of
 * NLTK's, on every case.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { meteorScoreTokens, porterStem, wordTokenize } from "../../src/evaluation/metrics/index.js";
import type { NltkReference } from "./nltk-parity-cases.js";

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

    it("Porter stems equal NLTK's PorterStemmer() on every word", () => {
      const { inputs, output } = reference();
      const mismatches = inputs.words
        .map((w, i) => [w, porterStem(w), output.stems[i]] as const)
        .filter(([, ours, theirs]) => ours !== theirs);
      expect(mismatches).toEqual([]);
      expect(inputs.words.length).toBeGreaterThan(300);
    });

    it("word tokens equal NLTK's word_tokenize(text, preserve_line=True)", () => {
      const { inputs, output } = reference();
      const mismatches: unknown[] = [];
      inputs.pairs.forEach(([r, c], i) => {
        const [pr, pc] = output.tokens[i] as [string[], string[]];
        if (JSON.stringify(wordTokenize(r)) !== JSON.stringify(pr))
          mismatches.push({ text: r, ours: wordTokenize(r), nltk: pr });
        if (JSON.stringify(wordTokenize(c)) !== JSON.stringify(pc))
          mismatches.push({ text: c, ours: wordTokenize(c), nltk: pc });
      });
      expect(mismatches).toEqual([]);
      expect(output.tokens.length).toBe(inputs.pairs.length);
    });

    it("METEOR equals NLTK's single_meteor_score to 1e-12", () => {
      const { inputs, output } = reference();
      const mismatches: unknown[] = [];
      let nonTrivial = 0;
      inputs.pairs.forEach((_, i) => {
        const [refTokens, candTokens] = output.tokens[i] as [string[], string[]];
        const ours = meteorScoreTokens(refTokens, candTokens);
        const theirs = output.meteor[i] as number;
        if (theirs > 0 && theirs < 1) nonTrivial += 1;
        if (!(Math.abs(ours - theirs) <= 1e-12))
          mismatches.push({ pair: inputs.pairs[i], ours, nltk: theirs });
      });
      expect(mismatches).toEqual([]);
      expect(output.meteor.length).toBe(inputs.pairs.length);
      expect(nonTrivial).toBeGreaterThan(200);
    });
  });
}
