/**
 * zod schemas for options that take a model, shared by every module that accepts one, so that
 * each says the same thing when given something else.
 *
 * @module
 */
import { z } from "zod";
import type { ChatModel } from "./types.js";

const isFunction = (v: unknown): boolean => typeof v === "function";

/**
 * The zod schema of a {@link ChatModel} option: any object with `generate()` (and `stream()` too
 * when `needsStream`, for callers that stream). Every fmops class that takes a model validates it
 * with this schema, so a component of your own that takes a `ChatModel` can refuse a wrong value
 * with the same message.
 *
 * @example
 * ```ts
 * const optionsSchema = z.object({ model: chatModelSchema(), maxTurns: z.int().positive() }).strict();
 * ```
 */
export function chatModelSchema(needsStream = false) {
  return z.custom<ChatModel>(
    (v) =>
      typeof v === "object" &&
      v !== null &&
      isFunction((v as Partial<ChatModel>).generate) &&
      (!needsStream || isFunction((v as Partial<ChatModel>).stream)),
    needsStream
      ? "must be a ChatModel (an object with generate() and stream())"
      : "must be a ChatModel (an object with generate())",
  );
}
