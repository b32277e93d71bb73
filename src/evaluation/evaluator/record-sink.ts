/**
 * Where per-record JSON Lines go: a callback, a Node `Writable`, or a web stream writer.
 *
 * @module
 */
import { z } from "zod";

/**
 * A destination for per-record JSON lines: a function called with each line (no trailing
 * newline), or any object with `write(chunk)` (a Node `Writable`, a `WritableStreamDefaultWriter`)
 * which receives each line followed by `"\n"`. A returned promise is awaited; a Node stream whose
 * `write` returns `false` is waited on until `"drain"`.
 */
export type RecordSink =
  | ((line: string) => void | Promise<void>)
  | {
      /** Writes one chunk; a Node stream returns `false` when its buffer is full. */
      write(chunk: string): unknown;
      /** Node streams: waits for `"drain"` before the next write. */
      once?: (event: "drain", listener: () => void) => unknown;
    };

/** The options check for a {@link RecordSink}: a function, or an object with `write()`. */
export const recordSinkSchema = z.custom<RecordSink>(
  (v) =>
    typeof v === "function" ||
    (typeof v === "object" && v !== null && typeof (v as { write?: unknown }).write === "function"),
  "must be a function or have a write() method",
);

/**
 * Serializes writes to `sink` so that lines from concurrent records never interleave, and
 * applies the sink's backpressure.
 */
export function sinkWriter(sink: RecordSink): (line: string) => Promise<void> {
  let tail: Promise<void> = Promise.resolve();
  const writeOne = async (line: string): Promise<void> => {
    if (typeof sink === "function") {
      await sink(line);
      return;
    }
    const result = sink.write(`${line}\n`);
    if (result instanceof Promise) await result;
    else if (result === false && typeof sink.once === "function") {
      const once = sink.once.bind(sink);
      await new Promise<void>((resolve) => {
        once("drain", resolve);
      });
    }
  };
  return (line) => {
    const next = tail.then(() => writeOne(line));
    // Keep the chain alive after a failed write; the failure reaches the caller through `next`.
    tail = next.catch(() => {});
    return next;
  };
}
