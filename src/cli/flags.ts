/**
 * Numeric flag parsing shared by the CLI commands, so every command words its errors alike.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";

/** Parses a number flag; `undefined` when the flag was not given. */
export function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) {
    throw new ValidationError(`${flag} takes a number; got "${value}".`, [
      { path: flag, message: "not a number" },
    ]);
  }
  return n;
}

/** Parses a whole-number flag of at least 1; `undefined` when the flag was not given. */
export function positiveIntFlag(value: string | undefined, flag: string): number | undefined {
  const n = numberFlag(value, flag);
  if (n !== undefined && !(Number.isInteger(n) && n >= 1)) {
    throw new ValidationError(`${flag} takes a whole number of at least 1; got "${value}".`, [
      { path: flag, message: "not a positive integer" },
    ]);
  }
  return n;
}

/** The AWS client settings `--region` and `--endpoint-url` give: `{ region?, endpoint? }`. */
export interface AwsFlagConfig {
  region?: string;
  endpoint?: string;
}

/**
 * Reads `--region` and `--endpoint-url` from parsed flags into the `{ region, endpoint }` every
 * fmops client takes, leaving out what was not given (so the SDK's own defaults apply).
 */
export function awsFlags(values: {
  region?: string | boolean | (string | boolean)[];
  "endpoint-url"?: string | boolean | (string | boolean)[];
}): AwsFlagConfig {
  const config: AwsFlagConfig = {};
  if (typeof values.region === "string") config.region = values.region;
  if (typeof values["endpoint-url"] === "string") config.endpoint = values["endpoint-url"];
  return config;
}

/**
 * Splits `--model kind:target` at its first colon (a Bedrock model id has colons of its own). A
 * missing flag is a usage error whose message shows `example`; a spec without a colon has kind
 * `""`, which no command accepts, so it gets the command's own "how to spell it" error.
 */
export function modelSpecParts(
  spec: string | undefined,
  example: string,
): { kind: string; target: string } {
  if (spec === undefined) {
    throw new ValidationError(`--model is required, e.g. --model ${example}.`, [
      { path: "--model", message: "missing" },
    ]);
  }
  const at = spec.indexOf(":");
  return { kind: at === -1 ? "" : spec.slice(0, at), target: spec.slice(at + 1) };
}
