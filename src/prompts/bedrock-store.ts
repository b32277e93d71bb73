/**
 * {@link BedrockPromptStore}: sync catalog prompts with Amazon Bedrock Prompt Management. A push
 * writes the template into the Bedrock prompt's DRAFT and creates an immutable Bedrock version;
 * a pull reads a Bedrock prompt's versions back as templates. The catalog id, version and content
 * hash travel in the variant's metadata, so a pull restores exactly what was pushed, and the
 * store keeps the mapping between catalog versions and Bedrock version ARNs (the ARN a
 * `BedrockChatModel` is given as `modelId` to run the prompt).
 *
 * @module
 */
import type * as BedrockAgentModule from "@aws-sdk/client-bedrock-agent";
import type {
  BedrockAgentClient,
  CreatePromptCommandOutput,
  CreatePromptVersionCommandOutput,
  GetPromptCommandOutput,
  ListPromptsCommandInput,
  ListPromptsCommandOutput,
  PromptVariant,
  UpdatePromptCommandOutput,
} from "@aws-sdk/client-bedrock-agent";
import { z } from "zod";
import {
  type AwsClientConfig,
  awsCall,
  FmopsError,
  parseOptions,
  type WaitOptions,
  withDeadline,
} from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  awsPages,
  bedrockAgentSdk,
  clientConfigFrom,
  lazyAwsClient,
  messageText,
  paginatorClient,
  type SendsCommands,
  schemaFor,
} from "../core/internal.js";
import type { PromptSource } from "./cache.js";
import type { PromptCatalog, PromptSelector } from "./catalog.js";
import { PromptImmutableError, PromptNotFoundError } from "./errors.js";
import { canonicalJson } from "./hash.js";
import {
  type PromptDefinition,
  PromptTemplate,
  type SerializedPromptDefinition,
} from "./template.js";

const SERVICE = "BedrockAgent";
const OWNER = "BedrockPromptStore (@aws-sdk/client-bedrock-agent)";
const LIST_PROMPTS = {
  service: SERVICE,
  operation: "ListPrompts",
  iamAction: "bedrock:ListPrompts",
};
const DEFAULT_TIMEOUT_MS = 60_000;
const VARIANT = "fmops";
const META_CHUNK = 1000;

/** Where one catalog version lives in Bedrock. */
export interface BedrockPromptRef {
  /** Catalog prompt id. */
  id: string;
  /** Catalog version. */
  version: string;
  /** Content hash of the catalog version. */
  hash: string;
  /** Bedrock prompt id (10 characters). */
  promptId: string;
  /** Bedrock prompt ARN (the DRAFT). */
  promptArn: string;
  /** Bedrock version number, e.g. `"3"`. */
  bedrockVersion: string;
  /** ARN of that Bedrock version: pass it as `modelId` to Converse to run the prompt. */
  versionArn: string;
}

/** What {@link BedrockPromptStore.push} did. */
export interface PushResult extends BedrockPromptRef {
  /** `false` when the same catalog version was already in Bedrock (nothing was written). */
  created: boolean;
}

/** A prompt read back from Bedrock by {@link BedrockPromptStore.pull}. */
export interface PulledPrompt {
  /** Catalog id (from metadata, else the Bedrock prompt name). */
  id: string;
  /** Bedrock prompt id. */
  promptId: string;
  /** Every numbered Bedrock version, oldest first, as templates. */
  templates: PromptTemplate[];
  /** The mapping of each template to its Bedrock version. */
  refs: BedrockPromptRef[];
}

/** Options for {@link BedrockPromptStore}. */
export interface BedrockPromptStoreOptions extends AwsClientConfig {
  /**
   * A ready Bedrock Agent client (preferred). It must be a `BedrockAgentClient` of
   * `@aws-sdk/client-bedrock-agent` (the copy fmops loads): prompts and versions are listed
   * through the SDK's `paginateListPrompts`, which accepts no other object, so a wrapper that
   * only has `send` is refused with `VALIDATION_ERROR` on the first push, pull or fetch.
   */
  client?: SendsCommands;
  /** A mapping saved from an earlier {@link BedrockPromptStore.mappings}, to skip look-ups. */
  mappings?: BedrockPromptRef[];
  /** Model id written into pushed variants when a template has no `modelHints.modelId`. */
  defaultModelId?: string;
  /** Default deadline of each operation. Default 60 000 ms. */
  timeoutMs?: number;
}

