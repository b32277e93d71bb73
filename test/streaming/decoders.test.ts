import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import type { StreamChunk } from "../../src/streaming/chunks.js";
import {
  decodeLmi,
  decodeOpenAI,
  decodeResponseStream,
  decodeTgi,
  detectStreamFormat,
} from "../../src/streaming/decoders.js";
import { ModelStreamError, StreamDecodeError } from "../../src/streaming/errors.js";
import type { StreamEvent } from "../../src/streaming/events.js";
import { LineIterator } from "../../src/streaming/line-iterator.js";
import { parseSse } from "../../src/streaming/sse.js";
import {
  chunk,
  chunking,
  collect,
  collectUntilError,
  cutAt,
  lineText,
  payloadParts,
  recordingSource,
  utf8,
} from "./stream-helpers.js";

// ---- Recorded-shape fixtures (written by hand after the servers' output formats) ----

/** DJL Serving / LMI rolling batch (vLLM backend), `application/jsonlines`. */
const LMI_ROLLING = [
  '{"token": {"id": 791, "text": "The", "log_prob": -0.41}}',
  '{"token": {"id": 13180, "text": " sky", "log_prob": -0.02}}',
  '{"token": {"id": 374, "text": " is", "log_prob": 0.0}}',
  '{"token": {"id": 6437, "text": " blue", "log_prob": -0.11}}',
  '{"token": {"id": 128009, "text": "<|eot_id|>", "log_prob": -0.01, "special_token": true}, "generated_text": "The sky is blue", "details": {"finish_reason": "eos_token", "generated_tokens": 5, "inputs": "What colour is the sky?"}}',
  "",
].join("\n");

/** Legacy LMI streaming (DeepSpeed / HF Accelerate), `application/jsonlines`. */
const LMI_LEGACY = '{"outputs": [" Paris"]}\n{"outputs": [" is"]}\n{"outputs": [" lovely"]}\n';

/** LMI `jsonlines_chat` output formatter. */
const LMI_CHAT = [
  '{"id": "chatcmpl-7", "object": "chat.completion.chunk", "created": 1718000000, "choices": [{"index": 0, "delta": {"content": "Hi", "role": "assistant"}, "logprobs": null, "finish_reason": null}]}',
  '{"id": "chatcmpl-7", "object": "chat.completion.chunk", "created": 1718000000, "choices": [{"index": 0, "delta": {"content": " there"}, "logprobs": null, "finish_reason": "length"}]}',
  "",
].join("\n");

/** TGI `generate_stream`, `text/event-stream`. */
const TGI = [
  'data:{"index":1,"token":{"id":415,"text":" The","logprob":-0.33,"special":false},"generated_text":null,"details":null}',
  "",
  'data:{"index":2,"token":{"id":7212,"text":" sky","logprob":-0.01,"special":false},"generated_text":null,"details":null}',
  "",
  'data:{"index":3,"token":{"id":2,"text":"</s>","logprob":-0.2,"special":true},"generated_text":" The sky","details":{"finish_reason":"eos_token","generated_tokens":3,"seed":null,"input_length":9}}',
  "",
  "",
].join("\n");

/** TGI's in-stream error event. */
const TGI_ERROR =
  'data:{"index":1,"token":{"id":415,"text":" The","logprob":-0.33,"special":false},"generated_text":null,"details":null}\n\n' +
  'data:{"error":"Request failed during generation: Server error: CUDA out of memory","error_type":"generation"}\n\n';

/** vLLM OpenAI-compatible chat completions with `stream_options.include_usage`. */
const VLLM = [
  'data: {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1718,"model":"meta-llama/Meta-Llama-3-8B-Instruct","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}',
  "",
  'data: {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1718,"model":"meta-llama/Meta-Llama-3-8B-Instruct","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}',
  "",
  'data: {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1718,"model":"meta-llama/Meta-Llama-3-8B-Instruct","choices":[{"index":0,"delta":{"content":" 世界"},"logprobs":null,"finish_reason":"stop","stop_reason":null}]}',
  "",
  'data: {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1718,"model":"meta-llama/Meta-Llama-3-8B-Instruct","choices":[],"usage":{"prompt_tokens":12,"total_tokens":15,"completion_tokens":3}}',
  "",
  "data: [DONE]",
  "",
  "",
].join("\n");

