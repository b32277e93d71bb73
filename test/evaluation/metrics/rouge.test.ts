import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isFmopsError } from "../../../src/core/errors.js";
import {
  type RougeType,
  rougeScores,
  rougeTokenize,
} from "../../../src/evaluation/metrics/index.js";

// Expected values worked out by hand from rouge_score's algorithm (rouge_scorer.py, tokenize.py).
describe("rougeTokenize", () => {
  it("lowercases, turns every non a-z0-9 run into a space and drops empty tokens", () => {
    expect(rougeTokenize("  Hello, World!! 42-b\n")).toEqual(["hello", "world", "42", "b"]);
    expect(rougeTokenize("Café naïve")).toEqual(["caf", "na", "ve"]);
    expect(rougeTokenize("!!! ???")).toEqual([]);
    expect(rougeTokenize("")).toEqual([]);
  });

  it("stems only tokens longer than 3 characters, with NLTK's Porter stemmer", () => {
    expect(rougeTokenize("The cats' toys were running", true)).toEqual([
      "the",
      "cat",
      "toy",
      "were",
      "run",
    ]);
    // "has" (3 chars) is kept although Porter would give "ha"; "this" (4) becomes "thi".
    expect(rougeTokenize("has this dying", true)).toEqual(["has", "thi", "die"]);
  });
});

describe("rougeScores", () => {
  it("scores n-grams and LCS of a simple pair", () => {
    const s = rougeScores("the cat sat on the mat", "the cat lay on the mat");
    expect(s.rouge1).toEqual({
      precision: 5 / 6,
      recall: 5 / 6,
      fmeasure: (2 * (5 / 6) * (5 / 6)) / (5 / 6 + 5 / 6),
    });
    expect(s.rouge2?.precision).toBe(3 / 5);
    expect(s.rouge2?.recall).toBe(3 / 5);
    expect(s.rougeL?.recall).toBe(5 / 6);
    expect(s.rougeLsum?.recall).toBe(5 / 6);
  });

  it("clips repeated n-grams by their count in the other text", () => {
    const s = rougeScores("the the the", "the the the the the", { types: ["rouge1", "rouge2"] });
    // rouge_score evaluates 2 * 0.6 * 1 / 1.6 = 0.7499999999999999 in floating point.
    expect(s.rouge1).toEqual({ precision: 3 / 5, recall: 1, fmeasure: 0.7499999999999999 });
    expect(s.rouge2?.precision).toBe(2 / 4);
    expect(s.rouge2?.recall).toBe(1);
    expect(s.rouge2?.fmeasure).toBeCloseTo(2 / 3, 15);
  });

  it("returns zeros for empty and punctuation-only texts", () => {
    const zero = { precision: 0, recall: 0, fmeasure: 0 };
    for (const [r, c] of [
      ["", "abc"],
      ["abc", ""],
      ["", ""],
      ["!!!", "..."],
    ] as const) {
      const s = rougeScores(r, c);
      expect(s).toEqual({ rouge1: zero, rouge2: zero, rougeL: zero, rougeLsum: zero });
    }
  });

  it("with stemming, matches inflected forms", () => {
    const plain = rougeScores("cats running", "cat runs", { types: ["rouge1"] });
    const stemmed = rougeScores("cats running", "cat runs", {
      types: ["rouge1"],
      useStemmer: true,
    });
    expect(plain.rouge1?.fmeasure).toBe(0);
    expect(stemmed.rouge1).toEqual({ precision: 1, recall: 1, fmeasure: 1 });
  });

  it("ROUGE-Lsum takes the union LCS over newline-separated sentences", () => {
    const s = rougeScores("a b c d", "c d\na b", { types: ["rougeL", "rougeLsum"] });
    expect(s.rougeL).toEqual({ precision: 0.5, recall: 0.5, fmeasure: 0.5 });
    expect(s.rougeLsum).toEqual({ precision: 1, recall: 1, fmeasure: 1 });
  });

  it("ROUGE-Lsum does not count a token more often than it occurs", () => {
    // Both candidate sentences hit the same reference "a"; it counts once.
    expect(rougeScores("a a", "a\na", { types: ["rougeLsum"] }).rougeLsum).toEqual({
      precision: 0.5,
      recall: 0.5,
      fmeasure: 0.5,
    });
    // The second reference sentence finds the candidate tokens already used up.
    const s = rougeScores("a b\na b", "a b", { types: ["rougeLsum"] }).rougeLsum;
    expect(s?.precision).toBe(1);
    expect(s?.recall).toBe(0.5);
    expect(s?.fmeasure).toBeCloseTo(2 / 3, 15);
  });

  it("ROUGE-Lsum follows rouge_score's backtracking when several LCS exist", () => {
    // LCS of [a b] and [b a] is one token; rouge_score's backtrack picks "a" (index 0), so with
    // the second candidate sentence [b] the union covers both reference tokens.
    const s = rougeScores("a b", "b a\nb", { types: ["rougeLsum"] }).rougeLsum;
    expect(s).toEqual({ precision: 2 / 3, recall: 1, fmeasure: 0.8 });
  });

  it("drops empty sentences but keeps whitespace-only ones (which have no tokens)", () => {
    const s = rougeScores("a\n\n \nb", "a b", { types: ["rougeLsum"] }).rougeLsum;
    expect(s).toEqual({ precision: 1, recall: 1, fmeasure: 1 });
  });

  it("computes only the requested types and rejects unknown ones", () => {
    expect(Object.keys(rougeScores("a", "a", { types: ["rouge3"] }))).toEqual(["rouge3"]);
    try {
      rougeScores("a", "a", { types: ["rouge0" as RougeType] });
      expect.unreachable();
    } catch (err) {
      expect(isFmopsError(err) && err.code).toBe("VALIDATION_ERROR");
    }
  });

  it("is symmetric in the way rouge_score is: precision and recall swap with the texts", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "b", "c", "d", "\n"), { maxLength: 12 }),
        fc.array(fc.constantFrom("a", "b", "c", "d", "\n"), { maxLength: 12 }),
        (x, y) => {
          const r = x.join(" ");
          const c = y.join(" ");
          const ab = rougeScores(r, c);
          const ba = rougeScores(c, r);
          for (const t of ["rouge1", "rouge2", "rougeL"] as const) {
            expect(ab[t]?.precision).toBe(ba[t]?.recall);
            expect(ab[t]?.fmeasure).toBeGreaterThanOrEqual(0);
            expect(ab[t]?.fmeasure).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });
});
