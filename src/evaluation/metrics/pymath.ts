/**
 * Python float arithmetic the reference metrics depend on, where JavaScript rounds differently.
 *
 * @module
 */

/** Veltkamp's splitter for doubles: 2^27 + 1. */
const SPLITTER = 134_217_729;

/**
 * `x ** n` for a float `x` and a whole `n` from 0 to 64, correctly rounded (rounded once, from
 * the exact power). This is what C's `pow`, and so Python's `**`, returns in all but rare
 * cases, whereas V8's `**` is one unit in the last place off for about one value in ten and
 * multiplying step by step rounds at every step: either moves METEOR's fragmentation penalty
 * off NLTK's value in the 16th digit. The product is carried as an unevaluated sum of two
 * doubles (Dekker's exact multiplication, about 106 bits) and rounded at the end. Other
 * exponents fall back to `**`.
 */
export function pyPow(x: number, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 64 || !Number.isFinite(x)) return x ** n;
  if (n === 0) return 1;
  const xc = SPLITTER * x;
  const xHi = xc - (xc - x);
  const xLo = x - xHi;
  let hi = x;
  let lo = 0;
  for (let i = 1; i < n; i++) {
    // Exact hi * x = p + e (Dekker), then add lo * x, whose rounding error is far below hi's ulp.
    const p = hi * x;
    const hc = SPLITTER * hi;
    const hHi = hc - (hc - hi);
    const hLo = hi - hHi;
    const e = hHi * xHi - p + hHi * xLo + hLo * xHi + hLo * xLo + lo * x;
    hi = p + e;
    lo = e - (hi - p);
  }
  return hi;
}
