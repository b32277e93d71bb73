/**
 * {@link PromptCatalog}: every prompt by id, its immutable versions, movable labels with a
 * history for rollback, diffs between versions, and JSON export/import.
 *
 * @module
 */
import { z } from "zod";
import type { ChatRequest } from "../core/index.js";
import { FmopsError, parseOptions, ValidationError } from "../core/index.js";
import { schemaFor } from "../core/internal.js";
import { diffDefinitions, type PromptDiff } from "./diff.js";
import { PromptFileError, PromptImmutableError, PromptNotFoundError } from "./errors.js";
import type { RenderOptions } from "./render.js";
import {
  PROMPT_VERSION,
  type PromptDefinition,
  PromptTemplate,
  promptDefinitionSchema,
  type SerializedPromptDefinition,
  toTemplate,
} from "./template.js";

/** Labels: lower-case letters, digits, `_`, `-`. `latest` is reserved (always the newest version). */
export const LABEL_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** The label {@link PromptCatalog.get} uses when given neither version nor label, if it is set. */
export const DEFAULT_LABEL = "production";

/** Picks one version: by exact version, or by label. Neither: `production` if set, else the newest. */
export interface PromptSelector {
  /** An exact version. */
  version?: string;
  /** A label such as `production`, `staging`, or `latest` (the newest registered version). */
  label?: string;
}

/** One entry of a prompt's history, oldest first. */
export type PromptHistoryEvent =
  | {
      /** A new version was registered. */
      type: "register";
      /** The registered version. */
      version: string;
      /** Its content hash (SHA-256 hex). */
      hash: string;
      /** When it happened (ISO 8601). */
      at: string;
    }
  | {
      /** A label was pointed at a version (set, moved or rolled back). */
      type: "label";
      /** The label that moved, e.g. `production`. */
      label: string;
      /** The version the label points at after the move. */
      version: string;
      /** The version the label pointed at before; absent when the label is new. */
      previous?: string;
      /** Set when the move was a {@link PromptCatalog.rollback}. */
      rollback?: boolean;
      /** The evaluation run that justified the move (see `promoteIfPassed` in fmops/evaluation). */
      evaluationRunId?: string;
      /** When it happened (ISO 8601). */
      at: string;
    }
  | {
      /** A label was removed. */
      type: "unlabel";
      /** The removed label. */
      label: string;
      /** The version the label pointed at when it was removed. */
      previous: string;
      /** When it happened (ISO 8601). */
      at: string;
    };

/** One registered version of a prompt. */
export interface PromptVersionInfo {
  /** The version. */
  version: string;
  /** Content hash (SHA-256 hex). */
  hash: string;
  /** When it was registered (ISO 8601). */
  registeredAt: string;
  /** Labels pointing at it now. */
  labels: string[];
}

/** One prompt in {@link PromptCatalog.list}. */
export interface PromptSummary {
  /** The prompt id. */
  id: string;
  /** The newest version's description. */
  description?: string;
  /** Every version, oldest first. */
  versions: string[];
  /** The newest version. */
  latest: string;
  /** Label to version. */
  labels: Record<string, string>;
  /** The newest version's tags. */
  tags: string[];
}

/** A catalog as JSON: what {@link PromptCatalog.toJSON} writes and {@link PromptCatalog.import} reads. */
export interface PromptCatalogExport {
  /** Always `fmops.prompt-catalog`. */
  format: "fmops.prompt-catalog";
  /** Schema version of this export. */
  formatVersion: 1;
  /** The prompts, sorted by id. */
  prompts: {
    /** The prompt id. */
    id: string;
    /** Every registered version, oldest first. */
    versions: {
      /** The version's serializable definition. */
      definition: SerializedPromptDefinition;
      /** Content hash (SHA-256 hex); checked against the definition on import. */
      hash: string;
      /** When it was registered (ISO 8601). */
      registeredAt: string;
    }[];
    /** Label name to the version it points at. */
    labels: Record<string, string>;
    /** The prompt's label and registration history, oldest first. */
    history: PromptHistoryEvent[];
  }[];
}

/** Options for {@link PromptCatalog}. */
export interface PromptCatalogOptions {
  /** Clock for registration and label timestamps. Default `() => new Date()`. */
  now?: () => Date;
}

