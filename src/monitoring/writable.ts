/**
 * The smallest output a sink writes text to, and the default one (standard output).
 *
 * @module
 */

/** Anything text can be written to: `process.stdout`, a `fs.WriteStream`, an array in a test. */
export interface TextOutput {
  /** Writes one chunk of text (sinks pass whole lines ending in `\n`); the return value is ignored. */
  write(chunk: string): unknown;
}

/** Standard output where there is one (Node, Deno, Bun), else `console.log` without the newline. */
export function defaultOutput(): TextOutput {
  const stdout = (globalThis as { process?: { stdout?: TextOutput } }).process?.stdout;
  if (stdout && typeof stdout.write === "function") return stdout;
  return { write: (chunk: string) => console.log(chunk.replace(/\n$/, "")) };
}

/** A timer that never keeps the process alive by itself. */
export function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  (timer as { unref?: () => void }).unref?.();
}
