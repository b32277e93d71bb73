/**
 * NLTK's English Punkt parameters for the parity checks. They are not committed (their licence
 * is not stated with the data): the tests read the copy in `../shared/data/nltk-punkt-english`
 * beside the repository (CI has it; see its PROVENANCE.md) and skip, saying so, where it is
 * absent. The golden fixture records the digest of the files it was generated with, so a
 * different copy is reported instead of silently compared.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  PunktSentenceTokenizer,
  type PunktTabFiles,
  parsePunktTab,
} from "../../src/evaluation/metrics/index.js";

/** The shared copy of NLTK's `tokenizers/punkt_tab/english/` files. */
export const SHARED_PUNKT_DIR = fileURLToPath(
  new URL("../../../shared/data/nltk-punkt-english/", import.meta.url),
);

/** The four files, in the order their digest is taken. */
export const PUNKT_FILES = [
  "abbrev_types.txt",
  "collocations.tab",
  "sent_starters.txt",
  "ortho_context.tab",
] as const;

/** Why the English-Punkt checks did not run, for skipped tests' names and the generator. */
export const NO_SHARED_PUNKT = `NLTK's English Punkt parameters are not at ${SHARED_PUNKT_DIR} (the shared data folder beside the repository; CI has it)`;

/** True when the shared copy is there. */
export function hasSharedPunkt(): boolean {
  return PUNKT_FILES.every((f) => existsSync(`${SHARED_PUNKT_DIR}${f}`));
}

/** The files' contents, or undefined when the shared copy is absent. */
export function sharedPunktFiles(): PunktTabFiles | undefined {
  if (!hasSharedPunkt()) return undefined;
  const read = (f: string): string => readFileSync(`${SHARED_PUNKT_DIR}${f}`, "utf8");
  return {
    abbrevTypes: read("abbrev_types.txt"),
    collocations: read("collocations.tab"),
    sentStarters: read("sent_starters.txt"),
    orthoContext: read("ortho_context.tab"),
  };
}

let tokenizer: PunktSentenceTokenizer | undefined;

/** A tokenizer with NLTK's English parameters, or undefined when the shared copy is absent. */
export function sharedPunkt(): PunktSentenceTokenizer | undefined {
  if (tokenizer !== undefined) return tokenizer;
  const files = sharedPunktFiles();
  if (files !== undefined) tokenizer = new PunktSentenceTokenizer(parsePunktTab(files));
  return tokenizer;
}

/** sha256 over the four files (name, NUL, bytes, NUL each), so two copies can be told apart. */
export function sharedPunktDigest(): string | undefined {
  if (!hasSharedPunkt()) return undefined;
  const hash = createHash("sha256");
  for (const f of PUNKT_FILES) {
    hash.update(`${f}\0`);
    hash.update(readFileSync(`${SHARED_PUNKT_DIR}${f}`));
    hash.update("\0");
  }
  return hash.digest("hex");
}
