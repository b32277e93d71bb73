/**
 * File-system failures of the CLI as typed errors: a path that does not exist, a folder where a
 * file was expected, a file that may not be read or written. Node's own errors
 * (`EISDIR: illegal operation on a directory, read`) name neither the path's role nor a fix.
 *
 * @module
 */
import type { Stats } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { FmopsError, type FmopsErrorOptions, isFmopsError } from "../core/index.js";

/** The codes a {@link CliFileError} carries. */
export type CliFileErrorCode =
  | "FILE_NOT_FOUND"
  | "FILE_IS_DIRECTORY"
  | "FILE_NOT_DIRECTORY"
  | "FILE_PERMISSION_DENIED"
  | "FILE_ERROR";

/**
 * A file the CLI was told to read or write could not be used. Code: one of
 * {@link CliFileErrorCode}; `path` is the path as the operating system reported it.
 */
export class CliFileError extends FmopsError {
  declare readonly code: CliFileErrorCode;
  /** The path that could not be used. */
  readonly path: string;

  constructor(code: CliFileErrorCode, path: string, message: string, options?: FmopsErrorOptions) {
    super(code, message, { ...options, retryable: false });
    this.path = path;
  }
}

interface ErrnoError {
  code?: unknown;
  path?: unknown;
  syscall?: unknown;
}

/**
 * The {@link CliFileError} for a Node file-system error, or `undefined` for any other error
 * (FmopsErrors included). `path` names the file when the error itself does not: reading a
 * folder fails with an `EISDIR` that carries no path.
 */
export function fileErrorFrom(err: unknown, path?: string): CliFileError | undefined {
  if (!(err instanceof Error) || isFmopsError(err)) return undefined;
  const e = err as ErrnoError;
  const code = e.code;
  if (typeof code !== "string" || !FILE_SYSTEM_CODES.has(code)) return undefined;
  const where = typeof e.path === "string" ? e.path : path;
  const subject = where === undefined ? "A path given on the command line" : `"${where}"`;
  const options = { cause: err };
  const make = (fileCode: CliFileErrorCode, message: string) =>
    new CliFileError(fileCode, where ?? "", message, options);
  switch (code) {
    case "ENOENT":
      return make(
        "FILE_NOT_FOUND",
        `${subject} does not exist. Check the path; a file to be written needs its folder to exist already.`,
      );
    case "EISDIR":
      return make("FILE_IS_DIRECTORY", `${subject} is a folder; give the path of a file.`);
    case "ENOTDIR":
      return make(
        "FILE_NOT_DIRECTORY",
        `${subject} goes through a file as if it were a folder; check the path.`,
      );
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return make(
        "FILE_PERMISSION_DENIED",
        `${subject} may not be read or written by this user (${code}); choose another path or change its permissions.`,
      );
    default:
      return make(
        "FILE_ERROR",
        `${subject} could not be used (${code}${typeof e.syscall === "string" ? ` in ${e.syscall}` : ""}).`,
      );
  }
}

/** Node's error codes for file-system failures that a user fixes by changing a path. */
const FILE_SYSTEM_CODES = new Set([
  "ENOENT",
  "EISDIR",
  "ENOTDIR",
  "EACCES",
  "EPERM",
  "EROFS",
  "ENAMETOOLONG",
  "ELOOP",
  "EEXIST",
  "ENOSPC",
  "EMFILE",
]);

/** Reads the text file `path`; a failure is a {@link CliFileError} naming the path. */
export async function readTextFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw fileErrorFrom(err, path) ?? err;
  }
}

/** Writes `text` to `path`; a failure is a {@link CliFileError} naming the path. */
export async function writeTextFile(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (err) {
    throw fileErrorFrom(err, path) ?? err;
  }
}

/**
 * Checks that `path` names an existing file (not a folder) before a library reads it lazily: a
 * folder or a missing path is a {@link CliFileError} naming it. Readers that open the file only
 * when iteration starts (`Dataset.fromJsonl`) would otherwise fail with an `EISDIR` that
 * carries no path.
 */
export async function requireFile(path: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (err) {
    throw fileErrorFrom(err, path) ?? err;
  }
  if (isDirectory) {
    throw new CliFileError(
      "FILE_IS_DIRECTORY",
      path,
      `"${path}" is a folder; give the path of a file.`,
    );
  }
}

/**
 * Checks, before a long run, that a file can be written at `path` at its end: its folder exists
 * and `path` is not a folder. Otherwise a {@link CliFileError} naming the folder or the path, so
 * that an evaluation does not call a model for every record only to fail writing its report.
 */
export async function requireWritableFile(path: string): Promise<void> {
  const folder = dirname(path);
  let folderStat: Stats;
  try {
    folderStat = await stat(folder);
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") {
      throw new CliFileError(
        "FILE_NOT_FOUND",
        folder,
        `"${path}" cannot be written: its folder "${folder}" does not exist. Create the folder or choose another path.`,
        { cause: err },
      );
    }
    throw fileErrorFrom(err, folder) ?? err;
  }
  if (!folderStat.isDirectory()) {
    throw new CliFileError(
      "FILE_NOT_DIRECTORY",
      folder,
      `"${folder}" is a file, not a folder; check the path "${path}".`,
    );
  }
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new CliFileError(
      "FILE_IS_DIRECTORY",
      path,
      `"${path}" is a folder; give the path of a file.`,
    );
  }
}

/**
 * Checks that `path` names an existing folder; otherwise a {@link CliFileError} naming it
 * (`FILE_NOT_FOUND`, or `FILE_NOT_DIRECTORY` for a file), instead of the reader's `ENOTDIR`.
 */
export async function requireFolder(path: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (err) {
    throw fileErrorFrom(err, path) ?? err;
  }
  if (!isDirectory) {
    throw new CliFileError(
      "FILE_NOT_DIRECTORY",
      path,
      `"${path}" is a file, not a folder; give the path of a folder.`,
    );
  }
}
