/**
 * The command line every deploy script shares: `node:util` parseArgs, zod validation of the
 * flags (errors name the flag), `--dry-run` printing, placeholder checks before real runs, and
 * lazily created AWS clients.
 *
 * @module
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { z } from "zod";
import { isFmopsError, parseOptions, redact, ValidationError } from "../../../src/core/index.js";
import { DeployError } from "./deploy-error.js";
import { type ClientsProvider, type DeployClients, runPlan, type Step } from "./plan.js";
import { costTags, parseTagFlags, type Tag } from "./tags.js";

/** Where a script's output goes, and (for tests or embedding) which clients a real run uses. */
export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  clients?: ClientsProvider;
  signal?: AbortSignal;
}

/** The default {@link CliIo}: the process's streams, clients from the default credential chain. */
export const processIo: CliIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

/** Flags every deploy script understands. */
export const COMMON_OPTIONS = {
  "dry-run": { type: "boolean", default: false },
  region: { type: "string" },
  name: { type: "string" },
  "role-arn": { type: "string" },
  image: { type: "string" },
  "instance-type": { type: "string" },
  tag: { type: "string", multiple: true, default: [] },
  "wait-minutes": { type: "string", default: "40" },
  "skip-wait": { type: "boolean", default: false },
  "poll-seconds": { type: "string", default: "15" },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

/** A placeholder execution role: replace with a role SageMaker can assume. */
export const PLACEHOLDER_ROLE_ARN = "arn:aws:iam::<account-id>:role/<sagemaker-execution-role>";

/** SageMaker resource names: alphanumerics and hyphens; short enough for `-config` suffixes. */
export const resourceName = z
  .string()
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,49}$/, "use 1-50 letters, digits and single hyphens");

/** The validated flags every script has; examples extend it. */
export interface CommonConfig {
  command: string;
  dryRun: boolean;
  region: string;
  name: string;
  roleArn: string;
  image: string;
  instanceType: string;
  tags: Tag[];
  /** Upper bound of each endpoint wait. */
  waitSeconds: number;
  skipWait: boolean;
  /** First delay between DescribeEndpoint polls (the SDK waiter backs off from there). */
  pollSeconds: number;
}

/** What one example tells {@link runCli}. */
export interface ExampleCli<C extends CommonConfig> {
  /** Folder name, e.g. `lmi-streaming`; also the `fmops:example` tag. */
  example: string;
  /** One paragraph of usage, printed by `--help`. */
  usage: string;
  /** Defaults for the common flags. */
  defaults: { name: string; image: (region: string) => string; instanceType: string };
  /** The example's own flags. */
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Turns the common config and the raw flag values into the example's config (zod inside). */
  configure: (common: CommonConfig, values: Record<string, unknown>) => C | Promise<C>;
  /** Commands that build a plan (`deploy`, `cleanup`, ...). */
  plans: Record<string, (config: C) => Step[] | Promise<Step[]>>;
  /** Commands that do local work only (e.g. `package`), returning lines to print. */
  local?: Record<string, (config: C) => Promise<string[]>>;
}

const commonSchema = z.object({
  "wait-minutes": z.coerce.number().positive().max(180),
  "poll-seconds": z.coerce.number().positive().max(60),
});

const PLACEHOLDER = /<[^<>]+>/;

/**
 * Every `<...>` placeholder left in a config, with the path that holds it. Multi-line strings
 * (file contents such as model.py) are not values a user passes, so they are not searched.
 */
export function findPlaceholders(value: unknown, path = ""): string[] {
  if (typeof value === "string") {
    return !value.includes("\n") && PLACEHOLDER.test(value) ? [`${flagName(path)}: ${value}`] : [];
  }
  if (value instanceof Map) return findPlaceholders(Object.fromEntries(value), path);
  if (Array.isArray(value)) return value.flatMap((v, i) => findPlaceholders(v, `${path}.${i}`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) =>
      findPlaceholders(v, path ? `${path}.${k}` : k),
    );
  }
  return [];
}

