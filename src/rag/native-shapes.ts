/**
 * The service-native shapes rag's options accept as they are (a Kendra `AttributeFilter`, a
 * Bedrock Knowledge Bases `RetrievalFilter` and reranking configuration), spelled out here.
 *
 * Why: the AWS SDK clients are optional peers. A declaration that names the SDK's own type
 * imports `@aws-sdk/client-kendra` (or `-bedrock-agent-runtime`), and a TypeScript user who has
 * not installed it gets error TS2307 from `fmops/rag` under `skipLibCheck: false`, even if they
 * never use that class. Each shape here names the same fields, so a value typed with the SDK's
 * own type is still accepted (test/package/peer-type-shapes.test.ts checks that).
 *
 * @module
 */

/** A Kendra document attribute compared by a filter: `Key` and one typed `Value`. */
export interface KendraDocumentAttribute {
  /** The attribute's name, e.g. `_category`. */
  Key: string | undefined;
  /** The value, in the one field matching the attribute's type. */
  Value:
    | {
        /** A string attribute's value. */
        StringValue?: string | undefined;
        /** A string-list attribute's values. */
        StringListValue?: string[] | undefined;
        /** A whole-number attribute's value. */
        LongValue?: number | undefined;
        /** A date attribute's value. */
        DateValue?: Date | undefined;
      }
    | undefined;
}

/** A Kendra `AttributeFilter` (the Retrieve API's), as `@aws-sdk/client-kendra` types it. */
export interface KendraAttributeFilter {
  /** Every filter must match. */
  AndAllFilters?: KendraAttributeFilter[] | undefined;
  /** At least one filter must match. */
  OrAllFilters?: KendraAttributeFilter[] | undefined;
  /** The filter must not match. */
  NotFilter?: KendraAttributeFilter | undefined;
  /** The attribute equals the value. */
  EqualsTo?: KendraDocumentAttribute | undefined;
  /** A string-list attribute holds every value given. */
  ContainsAll?: KendraDocumentAttribute | undefined;
  /** A string-list attribute holds at least one value given. */
  ContainsAny?: KendraDocumentAttribute | undefined;
  /** The attribute is greater than the value. */
  GreaterThan?: KendraDocumentAttribute | undefined;
  /** The attribute is greater than or equal to the value. */
  GreaterThanOrEquals?: KendraDocumentAttribute | undefined;
  /** The attribute is less than the value. */
  LessThan?: KendraDocumentAttribute | undefined;
  /** The attribute is less than or equal to the value. */
  LessThanOrEquals?: KendraDocumentAttribute | undefined;
}

/** One comparison of a Knowledge Bases filter: the metadata `key` and the JSON `value`. */
export interface KnowledgeBaseFilterAttribute {
  /** The metadata field. */
  key: string | undefined;
  /** The value compared with (a string, number, boolean or list, as the operator needs). */
  value: unknown;
}

/**
 * A Bedrock Knowledge Bases `RetrievalFilter`: one operator per object (the service rejects
 * more), as `@aws-sdk/client-bedrock-agent-runtime` types it.
 */
export interface KnowledgeBaseRetrievalFilter {
  /** Every filter must match. */
  andAll?: KnowledgeBaseRetrievalFilter[] | undefined;
  /** At least one filter must match. */
  orAll?: KnowledgeBaseRetrievalFilter[] | undefined;
  /** The field equals the value. */
  equals?: KnowledgeBaseFilterAttribute | undefined;
  /** The field does not equal the value. */
  notEquals?: KnowledgeBaseFilterAttribute | undefined;
  /** The field is greater than the value. */
  greaterThan?: KnowledgeBaseFilterAttribute | undefined;
  /** The field is greater than or equal to the value. */
  greaterThanOrEquals?: KnowledgeBaseFilterAttribute | undefined;
  /** The field is less than the value. */
  lessThan?: KnowledgeBaseFilterAttribute | undefined;
  /** The field is less than or equal to the value. */
  lessThanOrEquals?: KnowledgeBaseFilterAttribute | undefined;
  /** The field is one of the listed values. */
  in?: KnowledgeBaseFilterAttribute | undefined;
  /** The field is none of the listed values. */
  notIn?: KnowledgeBaseFilterAttribute | undefined;
  /** The string field starts with the value. */
  startsWith?: KnowledgeBaseFilterAttribute | undefined;
  /** The list field holds the value. */
  listContains?: KnowledgeBaseFilterAttribute | undefined;
  /** The string field contains the value, or the list field holds it. */
  stringContains?: KnowledgeBaseFilterAttribute | undefined;
}

/** A metadata field named in a reranking configuration. */
export interface KnowledgeBaseRerankingField {
  /** The metadata field's name. */
  fieldName: string | undefined;
}

/**
 * A Knowledge Bases vector-search reranking configuration (`VectorSearchRerankingConfiguration`),
 * as `@aws-sdk/client-bedrock-agent-runtime` types it.
 */
export interface KnowledgeBaseRerankingConfiguration {
  /** The reranker kind, `BEDROCK_RERANKING_MODEL`. */
  type: string | undefined;
  /** The Bedrock reranking model and how it reads the results. */
  bedrockRerankingConfiguration?:
    | {
        /** The reranking model. */
        modelConfiguration:
          | {
              /** The reranking model's ARN. */
              modelArn: string | undefined;
              /** Extra request fields the model takes. */
              additionalModelRequestFields?: Record<string, unknown> | undefined;
            }
          | undefined;
        /** How many results to rerank. */
        numberOfRerankedResults?: number | undefined;
        /** Which metadata the reranker sees with each result. */
        metadataConfiguration?:
          | {
              /** `ALL` or `SELECTIVE`. */
              selectionMode: string | undefined;
              /** For `SELECTIVE`: the fields to include, or the fields to exclude. */
              selectiveModeConfiguration?:
                | {
                    /** Only these fields. */
                    fieldsToInclude?: KnowledgeBaseRerankingField[] | undefined;
                    /** Every field but these. */
                    fieldsToExclude?: KnowledgeBaseRerankingField[] | undefined;
                  }
                | undefined;
            }
          | undefined;
      }
    | undefined;
}
