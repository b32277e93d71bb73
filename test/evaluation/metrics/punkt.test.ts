import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  PUNKT_ORTHO,
  type PunktParameters,
  PunktSentenceTokenizer,
  parsePunktTab,
  wordTokenize,
} from "../../../src/evaluation/metrics/index.js";

// Small hand-written models, one per Punkt decision. Every expected split below was worked out
// from the algorithm and confirmed with NLTK 3.8's PunktSentenceTokenizer(params).tokenize(text).
const { BEG_UC, MID_UC, BEG_LC, MID_LC } = PUNKT_ORTHO;
const split = (text: string, params: PunktParameters = {}): string[] =>
  new PunktSentenceTokenizer(params).tokenize(text);

describe("PunktSentenceTokenizer: first pass (the token alone)", () => {
  it("splits after ., ! and ? followed by whitespace and a token", () => {
    expect(split("It rained. We left! Did we? Yes.")).toEqual([
      "It rained.",
      "We left!",
      "Did we?",
      "Yes.",
    ]);
  });

  it("keeps a known abbreviation, and ends the sentence at an unknown one", () => {
    const text = "Dr. Smith arrived. He sat.";
    expect(split(text)).toEqual(["Dr.", "Smith arrived.", "He sat."]);
    expect(split(text, { abbrevTypes: ["dr"] })).toEqual(["Dr. Smith arrived.", "He sat."]);
  });

  it("knows an abbreviation by the part after the last hyphen", () => {
    expect(split("The ex-Gov. Smith spoke. Everyone listened.", { abbrevTypes: ["gov"] })).toEqual([
      "The ex-Gov. Smith spoke.",
      "Everyone listened.",
    ]);
  });

  it("keeps a run of marks together and decides at its last mark", () => {
    expect(split("Very bad acting!!! I promise.")).toEqual(["Very bad acting!!!", "I promise."]);
  });

  it("starts the next sentence at punctuation right after a break", () => {
    expect(split("He left. , and then.")).toEqual(["He left.", ", and then."]);
  });
});

describe("PunktSentenceTokenizer: second pass (the next token decides)", () => {
  it("ends the sentence after an abbreviation when the next word is a known sentence start", () => {
    // "the": seen capitalised only first in a sentence, and in lower case: a sentence starter.
    const params = { abbrevTypes: ["etc"], orthoContext: [["the", BEG_UC | MID_LC]] } as const;
    expect(split("We ate apples etc. The shop closed.", params)).toEqual([
      "We ate apples etc.",
      "The shop closed.",
    ]);
    // "paris": also seen capitalised mid-sentence, so no evidence of a sentence start.
    const paris = { abbrevTypes: ["etc"], orthoContext: [["paris", BEG_UC | MID_UC | MID_LC]] };
    expect(split("We saw apples etc. Paris was nice.", paris as PunktParameters)).toEqual([
      "We saw apples etc. Paris was nice.",
    ]);
  });

  it("ends the sentence after an abbreviation before a capitalised frequent sentence starter", () => {
    const params = { abbrevTypes: ["inc"], sentStarters: ["however"] };
    expect(split("He works at Acme Inc. However, he left.", params)).toEqual([
      "He works at Acme Inc.",
      "However, he left.",
    ]);
    expect(split("He works at Acme Inc. however, he left.", params)).toEqual([
      "He works at Acme Inc. however, he left.",
    ]);
  });

  it("keeps an initial before a word never seen in lower case, splits before one that was", () => {
    expect(split("Johann S. Bach wrote it.")).toEqual(["Johann S. Bach wrote it."]);
    expect(
      split("Johann S. Bach wrote it.", { orthoContext: [["bach", BEG_UC | MID_LC]] }),
    ).toEqual(["Johann S.", "Bach wrote it."]);
  });

  it("treats an ordinal before a lower-case word as an abbreviation unless that word starts sentences", () => {
    expect(split("He came 3. in the race.")).toEqual(["He came 3. in the race."]);
    expect(split("He came 3. in the race.", { orthoContext: [["in", BEG_LC]] })).toEqual([
      "He came 3.",
      "in the race.",
    ]);
    expect(split("He came 3. The race ended.")).toEqual(["He came 3.", "The race ended."]);
  });

  it("ends the sentence after an ellipsis only on orthographic evidence", () => {
    expect(split("Wait... What happened?")).toEqual(["Wait... What happened?"]);
    expect(split("Wait... What happened?", { orthoContext: [["what", BEG_UC | MID_LC]] })).toEqual([
      "Wait...",
      "What happened?",
    ]);
  });

  it("does not split a known collocation across the period", () => {
    const text = "It was Sept. 5 when it rained.";
    expect(split(text)).toEqual(["It was Sept.", "5 when it rained."]);
    expect(split(text, { collocations: [["sept", "##number##"]] })).toEqual([text]);
  });

  it("keeps an abbreviation before an unknown capitalised word", () => {
    expect(split("No. 5 is here. No. It is not.", { abbrevTypes: ["no"] })).toEqual([
      "No. 5 is here.",
      "No. It is not.",
    ]);
  });
});

