/**
 * {@link waitFor}: the one poll loop of fmops. Something that is not ready yet (an S3 object, a
 * batch job, an Athena query) is probed until it is done or has failed, with jittered backoff in
 * between, under a deadline that bounds the whole wait from its start, and with a give-up hook for
 * cleanup (such as stopping the query) when the caller aborts or time runs out.
 *
 * @module
 */
import { z } from "zod";
import { AbortedError, type FmopsError, TimeoutError, ValidationError } from "./errors.js";
import { parseOptions } from "./options.js";
import { backoffDelay } from "./retry.js";
import { abortError, checkTimeoutMs, Deadline, sleep, type WaitOptions } from "./wait.js";

/** Backoff settings of a poll loop. Each operation documents its own defaults. */
export interface PollDelayOptions {
  /** Shortest delay between probes, in ms. */
  minDelayMs?: number;
  /** Longest delay between probes, in ms. */
  maxDelayMs?: number;
}

/**
 * The delay before probe `attempt + 1`: `minDelayMs` plus a full-jitter exponential backoff
 * ({@link backoffDelay}) whose ceiling doubles from `minDelayMs` (from 1 ms when `minDelayMs` is
 * 0), so delays grow from sub-second to at most `maxDelayMs` and never drop below `minDelayMs`
 * (no request storms).
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
    backoffDelay(
      attempt,
      { baseDelayMs: Math.max(1, options.minDelayMs), maxDelayMs: span },
      random,
    )
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

/** Default deadline of {@link waitFor}: 5 minutes. */
export const DEFAULT_WAITER_TIMEOUT_MS = 300_000;
/** Default shortest delay between probes of {@link waitFor}. */
export const DEFAULT_WAITER_MIN_DELAY_MS = 250;
/** Default longest delay between probes of {@link waitFor}. */
export const DEFAULT_WAITER_MAX_DELAY_MS = 2_000;
/** Default bound on {@link WaiterOptions.onGiveUp}. */
export const DEFAULT_GIVE_UP_TIMEOUT_MS = 10_000;

/**
 * What one probe found:
 * - `pending`: not ready yet; poll again after `delayMs` (default: the waiter's backoff).
 * - `done`: ready; the wait returns `value`.
 * - `failed`: it will never be ready; the wait throws `error`.
 * - `retry`: this probe hit a transient error (throttling, 5xx, network); poll again after
 *   `delayMs` (default: the waiter's backoff). The error is kept for the give-up message.
 */
export type ProbeResult<T> =
  | { state: "pending"; delayMs?: number | undefined }
  | { state: "done"; value: T }
  | { state: "failed"; error: unknown }
  | { state: "retry"; error: unknown; delayMs?: number | undefined };

/**
 * Looks once. Receives the wait's signal (pass it to every request, so that a give-up cancels
 * the request in flight) and the attempt number, 1 for the first probe.
 */
export type Probe<T> = (signal: AbortSignal, attempt: number) => Promise<ProbeResult<T>>;

/** One probe of {@link waitFor}, reported to {@link WaiterOptions.onPoll}. */
export interface WaiterPollEvent<T> {
  /** 1 for the first probe. */
  attempt: number;
  /** `Date.now()` when the probe started. */
  startedAt: number;
  /** Milliseconds since the wait started, at the end of the probe. */
  elapsedMs: number;
  /** What the probe found. */
  state: ProbeResult<T>["state"];
  /** The value, for `done`. */
  value?: T;
  /** The error, for `failed` and `retry`. */
  error?: unknown;
  /** How long the waiter sleeps before the next probe; absent once the wait is over. */
  nextDelayMs?: number;
}

