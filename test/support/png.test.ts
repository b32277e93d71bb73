/** The test-support PNG reader, checked against an encoder that uses every row filter. */
import { deflateSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  countPixels,
  decodePng,
  distinctColours,
  encodePng,
  hex,
  isWhite,
  near,
  PNG_SIGNATURE,
  pixelAt,
  pngChunk,
  runLength,
} from "./png.js";

describe("PNG reader", () => {
  it("decodes RGB and RGBA images written with every filter type", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom<3 | 4>(3, 4),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 7 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (width, height, channels, filters, seed) => {
          const px = new Uint8Array(width * height * channels);
          let s = seed;
          for (let i = 0; i < px.length; i++) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            px[i] = channels === 4 && i % 4 === 3 ? 255 : s >>> 24;
          }
          const img = decodePng(encodePng(width, height, channels, px, filters));
          expect([img.width, img.height]).toEqual([width, height]);
          const rgb =
            channels === 3 ? px : Uint8Array.from(px.filter((_, i) => i % 4 !== 3).values());
          expect(Buffer.from(img.rgb).equals(Buffer.from(rgb))).toBe(true);
        },
      ),
    );
  });

  it("rejects corrupt and unsupported files", () => {
    const good = encodePng(2, 2, 3, new Uint8Array(12).fill(7), [4]);
    expect(() => decodePng(good.subarray(0, 20))).toThrow(/truncated/);
    const badCrc = Buffer.from(good);
    badCrc[30] = (badCrc[30] as number) ^ 1;
    expect(() => decodePng(badCrc)).toThrow(/CRC/);
    expect(() => decodePng(Buffer.from("GIF89a........"))).toThrow(/not a PNG/);
    const badFilter = encodePng(2, 1, 3, new Uint8Array(6), [0]);
    const ihdr = badFilter.subarray(8, 33);
    const idat = pngChunk("IDAT", deflateSync(Buffer.from([5, 0, 0, 0, 0, 0, 0])));
    const iend = badFilter.subarray(badFilter.length - 12);
    expect(() => decodePng(Buffer.concat([PNG_SIGNATURE, ihdr, idat, iend]))).toThrow(
      /filter type 5/,
    );
  });

  it("rejects transparent pixels", () => {
    const px = Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 254]);
    expect(() => decodePng(encodePng(2, 1, 4, px, [0]))).toThrow(/transparent/);
  });
});

describe("pixel queries", () => {
  // A 6 x 2 RGB image: row 0 is red, red, red, white, red, white; row 1 all white.
  const px = new Uint8Array(6 * 2 * 3).fill(255);
  for (const x of [0, 1, 2, 4]) px.set([255, 0, 0], x * 3);
  const img = decodePng(encodePng(6, 2, 3, px, [1]));
  const red = near(hex("#ff0000"), 0);

  it("measures runs, counts pixels and reads single pixels", () => {
    expect(runLength(img, 0, 0, red)).toBe(3);
    expect(runLength(img, 1, 0, red)).toBe(2);
    expect(runLength(img, 3, 0, red)).toBe(0);
    expect(runLength(img, 4, 0, red)).toBe(1);
    expect(runLength(img, 0, 1, red)).toBe(0);
    expect(countPixels(img, { x: 0, y: 0, w: 6, h: 2 }, red)).toBe(4);
    expect(countPixels(img, { x: -3, y: -3, w: 5, h: 4 }, red)).toBe(2);
    expect(countPixels(img, { x: 0, y: 0, w: 6, h: 2 }, isWhite)).toBe(8);
    expect(pixelAt(img, 4.7, 0.2)).toEqual([255, 0, 0]);
    expect(() => pixelAt(img, 6, 0)).toThrow(/outside/);
    expect(distinctColours(img)).toBe(2);
    expect(near([10, 20, 30], 5)([14, 16, 35])).toBe(true);
    expect(near([10, 20, 30], 5)([16, 20, 30])).toBe(false);
  });
});