describe("PunktSentenceTokenizer: boundaries", () => {
  it("moves closing brackets and quotes after a break into the sentence they close", () => {
    const punkt = new PunktSentenceTokenizer();
    expect(punkt.tokenize("(Sent1.) Sent2.")).toEqual(["(Sent1.)", "Sent2."]);
    expect(punkt.tokenize("(Sent1.) Sent2.", { realignBoundaries: false })).toEqual([
      "(Sent1.",
      ") Sent2.",
    ]);
    expect(punkt.tokenize('She said "Go home." Then she left.')).toEqual([
      'She said "Go home."',
      "Then she left.",
    ]);
    expect(punkt.tokenize('He said "stop."-- Then left.')).toEqual([
      'He said "stop."',
      "-- Then left.",
    ]);
  });

  it("keeps newlines inside a sentence and drops whitespace between and after sentences", () => {
    const punkt = new PunktSentenceTokenizer();
    const text = "First line.\nSecond line.\n\nNew paragraph.   ";
    expect(punkt.tokenize(text)).toEqual(["First line.", "Second line.", "New paragraph."]);
    expect(punkt.spanTokenize(text)).toEqual([
      [0, 11],
      [12, 24],
      [26, 40],
    ]);
    expect(punkt.tokenize("")).toEqual([]);
    expect(punkt.tokenize(" \n\t")).toEqual([]);
  });

  it("loses no character but whitespace, and gives ordered spans, on any text", () => {
    const alphabet = [..."aZ .!?\"')(][}{-,;:…\n\t\u00a0", "Dr", "etc", "J", "3", "..."];
    const punkt = new PunktSentenceTokenizer({ abbrevTypes: ["dr", "etc"] });
    const squeeze = (s: string): string => s.replace(/\s/gu, "");
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 60 }), (parts) => {
        const text = parts.join("");
        const spans = punkt.spanTokenize(text);
        let end = 0;
        for (const [s, e] of spans) {
          expect(s).toBeGreaterThanOrEqual(end);
          expect(e).toBeGreaterThan(s);
          end = e;
        }
        expect(squeeze(punkt.tokenize(text).join(""))).toBe(squeeze(text));
      }),
      { seed: 24, numRuns: 400 },
    );
  });
});

