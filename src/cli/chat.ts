/**
 * `fmops chat`: send one prompt to a Bedrock model, a SageMaker endpoint or an OpenAI-compatible
 * server, and stream the answer to standard output.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { ChatRequest, ChatResponse } from "../core/index.js";
import { numberFlag, positiveIntFlag } from "./flags.js";
import { type CliCommand, type CliIo, readPrompt } from "./io.js";
import { modelFlagOptions, modelFlagsUsage, modelFromFlags } from "./model-flags.js";

const usage = `Usage: fmops chat --model <model> [options] [prompt...]

Sends one prompt and streams the answer to stdout. Without a prompt argument, reads stdin.

${modelFlagsUsage}
Options:
  --system <text>           System prompt
  --max-tokens <n>          Upper bound on generated tokens
  --temperature <t>         Sampling temperature
  --timeout <ms>            Give up after this many milliseconds
  --no-stream               Wait for the whole answer instead of streaming
  --stats                   Print usage and latency as JSON to stderr
`;

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...modelFlagOptions,
      system: { type: "string" },
      "max-tokens": { type: "string" },
      temperature: { type: "string" },
      timeout: { type: "string" },
      "no-stream": { type: "boolean" },
      stats: { type: "boolean" },
    },
  });
  const model = modelFromFlags(values);
  const prompt = await readPrompt(positionals, io);
  const request: ChatRequest = { messages: [{ role: "user", content: prompt }] };
  if (values.system !== undefined) request.system = values.system;
  const maxTokens = positiveIntFlag(values["max-tokens"], "--max-tokens");
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = numberFlag(values.temperature, "--temperature");
  if (temperature !== undefined) request.temperature = temperature;
  const timeoutMs = positiveIntFlag(values.timeout, "--timeout");
  const callOptions = { signal: io.signal, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };

  let response: ChatResponse;
  if (values["no-stream"]) {
    response = await model.generate(request, callOptions);
    io.stdout.write(response.text);
  } else {
    const stream = model.stream(request, callOptions);
    for await (const delta of stream) io.stdout.write(delta);
    response = await stream.response();
  }
  io.stdout.write("\n");
  if (values.stats) {
    const { text: _text, ...stats } = response;
    io.stderr.write(`${JSON.stringify({ model: model.id, ...stats })}\n`);
  }
  return 0;
}

/** The `fmops chat` command. */
export const chatCommand: CliCommand = {
  summary: "Send a prompt to Bedrock, a SageMaker endpoint or an OpenAI-compatible server",
  usage,
  run,
};
