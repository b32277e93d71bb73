/**
 * `fmops ask "<question>"`: answer a question from an index written by `fmops index`, with
 * citations; without `--model`, print the retrieved passages instead.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ValidationError } from "../core/index.js";
import type { Retriever } from "../rag/index.js";
import { RagChain, VectorStoreRetriever } from "../rag/index.js";
import { awsFlags, numberFlag } from "./flags.js";
import type { CliCommand, CliIo } from "./io.js";
import { modelFlagOptions, modelFlagsUsage, modelFromFlags } from "./model-flags.js";
import { embeddingsFromFlag, loadIndexFile } from "./rag-files.js";

const usage = `Usage: fmops ask [options] <question...>

Answers from the passages of an index written by "fmops index", citing them. Without --model,
prints the retrieved passages.

Options:
  --index <file>            Index file (default .fmops/index.json)
  --k <n>                   Passages to retrieve (default 4)
  --min-score <s>           Answer "I don't know" (no model call) when no passage scores this high
  --embeddings <model>      For a vector index: the model it was built with
  --json                    Print the whole result as JSON
${modelFlagsUsage}`;

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...modelFlagOptions,
      index: { type: "string" },
      k: { type: "string" },
      "min-score": { type: "string" },
      embeddings: { type: "string" },
      json: { type: "boolean" },
    },
  });
  const question = positionals.join(" ").trim();
  if (question === "") {
    throw new ValidationError('Give a question: fmops ask "How do I ...?".', [
      { path: "question", message: "empty" },
    ]);
  }
  const loaded = await loadIndexFile(values.index ?? ".fmops/index.json");
  let retriever: Retriever;
  if (loaded.kind === "bm25") {
    retriever = loaded.index;
  } else {
    retriever = new VectorStoreRetriever(
      loaded.store,
      embeddingsFromFlag(values.embeddings, awsFlags(values)),
    );
  }
  const k = numberFlag(values.k, "--k") ?? 4;
  const minScore = numberFlag(values["min-score"], "--min-score");

  if (values.model === undefined) {
    const chunks = (await retriever.retrieve(question, { k, signal: io.signal })).filter(
      (c) => minScore === undefined || c.score >= minScore,
    );
    if (values.json) io.stdout.write(`${JSON.stringify({ question, chunks }, null, 2)}\n`);
    else {
      for (const [i, c] of chunks.entries()) {
        io.stdout.write(
          `[${i + 1}] ${c.source ?? c.id} (score ${c.score.toFixed(3)})\n${c.text}\n\n`,
        );
      }
      if (chunks.length === 0) io.stdout.write("No passage matched.\n");
    }
    return 0;
  }
  const chain = new RagChain({
    retriever,
    model: modelFromFlags(values),
    k,
    ...(minScore !== undefined ? { minScore } : {}),
  });
  const result = await chain.ask(question, { signal: io.signal });
  if (values.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`${result.answer}\n`);
  if (result.citations.length > 0) {
    io.stdout.write("\nSources:\n");
    for (const c of result.citations) io.stdout.write(`  [${c.index}] ${c.source ?? c.chunkId}\n`);
  }
  return 0;
}

/** The `fmops ask` command. */
export const askCommand: CliCommand = {
  summary: "Answer a question from an index built by fmops index, with citations",
  usage,
  run,
};
