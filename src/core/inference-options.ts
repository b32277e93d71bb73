/**
 * The zod schema of the inference parameters (`maxTokens`, `temperature`, `topP`) that an
 * options object may fix for every request a component sends, shared by every module that takes
 * them so that each checks the same ranges.
 *
 * @module
 */
import { z } from "zod";

/**
 * The inference parameters an options object may fix for every request it sends:
 * `{ maxTokens, temperature, topP }`, within the ranges every adapter accepts.
 */
export const inferenceOptionsSchema = z
  .object({
    maxTokens: z.int().positive().optional(),
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().gt(0).max(1).optional(),
  })
  .strict();
