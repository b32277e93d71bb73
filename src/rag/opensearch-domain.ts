/**
 * Resolving an Amazon OpenSearch Service domain by name: `DescribeDomain` gives the endpoint
 * (public or VPC), the engine and its version, and the domain's state. The checks here turn what
 * would otherwise be a confusing failure on the first search (a `knn` query that an old engine
 * rejects, DNS errors against a domain still being created) into one error, before any index
 * call, that says what to change.
 *
 * @module
 */
import type { OpenSearchClient } from "@aws-sdk/client-opensearch";
import { z } from "zod";
import { type AwsClientConfig, FmopsError, parseOptions, withDeadline } from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  clientConfigFrom,
  lazyAwsClient,
  openSearchSdk,
  type SendsCommands,
  schemaFor,
  signalledAwsCall,
} from "../core/internal.js";
import type { OpenSearchEngine } from "./opensearch-query.js";

/** A version as `major.minor`, compared numerically. */
export interface EngineVersion {
  /** Major version, e.g. 2 for OpenSearch 2.11. */
  major: number;
  /** Minor version, e.g. 11 for OpenSearch 2.11. */
  minor: number;
}

/** What {@link describeOpenSearchDomain} found out about a domain. */
export interface OpenSearchDomainInfo {
  /** The domain's name. */
  domainName: string;
  /** The domain's ARN. */
  arn: string;
  /** The region in the ARN: the one requests to the domain are signed for. */
  region: string;
  /** The URL to send index requests to, e.g. `https://search-docs-abc.us-east-1.es.amazonaws.com`. */
  endpoint: string;
  /** Whether `endpoint` is the domain's VPC endpoint (reachable only from inside the VPC). */
  vpc: boolean;
  /** The engine as the service names it, e.g. `OpenSearch_2.11` or `Elasticsearch_7.10`. */
  engineVersion: string;
  /** The parsed OpenSearch version. */
  version: EngineVersion;
  /** `DomainProcessingStatus`, e.g. `Active` or `Modifying`, when the service reports it. */
  processingStatus?: string;
}

/** What the vector store will ask of the domain, so that the version check can be precise. */
export interface OpenSearchDomainRequirements {
  /** The k-NN engine the store will use. Default `faiss`. */
  engine?: OpenSearchEngine;
  /** Whether hybrid search will run server-side through a search pipeline. */
  hybridPipeline?: boolean;
}

/** Options for {@link describeOpenSearchDomain}. */
export interface DescribeOpenSearchDomainOptions extends AwsClientConfig {
  /** The domain name (3 to 28 characters: lowercase letters, digits and hyphens). */
  domainName: string;
  /** A ready `OpenSearchClient` from `@aws-sdk/client-opensearch` (control plane); preferred. */
  domainClient?: SendsCommands;
  /** Requirements checked against the domain's engine version. */
  requirements?: OpenSearchDomainRequirements;
  /** Abort the lookup. */
  signal?: AbortSignal;
  /** Deadline of the DescribeDomain call. Default 30 000 ms. */
  timeoutMs?: number;
}

/**
 * The domain is not ready for index requests yet: still being created, has no endpoint yet, or
 * is isolated. Code `RAG_OPENSEARCH_DOMAIN_NOT_READY`; retryable when waiting may help.
 */
export class OpenSearchDomainNotReadyError extends FmopsError {
  /** The domain's name. */
  readonly domainName: string;

  constructor(domainName: string, message: string, retryable: boolean) {
    super("RAG_OPENSEARCH_DOMAIN_NOT_READY", message, { retryable });
    this.domainName = domainName;
  }
}

/** The domain has been deleted or is being deleted. Code `RAG_OPENSEARCH_DOMAIN_DELETED`. */
export class OpenSearchDomainDeletedError extends FmopsError {
  /** The domain's name. */
  readonly domainName: string;

  constructor(domainName: string) {
    super(
      "RAG_OPENSEARCH_DOMAIN_DELETED",
      `OpenSearch domain "${domainName}" is deleted or being deleted. Point fromDomain at another domain, or create a new one (OpenSearch 2.9 or later).`,
      { retryable: false },
    );
    this.domainName = domainName;
  }
}

/**
 * The domain's engine cannot serve this store: an Elasticsearch domain (its k-NN plugin speaks
 * another query syntax) or an OpenSearch version older than a feature the store uses. Code
 * `RAG_OPENSEARCH_VERSION_UNSUPPORTED`.
 */
