/**
 * Lucene's lossy document-length encoding (`SmallFloat.intToByte4` / `byte4ToInt`). Lucene
 * stores each field length in one byte, so BM25 sees lengths over 23 rounded down to 4
 * significant bits; reproducing it makes scores equal to Lucene's and OpenSearch's.
 *
 * @module
 */

function longToInt4(i: number): number {
  const numBits = i === 0 ? 0 : Math.floor(Math.log2(i)) + 1;
  if (numBits < 4) return i;
  const shift = numBits - 4;
  let encoded = Math.floor(i / 2 ** shift);
  encoded &= 0x07;
  encoded |= (shift + 1) << 3;
  return encoded;
}

function int4ToLong(i: number): number {
  const bits = i & 0x07;
  const shift = (i >>> 3) - 1;
  return shift === -1 ? bits : (bits | 0x08) * 2 ** shift;
}

const NUM_FREE_VALUES = 255 - longToInt4(2_147_483_647);

/** Encodes a length into Lucene's one-byte norm (0..255). */
export function intToByte4(i: number): number {
  if (i < NUM_FREE_VALUES) return i;
  return NUM_FREE_VALUES + longToInt4(i - NUM_FREE_VALUES);
}

/** Decodes Lucene's one-byte norm back to the (rounded-down) length. */
export function byte4ToInt(b: number): number {
  if (b < NUM_FREE_VALUES) return b;
  return NUM_FREE_VALUES + int4ToLong(b - NUM_FREE_VALUES);
}

/** The length Lucene's BM25 uses for a field of `length` terms. */
export function luceneLength(length: number): number {
  return byte4ToInt(intToByte4(length));
}