const refSchema = z.object({
  id: z.string(),
  version: z.string(),
  hash: z.string(),
  promptId: z.string(),
  promptArn: z.string(),
  bedrockVersion: z.string(),
  versionArn: z.string(),
});

const optionsSchema = schemaFor<BedrockPromptStoreOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      client: awsClientSchema("BedrockAgentClient").optional(),
      mappings: z.array(refSchema).optional(),
      defaultModelId: z.string().min(1).optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

/**
 * A Bedrock prompt name for a catalog id: Bedrock allows letters and digits with single `_` or
 * `-` between them, so other characters (`.`, `/`) become `-`.
 */
export function bedrockPromptName(id: string): string {
  return id
    .replace(/[^0-9A-Za-z_-]+/g, "-")
    .replace(/[_-]{2,}/g, "-")
    .slice(0, 200);
}

function toBase64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(b64: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
}

/** The fields Bedrock has no place for, carried as base64 JSON in metadata chunks. */
function specOf(d: SerializedPromptDefinition) {
  return canonicalJson({
    description: d.description,
    variables: d.variables,
    modelHints: d.modelHints,
    tags: d.tags,
    negativeText: d.negativeText,
    messagesOnly: d.messages !== undefined,
  });
}

function variantOf(template: PromptTemplate, defaultModelId: string | undefined): PromptVariant {
  const d = template.toDefinition();
  const inputVariables = template.usedVariables.map((name) => ({ name }));
  const spec = toBase64(specOf(d));
  const metadata = [
    { key: "fmops:id", value: template.id },
    { key: "fmops:version", value: template.version },
    { key: "fmops:hash", value: template.hash },
  ];
  for (let i = 0; i * META_CHUNK < spec.length; i++) {
    metadata.push({
      key: `fmops:spec:${i}`,
      value: spec.slice(i * META_CHUNK, (i + 1) * META_CHUNK),
    });
  }
  if (metadata.length > 50) {
    throw new FmopsError(
      "PROMPT_SYNC_TOO_LARGE",
      `Prompt "${template.ref}" has too many variable declarations and hints to carry in Bedrock metadata (${metadata.length} of 50 entries). Shorten descriptions or hints.`,
    );
  }
  const variant: PromptVariant = {
    name: VARIANT,
    metadata,
    templateType: "CHAT",
    templateConfiguration: {
      chat: {
        messages: (d.messages ?? [{ role: "user", content: d.text ?? "" }]).map((m) => ({
          role: m.role,
          content: [{ text: messageText(m) }],
        })),
        ...(d.system !== undefined ? { system: [{ text: d.system }] } : {}),
        inputVariables,
      },
    },
  };
  if (template.system === undefined && template.text !== undefined) {
    variant.templateType = "TEXT";
    variant.templateConfiguration = { text: { text: template.text, inputVariables } };
  }
  const modelId = template.modelHints?.modelId ?? defaultModelId;
  if (modelId !== undefined) variant.modelId = modelId;
  const ic = template.modelHints?.inferenceConfig;
  if (ic) variant.inferenceConfiguration = { text: { ...ic } };
  return variant;
}

