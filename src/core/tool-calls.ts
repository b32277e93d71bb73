/**
 * Tool calls: assembling them from streamed fragments and checking their input against the
 * tool's zod schema. Shared by every adapter and by {@link TokenStream}, so that a call is
 * validated the same way whether it arrived whole or in pieces.
 *
 * @module
 */
import type { ToolCall, ToolSpec } from "./chat.js";

// The model sees this text when its input was rejected, so it is capped but not redacted.
const MAX_ISSUES = 10;

/**
 * Checks a tool call's input against the declared tool: an unknown tool, or input that fails the
 * tool's `inputSchema`, gives a call with `inputError` (and the input as sent); valid input is
 * replaced by the schema's parsed output (defaults filled in, transforms applied).
 */
export function checkToolCall(call: ToolCall, tools: readonly ToolSpec[] | undefined): ToolCall {
  if (call.inputError !== undefined || !tools) return call;
  const tool = tools.find((t) => t.name === call.name);
  if (!tool) {
    const known = tools.map((t) => t.name).join(", ");
    return { ...call, inputError: `There is no tool named "${call.name}". Tools: ${known}.` };
  }
  const parsed = tool.inputSchema.safeParse(call.input);
  if (parsed.success) return { id: call.id, name: call.name, input: parsed.data };
  const issues = parsed.error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "(input)";
    return `${path}: ${issue.message}`;
  });
  return {
    ...call,
    inputError: `Invalid input for tool "${call.name}": ${issues.join("; ")}. Call it again with input that matches its schema.`,
  };
}

/** The JSON text of a streamed tool input, parsed; `{}` for an empty input. */
function parseInput(json: string): { input: unknown } | { error: string } {
  if (json.trim() === "") return { input: {} };
  try {
    return { input: JSON.parse(json) };
  } catch (err) {
    return { error: `The tool input is not valid JSON (${(err as Error).message}).` };
  }
}

interface PendingCall {
  id: string;
  name: string;
  json: string;
}

/**
 * Builds whole {@link ToolCall}s from a stream's fragments: a start (id and name) per content
 * block index, input JSON fragments for that index, and a stop. Fragments of different calls are
 * kept apart by their index, so two calls in one turn never run together; each call's JSON is
 * parsed once, when it ends.
 */
export class ToolCallAssembler {
  readonly #pending = new Map<number, PendingCall>();
  readonly #done: ToolCall[] = [];

  /** A tool call starts at content block `index`. */
  start(index: number, id: string, name: string): void {
    this.#finish(index);
    this.#pending.set(index, { id, name, json: "" });
  }

  /** Appends an input JSON fragment to the call at `index` (ignored if none was started). */
  delta(index: number, fragment: string): boolean {
    const call = this.#pending.get(index);
    if (!call) return false;
    call.json += fragment;
    return true;
  }

  /** The call at `index` is complete. */
  stop(index: number): void {
    this.#finish(index);
  }

  /** Completes every call still open and returns all calls, in the order they completed. */
  finish(): ToolCall[] {
    for (const index of [...this.#pending.keys()].sort((a, b) => a - b)) this.#finish(index);
    return this.#done;
  }

  #finish(index: number): void {
    const call = this.#pending.get(index);
    if (!call) return;
    this.#pending.delete(index);
    const parsed = parseInput(call.json);
    this.#done.push(
      "input" in parsed
        ? { id: call.id, name: call.name, input: parsed.input }
        : { id: call.id, name: call.name, input: call.json, inputError: parsed.error },
    );
  }
}

/**
 * A finished tool call's input as the JSON text of a stream's `toolUseDelta`, for wrappers that
 * replay another stream's calls: input that was not JSON is passed on as the model sent it, so
 * that the replayed call fails to parse the same way.
 */
export function toolInputJson(call: ToolCall): string {
  return call.inputError !== undefined && typeof call.input === "string"
    ? call.input
    : JSON.stringify(call.input ?? null);
}