/** TGI's Messages API (OpenAI-compatible). */
const TGI_MESSAGES = [
  'data: {"object":"chat.completion.chunk","id":"","created":1718,"model":"tgi","system_fingerprint":"2.0.4-sha-f426a33","choices":[{"index":0,"delta":{"role":"assistant","content":"Bonjour"},"logprobs":null,"finish_reason":null}]}',
  "",
  'data: {"object":"chat.completion.chunk","id":"","created":1718,"model":"tgi","system_fingerprint":"2.0.4-sha-f426a33","choices":[{"index":0,"delta":{"role":"assistant","content":"!"},"logprobs":null,"finish_reason":"eos_token"}]}',
  "",
  "data: [DONE]",
  "",
  "",
].join("\n");

const texts = (events: StreamEvent[]) =>
  events.flatMap((e) => (e.type === "text" ? [e.text] : [])).join("");
const of = <T extends StreamEvent["type"]>(events: StreamEvent[], type: T) =>
  events.filter((e): e is Extract<StreamEvent, { type: T }> => e.type === type);

function bytesSource(text: string, cuts: number[] = []) {
  return recordingSource(cutAt(utf8(text), cuts));
}

describe("decodeLmi", () => {
  it("decodes rolling-batch token lines, skipping special tokens, with stop reason and usage", async () => {
    const events = await collect(decodeLmi(new LineIterator(bytesSource(LMI_ROLLING, [10, 77]))));
    expect(texts(events)).toBe("The sky is blue");
    expect(of(events, "text").every((e) => e.tokens === 1)).toBe(true);
    expect(of(events, "stop")).toEqual([{ type: "stop", reason: "eos_token" }]);
    expect(of(events, "usage")).toEqual([{ type: "usage", usage: { outputTokens: 5 } }]);
  });

  it("decodes legacy {outputs} lines and LMI chat-completion lines", async () => {
    expect(texts(await collect(decodeLmi(new LineIterator(bytesSource(LMI_LEGACY)))))).toBe(
      " Paris is lovely",
    );
    const chat = await collect(decodeLmi(new LineIterator(bytesSource(LMI_CHAT))));
    expect(texts(chat)).toBe("Hi there");
    expect(of(chat, "stop")).toEqual([{ type: "stop", reason: "length" }]);
  });

  it("emits a whole-answer line once, and ignores blank lines", async () => {
    const line =
      '\n{"generated_text": "Paris.", "details": {"finish_reason": "length", "generated_tokens": 2}}\n\n';
    const events = await collect(decodeLmi(new LineIterator(bytesSource(line))));
    expect(events).toEqual([
      { type: "text", text: "Paris." },
      { type: "stop", reason: "length" },
      { type: "usage", usage: { outputTokens: 2 } },
    ]);
  });

  it("throws ModelStreamError for finish_reason error and for error lines, after the text before", async () => {
    const failing =
      '{"token": {"id": 1, "text": "Hi", "log_prob": -0.1}}\n{"token": {"id": -1, "text": "", "log_prob": -1}, "generated_text": "Hi", "details": {"finish_reason": "error"}}\n';
    const first = await collectUntilError(decodeLmi(new LineIterator(bytesSource(failing))));
    expect(texts(first.items)).toBe("Hi");
    expect(first.error).toBeInstanceOf(ModelStreamError);

    const second = await collectUntilError(
      decodeLmi(
        new LineIterator(
          bytesSource('{"code": 424, "message": "prediction failure", "error": "CUDA OOM"}\n'),
        ),
      ),
    );
    expect(second.error).toMatchObject({ code: "STREAM_MODEL_ERROR", errorCode: "424" });
    expect((second.error as Error).message).toContain("CUDA OOM");
  });

  it("throws STREAM_DECODE_ERROR with the line and its index for malformed lines", async () => {
    const text = '{"token": {"id": 1, "text": "a", "log_prob": 0}}\n\n{"token": {"id": 2, "te\n';
    const { items, error } = await collectUntilError(
      decodeLmi(new LineIterator(bytesSource(text))),
    );
    expect(texts(items)).toBe("a");
    expect(error).toBeInstanceOf(StreamDecodeError);
    expect(error).toMatchObject({
      code: "STREAM_DECODE_ERROR",
      index: 2,
      line: '{"token": {"id": 2, "te',
    });
    expect((error as Error).message).toContain("Line 2 of the LMI stream is not valid JSON");
  });

  it("rejects JSON that is not an LMI shape, and skips both kinds under onMalformed: skip", async () => {
    const text = '[1,2]\n{"foo": 1}\nnot json\n{"outputs": ["ok"]}\n';
    const strict = await collectUntilError(decodeLmi(new LineIterator(bytesSource(text))));
    expect(strict.error).toMatchObject({ code: "STREAM_DECODE_ERROR", index: 0 });
    const skipped = await collect(
      decodeLmi(new LineIterator(bytesSource(text)), { onMalformed: "skip" }),
    );
    expect(skipped).toEqual([{ type: "text", text: "ok", tokens: 1 }]);
  });

  it("quotes at most 200 characters of a malformed line, redacted", async () => {
    const secret = `AKIA${"A".repeat(16)}`;
    const long = `{"broken": "${secret} ${"x".repeat(5000)}`;
    const { error } = await collectUntilError(decodeLmi(new LineIterator(bytesSource(long))));
    const e = error as StreamDecodeError;
    expect(e.line.startsWith('{"broken": "[redacted-access-key]')).toBe(true);
    expect(e.line.length).toBeLessThan(240);
    expect(e.message).not.toContain(secret);
    expect(e.message.length).toBeLessThan(600);
  });

  it("validates its options", () => {
    expect(() =>
      decodeLmi(new LineIterator(bytesSource("")), { onMalformed: "ignore" as "skip" }),
    ).toThrow(ValidationError);
  });
});

