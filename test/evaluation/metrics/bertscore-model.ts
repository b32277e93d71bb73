/**
 * A tiny BERTScore model with token vectors chosen so that every score in the tests can be worked
 * out by hand. It is the Gather-only feature-extraction model of test/rag/tiny-bert-model.ts:
 * `last_hidden_state[b, t] = TABLE[input_ids[b, t]]`, with no context, so each token's vector is
 * its table row whatever the text around it.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TINY_VOCAB, tokenId, writeTinyBertModel } from "../../rag/tiny-bert-model.js";

export { TINY_VOCAB, tokenId };

/** Length of every token vector. */
export const DIMS = 6;

type Token = (typeof TINY_VOCAB)[number];

/**
 * Rows by token; axes e0..e5. Cosines used in the tests (after normalising):
 * - hello = e0, world = e1, cats = e2, and = e4: orthogonal to one another (cosine 0);
 * - blue = 3·e1: the direction of world, three times as long (normalisation makes them equal);
 * - dogs = 0.6·e2 + 0.8·e3: cos(dogs, cats) = 0.6;
 * - the = 0.8·e0 + 0.6·e4: cos(the, hello) = 0.8, cos(the, and) = 0.6;
 * - sky = -e0: cos(sky, hello) = -1, cos(sky, the) = -0.8;
 * - [CLS] = e5, [SEP] = -e5: orthogonal to every word except is = 2·e5, cos(is, [CLS]) = 1;
 * - [PAD] = e0, the direction of hello, so padding that leaked into matching would show.
 */
const ROWS: Record<Token, number[]> = {
  "[PAD]": [1, 0, 0, 0, 0, 0],
  "[UNK]": [0, 1, 1, 0, 0, 0],
  "[CLS]": [0, 0, 0, 0, 0, 1],
  "[SEP]": [0, 0, 0, 0, 0, -1],
  "[MASK]": [0, 0, 0, 0, 1, 1],
  hello: [1, 0, 0, 0, 0, 0],
  world: [0, 1, 0, 0, 0, 0],
  play: [0, 0, 0, 1, 0, 0],
  "##ing": [0, 1, 0, 1, 0, 0],
  cats: [0, 0, 1, 0, 0, 0],
  dogs: [0, 0, 0.6, 0.8, 0, 0],
  and: [0, 0, 0, 0, 1, 0],
  the: [0.8, 0, 0, 0, 0.6, 0],
  sky: [-1, 0, 0, 0, 0, 0],
  is: [0, 0, 0, 0, 0, 2],
  blue: [0, 3, 0, 0, 0, 0],
};

/** The table in vocabulary order (vocab x DIMS, row-major). */
export const TABLE = Float32Array.from(TINY_VOCAB.flatMap((token) => ROWS[token]));

/** The row of `token`. */
export function row(token: Token): number[] {
  return ROWS[token];
}

/**
 * Writes the model folder. `modelMaxLength` replaces the tokenizer's `model_max_length` (64 in
 * the shared generator), to test the default truncation.
 */
export async function writeBertScoreModel(folder: string, modelMaxLength?: number): Promise<void> {
  await writeTinyBertModel(folder, TABLE, DIMS);
  if (modelMaxLength !== undefined) {
    const file = join(folder, "tokenizer_config.json");
    const config = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...config, model_max_length: modelMaxLength }));
  }
}