export class OpenSearchVersionUnsupportedError extends FmopsError {
  /** The domain's name. */
  readonly domainName: string;
  /** The engine version the domain reported, e.g. `Elasticsearch_7.10`. */
  readonly engineVersion: string;

  constructor(domainName: string, engineVersion: string, message: string) {
    super("RAG_OPENSEARCH_VERSION_UNSUPPORTED", message, { retryable: false });
    this.domainName = domainName;
    this.engineVersion = engineVersion;
  }
}

/**
 * The oldest OpenSearch version for each feature the vector store relies on. The store always
 * puts metadata filters inside the `knn` clause (efficient filtering), which OpenSearch added
 * for the lucene engine in 2.4 and for faiss in 2.9; server-side hybrid search needs the
 * `hybrid` query and the normalization processor of 2.10.
 */
export const OPENSEARCH_MIN_VERSIONS: Readonly<{
  faiss: EngineVersion;
  lucene: EngineVersion;
  hybridPipeline: EngineVersion;
}> = Object.freeze({
  faiss: { major: 2, minor: 9 },
  lucene: { major: 2, minor: 4 },
  hybridPipeline: { major: 2, minor: 10 },
});

const DOMAIN_NAME = /^[a-z][a-z0-9-]{2,27}$/;

const optionsSchema = schemaFor<DescribeOpenSearchDomainOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      domainName: z
        .string()
        .regex(
          DOMAIN_NAME,
          "must be 3-28 lowercase letters, digits or hyphens, starting with a letter",
        ),
      domainClient: awsClientSchema("OpenSearchClient").optional(),
      requirements: z
        .object({
          engine: z.enum(["faiss", "lucene"]).optional(),
          hybridPipeline: z.boolean().optional(),
        })
        .strict()
        .optional(),
      signal: z.instanceof(AbortSignal).optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

/** Parses `OpenSearch_2.11` (or `Elasticsearch_7.10`) into engine name and version. */
export function parseEngineVersion(
  engineVersion: string,
): { engine: "OpenSearch" | "Elasticsearch"; version: EngineVersion } | undefined {
  const match = /^(OpenSearch|Elasticsearch)_(\d+)\.(\d+)$/.exec(engineVersion);
  if (!match) return undefined;
  return {
    engine: match[1] as "OpenSearch" | "Elasticsearch",
    version: { major: Number(match[2]), minor: Number(match[3]) },
  };
}

function atLeast(version: EngineVersion, min: EngineVersion): boolean {
  return version.major > min.major || (version.major === min.major && version.minor >= min.minor);
}

function show(version: EngineVersion): string {
  return `${version.major}.${version.minor}`;
}

/**
 * Looks a domain up with `DescribeDomain` and checks that a k-NN vector store can use it: the
 * domain exists, is created and not being deleted, has an endpoint, runs OpenSearch (not
 * Elasticsearch), and its version supports the engine and features in `requirements`. A VPC
 * domain's endpoint is its VPC endpoint. Domains being modified or upgraded still serve requests
 * and are accepted.
 *
 * Needs the optional peer `@aws-sdk/client-opensearch` and the IAM action `es:DescribeDomain`.
 *
 * @throws {@link OpenSearchDomainDeletedError}, {@link OpenSearchDomainNotReadyError},
 *   {@link OpenSearchVersionUnsupportedError}; `AWS_RESOURCE_NOT_FOUND_EXCEPTION` when no domain
 *   has that name; `PERMISSION_DENIED` naming `es:DescribeDomain`.
 *
 * @example
 * ```ts
 * const domain = await describeOpenSearchDomain({ domainName: "docs", region: "us-east-1" });
 * console.log(domain.endpoint, domain.engineVersion);
 * ```
 */
export async function describeOpenSearchDomain(
  options: DescribeOpenSearchDomainOptions,
): Promise<OpenSearchDomainInfo> {
  const o = parseOptions(optionsSchema, options, "describeOpenSearchDomain options");
  const config = clientConfigFrom(o);
  const load = lazyAwsClient(
    openSearchSdk,
    "OpenSearchVectorStore.fromDomain",
    // Typed structurally in the options (see rag/native-shapes.ts); it is an OpenSearchClient.
    o.domainClient as OpenSearchClient | undefined,
    (sdk) => new sdk.OpenSearchClient(config),
  );
  const { sdk, client } = await load();
  const wait = o.signal ? { signal: o.signal, timeoutMs: o.timeoutMs } : { timeoutMs: o.timeoutMs };
  const out = await withDeadline(
    wait,
    30_000,
    `describing OpenSearch domain ${o.domainName}`,
    (signal) =>
      signalledAwsCall(
        signal,
        { service: "OpenSearch", operation: "DescribeDomain", iamAction: "es:DescribeDomain" },
        () =>
          client.send(new sdk.DescribeDomainCommand({ DomainName: o.domainName }), {
            abortSignal: signal,
          }),
      ),
  );
  const status = out.DomainStatus;
  if (!status) {
    throw new FmopsError(
      "UNEXPECTED_RESPONSE",
      `OpenSearch DescribeDomain for "${o.domainName}" returned no DomainStatus. Retry; if it persists, check the domain in the console.`,
      { retryable: true },
    );
  }
  return checkDomain(o.domainName, status, o.requirements ?? {});
}

