/**
 * A local stand-in for the Bedrock Agent (Prompt Management) REST API: CreatePrompt, GetPrompt,
 * UpdatePrompt, CreatePromptVersion, ListPrompts and DeletePrompt, on the routes the real
 * `@aws-sdk/client-bedrock-agent` sends (restJson1): `POST /prompts/`, `GET /prompts/`,
 * `GET|PUT|DELETE /prompts/{promptIdentifier}/`, `POST /prompts/{promptIdentifier}/versions`.
 * It enforces the service's documented limits that clients trip over (name pattern, metadata
 * key/value patterns and lengths, one variant, unique names).
 *
 * @module
 */
import type { ServerResponse } from "node:http";
import { BedrockAgentClient } from "@aws-sdk/client-bedrock-agent";
import { toUtf8 } from "@smithy/util-utf8";
import {
  readBody,
  type StandInError,
  type StandInErrorSpec,
  sendBody,
  sendError,
  standInClientConfig,
  standInError,
  startServer,
  testRegion,
} from "./http.js";

/** A prompt variant as stored (the wire JSON shape). */
export type StoredVariant = Record<string, unknown> & {
  name: string;
  templateType: string;
  templateConfiguration: Record<string, unknown>;
  metadata?: { key: string; value: string }[];
};

/** One version (or the DRAFT) of a stored prompt. */
export interface StoredPromptVersion {
  name: string;
  description?: string;
  defaultVariant?: string;
  variants: StoredVariant[];
  version: string;
  createdAt: string;
  updatedAt: string;
}

/** A prompt held by the stand-in. */
export interface StoredPrompt {
  id: string;
  arn: string;
  draft: StoredPromptVersion;
  versions: Map<string, StoredPromptVersion>;
  nextVersion: number;
}

/** One request the stand-in received. */
export interface RecordedAgentRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/** A running Bedrock Agent stand-in. */
export interface BedrockAgentStandIn {
  endpoint: string;
  /** A client wired to the stand-in (test credentials, one attempt). */
  client: BedrockAgentClient;
  /** The stored prompts by id. */
  prompts: Map<string, StoredPrompt>;
  /** Every request, in order. */
  requests: RecordedAgentRequest[];
  /** Errors to answer the next requests with, one each, in order. */
  failNext: StandInErrorSpec[];
  close(): Promise<void>;
}

const NAME = /^([0-9a-zA-Z][_-]?){1,100}$/;
const META = /^[a-zA-Z0-9\s._:/=+@-]*$/;
const ACCOUNT = "123456789012";

function now(): string {
  return new Date().toISOString();
}

function newId(existing: Map<string, StoredPrompt>): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (;;) {
    let id = "";
    for (let i = 0; i < 10; i++) id += chars[Math.floor(Math.random() * chars.length)];
    if (!existing.has(id)) return id;
  }
}

function validation(message: string): StandInError {
  return standInError({ status: 400, type: "ValidationException", message });
}

function checkBody(body: Record<string, unknown>): void {
  if (typeof body.name !== "string" || !NAME.test(body.name)) {
    throw validation(
      `1 validation error detected: Value '${String(body.name)}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([0-9a-zA-Z][_-]?){1,100}$`,
    );
  }
  if (typeof body.description === "string" && body.description.length > 200) {
    throw validation(
      "Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 200",
    );
  }
  const variants = (body.variants ?? []) as StoredVariant[];
  if (!Array.isArray(variants) || variants.length > 1) {
    throw validation(
      "Value at 'variants' failed to satisfy constraint: Member must have length less than or equal to 1",
    );
  }
  for (const v of variants) {
    if (!NAME.test(v.name ?? "") || !["TEXT", "CHAT"].includes(v.templateType)) {
      throw validation(
        "Invalid variant: name must match ^([0-9a-zA-Z][_-]?){1,100}$ and templateType must be TEXT or CHAT.",
      );
    }
    const config = v.templateConfiguration as {
      text?: { text?: unknown };
      chat?: { messages?: unknown };
    };
    if (
      v.templateType === "TEXT"
        ? typeof config?.text?.text !== "string"
        : !Array.isArray(config?.chat?.messages)
    ) {
      throw validation(`The templateConfiguration does not match templateType ${v.templateType}.`);
    }
    const metadata = v.metadata ?? [];
    if (metadata.length > 50)
      throw validation(
        "Value at 'variants.1.member.metadata' failed to satisfy constraint: Member must have length less than or equal to 50",
      );
    for (const m of metadata) {
      if (
        !META.test(m.key) ||
        m.key.length < 1 ||
        m.key.length > 128 ||
        !META.test(m.value) ||
        m.value.length > 1024
      ) {
        throw validation(
          `Value at 'variants.1.member.metadata' failed to satisfy constraint: key '${m.key}' or its value does not match [a-zA-Z0-9\\s._:/=+@-]* or is too long.`,
        );
      }
    }
  }
  if (body.defaultVariant !== undefined && !variants.some((v) => v.name === body.defaultVariant)) {
    throw validation(
      `The default variant ${String(body.defaultVariant)} is not one of the prompt's variants.`,
    );
  }
}

