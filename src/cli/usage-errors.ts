/**
 * Turns `node:util` parseArgs errors into usage errors that say what to type instead.
 *
 * Node's own messages quote the option with a stray single quote, advise the `--` separator even
 * for a plain typo, and never name the flag that was meant. The commands list their flags in their
 * usage text, so the suggestion comes from there: a flag that is not documented is never offered.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";

/** The parseArgs error codes this module rewrites. */
const PARSE_ARGS_CODES = new Set([
  "ERR_PARSE_ARGS_UNKNOWN_OPTION",
  "ERR_PARSE_ARGS_INVALID_OPTION_VALUE",
  "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL",
]);

/** Whether `err` was thrown by `node:util` parseArgs for the arguments it was given. */
export function isParseArgsError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === "string" && PARSE_ARGS_CODES.has(code);
}

/** The `--long-flag` names a usage text documents, in order, without repeats. */
export function documentedFlags(usage: string): string[] {
  return [...new Set(usage.match(/--[a-z][a-z0-9-]*/g) ?? [])];
}

/**
 * The documented flag closest to `typed` by edit distance, when it is close enough to be what
 * was meant (at most a third of its letters differ); `undefined` otherwise.
 */
export function closestFlag(typed: string, flags: readonly string[]): string | undefined {
  const bare = typed.replace(/^-+/, "");
  let best: { flag: string; distance: number } | undefined;
  for (const flag of flags) {
    const distance = editDistance(bare, flag.replace(/^-+/, ""));
    if (best === undefined || distance < best.distance) best = { flag, distance };
  }
  if (best === undefined) return undefined;
  return best.distance <= Math.max(1, Math.floor(bare.length / 3)) ? best.flag : undefined;
}

/**
 * A {@link ValidationError} (exit code 2) for a parseArgs error, worded for `fmops <command>`:
 * the option as typed, the closest documented flag, the value a flag takes, and where to look.
 */
export function usageErrorFrom(
  err: Error & { code: string },
  command: string,
  usage: string,
): ValidationError {
  const seeHelp = `Run "fmops ${command} --help" for the options.`;
  const option = optionIn(err.message);
  let message: string;
  if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option !== undefined) {
    const suggestion = option.startsWith("--")
      ? closestFlag(option, documentedFlags(usage))
      : undefined;
    message = `unknown option "${option}".${suggestion ? ` Did you mean "${suggestion}"?` : ""} ${seeHelp}`;
  } else if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option !== undefined) {
    const needs = `option "${option}" needs a value: ${option} ${placeholderFor(option, usage)}`;
    // "ambiguous": the next argument starts with a dash, so parseArgs did not take it as the value.
    message = /argument missing/.test(err.message)
      ? `${needs}. ${seeHelp}`
      : /ambiguous/.test(err.message)
        ? `${needs}; a value that starts with "-" is written ${option}=<value>. ${seeHelp}`
        : `option "${option}" takes no value: write ${option} alone. ${seeHelp}`;
  } else if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const argument = /'([^']*)'/.exec(err.message)?.[1];
    message = `unexpected argument${argument !== undefined ? ` "${argument}"` : ""}: this command takes only options. ${seeHelp}`;
  } else {
    message = `${err.message.replace(/'/g, '"')} ${seeHelp}`;
  }
  return new ValidationError(message, [{ path: option ?? "args", message: err.code }], {
    cause: err,
  });
}

/**
 * The option a parseArgs message quotes: `'--data'`, `'--data <value>'` or `'-d, --data <value>'`
 * all give `--data`; a short option alone gives itself.
 */
function optionIn(message: string): string | undefined {
  const quoted = /'([^']*)'/.exec(message)?.[1];
  if (quoted === undefined) return undefined;
  return /--[^\s,=]+/.exec(quoted)?.[0] ?? /-[^\s,=]+/.exec(quoted)?.[0];
}

/**
 * The `<placeholder>` the usage text shows after `flag`: from its line in the options list when
 * there is one (the synopsis may abbreviate), else from anywhere; `<value>` when none is shown.
 */
function placeholderFor(flag: string, usage: string): string {
  const escaped = flag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return (
    new RegExp(`^\\s+${escaped} (<[^>]+>)`, "m").exec(usage)?.[1] ??
    new RegExp(`${escaped} (<[^>]+>)`).exec(usage)?.[1] ??
    "<value>"
  );
}

/**
 * Edit distance counting an insertion, deletion, substitution or swap of two neighbouring
 * letters as one edit (optimal string alignment), so `--jsno` is one edit from `--json`.
 */
function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (beforePrevious[j - 2] ?? 0) + 1);
      current[j] = best;
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}
