/**
 * {@link KendraRetriever}: Amazon Kendra `Retrieve` (passages up to 200 words) behind the
 * {@link Retriever} interface, falling back to `Query` excerpts when Retrieve finds nothing.
 *
 * @module
 */
import type {
  AttributeFilter,
  DocumentAttribute,
  DocumentAttributeValue,
  KendraClient,
  QueryResultItem,
  RetrieveResultItem,
} from "@aws-sdk/client-kendra";
import { z } from "zod";
import {
  type AwsClientConfig,
  awsCall,
  parseOptions,
  ValidationError,
  withDeadline,
} from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  kendraSdk,
  lazyAwsClient,
  type SendsCommands,
  schemaFor,
} from "../core/internal.js";
import { type FilterNode, type FilterScalar, type MetadataFilter, parseFilter } from "./filter.js";
import type { KendraAttributeFilter } from "./native-shapes.js";
import {
  DEFAULT_K,
  type Metadata,
  type RetrievedChunk,
  type RetrieveOptions,
  type Retriever,
} from "./types.js";

/** Kendra's confidence buckets, lowest first. */
export type KendraConfidence = "NOT_AVAILABLE" | "LOW" | "MEDIUM" | "HIGH" | "VERY_HIGH";

/** The score each confidence bucket becomes (Kendra returns buckets, not numbers). */
export const KENDRA_CONFIDENCE_SCORES: Readonly<Record<KendraConfidence, number>> = Object.freeze({
  NOT_AVAILABLE: 0,
  LOW: 0.25,
  MEDIUM: 0.5,
  HIGH: 0.75,
  VERY_HIGH: 1,
});

/** Options for {@link KendraRetriever}. */
export interface KendraRetrieverOptions extends AwsClientConfig {
  /** The Kendra index id (36-character UUID). */
  indexId: string;
  /** A ready client; preferred. */
  client?: SendsCommands;
  /** Drop results below this confidence bucket (`NOT_AVAILABLE` then counts as lowest). Default: keep all. */
  minConfidence?: Exclude<KendraConfidence, "NOT_AVAILABLE">;
  /** Results requested per call, 1..100. Default: k. */
  pageSize?: number;
  /** A native `AttributeFilter` ANDed with the call's filter. */
  nativeFilter?: KendraAttributeFilter;
  /** Call `Query` when `Retrieve` returns no passage. Default true. */
  fallbackToQuery?: boolean;
  /** The user's identity for document-level access control. */
  userContext?: {
    /** The user's identity token (JWT or JSON), checked by Kendra's token-based access control. */
    Token?: string;
    /** The user's id, matched against document ACLs. */
    UserId?: string;
    /** Groups the user belongs to, matched against document ACLs. */
    Groups?: string[];
  };
  /** Deadline of one retrieve (both calls). Default 30 000 ms. */
  timeoutMs?: number;
}

const optionsSchema = schemaFor<KendraRetrieverOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      indexId: z
        .string()
        .regex(/^[a-zA-Z0-9][a-zA-Z0-9-]{35}$/, "must be a 36-character Kendra index id"),
      client: awsClientSchema("KendraClient").optional(),
      minConfidence: z.enum(["LOW", "MEDIUM", "HIGH", "VERY_HIGH"]).optional(),
      pageSize: z.int().min(1).max(100).optional(),
      // Kendra judges the filter itself; it only has to be an object here.
      nativeFilter: z
        .custom<KendraAttributeFilter>(
          (v) => typeof v === "object" && v !== null && !Array.isArray(v),
          "must be a Kendra AttributeFilter object",
        )
        .optional(),
      fallbackToQuery: z.boolean().optional(),
      userContext: z
        .object({
          Token: z.string().optional(),
          UserId: z.string().optional(),
          Groups: z.array(z.string()).optional(),
        })
        .strict()
        .optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function kendraValue(value: FilterScalar, field: string): DocumentAttributeValue {
  if (typeof value === "number") {
    if (!Number.isInteger(value)) {
      throw new ValidationError(
        `Kendra attributes hold whole numbers only; the filter on "${field}" compares with ${value}.`,
        [{ path: `filter.${field}`, message: "Kendra LongValue must be an integer" }],
      );
    }
    return { LongValue: value };
  }
  if (typeof value === "boolean") {
    throw new ValidationError(
      `Kendra has no boolean attributes; store "${field}" as a string and filter on "true"/"false".`,
      [{ path: `filter.${field}`, message: "booleans are not supported by Kendra" }],
    );
  }
  // Dates are Kendra DateValues; ISO strings compare as dates.
  if (ISO_DATE.test(value) && !Number.isNaN(Date.parse(value)))
    return { DateValue: new Date(value) };
  return { StringValue: value };
}

