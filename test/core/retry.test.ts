import { ThrottlingException } from "@aws-sdk/client-bedrock-runtime";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AbortedError, FmopsError, TimeoutError, ValidationError } from "../../src/core/errors.js";
import { backoffDelay, isRetryableError, type RetryEvent, retry } from "../../src/core/retry.js";

afterEach(() => {
  vi.useRealTimers();
});

const transient = () => new FmopsError("NETWORK_ERROR", "flaky", { retryable: true });
const permanent = () => new FmopsError("UNEXPECTED_RESPONSE", "broken", { retryable: false });

describe("backoffDelay", () => {
  it("draws uniformly below min(maxDelayMs, baseDelayMs * 2^(attempt-1))", () => {
    expect(backoffDelay(1, { baseDelayMs: 100, maxDelayMs: 1_000 }, () => 0.5)).toBe(50);
    expect(backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 1_000 }, () => 0.5)).toBe(200);
    expect(backoffDelay(10, { baseDelayMs: 100, maxDelayMs: 1_000 }, () => 0.5)).toBe(500);
    expect(backoffDelay(4, { baseDelayMs: 100, maxDelayMs: 1_000 }, () => 0)).toBe(0);
  });

  it("stays an integer within [0, cap) for any attempt, scale and draw", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseDelayMs, maxDelayMs, draw) => {
          const delay = backoffDelay(attempt, { baseDelayMs, maxDelayMs }, () => draw);
          const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(maxDelayMs);
          if (cap > 0) expect(delay).toBeLessThan(cap);
          else expect(delay).toBe(0);
        },
      ),
    );
  });
});

describe("retry", () => {
  it("retries retryable failures and returns the first success", async () => {
    const events: RetryEvent[] = [];
    const fn = vi.fn(async (attempt: number) => {
      if (attempt < 3) throw transient();
      return `ok after ${attempt}`;
    });
    const result = await retry(fn, { random: () => 0, onRetry: (e) => events.push(e) });
    expect(result).toBe("ok after 3");
    expect(fn).toHaveBeenCalledTimes(3);
    expect(events.map((e) => [e.attempt, e.delayMs, (e.error as FmopsError).code])).toEqual([
      [1, 0, "NETWORK_ERROR"],
      [2, 0, "NETWORK_ERROR"],
    ]);
  });

  it("stops at once on a non-retryable error and rethrows it as is", async () => {
    const error = permanent();
    const fn = vi.fn(async () => {
      throw error;
    });
    await expect(retry(fn, { maxAttempts: 5, random: () => 0 })).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("gives up after maxAttempts with the last error", async () => {
    let n = 0;
    const fn = vi.fn(async () => {
      n++;
      throw new FmopsError(`HTTP_${500 + n}`, "flaky", { retryable: true });
    });
    await expect(retry(fn, { maxAttempts: 4, random: () => 0 })).rejects.toMatchObject({
      code: "HTTP_504",
    });
    expect(fn).toHaveBeenCalledTimes(4);
  });

  it("retries AWS throttling by default", async () => {
    const throttle = new ThrottlingException({
      message: "slow down",
      $metadata: { httpStatusCode: 429 },
    });
    expect(isRetryableError(throttle)).toBe(true);
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls === 1) throw throttle;
        return "done";
      },
      { random: () => 0 },
    );
    expect(result).toBe("done");
  });

  it("asks a custom isRetryable with the error and attempt", async () => {
    const seen: number[] = [];
    const fn = vi.fn(async () => {
      throw permanent();
    });
    await expect(
      retry(fn, {
        maxAttempts: 5,
        random: () => 0,
        isRetryable: (_error, attempt) => {
          seen.push(attempt);
          return attempt < 2;
        },
      }),
    ).rejects.toMatchObject({ code: "UNEXPECTED_RESPONSE" });
    expect(fn).toHaveBeenCalledTimes(2);
    expect(seen).toEqual([1, 2]);
  });

  it("sleeps full-jitter delays capped at maxDelayMs", async () => {
    vi.useFakeTimers();
    const delays: number[] = [];
    const pending = retry(
      async () => {
        throw transient();
      },
      {
        maxAttempts: 5,
        baseDelayMs: 100,
        maxDelayMs: 250,
        random: () => 0.5,
        onRetry: (e) => delays.push(e.delayMs),
      },
    );
    const outcome = pending.catch((e: unknown) => e);
    // Nothing happens before the first delay (50 ms) has passed.
    await vi.advanceTimersByTimeAsync(49);
    expect(delays).toEqual([50]);
    await vi.runAllTimersAsync();
    expect(await outcome).toMatchObject({ code: "NETWORK_ERROR" });
    expect(delays).toEqual([50, 100, 125, 125]);
  });

  it("ends promptly when aborted during a sleep, leaving no timer", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const fn = vi.fn(async () => {
      throw transient();
    });
    const pending = retry(fn, {
      signal: controller.signal,
      baseDelayMs: 60_000,
      random: () => 0.99,
      onRetry: () => queueMicrotask(() => controller.abort()),
    });
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not call fn when the signal is already aborted", async () => {
    const fn = vi.fn(async () => 1);
    await expect(retry(fn, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(fn).not.toHaveBeenCalled();
  });

  it("reports the abort, not the attempt's error, when aborted during an attempt", async () => {
    const controller = new AbortController();
    const pending = retry(
      async (_attempt, signal) => {
        controller.abort();
        expect(signal?.aborted).toBe(true);
        throw transient();
      },
      { signal: controller.signal },
    );
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
  });

  it("gives up with TimeoutError when timeoutMs passes, and hands fn the deadline's signal", async () => {
    const signals: (AbortSignal | undefined)[] = [];
    const error = await retry(
      async (_attempt, signal) => {
        signals.push(signal);
        throw transient();
      },
      { timeoutMs: 10, maxAttempts: 100, baseDelayMs: 60_000, random: () => 0.99 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe("TIMEOUT");
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
  });

  it("validates maxAttempts and delays, naming the field", async () => {
    const fn = async () => 1;
    for (const maxAttempts of [0, -1, 1.5, Number.NaN]) {
      await expect(retry(fn, { maxAttempts })).rejects.toMatchObject({
        code: "VALIDATION_ERROR",
        issues: [{ path: "maxAttempts" }],
      });
    }
    await expect(retry(fn, { baseDelayMs: -1 })).rejects.toMatchObject({
      issues: [{ path: "baseDelayMs" }],
    });
    await expect(retry(fn, { maxDelayMs: Number.NaN })).rejects.toBeInstanceOf(ValidationError);
    await expect(retry(fn, { maxAttempts: 1 })).resolves.toBe(1);
  });
});