/** Options for {@link PromptCatalog.register}. */
export interface RegisterOptions {
  /** Labels to point at this version once registered. */
  labels?: string[];
}

interface Entry {
  template: PromptTemplate;
  registeredAt: string;
}

interface PromptRecord {
  versions: Map<string, Entry>;
  order: string[];
  labels: Map<string, string>;
  history: PromptHistoryEvent[];
}

const optionsSchema = schemaFor<PromptCatalogOptions>()(
  z
    .object({
      now: z.custom<() => Date>((v) => typeof v === "function", "must be a function").optional(),
    })
    .strict(),
);

const historySchema = z.union([
  z.object({ type: z.literal("register"), version: z.string(), hash: z.string(), at: z.string() }),
  z.object({
    type: z.literal("label"),
    label: z.string(),
    version: z.string(),
    previous: z.string().optional(),
    rollback: z.boolean().optional(),
    evaluationRunId: z.string().optional(),
    at: z.string(),
  }),
  z.object({ type: z.literal("unlabel"), label: z.string(), previous: z.string(), at: z.string() }),
]);

const exportSchema = z.object({
  format: z.literal("fmops.prompt-catalog"),
  formatVersion: z.literal(1),
  prompts: z.array(
    z.object({
      id: z.string(),
      versions: z.array(
        z.object({
          definition: promptDefinitionSchema,
          hash: z.string(),
          registeredAt: z.string(),
        }),
      ),
      labels: z.record(z.string(), z.string()),
      history: z.array(historySchema).default([]),
    }),
  ),
});

/**
 * `value` with the keys of every object in code-unit order, arrays kept in order. Exports use it
 * for free-form maps (declarations, hints, labels) so the bytes do not depend on the order in
 * which a catalog was built or a file was written.
 */
function sortedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortedKeys) as T;
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortedKeys(v);
  }
  return out as T;
}

/** A definition in canonical form: `toDefinition`'s field order, nested maps sorted by key. */
function canonicalDefinition(d: SerializedPromptDefinition): SerializedPromptDefinition {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(d)) if (v !== undefined) out[key] = sortedKeys(v);
  return out as unknown as SerializedPromptDefinition;
}

/** A history event with its fields in one fixed order, whichever order it was built or read in. */
function canonicalEvent(e: PromptHistoryEvent): PromptHistoryEvent {
  switch (e.type) {
    case "register":
      return { type: e.type, version: e.version, hash: e.hash, at: e.at };
    case "unlabel":
      return { type: e.type, label: e.label, previous: e.previous, at: e.at };
    case "label": {
      const out: PromptHistoryEvent = {
        type: e.type,
        label: e.label,
        version: e.version,
        at: e.at,
      };
      if (e.previous !== undefined) out.previous = e.previous;
      if (e.rollback !== undefined) out.rollback = e.rollback;
      if (e.evaluationRunId !== undefined) out.evaluationRunId = e.evaluationRunId;
      return out;
    }
  }
}

function checkLabel(label: string): void {
  if (!LABEL_NAME.test(label) || label === "latest") {
    throw new ValidationError(
      `Invalid label "${label}": use lower-case letters, digits, "_" and "-" (starting with a letter); "latest" is reserved for the newest version.`,
      [{ path: "label", message: "invalid label" }],
    );
  }
}

/**
 * A catalog of versioned prompts. Versions are immutable (re-registering a version with a
 * different body throws `PROMPT_VERSION_IMMUTABLE`; the same body is a no-op); labels such as
 * `production` and `staging` move between versions, and every move is kept so a label can be
 * rolled back.
 *
 * @example
 * ```ts
 * const catalog = new PromptCatalog();
 * catalog.register({ id: "qa", version: "1", text: "Answer: {{question}}" }, { labels: ["production"] });
 * catalog.register({ id: "qa", version: "2", text: "Answer briefly: {{question}}" });
 * catalog.setLabel("qa", "production", "2");
 * catalog.rollback("qa", "production"); // back to version 1
 * const request = catalog.render("qa", { question: "Why is the sky blue?" });
 * ```
 */
export class PromptCatalog {
  readonly #prompts = new Map<string, PromptRecord>();
  readonly #now: () => Date;

