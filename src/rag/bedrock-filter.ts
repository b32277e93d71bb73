/**
 * Translates a {@link MetadataFilter} into a Bedrock Knowledge Bases `RetrievalFilter`, and
 * normalizes Knowledge Base results (location types, content) into {@link RetrievedChunk}s.
 *
 * @module
 */
import type {
  KnowledgeBaseRetrievalResult,
  RetrievalFilter,
  RetrievalResultLocation,
} from "@aws-sdk/client-bedrock-agent-runtime";
import { ValidationError } from "../core/index.js";
import { type FilterNode, type MetadataFilter, parseFilter } from "./filter.js";
import type { Metadata, MetadataValue, RetrievedChunk } from "./types.js";

function unsupported(what: string): never {
  throw new ValidationError(
    `Bedrock Knowledge Bases filters cannot express ${what}. Rewrite the filter, or pass a native RetrievalFilter as "nativeFilter".`,
    [{ path: "filter", message: `${what} is not supported by Knowledge Bases` }],
  );
}

const NEGATE: Record<string, keyof RetrievalFilter> = {
  eq: "notEquals",
  ne: "equals",
  gt: "lessThanOrEquals",
  gte: "lessThan",
  lt: "greaterThanOrEquals",
  lte: "greaterThan",
  in: "notIn",
  nin: "in",
};

const DIRECT: Record<string, keyof RetrievalFilter> = {
  eq: "equals",
  ne: "notEquals",
  gt: "greaterThan",
  gte: "greaterThanOrEquals",
  lt: "lessThan",
  lte: "lessThanOrEquals",
  in: "in",
  nin: "notIn",
};

function group(kind: "andAll" | "orAll", children: RetrievalFilter[]): RetrievalFilter {
  // The service requires at least two members in andAll / orAll.
  if (children.length === 1) return children[0] as RetrievalFilter;
  return (kind === "andAll" ? { andAll: children } : { orAll: children }) as RetrievalFilter;
}

function translate(node: FilterNode, negated: boolean): RetrievalFilter {
  switch (node.op) {
    case "and":
    case "or": {
      if (node.children.length === 0) unsupported("an empty filter group");
      const children = node.children.map((c) => translate(c, negated));
      // De Morgan: not(a and b) = not a or not b.
      const and = (node.op === "and") !== negated;
      return group(and ? "andAll" : "orAll", children);
    }
    case "not":
      return translate(node.child, !negated);
    case "exists":
      return unsupported("$exists");
    case "in":
    case "nin": {
      const key = (negated ? NEGATE : DIRECT)[node.op] as string;
      return { [key]: { key: node.field, value: node.values } } as unknown as RetrievalFilter;
    }
    default: {
      const key = (negated ? NEGATE : DIRECT)[node.op] as string;
      return { [key]: { key: node.field, value: node.value } } as unknown as RetrievalFilter;
    }
  }
}

/**
 * Converts a {@link MetadataFilter} into a Knowledge Bases `RetrievalFilter` (`equals`,
 * `notEquals`, `greaterThan`, ..., `in`, `notIn`, `andAll`, `orAll`; `$not` is pushed down).
 * `$exists` has no equivalent and throws `VALIDATION_ERROR`.
 *
 * @example
 * ```ts
 * toBedrockFilter({ year: { $gte: 2023 }, lang: "en" });
 * // { andAll: [{ greaterThanOrEquals: { key: "year", value: 2023 } }, { equals: { key: "lang", value: "en" } }] }
 * ```
 */
export function toBedrockFilter(filter: MetadataFilter): RetrievalFilter | undefined {
  const node = parseFilter(filter);
  if (node.op === "and" && node.children.length === 0) return undefined;
  return translate(node, false);
}

/**
 * The URI or URL of a Knowledge Base result's location, whatever its type (S3, web,
 * Confluence, SharePoint, Salesforce, OneDrive, Google Drive, Kendra, custom, SQL).
 */
export function locationSource(location: RetrievalResultLocation | undefined): string | undefined {
  if (!location) return undefined;
  return (
    location.s3Location?.uri ??
    location.webLocation?.url ??
    location.confluenceLocation?.url ??
    location.sharePointLocation?.url ??
    location.salesforceLocation?.url ??
    location.oneDriveLocation?.url ??
    location.googleDriveLocation?.url ??
    location.kendraDocumentLocation?.uri ??
    location.customDocumentLocation?.id ??
    location.sqlLocation?.query
  );
}

function toMetadataValue(value: unknown): MetadataValue | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return value;
  if (
    Array.isArray(value) &&
    value.every((v) => ["string", "number", "boolean"].includes(typeof v))
  )
    return value as (string | number | boolean)[];
  // Nested documents are kept as JSON text so nothing is lost.
  return value === undefined ? undefined : JSON.stringify(value);
}

/** The text of a result: its text content exactly, or a row rendered as `column: value` lines. */
function contentText(content: KnowledgeBaseRetrievalResult["content"]): string {
  if (!content) return "";
  if (content.text !== undefined) return content.text;
  if (content.row)
    return content.row.map((c) => `${c.columnName ?? ""}: ${c.columnValue ?? ""}`).join("\n");
  return content.audio?.transcription ?? content.video?.summary ?? "";
}

/**
 * Normalizes one Knowledge Base result (`ordinal`: its position among all results of the call). The text is kept exactly as returned (no trimming, no
 * "..." stripping); `metadata` holds the result's metadata plus `locationType` and, for
 * non-text content, `contentType`.
 */
export function fromKnowledgeBaseResult(
  result: {
    content?: KnowledgeBaseRetrievalResult["content"];
    location?: RetrievalResultLocation | undefined;
    metadata?: KnowledgeBaseRetrievalResult["metadata"];
    score?: number | undefined;
    documentId?: string | undefined;
  },
  ordinal: number,
): RetrievedChunk {
  const metadata: Metadata = {};
  for (const [k, v] of Object.entries(result.metadata ?? {})) {
    const value = toMetadataValue(v);
    if (value !== undefined) metadata[k] = value;
  }
  if (result.location?.type) metadata.locationType = result.location.type;
  if (result.content?.type && result.content.type !== "TEXT")
    metadata.contentType = result.content.type;
  const source = locationSource(result.location);
  // The chunk id is unique per chunk; a document id or location is not (several chunks of one
  // document can come back), so those get the result's position appended.
  const chunkId = metadata["x-amz-bedrock-kb-chunk-id"];
  const id =
    typeof chunkId === "string" && chunkId
      ? chunkId
      : `${result.documentId ?? source ?? "result"}#${ordinal}`;
  const chunk: RetrievedChunk = {
    id,
    text: contentText(result.content),
    score: result.score ?? 0,
    metadata,
  };
  if (source !== undefined) chunk.source = source;
  return chunk;
}
