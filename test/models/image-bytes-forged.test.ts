/**
 * imageSize reads the pixel size that request checks (maximum pixels, sizes a model accepts)
 * rely on. A header that only starts like an image (the PNG signature followed by anything, a
 * WebP chunk without its frame signature) has no size to read: imageSize must say so, not
 * report whatever bytes sit at the usual offsets.
 */
import { describe, expect, it } from "vitest";
import { imageSize } from "../../src/models/image-bytes.js";
import { tinyPng } from "../emulators/index.js";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const u32be = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const u16le = (n: number) => [n & 255, n >>> 8];

function webp(chunk: string, body: number[]): Uint8Array {
  return new Uint8Array([
    ...ascii("RIFF"),
    ...[0, 0, 0, 0],
    ...ascii("WEBP"),
    ...ascii(chunk),
    ...[body.length, 0, 0, 0],
    ...body,
  ]);
}

describe("imageSize on forged or cut headers", () => {
  it("reads a real PNG", () => {
    expect(imageSize(tinyPng(3, 5))).toEqual({ width: 3, height: 5 });
  });

  it("refuses a PNG whose first chunk is not IHDR", () => {
    const forged = new Uint8Array([
      ...PNG_SIGNATURE,
      ...u32be(13),
      ...ascii("tEXt"),
      ...u32be(1),
      ...u32be(1),
      ...new Array(9).fill(0),
    ]);
    expect(imageSize(forged)).toBeUndefined();
  });

  it("refuses a lossy WebP frame without the VP8 start code", () => {
    const body = [0, 0, 0, 0x11, 0x22, 0x33, ...u16le(64), ...u16le(48), 0, 0];
    expect(imageSize(webp("VP8 ", body))).toBeUndefined();
    const real = [0, 0, 0, 0x9d, 0x01, 0x2a, ...u16le(64), ...u16le(48), 0, 0];
    expect(imageSize(webp("VP8 ", real))).toEqual({ width: 64, height: 48 });
  });

  it("refuses a lossless WebP frame without its 0x2f signature", () => {
    const bits = (64 - 1) | ((48 - 1) << 14);
    const size = [bits & 255, (bits >>> 8) & 255, (bits >>> 16) & 255, (bits >>> 24) & 255];
    expect(imageSize(webp("VP8L", [0x00, ...size, 0, 0, 0, 0, 0, 0]))).toBeUndefined();
    expect(imageSize(webp("VP8L", [0x2f, ...size, 0, 0, 0, 0, 0, 0]))).toEqual({
      width: 64,
      height: 48,
    });
  });
});
