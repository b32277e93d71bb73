/**
 * A minimal POSIX ustar writer plus gzip (`node:zlib`), so the deploy scripts can build
 * `model.tar.gz` archives without shelling out to `tar`. It writes regular files only (folders
 * are implied by the paths, which SageMaker's extraction and Python's `tarfile` both accept).
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { ValidationError } from "../../../src/core/index.js";

/** One file to put in an archive. */
export interface TarEntry {
  /** Path inside the archive, `/`-separated, relative (e.g. `serving.properties`, `m/1/model.py`). */
  path: string;
  /** File contents. Strings are written as UTF-8. */
  data: Uint8Array | string;
  /** Unix permission bits. Default `0o644`. */
  mode?: number;
  /** Modification time in seconds since the epoch. Default 0, which keeps archives reproducible. */
  mtime?: number;
}

const BLOCK = 512;
const encoder = new TextEncoder();

/** Writes `value` as a NUL-terminated octal field of `width` bytes at `offset`. */
function writeOctal(block: Uint8Array, offset: number, width: number, value: number): void {
  const digits = value.toString(8).padStart(width - 1, "0");
  if (digits.length > width - 1) {
    throw new ValidationError(`A tar header value (${value}) does not fit in ${width} bytes.`);
  }
  block.set(encoder.encode(digits), offset);
  block[offset + width - 1] = 0;
}

function writeString(block: Uint8Array, offset: number, width: number, text: string): void {
  const bytes = encoder.encode(text);
  if (bytes.length > width) {
    throw new ValidationError(`A tar header field "${text}" is longer than ${width} bytes.`);
  }
  block.set(bytes, offset);
}

/**
 * Splits a path into ustar's `prefix` (up to 155 bytes) and `name` (up to 100 bytes) at a `/`.
 * Paths that cannot be split that way are rejected rather than silently truncated.
 */
function splitPath(path: string): { name: string; prefix: string } {
  if (encoder.encode(path).length <= 100) return { name: path, prefix: "" };
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(name).length <= 100) {
      return { name, prefix };
    }
  }
  throw new ValidationError(
    `The archive path "${path}" is too long for a ustar header (name 100 bytes, prefix 155). Use a shorter path.`,
  );
}

function checkPath(path: string): void {
  const parts = path.split("/");
  if (
    path.length === 0 ||
    path.startsWith("/") ||
    parts.some((p) => p === "" || p === "." || p === "..")
  ) {
    throw new ValidationError(
      `The archive path "${path}" must be relative, without empty, "." or ".." segments.`,
    );
  }
}

/** The 512-byte ustar header of one regular file. */
function header(entry: TarEntry, size: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const { name, prefix } = splitPath(entry.path);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, entry.mode ?? 0o644);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, entry.mtime ?? 0);
  block.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  block[156] = 0x30; // typeflag '0': regular file
  writeString(block, 257, 6, "ustar"); // magic "ustar\0"
  writeString(block, 263, 2, "00"); // version
  writeString(block, 345, 155, prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  // Checksum: six octal digits, NUL, space (the traditional layout every reader accepts).
  block.set(encoder.encode(sum.toString(8).padStart(6, "0")), 148);
  block[154] = 0;
  block[155] = 0x20;
  return block;
}

/**
 * Builds an uncompressed ustar archive of `entries`, in the order given.
 *
 * @example
 * ```ts
 * const tar = createTar([{ path: "serving.properties", data: "engine=Python\n" }]);
 * ```
 */
export function createTar(entries: readonly TarEntry[]): Uint8Array {
  const seen = new Set<string>();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const entry of entries) {
    checkPath(entry.path);
    if (seen.has(entry.path)) {
      throw new ValidationError(`The archive path "${entry.path}" appears twice.`);
    }
    seen.add(entry.path);
    const data = typeof entry.data === "string" ? encoder.encode(entry.data) : entry.data;
    const padded = Math.ceil(data.length / BLOCK) * BLOCK;
    const body = new Uint8Array(padded);
    body.set(data);
    parts.push(header(entry, data.length), body);
    total += BLOCK + padded;
  }
  // Two zero blocks end the archive.
  parts.push(new Uint8Array(2 * BLOCK));
  total += 2 * BLOCK;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Builds a gzip-compressed ustar archive (`.tar.gz`), the format SageMaker expects for
 * `ModelDataUrl` artifacts.
 *
 * @example
 * ```ts
 * const bytes = createTarGz([{ path: "serving.properties", data: properties }]);
 * await writeFile("model.tar.gz", bytes);
 * ```
 */
export function createTarGz(entries: readonly TarEntry[]): Uint8Array {
  return new Uint8Array(gzipSync(createTar(entries), { level: 9 }));
}
