import type { CliIo } from "../../src/cli/io.js";

/** An in-memory CliIo: captures stdout/stderr, serves `input` as stdin. */
export function memoryIo(input = "", signal: AbortSignal = new AbortController().signal) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    stdin: (async function* () {
      if (input) yield new TextEncoder().encode(input);
    })(),
    signal,
  };
  return { io, stdout: () => out.join(""), stderr: () => err.join("") };
}
