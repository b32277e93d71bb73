/**
 * The clock monitoring measures with: a monotonic one for durations and a wall clock for
 * timestamps, both replaceable so that tests script exact timings.
 *
 * @module
 */
import { ValidationError } from "../core/index.js";

/** Where monitoring reads the time. */
export interface MonitorClock {
  /** Monotonic milliseconds for durations (never jumps with NTP or DST). Default `performance.now()`. */
  now(): number;
  /** Milliseconds since the Unix epoch, for record timestamps. Default `Date.now()`. */
  epochMs(): number;
}

/** The real clock: `performance.now()` for durations and `Date.now()` for timestamps. */
export const systemClock: MonitorClock = {
  now: () => performance.now(),
  epochMs: () => Date.now(),
};

/**
 * A clock that only moves when told to, for tests and simulations.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * clock.advance(250); // clock.now() === 250
 * ```
 */
export class ManualClock implements MonitorClock {
  #now: number;
  readonly #epochStart: number;

  /** Starts at monotonic time `start` (default 0) and wall time `epochStart` (default 2024-01-01). */
  constructor(start = 0, epochStart = Date.UTC(2024, 0, 1)) {
    this.#now = start;
    this.#epochStart = epochStart - start;
  }

  now(): number {
    return this.#now;
  }

  epochMs(): number {
    return this.#epochStart + this.#now;
  }

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (!(ms >= 0)) {
      throw new ValidationError(`ManualClock.advance takes a non-negative number; got ${ms}.`, [
        { path: "ms", message: "must be >= 0" },
      ]);
    }
    this.#now += ms;
  }
}
