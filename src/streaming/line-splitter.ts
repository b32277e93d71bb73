/**
 * The synchronous core of {@link LineIterator}: turns UTF-8 byte chunks into complete lines in
 * linear time.
 *
 * @module
 */
import { FmopsError } from "../core/index.js";

const NEWLINE = 10;
const CR = 13;
const NO_LINES: string[] = [];

/**
 * Splits a byte stream into lines. Each chunk is decoded once and split on `"\n"` once. The
 * unfinished tail is kept as a list of decoded pieces and joined a single time when its newline
 * arrives, so no byte is scanned or copied twice however the stream is chunked.
 *
 * A UTF-8 character split across chunks is completed from the next chunk (at most 3 bytes are
 * carried over), so each chunk body ends on a character boundary and can be decoded on its own:
 * that lets pure-ASCII chunks take the engine's fastest decoding path. `\n` (0x0A) never occurs
 * inside a multi-byte UTF-8 sequence, so splitting the decoded text and splitting the bytes
 * agree; byte positions are used only to measure line lengths in bytes.
 *
 * @example
 * ```ts
 * const splitter = new LineSplitter(1024);
 * splitter.push(new TextEncoder().encode("a\nb")); // ["a"]
 * splitter.end(); // "b"
 * ```
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  // A UTF-16 code unit encodes to at most 3 UTF-8 bytes, so a line of at most this many code
  // units cannot exceed the limit and needs no exact byte count.
  readonly #safeChars: number;
  readonly #decoder = new Utf8BodyDecoder();
  #carry: Uint8Array | undefined;
  #atStart = true;
  #pieces: string[] = [];
  #pendingBytes = 0;
  #failure: FmopsError | undefined;

  /** @param maxLineBytes - longest accepted line in bytes, excluding its line terminator. */
  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes;
    this.#safeChars = Math.floor(maxLineBytes / 3);
  }

  /**
   * The `STREAM_LINE_TOO_LONG` error found after the lines that precede the over-long line were
   * returned; the caller throws it once those lines are delivered.
   */
  get failure(): FmopsError | undefined {
    return this.#failure;
  }

  /**
   * Adds a chunk and returns the lines it completes (without `\n` or a `\r` before it), in order.
   * A line, finished or not, over the limit throws `STREAM_LINE_TOO_LONG` at once when no
   * complete line precedes it in this chunk; otherwise those lines are returned and the error is
   * left in {@link LineSplitter.failure}.
   */
  push(bytes: Uint8Array): string[] {
    if (this.#failure !== undefined) throw this.#failure;
    if (bytes.length === 0) return NO_LINES;
    const text = this.#decode(bytes);
    if (text === undefined || text.indexOf("\n") === -1) {
      this.#pendingBytes += bytes.length;
      this.#checkPending();
      if (text !== undefined && text.length > 0) this.#pieces.push(text);
      return NO_LINES;
    }
    const lines = text.split("\n");
    const tail = lines.pop() as string;

    // The first line completes whatever was pending from earlier chunks.
    const firstLineBytes = this.#pendingBytes + bytes.indexOf(NEWLINE);
    if (firstLineBytes > this.#maxLineBytes) {
      throw this.#fail(lineTooLong(this.#maxLineBytes, firstLineBytes));
    }
    if (this.#pieces.length > 0) {
      this.#pieces.push(lines[0] as string);
      lines[0] = this.#pieces.join("");
      this.#pieces = [];
    }

    // Both per-line passes are skipped for the common chunk: no CR, and too short to hold an
    // over-long line.
    if (text.length > this.#safeChars) {
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i] as string;
        if (line.length > this.#safeChars) {
          const size = utf8Length(line);
          if (size > this.#maxLineBytes) {
            this.#fail(lineTooLong(this.#maxLineBytes, size));
            lines.length = i;
            return stripCrs(lines, text);
          }
        }
      }
    }
    stripCrs(lines, text);

    this.#pendingBytes = bytes.length - 1 - bytes.lastIndexOf(NEWLINE);
    if (this.#pendingBytes > this.#maxLineBytes) {
      this.#fail(lineTooLong(this.#maxLineBytes, this.#pendingBytes, true));
    } else if (tail.length > 0) {
      this.#pieces.push(tail);
    }
    return lines;
  }

  /**
   * Ends the stream: returns the last line when the data did not end with a newline (an
   * unfinished UTF-8 character becomes U+FFFD), else `undefined`.
   */
  end(): string | undefined {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#carry !== undefined) {
      const rest = this.#withoutBom(this.#decoder.decodeWhole(this.#carry));
      this.#carry = undefined;
      if (rest.length > 0) this.#pieces.push(rest);
    }
    if (this.#pieces.length === 0) return undefined;
    const line = this.#pieces.join("");
    this.#pieces = [];
    this.#pendingBytes = 0;
    return withoutCr(line);
  }

  /**
   * Decodes a chunk, completing a character carried over from the previous chunk and carrying
   * over an unfinished one at its end. `undefined` when the chunk only extended the carry.
   */
  #decode(bytes: Uint8Array): string | undefined {
    let start = 0;
    let head = "";
    const carry = this.#carry;
    if (carry !== undefined) {
      const need = sequenceLength(carry[0] as number) - carry.length;
      let taken = 0;
      while (taken < need && taken < bytes.length && isContinuation(bytes[taken] as number)) {
        taken++;
      }
      if (taken < need && taken === bytes.length) {
        this.#carry = concat(carry, bytes);
        return undefined;
      }
      // Complete, or cut short by a byte that cannot continue it (then U+FFFD, as the spec says).
      head = this.#decoder.decodeWhole(concat(carry, bytes.subarray(0, taken)));
      this.#carry = undefined;
      start = taken;
    }
    let end = bytes.length;
    // An unfinished sequence can only start in the last 3 bytes.
    for (let i = end - 1; i >= start && i >= end - 3; i--) {
      const byte = bytes[i] as number;
      if (byte < 0x80) break;
      if (byte >= 0xc0) {
        if (end - i < sequenceLength(byte)) end = i;
        break;
      }
    }
    if (end < bytes.length) this.#carry = bytes.slice(end);
    const body = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
    const text = head + this.#decoder.decode(body);
    return this.#withoutBom(text);
  }

  /** Drops a byte-order mark at the very start of the stream (only there). */
  #withoutBom(text: string): string {
    if (!this.#atStart || text.length === 0) return text;
    this.#atStart = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  #checkPending(): void {
    if (this.#pendingBytes > this.#maxLineBytes) {
      throw this.#fail(lineTooLong(this.#maxLineBytes, this.#pendingBytes, true));
    }
  }

  #fail(error: FmopsError): FmopsError {
    this.#failure = error;
    this.#pieces = [];
    this.#carry = undefined;
    return error;
  }
}

