/**
 * A TTL cache in front of a remote prompt store (such as Bedrock Prompt Management), with a
 * fallback catalog: an application keeps serving prompts when the store is slow or down.
 *
 * @module
 */
import { z } from "zod";
import { FmopsError, parseOptions, type WaitOptions, withDeadline } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import type { PromptCatalog, PromptSelector } from "./catalog.js";
import type { PromptTemplate } from "./template.js";

/** Anything that can fetch a prompt version asynchronously (a remote store, a catalog). */
export interface PromptSource {
  /** Fetches the selected version of prompt `id`. */
  fetch(id: string, selector: PromptSelector, options?: WaitOptions): Promise<PromptTemplate>;
}

/** Wraps a local {@link PromptCatalog} as a {@link PromptSource}. */
export function catalogSource(catalog: PromptCatalog): PromptSource {
  return { fetch: async (id, selector) => catalog.get(id, selector) };
}

/** Where a {@link CachedPromptSource} answer came from. */
export type PromptOrigin = "cache" | "source" | "stale" | "fallback";

/** Options for {@link CachedPromptSource}. */
export interface CachedPromptSourceOptions {
  /** The remote store. */
  source: PromptSource;
  /** How long a fetched prompt is served without asking the source again. Default 60 000 ms. */
  ttlMs?: number;
  /**
   * Used when the source fails and nothing was ever cached: the same selector is tried, then
   * the fallback's default version of the id (its `production` label, else its newest).
   */
  fallback?: PromptCatalog;
  /** Deadline of one source fetch when the caller gives none. Default 10 000 ms. */
  timeoutMs?: number;
  /** Called when the source fails and a stale or fallback prompt is served instead. */
  onFallback?: (event: { id: string; origin: "stale" | "fallback"; error: unknown }) => void;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** A callback option: checked to be a function; its signature is the options type's. */
function callback<F extends (...args: never[]) => unknown>() {
  return z.custom<F>((v) => typeof v === "function", "must be a function");
}

const optionsSchema = schemaFor<CachedPromptSourceOptions>()(
  z
    .object({
      source: z.custom<PromptSource>(
        (v) =>
          typeof v === "object" && v !== null && typeof (v as PromptSource).fetch === "function",
        "must have a fetch(id, selector) method",
      ),
      ttlMs: z.int().min(0).optional(),
      fallback: z
        .custom<PromptCatalog>(
          (v) =>
            typeof v === "object" && v !== null && typeof (v as PromptCatalog).get === "function",
          "must be a PromptCatalog",
        )
        .optional(),
      timeoutMs: z.int().positive().optional(),
      onFallback: callback<NonNullable<CachedPromptSourceOptions["onFallback"]>>().optional(),
      now: callback<() => number>().optional(),
    })
    .strict(),
);

interface CacheEntry {
  template: PromptTemplate;
  fetchedAt: number;
}

/**
 * Caches prompts fetched from a remote {@link PromptSource} for `ttlMs`. When a refresh fails,
 * it serves the last fetched copy (stale) or, if there is none, the fallback catalog's version;
 * only when neither exists does the source's error reach the caller. Concurrent fetches of the
 * same prompt share one request.
 *
 * @example
 * ```ts
 * const prompts = new CachedPromptSource({ source: bedrockStore, ttlMs: 300_000, fallback: builtinCatalog() });
 * const template = await prompts.fetch("fmops.rag.answer", { label: "production" });
 * ```
 */
export class CachedPromptSource implements PromptSource {
  readonly #options: CachedPromptSourceOptions;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inFlight = new Map<string, Promise<PromptTemplate>>();
  readonly #now: () => number;
  #lastOrigin: PromptOrigin | undefined;

  constructor(options: CachedPromptSourceOptions) {
    this.#options = parseOptions(optionsSchema, options, "CachedPromptSource options");
    this.#now = this.#options.now ?? Date.now;
  }

  /** Where the most recent {@link CachedPromptSource.fetch} answer came from. */
  get lastOrigin(): PromptOrigin | undefined {
    return this.#lastOrigin;
  }

  /** Returns the prompt from the cache when fresh, else from the source (see the class docs). */
  async fetch(
    id: string,
    selector: PromptSelector = {},
    options: WaitOptions = {},
  ): Promise<PromptTemplate> {
    const key = `${id}\u0000${selector.version ?? ""}\u0000${selector.label ?? ""}`;
    const cached = this.#cache.get(key);
    if (cached && this.#now() - cached.fetchedAt < (this.#options.ttlMs ?? 60_000)) {
      this.#lastOrigin = "cache";
      return cached.template;
    }
    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = withDeadline(
        options,
        this.#options.timeoutMs ?? 10_000,
        `fetching prompt "${id}"`,
        (signal) => this.#options.source.fetch(id, selector, { signal }),
      ).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    try {
      const template = await pending;
      this.#cache.set(key, { template, fetchedAt: this.#now() });
      this.#lastOrigin = "source";
      return template;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (cached) return this.#fellBack(id, "stale", error, cached.template);
      const fallback = this.#options.fallback;
      if (fallback?.has(id, selector))
        return this.#fellBack(id, "fallback", error, fallback.get(id, selector));
      if (fallback?.has(id)) return this.#fellBack(id, "fallback", error, fallback.get(id));
      throw error instanceof FmopsError
        ? error
        : new FmopsError(
            "PROMPT_SOURCE_ERROR",
            `Fetching prompt "${id}" failed and no cached or fallback version exists.`,
            { cause: error },
          );
    }
  }

  /** Forgets cached prompts: one id, or everything. */
  invalidate(id?: string): void {
    if (id === undefined) this.#cache.clear();
    else
      for (const key of this.#cache.keys())
        if (key.startsWith(`${id}\u0000`)) this.#cache.delete(key);
  }

  #fellBack(
    id: string,
    origin: "stale" | "fallback",
    error: unknown,
    template: PromptTemplate,
  ): PromptTemplate {
    this.#lastOrigin = origin;
    this.#options.onFallback?.({ id, origin, error });
    return template;
  }
}
