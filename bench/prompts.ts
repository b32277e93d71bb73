/**
 * Benchmark: prompt rendering throughput and catalog folder load time.
 *
 *  - render: a ~2 KB template (system + user text) with 10 declared variables, rendered to a
 *    ChatRequest with fresh ~40-character values (validation included), renders per second;
 *  - load: 1,000 YAML/Markdown prompt files (2 versions each for YAML) written to a temp dir,
 *    loaded with readPromptFolder; median of --runs loads, in milliseconds.
 *
 * Usage: `npm run bench -- prompts [--renders 200000] [--files 1000] [--runs 5]`. Prints one JSON line.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readPromptFolder } from "../src/prompts/loader.js";
import { PromptTemplate } from "../src/prompts/template.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2) {
  args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
}
const RENDERS = Number(args.get("renders") ?? 200_000);
const FILES = Number(args.get("files") ?? 1000);
const RUNS = Number(args.get("runs") ?? 5);

const names = Array.from({ length: 10 }, (_, i) => `var${i}`);
const filler = "Follow the house style, keep sentences short, and cite sources where possible. ";
let body = "";
for (let i = 0; body.length < 1500; i++)
  body += `${filler}Field ${i}: {{${names[i % names.length]}}}.\n`;
const template = new PromptTemplate({
  id: "bench.render",
  version: "1",
  system: body.slice(0, 560).replace(/\{\{[^}]*$/, ""),
  text: body,
  variables: Object.fromEntries(names.map((n) => [n, { maxLength: 200 }])),
});
const templateBytes = new TextEncoder().encode((template.system ?? "") + template.text).length;

function renderBench(): { rendersPerSec: number; microsPerRender: number } {
  const values = names.map((n, i) =>
    Object.fromEntries(names.map((m, j) => [m, `value ${i}-${j} with {{braces}} é ${n}`])),
  );
  for (let i = 0; i < 5000; i++)
    template.render(values[i % values.length] as Record<string, string>);
  const start = performance.now();
  let chars = 0;
  for (let i = 0; i < RENDERS; i++) {
    chars +=
      template.render(values[i % values.length] as Record<string, string>).messages[0]?.content
        .length ?? 0;
  }
  const ms = performance.now() - start;
  if (chars === 0) throw new Error("nothing rendered");
  return {
    rendersPerSec: Math.round(RENDERS / (ms / 1000)),
    microsPerRender: Number(((ms * 1000) / RENDERS).toFixed(2)),
  };
}

function writeFolder(dir: string): void {
  for (let i = 0; i < FILES; i++) {
    if (i % 2 === 0) {
      writeFileSync(
        join(dir, `p${String(i).padStart(4, "0")}.yaml`),
        `id: bench.p${i}\ndescription: prompt ${i}\nvariables:\n  question: { maxLength: 2000 }\n  context: {}\nlabels: { production: "1" }\nsystem: |\n  You answer questions about topic ${i}.\n  Use only the context.\nversions:\n  - version: "1"\n    text: "Context: {{context}}\\nQ: {{question}}"\n  - version: "2"\n    text: |\n      Context:\n      {{context}}\n\n      Question: {{question}}\n`,
      );
    } else {
      writeFileSync(
        join(dir, `p${String(i).padStart(4, "0")}.md`),
        `---\nid: bench.p${i}\nversion: "1"\nvariables: { text: { maxLength: 10000 } }\n---\n\n# System\n\nSummarize for team ${i}.\n\n# User\n\n{{text}}\n`,
      );
    }
  }
}

const render = renderBench();
const dir = mkdtempSync(join(tmpdir(), "fmops-bench-prompts-"));
try {
  writeFolder(dir);
  const times: number[] = [];
  let prompts = 0;
  for (let r = 0; r < RUNS; r++) {
    const start = performance.now();
    const catalog = await readPromptFolder(dir);
    times.push(performance.now() - start);
    prompts = catalog.list().length;
  }
  times.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: "prompts",
      node: process.version,
      render: { templateBytes, variables: names.length, renders: RENDERS, ...render },
      load: {
        files: FILES,
        prompts,
        runs: RUNS,
        medianMs: Number((times[Math.floor(times.length / 2)] as number).toFixed(1)),
        minMs: Number((times[0] as number).toFixed(1)),
      },
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