/** Why and how far a {@link waitFor} got when it gave up; passed to its give-up hooks. */
export interface GiveUpInfo {
  /** `timeout` when the wait's own deadline passed, `abort` when the caller's signal aborted. */
  cause: "timeout" | "abort";
  /** The deadline's error: a {@link TimeoutError} or an {@link AbortedError}. */
  reason: FmopsError;
  /** Probes made. */
  attempts: number;
  /** Milliseconds since the wait started. */
  elapsedMs: number;
  /** The wait's time limit, ms. */
  timeoutMs: number;
  /** The error of the last `retry` probe, if any: often the reason nothing came back. */
  lastError: unknown;
}

/** Options of {@link waitFor}. */
export interface WaiterOptions<T> extends WaitOptions, PollDelayOptions {
  /**
   * Completes the timeout message, "Timed out after 500 ms {what}.". Default "waiting".
   * Ignored when `deadline` is given (the deadline has its own).
   */
  what?: string;
  /**
   * A deadline already running (for a wait that is one step of a longer operation). The waiter
   * then uses it instead of `signal`/`timeoutMs`, and leaves disposing it to its owner.
   */
  deadline?: Deadline;
  /** Source of randomness for the jitter, in [0, 1). Default `Math.random`. */
  random?: () => number;
  /**
   * Which errors a probe throws are transient: those become `retry` results and the waiter polls
   * on. Any other error ends the wait at once. Default: none (every thrown error ends the wait).
   */
  retryOn?: (error: unknown) => boolean;
  /** Called after every probe, e.g. for logging or progress. */
  onPoll?: (event: WaiterPollEvent<T>) => void;
  /**
   * Called once when the wait gives up (timeout or abort), before the error is thrown: clean up
   * here, e.g. stop the query being waited for. Awaited for at most `giveUpTimeoutMs`, after
   * which its signal aborts and the wait ends regardless; whatever it throws is ignored (the
   * timeout or abort is the error that matters).
   */
  onGiveUp?: (info: GiveUpInfo, signal: AbortSignal) => unknown;
  /** Bound on `onGiveUp`, ms. Default 10 000 (10 s). */
  giveUpTimeoutMs?: number;
  /** Builds the error thrown on giving up, in place of `info.reason` (e.g. to say more). */
  giveUpError?: (info: GiveUpInfo) => FmopsError;
}

/**
 * Probes until `probe` says `done` (returns its value) or `failed` (throws its error), sleeping
 * between probes with jittered backoff from `minDelayMs` to `maxDelayMs`, or for the `delayMs`
 * a probe asks for. The whole wait is bounded by `timeoutMs` (default 5 minutes) from its start
 * and by `signal`: either ends it at once, even mid-sleep or mid-probe, with {@link TimeoutError}
 * or {@link AbortedError}, after `onGiveUp` has run. Every timer and listener is cleared when it
 * ends.
 *
 * @example
 * ```ts
 * import { waitFor } from "fmops/core";
 *
 * const build = await waitFor(
 *   async (signal) => {
 *     const res = await fetch(`${api}/builds/${id}`, { signal });
 *     if (res.status === 429 || res.status >= 500) return { state: "retry", error: res.statusText };
 *     const body = (await res.json()) as { status: string };
 *     if (body.status === "SUCCEEDED") return { state: "done", value: body };
 *     if (body.status === "FAILED") return { state: "failed", error: new Error("build failed") };
 *     return { state: "pending" };
 *   },
 *   {
 *     timeoutMs: 10 * 60_000,
 *     what: `waiting for build ${id}`,
 *     onGiveUp: (_info, signal) => fetch(`${api}/builds/${id}/cancel`, { method: "POST", signal }),
 *   },
 * );
 * ```
 */
