import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AbortedError, FmopsError, TimeoutError, ValidationError } from "../../src/core/errors.js";
import { Deadline, sleep } from "../../src/core/wait.js";
import {
  type GiveUpInfo,
  type ProbeResult,
  pollDelay,
  type WaiterPollEvent,
  waitFor,
} from "../../src/core/waiter.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("pollDelay", () => {
  it("stays within [minDelayMs, maxDelayMs] and starts sub-second (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, min, extra, r) => {
          const d = pollDelay(attempt, { minDelayMs: min, maxDelayMs: min + extra }, () => r);
          expect(d).toBeGreaterThanOrEqual(min);
          expect(d).toBeLessThanOrEqual(min + extra);
        },
      ),
    );
    expect(pollDelay(1, { minDelayMs: 250, maxDelayMs: 2_000 }, () => 0.999)).toBeLessThan(1_000);
  });

  it("still grows from a zero minDelayMs instead of polling in a tight loop", () => {
    const delays = [1, 2, 3, 4].map((a) =>
      pollDelay(a, { minDelayMs: 0, maxDelayMs: 1_000 }, () => 0.999),
    );
    expect(delays).toEqual([0, 1, 3, 7]);
    expect(pollDelay(20, { minDelayMs: 0, maxDelayMs: 1_000 }, () => 0.999)).toBe(999);
  });
});

/** A probe that answers from a script, one entry per call, then stays pending. */
function scripted<T>(script: ProbeResult<T>[]): (signal: AbortSignal) => Promise<ProbeResult<T>> {
  let call = 0;
  return async () => script[call++] ?? { state: "pending" };
}

