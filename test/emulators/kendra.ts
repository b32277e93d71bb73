/**
 * A local stand-in for Amazon Kendra's `Retrieve` and `Query` calls, speaking AWS JSON 1.1 like
 * the real service: `POST /` with `X-Amz-Target: AWSKendraFrontendService.<Operation>` and
 * `application/x-amz-json-1.1` bodies. It validates requests (index id, page size, one member
 * per AttributeFilter), evaluates attribute filters (String, Long, Date and StringList values),
 * and answers with the documented result shapes.
 *
 * @module
 */
import { KendraClient } from "@aws-sdk/client-kendra";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  jsonInput,
  type StandInErrorSpec,
  standInError,
  startJsonTargetServer,
  testCredentials,
  testRegion,
  unknownOperation,
} from "./http.js";

/** A document passage held by the stand-in. */
export interface KendraPassage {
  id: string;
  documentId: string;
  title: string;
  uri: string;
  content: string;
  attributes: { Key: string; Value: Record<string, unknown> }[];
  confidence: "VERY_HIGH" | "HIGH" | "MEDIUM" | "LOW" | "NOT_AVAILABLE";
  /** Only `Query` finds it (e.g. a document too short for passages). */
  queryOnly?: boolean;
}

/** A running Kendra stand-in. */
export interface KendraStandIn {
  endpoint: string;
  client: KendraClient;
  /** Passages by index id. */
  indexes: Map<string, KendraPassage[]>;
  /** Every request: the operation and its JSON body. */
  requests: { operation: string; body: Record<string, unknown> }[];
  failNext: StandInErrorSpec[];
  close(): Promise<void>;
}

const FILTER_KEYS = [
  "AndAllFilters",
  "OrAllFilters",
  "NotFilter",
  "EqualsTo",
  "ContainsAll",
  "ContainsAny",
  "GreaterThan",
  "GreaterThanOrEquals",
  "LessThan",
  "LessThanOrEquals",
];

function invalid(message: string): never {
  throw standInError({ status: 400, type: "ValidationException", message });
}

function checkFilter(f: unknown, path: string): void {
  if (typeof f !== "object" || f === null) invalid(`${path} must be an object`);
  const keys = Object.keys(f as object);
  if (keys.length !== 1 || !FILTER_KEYS.includes(keys[0] as string))
    invalid(`${path}: an AttributeFilter must set exactly one of ${FILTER_KEYS.join(", ")}`);
  const key = keys[0] as string;
  const v = (f as Record<string, unknown>)[key];
  if (key === "AndAllFilters" || key === "OrAllFilters") {
    if (!Array.isArray(v)) invalid(`${path}.${key} must be a list`);
    for (const [i, c] of v.entries()) checkFilter(c, `${path}.${key}.${i}`);
  } else if (key === "NotFilter") {
    checkFilter(v, `${path}.NotFilter`);
  } else {
    const a = v as { Key?: unknown; Value?: Record<string, unknown> };
    if (
      typeof a.Key !== "string" ||
      typeof a.Value !== "object" ||
      Object.keys(a.Value ?? {}).length !== 1
    )
      invalid(`${path}.${key} needs Key and exactly one Value member`);
  }
}

function scalar(value: Record<string, unknown>): unknown {
  return value.StringValue ?? value.LongValue ?? value.DateValue ?? value.StringListValue;
}

function evaluate(f: Record<string, unknown>, attrs: Map<string, unknown>): boolean {
  const [key, v] = Object.entries(f)[0] as [string, unknown];
  if (key === "AndAllFilters")
    return (v as Record<string, unknown>[]).every((c) => evaluate(c, attrs));
  if (key === "OrAllFilters")
    return (v as Record<string, unknown>[]).some((c) => evaluate(c, attrs));
  if (key === "NotFilter") return !evaluate(v as Record<string, unknown>, attrs);
  const a = v as { Key: string; Value: Record<string, unknown> };
  const actual = attrs.get(a.Key);
  const expected = scalar(a.Value);
  switch (key) {
    case "EqualsTo":
      return actual === expected;
    case "ContainsAny":
      return Array.isArray(actual) && (expected as unknown[]).some((e) => actual.includes(e));
    case "ContainsAll":
      return Array.isArray(actual) && (expected as unknown[]).every((e) => actual.includes(e));
    case "GreaterThan":
      return typeof actual === "number" && actual > (expected as number);
    case "GreaterThanOrEquals":
      return typeof actual === "number" && actual >= (expected as number);
    case "LessThan":
      return typeof actual === "number" && actual < (expected as number);
    case "LessThanOrEquals":
      return typeof actual === "number" && actual <= (expected as number);
    default:
      return false;
  }
}

