/**
 * Polling: how long to sleep between probes of something that is not ready yet.
 *
 * @module
 */
import { z } from "zod";
import { ValidationError } from "./errors.js";
import { parseOptions } from "./options.js";
import { backoffDelay } from "./retry.js";

/** Backoff settings of a poll loop. Each operation documents its own defaults. */
export interface PollDelayOptions {
  /** Shortest delay between probes, in ms. */
  minDelayMs?: number;
  /** Longest delay between probes, in ms. */
  maxDelayMs?: number;
}

/**
 * The delay before probe `attempt + 1`: `minDelayMs` plus a full-jitter exponential backoff
 * ({@link backoffDelay}) whose ceiling doubles from `minDelayMs`, so delays grow from sub-second
 * to at most `maxDelayMs` and never drop below `minDelayMs` (no request storms).
 *
 * @example
 * ```ts
 * pollDelay(1, { minDelayMs: 250, maxDelayMs: 2_000 }); // between 250 and 500
 * ```
 */
export function pollDelay(
  attempt: number,
  options: { minDelayMs: number; maxDelayMs: number },
  random: () => number = Math.random,
): number {
  const span = Math.max(0, options.maxDelayMs - options.minDelayMs);
  return (
    options.minDelayMs +
    backoffDelay(attempt, { baseDelayMs: options.minDelayMs, maxDelayMs: span }, random)
  );
}

/** Zod fields for `minDelayMs`/`maxDelayMs`, for option schemas that accept {@link PollDelayOptions}. */
export const pollDelayShape = {
  minDelayMs: z.int().min(1).max(3_600_000).optional(),
  maxDelayMs: z.int().min(1).max(3_600_000).optional(),
};

/**
 * Checks min/max delays against each other and fills in defaults. A `maxDelayMs` left out never
 * falls below a given `minDelayMs`; one given below it throws {@link ValidationError}.
 *
 * @example
 * ```ts
 * resolveDelays({ minDelayMs: 5_000 }, { minDelayMs: 250, maxDelayMs: 2_000 });
 * // { minDelayMs: 5000, maxDelayMs: 5000 }
 * ```
 */
export function resolveDelays(
  options: PollDelayOptions,
  defaults: { minDelayMs: number; maxDelayMs: number },
): { minDelayMs: number; maxDelayMs: number } {
  parseOptions(
    z.object(pollDelayShape),
    { minDelayMs: options.minDelayMs, maxDelayMs: options.maxDelayMs },
    "poll delays",
  );
  const minDelayMs = options.minDelayMs ?? defaults.minDelayMs;
  const maxDelayMs = options.maxDelayMs ?? Math.max(defaults.maxDelayMs, minDelayMs);
  if (maxDelayMs < minDelayMs) {
    throw new ValidationError(
      `maxDelayMs (${maxDelayMs}) must be at least minDelayMs (${minDelayMs}).`,
      [{ path: "maxDelayMs", message: "must be >= minDelayMs" }],
    );
  }
  return { minDelayMs, maxDelayMs };
}
