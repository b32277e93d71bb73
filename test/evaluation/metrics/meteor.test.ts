import { describe, expect, it } from "vitest";
import {
  getDefaultWordNet,
  meteorScore,
  meteorScoreTokens,
} from "../../../src/evaluation/metrics/index.js";

const HYP =
  "It is a guide to action which ensures that the military always obeys the commands of the party".split(
    " ",
  );
const REF =
  "It is a guide to action that ensures that the military will forever heed Party commands".split(
    " ",
  );

describe("meteorScoreTokens", () => {
  it("reproduces NLTK's docstring examples", () => {
    expect(meteorScoreTokens(REF, HYP)).toBe(0.6944444444444445);
    expect(meteorScoreTokens(["this", "is", "a", "cat"], ["non", "matching", "hypothesis"])).toBe(
      0,
    );
  });

  it("computes a hand-checked exact-match score", () => {
    // 6 of 6 words match in one chunk: P = R = 1, fmean = 1, penalty = 0.5 * (1/6)^3.
    expect(meteorScoreTokens("a b c d e f".split(" "), "a b c d e f".split(" "))).toBe(
      1 - 0.5 * (1 / 6) ** 3,
    );
    // Reversed: 2 words, 2 chunks: penalty = 0.5 * 1^3.
    expect(meteorScoreTokens(["x", "y"], ["y", "x"])).toBe(0.5);
  });

  it("matches stems and WordNet synonyms after exact matches", () => {
    // "cats" ~ "cat" by stem; "kid" ~ "child" through WordNet; one chunk of three.
    const score = meteorScoreTokens(["child", "cats", "sleep"], ["kid", "cat", "sleep"]);
    expect(score).toBe(1 - 0.5 * (1 / 3) ** 3);
    expect(getDefaultWordNet().meteorSynonyms("children").has("kid")).toBe(true);
  });

  it("returns 0 for empty input", () => {
    expect(meteorScoreTokens([], [])).toBe(0);
    expect(meteorScoreTokens(["a"], [])).toBe(0);
    expect(meteorScore("", "something")).toBe(0);
    expect(meteorScore("...", "!!!")).toBe(0);
  });
});

describe("WordNet morphy", () => {
  it("uses the exception lists and the detachment rules", () => {
    const wn = getDefaultWordNet();
    expect(wn.morphy("geese", "n")).toEqual(["goose"]);
    expect(wn.morphy("churches", "n")).toEqual(["church"]);
    expect(wn.morphy("aardwolves", "n")).toEqual(["aardwolf"]);
    expect(wn.morphy("went", "v")).toEqual(["go"]);
    expect(wn.morphy("book", "a")).toEqual([]);
  });
});
