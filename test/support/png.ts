/**
 * A minimal PNG reader (and a test-only writer) plus pixel queries, so browser tests can check a
 * real screenshot without an image library: 8-bit RGB / RGBA, non-interlaced, filter types 0-4,
 * which is what Chromium writes.
 *
 * @module
 */
import { crc32, deflateSync, inflateSync } from "node:zlib";

/** A decoded image. */
export interface Image {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** RGB triples, row-major (alpha, if any, is dropped after checking the image is opaque). */
  rgb: Uint8Array;
}

/** The eight bytes every PNG file starts with. */
export const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/**
 * Decodes a PNG file. Throws on a bad signature, a truncated file, a bad chunk CRC, an
 * unsupported format, an unknown row filter or a transparent pixel (screenshots are opaque).
 */
export function decodePng(file: Uint8Array): Image {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error("not a PNG");
  let pos = 8;
  let header: { width: number; height: number; channels: number } | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (!ended) {
    if (pos + 12 > buf.length) throw new Error("PNG truncated before IEND");
    const length = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    if (pos + 12 + length > buf.length) throw new Error(`PNG chunk ${type} truncated`);
    const data = buf.subarray(pos + 8, pos + 8 + length);
    if (crc32(buf.subarray(pos + 4, pos + 8 + length)) !== buf.readUInt32BE(pos + 8 + length)) {
      throw new Error(`PNG chunk ${type} has a bad CRC`);
    }
    pos += 12 + length;
    if (type === "IHDR") {
      const [bitDepth, colorType, compression, filter, interlace] = data.subarray(8, 13);
      if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0) {
        throw new Error(
          `unsupported PNG: depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`,
        );
      }
      if (compression !== 0 || filter !== 0) throw new Error("unknown PNG compression/filter");
      header = {
        width: data.readUInt32BE(0),
        height: data.readUInt32BE(4),
        channels: colorType === 6 ? 4 : 3,
      };
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") ended = true;
  }
  if (!header) throw new Error("PNG has no IHDR");
  const { width, height, channels } = header;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error("PNG image data has the wrong size");
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const out = y * stride;
    for (let i = 0; i < stride; i++) {
      const x = raw[src + i] as number;
      const a = i >= channels ? (px[out + i - channels] as number) : 0;
      const b = y > 0 ? (px[out - stride + i] as number) : 0;
      const c = y > 0 && i >= channels ? (px[out - stride + i - channels] as number) : 0;
      let v: number;
      if (filter === 0) v = x;
      else if (filter === 1) v = x + a;
      else if (filter === 2) v = x + b;
      else if (filter === 3) v = x + ((a + b) >> 1);
      else if (filter === 4) v = x + paeth(a, b, c);
      else throw new Error(`PNG row ${y} has unknown filter type ${filter}`);
      px[out + i] = v & 0xff;
    }
  }
  if (channels === 3) return { width, height, rgb: px };
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    if (px[p * 4 + 3] !== 255) throw new Error("screenshot has transparent pixels");
    rgb.set(px.subarray(p * 4, p * 4 + 3), p * 3);
  }
  return { width, height, rgb };
}

/**
 * Test-only encoder applying a chosen filter per row (cycling through `filters`), to check the
 * reader against every filter. The image data is split over two IDAT chunks, which readers must
 * concatenate.
 */
export function encodePng(
  width: number,
  height: number,
  channels: 3 | 4,
  px: Uint8Array,
  filters: number[],
): Buffer {
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length] as number;
    raw[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const x = px[y * stride + i] as number;
      const a = i >= channels ? (px[y * stride + i - channels] as number) : 0;
      const b = y > 0 ? (px[(y - 1) * stride + i] as number) : 0;
      const c = y > 0 && i >= channels ? (px[(y - 1) * stride + i - channels] as number) : 0;
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f] as number;
      raw[y * (stride + 1) + 1 + i] = (x - pred) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, channels === 4 ? 6 : 2, 0, 0, 0], 8);
  const z = deflateSync(raw);
  const half = z.length >> 1;
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", z.subarray(0, half)),
    pngChunk("IDAT", z.subarray(half)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** One PNG chunk: length, type, data and the CRC of type + data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Pixels.
// ---------------------------------------------------------------------------------------------

/** A colour as red, green, blue (0-255). */
export type Rgb = [number, number, number];

/** `#rrggbb` as an {@link Rgb}. */
export const hex = (h: string): Rgb =>
  [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16)) as Rgb;

/** A rectangle in image pixels. */
export interface Box {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width. */
  w: number;
  /** Height. */
  h: number;
}

/** The colour at (`x`, `y`), which must lie inside the image. */
export function pixelAt(img: Image, x: number, y: number): Rgb {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  if (xi < 0 || yi < 0 || xi >= img.width || yi >= img.height) {
    throw new Error(`pixel ${xi},${yi} lies outside the ${img.width} x ${img.height} image`);
  }
  const p = (yi * img.width + xi) * 3;
  return [img.rgb[p] as number, img.rgb[p + 1] as number, img.rgb[p + 2] as number];
}

/** Counts pixels in `box` (clipped to the image) for which `test` holds. */
export function countPixels(img: Image, box: Box, test: (c: Rgb) => boolean): number {
  let n = 0;
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(img.width, Math.ceil(box.x + box.w));
  const y1 = Math.min(img.height, Math.ceil(box.y + box.h));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const p = (y * img.width + x) * 3;
      if (test([img.rgb[p] as number, img.rgb[p + 1] as number, img.rgb[p + 2] as number])) n++;
    }
  }
  return n;
}

/**
 * How many consecutive pixels, from (`x`, `y`) rightwards, satisfy `test` (0 when the first does
 * not): the drawn length of a horizontal bar along one row.
 */
export function runLength(img: Image, x: number, y: number, test: (c: Rgb) => boolean): number {
  let n = 0;
  for (let xi = Math.floor(x); xi < img.width && test(pixelAt(img, xi, y)); xi++) n++;
  return n;
}

/** Number of distinct colours in the image (a blank or failed render has very few). */
export function distinctColours(img: Image): number {
  const colours = new Set<number>();
  for (let p = 0; p < img.rgb.length; p += 3) {
    colours.add(
      ((img.rgb[p] as number) << 16) | ((img.rgb[p + 1] as number) << 8) | img.rgb[p + 2]!,
    );
  }
  return colours.size;
}

/** A test for colours within `tolerance` of `target` on every channel. */
export const near = (target: Rgb, tolerance: number) => (c: Rgb) =>
  Math.abs(c[0] - target[0]) <= tolerance &&
  Math.abs(c[1] - target[1]) <= tolerance &&
  Math.abs(c[2] - target[2]) <= tolerance;

/** Exactly white. */
export const isWhite = near([255, 255, 255], 0);