describe("parsePunktTab", () => {
  it("reads the punkt_tab files line by line, keeping every character but the newline", () => {
    const params = parsePunktTab({
      abbrevTypes: "dr\r\nu.s\n. . \n",
      collocations: "sept\t##number##\na\tb\tc\n",
      sentStarters: "however",
      orthoContext: "the\t18\nthe\t36\nbach\t 2\n",
    });
    expect([...(params.abbrevTypes ?? [])]).toEqual(["dr", "u.s", ". . "]);
    // Only pairs can match a (word, next word) lookup; NLTK keeps the triple but never uses it.
    expect([...(params.collocations ?? [])]).toEqual([["sept", "##number##"]]);
    expect([...(params.sentStarters ?? [])]).toEqual(["however"]);
    // Python's int() accepts surrounding spaces; a later line wins, as in NLTK's dict.
    expect(new Map(params.orthoContext)).toEqual(
      new Map([
        ["the", 36],
        ["bach", 2],
      ]),
    );
  });

  it("gives the same model as parameters passed directly", () => {
    const fromFiles = new PunktSentenceTokenizer(
      parsePunktTab({
        abbrevTypes: "dr",
        collocations: "sept\t##number##",
        sentStarters: "",
        orthoContext: "",
      }),
    );
    expect(fromFiles.tokenize("Dr. Smith came on Sept. 5 to stay. He left.")).toEqual([
      "Dr. Smith came on Sept. 5 to stay.",
      "He left.",
    ]);
    expect(fromFiles.isEmpty).toBe(false);
    expect(new PunktSentenceTokenizer().isEmpty).toBe(true);
    expect(
      new PunktSentenceTokenizer(
        parsePunktTab({ abbrevTypes: "", collocations: "", sentStarters: "", orthoContext: "" }),
      ).isEmpty,
    ).toBe(true);
  });

  it("rejects a malformed ortho_context.tab line with its line number", () => {
    const files = { abbrevTypes: "", collocations: "", sentStarters: "" };
    expect(() => parsePunktTab({ ...files, orthoContext: "the\t2\nbroken\n" })).toThrow(
      expect.objectContaining({
        code: "PUNKT_PARAMETERS_INVALID",
        message: expect.stringContaining("ortho_context.tab, line 2"),
      }),
    );
    expect(() => parsePunktTab({ ...files, orthoContext: "the\tmany" })).toThrow(
      expect.objectContaining({ code: "PUNKT_PARAMETERS_INVALID" }),
    );
  });
});

describe("PunktSentenceTokenizer parameters", () => {
  it("accept arrays, sets and maps alike", () => {
    const fromSets = new PunktSentenceTokenizer({
      abbrevTypes: new Set(["dr"]),
      orthoContext: new Map([["bach", BEG_UC | MID_LC]]),
    });
    expect(fromSets.tokenize("Dr. J. Bach left.")).toEqual(["Dr. J.", "Bach left."]);
  });

  it("reject a field of the wrong shape, naming it", () => {
    const bad: unknown[] = [
      { abbrevTypes: "dr" },
      { sentStarters: [1] },
      { collocations: [["sept"]] },
      { orthoContext: [["the", "18"]] },
      { orthoContext: { the: 18 } },
    ];
    for (const params of bad)
      expect(() => new PunktSentenceTokenizer(params as PunktParameters)).toThrow(
        expect.objectContaining({
          code: "VALIDATION_ERROR",
          message: expect.stringContaining(Object.keys(params as object)[0] as string),
        }),
      );
  });
});

describe("wordTokenize with sentences", () => {
  it("splits a sentence-final period inside the text off its word, as word_tokenize does", () => {
    const text = "He was born in India. He moved to London.";
    expect(wordTokenize(text)).toContain("India.");
    expect(wordTokenize(text, { sentences: new PunktSentenceTokenizer() })).toEqual([
      "He",
      "was",
      "born",
      "in",
      "India",
      ".",
      "He",
      "moved",
      "to",
      "London",
      ".",
    ]);
  });

  it("keeps a known abbreviation's period on its word", () => {
    const punkt = new PunktSentenceTokenizer({ abbrevTypes: ["st"] });
    expect(wordTokenize("We met at St. Paul's. It rained.", { sentences: punkt })).toEqual([
      "We",
      "met",
      "at",
      "St.",
      "Paul",
      "'s",
      ".",
      "It",
      "rained",
      ".",
    ]);
  });
});
