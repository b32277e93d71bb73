/**
 * `fmops prompts`: list, show, render and lint the prompts of a catalog folder, and push/pull
 * them to and from Amazon Bedrock Prompt Management.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { ValidationError } from "../core/index.js";
import type { PromptCatalog, PromptSelector, PromptTemplate } from "../prompts/index.js";
import {
  BedrockPromptStore,
  type LegacyTextFormat,
  lintPrompt,
  loadPromptFolder,
  renderText,
} from "../prompts/index.js";
import { formatDiff, legacyTextFormats } from "../prompts/internal.js";
import { requireFolder } from "./file-errors.js";
import { awsFlags } from "./flags.js";
import { type CliCommand, type CliIo, readStdin } from "./io.js";
import { closestFlag } from "./usage-errors.js";

const usage = `Usage: fmops prompts <list|show|render|lint|push|pull> --dir <folder> [options]

Works on a folder of prompt files (.yaml, .yml, .md; one prompt per file).

  list                         Every prompt: id, versions, labels
  show <id> [--diff <a>..<b>]  One version's definition (or the diff of two versions)
  render <id> [--var k=v]...   Render to a ChatRequest (JSON), or to text with --format
  lint [<id>]                  Check every version; exits 1 when an error is found
  push <id> [--all]            Push the selected version (or every version) to Bedrock
  pull <bedrock-id|arn|name>   Pull a Bedrock prompt's versions into <dir>/<id>.yaml

Options:
  --dir <folder>          The catalog folder (required)
  --version <v>           Select a version
  --label <l>             Select a label (default: production, else the newest version)
  --var <name=value>      A variable value (repeatable); --vars-json reads an object from stdin
  --vars-json             Read variables as a JSON object from stdin
  --format <f>            render as text: ${legacyTextFormats.join(" | ")}
  --json                  list/lint: print JSON
  --max-input-tokens <n>  lint: the model's input limit in tokens
  --model-id <id>         push: model id for variants without a modelHints.modelId
  --force                 pull: overwrite an existing file
  --region <region>       AWS region (default: the SDK's configuration)
  --endpoint-url <url>    Custom AWS endpoint (VPC endpoint or local stand-in)
`;

function selectorOf(values: {
  version?: string | undefined;
  label?: string | undefined;
}): PromptSelector {
  const s: PromptSelector = {};
  if (values.version !== undefined) s.version = values.version;
  if (values.label !== undefined) s.label = values.label;
  return s;
}

function usageError(message: string, path: string): ValidationError {
  return new ValidationError(message, [{ path, message }]);
}

/** Turns `--var` strings into values of the declared types. */
function coerce(template: PromptTemplate, raw: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(raw)) {
    const type = template.variables[name]?.type;
    if (type === "number" || type === "integer") {
      const n = Number(text);
      out[name] = text.trim() === "" || !Number.isFinite(n) ? text : n;
    } else if (type === "boolean") {
      out[name] = text === "true" ? true : text === "false" ? false : text;
    } else {
      out[name] = text;
    }
  }
  return out;
}

function store(values: Record<string, unknown>): BedrockPromptStore {
  return new BedrockPromptStore({
    ...awsFlags(values),
    ...(typeof values["model-id"] === "string" ? { defaultModelId: values["model-id"] } : {}),
  });
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      dir: { type: "string" },
      version: { type: "string" },
      label: { type: "string" },
      var: { type: "string", multiple: true },
      "vars-json": { type: "boolean" },
      format: { type: "string" },
      diff: { type: "string" },
      json: { type: "boolean" },
      all: { type: "boolean" },
      force: { type: "boolean" },
      "max-input-tokens": { type: "string" },
      "model-id": { type: "string" },
      region: { type: "string" },
      "endpoint-url": { type: "string" },
    },
  });
  const [action, target] = positionals;
  const actions = ["list", "show", "render", "lint", "push", "pull"];
  if (action === undefined || !actions.includes(action)) {
    // A misspelt action gets the closest one, as a misspelt flag does.
    const meant = action === undefined ? undefined : closestFlag(action, actions);
    throw usageError(
      action === undefined
        ? `Give an action: ${actions.join(", ")}.`
        : `unknown action "${action}".${meant ? ` Did you mean "${meant}"?` : ""} Give one of: ${actions.join(", ")}.`,
      "action",
    );
  }
  if (values.dir === undefined) throw usageError("--dir <folder> is required.", "--dir");
  const dir = values.dir;
  if (action === "pull") return pull(target, dir, values, io);
  await requireFolder(dir);
  const catalog = await loadPromptFolder(dir);
  const needId = () => {
    if (target === undefined)
      throw usageError(`"fmops prompts ${action}" needs a prompt id.`, "id");
    return target;
  };

  if (action === "list") {
    const list = catalog.list();
    if (values.json) io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    else {
      for (const p of list) {
        const labels = Object.entries(p.labels)
          .map(([l, v]) => `${l}=${v}`)
          .join(" ");
        io.stdout.write(
          `${p.id}\tversions: ${p.versions.join(", ")}${labels ? `\tlabels: ${labels}` : ""}${p.description ? `\t${p.description}` : ""}\n`,
        );
      }
    }
    return 0;
  }
  if (action === "show") {
    const id = needId();
    if (values.diff !== undefined) {
      const [from, to] = values.diff.split("..");
      if (!from || !to) throw usageError('--diff takes "<from>..<to>", e.g. 1..2.', "--diff");
      io.stdout.write(formatDiff(catalog.diff(id, from, to)));
      return 0;
    }
    const t = catalog.get(id, selectorOf(values));
    const info = catalog.versions(id).find((v) => v.version === t.version);
    io.stdout.write(
      stringify(
        { ...t.toDefinition(), hash: t.hash, labels: info?.labels ?? [] },
        { lineWidth: 0 },
      ),
    );
    return 0;
  }
  if (action === "render") {
    const t = catalog.get(needId(), selectorOf(values));
    const raw: Record<string, string> = {};
    for (const pair of values.var ?? []) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw usageError(`--var takes name=value; got "${pair}".`, "--var");
      raw[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    let vars = coerce(t, raw);
    if (values["vars-json"]) {
      const parsed: unknown = JSON.parse((await readStdin(io.stdin)) || "{}");
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw usageError("--vars-json expects a JSON object on stdin.", "--vars-json");
      }
      vars = { ...(parsed as Record<string, unknown>), ...vars };
    }
    if (values.format !== undefined) {
      if (!legacyTextFormats.includes(values.format as LegacyTextFormat)) {
        throw usageError(`--format must be one of: ${legacyTextFormats.join(", ")}.`, "--format");
      }
      io.stdout.write(`${renderText(t, vars, values.format as LegacyTextFormat)}\n`);
    } else {
      io.stdout.write(`${JSON.stringify(t.render(vars), null, 2)}\n`);
    }
    return 0;
  }
  if (action === "lint") return lint(catalog, target, values, io);
  return push(catalog, needId(), values, io);
}

