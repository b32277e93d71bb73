/**
 * {@link callCost}: what one recorded model call cost, from the prices the caller states. The
 * prices are the caller's (they differ by region, contract and currency); fmops does the
 * arithmetic the same way for every call so that cost can be summed, compared and alerted on
 * like latency.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import type { InvocationRecord } from "./record.js";

/**
 * Prices for {@link callCost} and `instrument({ prices })`. Set the parts that apply to the
 * model; their costs add up. Prices are in one currency of your choice.
 */
export interface CallPrices {
  /** Token prices, per 1000 tokens (Bedrock on-demand, OpenAI-compatible APIs). */
  tokens?: {
    /** 1000 prompt tokens. */
    inputPer1k: number;
    /** 1000 generated tokens. */
    outputPer1k: number;
    /** 1000 prompt tokens read from the prompt cache. Default: `inputPer1k`. */
    cacheReadPer1k?: number;
    /** 1000 prompt tokens written to the prompt cache. Default: `inputPer1k`. */
    cacheWritePer1k?: number;
  };
  /** Price of one generated image (Bedrock image models bill per image). */
  perImage?: number;
  /**
   * An instance-priced endpoint (SageMaker real-time): each call is charged the instance time
   * it held, `e2eMs / 3 600 000 × pricePerInstanceHour × instances / concurrency`. Idle time is
   * not in it: compare the sum with {@link instanceHourCost} over the same period to see it.
   */
  instanceHour?: {
    /** Price of one instance for one hour. */
    pricePerInstanceHour: number;
    /** Instances behind the endpoint. Default 1. */
    instances?: number;
    /** Calls the endpoint serves at the same time (they share the instance time). Default 1. */
    concurrency?: number;
  };
}

const price = z.number().finite().min(0);

/** zod schema of {@link CallPrices}, shared by `instrument()`'s options. */
export const callPricesSchema = schemaFor<CallPrices>()(
  z
    .object({
      tokens: z
        .object({
          inputPer1k: price,
          outputPer1k: price,
          cacheReadPer1k: price.optional(),
          cacheWritePer1k: price.optional(),
        })
        .strict()
        .optional(),
      perImage: price.optional(),
      instanceHour: z
        .object({
          pricePerInstanceHour: price,
          instances: z.int().min(1).optional(),
          concurrency: z.int().min(1).optional(),
        })
        .strict()
        .optional(),
    })
    .strict()
    .refine(
      (p) => p.tokens !== undefined || p.perImage !== undefined || p.instanceHour !== undefined,
      "set at least one of tokens, perImage, instanceHour",
    ),
);

const MS_PER_HOUR = 3_600_000;

/**
 * The cost of one call under `prices`: token cost (prompt tokens not read from or written to the
 * cache at `inputPer1k`, cached ones at their own rates, generated tokens at `outputPer1k`), plus
 * images times `perImage`, plus the instance time the call held. A part the record has no
 * count for (no token usage reported, no images) adds 0, so a failed call costs what it used.
 *
 * @throws {@link core!ValidationError} when a price is negative or not a number.
 *
 * @example
 * ```ts
 * callCost(record, { tokens: { inputPer1k: 0.003, outputPer1k: 0.015 } });
 * callCost(imageRecord, { perImage: 0.04 });
 * ```
 */
export function callCost(
  record: Pick<
    InvocationRecord,
    "inputTokens" | "outputTokens" | "cacheReadTokens" | "cacheWriteTokens" | "images" | "e2eMs"
  >,
  prices: CallPrices,
): number {
  return pricedCost(record, parseOptions(callPricesSchema, prices, "prices"));
}

/** {@link callCost} for prices already validated (by `instrument()` at construction). */
export function pricedCost(record: Parameters<typeof callCost>[0], p: CallPrices): number {
  let cost = 0;
  if (p.tokens) {
    const cacheRead = record.cacheReadTokens ?? 0;
    const cacheWrite = record.cacheWriteTokens ?? 0;
    // Bedrock reports inputTokens without the cached ones; never count a token twice.
    const input = record.inputTokens ?? 0;
    cost +=
      (input * p.tokens.inputPer1k +
        cacheRead * (p.tokens.cacheReadPer1k ?? p.tokens.inputPer1k) +
        cacheWrite * (p.tokens.cacheWritePer1k ?? p.tokens.inputPer1k) +
        (record.outputTokens ?? 0) * p.tokens.outputPer1k) /
      1000;
  }
  if (p.perImage !== undefined) cost += (record.images ?? 0) * p.perImage;
  if (p.instanceHour) {
    const h = p.instanceHour;
    cost +=
      ((record.e2eMs / MS_PER_HOUR) * h.pricePerInstanceHour * (h.instances ?? 1)) /
      (h.concurrency ?? 1);
  }
  return cost;
}
