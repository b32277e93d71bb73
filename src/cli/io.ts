import { ValidationError } from "../core/index.js";

/** What a CLI command may touch, injected so that commands are testable in-process. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  /** `isTTY` (and `columns`) as on `process.stderr`: progress bars draw only on a terminal. */
  stderr: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  /** Read when a command takes its input from standard input. */
  stdin: AsyncIterable<Uint8Array | string> & { isTTY?: boolean };
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

/** A sub-command: parses its own flags and returns the process exit code. */
export interface CliCommand {
  /** One line for `fmops --help`. */
  summary: string;
  /** Full usage text for `fmops <command> --help`. */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** Reads all of standard input as text. */
export async function readStdin(stdin: CliIo["stdin"]): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stdin)
    text += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/**
 * The prompt of a command that takes one: its positional arguments joined by spaces, or else all
 * of standard input, trimmed. An empty prompt is a usage error (`VALIDATION_ERROR`, exit 2).
 */
export async function readPrompt(positionals: string[], io: CliIo): Promise<string> {
  const prompt =
    positionals.length > 0 ? positionals.join(" ") : (await readStdin(io.stdin)).trim();
  if (prompt === "") {
    throw new ValidationError("Give a prompt as arguments or on stdin.", [
      { path: "prompt", message: "empty" },
    ]);
  }
  return prompt;
}
