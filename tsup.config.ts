import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

// package.json `exports` is the single list of public entry points: "." maps to src/index.ts and
// "./<module>" to src/<module>/index.ts. Adding a module means adding one export there.
const pkg = JSON.parse(readFileSync("./package.json", "utf8")) as {
  exports: Record<string, unknown>;
};
const entry: Record<string, string> = { "cli/index": "src/cli/index.ts" };
for (const subpath of Object.keys(pkg.exports)) {
  if (subpath === "./package.json") continue;
  const name = subpath === "." ? "index" : `${subpath.slice(2)}/index`;
  entry[name] = `src/${name}.ts`;
}

export default defineConfig({
  entry,
  format: ["esm", "cjs"],
  dts: true,
  // Shared chunks keep one copy of each class, so `instanceof FmopsError` holds across subpaths.
  splitting: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
  treeshake: true,
  // stemmer ships ESM only; bundling its few KB lets the CommonJS build require() everywhere.
  noExternal: ["stemmer"],
});
