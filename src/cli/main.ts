/**
 * Dispatches `fmops <command> [flags]` to its command module.
 *
 * @module
 */
import { isFmopsError } from "../core/index.js";
import { VERSION } from "../version.js";
import { askCommand } from "./ask.js";
import { awsSetupErrorFrom } from "./aws-setup.js";
import { benchCommand } from "./bench.js";
import { chatCommand } from "./chat.js";
import { evalCommand } from "./eval.js";
import { fileErrorFrom } from "./file-errors.js";
import { imageCommand } from "./image.js";
import { indexCommand } from "./index-cmd.js";
import type { CliCommand, CliIo } from "./io.js";
import { promptsCommand } from "./prompts.js";
import { sqlCommand } from "./sql.js";
import { documentedFlags, isParseArgsError, usageErrorFrom } from "./usage-errors.js";

const COMMANDS: Record<string, CliCommand> = {
  ask: askCommand,
  bench: benchCommand,
  chat: chatCommand,
  eval: evalCommand,
  image: imageCommand,
  index: indexCommand,
  prompts: promptsCommand,
  sql: sqlCommand,
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`,
  );
  return `fmops ${VERSION}: run foundation models on AWS\n\nUsage: fmops <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun "fmops <command> --help" for a command's options.\n`;
}

/**
 * Runs the CLI with `args` (without the node and script paths) and returns the exit code:
 * 0 on success, 1 when the command failed, 2 on a usage error (an unknown flag, a missing or bad
 * value). Errors print as one line, `fmops <command>: <what to do> [CODE]`: flag errors name the
 * closest documented flag, file-system errors and missing AWS configuration are typed
 * (`CliFileError`, `AwsSetupError`) and name the path or the setting to provide.
 */
export async function main(args: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  // Own keys only: `fmops constructor` is an unknown command, not Object.prototype.constructor.
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr.write(`fmops: unknown command "${name}".\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (thrown) {
    const err = explained(thrown, name, command.usage);
    const code = isFmopsError(err) ? ` [${err.code}]` : "";
    io.stderr.write(`fmops ${name}: ${err instanceof Error ? err.message : String(err)}${code}\n`);
    return isFmopsError(err) && err.code === "VALIDATION_ERROR" ? 2 : 1;
  }
}

/** `err` as the typed error that says what to do, when it is one the CLI knows how to word. */
function explained(err: unknown, name: string, usage: string): unknown {
  if (isParseArgsError(err)) return usageErrorFrom(err, name, usage);
  const regionFlag = documentedFlags(usage).includes("--region") ? "--region" : undefined;
  return fileErrorFrom(err) ?? awsSetupErrorFrom(err, regionFlag) ?? err;
}
