/**
 * Every built-in ChatModel against `chatModelContract`, each through its real client on its
 * local stand-in: Bedrock (Converse / ConverseStream), SageMaker in each payload format, an
 * OpenAI-compatible server, and FakeChatModel. Each factory turns the contract's scripted turn
 * into what its service would send on the wire.
 */
import type { ServerResponse } from "node:http";
import { describe, it } from "vitest";
import { BedrockChatModel } from "../../src/models/bedrock-chat.js";
import { Guardrail } from "../../src/models/guardrail.js";
import { OpenAICompatibleChatModel } from "../../src/models/openai-compatible.js";
import { SageMakerChatModel } from "../../src/models/sagemaker-chat.js";
import { withGuardrail } from "../../src/models/with-guardrail.js";
import { instrument } from "../../src/monitoring/index.js";
import {
  type ChatContractTurn,
  chatModelContract,
} from "../../src/testing/contracts/chat-model.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { type ConverseStreamFrame, startBedrockRuntime } from "../emulators/bedrock-runtime.js";
import { converseToolUseFrames, converseToolUseReply } from "../emulators/bedrock-tool-use.js";
import { pause, readBody, standInError, startServer, writeChunk } from "../emulators/http.js";
import { openAIToolUseCompletion } from "../emulators/openai-tool-use.js";
import {
  type SageMakerStreamFrame,
  startSageMakerRuntime,
} from "../emulators/sagemaker-runtime.js";

// A stalled turn holds its response open far longer than any case runs; the stand-ins stop
// waiting as soon as the client goes away.
const STALL = { delayMs: 600_000 } as const;

function scriptedTurn(turn: ChatContractTurn) {
  return {
    text: turn.text,
    ...(turn.toolCalls ? { toolCalls: turn.toolCalls.map((c) => ({ ...c })) } : {}),
  };
}

/** Bedrock's ConverseStream frames: one delta per piece of text, then the tool calls. */
function converseFrames(turn: ChatContractTurn): ConverseStreamFrame[] {
  const frames: ConverseStreamFrame[] = [{ messageStart: { role: "assistant" } }];
  for (const text of turn.deltas) {
    frames.push({ contentBlockDelta: { contentBlockIndex: 0, delta: { text } } });
  }
  if (turn.stall) return [...frames, STALL];
  frames.push({ contentBlockStop: { contentBlockIndex: 0 } });
  // The tool-use frames of a turn without text: block 0 is taken by the text above, so shift.
  const tools = converseToolUseFrames({ toolCalls: scriptedTurn(turn).toolCalls ?? [] }, 4)
    .slice(1)
    .map((frame) => shiftBlock(frame, 1));
  return [...frames, ...tools];
}

function shiftBlock(frame: ConverseStreamFrame, by: number): ConverseStreamFrame {
  for (const key of ["contentBlockStart", "contentBlockDelta", "contentBlockStop"] as const) {
    if (key in frame) {
      const inner = (frame as Record<string, { contentBlockIndex?: number }>)[key];
      return {
        [key]: { ...inner, contentBlockIndex: (inner?.contentBlockIndex ?? 0) + by },
      } as ConverseStreamFrame;
    }
  }
  return frame;
}

function failure(turn: ChatContractTurn, status: number, type: string) {
  return standInError({ status, type, message: turn.fail?.message ?? "failed" });
}

