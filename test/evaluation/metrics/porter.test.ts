import { describe, expect, it } from "vitest";
import { NltkPorterStemmer, nltkPorterStem } from "../../../src/evaluation/metrics/index.js";

// Expected stems are NLTK 3.8 PorterStemmer() (NLTK_EXTENSIONS) outputs.
const CASES: Record<string, string> = {
  caresses: "caress",
  ponies: "poni",
  ties: "tie",
  cats: "cat",
  feed: "feed",
  agreed: "agre",
  plastered: "plaster",
  motoring: "motor",
  sing: "sing",
  conflated: "conflat",
  troubled: "troubl",
  sized: "size",
  hopping: "hop",
  tanned: "tan",
  falling: "fall",
  hissing: "hiss",
  fizzed: "fizz",
  failing: "fail",
  filing: "file",
  happy: "happi",
  sky: "sky",
  skies: "sky",
  dying: "die",
  enjoy: "enjoy",
  relational: "relat",
  conditional: "condit",
  rational: "ration",
  generously: "gener",
  hopeful: "hope",
  goodness: "good",
  adoption: "adopt",
  controll: "control",
  roll: "roll",
  archaeology: "archaeolog",
  spies: "spi",
  tied: "tie",
  ab: "ab",
  Running: "run",
  // NLTK's rule list also matches a literal "*d" suffix.
  "a*ded": "ad",
};

describe("nltkPorterStem", () => {
  it("reproduces NLTK's default-mode stems", () => {
    for (const [word, stem] of Object.entries(CASES))
      expect([word, nltkPorterStem(word)]).toEqual([word, stem]);
  });

  it("lowercases, and leaves words of at most two code points alone", () => {
    expect(nltkPorterStem("IS")).toBe("is");
    expect(nltkPorterStem("😀s")).toBe("😀s");
  });

  it("counts characters outside the BMP as one character each", () => {
    // In Python "a😀😀" ends in a double consonant, so removing "ing" also undoubles it.
    expect(nltkPorterStem("a😀😀ing")).toBe("a😀");
    expect(nltkPorterStem("😀😀ing")).toBe("😀😀ing");
  });

  it("NltkPorterStemmer caches but returns the same stems", () => {
    const s = new NltkPorterStemmer(2);
    for (const w of ["cats", "dogs", "cats", "running", "cats"])
      expect(s.stem(w)).toBe(nltkPorterStem(w));
  });
});