function attr(field: string, value: FilterScalar): DocumentAttribute {
  return { Key: field, Value: kendraValue(value, field) };
}

function toKendra(node: FilterNode): AttributeFilter {
  switch (node.op) {
    case "and":
      return { AndAllFilters: node.children.map(toKendra) };
    case "or":
      return { OrAllFilters: node.children.map(toKendra) };
    case "not":
      return { NotFilter: toKendra(node.child) };
    case "exists":
      throw new ValidationError(
        "Kendra filters cannot express $exists. Use nativeFilter or drop it.",
        [{ path: "filter", message: "$exists is not supported by Kendra" }],
      );
    case "eq":
      return { EqualsTo: attr(node.field, node.value) };
    case "ne":
      return { NotFilter: { EqualsTo: attr(node.field, node.value) } };
    case "gt":
      return { GreaterThan: attr(node.field, node.value) };
    case "gte":
      return { GreaterThanOrEquals: attr(node.field, node.value) };
    case "lt":
      return { LessThan: attr(node.field, node.value) };
    case "lte":
      return { LessThanOrEquals: attr(node.field, node.value) };
    case "in":
      return { OrAllFilters: node.values.map((v) => ({ EqualsTo: attr(node.field, v) })) };
    case "nin":
      return {
        NotFilter: { OrAllFilters: node.values.map((v) => ({ EqualsTo: attr(node.field, v) })) },
      };
  }
}

/**
 * Converts a {@link MetadataFilter} into a Kendra `AttributeFilter` (integers become
 * `LongValue`, ISO dates `DateValue`, other strings `StringValue`).
 */
export function toKendraFilter(filter: MetadataFilter): AttributeFilter | undefined {
  const node = parseFilter(filter);
  if (node.op === "and" && node.children.length === 0) return undefined;
  return toKendra(node);
}

function attributeValue(v: DocumentAttributeValue | undefined): Metadata[string] {
  if (!v) return undefined;
  if (v.StringValue !== undefined) return v.StringValue;
  if (v.LongValue !== undefined) return v.LongValue;
  if (v.StringListValue !== undefined) return v.StringListValue;
  if (v.DateValue !== undefined) return new Date(v.DateValue).toISOString();
  return undefined;
}

function baseMetadata(
  item: Pick<RetrieveResultItem, "DocumentId" | "DocumentAttributes" | "ScoreAttributes">,
  title: string | undefined,
  resultType: string,
): Metadata {
  const metadata: Metadata = {};
  for (const a of item.DocumentAttributes ?? []) {
    if (a.Key) {
      const v = attributeValue(a.Value);
      if (v !== undefined) metadata[a.Key] = v;
    }
  }
  if (item.DocumentId) metadata.documentId = item.DocumentId;
  if (title) metadata.title = title;
  metadata.confidence = item.ScoreAttributes?.ScoreConfidence ?? "NOT_AVAILABLE";
  metadata.resultType = resultType;
  return metadata;
}

function scoreOf(item: Pick<RetrieveResultItem, "ScoreAttributes">): number {
  const c = (item.ScoreAttributes?.ScoreConfidence ?? "NOT_AVAILABLE") as KendraConfidence;
  return KENDRA_CONFIDENCE_SCORES[c] ?? 0;
}

function fromRetrieve(item: RetrieveResultItem, i: number): RetrievedChunk {
  const chunk: RetrievedChunk = {
    id: item.Id ?? `${item.DocumentId ?? "result"}#${i}`,
    text: item.Content ?? "",
    score: scoreOf(item),
    metadata: baseMetadata(item, item.DocumentTitle, "PASSAGE"),
  };
  if (item.DocumentURI) chunk.source = item.DocumentURI;
  return chunk;
}

