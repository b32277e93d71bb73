#!/usr/bin/env node
/**
 * The `fmops` command. Thin by design: it parses flags and calls the library.
 *
 * @module
 */
import { main } from "./main.js";

const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fmops: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