  constructor(options: PromptCatalogOptions = {}) {
    const o = parseOptions(optionsSchema, options, "PromptCatalog options");
    this.#now = o.now ?? (() => new Date());
  }

  /**
   * Registers a version. Returns the registered template (the existing one when the same
   * version with the same body is registered again).
   */
  register(
    prompt: PromptTemplate | PromptDefinition,
    options: RegisterOptions = {},
  ): PromptTemplate {
    const template = toTemplate(prompt);
    for (const label of options.labels ?? []) checkLabel(label);
    let record = this.#prompts.get(template.id);
    if (!record) {
      record = { versions: new Map(), order: [], labels: new Map(), history: [] };
      this.#prompts.set(template.id, record);
    }
    const existing = record.versions.get(template.version);
    let result = template;
    if (existing) {
      if (existing.template.hash !== template.hash) {
        throw new PromptImmutableError(
          template.id,
          template.version,
          existing.template.hash,
          template.hash,
        );
      }
      result = existing.template;
    } else {
      const at = this.#now().toISOString();
      record.versions.set(template.version, { template, registeredAt: at });
      record.order.push(template.version);
      record.history.push({ type: "register", version: template.version, hash: template.hash, at });
    }
    for (const label of options.labels ?? []) this.setLabel(template.id, label, template.version);
    return result;
  }

  /** Whether the catalog holds the prompt (and the selected version). */
  has(id: string, selector: PromptSelector = {}): boolean {
    try {
      this.get(id, selector);
      return true;
    } catch (err) {
      if (err instanceof PromptNotFoundError) return false;
      throw err;
    }
  }

  /**
   * One version of a prompt, by `version` or `label`; with neither, the `production` label if
   * set, else the newest version. Throws `PROMPT_NOT_FOUND`, `PROMPT_VERSION_NOT_FOUND` or
   * `PROMPT_LABEL_NOT_FOUND`.
   */
  get(id: string, selector: PromptSelector = {}): PromptTemplate {
    const record = this.#record(id);
    if (selector.version !== undefined && selector.label !== undefined) {
      throw new ValidationError(
        `Select prompt "${id}" by version or by label, not both (got version "${selector.version}" and label "${selector.label}").`,
        [{ path: "selector", message: "version and label are exclusive" }],
      );
    }
    if (selector.version !== undefined) {
      const entry = record.versions.get(selector.version);
      if (!entry) {
        throw new PromptNotFoundError(
          "version",
          `Prompt "${id}" has no version "${selector.version}". Versions: ${record.order.join(", ")}.`,
        );
      }
      return entry.template;
    }
    const label = selector.label ?? (record.labels.has(DEFAULT_LABEL) ? DEFAULT_LABEL : "latest");
    const version =
      label === "latest" ? record.order[record.order.length - 1] : record.labels.get(label);
    if (version === undefined) {
      const labels = [...record.labels.keys()];
      throw new PromptNotFoundError(
        "label",
        `Prompt "${id}" has no label "${label}". Labels: ${labels.length ? labels.join(", ") : "(none)"}; set one with setLabel("${id}", "${label}", version).`,
      );
    }
    return (record.versions.get(version) as Entry).template;
  }

  /** Renders the selected version (see {@link PromptCatalog.get}) as a {@link ChatRequest}. */
  render(
    id: string,
    values: Record<string, unknown> = {},
    options: PromptSelector & RenderOptions = {},
  ): ChatRequest {
    const { version, label, ...renderOptions } = options;
    const selector: PromptSelector = {};
    if (version !== undefined) selector.version = version;
    if (label !== undefined) selector.label = label;
    return this.get(id, selector).render(values, renderOptions);
  }

  /**
   * Points `label` at `version` (moving it if it pointed elsewhere). `evaluationRunId` names the
   * evaluation run that justified the move; it is kept in the label's history entry.
   */
  setLabel(
    id: string,
    label: string,
    version: string,
    options: { evaluationRunId?: string } = {},
  ): void {
    checkLabel(label);
    const record = this.#record(id);
    if (!PROMPT_VERSION.test(version) || !record.versions.has(version)) {
      throw new PromptNotFoundError(
        "version",
        `Cannot point label "${label}" at prompt "${id}" version "${version}": no such version. Versions: ${record.order.join(", ")}.`,
      );
    }
    this.#moveLabel(record, label, version, false, options.evaluationRunId);
  }