describe("decodeTgi", () => {
  it("decodes tokens, drops the special end-of-sequence token, and reads details", async () => {
    const events = await collect(decodeTgi(parseSse(new LineIterator(bytesSource(TGI, [5, 120])))));
    expect(events).toEqual([
      { type: "text", text: " The", tokens: 1 },
      { type: "text", text: " sky", tokens: 1 },
      { type: "stop", reason: "eos_token" },
      { type: "usage", usage: { inputTokens: 9, outputTokens: 3 } },
    ]);
  });

  it("does not emit the last token of an eos_token finish even when it is not flagged special", async () => {
    const text =
      'data:{"token":{"id":5,"text":"Hi","special":false},"generated_text":null,"details":null}\n\n' +
      'data:{"token":{"id":2,"text":"</s>","special":false},"generated_text":"Hi","details":{"finish_reason":"eos_token","generated_tokens":2}}\n\n';
    expect(texts(await collect(decodeTgi(parseSse(new LineIterator(bytesSource(text))))))).toBe(
      "Hi",
    );
  });

  it("throws ModelStreamError with error_type as errorCode after the tokens before it", async () => {
    const { items, error } = await collectUntilError(
      decodeTgi(parseSse(new LineIterator(bytesSource(TGI_ERROR)))),
    );
    expect(texts(items)).toBe(" The");
    expect(error).toBeInstanceOf(ModelStreamError);
    expect(error).toMatchObject({ errorCode: "generation" });
    expect((error as Error).message).toContain("CUDA out of memory");
  });

  it("reports malformed event data with its event index", async () => {
    const text = `${TGI.split("\n\n")[0]}\n\ndata:{oops}\n\n`;
    const { error } = await collectUntilError(
      decodeTgi(parseSse(new LineIterator(bytesSource(text)))),
    );
    expect(error).toMatchObject({ code: "STREAM_DECODE_ERROR", index: 1, line: "{oops}" });
  });
});

