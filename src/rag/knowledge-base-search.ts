/**
 * What Bedrock Knowledge Bases' `Retrieve` (KnowledgeBaseRetriever) and `RetrieveAndGenerate`
 * (KnowledgeBaseChat) share: the knowledge base id check and the vector search settings both
 * send.
 *
 * @module
 */
import type {
  KnowledgeBaseVectorSearchConfiguration,
  RetrievalFilter,
} from "@aws-sdk/client-bedrock-agent-runtime";
import { z } from "zod";
import type { KnowledgeBaseRerankingConfiguration } from "./native-shapes.js";

/** Option schema for a knowledge base id: up to 10 letters and digits, e.g. `ABCDEFGHIJ`. */
export const knowledgeBaseIdSchema = z
  .string()
  .regex(/^[0-9a-zA-Z]{1,10}$/, "must be a knowledge base id like ABCDEFGHIJ");

/** Option schema for `overrideSearchType`. */
export const overrideSearchTypeSchema = z.enum(["HYBRID", "SEMANTIC"]).optional();

/**
 * Option schema for `rerankingConfiguration`, the same for `Retrieve` and `RetrieveAndGenerate`.
 *
 * The API model marks `bedrockRerankingConfiguration` optional only because the structure leaves
 * room for other reranker types; `BEDROCK_RERANKING_MODEL` is the only one, Bedrock documents the
 * field as required for it, and inside it `modelConfiguration.modelArn` is required. Without a
 * model there is nothing to rerank with, so the first call would fail with the service's
 * ValidationException; checking here fails at construction instead, before any call. Other
 * fields (`metadataConfiguration`, `additionalModelRequestFields`) pass through for the service
 * to judge.
 *
 * Typed as the options type's {@link KnowledgeBaseRerankingConfiguration} (the SDK's shape): a
 * loose object's inferred input type has an index signature, which that interface lacks.
 */
const rerankingConfigurationObject: z.ZodType<
  KnowledgeBaseRerankingConfiguration,
  KnowledgeBaseRerankingConfiguration
> = z
  .object({
    type: z.literal("BEDROCK_RERANKING_MODEL"),
    bedrockRerankingConfiguration: z
      .object({
        modelConfiguration: z.object({ modelArn: z.string().min(1).max(2048) }).loose(),
        numberOfRerankedResults: z.int().min(1).max(100).optional(),
      })
      .loose(),
  })
  .loose();

/** {@link rerankingConfigurationObject}, optional, for the options schemas. */
export const rerankingConfigurationSchema = rerankingConfigurationObject.optional();

/** The vector search settings of one request; those left undefined are not sent. */
export interface VectorSearchSettings {
  numberOfResults?: number;
  overrideSearchType?: KnowledgeBaseVectorSearchConfiguration["overrideSearchType"];
  filter?: RetrievalFilter;
  rerankingConfiguration?: KnowledgeBaseVectorSearchConfiguration["rerankingConfiguration"];
}

/** Builds `vectorSearchConfiguration` from the settings that are set (falsy ones are left out). */
export function vectorSearchConfiguration(
  settings: VectorSearchSettings,
): KnowledgeBaseVectorSearchConfiguration {
  const vector: KnowledgeBaseVectorSearchConfiguration = {};
  if (settings.numberOfResults !== undefined) vector.numberOfResults = settings.numberOfResults;
  if (settings.overrideSearchType) vector.overrideSearchType = settings.overrideSearchType;
  if (settings.filter) vector.filter = settings.filter;
  if (settings.rerankingConfiguration) {
    vector.rerankingConfiguration = settings.rerankingConfiguration;
  }
  return vector;
}