  #moveLabel(
    record: PromptRecord,
    label: string,
    version: string,
    rollback: boolean,
    evaluationRunId?: string,
  ): void {
    const previous = record.labels.get(label);
    if (previous === version) return;
    record.labels.set(label, version);
    const event: PromptHistoryEvent = {
      type: "label",
      label,
      version,
      at: this.#now().toISOString(),
    };
    if (previous !== undefined) event.previous = previous;
    if (rollback) event.rollback = true;
    if (evaluationRunId !== undefined) event.evaluationRunId = evaluationRunId;
    record.history.push(event);
  }

  /** Removes a label. */
  removeLabel(id: string, label: string): void {
    const record = this.#record(id);
    const previous = record.labels.get(label);
    if (previous === undefined) {
      throw new PromptNotFoundError("label", `Prompt "${id}" has no label "${label}" to remove.`);
    }
    record.labels.delete(label);
    record.history.push({ type: "unlabel", label, previous, at: this.#now().toISOString() });
  }

  /**
   * Moves `label` back to the version it pointed at before its last move, and returns that
   * version. Throws `PROMPT_ROLLBACK_UNAVAILABLE` when the label was never moved.
   */
  rollback(id: string, label: string): string {
    const record = this.#record(id);
    // Replay the label's moves as a stack: a move pushes, a rollback pops, an unlabel pushes a
    // gap; so repeated rollbacks walk further back instead of toggling between two versions.
    const stack: (string | null)[] = [];
    for (const e of record.history) {
      if (e.type === "label" && e.label === label) {
        if (e.rollback) stack.pop();
        else stack.push(e.version);
      } else if (e.type === "unlabel" && e.label === label) {
        stack.push(null);
      }
    }
    const current = record.labels.get(label);
    const target = stack.length >= 2 ? stack[stack.length - 2] : undefined;
    if (current === undefined || target === undefined || target === null) {
      throw new FmopsError(
        "PROMPT_ROLLBACK_UNAVAILABLE",
        `Label "${label}" of prompt "${id}" has no earlier version to roll back to${current === undefined ? " (it is not set)" : ""}. Set it explicitly with setLabel.`,
      );
    }
    this.#moveLabel(record, label, target, true);
    return target;
  }

  /** Labels of a prompt: label to version. */
  labels(id: string): Record<string, string> {
    return Object.fromEntries(this.#record(id).labels);
  }

  /** Every registered version of a prompt, oldest first, with hashes and labels. */
  versions(id: string): PromptVersionInfo[] {
    const record = this.#record(id);
    return record.order.map((version) => {
      const entry = record.versions.get(version) as Entry;
      return {
        version,
        hash: entry.template.hash,
        registeredAt: entry.registeredAt,
        labels: [...record.labels].filter(([, v]) => v === version).map(([l]) => l),
      };
    });
  }

  /** Registrations and label moves of a prompt, oldest first. */
  history(id: string): PromptHistoryEvent[] {
    return this.#record(id).history.map((e) => ({ ...e }));
  }

  /** Every prompt, sorted by id. */
  list(): PromptSummary[] {
    return [...this.#prompts.keys()].sort().map((id) => {
      const record = this.#prompts.get(id) as PromptRecord;
      const latest = record.order[record.order.length - 1] as string;
      const newest = (record.versions.get(latest) as Entry).template;
      const summary: PromptSummary = {
        id,
        versions: [...record.order],
        latest,
        labels: Object.fromEntries(record.labels),
        tags: [...newest.tags],
      };
      if (newest.description !== undefined) summary.description = newest.description;
      return summary;
    });
  }

  /** What changed between two versions of a prompt. */
  diff(id: string, from: string, to: string): PromptDiff {
    const a = this.get(id, { version: from });
    const b = this.get(id, { version: to });
    return diffDefinitions(a.toDefinition(), b.toDefinition(), a.hash === b.hash);
  }

  /**
   * The whole catalog as JSON-safe data, in canonical form so that `JSON.stringify` of it is
   * byte-stable: prompts sorted by id, versions oldest first, history in order with each event's
   * fields in a fixed order, and labels, variable declarations and model hints with sorted keys.
   * Exporting a catalog imported from an export gives the same bytes.
   */
  toJSON(): PromptCatalogExport {
    return {
      format: "fmops.prompt-catalog",
      formatVersion: 1,
      prompts: [...this.#prompts.keys()].sort().map((id) => {
        const record = this.#prompts.get(id) as PromptRecord;
        return {
          id,
          versions: record.order.map((v) => {
            const e = record.versions.get(v) as Entry;
            return {
              definition: canonicalDefinition(e.template.toDefinition()),
              hash: e.template.hash,
              registeredAt: e.registeredAt,
            };
          }),
          labels: sortedKeys(Object.fromEntries(record.labels)),
          history: record.history.map(canonicalEvent),
        };
      }),
    };
  }

  /**
   * Adds the prompts of an export. Versions already present must have the same hash; labels are
   * set as exported. A prompt new to this catalog also gets its exported history (so rollback
   * still works). Throws `PROMPT_FILE_ERROR` for malformed data or a hash that does not match
   * its definition (an edited export).
   */
  import(data: unknown, source = "catalog JSON"): void {
    const parsed = exportSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PromptFileError(
        source,
        undefined,
        `not a prompt catalog export: ${issue?.path.map(String).join(".") ?? ""}: ${issue?.message ?? ""}`,
        { cause: parsed.error },
      );
    }
    // Build every template first so a bad entry leaves the catalog untouched.
    const prepared = parsed.data.prompts.map((p) => ({
      ...p,
      templates: p.versions.map((v, i) => {
        const template = new PromptTemplate(v.definition as PromptDefinition);
        if (template.id !== p.id || template.hash !== v.hash) {
          throw new PromptFileError(
            source,
            undefined,
            `prompt "${p.id}" versions.${i} (${template.ref}): ${template.id !== p.id ? "id does not match its entry" : "hash does not match its definition; the export was edited or is corrupt"}.`,
          );
        }
        return { template, registeredAt: v.registeredAt };
      }),
    }));
    for (const p of prepared) {
      for (const { template } of p.templates) {
        const existing = this.#prompts.get(p.id)?.versions.get(template.version);
        if (existing && existing.template.hash !== template.hash) {
          throw new PromptImmutableError(
            p.id,
            template.version,
            existing.template.hash,
            template.hash,
          );
        }
      }
    }
    for (const p of prepared) {
      const isNew = !this.#prompts.has(p.id);
      if (isNew) {
        const record: PromptRecord = {
          versions: new Map(),
          order: [],
          labels: new Map(),
          history: [],
        };
        for (const { template, registeredAt } of p.templates) {
          record.versions.set(template.version, { template, registeredAt });
          record.order.push(template.version);
        }
        for (const [label, version] of Object.entries(p.labels)) {
          checkLabel(label);
          if (!record.versions.has(version)) {
            throw new PromptFileError(
              source,
              undefined,
              `prompt "${p.id}" label "${label}" points at missing version "${version}".`,
            );
          }
          record.labels.set(label, version);
        }
        record.history = p.history.map((e) => ({ ...e }) as PromptHistoryEvent);
        this.#prompts.set(p.id, record);
      } else {
        for (const { template } of p.templates) this.register(template);
        for (const [label, version] of Object.entries(p.labels))
          this.setLabel(p.id, label, version);
      }
    }
  }

  /** A new catalog holding an export's prompts. */
  static fromJSON(data: unknown, options: PromptCatalogOptions = {}): PromptCatalog {
    const catalog = new PromptCatalog(options);
    catalog.import(data);
    return catalog;
  }

  #record(id: string): PromptRecord {
    const record = this.#prompts.get(id);
    if (!record) {
      const ids = [...this.#prompts.keys()].sort();
      const shown = ids.length > 20 ? `${ids.slice(0, 20).join(", ")}, ...` : ids.join(", ");
      throw new PromptNotFoundError(
        "id",
        `No prompt "${id}" in the catalog. Known prompts: ${shown || "(none)"}.`,
      );
    }
    return record;
  }
}