function lint(
  catalog: PromptCatalog,
  id: string | undefined,
  values: Record<string, unknown>,
  io: CliIo,
): number {
  const max = values["max-input-tokens"];
  const maxInputTokens = typeof max === "string" ? Number(max) : undefined;
  if (maxInputTokens !== undefined && !(Number.isInteger(maxInputTokens) && maxInputTokens > 0)) {
    throw usageError("--max-input-tokens takes a positive integer.", "--max-input-tokens");
  }
  const ids = id === undefined ? catalog.list().map((p) => p.id) : [id];
  const issues = ids.flatMap((pid) =>
    catalog
      .versions(pid)
      .flatMap((v) =>
        lintPrompt(
          catalog.get(pid, { version: v.version }),
          maxInputTokens === undefined ? {} : { maxInputTokens },
        ),
      ),
  );
  if (values.json) io.stdout.write(`${JSON.stringify(issues, null, 2)}\n`);
  else {
    for (const i of issues)
      io.stdout.write(
        `${i.severity}\t${i.prompt}${i.field ? ` ${i.field}` : ""}\t${i.rule}: ${i.message}\n`,
      );
    const errors = issues.filter((i) => i.severity === "error").length;
    io.stderr.write(
      `${ids.length} prompt(s) checked: ${errors} error(s), ${issues.length - errors} warning(s).\n`,
    );
  }
  return issues.some((i) => i.severity === "error") ? 1 : 0;
}

async function push(
  catalog: PromptCatalog,
  id: string,
  values: Record<string, unknown>,
  io: CliIo,
): Promise<number> {
  const s = store(values);
  const results = values.all
    ? await s.pushAll(catalog, id, { signal: io.signal })
    : [
        await s.push(catalog.get(id, selectorOf(values as { version?: string; label?: string })), {
          signal: io.signal,
        }),
      ];
  for (const r of results) io.stdout.write(`${JSON.stringify(r)}\n`);
  return 0;
}

async function pull(
  target: string | undefined,
  dir: string,
  values: Record<string, unknown>,
  io: CliIo,
): Promise<number> {
  if (target === undefined)
    throw usageError('"fmops prompts pull" needs a Bedrock prompt id, ARN or name.', "id");
  const pulled = await store(values).pull(target, { signal: io.signal });
  if (pulled.templates.length === 0)
    throw usageError(`Bedrock prompt "${target}" has no versions to pull.`, "id");
  const file = join(dir, `${pulled.id.replace(/[^A-Za-z0-9._-]+/g, "_")}.yaml`);
  if (existsSync(file) && !values.force) {
    throw usageError(`${file} exists; pass --force to overwrite it.`, "--force");
  }
  const versions = pulled.templates.map((t) => {
    const { id: _id, ...rest } = t.toDefinition();
    return rest;
  });
  await mkdir(dir, { recursive: true });
  await writeFile(file, stringify({ id: pulled.id, versions }, { lineWidth: 0 }));
  io.stdout.write(`${file}\n`);
  for (const r of pulled.refs) io.stdout.write(`${JSON.stringify(r)}\n`);
  return 0;
}

/** The `fmops prompts` command. */
export const promptsCommand: CliCommand = {
  summary: "List, show, render, lint, push and pull the prompts of a catalog folder",
  usage,
  run,
};
