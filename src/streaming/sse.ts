/**
 * Server-sent events (`text/event-stream`) parsing, following the WHATWG HTML "event stream
 * interpretation" rules.
 *
 * @module
 */

/** One dispatched server-sent event. */
export interface SseEvent {
  /** The `event:` field; `"message"` when the event did not name one. */
  event: string;
  /** The `data:` lines joined with `"\n"`. */
  data: string;
  /** The last event ID seen in the stream so far (`id:` persists across events), when one was set. */
  id?: string;
  /** The reconnection time from a `retry:` field received with this event, in milliseconds. */
  retry?: number;
}

const SPACE = 32;

/**
 * A line-at-a-time SSE parser: feed it lines (without their terminators) and it returns each
 * event when the blank line that ends it arrives. Used by {@link parseSse} and by the fast path
 * of {@link decodeResponseStream}.
 *
 * Rules: a line starting with `:` is a comment; `field: value` loses one space after the colon;
 * a line without a colon is a field with an empty value; `data` lines are joined with `"\n"`;
 * `event`, `id` (ignored when it contains U+0000) and `retry` (ASCII digits only) are honoured and
 * other fields ignored; a blank line dispatches, and an event whose data buffer is empty is
 * dropped. A lone `\r` inside a line also ends a line, as the spec allows.
 *
 * @example
 * ```ts
 * const parser = new SseParser();
 * const events: SseEvent[] = [];
 * parser.push("data: hello", events); // events: []
 * parser.push("", events);            // events: [{ event: "message", data: "hello" }]
 * ```
 */
export class SseParser {
  #data = "";
  #hasData = false;
  #eventType = "";
  #lastEventId = "";
  #retry: number | undefined;

  /**
   * Takes one line (without its terminator) and appends the events it completes to `out`: none,
   * or one on a blank line (more only when lone `\r`s split the line into several).
   */
  push(line: string, out: SseEvent[]): void {
    if (line.length === 0) {
      const event = this.#dispatch();
      if (event !== undefined) out.push(event);
    } else if (line.indexOf("\r") === -1) {
      this.#field(line);
    } else {
      for (const part of line.split("\r")) this.push(part, out);
    }
  }

  /**
   * Ends the stream. Returns the last event when the stream stopped without the blank line that
   * would dispatch it (the spec discards it, but model servers do end that way).
   */
  end(): SseEvent | undefined {
    return this.#dispatch();
  }

  #field(line: string): void {
    const colon = line.indexOf(":");
    if (colon === 0) return; // comment
    let name: string;
    let value: string;
    if (colon === -1) {
      name = line;
      value = "";
    } else {
      name = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === SPACE ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (name) {
      case "data":
        if (this.#hasData) this.#data += `\n${value}`;
        else {
          this.#data = value;
          this.#hasData = true;
        }
        break;
      case "event":
        this.#eventType = value;
        break;
      case "id":
        if (value.indexOf("\u0000") === -1) this.#lastEventId = value;
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) this.#retry = Number(value);
        break;
      default:
        // Unknown fields are ignored, as the spec requires.
        break;
    }
  }

  #dispatch(): SseEvent | undefined {
    const hasData = this.#hasData;
    const event: SseEvent = { event: this.#eventType || "message", data: this.#data };
    if (this.#lastEventId !== "") event.id = this.#lastEventId;
    if (this.#retry !== undefined) event.retry = this.#retry;
    this.#data = "";
    this.#hasData = false;
    this.#eventType = "";
    this.#retry = undefined;
    return hasData ? event : undefined;
  }
}

/**
 * Parses server-sent events out of lines (e.g. a {@link LineIterator}). Events are dispatched on
 * a blank line; a final event not followed by a blank line is dispatched when the lines end.
 * Stopping early closes the line source.
 *
 * @example
 * ```ts
 * for await (const event of parseSse(new LineIterator(body))) {
 *   if (event.data === "[DONE]") break;
 *   console.log(event.event, JSON.parse(event.data));
 * }
 * ```
 */
export async function* parseSse(lines: AsyncIterable<string>): AsyncGenerator<SseEvent, void> {
  const parser = new SseParser();
  const out: SseEvent[] = [];
  for await (const line of lines) {
    parser.push(line, out);
    if (out.length > 0) {
      for (const event of out) yield event;
      out.length = 0;
    }
  }
  const last = parser.end();
  if (last !== undefined) yield last;
}
