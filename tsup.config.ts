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
// links them is dropped as each file loads), and after the build the maps describe fmops's own
// code only: a third-party source keeps its name but loses its text (null) and its mappings (its
// code maps to nothing), which would otherwise add about 1 MB per format for one minified line.
const THIRD_PARTY = /[\\/]node_modules[\\/]/;
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

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The numbers of one source-map segment (base64 VLQ, each relative to the previous segment's). */
export function decodeSegment(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value % 2 ? -(value - 1) / 2 : value / 2);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

function encodeValue(n: number): string {
  let rest = n < 0 ? -n * 2 + 1 : n * 2;
  let text = "";
  do {
    let digit = rest % 32;
    rest = Math.floor(rest / 32);
    if (rest > 0) digit |= 32;
    text += BASE64[digit];
  } while (rest > 0);
  return text;
}

/**
 * `mappings` without the segments that point into `dropped` sources: each run of them becomes
 * one unmapped segment (or nothing at the start of a line), and every other segment keeps its
 * generated and original positions.
 */
export function dropMappings(mappings: string, dropped: Set<number>): string {
  const read = [0, 0, 0, 0]; // source, original line, original column, name: absolute, as decoded
  const written = [0, 0, 0, 0];
  return mappings
    .split(";")
    .map((line) => {
      let column = 0;
      let writtenColumn = 0;
      let unmapped = true; // a line starts unmapped
      const kept: string[] = [];
      for (const segment of line === "" ? [] : line.split(",")) {
        const f = decodeSegment(segment);
        column += f[0] as number;
        for (let i = 1; i < f.length; i++) (read[i - 1] as number) += f[i] as number;
        const mapped = f.length >= 4 && !dropped.has(read[0] as number);
        if (!mapped && unmapped) continue;
        let text = encodeValue(column - writtenColumn);
        writtenColumn = column;
        if (mapped) {
          for (let i = 0; i < f.length - 1; i++) {
            text += encodeValue((read[i] as number) - (written[i] as number));
            written[i] = read[i] as number;
          }
        }
        kept.push(text);
        unmapped = !mapped;
      }
      return kept.join(",");
    })
    .join(";");
}

async function trimThirdPartySourceMaps(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await trimThirdPartySourceMaps(path);
    if (!entry.isFile() || !entry.name.endsWith(".map")) continue;
    const map = JSON.parse(await readFile(path, "utf8")) as {
      sources: string[];
      sourcesContent?: (string | null)[];
      mappings: string;
    };
    const dropped = new Set(map.sources.flatMap((s, i) => (THIRD_PARTY.test(s) ? [i] : [])));
    if (dropped.size === 0) continue;
    map.mappings = dropMappings(map.mappings, dropped);
    if (map.sourcesContent)
      map.sourcesContent = map.sourcesContent.map((text, i) => (dropped.has(i) ? null : text));
    await writeFile(path, JSON.stringify(map));
  }
}

export default defineConfig((overrides) => ({
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
  // Trims the maps where this build wrote them: a build with other options (the METEOR test builds
  // into a scratch folder without maps) must neither fail on nor touch `dist/`.
  onSuccess:
    overrides.sourcemap === false
      ? undefined
      : () => trimThirdPartySourceMaps(overrides.outDir ?? "dist"),
  // In the CommonJS build, lazy imports (the AWS SDK clients, optional peers, fmops's own file
  // helpers) become require() inside a promise rather than import(): CommonJS hosts without ES
  // module support in their module loader (Jest's default runtime, some bundlers) can load them,
  // and the application's own require()d AWS SDK and fmops's are the same module instances.
  esbuildOptions(options, context) {
    if (context.format === "cjs")
      options.supported = { ...options.supported, "dynamic-import": false };
  },
}));
