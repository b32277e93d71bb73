/**
 * Reading image bytes without an image library: the media type from the file signature, the
 * pixel size from the header, and base64 both ways with web-standard `btoa`/`atob`, so the image
 * adapters run the same in Node, Deno and browsers.
 *
 * @module
 */
import { FmopsError } from "../core/index.js";

/** The image formats the adapters send and receive. */
export type ImageMediaType = "image/png" | "image/jpeg" | "image/webp";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IHDR = [0x49, 0x48, 0x44, 0x52];
/** The start code of a lossy WebP key frame, after its 3-byte frame tag. */
const VP8_START_CODE = [0x9d, 0x01, 0x2a];
/** The first byte of a lossless WebP bitstream. */
const VP8L_SIGNATURE = 0x2f;

function startsWith(bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false;
  return prefix.every((b, i) => bytes[offset + i] === b);
}

/**
 * The media type named by the file's signature (PNG, JPEG or WebP), or `undefined` for anything
 * else. Only the first bytes are read.
 *
 * @example
 * ```ts
 * sniffImageType(await readFile("cat.png")); // "image/png"
 * ```
 */
export function sniffImageType(bytes: Uint8Array): ImageMediaType | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return "image/png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  // RIFF....WEBP
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8))
    return "image/webp";
  return undefined;
}

/** Width and height in pixels. */
export interface ImageSize {
  /** Pixels across. */
  width: number;
  /** Pixels down. */
  height: number;
}

/**
 * The pixel size stored in a PNG, JPEG or WebP header, or `undefined` when the bytes are not one
 * of those or the header is cut short. Reads only the header (JPEG: the segments up to the first
 * start-of-frame), never decodes pixels.
 */
export function imageSize(bytes: Uint8Array): ImageSize | undefined {
  const type = sniffImageType(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === "image/png") {
    // Signature, then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4). A PNG whose
    // first chunk is anything else is not one, whatever sits at those offsets.
    if (bytes.length < 24 || !startsWith(bytes, IHDR, 12)) return undefined;
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (type === "image/jpeg") return jpegSize(bytes, view);
  if (type === "image/webp") return webpSize(bytes, view);
  return undefined;
}

/** Start-of-frame markers: every SOFn but DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegSize(bytes: Uint8Array, view: DataView): ImageSize | undefined {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1] as number;
    // Fill bytes and markers without a length.
    if (marker === 0xff) {
      offset++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      offset += 2;
      continue;
    }
    const length = view.getUint16(offset + 2);
    if (isStartOfFrame(marker)) {
      if (offset + 9 > bytes.length) return undefined;
      return { height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    }
    offset += 2 + length;
  }
  return undefined;
}

function webpSize(bytes: Uint8Array, view: DataView): ImageSize | undefined {
  if (bytes.length < 30) return undefined;
  const chunk = String.fromCharCode(...bytes.subarray(12, 16));
  if (chunk === "VP8X") {
    const width = 1 + (view.getUint16(24, true) | ((bytes[26] as number) << 16));
    const height = 1 + (view.getUint16(27, true) | ((bytes[29] as number) << 16));
    return { width, height };
  }
  if (chunk === "VP8 ") {
    if (!startsWith(bytes, VP8_START_CODE, 23)) return undefined;
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  if (chunk === "VP8L") {
    if (bytes[20] !== VP8L_SIGNATURE) return undefined;
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return undefined;
}

/** Encodes bytes as standard base64 (with padding). */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  // In slices: String.fromCharCode with a whole image as arguments overflows the call stack.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes standard base64, throwing `UNEXPECTED_RESPONSE` naming `source` when the text is not
 * base64 (a model answering an error string where an image belongs).
 */
export function fromBase64(text: unknown, source: string): Uint8Array {
  const clean = typeof text === "string" ? text.replace(/\s+/g, "") : undefined;
  if (clean === undefined || clean === "" || clean.length % 4 === 1 || !BASE64.test(clean)) {
    throw new FmopsError(
      "UNEXPECTED_RESPONSE",
      `${source} returned an image that is not base64 text (${typeof text === "string" ? `${text.length} characters` : typeof text}). Check the model id and payload format.`,
    );
  }
  const binary = atob(clean);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
