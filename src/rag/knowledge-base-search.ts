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

/** Option schema for a knowledge base id: up to 10 letters and digits, e.g. `ABCDEFGHIJ`. */
export const knowledgeBaseIdSchema = z
  .string()
  .regex(/^[0-9a-zA-Z]{1,10}$/, "must be a knowledge base id like ABCDEFGHIJ");

/** Option schema for `overrideSearchType`. */
export const overrideSearchTypeSchema = z.enum(["HYBRID", "SEMANTIC"]).optional();

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
