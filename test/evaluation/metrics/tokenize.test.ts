import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wordTokenize } from "../../../src/evaluation/metrics/index.js";

// Expected tokens are NLTK 3.8 word_tokenize(text, preserve_line=True) outputs.
describe("wordTokenize", () => {
  it("splits NLTK's docstring example", () => {
    expect(
      wordTokenize("Good muffins cost $3.88\nin New York.  Please buy me\ntwo of them.\nThanks."),
    ).toEqual([
      "Good",
      "muffins",
      "cost",
      "$",
      "3.88",
      "in",
      "New",
      "York.",
      "Please",
      "buy",
      "me",
      "two",
      "of",
      "them.",
      "Thanks",
      ".",
    ]);
  });

  it("handles quotes, contractions, dashes and brackets", () => {
    expect(wordTokenize(`"They'll pay," she said -- can't they? (No!)`)).toEqual([
      "``",
      "They",
      "'ll",
      "pay",
      ",",
      "''",
      "she",
      "said",
      "--",
      "ca",
      "n't",
      "they",
      "?",
      "(",
      "No",
      "!",
      ")",
    ]);
    expect(wordTokenize("I cannot, wanna go")).toEqual(["I", "can", "not", ",", "wan", "na", "go"]);
  });

  it("returns no tokens for empty or whitespace-only text", () => {
    expect(wordTokenize("")).toEqual([]);
    expect(wordTokenize(" \n\t\u3000")).toEqual([]);
  });

  it("keeps commas inside numbers and splits them before non-digits", () => {
    expect(wordTokenize("1,000 apples,pears")).toEqual(["1,000", "apples", ",", "pears"]);
  });

  it("never returns empty tokens or tokens with whitespace", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        for (const t of wordTokenize(text)) {
          expect(t.length).toBeGreaterThan(0);
          expect(/[\s]/u.test(t)).toBe(false);
        }
      }),
    );
  });
});
