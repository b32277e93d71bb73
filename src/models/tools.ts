/**
 * {@link runTools}: a bounded tool-use loop. The model is called, the tools it asks for are run,
 * their results go back to it, until it answers without a tool call, a step limit, a deadline or
 * an abort. Not an agent framework: one conversation, the caller's functions, nothing hidden.
 *
 * @module
 */
import type { z } from "zod";
import {
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  Deadline,
  FmopsError,
  redact,
  type TokenUsage,
  ValidationError,
} from "../core/index.js";
import {
  abortError,
  addUsage,
  type ContentBlock,
  type ToolCall,
  type ToolResultBlock,
  type ToolSpec,
} from "../core/internal.js";
import { validateChatRequest } from "./request.js";
import type { ChatModel } from "./types.js";

/** What a tool's `execute` receives besides its input. */
export interface ToolContext {
  /** Aborts when the caller aborts or the loop's deadline passes; pass it to your I/O. */
  signal: AbortSignal;
  /** The model's id for this call. */
  toolUseId: string;
  /** The zero-based step (model call) that asked for this tool. */
  step: number;
}

/**
 * A {@link ToolSpec} with the function that runs it. `execute` gets the input parsed by
 * `inputSchema` and returns a string (sent as is) or any JSON-serialisable value (sent as JSON).
 */
export interface RunnableTool<S extends z.ZodType = z.ZodType> extends ToolSpec {
  /** The input schema; `execute` receives its parsed output. */
  inputSchema: S;
  /** Runs the tool. A thrown error goes back to the model as an error result. */
  execute(input: z.output<S>, ctx: ToolContext): Promise<unknown>;
}

/** A request to {@link runTools}: a chat request whose tools can run, plus the loop's limits. */
export interface RunToolsRequest extends Omit<ChatRequest, "tools"> {
  /** The tools the model may call. */
  // biome-ignore lint/suspicious/noExplicitAny: each tool's input type is its own schema's
  tools: RunnableTool<any>[];
  /** Most model calls in the loop. Default 8. */
  maxSteps?: number;
  /** Deadline of the whole loop from the first request, tool runs included. Default 300 000 ms. */
  timeoutMs?: number;
  /** Cancels the loop, the model call in flight and (through `ctx.signal`) the running tools. */
  signal?: AbortSignal;
}

/** One tool run within a step. */
export interface ToolRun {
  /** The call as the model made it (with `inputError` when its input was rejected). */
  call: ToolCall;
  /** The result block sent back to the model. */
  result: ToolResultBlock;
  /** What `execute` returned, when it ran and succeeded. */
  output?: unknown;
  /** Why the call failed: the input error, or the message of what `execute` threw. */
  error?: string;
}

/** One model call of the loop and the tools it ran. */
export interface ToolStep {
  /** Zero-based. */
  step: number;
  /** The model's answer. */
  response: ChatResponse;
  /** The tools run for it, in the order the model asked (empty on the final step). */
  toolRuns: ToolRun[];
}

/** What {@link runTools} returns. */
export interface RunToolsResult {
  /** The model's final answer text. */
  text: string;
  /** Every step, in order. */
  steps: ToolStep[];
  /** Token counts summed over every step. */
  usage: TokenUsage;
  /** The whole conversation, the final answer included, to continue it later. */
  messages: ChatMessage[];
}

/** Thrown when the model still calls tools after `maxSteps` model calls. Code `TOOL_MAX_STEPS`. */
export class ToolStepLimitError extends FmopsError {
  /** The steps taken. */
  readonly steps: ToolStep[];

  constructor(steps: ToolStep[], maxSteps: number) {
    super(
      "TOOL_MAX_STEPS",
      `The model was still calling tools after ${maxSteps} steps (last: ${steps
        .at(-1)
        ?.toolRuns.map((r) => r.call.name)
        .join(", ")}). Raise maxSteps, or make the tools' results answer the question directly.`,
    );
    this.steps = steps;
  }
}

const DEFAULT_MAX_STEPS = 8;
const DEFAULT_TIMEOUT_MS = 300_000;
const MAX_ERROR_CHARS = 1000;

/**
 * Runs a tool-use conversation: calls the model with the tools, runs every tool it asks for
 * (in order, each with `ctx.signal`), sends the results back, and repeats until the model
 * answers without calling a tool.
 *
 * A call whose input fails the tool's zod schema is not run: the validation error goes back to
 * the model as a tool result with `isError: true`, so it can correct itself; so does the message
 * of an error a tool throws. After `maxSteps` model calls that still ask for tools it throws
 * {@link ToolStepLimitError}; past `timeoutMs` (from the first request) `TimeoutError`; on abort
 * `AbortedError`, without waiting for a tool that ignores its signal.
 *
 * @example
 * ```ts
 * const { text, steps } = await runTools(model, {
 *   messages: [{ role: "user", content: "Where is order 42?" }],
 *   tools: [{
 *     name: "order_status",
 *     description: "Looks up an order's status by id.",
 *     inputSchema: z.object({ orderId: z.int() }),
 *     execute: async ({ orderId }, { signal }) => orders.status(orderId, { signal }),
 *   }],
 * });
 * ```
 */