describe("decodeOpenAI", () => {
  it("decodes vLLM chunks: content, finish_reason and usage, stopping at [DONE]", async () => {
    const events = await collect(
      decodeOpenAI(parseSse(new LineIterator(bytesSource(VLLM, [3, 200])))),
    );
    expect(events).toEqual([
      { type: "text", text: "Hello" },
      { type: "text", text: " 世界" },
      { type: "stop", reason: "stop" },
      { type: "usage", usage: { inputTokens: 12, outputTokens: 3, totalTokens: 15 } },
    ]);
  });

  it("decodes TGI's Messages API stream", async () => {
    const events = await collect(
      decodeOpenAI(parseSse(new LineIterator(bytesSource(TGI_MESSAGES)))),
    );
    expect(texts(events)).toBe("Bonjour!");
    expect(of(events, "stop")).toEqual([{ type: "stop", reason: "eos_token" }]);
  });

  it("turns delta.tool_calls fragments into tool-use events kept apart by index, even interleaved", async () => {
    const chunk = (toolCalls: unknown[]) =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: toolCalls } }] })}\n\n`;
    const text =
      chunk([
        { index: 0, id: "call_a", type: "function", function: { name: "f", arguments: "" } },
      ]) +
      chunk([
        { index: 1, id: "call_b", type: "function", function: { name: "g", arguments: '{"x"' } },
      ]) +
      chunk([{ index: 0, function: { arguments: '{"y":' } }]) +
      // Some servers repeat the id on later fragments: that must not restart the call.
      chunk([{ index: 1, id: "call_b", function: { arguments: ":1}" } }]) +
      chunk([{ index: 0, function: { arguments: "2}" } }]) +
      'data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\ndata: [DONE]\n\n';
    const events = await collect(
      decodeOpenAI(parseSse(new LineIterator(bytesSource(text, [7, 90])))),
    );
    expect(events).toEqual([
      { type: "toolUseStart", index: 0, id: "call_a", name: "f" },
      { type: "toolUseStart", index: 1, id: "call_b", name: "g" },
      { type: "toolUseDelta", index: 1, input: '{"x"' },
      { type: "toolUseDelta", index: 0, input: '{"y":' },
      { type: "toolUseDelta", index: 1, input: ":1}" },
      { type: "toolUseDelta", index: 0, input: "2}" },
      { type: "stop", reason: "tool_calls" },
    ]);
  });

  it("only reads choice 0, and the legacy completions text field", async () => {
    const text =
      'data: {"choices":[{"index":1,"delta":{"content":"other"}},{"index":0,"delta":{"content":"mine"}}]}\n\n' +
      'data: {"object":"text_completion","choices":[{"index":0,"text":" too","finish_reason":"length"}]}\n\n';
    const events = await collect(decodeOpenAI(parseSse(new LineIterator(bytesSource(text)))));
    expect(texts(events)).toBe("mine too");
  });

  it.each([
    [
      '{"error":{"object":"error","message":"context too long","type":"BadRequestError","param":null,"code":400}}',
      "400",
    ],
    ['{"object":"error","message":"context too long","type":"BadRequestError","code":400}', "400"],
    ['{"error":"context too long","error_type":"validation"}', "validation"],
  ])("throws ModelStreamError for the error object %s", async (data, code) => {
    const text = `data: {"choices":[{"index":0,"delta":{"content":"partial"}}]}\n\ndata: ${data}\n\n`;
    const { items, error } = await collectUntilError(
      decodeOpenAI(parseSse(new LineIterator(bytesSource(text)))),
    );
    expect(texts(items)).toBe("partial");
    expect(error).toMatchObject({ code: "STREAM_MODEL_ERROR", errorCode: code });
    expect((error as Error).message).toContain("context too long");
  });

  it("rejects chunks with neither choices nor usage", async () => {
    const { error } = await collectUntilError(
      decodeOpenAI(parseSse(new LineIterator(bytesSource('data: {"id":"x"}\n\n')))),
    );
    expect(error).toMatchObject({ code: "STREAM_DECODE_ERROR", index: 0 });
  });
});

describe("detectStreamFormat", () => {
  it.each([
    ["application/jsonlines", "lmi"],
    ["application/x-ndjson", "lmi"],
    ["Application/JSONLines; charset=utf-8", "lmi"],
    ["application/json", "lmi"],
    ["text/event-stream", "sse"],
    ["text/event-stream;charset=UTF-8", "sse"],
    ["text/plain", undefined],
    [undefined, undefined],
  ])("%s -> %s", (contentType, format) => {
    expect(detectStreamFormat(contentType)).toBe(format);
  });
});

describe("decodeResponseStream", () => {
  const run = (
    text: string,
    options: Parameters<typeof decodeResponseStream>[1],
    cuts: number[] = [],
  ) => collect(decodeResponseStream(bytesSource(text, cuts), options));

  it("picks LMI from application/jsonlines", async () => {
    const events = await run(LMI_ROLLING, { contentType: "application/jsonlines" }, [7, 50, 51]);
    expect(texts(events)).toBe("The sky is blue");
  });

  it("tells TGI and OpenAI apart on text/event-stream by the first event", async () => {
    expect(texts(await run(TGI, { contentType: "text/event-stream" }))).toBe(" The sky");
    const openai = await run(VLLM, { contentType: "text/event-stream" });
    expect(texts(openai)).toBe("Hello 世界");
    expect(of(openai, "usage")).toHaveLength(1);
  });

  it("detects the format from the data when there is no usable content type", async () => {
    expect(texts(await run(TGI, {}))).toBe(" The sky");
    expect(texts(await run(TGI_MESSAGES, { contentType: "binary/octet-stream" }))).toBe("Bonjour!");
    expect(texts(await run(`\n${LMI_LEGACY}`, {}))).toBe(" Paris is lovely");
  });

  it("reads an application/json answer split across chunks as one LMI line", async () => {
    const events = await run(
      '{"generated_text": "a whole answer"}',
      { contentType: "application/json" },
      [4, 9, 20],
    );
    expect(texts(events)).toBe("a whole answer");
  });

  it("uses an explicit format over the content type", async () => {
    const { error } = await collectUntilError(
      decodeResponseStream(bytesSource(TGI), { format: "lmi", contentType: "text/event-stream" }),
    );
    expect(error).toMatchObject({ code: "STREAM_DECODE_ERROR" });
  });

  it("stops reading at [DONE] and closes the source", async () => {
    const source = recordingSource([utf8(VLLM), utf8("data: {not json}\n\n")], { stallAfter: 2 });
    const events = await collect(decodeResponseStream(source, { format: "openai" }));
    expect(texts(events)).toBe("Hello 世界");
    expect(source.returnCalls).toBe(1);
  });

  it("dispatches a final SSE event with no blank line after it", async () => {
    const text = TGI.trimEnd();
    expect(texts(await run(text, { contentType: "text/event-stream" }))).toBe(" The sky");
  });

  it("delivers the events decoded before an in-band error, then the error", async () => {
    const { items, error } = await collectUntilError(
      decodeResponseStream(bytesSource(TGI_ERROR), { contentType: "text/event-stream" }),
    );
    expect(texts(items)).toBe(" The");
    expect(error).toBeInstanceOf(ModelStreamError);
  });

  it("passes SageMaker error events through as typed errors after the text before them", async () => {
    const source = recordingSource<StreamChunk>([
      ...payloadParts(cutAt(utf8(LMI_ROLLING.split("\n").slice(0, 2).join("\n")), [30])),
      { PayloadPart: { Bytes: utf8("\n") } },
      { ModelStreamError: { Message: "timed out", ErrorCode: "ModelInvocationTimeExceeded" } },
    ]);
    const { items, error } = await collectUntilError(
      decodeResponseStream(source, { contentType: "application/jsonlines" }),
    );
    expect(texts(items)).toBe("The sky");
    expect(error).toMatchObject({ errorCode: "ModelInvocationTimeExceeded" });
    expect(source.returnCalls).toBe(1);
  });

  it("honours onMalformed and the LineIterator options", async () => {
    const text =
      'data:{"token":{"text":"a","special":false}}\n\ndata:garbage\n\ndata:{"token":{"text":"b","special":false}}\n\n';
    expect(texts(await run(text, { format: "tgi", onMalformed: "skip" }))).toBe("ab");
    await expect(run(text, { format: "tgi", maxLineBytes: 10 })).rejects.toMatchObject({
      code: "STREAM_LINE_TOO_LONG",
    });
  });

  it("validates its options at call time", () => {
    expect(() => decodeResponseStream(bytesSource(""), { format: "vllm" as "openai" })).toThrow(
      /format/,
    );
    expect(() => decodeResponseStream(bytesSource(""), { idleTimeoutMs: 0 })).toThrow(
      /idleTimeoutMs/,
    );
  });

  it("property: TGI tokens through any chunking come out exactly, with usage", async () => {
    const token = lineText(6).filter((t) => t.length > 0);
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 25 }), chunking(), async (tokens, how) => {
        const text = tokens
          .map((t, i) => {
            const last = i === tokens.length - 1;
            const details = last
              ? `{"finish_reason":"length","generated_tokens":${tokens.length}}`
              : "null";
            return `data:${JSON.stringify({ index: i + 1, token: { id: i, text: t, logprob: -0.5, special: false }, generated_text: null })}`.replace(
              /}$/,
              `,"details":${details}}`,
            );
          })
          .join("\n\n");
        const source = recordingSource(chunk(utf8(text), how));
        const events = await collect(
          decodeResponseStream(source, { contentType: "text/event-stream" }),
        );
        expect(of(events, "text").map((e) => e.text)).toEqual(tokens);
        if (tokens.length > 0) {
          expect(of(events, "usage")).toEqual([
            { type: "usage", usage: { outputTokens: tokens.length } },
          ]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("property: an error at any position surfaces after exactly the tokens before it", async () => {
    const token = lineText(6).filter((t) => t.length > 0);
    await fc.assert(
      fc.asyncProperty(
        fc.array(token, { minLength: 1, maxLength: 15 }),
        fc.nat(),
        fc.constantFrom("lmi", "tgi", "openai"),
        chunking(),
        async (tokens, position, format, how) => {
          const at = position % (tokens.length + 1);
          const lines = tokens.map((t) => {
            if (format === "lmi") return JSON.stringify({ token: { id: 1, text: t, log_prob: 0 } });
            if (format === "tgi")
              return `data:${JSON.stringify({ token: { id: 1, text: t, special: false }, generated_text: null, details: null })}\n`;
            return `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: t } }] })}\n`;
          });
          const errorLine =
            format === "lmi"
              ? '{"error": "boom", "code": 500}'
              : format === "tgi"
                ? 'data:{"error":"boom","error_type":"generation"}\n'
                : 'data: {"error":{"message":"boom","type":"InternalServerError","code":500}}\n';
          lines.splice(at, 0, errorLine);
          const source = recordingSource(chunk(utf8(`${lines.join("\n")}\n`), how));
          const { items, error } = await collectUntilError(
            decodeResponseStream(source, { format }),
          );
          expect(of(items, "text").map((e) => e.text)).toEqual(tokens.slice(0, at));
          expect(error).toBeInstanceOf(ModelStreamError);
          expect((error as Error).message).toContain("boom");
        },
      ),
      { numRuns: 200 },
    );
  });
});
