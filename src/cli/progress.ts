/**
 * Evaluation progress on standard error: a `cli-progress` bar on a terminal, and plain periodic
 * lines (`120/500 records, 2 failed`) when stderr is a file or a CI log, where a redrawn bar
 * would leave control characters.
 *
 * @module
 */
import cliProgress from "cli-progress";
import type { EvaluationProgress } from "../evaluation/index.js";
import type { CliIo } from "./io.js";

/** Shows progress; `stop()` must be called once the run ends, however it ends. */
export interface ProgressReporter {
  /** Takes the latest progress. */
  update(progress: EvaluationProgress): void;
  /** Draws the final state and releases the terminal (and the bar's redraw timer). */
  stop(): void;
}

/** Options of {@link progressReporter}. */
export interface ProgressReporterOptions {
  /** Records to run, when known; without it, a terminal gets plain lines too. */
  total?: number | undefined;
  /** Show nothing. */
  quiet?: boolean | undefined;
  /** Plain mode: the longest wait between two lines, in milliseconds. Default 15 000. */
  intervalMs?: number | undefined;
  /** Clock in milliseconds, for the plain mode's interval. Default `Date.now`. */
  now?: (() => number) | undefined;
}

/** `120/500 records, 2 failed` (with `, 100 resumed` when some came from an earlier run). */
export function progressLine(p: EvaluationProgress): string {
  const of = p.total === undefined ? "" : `/${p.total}`;
  const resumed = p.resumed > 0 ? `, ${p.resumed} resumed` : "";
  return `${p.completed}${of} records, ${p.failed} failed${resumed}`;
}

const silent: ProgressReporter = { update() {}, stop() {} };

/**
 * A reporter writing to `stream`: a bar when `stream.isTTY` and the total is known, otherwise a
 * line at every tenth of the total (every 100 records when the total is unknown) or after
 * `intervalMs` without one, and a last line on `stop()`.
 */
export function progressReporter(
  stream: CliIo["stderr"],
  options: ProgressReporterOptions = {},
): ProgressReporter {
  if (options.quiet) return silent;
  const { total } = options;
  if (stream.isTTY === true && total !== undefined && total > 0) return barReporter(stream, total);
  return lineReporter(stream, options);
}

function barReporter(stream: CliIo["stderr"], total: number): ProgressReporter {
  const bar = new cliProgress.SingleBar({
    // cli-progress only calls write() (and reads isTTY / columns) on the stream it is given.
    stream: stream as unknown as NodeJS.WritableStream,
    format:
      "{bar} {percentage}% | {value}/{total} records | {failed} failed{resumed} | ETA {eta_formatted}",
    barCompleteChar: "\u2588",
    barIncompleteChar: "\u2591",
    hideCursor: false,
    etaBuffer: 50,
    fps: 5,
  });
  const payload = (p: { failed: number; resumed: number }) => ({
    failed: p.failed,
    resumed: p.resumed > 0 ? ` | ${p.resumed} resumed` : "",
  });
  bar.start(total, 0, payload({ failed: 0, resumed: 0 }));
  let stopped = false;
  return {
    update(p) {
      if (!stopped) bar.update(p.completed, payload(p));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

function lineReporter(stream: CliIo["stderr"], options: ProgressReporterOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 15_000;
  const step = options.total === undefined ? 100 : Math.max(1, Math.ceil(options.total / 10));
  let last: EvaluationProgress | undefined;
  let printed: string | undefined;
  let nextAt = step;
  let lastTime = now();
  const print = (p: EvaluationProgress) => {
    // A streamed dataset's progress has no total; the caller may have counted it.
    const line = progressLine({ ...p, total: p.total ?? options.total });
    if (line === printed) return;
    printed = line;
    lastTime = now();
    stream.write(`${line}\n`);
  };
  let stopped = false;
  return {
    update(p) {
      if (stopped) return;
      last = p;
      if (p.completed >= nextAt) {
        while (nextAt <= p.completed) nextAt += step;
        print(p);
      } else if (now() - lastTime >= intervalMs) print(p);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (last !== undefined) print(last);
    },
  };
}
