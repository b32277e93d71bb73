/**
 * Seeded randomness for tests and benchmarks, so a failing property or a timing run can be
 * replayed exactly.
 *
 * @module
 */

/**
 * mulberry32: a small, fast 32-bit seeded PRNG. The same seed always gives the same sequence
 * (here and in the Python benchmark twin, which implements the same steps), unlike
 * `Math.random`. Not for cryptography.
 *
 * @param seed - Any number; it is reduced to an unsigned 32-bit integer.
 * @returns A function returning the next number in [0, 1) on each call.
 *
 * @example
 * ```ts
 * const rand = mulberry32(42);
 * const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
