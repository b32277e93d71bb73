/**
 * The OpenAI chat-completions message format, shared by every adapter that speaks it
 * (OpenAI-compatible servers, SageMaker endpoints in the `openai` format): fmops requests become
 * `messages`, `tools` and `tool_choice`, and a `choices[0].message` becomes text, tool calls and
 * content blocks.
 *
 * @module
 */
import type { ChatRequest } from "../core/index.js";
import { ValidationError } from "../core/index.js";
import type {
  ContentBlock,
  ToolCall,
  ToolChoice,
  ToolResultBlock,
  ToolSpec,
} from "../core/internal.js";
import { contentText } from "../core/internal.js";
import { toolInputJsonSchema } from "./bedrock-content.js";

type Json = Record<string, unknown>;

/**
 * What a failed tool result's text starts with: the messages API has no error flag for tool
 * results, so the model learns that the call failed from the text itself.
 */
export const TOOL_ERROR_PREFIX = "Error: ";

function refuse(path: string, message: string): ValidationError {
  return new ValidationError(`Invalid chat request: ${path}: ${message}`, [{ path, message }]);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** A user turn's block as an OpenAI content part; only text and inline images have one. */
function userPart(block: ContentBlock, path: string): Json | undefined {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text };
    case "image":
      if (block.bytes === undefined) {
        throw refuse(
          path,
          "OpenAI-compatible servers take images as bytes (sent as a data URL), not s3Uri; read the object and pass its bytes",
        );
      }
      return {
        type: "image_url",
        image_url: { url: `data:${block.mediaType};base64,${base64(block.bytes)}` },
      };
    case "cachePoint":
      // A caching hint only Bedrock understands; other servers cache prefixes on their own.
      return undefined;
    default:
      throw refuse(
        path,
        `an OpenAI-compatible user turn holds text, images and tool results, not "${block.type}" blocks`,
      );
  }
}

/** The text of a tool result, marked when the call failed. */
function toolResultText(block: ToolResultBlock, path: string): string {
  if (typeof block.content !== "string") {
    for (const [i, part] of block.content.entries()) {
      if (part.type !== "text") {
        throw refuse(
          `${path}.content.${i}`,
          `an OpenAI-compatible tool result holds text only, not "${part.type}" blocks`,
        );
      }
    }
  }
  const text = contentText(block.content);
  return block.isError ? `${TOOL_ERROR_PREFIX}${text}` : text;
}

/** A user turn: its tool results as `role: "tool"` messages first, then any text and images. */
function userMessages(content: ContentBlock[], path: string): Json[] {
  const out: Json[] = [];
  const parts: Json[] = [];
  for (const [j, block] of content.entries()) {
    if (block.type === "toolResult") {
      // Tool messages must directly follow the assistant turn that made the calls.
      out.push({
        role: "tool",
        tool_call_id: block.toolUseId,
        content: toolResultText(block, `${path}.${j}`),
      });
      continue;
    }
    const part = userPart(block, `${path}.${j}`);
    if (part) parts.push(part);
  }
  if (parts.length > 0) {
    // Plain text goes as a string, which every server accepts; parts only when there are images.
    const textOnly = parts.every((p) => p.type === "text");
    out.push({
      role: "user",
      content: textOnly ? parts.map((p) => p.text as string).join("") : parts,
    });
  }
  return out;
}

/** An assistant turn: its text, and its tool uses as `tool_calls`. */
function assistantMessage(content: ContentBlock[], path: string): Json {
  let text = "";
  const calls: Json[] = [];
  for (const [j, block] of content.entries()) {
    if (block.type === "text") text += block.text;
    else if (block.type === "toolUse") {
      calls.push({
        id: block.id,
        type: "function",
        function: {
          name: block.name,
          // Input that was not JSON is kept as the model sent it (see ToolCall.inputError).
          arguments:
            typeof block.input === "string" ? block.input : JSON.stringify(block.input ?? {}),
        },
      });
    } else if (block.type !== "reasoning" && block.type !== "cachePoint") {
      // Reasoning is dropped: these servers neither take it back nor check a signature.
      throw refuse(
        `${path}.${j}`,
        `an OpenAI-compatible assistant turn holds text and tool uses, not "${block.type}" blocks`,
      );
    }
  }
  const message: Json = { role: "assistant", content: text === "" && calls.length ? null : text };
  if (calls.length > 0) message.tool_calls = calls;
  return message;
}

