/**
 * Validation of {@link ChatRequest}s, shared by every adapter so that bad input fails the same
 * way, before any network call, whichever model is behind it.
 *
 * @module
 */
import { z } from "zod";
import type { ChatRequest } from "../core/chat.js";
import { parseOptions } from "../core/options.js";

/** The zod schema of a {@link ChatRequest}. */
export const chatRequestSchema: z.ZodType<ChatRequest> = z.object({
  system: z.string().optional(),
  messages: z
    .array(z.object({ role: z.enum(["user", "assistant"]), content: z.string() }))
    .min(1, "must hold at least one message"),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.int().positive().optional(),
  topP: z.number().gt(0).max(1).optional(),
  stopSequences: z.array(z.string().min(1)).optional(),
});

/**
 * Checks a request, throwing a `ValidationError` that names each bad field
 * (e.g. `messages.0.role`).
 */
export function validateChatRequest(request: ChatRequest): ChatRequest {
  return parseOptions(chatRequestSchema, request, "chat request");
}
