/**
 * Differences between two prompt versions: which fields changed, with a line diff for the
 * texts, so a reviewer sees exactly what a new version changes before moving a label to it.
 *
 * @module
 */

import { messageText } from "../core/internal.js";
import { canonicalJson } from "./hash.js";
import type { SerializedPromptDefinition } from "./template.js";

/** One line of a line diff: kept (` `), removed (`-`) or added (`+`). */
export interface DiffLine {
  /** ` ` kept, `-` only in the old text, `+` only in the new text. */
  op: " " | "-" | "+";
  /** The line, without its newline. */
  text: string;
}

/** One changed field between two versions. */
export interface PromptChange {
  /** Dotted path of the field, e.g. `system`, `messages.0.content`, `variables.question`. */
  field: string;
  /** Whether the field appeared, disappeared or changed. */
  kind: "added" | "removed" | "changed";
  /** The old value as text (JSON for structured fields). */
  before?: string;
  /** The new value as text. */
  after?: string;
  /** Line diff of `before` and `after`, for text fields. */
  lines?: DiffLine[];
}

/** What changed from one version of a prompt to another. */
export interface PromptDiff {
  /** The prompt id. */
  id: string;
  /** The older version compared. */
  from: string;
  /** The newer version compared. */
  to: string;
  /** Whether the two versions have the same content hash. */
  identical: boolean;
  /** Each changed field, in a stable order. */
  changes: PromptChange[];
}

const TEXT_FIELDS = new Set(["description", "system", "text", "negativeText"]);

function flatten(d: SerializedPromptDefinition): Map<string, { text: string; isText: boolean }> {
  const out = new Map<string, { text: string; isText: boolean }>();
  for (const f of TEXT_FIELDS) {
    const v = d[f as keyof SerializedPromptDefinition];
    if (typeof v === "string") out.set(f, { text: v, isText: true });
  }
  d.messages?.forEach((m, i) => {
    out.set(`messages.${i}.role`, { text: m.role, isText: false });
    out.set(`messages.${i}.content`, { text: messageText(m), isText: true });
  });
  for (const [name, decl] of Object.entries(d.variables ?? {})) {
    out.set(`variables.${name}`, { text: canonicalJson(decl), isText: false });
  }
  if (d.modelHints) out.set("modelHints", { text: canonicalJson(d.modelHints), isText: false });
  if (d.tags?.length) out.set("tags", { text: d.tags.join(", "), isText: false });
  return out;
}

/**
 * Line diff (longest common subsequence). Prompts are short, so the quadratic table is cheap;
 * past 2,000 x 2,000 lines it falls back to "all removed, all added" to bound the work.
 */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length * b.length > 4_000_000) {
    return [
      ...a.map((text) => ({ op: "-" as const, text })),
      ...b.map((text) => ({ op: "+" as const, text })),
    ];
  }
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const next = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) {
      row[j] =
        a[i] === b[j]
          ? (next[j + 1] as number) + 1
          : Math.max(next[j] as number, row[j + 1] as number);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: " ", text: a[i] as string });
      i++;
      j++;
    } else if ((lcs[i + 1]?.[j] as number) >= (lcs[i]?.[j + 1] as number)) {
      out.push({ op: "-", text: a[i++] as string });
    } else {
      out.push({ op: "+", text: b[j++] as string });
    }
  }
  while (i < n) out.push({ op: "-", text: a[i++] as string });
  while (j < m) out.push({ op: "+", text: b[j++] as string });
  return out;
}

/** Compares two serialized definitions of the same prompt. */
export function diffDefinitions(
  from: SerializedPromptDefinition,
  to: SerializedPromptDefinition,
  identical: boolean,
): PromptDiff {
  const a = flatten(from);
  const b = flatten(to);
  const fields = [...new Set([...a.keys(), ...b.keys()])];
  const changes: PromptChange[] = [];
  for (const field of fields) {
    const before = a.get(field);
    const after = b.get(field);
    if (before && after && before.text === after.text) continue;
    const change: PromptChange = {
      field,
      kind: before === undefined ? "added" : after === undefined ? "removed" : "changed",
    };
    if (before) change.before = before.text;
    if (after) change.after = after.text;
    if ((before?.isText ?? after?.isText) === true) {
      change.lines = diffLines(before?.text ?? "", after?.text ?? "");
    }
    changes.push(change);
  }
  return { id: to.id, from: from.version, to: to.version, identical, changes };
}

/** A readable, unified-diff-like rendering of a {@link PromptDiff}. */
export function formatDiff(diff: PromptDiff): string {
  const out = [`--- ${diff.id}@${diff.from}`, `+++ ${diff.id}@${diff.to}`];
  if (diff.changes.length === 0) out.push("(no changes)");
  for (const c of diff.changes) {
    out.push(`@@ ${c.field} (${c.kind})`);
    if (c.lines) for (const l of c.lines) out.push(`${l.op}${l.text}`);
    else {
      if (c.before !== undefined) out.push(`-${c.before}`);
      if (c.after !== undefined) out.push(`+${c.after}`);
    }
  }
  return `${out.join("\n")}\n`;
}