/** The request's system prompt and messages as chat-completions `messages`. */
export function toOpenAIMessages(request: ChatRequest): Json[] {
  const messages: Json[] = [];
  if (request.system) messages.push({ role: "system", content: request.system });
  for (const [i, m] of request.messages.entries()) {
    if (typeof m.content === "string") messages.push({ role: m.role, content: m.content });
    else if (m.role === "user") messages.push(...userMessages(m.content, `messages.${i}.content`));
    else messages.push(assistantMessage(m.content, `messages.${i}.content`));
  }
  return messages;
}

/** The chat-completions `tool_choice` for a {@link ToolChoice}. */
function toolChoiceOf(choice: ToolChoice): unknown {
  if (choice === "any") return "required";
  if (choice === "auto") return "auto";
  return { type: "function", function: { name: choice.name } };
}

/**
 * The request's `tools` (JSON Schema from each tool's zod schema) and `tool_choice`, as body
 * fields; empty when the request offers no tools.
 */
export function toOpenAITools(request: ChatRequest): Json {
  const tools: readonly ToolSpec[] = request.tools ?? [];
  if (tools.length === 0) return {};
  const fields: Json = {
    tools: tools.map((tool, i) => ({
      type: "function",
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: toolInputJsonSchema(tool, `tools.${i}`),
      },
    })),
  };
  if (request.toolChoice !== undefined) fields.tool_choice = toolChoiceOf(request.toolChoice);
  return fields;
}

/** What a `choices[0].message` holds, in fmops terms. */
export interface OpenAIAnswer {
  /** The message's text (`""` when `content` is null). */
  text: string;
  /** Its `tool_calls`, arguments parsed (not yet checked against the tools). */
  toolCalls: ToolCall[];
  /** Text then tool uses, as blocks. */
  content: ContentBlock[];
}

/** A call's `arguments` JSON text, parsed; text that is not JSON is kept with an `inputError`. */
function toolCallOf(value: unknown, position: number): ToolCall {
  const entry = (typeof value === "object" && value !== null ? value : {}) as Json;
  const fn = (
    typeof entry.function === "object" && entry.function !== null ? entry.function : {}
  ) as Json;
  const id = typeof entry.id === "string" && entry.id !== "" ? entry.id : `call_${position}`;
  const name = typeof fn.name === "string" ? fn.name : "";
  const args = fn.arguments;
  // Some servers (Ollama) send the arguments as an object rather than JSON text.
  if (typeof args !== "string") return { id, name, input: args ?? {} };
  if (args.trim() === "") return { id, name, input: {} };
  try {
    return { id, name, input: JSON.parse(args) };
  } catch (err) {
    return {
      id,
      name,
      input: args,
      inputError: `The tool input is not valid JSON (${(err as Error).message}).`,
    };
  }
}

/**
 * Reads a chat-completions `message`: `content` (a string or null) and `tool_calls`. Returns
 * `undefined` when it is not such a message.
 */
export function fromOpenAIMessage(message: unknown): OpenAIAnswer | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const { content, tool_calls: rawCalls } = message as Json;
  if (!(typeof content === "string" || content === null || content === undefined)) return undefined;
  if (content === undefined && !Array.isArray(rawCalls)) return undefined;
  const text = content ?? "";
  const toolCalls = Array.isArray(rawCalls) ? rawCalls.map(toolCallOf) : [];
  const blocks: ContentBlock[] = text === "" ? [] : [{ type: "text", text }];
  for (const call of toolCalls) {
    blocks.push({ type: "toolUse", id: call.id, name: call.name, input: call.input });
  }
  return { text, toolCalls, content: blocks };
}