/** Starts the stand-in on 127.0.0.1 port 0. */
export async function startKendra(): Promise<KendraStandIn> {
  const indexes = new Map<string, KendraPassage[]>();
  const requests: { operation: string; body: Record<string, unknown> }[] = [];
  const failNext: StandInErrorSpec[] = [];

  const running = await startJsonTargetServer(
    {
      targetPrefix: "AWSKendraFrontendService",
      jsonVersion: "1.1",
      errors: "Message",
      internalType: "InternalServerException",
    },
    (call) => {
      const body = jsonInput(call.body);
      const operation = call.operation;
      requests.push({ operation: operation || (call.target.split(".")[1] ?? ""), body });
      const fault = failNext.shift();
      if (fault) throw standInError(fault);
      const contentType = call.headers["content-type"] ?? "";
      if (!contentType.startsWith("application/x-amz-json-1.1"))
        throw standInError({
          status: 400,
          type: "UnknownOperationException",
          message: `Unknown target ${call.target}`,
        });
      if (operation !== "Retrieve" && operation !== "Query") return unknownOperation(call.target);
      const indexId = body.IndexId;
      if (typeof indexId !== "string" || indexId.length !== 36)
        invalid("IndexId must be 36 characters");
      const passages = indexes.get(indexId);
      if (!passages)
        throw standInError({
          status: 404,
          type: "ResourceNotFoundException",
          message: `Index ${indexId} not found`,
        });
      const text = body.QueryText;
      if (typeof text !== "string" || text.length === 0) invalid("QueryText is required");
      const pageSize = body.PageSize ?? 10;
      if (typeof pageSize !== "number" || pageSize < 1 || pageSize > 100)
        invalid("PageSize must be between 1 and 100");
      if (body.AttributeFilter !== undefined) checkFilter(body.AttributeFilter, "AttributeFilter");
      const words = new Set(text.toLowerCase().split(/\W+/).filter(Boolean));
      const hits = passages.filter((p) => {
        if (operation === "Retrieve" && p.queryOnly) return false;
        const attrs = new Map(p.attributes.map((a) => [a.Key, scalar(a.Value)]));
        if (
          body.AttributeFilter &&
          !evaluate(body.AttributeFilter as Record<string, unknown>, attrs)
        )
          return false;
        return p.content
          .toLowerCase()
          .split(/\W+/)
          .some((w) => words.has(w));
      });
      const page = hits.slice(0, pageSize);
      const reply =
        operation === "Retrieve"
          ? {
              QueryId: call.requestId,
              ResultItems: page.map((p) => ({
                Id: p.id,
                DocumentId: p.documentId,
                DocumentTitle: p.title,
                Content: p.content,
                DocumentURI: p.uri,
                DocumentAttributes: p.attributes,
                ScoreAttributes: { ScoreConfidence: p.confidence },
              })),
            }
          : {
              QueryId: call.requestId,
              TotalNumberOfResults: hits.length,
              ResultItems: page.map((p) => ({
                Id: p.id,
                Type: "DOCUMENT",
                Format: "TEXT",
                DocumentId: p.documentId,
                DocumentTitle: { Text: p.title, Highlights: [] },
                DocumentExcerpt: { Text: p.content, Highlights: [] },
                DocumentURI: p.uri,
                DocumentAttributes: p.attributes,
                ScoreAttributes: { ScoreConfidence: p.confidence },
              })),
            };
      return reply;
    },
  );
  const client = new KendraClient({
    region: testRegion,
    credentials: testCredentials,
    endpoint: running.endpoint,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint: running.endpoint,
    client,
    indexes,
    requests,
    failNext,
    close: async () => {
      client.destroy();
      await running.close();
    },
  };
}
