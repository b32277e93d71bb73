/**
 * A local stand-in for the Bedrock Agent Runtime REST API's knowledge-base calls, on the routes
 * the real `@aws-sdk/client-bedrock-agent-runtime` sends (restJson1):
 * `POST /knowledgebases/{knowledgeBaseId}/retrieve` (Retrieve) and `POST /retrieveAndGenerate`
 * (RetrieveAndGenerate). It holds a corpus per knowledge base, validates request bodies the way
 * the service does (ranges, enums, one-key filter unions, two or more members in andAll/orAll),
 * evaluates `RetrievalFilter`s, ranks by word overlap, pages with `nextToken`, and threads
 * RetrieveAndGenerate sessions.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { BedrockAgentRuntimeClient } from "@aws-sdk/client-bedrock-agent-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { toUtf8 } from "@smithy/util-utf8";
import {
  asStandInError,
  readBody,
  type StandInErrorSpec,
  sendError,
  standInError,
  startServer,
  testCredentials,
  testRegion,
} from "./http.js";

/** One stored knowledge-base chunk, in the wire shape of a `KnowledgeBaseRetrievalResult`. */
export interface KbChunk {
  content: {
    type?: string;
    text?: string;
    row?: { columnName: string; columnValue: string; type: string }[];
  };
  location: Record<string, unknown> & { type: string };
  metadata?: Record<string, unknown>;
  /** Fixed score; when absent the stand-in scores by word overlap with the query. */
  score?: number;
}

/** One request the stand-in received. */
export interface RecordedRuntimeRequest {
  path: string;
  body: Record<string, unknown>;
}

/** A running Bedrock Agent Runtime stand-in. */
export interface BedrockAgentRuntimeStandIn {
  endpoint: string;
  /** A client wired to the stand-in (test credentials, one attempt). */
  client: BedrockAgentRuntimeClient;
  /** The corpus of each knowledge base, by id. */
  knowledgeBases: Map<string, KbChunk[]>;
  /** Session id -> the inputs received in that session. */
  sessions: Map<string, string[]>;
  /** Every request, in order. */
  requests: RecordedRuntimeRequest[];
  /** Errors to answer the next requests with, one each, in order. */
  failNext: StandInErrorSpec[];
  close(): Promise<void>;
}

const FILTER_LEAVES = [
  "equals",
  "notEquals",
  "greaterThan",
  "greaterThanOrEquals",
  "lessThan",
  "lessThanOrEquals",
  "in",
  "notIn",
  "startsWith",
  "listContains",
  "stringContains",
];

function invalid(message: string): never {
  throw standInError({ status: 400, type: "ValidationException", message });
}

function checkFilter(filter: unknown, path: string): void {
  if (typeof filter !== "object" || filter === null) invalid(`${path} must be an object`);
  const keys = Object.keys(filter as object);
  if (keys.length !== 1)
    invalid(
      `${path}: exactly one member of the RetrievalFilter union must be set, got ${keys.length}`,
    );
  const key = keys[0] as string;
  const value = (filter as Record<string, unknown>)[key];
  if (key === "andAll" || key === "orAll") {
    if (!Array.isArray(value) || value.length < 2)
      invalid(`${path}.${key}: Member must have length greater than or equal to 2`);
    for (const [i, f] of value.entries()) checkFilter(f, `${path}.${key}.${i}`);
    return;
  }
  if (!FILTER_LEAVES.includes(key)) invalid(`${path}: unknown filter type ${key}`);
  const attr = value as { key?: unknown; value?: unknown };
  if (typeof attr?.key !== "string" || attr.key.length === 0 || attr.value === undefined)
    invalid(`${path}.${key} needs key and value`);
  if ((key === "in" || key === "notIn") && !Array.isArray(attr.value))
    invalid(`${path}.${key}.value must be a list`);
}

