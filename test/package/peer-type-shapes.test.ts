// fmops's public options name no type of an optional peer (see test/package/types-without-peers.mjs):
// clients are `SendsCommands`, and the service-native values fmops passes through (Kendra and
// Knowledge Bases filters, reranking, an OpenTelemetry meter) have structural shapes of their own.
// These checks keep the other half of that promise: what a user types with the SDK's or
// OpenTelemetry's own types is still accepted. `npx tsc --noEmit` checks the assignments below
// (a shape that drifted from the SDK's stops compiling); the tests also run them with real values.
import type { BedrockClient } from "@aws-sdk/client-bedrock";
import type { BedrockAgentClient } from "@aws-sdk/client-bedrock-agent";
import type {
  BedrockAgentRuntimeClient,
  RetrievalFilter,
  VectorSearchRerankingConfiguration,
} from "@aws-sdk/client-bedrock-agent-runtime";
import { CloudWatchClient, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import type { ComprehendClient } from "@aws-sdk/client-comprehend";
import { type AttributeFilter, KendraClient } from "@aws-sdk/client-kendra";
import type { OpenSearchClient } from "@aws-sdk/client-opensearch";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Meter } from "@opentelemetry/api";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import type { ComprehendOptions } from "../../src/core/comprehend.js";
import type { BedrockBatchRunnerOptions } from "../../src/evaluation/runners/bedrock-batch-runner.js";
import type { ApplicationInferenceProfileOptions } from "../../src/models/inference-profile.js";
import type { PiiRedactorOptions } from "../../src/models/pii-redactor.js";
import { type CloudWatchDatum, CloudWatchSink } from "../../src/monitoring/cloudwatch-sink.js";
import { OtelSink, type OtelSinkOptions } from "../../src/monitoring/otel-sink.js";
import type { BedrockPromptStoreOptions } from "../../src/prompts/bedrock-store.js";
import { KendraRetriever, type KendraRetrieverOptions } from "../../src/rag/kendra-retriever.js";
import type { KnowledgeBaseChatOptions } from "../../src/rag/knowledge-base-chat.js";
import type { KnowledgeBaseRetrieverOptions } from "../../src/rag/knowledge-base-retriever.js";
import type { DescribeOpenSearchDomainOptions } from "../../src/rag/opensearch-domain.js";

// Each line compiles only while the SDK's type is assignable to the option fmops declares.
type Accepts<Option, Sdk> = [Sdk] extends [Option] ? true : false;
const clientsFit: true[] = [
  true satisfies Accepts<NonNullable<KendraRetrieverOptions["client"]>, KendraClient>,
  true satisfies Accepts<
    NonNullable<KnowledgeBaseRetrieverOptions["client"]>,
    BedrockAgentRuntimeClient
  >,
  true satisfies Accepts<
    NonNullable<KnowledgeBaseChatOptions["client"]>,
    BedrockAgentRuntimeClient
  >,
  true satisfies Accepts<
    NonNullable<DescribeOpenSearchDomainOptions["domainClient"]>,
    OpenSearchClient
  >,
  true satisfies Accepts<NonNullable<PiiRedactorOptions["client"]>, ComprehendClient>,
  true satisfies Accepts<NonNullable<ComprehendOptions["client"]>, ComprehendClient>,
  true satisfies Accepts<NonNullable<ApplicationInferenceProfileOptions["client"]>, BedrockClient>,
  true satisfies Accepts<NonNullable<BedrockPromptStoreOptions["client"]>, BedrockAgentClient>,
  true satisfies Accepts<NonNullable<BedrockBatchRunnerOptions["bedrock"]>, BedrockClient>,
  true satisfies Accepts<NonNullable<BedrockBatchRunnerOptions["s3"]>, S3Client>,
];
const valuesFit: true[] = [
  true satisfies Accepts<NonNullable<KendraRetrieverOptions["nativeFilter"]>, AttributeFilter>,
  true satisfies Accepts<
    NonNullable<KnowledgeBaseRetrieverOptions["nativeFilter"]>,
    RetrievalFilter
  >,
  true satisfies Accepts<
    NonNullable<KnowledgeBaseRetrieverOptions["rerankingConfiguration"]>,
    VectorSearchRerankingConfiguration
  >,
  true satisfies Accepts<
    NonNullable<KnowledgeBaseChatOptions["rerankingConfiguration"]>,
    VectorSearchRerankingConfiguration
  >,
  true satisfies Accepts<OtelSinkOptions["meter"], Meter>,
  // What requests() shows is what the SDK sends: a MetricDatum reads as a CloudWatchDatum.
  true satisfies Accepts<CloudWatchDatum, MetricDatum>,
];

describe("the structural types of the public options accept the SDK's own types", () => {
  it("every assignment above compiled", () => {
    expect([...clientsFit, ...valuesFit].every(Boolean)).toBe(true);
  });

  it("a real KendraClient and a native AttributeFilter typed by the SDK are accepted", () => {
    const client = new KendraClient({
      region: "us-east-1",
      endpoint: "http://127.0.0.1:9",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    });
    const nativeFilter: AttributeFilter = {
      EqualsTo: { Key: "_language_code", Value: { StringValue: "en" } },
    };
    const retriever = new KendraRetriever({
      indexId: "0123456789abcdef0123456789abcdef0123",
      client,
      nativeFilter,
    });
    expect(retriever.indexId).toBe("0123456789abcdef0123456789abcdef0123");
    client.destroy();
  });

  it("a Meter from the OpenTelemetry SDK and a real CloudWatchClient are accepted", async () => {
    const provider = new MeterProvider();
    const meter: Meter = provider.getMeter("types");
    expect(new OtelSink({ meter })).toBeInstanceOf(OtelSink);
    const client = new CloudWatchClient({
      region: "us-east-1",
      endpoint: "http://127.0.0.1:9",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    });
    const sink = new CloudWatchSink({ namespace: "Types/Check", client });
    expect(sink.requests([])).toEqual([]);
    client.destroy();
    await provider.shutdown();
  });
});
