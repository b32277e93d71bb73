/**
 * Runs a deploy script's `main` in-process and captures what it prints.
 *
 * @module
 */
import type { CliIo } from "../../../examples/deploy/shared/cli.js";
import type { DryRunLine } from "../../../examples/deploy/shared/plan.js";

/** What one run printed. */
export interface CliRun {
  code: number;
  stdout: string[];
  stderr: string[];
}

/** A deploy script's entry point. */
export type DeployMain = (argv: readonly string[], io?: CliIo) => Promise<number>;

/** Runs `main(argv)` with captured output (and optional clients for real runs). */
export async function runMain(
  main: DeployMain,
  argv: readonly string[],
  extra: Partial<CliIo> = {},
): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(argv, {
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
    ...extra,
  });
  return { code, stdout, stderr };
}

/** Runs with `--dry-run` and parses every printed line as a {@link DryRunLine}. */
export async function dryRun(
  main: DeployMain,
  argv: readonly string[] = [],
): Promise<DryRunLine[]> {
  const run = await runMain(main, ["--dry-run", ...argv]);
  if (run.code !== 0) throw new Error(`dry run failed: ${run.stderr.join("\n")}`);
  return run.stdout.map((line) => JSON.parse(line) as DryRunLine);
}