export async function waitFor<T>(probe: Probe<T>, options: WaiterOptions<T> = {}): Promise<T> {
  const delays = checkDelays(options);
  const giveUpTimeoutMs = checkTimeoutMs(
    options.giveUpTimeoutMs ?? DEFAULT_GIVE_UP_TIMEOUT_MS,
    "giveUpTimeoutMs",
  );
  const random = options.random ?? Math.random;
  const own = options.deadline
    ? undefined
    : Deadline.start(options, DEFAULT_WAITER_TIMEOUT_MS, options.what ?? "waiting");
  const deadline = options.deadline ?? (own as Deadline);
  const signal = deadline.signal;
  const started = Date.now();
  let attempts = 0;
  let lastError: unknown;
  try {
    for (;;) {
      deadline.throwIfDone();
      attempts++;
      const startedAt = Date.now();
      let result: ProbeResult<T>;
      try {
        result = await probe(signal, attempts);
      } catch (err) {
        if (signal.aborted || !options.retryOn?.(err)) throw err;
        result = { state: "retry", error: err };
      }
      const event: WaiterPollEvent<T> = {
        attempt: attempts,
        startedAt,
        elapsedMs: Date.now() - started,
        state: result.state,
      };
      if (result.state === "done") {
        event.value = result.value;
        options.onPoll?.(event);
        return result.value;
      }
      if (result.state !== "pending") event.error = result.error;
      if (result.state === "failed") {
        options.onPoll?.(event);
        throw result.error;
      }
      if (result.state === "retry") lastError = result.error;
      event.nextDelayMs = result.delayMs ?? pollDelay(attempts, delays, random);
      options.onPoll?.(event);
      await sleep(event.nextDelayMs, signal);
    }
  } catch (err) {
    if (!signal.aborted) throw err;
    // The deadline fired (or the caller aborted): whatever the probe or sleep threw while being
    // cancelled says less than the deadline's own reason.
    const reason = abortError(signal);
    const info: GiveUpInfo = {
      cause: reason instanceof TimeoutError && !options.signal?.aborted ? "timeout" : "abort",
      reason,
      attempts,
      elapsedMs: Date.now() - started,
      timeoutMs: deadline.timeoutMs,
      lastError,
    };
    if (options.onGiveUp) await runGiveUpHook(options.onGiveUp, info, giveUpTimeoutMs);
    throw options.giveUpError?.(info) ?? reason;
  } finally {
    own?.dispose();
  }
}

/** Runs `hook`, waiting at most `boundMs` for it; its errors are dropped, its timer cleared. */
async function runGiveUpHook(
  hook: NonNullable<WaiterOptions<unknown>["onGiveUp"]>,
  info: GiveUpInfo,
  boundMs: number,
): Promise<void> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(
        new AbortedError(`The give-up hook did not finish within ${boundMs} ms; it was abandoned.`),
      );
      resolve();
    }, boundMs);
  });
  try {
    const run = (async () => hook(info, controller.signal))().then(
      () => {},
      () => {},
    );
    await Promise.race([run, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** Checks the delays of {@link waitFor} (0 is allowed as a minimum) and fills in defaults. */
function checkDelays(options: PollDelayOptions): { minDelayMs: number; maxDelayMs: number } {
  const minDelayMs = options.minDelayMs ?? DEFAULT_WAITER_MIN_DELAY_MS;
  const maxDelayMs = options.maxDelayMs ?? Math.max(DEFAULT_WAITER_MAX_DELAY_MS, minDelayMs);
  for (const [field, value] of [
    ["minDelayMs", minDelayMs],
    ["maxDelayMs", maxDelayMs],
  ] as const) {
    if (!(value >= 0 && value <= MAX_DELAY_MS)) {
      throw new ValidationError(
        `${field} must be a number of milliseconds between 0 and ${MAX_DELAY_MS}; got ${String(value)}.`,
        [{ path: field, message: "out of range" }],
      );
    }
  }
  if (maxDelayMs < minDelayMs) {
    throw new ValidationError(
      `maxDelayMs (${maxDelayMs}) must be at least minDelayMs (${minDelayMs}).`,
      [{ path: "maxDelayMs", message: "must be >= minDelayMs" }],
    );
  }
  return { minDelayMs, maxDelayMs };
}

/** Longest delay between probes: an hour, as {@link resolveDelays} allows. */
const MAX_DELAY_MS = 3_600_000;