function templateOf(out: GetPromptCommandOutput): {
  template: PromptTemplate;
  meta: Map<string, string>;
} {
  const variant = out.variants?.find((v) => v.name === out.defaultVariant) ?? out.variants?.[0];
  if (!variant) {
    throw new FmopsError(
      "PROMPT_SYNC_UNSUPPORTED",
      `Bedrock prompt ${out.id} version ${out.version} has no variant to read.`,
    );
  }
  const meta = new Map((variant.metadata ?? []).map((m) => [m.key ?? "", m.value ?? ""]));
  const def: PromptDefinition = {
    id: meta.get("fmops:id") ?? out.name ?? out.id ?? "bedrock-prompt",
    version: meta.get("fmops:version") ?? out.version ?? "DRAFT",
  };
  const config = variant.templateConfiguration;
  let names: string[] = [];
  if (config?.text) {
    def.text = config.text.text ?? "";
    names = (config.text.inputVariables ?? []).map((v) => v.name ?? "");
  } else if (config?.chat) {
    const system = (config.chat.system ?? []).map((b) => b.text ?? "").join("\n");
    if (system !== "") def.system = system;
    def.messages = (config.chat.messages ?? []).map((m) => ({
      role: m.role === "assistant" ? "assistant" : "user",
      content: (m.content ?? []).map((b) => b.text ?? "").join(""),
    }));
    names = (config.chat.inputVariables ?? []).map((v) => v.name ?? "");
  } else {
    throw new FmopsError(
      "PROMPT_SYNC_UNSUPPORTED",
      `Bedrock prompt ${out.id} uses a template type fmops cannot read.`,
    );
  }
  const chunks: string[] = [];
  for (let i = 0; meta.has(`fmops:spec:${i}`); i++)
    chunks.push(meta.get(`fmops:spec:${i}`) as string);
  if (chunks.length > 0) {
    const spec = JSON.parse(fromBase64(chunks.join(""))) as Partial<SerializedPromptDefinition> & {
      messagesOnly?: boolean;
    };
    if (spec.description !== undefined) def.description = spec.description;
    if (spec.variables !== undefined) def.variables = spec.variables;
    if (spec.modelHints !== undefined) def.modelHints = spec.modelHints;
    if (spec.tags !== undefined) def.tags = spec.tags;
    if (spec.negativeText !== undefined) def.negativeText = spec.negativeText;
    // Pushed text-with-system templates travel as one-message chats; restore their text form.
    if (!spec.messagesOnly && def.messages?.length === 1 && def.messages[0]?.role === "user") {
      def.text = messageText(def.messages[0]);
      delete def.messages;
    }
  } else {
    def.variables = Object.fromEntries(names.filter(Boolean).map((n) => [n, {}]));
    if (variant.modelId || variant.inferenceConfiguration?.text) {
      def.modelHints = {};
      if (variant.modelId) def.modelHints.modelId = variant.modelId;
      const t = variant.inferenceConfiguration?.text;
      if (t) {
        const ic: NonNullable<PromptDefinition["modelHints"]>["inferenceConfig"] = {};
        if (t.maxTokens !== undefined) ic.maxTokens = t.maxTokens;
        if (t.temperature !== undefined) ic.temperature = t.temperature;
        if (t.topP !== undefined) ic.topP = t.topP;
        if (t.stopSequences !== undefined) ic.stopSequences = t.stopSequences;
        def.modelHints.inferenceConfig = ic;
      }
    }
    if (out.description) def.description = out.description;
  }
  let template = new PromptTemplate(def);
  const hash = meta.get("fmops:hash");
  if (hash !== undefined && hash !== template.hash) {
    // Someone edited the DRAFT in the console and versioned it without fmops: keep the
    // content, but never under the catalog version it no longer matches.
    template = new PromptTemplate({ ...def, version: `${def.version}-bedrock.${out.version}` });
  }
  return { template, meta };
}

/**
 * Pushes catalog prompts to Bedrock Prompt Management and pulls them back.
 *
 * @example
 * ```ts
 * const store = new BedrockPromptStore({ region: "us-east-1", defaultModelId: "anthropic.claude-3-haiku-20240307-v1:0" });
 * const ref = await store.push(catalog.get("support.reply", { label: "production" }));
 * // run it: new BedrockChatModel({ modelId: ref.versionArn }) with promptVariables (see docs/prompts.md)
 * const pulled = await store.pull(ref.promptId);
 * ```
 */
