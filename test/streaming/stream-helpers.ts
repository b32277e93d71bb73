/**
 * Test sources for the streaming module: async iterables that record how they were used, so
 * tests can check that every way of ending releases the source.
 */
import fc from "fast-check";

const encoder = new TextEncoder();

/** Encodes text as UTF-8. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** An async-iterable test source and what happened to it. */
export interface RecordingSource<T> extends AsyncIterable<T> {
  /** How many times `next()` was called. */
  readonly nextCalls: number;
  /** How many times `return()` was called. */
  readonly returnCalls: number;
  /** Whether the source ran to its end (a `done` result was handed out). */
  readonly finished: boolean;
}

/**
 * A source yielding `items` in order. With `stallAfter`, `next()` after that many items never
 * resolves by itself (like a silent connection); `return()` then resolves it as done.
 */
export function recordingSource<T>(
  items: readonly T[],
  options: { stallAfter?: number; throwAt?: { index: number; error: unknown } } = {},
): RecordingSource<T> {
  let index = 0;
  let nextCalls = 0;
  let returnCalls = 0;
  let finished = false;
  let release: ((r: IteratorResult<T>) => void) | undefined;
  const iterator: AsyncIterator<T> = {
    next() {
      nextCalls++;
      if (options.throwAt !== undefined && index === options.throwAt.index) {
        return Promise.reject(options.throwAt.error);
      }
      if (options.stallAfter !== undefined && index >= options.stallAfter) {
        return new Promise((resolve) => {
          release = resolve;
        });
      }
      if (index < items.length) return Promise.resolve({ value: items[index++] as T, done: false });
      finished = true;
      return Promise.resolve({ value: undefined, done: true });
    },
    return() {
      returnCalls++;
      release?.({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
  };
  return {
    [Symbol.asyncIterator]: () => iterator,
    get nextCalls() {
      return nextCalls;
    },
    get returnCalls() {
      return returnCalls;
    },
    get finished() {
      return finished;
    },
  };
}

/** Cuts `bytes` at the given positions (any order, duplicates and out-of-range ignored). */
export function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.slice(start, point));
    start = point;
  }
  chunks.push(bytes.slice(start));
  return chunks.filter((c) => c.length > 0);
}

/** Wraps byte chunks as SageMaker `PayloadPart` events. */
export function payloadParts(
  chunks: readonly Uint8Array[],
): { PayloadPart: { Bytes: Uint8Array } }[] {
  return chunks.map((Bytes) => ({ PayloadPart: { Bytes } }));
}

/** Reads an async iterable to the end. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Reads an async iterable until it throws; returns what came before and the error. */
export async function collectUntilError<T>(
  iterable: AsyncIterable<T>,
): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
  } catch (error) {
    return { items, error };
  }
  return { items, error: undefined };
}

/**
 * One line of text for property tests: printable graphemes plus multi-byte characters, NUL and
 * tabs; never a line terminator.
 */
export const lineText = (maxLength = 40): fc.Arbitrary<string> =>
  fc
    .string({
      unit: fc.oneof(
        { weight: 6, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
        {
          weight: 3,
          arbitrary: fc.constantFrom("é", "東", "🙂", "ß", "€", "\u0000", "\t", " ", "{"),
        },
      ),
      maxLength,
    })
    .filter((s) => !s.includes("\n") && !s.includes("\r"));

/** How to cut a byte string: at fractions of its length, or into pieces of a fixed size. */
export type Chunking = { fractions: number[] } | { size: number };

/** Random chunkings: arbitrary cut points, tiny fixed sizes (down to one byte), or none. */
export const chunking = (): fc.Arbitrary<Chunking> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 })
        .map((fractions) => ({ fractions })),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }).map((size) => ({ size })) },
  );

/** Applies a {@link Chunking}. */
export function chunk(bytes: Uint8Array, how: Chunking): Uint8Array[] {
  if ("size" in how) {
    const out: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += how.size) out.push(bytes.slice(at, at + how.size));
    return out;
  }
  return cutAt(
    bytes,
    how.fractions.map((f) => Math.floor(f * bytes.length)),
  );
}