/**
 * Decodes UTF-8 bodies that end on a character boundary. Engines decode pure ASCII fastest in
 * one-shot mode and mixed text fastest in streaming mode (Node's one-shot path for non-ASCII is
 * about half as fast), so it uses whichever suited the previous body; both give the same text.
 */
class Utf8BodyDecoder {
  // ignoreBOM: a one-shot decode would otherwise drop U+FEFF at the start of every chunk.
  readonly #oneShot = new TextDecoder("utf-8", { ignoreBOM: true });
  readonly #streaming = new TextDecoder("utf-8", { ignoreBOM: true });
  #ascii = true;

  /** Decodes bytes that may end in an unfinished sequence (it becomes U+FFFD). */
  decodeWhole(bytes: Uint8Array): string {
    return this.#oneShot.decode(bytes);
  }

  /** Decodes a body that ends on a character boundary. */
  decode(body: Uint8Array): string {
    if (body.length === 0) return "";
    let text: string;
    if (this.#ascii) {
      text = this.#oneShot.decode(body);
    } else {
      text = this.#streaming.decode(body, { stream: true });
      // A body can still end in an unfinished sequence when the carried character's lead byte
      // follows it (e.g. C3 E6): such bytes are invalid, and flushing turns them into U+FFFD,
      // exactly as a one-shot decode would.
      const rest = this.#streaming.decode();
      if (rest.length > 0) text += rest;
    }
    // Fewer code units than bytes means multi-byte characters; equal means (almost surely) ASCII.
    this.#ascii = text.length === body.length;
    return text;
  }
}

function sequenceLength(lead: number): number {
  if (lead >= 0xc0 && lead < 0xe0) return 2;
  if (lead >= 0xe0 && lead < 0xf0) return 3;
  if (lead >= 0xf0 && lead < 0xf8) return 4;
  return 1; // not a lead byte: decodes to U+FFFD on its own
}

function isContinuation(byte: number): boolean {
  return byte >= 0x80 && byte < 0xc0;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Removes the `\r` of CRLF endings, in place; skipped when `text` (the chunk) has no CR. */
function stripCrs(lines: string[], text: string): string[] {
  const first = lines[0] as string;
  // The first line may end in a CR carried over from the previous chunk.
  if (text.indexOf("\r") === -1 && first.charCodeAt(first.length - 1) !== CR) return lines;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.charCodeAt(line.length - 1) === CR) lines[i] = line.slice(0, -1);
  }
  return lines;
}

function withoutCr(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

/** The UTF-8 size of a string, counted without encoding it. */
export function utf8Length(text: string): number {
  let size = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // 1 byte per unit is already counted; add the extra bytes of longer encodings. A surrogate
    // pair is 2 units and 4 bytes, so each surrogate adds 1; lone surrogates become U+FFFD (3).
    if (code >= 0x80) size += code < 0x800 ? 1 : isPairHalf(text, i, code) ? 1 : 2;
  }
  return size;
}

function isPairHalf(text: string, i: number, code: number): boolean {
  if (code >= 0xd800 && code <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    return next >= 0xdc00 && next <= 0xdfff;
  }
  if (code >= 0xdc00 && code <= 0xdfff) {
    const previous = text.charCodeAt(i - 1);
    return previous >= 0xd800 && previous <= 0xdbff;
  }
  return false;
}

function lineTooLong(limit: number, size: number, unfinished = false): FmopsError {
  return new FmopsError(
    "STREAM_LINE_TOO_LONG",
    `A line of the response stream is ${unfinished ? "already " : ""}${size} bytes long, over the maxLineBytes limit of ${limit}. The stream may not be line-delimited (check the stream format), or raise maxLineBytes.`,
  );
}