export class BedrockPromptStore implements PromptSource {
  readonly #bedrockAgent;
  readonly #options: BedrockPromptStoreOptions;
  readonly #refs = new Map<string, BedrockPromptRef>();

  constructor(options: BedrockPromptStoreOptions = {}) {
    this.#options = parseOptions(optionsSchema, options, "BedrockPromptStore options");
    const config = clientConfigFrom(this.#options);
    this.#bedrockAgent = lazyAwsClient(
      bedrockAgentSdk,
      "BedrockPromptStore",
      // Typed structurally in the options (SendsCommands: no optional peer in fmops's declarations).
      this.#options.client as BedrockAgentClient | undefined,
      (sdk) => new sdk.BedrockAgentClient(config),
    );
    for (const ref of this.#options.mappings ?? [])
      this.#refs.set(`${ref.id}@${ref.version}`, { ...ref });
  }

  /** Every known catalog-version-to-Bedrock mapping (save it and pass it back as `mappings`). */
  mappings(): BedrockPromptRef[] {
    return [...this.#refs.values()].map((r) => ({ ...r }));
  }

  /** The Bedrock version ARN of a catalog version, when it was pushed or pulled. */
  versionArn(id: string, version: string): string | undefined {
    return this.#refs.get(`${id}@${version}`)?.versionArn;
  }

  /**
   * Pushes one catalog version: creates the Bedrock prompt (named after the id) or updates its
   * DRAFT, then creates a Bedrock version. Pushing a version that is already there does nothing
   * (`created: false`); the same version with a different body throws `PROMPT_VERSION_IMMUTABLE`.
   */
  async push(
    prompt: PromptTemplate | PromptDefinition,
    options: WaitOptions = {},
  ): Promise<PushResult> {
    const template = prompt instanceof PromptTemplate ? prompt : new PromptTemplate(prompt);
    return this.#deadline(
      options,
      `pushing prompt "${template.ref}" to Bedrock`,
      async (signal) => {
        const name = bedrockPromptName(template.id);
        const known = this.#refs.get(template.ref);
        const promptId =
          known?.promptId ??
          [...this.#refs.values()].find((r) => r.id === template.id)?.promptId ??
          (await this.#findByName(name, signal));
        const body = {
          name,
          description: (template.description ?? template.id).slice(0, 200),
          defaultVariant: VARIANT,
          variants: [variantOf(template, this.#options.defaultModelId)],
        };
        let arn: string;
        let id: string;
        if (promptId === undefined) {
          const created = await this.#send<CreatePromptCommandOutput>(
            "CreatePrompt",
            (sdk) => new sdk.CreatePromptCommand(body),
            signal,
          );
          id = created.id as string;
          arn = created.arn as string;
        } else {
          const existing = await this.#versions(promptId, signal);
          const same = existing.find((r) => r.version === template.version);
          if (same) {
            if (same.hash !== template.hash)
              throw new PromptImmutableError(
                template.id,
                template.version,
                same.hash,
                template.hash,
              );
            return { ...same, created: false };
          }
          const updated = await this.#send<UpdatePromptCommandOutput>(
            "UpdatePrompt",
            (sdk) => new sdk.UpdatePromptCommand({ ...body, promptIdentifier: promptId }),
            signal,
          );
          id = updated.id as string;
          arn = updated.arn as string;
        }
        const version = await this.#send<CreatePromptVersionCommandOutput>(
          "CreatePromptVersion",
          (sdk) =>
            new sdk.CreatePromptVersionCommand({
              promptIdentifier: id,
              description: `fmops ${template.ref}`.slice(0, 200),
            }),
          signal,
        );
        const ref: BedrockPromptRef = {
          id: template.id,
          version: template.version,
          hash: template.hash,
          promptId: id,
          promptArn: arn,
          bedrockVersion: version.version as string,
          versionArn: version.arn as string,
        };
        this.#refs.set(template.ref, ref);
        return { ...ref, created: true };
      },
    );
  }

  /** Pushes every version of `id` in a catalog, oldest first. */
  async pushAll(
    catalog: PromptCatalog,
    id: string,
    options: WaitOptions = {},
  ): Promise<PushResult[]> {
    const results: PushResult[] = [];
    for (const v of catalog.versions(id))
      results.push(await this.push(catalog.get(id, { version: v.version }), options));
    return results;
  }

  /** Reads every numbered version of a Bedrock prompt (by id, ARN or name) as templates. */
  async pull(promptIdentifier: string, options: WaitOptions = {}): Promise<PulledPrompt> {
    return this.#deadline(
      options,
      `pulling Bedrock prompt "${promptIdentifier}"`,
      async (signal) => {
        const isId =
          /^[0-9a-zA-Z]{10}$/.test(promptIdentifier) || promptIdentifier.startsWith("arn:");
        const promptId = isId
          ? promptIdentifier
          : await this.#findByName(bedrockPromptName(promptIdentifier), signal);
        if (promptId === undefined) {
          throw new PromptNotFoundError(
            "id",
            `No Bedrock prompt named "${bedrockPromptName(promptIdentifier)}". Push it first, or give its id or ARN.`,
          );
        }
        const templates: PromptTemplate[] = [];
        const refs: BedrockPromptRef[] = [];
        for (const summary of await this.#summaries(promptId, signal)) {
          const out = await this.#send<GetPromptCommandOutput>(
            "GetPrompt",
            (sdk) =>
              new sdk.GetPromptCommand({
                promptIdentifier: promptId,
                promptVersion: summary.version,
              }),
            signal,
          );
          const { template } = templateOf(out);
          templates.push(template);
          const ref = {
            id: template.id,
            version: template.version,
            hash: template.hash,
            promptId: out.id as string,
            promptArn: (out.arn as string).replace(/:\d+$/, ""),
            bedrockVersion: out.version as string,
            versionArn: out.arn as string,
          };
          refs.push(ref);
          this.#refs.set(template.ref, ref);
        }
        const first = templates[0];
        return {
          id: first?.id ?? promptIdentifier,
          promptId: refs[0]?.promptId ?? promptId,
          templates,
          refs,
        };
      },
    );
  }