function view(p: StoredPrompt, v: StoredPromptVersion) {
  return {
    name: v.name,
    id: p.id,
    arn: v.version === "DRAFT" ? p.arn : `${p.arn}:${v.version}`,
    version: v.version,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    ...(v.description !== undefined ? { description: v.description } : {}),
    ...(v.defaultVariant !== undefined ? { defaultVariant: v.defaultVariant } : {}),
    variants: v.variants,
  };
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  sendBody(res, requestId, JSON.stringify(body), { "content-type": "application/json" }, status);
}

/**
 * Starts the stand-in on 127.0.0.1 port 0.
 *
 * @example
 * ```ts
 * const agent = await startBedrockAgent();
 * await agent.client.send(new CreatePromptCommand({ name: "p", variants: [...] }));
 * await agent.close();
 * ```
 */
export async function startBedrockAgent(
  options: {
    /** Most summaries per ListPrompts page, whatever maxResults asks (the service may return fewer). Default 1000. */
    pageSize?: number;
  } = {},
): Promise<BedrockAgentStandIn> {
  const prompts = new Map<string, StoredPrompt>();
  const requests: RecordedAgentRequest[] = [];
  const failNext: StandInErrorSpec[] = [];

  const find = (identifier: string): StoredPrompt => {
    const id = identifier.startsWith("arn:")
      ? ((identifier.split("/").pop() ?? "").split(":")[0] ?? "")
      : identifier;
    const p = prompts.get(id);
    if (!p)
      throw standInError({
        status: 404,
        type: "ResourceNotFoundException",
        message: `Prompt ${identifier} not found.`,
      });
    return p;
  };
  const versionOf = (p: StoredPrompt, version: string | undefined): StoredPromptVersion => {
    if (version === undefined || version === "DRAFT") return p.draft;
    const v = p.versions.get(version);
    if (!v)
      throw standInError({
        status: 404,
        type: "ResourceNotFoundException",
        message: `Version ${version} of prompt ${p.id} not found.`,
      });
    return v;
  };

  const running = await startServer(
    async (req, res, requestId) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const query = Object.fromEntries(url.searchParams);
      const raw = await readBody(req);
      const body = raw.length > 0 ? (JSON.parse(toUtf8(raw)) as Record<string, unknown>) : {};
      requests.push({ method: req.method ?? "", path: url.pathname, query, body });
      try {
        const fault = failNext.shift();
        if (fault) throw standInError(fault);
        const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
        if (segments[0] !== "prompts")
          throw standInError({
            status: 404,
            type: "UnknownOperationException",
            message: `No route for ${req.method} ${url.pathname}`,
          });
        const [, identifier, sub] = segments;

        if (identifier === undefined && req.method === "POST") {
          checkBody(body);
          for (const p of prompts.values()) {
            if (p.draft.name === body.name)
              throw standInError({
                status: 409,
                type: "ConflictException",
                message: `A prompt named ${String(body.name)} already exists.`,
              });
          }
          const id = newId(prompts);
          const at = now();
          const p: StoredPrompt = {
            id,
            arn: `arn:aws:bedrock:${testRegion}:${ACCOUNT}:prompt/${id}`,
            draft: {
              name: body.name as string,
              variants: (body.variants ?? []) as StoredVariant[],
              version: "DRAFT",
              createdAt: at,
              updatedAt: at,
              ...(typeof body.description === "string" ? { description: body.description } : {}),
              ...(typeof body.defaultVariant === "string"
                ? { defaultVariant: body.defaultVariant }
                : {}),
            },
            versions: new Map(),
            nextVersion: 1,
          };
          prompts.set(id, p);
          send(res, 201, view(p, p.draft), requestId);
          return;
        }
        if (identifier === undefined && req.method === "GET") {
          const all = query.promptIdentifier
            ? (() => {
                const p = find(query.promptIdentifier);
                return [p.draft, ...p.versions.values()].map((v) => view(p, v));
              })()
            : [...prompts.values()].map((p) => view(p, p.draft));
          const max = Math.min(Number(query.maxResults ?? 10), options.pageSize ?? 1000);
          const start = Number(query.nextToken ?? 0);
          const page = all
            .slice(start, start + max)
            .map(({ variants: _v, defaultVariant: _d, ...summary }) => summary);
          send(
            res,
            200,
            {
              promptSummaries: page,
              ...(start + max < all.length ? { nextToken: String(start + max) } : {}),
            },
            requestId,
          );
          return;
        }
        if (identifier === undefined)
          throw standInError({
            status: 404,
            type: "UnknownOperationException",
            message: `No route for ${req.method} ${url.pathname}`,
          });
        const p = find(identifier);
        if (sub === "versions" && req.method === "POST") {
          const version = String(p.nextVersion++);
          const at = now();
          const snapshot: StoredPromptVersion = {
            ...structuredClone(p.draft),
            version,
            createdAt: at,
            updatedAt: at,
            ...(typeof body.description === "string" ? { description: body.description } : {}),
          };
          p.versions.set(version, snapshot);
          send(res, 201, view(p, snapshot), requestId);
          return;
        }
        if (sub === undefined && req.method === "GET") {
          send(res, 200, view(p, versionOf(p, query.promptVersion)), requestId);
          return;
        }
        if (sub === undefined && req.method === "PUT") {
          checkBody(body);
          for (const other of prompts.values()) {
            if (other !== p && other.draft.name === body.name)
              throw standInError({
                status: 409,
                type: "ConflictException",
                message: `A prompt named ${String(body.name)} already exists.`,
              });
          }
          const { description: _d, defaultVariant: _dv, ...kept } = p.draft;
          p.draft = {
            ...kept,
            name: body.name as string,
            variants: (body.variants ?? []) as StoredVariant[],
            updatedAt: now(),
            ...(typeof body.description === "string" ? { description: body.description } : {}),
            ...(typeof body.defaultVariant === "string"
              ? { defaultVariant: body.defaultVariant }
              : {}),
          };
          send(res, 200, view(p, p.draft), requestId);
          return;
        }
        if (sub === undefined && req.method === "DELETE") {
          if (query.promptVersion && query.promptVersion !== "DRAFT") {
            versionOf(p, query.promptVersion);
            p.versions.delete(query.promptVersion);
          } else {
            prompts.delete(p.id);
          }
          send(
            res,
            200,
            { id: p.id, ...(query.promptVersion ? { version: query.promptVersion } : {}) },
            requestId,
          );
          return;
        }
        throw standInError({
          status: 404,
          type: "UnknownOperationException",
          message: `No route for ${req.method} ${url.pathname}`,
        });
      } catch (err) {
        const e = err as StandInError;
        if (typeof e.status === "number" && typeof e.type === "string")
          sendError(res, e, "message", requestId);
        else throw err;
      }
    },
    { errorStyle: { coralNamespace: "com.amazon.bedrock.agent" } },
  );

  const client = new BedrockAgentClient(standInClientConfig(running.endpoint));
  return {
    endpoint: running.endpoint,
    client,
    prompts,
    requests,
    failNext,
    async close() {
      client.destroy();
      await running.close();
    },
  };
}