describe("waitFor", () => {
  it("polls until done, reporting each poll with its sleep", async () => {
    vi.useFakeTimers();
    const events: WaiterPollEvent<string>[] = [];
    const waiting = waitFor(
      scripted<string>([
        { state: "pending" },
        { state: "retry", error: new Error("throttled") },
        { state: "done", value: "ready" },
      ]),
      { minDelayMs: 100, maxDelayMs: 400, onPoll: (e) => events.push(e), random: () => 0.5 },
    );
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(waiting).resolves.toBe("ready");
    expect(events.map((e) => [e.attempt, e.state, e.nextDelayMs])).toEqual([
      [1, "pending", 150],
      [2, "retry", 200],
      [3, "done", undefined],
    ]);
    expect(events[1]?.error).toBeInstanceOf(Error);
    expect(events[2]?.value).toBe("ready");
    expect(events[2]?.elapsedMs).toBe(350);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("sleeps exactly the delay a probe asks for", async () => {
    vi.useFakeTimers();
    const probe = vi.fn(
      scripted<number>([
        { state: "pending", delayMs: 5_000 },
        { state: "done", value: 1 },
      ]),
    );
    const waiting = waitFor(probe, { minDelayMs: 10, maxDelayMs: 20 });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(probe).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(waiting).resolves.toBe(1);
    expect(probe).toHaveBeenCalledTimes(2);
  });

  it("throws a failed probe's error after reporting it, and never calls onGiveUp", async () => {
    const failure = new FmopsError("BATCH_JOB_FAILED", "the job failed");
    const onGiveUp = vi.fn();
    const events: string[] = [];
    await expect(
      waitFor(scripted([{ state: "failed", error: failure }]), {
        onGiveUp,
        onPoll: (e) => events.push(e.state),
      }),
    ).rejects.toBe(failure);
    expect(events).toEqual(["failed"]);
    expect(onGiveUp).not.toHaveBeenCalled();
  });

  it("ends on an error the probe throws, unless retryOn says to poll through it", async () => {
    const fatal = new Error("no such queue");
    const events: string[] = [];
    await expect(
      waitFor(
        async () => {
          throw fatal;
        },
        { onPoll: (e) => events.push(e.state) },
      ),
    ).rejects.toBe(fatal);
    expect(events).toEqual([]);

    let calls = 0;
    const value = await waitFor(
      async (): Promise<ProbeResult<string>> => {
        calls++;
        if (calls < 3) throw new Error("throttled");
        return { state: "done", value: "after two retries" };
      },
      {
        minDelayMs: 1,
        maxDelayMs: 2,
        retryOn: (err) => (err as Error).message === "throttled",
        onPoll: (e) => events.push(e.state),
      },
    );
    expect(value).toBe("after two retries");
    expect(events).toEqual(["retry", "retry", "done"]);
  });

  it("times out with TimeoutError naming what it waited for, after one onGiveUp", async () => {
    vi.useFakeTimers();
    const infos: GiveUpInfo[] = [];
    const waiting = waitFor(scripted([]), {
      timeoutMs: 1_000,
      what: "waiting for the widget",
      minDelayMs: 100,
      maxDelayMs: 100,
      onGiveUp: (info) => {
        infos.push(info);
      },
    });
    const settled = expect(waiting).rejects.toMatchObject({
      code: "TIMEOUT",
      message: expect.stringContaining("waiting for the widget"),
    });
    await vi.advanceTimersByTimeAsync(1_000);
    await settled;
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatchObject({ cause: "timeout", attempts: 10, timeoutMs: 1_000 });
    expect(infos[0]?.reason).toBeInstanceOf(TimeoutError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("lets giveUpError describe the give-up, with the last retryable error", async () => {
    vi.useFakeTimers();
    const throttled = new Error("Rate exceeded");
    const waiting = waitFor(scripted([{ state: "retry", error: throttled }]), {
      timeoutMs: 500,
      giveUpError: (info) =>
        new TimeoutError(
          `gave up after ${info.attempts} polls; last: ${(info.lastError as Error).message}`,
          info.timeoutMs,
          { cause: info.reason },
        ),
    });
    const settled = expect(waiting).rejects.toMatchObject({
      code: "TIMEOUT",
      message: expect.stringMatching(/gave up after \d+ polls; last: Rate exceeded/),
    });
    await vi.advanceTimersByTimeAsync(500);
    await settled;
  });

  it("stops at once on abort, mid-sleep or mid-probe, passing the caller's reason on", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const onGiveUp = vi.fn();
    const waiting = waitFor(scripted([{ state: "pending", delayMs: 60_000 }]), {
      signal: controller.signal,
      onGiveUp,
    });
    await vi.advanceTimersByTimeAsync(10);
    const reason = new Error("user closed the tab");
    controller.abort(reason);
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).unsafeCause()).toBe(reason);
    expect(onGiveUp).toHaveBeenCalledTimes(1);
    expect(onGiveUp.mock.calls[0]?.[0]).toMatchObject({ cause: "abort" });
    expect(vi.getTimerCount()).toBe(0);

    // A probe in flight sees the signal and stops; the wait ends with the abort, not the probe's error.
    const inFlight = new AbortController();
    const probing = waitFor(
      async (signal) => {
        await sleep(60_000, signal);
        return { state: "done", value: 1 };
      },
      { signal: inFlight.signal },
    );
    inFlight.abort();
    await expect(probing).rejects.toBeInstanceOf(AbortedError);
  });

  it("gives up before probing when the signal is already aborted, still calling onGiveUp", async () => {
    const probe = vi.fn(scripted([]));
    const onGiveUp = vi.fn();
    await expect(waitFor(probe, { signal: AbortSignal.abort(), onGiveUp })).rejects.toMatchObject({
      code: "ABORTED",
    });
    expect(probe).not.toHaveBeenCalled();
    expect(onGiveUp).toHaveBeenCalledTimes(1);
  });

  it("bounds a hanging onGiveUp by giveUpTimeoutMs and aborts its signal", async () => {
    vi.useFakeTimers();
    let hookSignal: AbortSignal | undefined;
    const waiting = waitFor(scripted([]), {
      timeoutMs: 100,
      giveUpTimeoutMs: 2_000,
      onGiveUp: (_info, signal) => {
        hookSignal = signal;
        return new Promise(() => {});
      },
    });
    const settled = expect(waiting).rejects.toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(100);
    expect(hookSignal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(2_000);
    await settled;
    expect(hookSignal?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps a failing onGiveUp from hiding why the wait ended", async () => {
    await expect(
      waitFor(scripted([]), {
        signal: AbortSignal.abort(),
        onGiveUp: () => {
          throw new Error("StopQueryExecution failed");
        },
      }),
    ).rejects.toBeInstanceOf(AbortedError);
  });

  it("runs under a caller's Deadline without disposing it", async () => {
    vi.useFakeTimers();
    const deadline = Deadline.start({}, 300, "running the whole job");
    const waiting = waitFor(scripted([]), { deadline, minDelayMs: 50, maxDelayMs: 50 });
    const settled = expect(waiting).rejects.toMatchObject({
      code: "TIMEOUT",
      message: expect.stringContaining("running the whole job"),
    });
    await vi.advanceTimersByTimeAsync(300);
    await settled;
    deadline.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    [{ minDelayMs: 500, maxDelayMs: 100 }, /maxDelayMs/],
    [{ minDelayMs: -1 }, /minDelayMs/],
    [{ timeoutMs: 0 }, /timeoutMs/],
    [{ giveUpTimeoutMs: Number.NaN }, /giveUpTimeoutMs/],
  ])("refuses %j with ValidationError", async (options, field) => {
    const probe = vi.fn(scripted([]));
    const error = await waitFor(probe, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(field);
    expect(probe).not.toHaveBeenCalled();
  });
});

// What one scripted probe does: answer after `ms` (honouring the signal), or throw.
type Step =
  | { kind: "pending" | "retry"; ms: number; delayMs?: number | undefined }
  | { kind: "done" | "failed" | "throw"; ms: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constantFrom("pending" as const, "retry" as const),
      ms: fc.integer({ min: 0, max: 300 }),
      delayMs: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom("done" as const, "failed" as const, "throw" as const),
      ms: fc.integer({ min: 0, max: 300 }),
    }),
  },
);

describe("waitFor: every wait ends (property)", () => {
  it("settles within its deadline plus the give-up bound, clears every timer, and gives up exactly once or never", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { maxLength: 40 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 3_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.option(fc.integer({ min: 0, max: 12_000 }), { nil: undefined }),
        fc.constantFrom("quick", "hangs", "throws", "none"),
        fc.integer({ min: 1, max: 2_000 }),
        async (steps, minDelayMs, extraDelayMs, timeoutMs, abortAt, hook, giveUpTimeoutMs) => {
          vi.useFakeTimers();
          try {
            const controller = new AbortController();
            let abortPending = abortAt !== undefined;
            const abortTimer =
              abortAt === undefined
                ? undefined
                : setTimeout(() => {
                    abortPending = false;
                    controller.abort(new Error("caller gave up"));
                  }, abortAt);
            // Timers still set the moment the wait settles, other than this test's own abort timer.
            const leftBehind = () => vi.getTimerCount() - (abortPending ? 1 : 0);
            const giveUps: GiveUpInfo[] = [];
            const sleeps: { at: number; ms: number }[] = [];
            const started = Date.now();
            let call = 0;
            const probe = async (signal: AbortSignal): Promise<ProbeResult<string>> => {
              const step = steps[call++] ?? { kind: "pending", ms: 10 };
              await sleep(step.ms, signal);
              switch (step.kind) {
                case "done":
                  return { state: "done", value: "ok" };
                case "failed":
                  return { state: "failed", error: new FmopsError("BATCH_JOB_FAILED", "failed") };
                case "throw":
                  throw new Error("fatal");
                default:
                  return step.delayMs === undefined
                    ? { state: step.kind, error: new Error("transient") }
                    : { state: step.kind, error: new Error("transient"), delayMs: step.delayMs };
              }
            };
            let outcome:
              | { at: number; timers: number; value?: string; error?: unknown }
              | undefined;
            waitFor(probe, {
              signal: controller.signal,
              timeoutMs,
              minDelayMs,
              maxDelayMs: minDelayMs + extraDelayMs,
              giveUpTimeoutMs,
              onPoll: (e) => {
                if (e.nextDelayMs !== undefined) sleeps.push({ at: Date.now(), ms: e.nextDelayMs });
              },
              ...(hook === "none"
                ? {}
                : {
                    onGiveUp: (info: GiveUpInfo, signal: AbortSignal) => {
                      giveUps.push(info);
                      if (hook === "throws") throw new Error("cleanup failed");
                      if (hook === "hangs") return new Promise<void>(() => {});
                      return sleep(5, signal);
                    },
                  }),
            }).then(
              (value) => {
                outcome = { at: Date.now(), timers: leftBehind(), value };
              },
              (error: unknown) => {
                outcome = { at: Date.now(), timers: leftBehind(), error };
              },
            );
            // Every wait must be over by its deadline plus the give-up bound, whatever happens.
            await vi.advanceTimersByTimeAsync(timeoutMs + giveUpTimeoutMs);
            expect(outcome).toBeDefined();
            const endedAt = outcome?.at ?? Number.NaN;
            expect(outcome?.timers).toBe(0);
            if (abortTimer !== undefined) clearTimeout(abortTimer);
            expect(vi.getTimerCount()).toBe(0);

            const error = outcome?.error;
            const gaveUp = error instanceof TimeoutError || error instanceof AbortedError;
            expect(giveUps).toHaveLength(gaveUp && hook !== "none" ? 1 : 0);
            if (!gaveUp) expect(endedAt - started).toBeLessThanOrEqual(timeoutMs);
            if (gaveUp) {
              const info = giveUps[0];
              if (info) {
                expect(info.cause).toBe(error instanceof TimeoutError ? "timeout" : "abort");
                expect(info.reason).toBe(error);
              }
              // The wait noticed the give-up when it happened, not after a sleep ran its course.
              const firedAt = Math.min(timeoutMs, abortAt ?? Number.POSITIVE_INFINITY);
              expect(endedAt - started).toBeLessThanOrEqual(firedAt + giveUpTimeoutMs);
            }
            for (const s of sleeps) expect(s.at - started).toBeLessThanOrEqual(timeoutMs);
          } finally {
            vi.useRealTimers();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