/** An OpenAI `chat.completion.chunk` server-sent event. */
function openAIChunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({
    id: "chatcmpl-contract",
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finish_reason: finish }],
  })}\n\n`;
}

/** The events of a streamed OpenAI answer: text deltas, tool-call fragments, usage, `[DONE]`. */
function openAIEvents(turn: ChatContractTurn): string[] {
  const events = [openAIChunk({ role: "assistant", content: "" })];
  for (const content of turn.deltas) events.push(openAIChunk({ content }));
  if (turn.stall) return events;
  for (const [index, call] of (turn.toolCalls ?? []).entries()) {
    const args = JSON.stringify(call.input);
    events.push(
      openAIChunk({
        tool_calls: [
          { index, id: call.id, type: "function", function: { name: call.name, arguments: "" } },
        ],
      }),
    );
    for (let at = 0; at < args.length; at += 4) {
      events.push(
        openAIChunk({ tool_calls: [{ index, function: { arguments: args.slice(at, at + 4) } }] }),
      );
    }
  }
  events.push(openAIChunk({}, turn.toolCalls?.length ? "tool_calls" : "stop"));
  events.push(
    `data: ${JSON.stringify({ id: "chatcmpl-contract", choices: [], usage: { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 } })}\n\n`,
    "data: [DONE]\n\n",
  );
  return events;
}

/** TGI's stream: one SSE event per token, then the end-of-sequence token with the summary. */
function tgiPayloads(turn: ChatContractTurn): SageMakerStreamFrame[] {
  const event = (id: number, text: string, last: boolean) => ({
    index: id,
    token: { id, text, logprob: -0.1, special: last },
    generated_text: last ? turn.text : null,
    details: last ? { finish_reason: "eos_token", generated_tokens: id + 1, seed: null } : null,
  });
  const frames: SageMakerStreamFrame[] = turn.deltas.map((text, i) => ({
    payload: `data:${JSON.stringify(event(i, text, false))}\n\n`,
  }));
  if (turn.stall) return [...frames, STALL];
  frames.push({ payload: `data:${JSON.stringify(event(turn.deltas.length, "</s>", true))}\n\n` });
  return frames;
}

/** LMI's rolling-batch jsonlines, cut into 5-byte payload parts so characters split across them. */
function lmiPayloads(turn: ChatContractTurn): SageMakerStreamFrame[] {
  const lines = turn.deltas.map((text, i) =>
    JSON.stringify({ token: { id: i, text, log_prob: -1 } }),
  );
  const bytes = new TextEncoder().encode(`${lines.join("\n")}\n`);
  const frames: SageMakerStreamFrame[] = [];
  for (let at = 0; at < bytes.length; at += 5) frames.push({ payload: bytes.slice(at, at + 5) });
  return turn.stall ? [...frames, STALL] : frames;
}

type SageMakerFormat = "tgi" | "lmi" | "openai" | "jumpstart-text2text";

/** The InvokeEndpoint answer of each format. */
function sageMakerBody(format: SageMakerFormat, turn: ChatContractTurn): object {
  const details = { finish_reason: "stop", generated_tokens: turn.deltas.length };
  switch (format) {
    case "tgi":
      return [{ generated_text: turn.text, details }];
    case "lmi":
      return { generated_text: turn.text, details };
    case "openai":
      return openAIToolUseCompletion(scriptedTurn(turn));
    case "jumpstart-text2text":
      return { generated_texts: [turn.text] };
  }
}

function sageMakerStream(format: SageMakerFormat, turn: ChatContractTurn) {
  switch (format) {
    case "tgi":
      return { frames: tgiPayloads(turn), contentType: "text/event-stream" };
    case "lmi":
      return { frames: lmiPayloads(turn), contentType: "application/jsonlines" };
    default: {
      const frames: SageMakerStreamFrame[] = openAIEvents(turn).map((payload) => ({ payload }));
      return { frames: turn.stall ? [...frames, STALL] : frames, contentType: "text/event-stream" };
    }
  }
}

describe("BedrockChatModel meets the ChatModel contract (Converse on the Bedrock Runtime stand-in)", () => {
  const cases = chatModelContract(
    async (turn) => {
      const br = await startBedrockRuntime({
        converse: () =>
          turn.fail
            ? failure(turn, 500, "InternalServerException")
            : converseToolUseReply(scriptedTurn(turn)),
        converseStream: () =>
          turn.fail ? failure(turn, 500, "InternalServerException") : converseFrames(turn),
      });
      return {
        subject: new BedrockChatModel({ modelId: "anthropic.claude-3-haiku", client: br.client }),
        close: () => br.close(),
      };
    },
    { tools: true },
  );
  for (const c of cases) it(c.name, c.run);
});

for (const format of ["tgi", "lmi", "openai", "jumpstart-text2text"] as const) {
  describe(`SageMakerChatModel format ${format} meets the ChatModel contract (SageMaker Runtime stand-in)`, () => {
    const cases = chatModelContract(
      async (turn) => {
        const sm = await startSageMakerRuntime({
          invokeEndpoint: () =>
            turn.fail ? failure(turn, 424, "ModelError") : { body: sageMakerBody(format, turn) },
          invokeEndpointWithResponseStream: () =>
            turn.fail ? failure(turn, 424, "ModelError") : sageMakerStream(format, turn),
        });
        return {
          subject: new SageMakerChatModel({ client: sm.client, endpointName: "contract", format }),
          close: () => sm.close(),
        };
      },
      { tools: format === "openai", streaming: format !== "jumpstart-text2text" },
    );
    for (const c of cases) it(c.name, c.run);
  });
}

async function writeEvents(res: ServerResponse, turn: ChatContractTurn): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const event of openAIEvents(turn)) await writeChunk(res, new TextEncoder().encode(event));
  if (turn.stall) await pause(res, STALL.delayMs);
  res.end();
}

describe("OpenAICompatibleChatModel meets the ChatModel contract (local chat-completions server)", () => {
  const cases = chatModelContract(
    async (turn) => {
      const server = await startServer(async (req, res) => {
        const body = JSON.parse(new TextDecoder().decode(await readBody(req)));
        if (turn.fail) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ object: "error", message: turn.fail.message, code: 500 }));
          return;
        }
        if (body.stream) return writeEvents(res, turn);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(openAIToolUseCompletion(scriptedTurn(turn))));
      });
      return {
        subject: new OpenAICompatibleChatModel({ baseUrl: `${server.endpoint}/v1`, model: "m" }),
        close: () => server.close(),
      };
    },
    { tools: true },
  );
  for (const c of cases) it(c.name, c.run);
});

describe("FakeChatModel meets the ChatModel contract", () => {
  const cases = chatModelContract(
    (turn) =>
      new FakeChatModel({
        responses: () => scriptedTurn(turn),
        ...(turn.fail ? { failOn: () => true } : {}),
        ...(turn.stall ? { delayMs: STALL.delayMs } : {}),
      }),
    { tools: true },
  );
  for (const c of cases) it(c.name, c.run);
});

describe("instrument(model) meets the ChatModel contract (around FakeChatModel)", () => {
  const cases = chatModelContract(
    (turn) =>
      instrument(
        new FakeChatModel({
          responses: () => scriptedTurn(turn),
          ...(turn.fail ? { failOn: () => true } : {}),
          ...(turn.stall ? { delayMs: STALL.delayMs } : {}),
        }),
      ),
    { tools: true },
  );
  for (const c of cases) it(c.name, c.run);
});

// "buffer" (the default) holds every delta back until the answer is checked, so a stream has
// nothing to show before its end by design; "checkAtEnd" streams as the model answers.
describe("withGuardrail(model, guardrail, { stream: 'checkAtEnd' }) meets the ChatModel contract (ApplyGuardrail on the Bedrock Runtime stand-in)", () => {
  const cases = chatModelContract(
    async (turn) => {
      const br = await startBedrockRuntime({
        applyGuardrail: {
          guardrailId: "gr-contract",
          guardrailVersion: "1",
          customWords: ["forbidden"],
        },
      });
      const guardrail = new Guardrail({
        guardrailId: "gr-contract",
        guardrailVersion: "1",
        client: br.client,
      });
      const model = new FakeChatModel({
        responses: () => scriptedTurn(turn),
        ...(turn.fail ? { failOn: () => true } : {}),
        ...(turn.stall ? { delayMs: STALL.delayMs } : {}),
      });
      return {
        subject: withGuardrail(model, guardrail, { stream: "checkAtEnd" }),
        close: () => br.close(),
      };
    },
    { tools: true },
  );
  for (const c of cases) it(c.name, c.run);
});
