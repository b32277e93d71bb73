/**
 * Cutting text into pieces of at most N UTF-8 bytes without splitting a character, preferring
 * sentence and word boundaries: what Comprehend's per-document size limits need.
 *
 * @module
 */

const encoder = new TextEncoder();

/** UTF-8 length of `text` in bytes. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Splits `text` into chunks of at most `maxBytes` UTF-8 bytes that concatenate back to `text`.
 * A chunk ends after the last sentence end (`.`, `!`, `?`, newline) or whitespace that fits,
 * else at the last whole character that fits.
 */
export function chunkUtf8(text: string, maxBytes: number): string[] {
  const chunks: string[] = [];
  const chars = Array.from(text);
  let start = 0;
  while (start < chars.length) {
    let bytes = 0;
    let end = start;
    let lastSentence = -1;
    let lastSpace = -1;
    while (end < chars.length) {
      const size = utf8Bytes(chars[end] as string);
      if (bytes + size > maxBytes) break;
      bytes += size;
      const ch = chars[end] as string;
      end++;
      if (/[.!?\n]/.test(ch)) lastSentence = end;
      else if (/\s/.test(ch)) lastSpace = end;
    }
    if (end < chars.length) {
      if (lastSentence > start) end = lastSentence;
      else if (lastSpace > start) end = lastSpace;
    }
    if (end === start) end = start + 1; // a single character over maxBytes cannot happen for maxBytes >= 4
    chunks.push(chars.slice(start, end).join(""));
    start = end;
  }
  return chunks;
}
