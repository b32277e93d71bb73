/**
 * What every contract suite shares: the case shape a test framework runs, the error a broken
 * rule throws, and the small checks the suites are written with. No test framework is imported:
 * a case is a name and an async function that throws on a violation, so vitest, jest, node:test,
 * mocha and Deno's test runner can all run it.
 *
 * @module
 */
import { FmopsError, isFmopsError } from "../../core/index.js";

/**
 * One named check of a contract suite. Register each with your test framework:
 *
 * @example
 * ```ts
 * for (const c of chatModelContract(factory)) it(c.name, c.run);
 * ```
 */
export interface ContractCase {
  /** What the case checks, as a sentence (unique within its suite). */
  readonly name: string;
  /** Runs the check; rejects with a {@link ContractViolationError} when the adapter breaks it. */
  run(): Promise<void>;
}

/**
 * An adapter under test, with what to release when a case is done: the factories of every
 * contract suite may return the adapter itself or `{ subject, close }` (stop a stand-in server,
 * destroy a client, delete a temporary folder).
 */
export interface ContractSubject<T> {
  /** The adapter under test. */
  subject: T;
  /** Releases what the factory set up; called once per case, after the case, even when it fails. */
  close?(): Promise<void> | void;
}

/** What a contract factory may return: the adapter, or the adapter with its cleanup. */
type ContractSetup<T> = T | ContractSubject<T>;

/**
 * Builds the adapter under test for one case from what the case says its backend must do (the
 * turn a chat model answers, the documents a retriever holds, the table an engine queries).
 * Called once per case; may be async; returns the adapter or `{ subject, close }`.
 *
 * @example
 * ```ts
 * const factory: ContractFactory<readonly Document[], Retriever> = (corpus) => {
 *   const index = new Bm25Index();
 *   index.add([...corpus]);
 *   return index;
 * };
 * ```
 */
export type ContractFactory<Input, T> = (
  input: Input,
) => Promise<ContractSetup<T>> | ContractSetup<T>;

/**
 * An adapter broke a rule of a contract suite. Code `CONTRACT_VIOLATION`; the message names the
 * suite's rule and what the adapter did instead. `cause` is the adapter's own error when the
 * violation is an error of the wrong kind.
 */
export class ContractViolationError extends FmopsError {
  /** The name of the case that found the violation. */
  readonly contractCase: string;

  constructor(contractCase: string, message: string, options: { cause?: unknown } = {}) {
    super("CONTRACT_VIOLATION", `${contractCase}: ${message}`, { ...options, retryable: false });
    this.name = "ContractViolationError";
    this.contractCase = contractCase;
  }
}

/** Throws {@link ContractViolationError} for `caseName` when `condition` is false. */
export function check(condition: unknown, caseName: string, message: string): asserts condition {
  if (!condition) throw new ContractViolationError(caseName, message);
}

/** Whether `value` is set up as `{ subject, close? }` rather than being the adapter itself. */
function isSubject<T>(value: ContractSetup<T>, isAdapter: (v: unknown) => boolean) {
  return (
    typeof value === "object" &&
    value !== null &&
    "subject" in value &&
    !isAdapter(value) &&
    isAdapter((value as ContractSubject<T>).subject)
  );
}

/**
 * Builds one {@link ContractCase}: sets the subject up with `setup`, runs `body` on it, and
 * always closes it. A factory that returns no adapter of the expected kind is itself a violation.
 */
export function contractCase<T>(
  name: string,
  setup: () => Promise<ContractSetup<T>> | ContractSetup<T>,
  isAdapter: (v: unknown) => boolean,
  kind: string,
  body: (subject: T, name: string) => Promise<void>,
): ContractCase {
  return {
    name,
    async run() {
      const made = await setup();
      const subject = isSubject(made, isAdapter) ? (made as ContractSubject<T>).subject : made;
      const close = isSubject(made, isAdapter) ? (made as ContractSubject<T>).close : undefined;
      try {
        check(
          isAdapter(subject),
          name,
          `the factory must return a ${kind} or { subject, close }, got ${describe(subject)}`,
        );
        await body(subject as T, name);
      } catch (err) {
        if (err instanceof ContractViolationError) throw err;
        // The adapter failed where the contract expects it to work: report it as a violation of
        // this case, keeping the adapter's error as the cause.
        throw new ContractViolationError(
          name,
          `the adapter failed where it must succeed: ${describe(err)}`,
          { cause: err },
        );
      } finally {
        await close?.();
      }
    },
  };
}

/** A short description of a value for a violation message (never the whole value). */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 60)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value !== "object") return String(value);
  if (isFmopsError(value)) return `${value.name} (code ${value.code}): ${value.message}`;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    const json = JSON.stringify(value);
    return json.length > 120 ? `${json.slice(0, 120)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The error `promise` rejected with, or a violation when it resolved. */
export async function rejection(
  promise: Promise<unknown>,
  caseName: string,
  what: string,
): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (err) {
    return err;
  }
  throw new ContractViolationError(
    caseName,
    `${what} must reject, but it resolved with ${describe(value)}`,
  );
}

// Stable codes are upper snake case, as FmopsError's are (`ABORTED`, `AWS_MODEL_ERROR`).
const CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/**
 * Checks that `err` is an {@link FmopsError} with a stable code (and `code` itself when given)
 * and a boolean `retryable`; returns it typed.
 */
export function expectFmopsError(
  err: unknown,
  caseName: string,
  what: string,
  code?: string,
): FmopsError {
  if (!isFmopsError(err)) {
    throw new ContractViolationError(
      caseName,
      `${what} must fail with an FmopsError carrying a stable code, got ${describe(err)}`,
      { cause: err },
    );
  }
  if (!CODE.test(err.code)) {
    throw new ContractViolationError(
      caseName,
      `${what} failed with code ${JSON.stringify(err.code)}, which is not an upper-snake-case code`,
      { cause: err },
    );
  }
  if (code !== undefined && err.code !== code) {
    throw new ContractViolationError(
      caseName,
      `${what} must fail with code ${code}, got ${describe(err)}`,
      { cause: err },
    );
  }
  check(
    typeof err.retryable === "boolean",
    caseName,
    `${what}: the error's retryable must be a boolean`,
  );
  return err;
}

/** An `AbortSignal` that has already aborted, as a caller's cancelled request has. */
export function abortedSignal(): AbortSignal {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
}

/** Whether `value` is a finite number. */
export function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * Resolves with `promise`, or rejects with a violation when it has not settled after
 * `waitMs`: a liveness guard (a read that never ends), not a speed requirement.
 */
export async function settlesWithin<T>(
  promise: Promise<T>,
  waitMs: number,
  caseName: string,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ContractViolationError(
            caseName,
            `${what} did not settle within ${waitMs} ms; it must end promptly instead of hanging`,
          ),
        ),
      waitMs,
    );
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}