/** `roleArn` -> `--role-arn`: the flag a config field comes from, for error messages. */
function flagName(path: string): string {
  return path.includes(".") ? path : `--${path.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Makes the clients a real run needs, in one region, with the default credential chain. */
export function defaultClients(region: string): ClientsProvider {
  let made: DeployClients | undefined;
  return () => {
    made ??= {
      sagemaker: new SageMakerClient({ region }),
      runtime: new SageMakerRuntimeClient({ region }),
      autoscaling: new ApplicationAutoScalingClient({ region }),
      cloudwatch: new CloudWatchClient({ region }),
      s3: new S3Client({ region }),
    };
    return made;
  };
}

/** Parses argv into the example's config; throws ValidationError naming the flag. */
export async function parseCli<C extends CommonConfig>(
  cli: ExampleCli<C>,
  argv: readonly string[],
): Promise<C> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...COMMON_OPTIONS, ...cli.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new ValidationError(`${(err as Error).message}. Run with --help for the flags.`, [], {
      cause: err,
    });
  }
  const values = parsed.values as Record<string, unknown>;
  const checked = parseOptions(commonSchema, values, `${cli.example} flags`);
  const commands = [...Object.keys(cli.plans), ...Object.keys(cli.local ?? {})];
  const command = parsed.positionals[0] ?? "deploy";
  if (!commands.includes(command) || parsed.positionals.length > 1) {
    throw new ValidationError(
      `Unknown command "${parsed.positionals.join(" ")}"; use one of: ${commands.join(", ")}.`,
    );
  }
  const region = (values.region as string | undefined) ?? process.env.AWS_REGION ?? "us-east-1";
  const name = parseOptions(
    resourceName,
    (values.name as string | undefined) ?? cli.defaults.name,
    "--name",
  );
  const common: CommonConfig = {
    command,
    dryRun: values["dry-run"] === true,
    region,
    name,
    roleArn: (values["role-arn"] as string | undefined) ?? PLACEHOLDER_ROLE_ARN,
    image: (values.image as string | undefined) ?? cli.defaults.image(region),
    instanceType: (values["instance-type"] as string | undefined) ?? cli.defaults.instanceType,
    tags: costTags(cli.example, name, parseTagFlags((values.tag as string[] | undefined) ?? [])),
    waitSeconds: checked["wait-minutes"] * 60,
    skipWait: values["skip-wait"] === true,
    pollSeconds: checked["poll-seconds"],
  };
  return cli.configure(common, values);
}

/**
 * Runs one deploy script: parses `argv`, then prints (dry run) or sends the command's plan.
 * Returns the process exit code; errors are printed, never thrown.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(cli, process.argv.slice(2));
 * ```
 */
export async function runCli<C extends CommonConfig>(
  cli: ExampleCli<C>,
  argv: readonly string[],
  io: CliIo = processIo,
): Promise<number> {
  try {
    if (argv.includes("--help") || argv.includes("-h")) {
      io.stdout(cli.usage);
      return 0;
    }
    const config = await parseCli(cli, argv);
    const local = cli.local?.[config.command];
    if (local) {
      for (const line of await local(config)) io.stdout(line);
      return 0;
    }
    const build = cli.plans[config.command];
    if (!build) throw new ValidationError(`Unknown command "${config.command}".`);
    // Only creating resources needs every value real; cleanup and invoke need just the names.
    if (!config.dryRun && config.command === "deploy") {
      const left = findPlaceholders(config);
      if (left.length > 0) {
        throw new ValidationError(
          `These values are placeholders; pass real ones (see ${cli.example}/README.md) or use --dry-run: ${left.join("; ")}.`,
        );
      }
    }
    const steps = await build(config);
    await runPlan(steps, {
      dryRun: config.dryRun,
      print: io.stdout,
      clients: io.clients ?? defaultClients(config.region),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    return 0;
  } catch (err) {
    const error =
      isFmopsError(err) || err instanceof DeployError
        ? err
        : new DeployError("DEPLOY_FAILED", `Unexpected failure: ${redact(String(err))}`, {
            cause: err,
          });
    io.stderr(`error [${error.code}]: ${error.message}`);
    return 1;
  }
}

/** Whether the module at `url` is the script Node was started with. */
export function isMain(url: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(url));
  } catch {
    return false;
  }
}
