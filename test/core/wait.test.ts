import { afterEach, describe, expect, it, vi } from "vitest";
import { AbortedError, FmopsError, TimeoutError, ValidationError } from "../../src/core/errors.js";
import {
  abortError,
  checkTimeoutMs,
  Deadline,
  MAX_TIMER_MS,
  sleep,
  throwIfAborted,
  withDeadline,
} from "../../src/core/wait.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("abortError / throwIfAborted", () => {
  it("passes FmopsError reasons through and wraps anything else in AbortedError", () => {
    const timeout = new TimeoutError("late", 5);
    const controller = new AbortController();
    controller.abort(timeout);
    expect(abortError(controller.signal)).toBe(timeout);

    const other = new AbortController();
    const reason = new Error("user closed the tab");
    other.abort(reason);
    const error = abortError(other.signal);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error.unsafeCause()).toBe(reason);
  });

  it("throws only for an aborted signal", () => {
    expect(() => throwIfAborted(undefined)).not.toThrow();
    expect(() => throwIfAborted(new AbortController().signal)).not.toThrow();
    expect(() => throwIfAborted(AbortSignal.abort())).toThrow(AbortedError);
  });
});

describe("sleep", () => {
  it("resolves after the delay and leaves no timer or listener behind", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, "removeEventListener");
    let done = false;
    const pending = sleep(1_000, controller.signal).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(remove).toHaveBeenCalledWith("abort", expect.any(Function));
  });

  it("rejects with AbortedError on abort and clears its timer", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects at once for an already aborted signal, without a timer", async () => {
    vi.useFakeTimers();
    await expect(sleep(10, AbortSignal.abort())).rejects.toMatchObject({ code: "ABORTED" });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clamps delays beyond setTimeout's range instead of firing at once", async () => {
    vi.useFakeTimers();
    let done = false;
    void sleep(MAX_TIMER_MS * 10).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(done).toBe(false);
    vi.clearAllTimers();
  });

  it("treats negative delays as zero", async () => {
    await expect(sleep(-5)).resolves.toBeUndefined();
  });
});

describe("checkTimeoutMs", () => {
  it("accepts 1 .. MAX_TIMER_MS and names the field otherwise", () => {
    expect(checkTimeoutMs(1)).toBe(1);
    expect(checkTimeoutMs(MAX_TIMER_MS)).toBe(MAX_TIMER_MS);
    for (const bad of [0, -1, Number.NaN, MAX_TIMER_MS + 1, Number.POSITIVE_INFINITY]) {
      expect(() => checkTimeoutMs(bad, "waitMs")).toThrow(ValidationError);
    }
    expect(() => checkTimeoutMs(0, "pollTimeoutMs")).toThrow(
      expect.objectContaining({
        issues: [expect.objectContaining({ path: "pollTimeoutMs" })],
        message: expect.stringContaining("pollTimeoutMs"),
      }),
    );
  });
});

describe("Deadline", () => {
  it("aborts with a TimeoutError (code TIMEOUT) naming what timed out", async () => {
    vi.useFakeTimers();
    const deadline = Deadline.start({ timeoutMs: 500 }, 30_000, "waiting for the endpoint");
    expect(deadline.timeoutMs).toBe(500);
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.remainingMs()).toBe(500);
    await vi.advanceTimersByTimeAsync(200);
    expect(deadline.remainingMs()).toBe(300);
    await vi.advanceTimersByTimeAsync(300);
    expect(deadline.signal.aborted).toBe(true);
    const reason = deadline.signal.reason as TimeoutError;
    expect(reason).toBeInstanceOf(TimeoutError);
    expect(reason.code).toBe("TIMEOUT");
    expect(reason.timeoutMs).toBe(500);
    expect(reason.message).toContain("500 ms waiting for the endpoint");
    expect(() => deadline.throwIfDone()).toThrow(TimeoutError);
    expect(deadline.remainingMs()).toBe(0);
    deadline.dispose();
  });

  it("uses the default when no timeoutMs is given", () => {
    const deadline = Deadline.start({}, 1_234, "x");
    expect(deadline.timeoutMs).toBe(1_234);
    deadline.dispose();
  });

  it("aborts with AbortedError when the caller's signal aborts", () => {
    const controller = new AbortController();
    const deadline = Deadline.start({ signal: controller.signal }, 60_000, "x");
    const reason = new Error("stop");
    controller.abort(reason);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBeInstanceOf(AbortedError);
    expect((deadline.signal.reason as AbortedError).unsafeCause()).toBe(reason);
    deadline.dispose();
  });

  it("starts aborted when the caller's signal already is", () => {
    const deadline = Deadline.start({ signal: AbortSignal.abort() }, 60_000, "x");
    expect(deadline.signal.aborted).toBe(true);
    expect(() => deadline.throwIfDone()).toThrow(AbortedError);
    deadline.dispose();
  });

  it("dispose clears the timer and detaches from the caller's signal", () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const deadline = Deadline.start({ signal: controller.signal, timeoutMs: 100 }, 1, "x");
    expect(vi.getTimerCount()).toBe(1);
    deadline.dispose();
    deadline.dispose(); // idempotent
    expect(vi.getTimerCount()).toBe(0);
    controller.abort();
    expect(deadline.signal.aborted).toBe(false);
  });

  it("rejects invalid timeouts", () => {
    expect(() => Deadline.start({ timeoutMs: 0 }, 1_000, "x")).toThrow(ValidationError);
    expect(() => Deadline.start({}, -1, "x")).toThrow(ValidationError);
  });
});

describe("withDeadline", () => {
  /** Waits for `signal` like fetch does: rejects with a DOMException AbortError. */
  const transport = (signal: AbortSignal) =>
    new Promise<string>((_resolve, reject) => {
      signal.addEventListener("abort", () =>
        reject(new DOMException("This operation was aborted", "AbortError")),
      );
    });

  it("returns the result and disposes the deadline", async () => {
    vi.useFakeTimers();
    const result = await withDeadline({}, 5_000, "x", async (signal, deadline) => {
      expect(signal).toBe(deadline.signal);
      return 42;
    });
    expect(result).toBe(42);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("replaces the transport's AbortError with the deadline's TimeoutError", async () => {
    const error = await withDeadline({ timeoutMs: 5 }, 60_000, "fetching", transport).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toContain("fetching");
  });

  it("replaces it with AbortedError when the caller aborts", async () => {
    const controller = new AbortController();
    const pending = withDeadline({ signal: controller.signal }, 60_000, "x", transport);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
  });

  it("passes other errors through and never calls fn for an aborted signal", async () => {
    const own = new FmopsError("UNEXPECTED_RESPONSE", "own");
    await expect(
      withDeadline({}, 1_000, "x", async () => {
        throw own;
      }),
    ).rejects.toBe(own);
    const fn = vi.fn(async () => 1);
    await expect(withDeadline({ signal: AbortSignal.abort() }, 1_000, "x", fn)).rejects.toThrow(
      AbortedError,
    );
    expect(fn).not.toHaveBeenCalled();
  });
});