  /** Pulls a Bedrock prompt and registers its versions in `catalog`. */
  async pullInto(
    catalog: PromptCatalog,
    promptIdentifier: string,
    options: WaitOptions = {},
  ): Promise<PulledPrompt> {
    const pulled = await this.pull(promptIdentifier, options);
    for (const t of pulled.templates) catalog.register(t);
    return pulled;
  }

  /**
   * {@link PromptSource}: fetches one catalog version from Bedrock (the newest pushed one when
   * no version is given). Labels live in the catalog, not in Bedrock, so selecting by label
   * throws `PROMPT_LABEL_NOT_FOUND`.
   */
  async fetch(
    id: string,
    selector: PromptSelector = {},
    options: WaitOptions = {},
  ): Promise<PromptTemplate> {
    if (selector.label !== undefined) {
      throw new PromptNotFoundError(
        "label",
        `Bedrock Prompt Management has no fmops labels; fetch "${id}" by version, or resolve the label in a PromptCatalog first.`,
      );
    }
    const ref =
      selector.version === undefined ? undefined : this.#refs.get(`${id}@${selector.version}`);
    if (ref) {
      return this.#deadline(options, `fetching prompt "${id}" from Bedrock`, async (signal) => {
        const out = await this.#send<GetPromptCommandOutput>(
          "GetPrompt",
          (sdk) =>
            new sdk.GetPromptCommand({
              promptIdentifier: ref.promptId,
              promptVersion: ref.bedrockVersion,
            }),
          signal,
        );
        return templateOf(out).template;
      });
    }
    const pulled = await this.pull(id, options);
    const match =
      selector.version === undefined
        ? pulled.templates[pulled.templates.length - 1]
        : pulled.templates.find((t) => t.version === selector.version);
    if (!match) {
      throw new PromptNotFoundError(
        selector.version === undefined ? "id" : "version",
        `Bedrock prompt "${id}" has no ${selector.version === undefined ? "versions" : `version "${selector.version}"`}. Versions: ${pulled.templates.map((t) => t.version).join(", ") || "(none)"}.`,
      );
    }
    return match;
  }

  async #summaries(promptId: string, signal: AbortSignal) {
    const out: { version: string }[] = [];
    for await (const page of this.#listPrompts({ promptIdentifier: promptId }, signal)) {
      for (const s of page.promptSummaries ?? [])
        if (s.version && s.version !== "DRAFT") out.push({ version: s.version });
    }
    return out.sort((a, b) => Number(a.version) - Number(b.version));
  }

  async #versions(promptId: string, signal: AbortSignal): Promise<BedrockPromptRef[]> {
    const known = [...this.#refs.values()].filter((r) => r.promptId === promptId);
    const summaries = await this.#summaries(promptId, signal);
    const refs: BedrockPromptRef[] = [];
    for (const s of summaries) {
      const cached = known.find((r) => r.bedrockVersion === s.version);
      if (cached) {
        refs.push(cached);
        continue;
      }
      const out = await this.#send<GetPromptCommandOutput>(
        "GetPrompt",
        (sdk) => new sdk.GetPromptCommand({ promptIdentifier: promptId, promptVersion: s.version }),
        signal,
      );
      const { meta } = templateOf(out);
      const ref = {
        id: meta.get("fmops:id") ?? out.name ?? "",
        version: meta.get("fmops:version") ?? s.version,
        hash: meta.get("fmops:hash") ?? "",
        promptId,
        promptArn: (out.arn as string).replace(/:\d+$/, ""),
        bedrockVersion: s.version,
        versionArn: out.arn as string,
      };
      if (meta.has("fmops:id")) this.#refs.set(`${ref.id}@${ref.version}`, ref);
      refs.push(ref);
    }
    return refs;
  }

  async #findByName(name: string, signal: AbortSignal): Promise<string | undefined> {
    for await (const page of this.#listPrompts({}, signal)) {
      const hit = page.promptSummaries?.find((s) => s.name === name);
      // Returning from the loop releases the paginator: no page after the hit is requested.
      if (hit) return hit.id;
    }
    return undefined;
  }

  /**
   * The pages of ListPrompts (every prompt, or one prompt's versions with `promptIdentifier`),
   * read through the SDK's `paginateListPrompts`, 100 summaries a page at most.
   */
  async *#listPrompts(
    input: ListPromptsCommandInput,
    signal: AbortSignal,
  ): AsyncGenerator<ListPromptsCommandOutput, void, undefined> {
    const { sdk, client } = await this.#client();
    const pages = sdk.paginateListPrompts(
      { client, pageSize: 100 },
      { ...input },
      { abortSignal: signal },
    );
    yield* awsPages(signal, LIST_PROMPTS, pages);
  }

  /**
   * The loaded SDK package and the client, checked on every call to be the SDK's own class, so
   * a send-only wrapper is refused by every operation alike, not only by those that page.
   */
  async #client() {
    const { sdk, client } = await this.#bedrockAgent();
    return { sdk, client: paginatorClient(client, sdk.BedrockAgentClient, OWNER) };
  }

  /** Sends the command `command` builds from the (lazily loaded) Bedrock Agent package. */
  async #send<O>(
    operation: string,
    command: (sdk: typeof BedrockAgentModule) => object,
    signal: AbortSignal,
  ): Promise<O> {
    const { sdk, client } = await this.#client();
    return (await awsCall({ service: SERVICE, operation, iamAction: `bedrock:${operation}` }, () =>
      client.send(command(sdk) as never, { abortSignal: signal }),
    )) as O;
  }

  #deadline<T>(
    options: WaitOptions,
    what: string,
    fn: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return withDeadline(options, this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS, what, fn);
  }
}