export async function runTools(
  model: ChatModel,
  request: RunToolsRequest,
): Promise<RunToolsResult> {
  const { maxSteps = DEFAULT_MAX_STEPS, timeoutMs, signal, ...chat } = request;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) {
    throw new ValidationError(`Invalid runTools request: maxSteps must be a positive integer.`, [
      { path: "maxSteps", message: "must be a positive integer" },
    ]);
  }
  for (const [i, tool] of chat.tools.entries()) {
    if (typeof tool.execute !== "function") {
      throw new ValidationError(
        `Invalid runTools request: tools.${i}.execute must be a function (tool "${tool.name}").`,
        [{ path: `tools.${i}.execute`, message: "must be a function" }],
      );
    }
  }
  validateChatRequest(chat);
  const deadline = Deadline.start({ signal, timeoutMs }, DEFAULT_TIMEOUT_MS, "running tools");
  const messages: ChatMessage[] = [...chat.messages];
  const steps: ToolStep[] = [];
  const usage: TokenUsage = {};
  try {
    for (let step = 0; step < maxSteps; step++) {
      deadline.throwIfDone();
      const response = await model.generate(
        { ...chat, messages },
        { signal: deadline.signal, timeoutMs: Math.max(1, deadline.remainingMs()) },
      );
      addUsage(usage, response.usage);
      const calls = response.toolCalls ?? [];
      const record: ToolStep = { step, response, toolRuns: [] };
      steps.push(record);
      messages.push({ role: "assistant", content: assistantContent(response) });
      if (calls.length === 0) return { text: response.text, steps, usage, messages };
      for (const call of calls) {
        record.toolRuns.push(await runOne(chat.tools, call, step, deadline));
      }
      messages.push({ role: "user", content: record.toolRuns.map((run) => run.result) });
    }
    throw new ToolStepLimitError(steps, maxSteps);
  } catch (err) {
    if (deadline.signal.aborted) throw abortError(deadline.signal);
    throw err;
  } finally {
    deadline.dispose();
  }
}

/** The assistant turn to send back: the model's own blocks, or text plus its tool uses. */
function assistantContent(response: ChatResponse): ContentBlock[] | string {
  if (response.content?.length) return response.content;
  const calls = response.toolCalls ?? [];
  if (calls.length === 0) return response.text === "" ? " " : response.text;
  const blocks: ContentBlock[] = [];
  if (response.text !== "") blocks.push({ type: "text", text: response.text });
  for (const call of calls)
    blocks.push({ type: "toolUse", id: call.id, name: call.name, input: call.input });
  return blocks;
}

async function runOne(
  tools: readonly RunnableTool[],
  call: ToolCall,
  step: number,
  deadline: Deadline,
): Promise<ToolRun> {
  const tool = tools.find((t) => t.name === call.name);
  let error = call.inputError;
  let input = call.input;
  if (error === undefined && tool) {
    // Adapters validate against the request's tools; check again in case one did not.
    const parsed = tool.inputSchema.safeParse(call.input);
    if (parsed.success) input = parsed.data;
    else
      error = `Invalid input for tool "${call.name}": ${parsed.error.issues.map((i) => `${i.path.join(".") || "(input)"}: ${i.message}`).join("; ")}.`;
  } else if (error === undefined) {
    error = `There is no tool named "${call.name}". Tools: ${tools.map((t) => t.name).join(", ")}.`;
  }
  if (error !== undefined || !tool) {
    const message = error ?? "unknown tool";
    return { call, error: message, result: errorResult(call.id, message) };
  }
  try {
    const output = await untilAborted(
      tool.execute(input, { signal: deadline.signal, toolUseId: call.id, step }),
      deadline.signal,
    );
    const content = typeof output === "string" ? output : (JSON.stringify(output) ?? "null");
    return { call, output, result: { type: "toolResult", toolUseId: call.id, content } };
  } catch (err) {
    if (deadline.signal.aborted) throw abortError(deadline.signal);
    const message = `Tool "${call.name}" failed: ${redact(err instanceof Error ? err.message : String(err), MAX_ERROR_CHARS)}`;
    return { call, error: message, result: errorResult(call.id, message) };
  }
}

function errorResult(toolUseId: string, message: string): ToolResultBlock {
  return { type: "toolResult", toolUseId, content: message, isError: true };
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (a tool may ignore its signal). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
