// A Deno program run WITHOUT --allow-ffi against the installed package: DuckDB's native addon is
// refused, and fmops turns Deno's refusal into a typed error that names the flag to grant. The
// driver (test/package/run.mjs) copies it into the consumer project and runs it with only
// --allow-read, --allow-env and --allow-sys.
import { FmopsError } from "fmops/core";
import { DuckDbEngine } from "fmops/text2sql";

const engine = new DuckDbEngine();
try {
  await engine.execute("SELECT 1");
  throw new Error("DuckDB loaded although --allow-ffi was not granted");
} catch (err) {
  const ok =
    err instanceof FmopsError &&
    err.code === "RUNTIME_PERMISSION_DENIED" &&
    err.message.includes("--allow-ffi");
  if (!ok) throw new Error(`DuckDB without --allow-ffi gave ${String(err)}`);
}
console.log("ok DuckDB refused without --allow-ffi: RUNTIME_PERMISSION_DENIED names the flag");
