/**
 * Float arithmetic done the way Python (and its C library) does it where JavaScript rounds
 * differently or more often: exact products and sums, rounded once.
 *
 * @module
 */

/** Veltkamp's splitter for doubles: 2^27 + 1 splits a double into two 26-bit halves. */
const SPLITTER = 134_217_729;

/**
 * `a · b` as `[product, error]`, where `product + error` is exactly `a · b` (Dekker's
 * two-product). Finite inputs whose product neither overflows nor underflows.
 *
 * @internal
 */
export function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const ca = SPLITTER * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = SPLITTER * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

/**
 * `x ** n` for a float `x` and a whole `n` from 0 to 64, correctly rounded (rounded once, from
 * the exact power). This is what C's `pow`, and so Python's `**`, returns in all but rare
 * cases, whereas V8's `**` is one unit in the last place off for about one value in ten and
 * multiplying step by step rounds at every step: either moves METEOR's fragmentation penalty
 * off NLTK's value in the 16th digit. The product is carried as an unevaluated sum of two
 * doubles ({@link twoProduct}, about 106 bits) and rounded at the end. Other
 * exponents fall back to `**`.
 */
export function pyPow(x: number, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 64 || !Number.isFinite(x)) return x ** n;
  if (n === 0) return 1;
  let hi = x;
  let lo = 0;
  for (let i = 1; i < n; i++) {
    // hi · x exactly, plus lo · x, whose rounding error is far below hi's last place.
    const [p, e] = twoProduct(hi, x);
    const t = e + lo * x;
    hi = p + t;
    lo = t - (hi - p);
  }
  return hi;
}

/**
 * An exact running sum of doubles (Shewchuk's algorithm, Python's `math.fsum`): the sum is
 * held as non-overlapping partials, and {@link ExactSum.value} rounds it once, correctly.
 * Finite values only.
 *
 * @internal
 */
export class ExactSum {
  // Non-overlapping, in increasing magnitude. Values in a bounded range keep this list short.
  readonly #partials: number[] = [];

  /** Adds `value` exactly. */
  add(value: number): void {
    const p = this.#partials;
    let x = value;
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j] as number;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
  }

  /** The partials, whose exact sum is the sum so far. */
  get partials(): readonly number[] {
    return this.#partials;
  }

  /** The sum so far, correctly rounded to a double. */
  value(): number {
    const p = this.#partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n] as number;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n] as number;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half to even across the remaining partials: when the next partial has the sign of
    // `lo`, the true sum lies beyond the halfway point that `hi + lo` rounded to.
    const next = n > 0 ? (p[n - 1] as number) : 0;
    if ((lo < 0 && next < 0) || (lo > 0 && next > 0)) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}
