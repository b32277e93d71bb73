/**
 * Parity with a live Python NLTK (Debian's python3-nltk; FMOPS_PYTHON picks another python3):
 * NLTK computes the parity cases now, fmops must agree with it, and the committed golden fixture
 * that `npm test` relies on must equal what NLTK answers, for one-sentence tokenization, an
 * untrained Punkt and NLTK's English Punkt parameters (from the shared copy beside the
 * repository; without it those checks skip and say why). Part of `npm run test:system`, which
 * needs the system packages; without NLTK it fails and says how to install it.
 */
import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildNltkData, findNltkPython, runPython } from "./nltk-harness.js";
import {
  type NltkOutput,
  type NltkReference,
  PY_SCRIPT,
  parityInputs,
  readFixture,
} from "./nltk-parity-cases.js";
import { describeNltkParity } from "./nltk-parity-checks.js";
import { hasSharedPunkt, SHARED_PUNKT_DIR } from "./nltk-punkt-data.js";

let live: NltkReference | undefined;

/** Runs NLTK over the parity cases once per file. */
function liveNltk(): NltkReference {
  if (live !== undefined) return live;
  const python = findNltkPython();
  if (python === undefined) {
    throw new Error(
      "The live NLTK parity check needs Python's NLTK: install it with `apt-get install -y python3-nltk` (or set FMOPS_PYTHON to a python3 that can `import nltk`).",
    );
  }
  const inputs = parityInputs();
  const nltkData = buildNltkData();
  try {
    const punktDir = hasSharedPunkt() ? SHARED_PUNKT_DIR : null;
    const output = runPython(python, nltkData, PY_SCRIPT, { ...inputs, punktDir }) as NltkOutput;
    live = { inputs, output };
    return live;
  } finally {
    rmSync(nltkData, { recursive: true, force: true });
  }
}

describeNltkParity("parity with live NLTK", liveNltk);

describe("the committed NLTK fixture", () => {
  it("equals what the installed NLTK answers now", () => {
    const fixture = readFixture();
    const { inputs, output } = liveNltk();
    const why = `fixture: NLTK ${fixture.provenance.nltk} on Python ${fixture.provenance.python}; installed: NLTK ${output.nltk} on Python ${output.python}. If the installed NLTK is the reference now, regenerate with \`npm run fixtures:nltk\``;
    expect(fixture.inputs, why).toEqual(inputs);
    expect(fixture.output.stems, why).toEqual(output.stems);
    expect(fixture.output.tokens, why).toEqual(output.tokens);
    expect(fixture.output.meteor, why).toEqual(output.meteor);
    expect(fixture.output.untrainedPunkt, why).toEqual(output.untrainedPunkt);
    if (output.punkt !== null) expect(fixture.output.punkt, why).toEqual(output.punkt);
  }, 300_000);
});
