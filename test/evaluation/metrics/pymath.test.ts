import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pyPow } from "../../../src/evaluation/metrics/pymath.js";

/** A positive finite double as mantissa * 2^exponent, exactly. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  return biased === 0
    ? { mantissa: fraction, exponent: -1074 }
    : { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/** The adjacent double above (+1) or below (-1) a positive double. */
function neighbour(x: number, direction: 1 | -1): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + BigInt(direction));
  return view.getFloat64(0);
}

/** |a - x^n| compared with |b - x^n| in exact integer arithmetic: negative when a is closer. */
function compareDistance(a: number, b: number, x: number, n: number): number {
  const base = decompose(x);
  const terms = [
    { mantissa: base.mantissa ** BigInt(n), exponent: base.exponent * n },
    decompose(a),
    decompose(b),
  ];
  const low = Math.min(...terms.map((t) => t.exponent));
  const [exact, ea, eb] = terms.map((t) => t.mantissa << BigInt(t.exponent - low)) as [
    bigint,
    bigint,
    bigint,
  ];
  const da = ea > exact ? ea - exact : exact - ea;
  const db = eb > exact ? eb - exact : exact - eb;
  return da < db ? -1 : da > db ? 1 : 0;
}

function isCorrectlyRounded(x: number, n: number): boolean {
  const y = pyPow(x, n);
  return (
    compareDistance(y, neighbour(y, 1), x, n) <= 0 &&
    compareDistance(y, neighbour(y, -1), x, n) <= 0
  );
}

describe("pyPow", () => {
  it("is the double nearest the exact power (checked in exact integer arithmetic)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 12 }),
        (x, n) => isCorrectlyRounded(x, n),
      ),
      { numRuns: 5000 },
    );
  });

  it("is exact on the fractions METEOR raises to its beta", () => {
    for (let matches = 1; matches <= 80; matches++)
      for (let chunks = 1; chunks <= matches; chunks++)
        expect(isCorrectlyRounded(chunks / matches, 3)).toBe(true);
  });

  it("fixes cases where V8's ** is one unit in the last place off", () => {
    // 0.8950561879795094 ** 3 is 0.7170524074058209 in V8; the exact cube rounds up.
    expect(pyPow(0.8950561879795094, 3)).toBe(0.717052407405821);
    expect(isCorrectlyRounded(0.8950561879795094, 3)).toBe(true);
  });

  it("returns 1 for n = 0 and defers to ** for other exponents and non-finite bases", () => {
    expect(pyPow(0.3, 0)).toBe(1);
    expect(pyPow(0.25, 0.5)).toBe(0.5);
    expect(pyPow(2, -1)).toBe(0.5);
    expect(pyPow(Number.POSITIVE_INFINITY, 3)).toBe(Number.POSITIVE_INFINITY);
    expect(pyPow(0, 3)).toBe(0);
  });
});