function matches(filter: Record<string, unknown>, metadata: Record<string, unknown>): boolean {
  const [key, value] = Object.entries(filter)[0] as [string, unknown];
  if (key === "andAll")
    return (value as Record<string, unknown>[]).every((f) => matches(f, metadata));
  if (key === "orAll")
    return (value as Record<string, unknown>[]).some((f) => matches(f, metadata));
  const attr = value as { key: string; value: unknown };
  const actual = metadata[attr.key];
  const v = attr.value;
  switch (key) {
    case "equals":
      return actual === v;
    case "notEquals":
      return actual !== v;
    case "greaterThan":
      return typeof actual === "number" && actual > (v as number);
    case "greaterThanOrEquals":
      return typeof actual === "number" && actual >= (v as number);
    case "lessThan":
      return typeof actual === "number" && actual < (v as number);
    case "lessThanOrEquals":
      return typeof actual === "number" && actual <= (v as number);
    case "in":
      return (v as unknown[]).includes(actual);
    case "notIn":
      return !(v as unknown[]).includes(actual);
    case "startsWith":
      return typeof actual === "string" && actual.startsWith(v as string);
    case "listContains":
      return Array.isArray(actual) && actual.includes(v);
    case "stringContains":
      return typeof actual === "string" && actual.includes(v as string);
    default:
      return false;
  }
}

function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

function score(query: string, chunk: KbChunk): number {
  if (chunk.score !== undefined) return chunk.score;
  const q = words(query);
  const d = words(chunk.content.text ?? "");
  let shared = 0;
  for (const w of q) if (d.has(w)) shared++;
  return q.size === 0 ? 0 : shared / q.size;
}

function checkVectorConfig(
  config: unknown,
  path: string,
): { numberOfResults: number; filter?: Record<string, unknown> } {
  const c = (config ?? {}) as Record<string, unknown>;
  const n = c.numberOfResults ?? 5;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 100)
    invalid(`${path}.numberOfResults: Member must have value between 1 and 100`);
  if (
    c.overrideSearchType !== undefined &&
    c.overrideSearchType !== "HYBRID" &&
    c.overrideSearchType !== "SEMANTIC"
  )
    invalid(`${path}.overrideSearchType: Member must satisfy enum value set: [HYBRID, SEMANTIC]`);
  if (c.filter !== undefined) checkFilter(c.filter, `${path}.filter`);
  if (c.rerankingConfiguration !== undefined) {
    const r = c.rerankingConfiguration as Record<string, unknown>;
    if (r.type !== "BEDROCK_RERANKING_MODEL")
      invalid(`${path}.rerankingConfiguration.type must be BEDROCK_RERANKING_MODEL`);
    const model = (
      r.bedrockRerankingConfiguration as Record<string, Record<string, unknown>> | undefined
    )?.modelConfiguration;
    if (typeof model?.modelArn !== "string")
      invalid(
        `${path}.rerankingConfiguration needs bedrockRerankingConfiguration.modelConfiguration.modelArn`,
      );
  }
  const out: { numberOfResults: number; filter?: Record<string, unknown> } = {
    numberOfResults: n as number,
  };
  if (c.filter !== undefined) out.filter = c.filter as Record<string, unknown>;
  return out;
}

/**
 * Starts the stand-in on 127.0.0.1 port 0.
 *
 * @example
 * ```ts
 * const runtime = await startBedrockAgentRuntime();
 * runtime.knowledgeBases.set("KB12345678", [{ content: { text: "..." }, location: { type: "S3", s3Location: { uri: "s3://b/k" } } }]);
 * ```
 */
