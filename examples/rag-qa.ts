/**
 * Answers questions over a folder of Markdown files with the embedded BM25 index and RagChain.
 *
 *   node --import tsx examples/rag-qa.ts [folder] ["question"]
 *
 * Defaults: this repository's docs/ folder and a question about it. The model is a scripted
 * FakeChatModel (it quotes the best passage and cites it) unless FMOPS_BEDROCK_MODEL is set, e.g.
 * FMOPS_BEDROCK_MODEL=amazon.nova-lite-v1:0 (uses your AWS credentials and region).
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChatModel } from "../src/models/index.js";
import { BedrockChatModel, messageText } from "../src/models/index.js";
import { Bm25Index, type Document, RagChain, RecursiveTextSplitter } from "../src/rag/index.js";
import { FakeChatModel } from "../src/testing/index.js";

const folder = process.argv[2] ?? fileURLToPath(new URL("../docs/", import.meta.url));
// The generated API reference (docs/api) repeats the guides; index the guides only by default.
const skip = new Set(process.argv[2] ? [] : ["api"]);
const question =
  process.argv[3] ?? "How do I wait for an asynchronous SageMaker inference to finish?";

async function markdownFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const hidden =
      entry.name.startsWith(".") || entry.name === "node_modules" || skip.has(entry.name);
    if (entry.isDirectory()) {
      if (!hidden) out.push(...(await markdownFiles(path)));
    } else if (entry.isFile() && entry.name.endsWith(".md")) out.push(path);
  }
  return out.sort();
}

// 1. Read and chunk the documents (offsets and the source path end up in each chunk's metadata).
const documents: Document[] = [];
for (const path of await markdownFiles(folder)) {
  const source = relative(folder, path);
  documents.push({ id: source, text: await readFile(path, "utf8"), metadata: { source } });
}
const chunks = new RecursiveTextSplitter({ chunkSize: 800, chunkOverlap: 100 }).splitAll(documents);

// 2. Index them with BM25 (Lucene's English analysis and scoring, no service needed).
const index = new Bm25Index();
index.add(chunks);
console.log(`Indexed ${documents.length} files as ${chunks.length} chunks from ${folder}`);

// 3. Answer with citations.
const modelId = process.env.FMOPS_BEDROCK_MODEL;
const model: ChatModel = modelId
  ? new BedrockChatModel({ modelId })
  : new FakeChatModel({
      // Stands in for an LLM: quotes the first sentence of passage [1] from the prompt it got.
      responses: (request) => {
        const prompt = messageText(request.messages.at(-1) ?? { content: "" });
        const passage = /PASSAGE 1>>>\n([\s\S]*?)\n<<<END/.exec(prompt)?.[1] ?? "";
        const sentence = passage.replace(/\s+/g, " ").split(/(?<=[.!?])\s/)[0] ?? "";
        return `${sentence.slice(0, 300)} [1]`;
      },
    });
const chain = new RagChain({ retriever: index, model, k: 4, minScore: 3, maxContextTokens: 2000 });
const result = await chain.ask(question);

console.log(`\nQ: ${question}\nA: ${result.answer}\n`);
for (const c of result.citations) console.log(`  [${c.index}] ${c.chunkId} (${c.source})`);
console.log(`\nPassages: ${result.chunks.map((c) => `${c.id} ${c.score.toFixed(2)}`).join(", ")}`);
console.log(`Latency: ${JSON.stringify(result.latency)}  Usage: ${JSON.stringify(result.usage)}`);

// A question the documents cannot answer: no passage passes minScore, so no model call is made.
const unknown = await chain.ask("Which penguin species breed in Antarctica?");
console.log(`\nQ: (off-topic)\nA: ${unknown.answer} (answered: ${unknown.answered})`);
