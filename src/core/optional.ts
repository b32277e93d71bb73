/**
 * Lazy loading of optional peer dependencies (DuckDB, OpenSearch, transformers.js), so that a
 * user who never touches a feature never has to install its package.
 *
 * @module
 */
import { FmopsError, MissingDependencyError, redact } from "./errors.js";

/**
 * Imports `packageName` on first use, or throws a {@link MissingDependencyError}
 * (`MISSING_DEPENDENCY`) telling the user what to install, or `RUNTIME_PERMISSION_DENIED` when
 * the runtime refused to load it (Deno without `--allow-ffi` for a native addon such as
 * DuckDB's). Other errors raised while the package itself loads (a broken native build, say)
 * are rethrown as they are.
 *
 * @param feature - what needs the package, for the message, e.g. `"DuckDbEngine"`.
 * @param load - how to import it; defaults to `import(packageName)`. Pass
 *   `() => import("literal-name")` where bundlers (esbuild, webpack for Lambda) must see the
 *   package name to include it, as the AWS SDK clients do (see `core/aws-sdk.ts`).
 * @example
 * ```ts
 * const duckdb = await loadOptional<typeof import("@duckdb/node-api")>("@duckdb/node-api", "DuckDbEngine");
 * ```
 */
export async function loadOptional<T>(
  packageName: string,
  feature: string,
  load: () => Promise<unknown> = () => import(/* @vite-ignore */ packageName),
): Promise<T> {
  try {
    return (await load()) as T;
  } catch (err) {
    if (isNotFound(err, packageName))
      throw new MissingDependencyError(packageName, feature, { cause: err });
    if (isRuntimePermissionError(err)) {
      throw new FmopsError(
        "RUNTIME_PERMISSION_DENIED",
        `${feature} needs ${packageName}, which the runtime was not permitted to load: ${redact((err as Error).message)}. Under Deno, grant what it names: --allow-ffi for a native addon, with --allow-read and --allow-env (or run with -A).`,
        { cause: err },
      );
    }
    throw err;
  }
}

function isNotFound(err: unknown, packageName: string): boolean {
  const e = err as { code?: string; message?: string };
  const message = e?.message ?? "";
  const notFoundCode = e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND";
  // Node names the missing package in the message; Deno uses its own wording without a code.
  const namesPackage =
    message.includes(`'${packageName}'`) ||
    message.includes(`"${packageName}"`) ||
    message.includes(`npm:${packageName}`);
  return namesPackage && (notFoundCode || /not find|cannot find|not found/i.test(message));
}

/** Deno's permission errors: `Deno.errors.NotCapable` (Deno 2), `PermissionDenied` before it. */
function isRuntimePermissionError(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  return err instanceof Error && (name === "NotCapable" || name === "PermissionDenied");
}
