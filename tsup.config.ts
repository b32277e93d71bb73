import { readFileSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { defineConfig, type Options } from "tsup";

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

// The bundled third-party builds are minified and link source maps of their generated parsers
// (2 MB for node-sql-parser's Trino build). Their own maps are not followed (the comment that
// links them is dropped as each file loads), and after the build the maps keep the sources of
// fmops's own code only: a third-party source's text is replaced by null, which debuggers show as
// "source unavailable", while stack-trace positions still resolve.
const withoutLinkedSourceMaps: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "without-linked-source-maps",
  setup(build) {
    build.onLoad(
      { filter: /[\\/]node_modules[\\/](node-sql-parser|big-integer)[\\/].*\.js$/ },
      async (args) => ({
        contents: (await readFile(args.path, "utf8")).replace(/^\/\/# sourceMappingURL=.*$/m, ""),
        loader: "js",
      }),
    );
  },
};

async function dropThirdPartySourcesContent(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await dropThirdPartySourcesContent(path);
    if (!entry.isFile() || !entry.name.endsWith(".map")) continue;
    const map = JSON.parse(await readFile(path, "utf8")) as {
      sources: string[];
      sourcesContent?: (string | null)[];
    };
    if (!map.sourcesContent) continue;
    map.sourcesContent = map.sourcesContent.map((text, i) =>
      map.sources[i]?.includes("node_modules/") ? null : text,
    );
    await writeFile(path, JSON.stringify(map));
  }
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
  // The SQL guard needs one build of node-sql-parser (Trino, 250 KB, and big-integer, which it
  // requires); bundling those keeps the package's 90 MB of other dialects, UMD builds and source
  // maps out of every install. THIRD-PARTY-NOTICES.md carries their licenses.
  noExternal: ["stemmer", "node-sql-parser", "big-integer"],
  esbuildPlugins: [withoutLinkedSourceMaps],
  onSuccess: () => dropThirdPartySourcesContent("dist"),
  // In the CommonJS build, lazy imports (the AWS SDK clients, optional peers, fmops's own file
  // helpers) become require() inside a promise rather than import(): CommonJS hosts without ES
  // module support in their module loader (Jest's default runtime, some bundlers) can load them,
  // and the application's own require()d AWS SDK and fmops's are the same module instances.
  esbuildOptions(options, context) {
    if (context.format === "cjs")
      options.supported = { ...options.supported, "dynamic-import": false };
  },
});
