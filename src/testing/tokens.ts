/**
 * Text helpers shared by the fakes: a whitespace token count and the default way an answer is cut
 * into stream deltas.
 *
 * @module
 */

/** Counts whitespace-separated tokens: a cheap, deterministic stand-in for a real tokenizer. */
export function countWhitespaceTokens(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/**
 * Cuts `text` into stream deltas that concatenate back to exactly `text`.
 *
 * Without `chunkSize`, each delta is one word together with the whitespace before it
 * (`"Hi there"` -> `["Hi", " there"]`); trailing whitespace is a delta of its own. With `chunkSize`,
 * each delta holds that many characters (Unicode code points, so surrogate pairs are never split).
 */
export function splitIntoDeltas(text: string, chunkSize?: number): string[] {
  if (text === "") return [];
  if (chunkSize === undefined) return text.match(/\s*\S+|\s+/g) ?? [];
  const chars = Array.from(text);
  const deltas: string[] = [];
  for (let i = 0; i < chars.length; i += chunkSize) {
    deltas.push(chars.slice(i, i + chunkSize).join(""));
  }
  return deltas;
}
