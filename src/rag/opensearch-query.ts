/**
 * OpenSearch request bodies built by {@link OpenSearchVectorStore}: the k-NN index mapping, the
 * metadata filter as a `bool` query, and the k-NN / lexical / hybrid queries.
 *
 * @module
 */
import { type FilterNode, type MetadataFilter, parseFilter } from "./filter.js";

/** k-NN engines OpenSearch 3 accepts (`nmslib` is deprecated and rejected for new indexes). */
export type OpenSearchEngine = "faiss" | "lucene";

/** OpenSearch space types. */
export type OpenSearchSpaceType = "l2" | "cosinesimil" | "innerproduct";

/** HNSW graph parameters. */
export interface HnswParameters {
  /** Graph degree. Default 16. */
  m?: number;
  /** Candidate list size while building. Default 128. */
  efConstruction?: number;
  /** Candidate list size while searching (faiss: index setting; lucene: sent with each query). Default 100. */
  efSearch?: number;
}

/** Field names used in the index. */
export interface OpenSearchFields {
  /** The `knn_vector` field holding the embedding. Default `embedding`. */
  vector: string;
  /** The chunk text, analyzed with the `english` analyzer for keyword search. Default `text`. */
  text: string;
  /** The metadata object; its string members are mapped as keywords for filtering. Default `metadata`. */
  metadata: string;
  /** A `keyword` field holding the chunk id (Serverless cannot use a custom `_id`). Default `chunk_id`. */
  id: string;
}

/** The body of the index-creation request. */
export function indexBody(
  dimensions: number,
  engine: OpenSearchEngine,
  spaceType: OpenSearchSpaceType,
  hnsw: HnswParameters,
  fields: OpenSearchFields,
): Record<string, unknown> {
  const parameters: Record<string, number> = {
    m: hnsw.m ?? 16,
    ef_construction: hnsw.efConstruction ?? 128,
  };
  // faiss takes ef_search as a method parameter; lucene only accepts it per query.
  if (engine === "faiss") parameters.ef_search = hnsw.efSearch ?? 100;
  return {
    settings: { index: { knn: true } },
    mappings: {
      dynamic_templates: [
        {
          metadata_strings_as_keywords: {
            path_match: `${fields.metadata}.*`,
            match_mapping_type: "string",
            mapping: { type: "keyword" },
          },
        },
      ],
      properties: {
        [fields.vector]: {
          type: "knn_vector",
          dimension: dimensions,
          method: { name: "hnsw", engine, space_type: spaceType, parameters },
        },
        [fields.text]: { type: "text", analyzer: "english" },
        [fields.id]: { type: "keyword" },
        [fields.metadata]: { type: "object", dynamic: true },
      },
    },
  };
}

function field(metadataField: string, name: string): string {
  return `${metadataField}.${name}`;
}

function translate(node: FilterNode, metadataField: string): Record<string, unknown> {
  switch (node.op) {
    case "and":
      return { bool: { filter: node.children.map((c) => translate(c, metadataField)) } };
    case "or":
      return {
        bool: {
          should: node.children.map((c) => translate(c, metadataField)),
          minimum_should_match: 1,
        },
      };
    case "not":
      return { bool: { must_not: [translate(node.child, metadataField)] } };
    case "eq":
      return { term: { [field(metadataField, node.field)]: node.value } };
    case "ne":
      return { bool: { must_not: [{ term: { [field(metadataField, node.field)]: node.value } }] } };
    case "in":
      return { terms: { [field(metadataField, node.field)]: node.values } };
    case "nin":
      return {
        bool: { must_not: [{ terms: { [field(metadataField, node.field)]: node.values } }] },
      };
    case "exists":
      return node.value
        ? { exists: { field: field(metadataField, node.field) } }
        : { bool: { must_not: [{ exists: { field: field(metadataField, node.field) } }] } };
    default:
      return { range: { [field(metadataField, node.field)]: { [node.op]: node.value } } };
  }
}

/**
 * Translates a {@link MetadataFilter} into an OpenSearch query clause over `metadata.<field>`
 * (strings are mapped as keywords, so `term` matches them exactly).
 */
export function toOpenSearchFilter(
  filter: MetadataFilter,
  metadataField = "metadata",
): Record<string, unknown> | undefined {
  const node = parseFilter(filter);
  if (node.op === "and" && node.children.length === 0) return undefined;
  return translate(node, metadataField);
}

/**
 * The k-NN query. The filter goes inside the `knn` clause (efficient filtering during the graph
 * search), so k results come back whenever k documents match; a filter beside the knn clause
 * would post-filter the k nearest and return fewer.
 */
export function knnQuery(
  vector: Float32Array | readonly number[],
  k: number,
  fields: OpenSearchFields,
  filter: Record<string, unknown> | undefined,
  efSearch: number | undefined,
): Record<string, unknown> {
  const clause: Record<string, unknown> = { vector: Array.from(vector), k };
  if (filter) clause.filter = filter;
  if (efSearch !== undefined) clause.method_parameters = { ef_search: efSearch };
  return { knn: { [fields.vector]: clause } };
}

/** The lexical query: `match` on the text field, the filter in `bool.filter`. */
export function matchQuery(
  text: string,
  fields: OpenSearchFields,
  filter: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const match = { match: { [fields.text]: { query: text } } };
  return filter ? { bool: { must: [match], filter: [filter] } } : match;
}
