import { crc32, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { imageSize, sniffImageType } from "../../src/models/image-bytes.js";
import { tinyPng } from "./image-models.js";

/** Reads a PNG's chunks: type, data, and whether the stored CRC matches. */
function chunks(bytes: Uint8Array) {
  const buf = Buffer.from(bytes);
  const out: { type: string; data: Buffer; crcOk: boolean }[] = [];
  for (let at = 8; at < buf.length; ) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString("latin1", at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + length);
    const stored = buf.readUInt32BE(at + 8 + length);
    out.push({ type, data, crcOk: stored === crc32(buf.subarray(at + 4, at + 8 + length)) >>> 0 });
    at += 12 + length;
  }
  return out;
}

describe("image stand-ins' PNGs", () => {
  it("are valid PNG files: signature, IHDR/IDAT/IEND with correct CRCs, pixel data of the stated size", () => {
    const png = tinyPng(7, 3, [1, 2, 3]);
    expect(Array.from(png.subarray(0, 8))).toEqual([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
    ]);
    const list = chunks(png);
    expect(list.map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"]);
    expect(list.every((c) => c.crcOk)).toBe(true);
    const raw = inflateSync(list[1]?.data as Buffer);
    // Each of the 3 rows: a filter byte and 7 RGB pixels.
    expect(raw.length).toBe(3 * (1 + 7 * 3));
    expect(Array.from(raw.subarray(0, 4))).toEqual([0, 1, 2, 3]);
    expect(sniffImageType(png)).toBe("image/png");
    expect(imageSize(png)).toEqual({ width: 7, height: 3 });
  });
});
