/**
 * A local stand-in for the Amazon OpenSearch Service control plane's `DescribeDomain`, speaking
 * restJson1 like the real service (API version 2021-01-01): `GET
 * /2021-01-01/opensearch/domain/{DomainName}` answers `{ "DomainStatus": { ... } }` with the
 * documented members (`DomainId`, `DomainName`, `ARN`, `Created`, `Deleted`, `Endpoint` or, for
 * a VPC domain, `Endpoints.vpc`, `Processing`, `EngineVersion`, `ClusterConfig`,
 * `DomainProcessingStatus`). An unknown domain is `ResourceNotFoundException` with HTTP 409, the
 * status the service model gives it; a name the service would refuse is a 400
 * `ValidationException`. Every request's `Authorization` header is recorded, so tests can check
 * the SigV4 service name (`es`).
 *
 * @module
 */
import { OpenSearchClient } from "@aws-sdk/client-opensearch";
import {
  readBody,
  type StandInErrorSpec,
  sendError,
  standInClientConfig,
  standInError,
  startServer,
  testRegion,
} from "./http.js";

/** One domain the stand-in knows, as a test describes it. */
export interface StandInDomain {
  /** `OpenSearch_2.11`, `Elasticsearch_7.10`, ... */
  engineVersion: string;
  /** Public endpoint host (without scheme); leave out for a VPC domain or one still creating. */
  endpoint?: string;
  /** VPC endpoint host, sent as `Endpoints.vpc`. */
  vpcEndpoint?: string;
  /** Default true. */
  created?: boolean;
  /** Default false. */
  deleted?: boolean;
  /** `Active` (default), `Creating`, `Deleting`, `Modifying`, `Isolated`, ... */
  processingStatus?: string;
}

/** A running DescribeDomain stand-in. */
export interface OpenSearchDomainsStandIn {
  endpoint: string;
  /** A client aimed at the stand-in with fake credentials and no retries. */
  client: OpenSearchClient;
  /** Domains by name. */
  domains: Map<string, StandInDomain>;
  /** Every request: method, path and `Authorization` header. */
  requests: { method: string; path: string; authorization?: string }[];
  /** Errors to answer the next requests with, in order. */
  failNext: StandInErrorSpec[];
  close(): Promise<void>;
}

const ROUTE = /^\/2021-01-01\/opensearch\/domain\/([^/]+)$/;
const DOMAIN_NAME = /^[a-z][a-z0-9-]{2,27}$/;
const ACCOUNT = "123456789012";

/** Starts the stand-in on 127.0.0.1 port 0. */
export async function startOpenSearchDomainsStandIn(): Promise<OpenSearchDomainsStandIn> {
  const domains = new Map<string, StandInDomain>();
  const requests: OpenSearchDomainsStandIn["requests"] = [];
  const failNext: StandInErrorSpec[] = [];
  const running = await startServer(async (req, res, requestId) => {
    await readBody(req);
    const path = (req.url ?? "").split("?")[0] ?? "";
    const authorization = req.headers.authorization;
    requests.push({
      method: req.method ?? "",
      path,
      ...(authorization ? { authorization } : {}),
    });
    const fault = failNext.shift();
    if (fault) {
      sendError(res, standInError(fault), "message", requestId);
      return;
    }
    const match = req.method === "GET" ? ROUTE.exec(path) : null;
    if (!match) {
      sendError(
        res,
        standInError({
          status: 404,
          type: "UnknownOperationException",
          message: `No route for ${path}`,
        }),
        "message",
        requestId,
      );
      return;
    }
    const name = decodeURIComponent(match[1] as string);
    if (!DOMAIN_NAME.test(name)) {
      sendError(
        res,
        standInError({
          status: 400,
          type: "ValidationException",
          message: `1 validation error detected: Value '${name}' at 'domainName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z][a-z0-9\\-]+`,
        }),
        "message",
        requestId,
      );
      return;
    }
    const domain = domains.get(name);
    if (!domain) {
      sendError(
        res,
        standInError({
          status: 409,
          type: "ResourceNotFoundException",
          message: `Domain not found: ${name}`,
        }),
        "message",
        requestId,
      );
      return;
    }
    const created = domain.created ?? true;
    const status: Record<string, unknown> = {
      DomainId: `${ACCOUNT}/${name}`,
      DomainName: name,
      ARN: `arn:aws:es:${testRegion}:${ACCOUNT}:domain/${name}`,
      Created: created,
      Deleted: domain.deleted ?? false,
      Processing: !created || (domain.processingStatus ?? "Active") !== "Active",
      UpgradeProcessing: domain.processingStatus === "UpgradingEngineVersion",
      EngineVersion: domain.engineVersion,
      ClusterConfig: {
        InstanceType: "r6g.large.search",
        InstanceCount: 2,
        DedicatedMasterEnabled: false,
        ZoneAwarenessEnabled: false,
      },
      DomainProcessingStatus: domain.processingStatus ?? "Active",
    };
    if (domain.endpoint) status.Endpoint = domain.endpoint;
    if (domain.vpcEndpoint) status.Endpoints = { vpc: domain.vpcEndpoint };
    const body = JSON.stringify({ DomainStatus: status });
    res.writeHead(200, {
      "content-type": "application/json",
      "x-amzn-requestid": requestId,
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  });
  const client = new OpenSearchClient(standInClientConfig(running.endpoint));
  return {
    endpoint: running.endpoint,
    client,
    domains,
    requests,
    failNext,
    close: async () => {
      client.destroy();
      await running.close();
    },
  };
}
