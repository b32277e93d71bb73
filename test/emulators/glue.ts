/**
 * A local Glue Data Catalog on 127.0.0.1 speaking the AWS JSON 1.1 protocol of
 * `@aws-sdk/client-glue` (`X-Amz-Target: AWSGlue.<Operation>`): GetDatabases and GetTables with
 * MaxResults/NextToken pagination and Expression filtering, GetTable, and GetPartitions with
 * pagination (a partition `Expression` is refused: the stand-in does not evaluate them);
 * EntityNotFoundException for unknown databases and tables.
 *
 * @module
 */
import { GlueClient } from "@aws-sdk/client-glue";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  jsonInput,
  standInError,
  startJsonTargetServer,
  testCredentials,
  testRegion,
  unknownOperation,
} from "./http.js";

/** A Glue table as the stand-in stores it (the GetTables shape). */
export interface GlueTableSpec {
  Name: string;
  Description?: string;
  StorageDescriptor?: {
    Columns: { Name: string; Type: string; Comment?: string }[];
    Location?: string;
  };
  PartitionKeys?: { Name: string; Type: string; Comment?: string }[];
  TableType?: string;
  Parameters?: Record<string, string>;
  /** The table's partitions (GetPartitions; not part of the GetTables answer). */
  Partitions?: { Values: string[]; Parameters?: Record<string, string> }[];
}

/** A running Glue stand-in. */
export interface GlueStandIn {
  endpoint: string;
  client: GlueClient;
  requests: { operation: string; input: Record<string, unknown> }[];
  close(): Promise<void>;
}

/** Starts the stand-in with `databases`: database name -> tables. Pages hold `pageSize` items unless MaxResults is smaller. */
export async function startGlue(
  databases: Record<string, GlueTableSpec[]>,
  pageSize = 100,
): Promise<GlueStandIn> {
  const requests: GlueStandIn["requests"] = [];
  const page = <T>(items: T[], input: Record<string, unknown>) => {
    const max = Math.min(
      pageSize,
      typeof input.MaxResults === "number" ? input.MaxResults : pageSize,
    );
    const offset =
      typeof input.NextToken === "string"
        ? Number(Buffer.from(input.NextToken, "base64").toString())
        : 0;
    const next =
      offset + max < items.length
        ? Buffer.from(String(offset + max)).toString("base64")
        : undefined;
    return { items: items.slice(offset, offset + max), next };
  };
  const handlers: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetDatabases: (input) => {
      const { items, next } = page(Object.keys(databases), input);
      return {
        DatabaseList: items.map((Name) => ({ Name, CatalogId: "123456789012" })),
        ...(next ? { NextToken: next } : {}),
      };
    },
    GetTables: (input) => {
      const name = String(input.DatabaseName ?? "");
      const tables = databases[name];
      if (!tables)
        throw standInError({
          status: 400,
          type: "EntityNotFoundException",
          message: `Database ${name} not found.`,
        });
      const expression =
        typeof input.Expression === "string" ? new RegExp(`^${input.Expression}$`) : undefined;
      const matching = expression ? tables.filter((t) => expression.test(t.Name)) : tables;
      const { items, next } = page(matching, input);
      return {
        TableList: items.map(({ Partitions: _partitions, ...t }) => ({
          ...t,
          DatabaseName: name,
          CatalogId: "123456789012",
          CreateTime: 1_700_000_000,
        })),
        ...(next ? { NextToken: next } : {}),
      };
    },
    GetTable: (input) => {
      const { Partitions: _partitions, ...table } = findTable(input.DatabaseName, input.Name);
      return {
        Table: {
          ...table,
          DatabaseName: String(input.DatabaseName),
          CatalogId: "123456789012",
          CreateTime: 1_700_000_000,
        },
      };
    },
    GetPartitions: (input) => {
      const table = findTable(input.DatabaseName, input.TableName);
      if (input.Expression !== undefined) {
        throw standInError({
          status: 400,
          type: "InvalidInputException",
          message: "The Glue stand-in does not evaluate partition expressions.",
        });
      }
      const { items, next } = page(table.Partitions ?? [], input);
      return {
        Partitions: items.map((p) => ({
          ...p,
          DatabaseName: String(input.DatabaseName),
          TableName: table.Name,
          CatalogId: "123456789012",
          CreationTime: 1_700_000_000,
        })),
        ...(next ? { NextToken: next } : {}),
      };
    },
  };
  function findTable(database: unknown, name: unknown): GlueTableSpec {
    const tables = databases[String(database ?? "")];
    const table = tables?.find((t) => t.Name === name);
    if (!table) {
      throw standInError({
        status: 400,
        type: "EntityNotFoundException",
        message: tables
          ? `Table ${String(name)} not found.`
          : `Database ${String(database)} not found.`,
      });
    }
    return table;
  }
  const server = await startJsonTargetServer(
    {
      targetPrefix: "AWSGlue",
      jsonVersion: "1.1",
      errors: "Message",
      internalType: "InternalServiceException",
    },
    (call) => {
      const input = jsonInput(call.body);
      requests.push({ operation: call.operation || call.target, input });
      const handler = handlers[call.operation];
      return handler ? (handler(input) as Record<string, unknown>) : unknownOperation(call.target);
    },
  );
  const client = new GlueClient({
    region: testRegion,
    endpoint: server.endpoint,
    credentials: testCredentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint: server.endpoint,
    client,
    requests,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}