/** The fields of `DomainStatus` the checks read. */
interface DomainStatusLike {
  DomainName?: string | undefined;
  ARN?: string | undefined;
  Created?: boolean | undefined;
  Deleted?: boolean | undefined;
  Endpoint?: string | undefined;
  Endpoints?: Record<string, string> | undefined;
  EngineVersion?: string | undefined;
  DomainProcessingStatus?: string | undefined;
}

function checkDomain(
  domainName: string,
  status: DomainStatusLike,
  requirements: OpenSearchDomainRequirements,
): OpenSearchDomainInfo {
  const processing = status.DomainProcessingStatus;
  if (status.Deleted === true || processing === "Deleting") {
    throw new OpenSearchDomainDeletedError(domainName);
  }
  if (processing === "Isolated") {
    throw new OpenSearchDomainNotReadyError(
      domainName,
      `OpenSearch domain "${domainName}" is isolated and serves no requests (AWS isolates domains, for example, after an unpaid bill or a policy violation). Resolve it with AWS Support, or use another domain.`,
      false,
    );
  }
  const vpcEndpoint = status.Endpoints?.vpc ?? status.Endpoints?.vpcv2;
  const host = status.Endpoint ?? vpcEndpoint;
  if (status.Created === false || processing === "Creating" || !host) {
    throw new OpenSearchDomainNotReadyError(
      domainName,
      `OpenSearch domain "${domainName}" is still being created and has no endpoint yet (this usually takes 15 to 30 minutes). Try again once its status is Active.`,
      true,
    );
  }
  const engineVersion = status.EngineVersion ?? "";
  const parsed = parseEngineVersion(engineVersion);
  if (!parsed || parsed.engine === "Elasticsearch") {
    throw new OpenSearchVersionUnsupportedError(
      domainName,
      engineVersion,
      `OpenSearch domain "${domainName}" runs ${engineVersion || "an unknown engine"}; OpenSearchVectorStore needs OpenSearch ${show(OPENSEARCH_MIN_VERSIONS.lucene)} or later (Elasticsearch's k-NN plugin uses another query syntax). Upgrade the domain to OpenSearch (UpgradeDomain, or the console's "Upgrade").`,
    );
  }
  const engine = requirements.engine ?? "faiss";
  const needs: { min: EngineVersion; why: string }[] = [
    {
      min: OPENSEARCH_MIN_VERSIONS[engine],
      why: `metadata filters inside the k-NN query with the ${engine} engine`,
    },
  ];
  if (requirements.hybridPipeline) {
    needs.push({
      min: OPENSEARCH_MIN_VERSIONS.hybridPipeline,
      why: "server-side hybrid search (the hybrid query and normalization processor)",
    });
  }
  for (const need of needs) {
    if (!atLeast(parsed.version, need.min)) {
      const alternative =
        engine === "faiss" && atLeast(parsed.version, OPENSEARCH_MIN_VERSIONS.lucene)
          ? `, or pass engine: "lucene" (OpenSearch ${show(OPENSEARCH_MIN_VERSIONS.lucene)} or later)`
          : "";
      throw new OpenSearchVersionUnsupportedError(
        domainName,
        engineVersion,
        `OpenSearch domain "${domainName}" runs OpenSearch ${show(parsed.version)}; ${need.why} needs OpenSearch ${show(need.min)} or later. Upgrade the domain${alternative}.`,
      );
    }
  }
  const arn = status.ARN ?? "";
  const info: OpenSearchDomainInfo = {
    domainName: status.DomainName ?? domainName,
    arn,
    region: arn.split(":")[3] ?? "",
    endpoint: `https://${host}`,
    vpc: status.Endpoint === undefined,
    engineVersion,
    version: parsed.version,
  };
  if (processing !== undefined) info.processingStatus = processing;
  return info;
}