export async function startBedrockAgentRuntime(): Promise<BedrockAgentRuntimeStandIn> {
  const knowledgeBases = new Map<string, KbChunk[]>();
  const sessions = new Map<string, string[]>();
  const requests: RecordedRuntimeRequest[] = [];
  const failNext: StandInErrorSpec[] = [];

  const corpus = (id: string): KbChunk[] => {
    const kb = knowledgeBases.get(id);
    if (!kb)
      throw standInError({
        status: 404,
        type: "ResourceNotFoundException",
        message: `Knowledge base ${id} not found.`,
      });
    return kb;
  };

  const rank = (id: string, query: string, filter: Record<string, unknown> | undefined) =>
    corpus(id)
      .filter((c) => !filter || matches(filter, c.metadata ?? {}))
      .map((c) => ({ c, s: score(query, c) }))
      .sort((a, b) => b.s - a.s);

  const running = await startServer(
    async (req, res, requestId) => {
      try {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const raw = await readBody(req);
        const body = raw.length > 0 ? (JSON.parse(toUtf8(raw)) as Record<string, unknown>) : {};
        requests.push({ path: url.pathname, body });
        const fault = failNext.shift();
        if (fault) throw standInError(fault);
        const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
        let reply: Record<string, unknown>;
        if (
          req.method === "POST" &&
          segments[0] === "knowledgebases" &&
          segments[2] === "retrieve" &&
          segments.length === 3
        ) {
          const kbId = segments[1] as string;
          const query = (body.retrievalQuery as { text?: unknown } | undefined)?.text;
          if (typeof query !== "string" || query.length === 0)
            invalid("retrievalQuery.text is required");
          const config = checkVectorConfig(
            (body.retrievalConfiguration as Record<string, unknown> | undefined)
              ?.vectorSearchConfiguration,
            "retrievalConfiguration.vectorSearchConfiguration",
          );
          const ranked = rank(kbId, query, config.filter);
          const offset =
            body.nextToken === undefined
              ? 0
              : Number.parseInt(String(body.nextToken).replace(/^page-/, ""), 10);
          if (!Number.isInteger(offset) || offset < 0) invalid("nextToken is invalid");
          const page = ranked.slice(offset, offset + config.numberOfResults);
          reply = {
            retrievalResults: page.map(({ c, s }) => ({
              content: { type: "TEXT", ...c.content },
              location: c.location,
              metadata: c.metadata,
              score: s,
            })),
          };
          if (offset + config.numberOfResults < ranked.length)
            reply.nextToken = `page-${offset + config.numberOfResults}`;
        } else if (req.method === "POST" && url.pathname === "/retrieveAndGenerate") {
          const input = (body.input as { text?: unknown } | undefined)?.text;
          if (typeof input !== "string" || input.length === 0) invalid("input.text is required");
          const config = body.retrieveAndGenerateConfiguration as
            | Record<string, unknown>
            | undefined;
          if (config?.type !== "KNOWLEDGE_BASE")
            invalid("retrieveAndGenerateConfiguration.type must be KNOWLEDGE_BASE here");
          const kbConfig = config.knowledgeBaseConfiguration as Record<string, unknown> | undefined;
          if (
            typeof kbConfig?.knowledgeBaseId !== "string" ||
            typeof kbConfig.modelArn !== "string"
          )
            invalid("knowledgeBaseConfiguration needs knowledgeBaseId and modelArn");
          const vector = checkVectorConfig(
            (kbConfig.retrievalConfiguration as Record<string, unknown> | undefined)
              ?.vectorSearchConfiguration,
            "knowledgeBaseConfiguration.retrievalConfiguration.vectorSearchConfiguration",
          );
          let sessionId = body.sessionId as string | undefined;
          if (sessionId !== undefined && !sessions.has(sessionId))
            throw standInError({
              status: 404,
              type: "ResourceNotFoundException",
              message: `Session ${sessionId} not found.`,
            });
          sessionId ??= randomUUID();
          const turns = sessions.get(sessionId) ?? [];
          turns.push(input);
          sessions.set(sessionId, turns);
          const top = rank(kbConfig.knowledgeBaseId, input, vector.filter).slice(
            0,
            Math.min(2, vector.numberOfResults),
          );
          const first = `Turn ${turns.length}: ${top[0]?.c.content.text ?? "no sources"}.`;
          const second = top[1] ? ` Also: ${top[1].c.content.text}` : "";
          const text = first + second;
          const citations = top.map(({ c }, i) => ({
            generatedResponsePart: {
              textResponsePart:
                i === 0
                  ? { text: first, span: { start: 0, end: first.length - 1 } }
                  : { text: second, span: { start: first.length, end: text.length - 1 } },
            },
            retrievedReferences: [
              {
                content: { type: "TEXT", ...c.content },
                location: c.location,
                metadata: c.metadata,
              },
            ],
          }));
          reply = { sessionId, output: { text }, citations };
        } else {
          throw standInError({
            status: 404,
            type: "UnknownOperationException",
            message: `No route for ${req.method} ${url.pathname}`,
          });
        }
        const json = JSON.stringify(reply);
        res.writeHead(200, {
          "content-type": "application/json",
          "x-amzn-requestid": requestId,
          "content-length": Buffer.byteLength(json),
        });
        res.end(json);
      } catch (err) {
        sendError(res, asStandInError(err, "InternalServerException"), "message", requestId);
      }
    },
    { errorStyle: { coralNamespace: "com.amazon.bedrock.agent.runtime" } },
  );

  const client = new BedrockAgentRuntimeClient({
    region: testRegion,
    credentials: testCredentials,
    endpoint: running.endpoint,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint: running.endpoint,
    client,
    knowledgeBases,
    sessions,
    requests,
    failNext,
    close: async () => {
      client.destroy();
      await running.close();
    },
  };
}