function fromQuery(item: QueryResultItem, i: number): RetrievedChunk {
  const chunk: RetrievedChunk = {
    id: item.Id ?? `${item.DocumentId ?? "result"}#${i}`,
    text: item.DocumentExcerpt?.Text ?? "",
    score: scoreOf(item),
    metadata: baseMetadata(item, item.DocumentTitle?.Text, item.Type ?? "DOCUMENT"),
  };
  if (item.DocumentURI) chunk.source = item.DocumentURI;
  return chunk;
}

/**
 * Retrieves passages from an Amazon Kendra index with `Retrieve` (attribute filter, page size,
 * user context). If Retrieve returns no passage, it asks `Query` for document excerpts instead
 * (Kendra's documented fallback). Kendra reports confidence buckets rather than scores; each
 * bucket becomes a score (`VERY_HIGH` 1, `HIGH` 0.75, `MEDIUM` 0.5, `LOW` 0.25, `NOT_AVAILABLE` 0)
 * and `minConfidence` drops weaker
 * results. IAM: `kendra:Retrieve`, `kendra:Query`.
 *
 * @example
 * ```ts
 * const kendra = new KendraRetriever({ indexId, region: "us-east-1", minConfidence: "MEDIUM" });
 * const hits = await kendra.retrieve("vacation policy", { k: 5, filter: { _language_code: "en" } });
 * ```
 */
export class KendraRetriever implements Retriever {
  /** The index queried. */
  readonly indexId: string;
  readonly #kendra;
  readonly #options: KendraRetrieverOptions;

  constructor(options: KendraRetrieverOptions) {
    this.#options = parseOptions(optionsSchema, options, "KendraRetriever options");
    this.indexId = this.#options.indexId;
    const config = clientConfigFrom(this.#options);
    this.#kendra = lazyAwsClient(
      kendraSdk,
      "KendraRetriever",
      // Typed structurally in the options (see native-shapes.ts); it is a KendraClient.
      this.#options.client as KendraClient | undefined,
      (sdk) => new sdk.KendraClient(config),
    );
  }

  /** Retrieves up to k passages (default 4), highest confidence first. */
  async retrieve(query: string, options: RetrieveOptions = {}): Promise<RetrievedChunk[]> {
    const k = options.k ?? DEFAULT_K;
    if (k <= 0) return [];
    const translated = options.filter ? toKendraFilter(options.filter) : undefined;
    const native = this.#options.nativeFilter as AttributeFilter | undefined;
    const filter =
      translated && native ? { AndAllFilters: [translated, native] } : (translated ?? native);
    const common = {
      IndexId: this.indexId,
      QueryText: query,
      PageSize: Math.min(100, this.#options.pageSize ?? k),
      ...(filter ? { AttributeFilter: filter } : {}),
      ...(this.#options.userContext ? { UserContext: this.#options.userContext } : {}),
    };
    const min = this.#options.minConfidence
      ? KENDRA_CONFIDENCE_SCORES[this.#options.minConfidence]
      : undefined;
    return withDeadline(
      options,
      this.#options.timeoutMs ?? 30_000,
      "retrieving from Kendra",
      async (signal) => {
        const { sdk, client } = await this.#kendra();
        // Mapping runs inside the wrapped call so a malformed item is reported against the
        // operation that returned it.
        let chunks: RetrievedChunk[] = await awsCall(
          { service: "Kendra", operation: "Retrieve", iamAction: "kendra:Retrieve" },
          async () => {
            const r = await client.send(new sdk.RetrieveCommand(common), { abortSignal: signal });
            return (r.ResultItems ?? []).map(fromRetrieve);
          },
        );
        if (chunks.length === 0 && this.#options.fallbackToQuery !== false) {
          chunks = await awsCall(
            { service: "Kendra", operation: "Query", iamAction: "kendra:Query" },
            async () => {
              const q = await client.send(new sdk.QueryCommand(common), { abortSignal: signal });
              return (q.ResultItems ?? [])
                .filter((item) => item.DocumentExcerpt?.Text)
                .map(fromQuery);
            },
          );
        }
        if (min !== undefined) chunks = chunks.filter((c) => c.score >= min);
        return chunks.sort((a, b) => b.score - a.score).slice(0, k);
      },
    );
  }
}
