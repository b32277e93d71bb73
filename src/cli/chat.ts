/**
 * `fmops chat`: send one prompt to a Bedrock model, a SageMaker endpoint or an OpenAI-compatible
 * server, and stream the answer to standard output.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { ChatRequest, ChatResponse } from "../core/chat.js";
import { ValidationError } from "../core/errors.js";
import { BedrockChatModel } from "../models/bedrock-chat.js";
import type { ChatTemplateName } from "../models/chat-templates.js";
import { OpenAICompatibleChatModel } from "../models/openai-compatible.js";
import { SageMakerChatModel } from "../models/sagemaker-chat.js";
import type { SageMakerPayloadFormat } from "../models/sagemaker-payloads.js";
import type { ChatModel } from "../models/types.js";
import { type CliCommand, type CliIo, readStdin } from "./io.js";

const usage = `Usage: fmops chat (--bedrock <model-id> | --sagemaker <endpoint> | --openai <base-url>) [options] [prompt...]

Sends one prompt and streams the answer to stdout. Without a prompt argument, reads stdin.

Model (exactly one):
  --bedrock <model-id>      Bedrock model or inference profile id (Converse API)
  --sagemaker <endpoint>    SageMaker real-time endpoint name
  --openai <base-url>       OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1

Options:
  --format <f>              SageMaker payload format: tgi | lmi | openai | jumpstart-text2text (default tgi)
  --template <t>            Chat template for tgi/lmi: plain | llama3 | mistral | chatml (default plain)
  --model <name>            Model name for --openai (default "default")
  --system <text>           System prompt
  --max-tokens <n>          Upper bound on generated tokens
  --temperature <t>         Sampling temperature
  --region <region>         AWS region (default: the SDK's configuration)
  --endpoint-url <url>      Custom AWS endpoint (VPC endpoint or local stand-in)
  --timeout <ms>            Give up after this many milliseconds
  --no-stream               Wait for the whole answer instead of streaming
  --stats                   Print usage and latency as JSON to stderr
`;

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) {
    throw new ValidationError(`${flag} takes a number; got "${value}".`, [
      { path: flag, message: "not a number" },
    ]);
  }
  return n;
}

function modelFrom(values: Record<string, string | boolean | undefined>): ChatModel {
  const aws = {
    ...(typeof values.region === "string" ? { region: values.region } : {}),
    ...(typeof values["endpoint-url"] === "string" ? { endpoint: values["endpoint-url"] } : {}),
  };
  const chosen = ["bedrock", "sagemaker", "openai"].filter((k) => typeof values[k] === "string");
  if (chosen.length !== 1) {
    throw new ValidationError("Choose exactly one of --bedrock, --sagemaker or --openai.", [
      {
        path: "model",
        message: chosen.length === 0 ? "missing" : `conflicting: ${chosen.join(", ")}`,
      },
    ]);
  }
  if (typeof values.bedrock === "string")
    return new BedrockChatModel({ modelId: values.bedrock, ...aws });
  if (typeof values.sagemaker === "string") {
    return new SageMakerChatModel({
      endpointName: values.sagemaker,
      format: ((values.format as string | undefined) ?? "tgi") as SageMakerPayloadFormat,
      chatTemplate: ((values.template as string | undefined) ?? "plain") as ChatTemplateName,
      ...aws,
    });
  }
  return new OpenAICompatibleChatModel({
    baseUrl: values.openai as string,
    model: (values.model as string | undefined) ?? "default",
  });
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      bedrock: { type: "string" },
      sagemaker: { type: "string" },
      openai: { type: "string" },
      format: { type: "string" },
      template: { type: "string" },
      model: { type: "string" },
      system: { type: "string" },
      "max-tokens": { type: "string" },
      temperature: { type: "string" },
      region: { type: "string" },
      "endpoint-url": { type: "string" },
      timeout: { type: "string" },
      "no-stream": { type: "boolean" },
      stats: { type: "boolean" },
    },
  });
  const model = modelFrom(values);
  const prompt =
    positionals.length > 0 ? positionals.join(" ") : (await readStdin(io.stdin)).trim();
  if (prompt === "") {
    throw new ValidationError("Give a prompt as arguments or on stdin.", [
      { path: "prompt", message: "empty" },
    ]);
  }
  const request: ChatRequest = { messages: [{ role: "user", content: prompt }] };
  if (values.system !== undefined) request.system = values.system;
  const maxTokens = number(values["max-tokens"], "--max-tokens");
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = number(values.temperature, "--temperature");
  if (temperature !== undefined) request.temperature = temperature;
  const timeoutMs = number(values.timeout, "--timeout");
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
