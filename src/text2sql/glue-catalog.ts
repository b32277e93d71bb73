/**
 * {@link GlueCatalog}: table definitions from the AWS Glue Data Catalog.
 *
 * @module
 */
import type * as GlueModule from "@aws-sdk/client-glue";
import type { GetTablesCommandOutput } from "@aws-sdk/client-glue";
import { z } from "zod";
import {
  type AwsClientConfig,
  FmopsError,
  parseOptions,
  type WaitOptions,
  withDeadline,
} from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  awsPages,
  clientConfigFrom,
  glueSdk,
  lazyAwsClient,
  paginatorClient,
  type SendsCommands,
  schemaFor,
} from "../core/internal.js";
import type { ColumnSchema, SchemaCatalog, TableSchema } from "./types.js";

/** Options for {@link GlueCatalog}. */
export interface GlueCatalogOptions extends AwsClientConfig {
  /**
   * A ready Glue client (preferred); otherwise one is built from region/credentials/endpoint.
   * It must be a `GlueClient` of `@aws-sdk/client-glue`: the SDK's paginators accept no other,
   * so anything else is refused with `VALIDATION_ERROR` before the first request.
   */
  client?: SendsCommands;
  /** Databases to read. Default: every database (GetDatabases). */
  databases?: string[];
  /** The catalog's account id, for cross-account catalogs. */
  catalogId?: string;
  /** Glue's table-name filter (a regular expression), passed to GetTables as `Expression`. */
  expression?: string;
  /** Stop after this many tables, as a guard against runaway catalogs. Default 20 000. */
  maxTables?: number;
  /** Table parameters to keep (others, like Glue crawler bookkeeping, are dropped). Default: classification, comment, projection.* and storage.location.template. */
  keepParameter?: (name: string) => boolean;
  /** Default time limit of `listTables`, ms. Default 120 000. */
  timeoutMs?: number;
}

const optionsSchema = schemaFor<GlueCatalogOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      client: awsClientSchema<SendsCommands>("GlueClient").optional(),
      databases: z.array(z.string().min(1)).min(1).optional(),
      catalogId: z
        .string()
        .regex(/^\d{12}$/, "must be a 12-digit account id")
        .optional(),
      expression: z.string().min(1).optional(),
      maxTables: z.int().min(1).max(1_000_000).optional(),
      keepParameter: z
        .custom<(name: string) => boolean>((v) => typeof v === "function", "must be a function")
        .optional(),
      timeoutMs: z.int().min(1).max(86_400_000).optional(),
    })
    .strict(),
);

const SERVICE = "Glue";
const OWNER = "GlueCatalog (@aws-sdk/client-glue)";
const GET_TABLES = { service: SERVICE, operation: "GetTables", iamAction: "glue:GetTables" };
const GET_DATABASES = {
  service: SERVICE,
  operation: "GetDatabases",
  iamAction: "glue:GetDatabases",
};
const defaultKeep = (name: string) =>
  name === "classification" ||
  name === "comment" ||
  name.startsWith("projection.") ||
  name === "storage.location.template";

interface GlueColumn {
  Name?: string | undefined;
  Type?: string | undefined;
  Comment?: string | undefined;
}

/**
 * Reads databases and tables from Glue (GetDatabases and GetTables, through the SDK's paginators) and
 * yields {@link TableSchema}s with columns, types, comments, partition keys, descriptions and
 * selected table parameters.
 *
 * @example
 * ```ts
 * const catalog = new GlueCatalog({ region: "us-east-1", databases: ["sales"] });
 * const t2s = new Text2Sql({ model, engine: new AthenaEngine({ database: "sales", outputLocation }), catalog });
 * ```
 */
export class GlueCatalog implements SchemaCatalog {
  readonly #o: GlueCatalogOptions;
  readonly #glue;

  constructor(options: GlueCatalogOptions = {}) {
    this.#o = parseOptions(optionsSchema, options, "GlueCatalog options");
    const config = clientConfigFrom(this.#o);
    const load = lazyAwsClient<typeof GlueModule, SendsCommands>(
      glueSdk,
      "GlueCatalog",
      this.#o.client,
      (sdk) => new sdk.GlueClient(config),
    );
    // Every Glue call here goes through a paginator, which accepts only the SDK's own client
    // class: check that before the first request, with an error that names the class.
    this.#glue = async () => {
      const { sdk, client } = await load();
      return { sdk, client: paginatorClient(client, sdk.GlueClient, OWNER) };
    };
  }

  /** Every table of the configured databases. */
  listTables(options: WaitOptions = {}): Promise<TableSchema[]> {
    return withDeadline(
      options,
      this.#o.timeoutMs ?? 120_000,
      "reading the Glue Data Catalog",
      async (signal) => {
        const { sdk, client } = await this.#glue();
        const databases = this.#o.databases ?? (await this.#databases(signal));
        const tables: TableSchema[] = [];
        const max = this.#o.maxTables ?? 20_000;
        for (const database of databases) {
          const pages = sdk.paginateGetTables(
            { client },
            {
              DatabaseName: database,
              ...(this.#o.catalogId ? { CatalogId: this.#o.catalogId } : {}),
              ...(this.#o.expression ? { Expression: this.#o.expression } : {}),
            },
            { abortSignal: signal },
          );
          for await (const page of awsPages(signal, GET_TABLES, pages)) {
            for (const t of page.TableList ?? []) {
              if (tables.length >= max) {
                throw new FmopsError(
                  "SCHEMA_TOO_LARGE",
                  `The Glue catalog holds more than ${max} tables. Narrow it with databases or expression, or raise maxTables.`,
                );
              }
              tables.push(this.#toSchema(t, database));
            }
          }
        }
        return tables;
      },
    );
  }

  async #databases(signal: AbortSignal): Promise<string[]> {
    const { sdk, client } = await this.#glue();
    const pages = sdk.paginateGetDatabases(
      { client },
      this.#o.catalogId ? { CatalogId: this.#o.catalogId } : {},
      { abortSignal: signal },
    );
    const names: string[] = [];
    for await (const page of awsPages(signal, GET_DATABASES, pages)) {
      for (const d of page.DatabaseList ?? []) if (d.Name) names.push(d.Name);
    }
    return names;
  }

  #toSchema(
    t: NonNullable<GetTablesCommandOutput["TableList"]>[number],
    database: string,
  ): TableSchema {
    const keep = this.#o.keepParameter ?? defaultKeep;
    const table: TableSchema = {
      name: t.Name ?? "",
      database: t.DatabaseName ?? database,
      catalog: "awsdatacatalog",
      columns: (t.StorageDescriptor?.Columns ?? []).map(column),
    };
    const description = t.Description ?? t.Parameters?.comment;
    if (description) table.description = description;
    if (t.PartitionKeys && t.PartitionKeys.length > 0)
      table.partitionKeys = t.PartitionKeys.map(column);
    const params = Object.entries(t.Parameters ?? {}).filter(([k]) => keep(k));
    if (params.length > 0) table.parameters = Object.fromEntries(params);
    return table;
  }
}

function column(c: GlueColumn): ColumnSchema {
  const out: ColumnSchema = { name: c.Name ?? "", type: c.Type ?? "string" };
  if (c.Comment) out.comment = c.Comment;
  return out;
}
