import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BedrockModelRunner,
  Dataset,
  type DatasetRecord,
  ModelEvaluator,
  QaAccuracy,
  SageMakerModelRunner,
} from "../../../src/evaluation/index.js";
import {
  ContentTemplate,
  OutputExtractor,
} from "../../../src/evaluation/runners/content-template.js";
import { PromptTemplate } from "../../../src/prompts/index.js";
import {
  type BedrockRuntimeStandIn,
  type SageMakerRuntimeStandIn,
  standInError,
  startBedrockRuntime,
  startSageMakerRuntime,
} from "../../emulators/index.js";

const TITAN = '{"inputText": $prompt, "textGenerationConfig": {"maxTokenCount": 512}}';

function record(input: string, index = 0): DatasetRecord {
  return { index, line: index + 1, input, targets: [], data: {} };
}

describe("ContentTemplate", () => {
  it("puts the prompt in as a JSON string, escaping quotes, backslashes and newlines", () => {
    const template = new ContentTemplate(TITAN);
    const prompt = 'He said "hi"\nthen left \\ with ünïcödé\ttabs';
    expect(template.compose(prompt)).toEqual({
      inputText: prompt,
      textGenerationConfig: { maxTokenCount: 512 },
    });
    expect(template.fill("x")).toBe(
      '{"inputText": "x", "textGenerationConfig": {"maxTokenCount": 512}}',
    );
    expect(template.body("x")).toBe(
      '{"inputText":"x","textGenerationConfig":{"maxTokenCount":512}}',
    );
  });

  it("follows Python string.Template: braced placeholders, $$ for a literal $, pretty-printed JSON", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: fmeval's braced placeholder, not JS
    const template = new ContentTemplate('{\n  "text": ${prompt},\n  "note": "costs $$5"\n}');
    expect(template.compose("a $prompt inside")).toEqual({
      text: "a $prompt inside",
      note: "costs $5",
    });
    // A prompt with JSON in it stays a string (fmeval's json.dumps of the data).
    expect(new ContentTemplate('{"data": $prompt}').compose('["John",40]')).toEqual({
      data: '["John",40]',
    });
    // Arrays and bare placement work too.
    expect(new ContentTemplate("[$prompt]").compose("p")).toEqual(["p"]);
  });

  it.each([
    ['{"inputText": "hello"}', /no \$prompt placeholder/],
    ['{"inputText": "$prompt"}', /write "inputText": \$prompt, not "\$prompt"/],
    ['{"inputText": $prompt', /not valid JSON once \$prompt is filled in; fix the JSON/],
    ['{"a": $prompt, "b": $prompt}', /more than once/],
    ['{"a": $prompt, "t": $temperature}', /uses \$temperature/],
    ['{"a": $prompt, "b": "$1"}', /invalid placeholder at character 22/],
    ["   ", /non-empty/],
  ])("rejects %s naming the field", (template, message) => {
    let error: unknown;
    try {
      new ContentTemplate(template);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringMatching(message),
      issues: [expect.objectContaining({ path: "contentTemplate" })],
    });
    expect((error as Error).message.startsWith("contentTemplate ")).toBe(true);
  });
});

describe("OutputExtractor", () => {
  it("reads the output string and sums per-token log probabilities", () => {
    const extractor = new OutputExtractor({
      output: "results[0].outputText",
      logProbability: "results[0].tokenLogProbs",
    });
    expect(
      extractor.extract({ results: [{ outputText: "blue", tokenLogProbs: [-0.5, -0.25] }] }, "m"),
    ).toEqual({ output: "blue", logProbability: -0.75 });
    const single = new OutputExtractor({ output: "o", logProbability: "lp" });
    expect(single.extract({ o: "x", lp: -2 }, "m")).toEqual({ output: "x", logProbability: -2 });
  });

  it("fails with UNEXPECTED_RESPONSE, not retryable, when the locations select the wrong thing", () => {
    const extractor = new OutputExtractor({ output: "generation", logProbability: "lp" });
    expect(() => extractor.extract({ generation: 3 }, 'Bedrock model "m"')).toThrow(
      expect.objectContaining({
        code: "UNEXPECTED_RESPONSE",
        retryable: false,
        message: expect.stringMatching(
          /Bedrock model "m" answered, but the output JMESPath "generation" selected a number/,
        ),
      }),
    );
    expect(() => extractor.extract({ generation: "ok", lp: ["a"] }, "m")).toThrow(
      /logProbability JMESPath "lp" selected an array/,
    );
    expect(() => new OutputExtractor({ output: "results[" })).toThrow(
      /output is not a valid JMESPath/,
    );
  });
});

describe("BedrockModelRunner", () => {
  let br: BedrockRuntimeStandIn;
  let throttleFirst = 0;
  let release: (() => void) | undefined;

  beforeAll(async () => {
    br = await startBedrockRuntime({
      invokeModel: async (req) => {
        const body = req.json<{ inputText: string }>();
        if (body.inputText.includes("hang")) {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        }
        if (throttleFirst > 0) {
          throttleFirst -= 1;
          return standInError({
            status: 429,
            type: "ThrottlingException",
            message: "Too many requests",
          });
        }
        if (body.inputText.includes("shapeless")) return { body: { nothing: true } };
        return {
          body: {
            inputTextTokenCount: 3,
            results: [
              {
                outputText: `echo: ${body.inputText}`,
                tokenLogProbs: [-1, -0.5],
                completionReason: "FINISH",
              },
            ],
          },
        };
      },
    });
  });
  afterAll(async () => {
    release?.();
    await br.close();
  });

  const runner = (extra: Partial<ConstructorParameters<typeof BedrockModelRunner>[0]> = {}) =>
    new BedrockModelRunner({
      modelId: "amazon.titan-text-express-v1",
      contentTemplate: TITAN,
      output: "results[0].outputText",
      client: br.client,
      ...extra,
    });

  it("invokes the model with the filled template as application/json and extracts the output", async () => {
    const r = runner({
      prompt: 'Answer "briefly":\n{{input}}',
      logProbability: "results[0].tokenLogProbs",
    });
    expect(r.id).toBe("bedrock:amazon.titan-text-express-v1");
    const out = await r.run(record("Capital of France?"));
    expect(out).toEqual({
      output: 'echo: Answer "briefly":\nCapital of France?',
      logProbability: -1.5,
    });
    const sent = br.requests.at(-1);
    expect(sent?.operation).toBe("InvokeModel");
    expect(sent?.modelId).toBe("amazon.titan-text-express-v1");
    expect(sent?.headers["content-type"]).toBe("application/json");
    expect(sent?.headers.accept).toBe("application/json");
    expect(JSON.parse(new TextDecoder().decode(sent?.body))).toEqual({
      inputText: 'Answer "briefly":\nCapital of France?',
      textGenerationConfig: { maxTokenCount: 512 },
    });
  });

  it("flattens a PromptTemplate with a system prompt into one prompt string", async () => {
    const prompt = new PromptTemplate({
      id: "qa",
      version: "1",
      system: "Be brief.",
      text: "Q: {{input}}",
    });
    const out = await runner({ prompt }).run(record("why?"));
    expect(out.output).toBe("echo: Be brief.\n\nQ: why?");
  });

  it("marks throttling retryable, so ModelEvaluator retries it", async () => {
    throttleFirst = 1;
    await expect(runner().run(record("q"))).rejects.toMatchObject({
      code: "AWS_THROTTLING_EXCEPTION",
      retryable: true,
    });

    throttleFirst = 1;
    const lines: string[] = [];
    const result = await new ModelEvaluator({
      runner: runner(),
      algorithms: [new QaAccuracy()],
      concurrency: 1,
      retry: { baseDelayMs: 1 },
    }).evaluate([{ ...record("Paris"), targets: ["echo: Paris"] }], {
      output: (line) => {
        lines.push(line);
      },
    });
    expect(result.numFailed).toBe(0);
    expect(result.scores.qa_accuracy?.exact_match_score?.mean).toBe(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ attempts: 2, output: "echo: Paris" });
  });

  it("fails an answer without a string at the output JMESPath, without retrying", async () => {
    await expect(runner().run(record("shapeless"))).rejects.toMatchObject({
      code: "UNEXPECTED_RESPONSE",
      retryable: false,
      message: expect.stringContaining('"results[0].outputText" selected nothing'),
    });
  });

  it("honours the abort signal of a call in flight", async () => {
    const controller = new AbortController();
    const pending = runner().run(record("hang"), { signal: controller.signal });
    await expect.poll(() => release !== undefined).toBe(true);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
    release?.();
  });

  it("validates its options at construction", () => {
    expect(() => runner({ contentTemplate: '{"inputText": "$prompt"}' })).toThrow(
      expect.objectContaining({
        code: "VALIDATION_ERROR",
        issues: [expect.objectContaining({ path: "contentTemplate" })],
      }),
    );
    expect(() => runner({ prompt: "Human: $model_input\n\nAssistant:" })).toThrow(
      /never uses \{\{input\}\}.*fmeval's \$model_input is written \{\{input\}\} here/,
    );
    expect(() => runner({ modelId: "has space" })).toThrow(/modelId/);
    expect(() => runner({ output: "" })).toThrow(/output/);
  });
});

describe("SageMakerModelRunner", () => {
  let sm: SageMakerRuntimeStandIn;

  beforeAll(async () => {
    sm = await startSageMakerRuntime({
      invokeEndpoint: (req) => {
        const body = req.json<{ inputs: string; parameters: unknown }>();
        if (body.inputs.includes("crash")) {
          return standInError({
            status: 424,
            type: "ModelError",
            message: "Received server error (500) from primary",
            extra: { OriginalStatusCode: 500 },
          });
        }
        if (body.inputs.includes("busy")) {
          return standInError({ status: 503, type: "ServiceUnavailable", message: "busy" });
        }
        return {
          body: [{ generated_text: body.inputs.toUpperCase(), details: { logprob: -0.1 } }],
        };
      },
    });
  });
  afterAll(async () => {
    await sm.close();
  });

  const runner = (extra: Partial<ConstructorParameters<typeof SageMakerModelRunner>[0]> = {}) =>
    new SageMakerModelRunner({
      endpointName: "llama-3-8b",
      contentTemplate: '{"inputs": $prompt, "parameters": {"max_new_tokens": 64}}',
      output: "[0].generated_text",
      client: sm.client,
      ...extra,
    });

  it("invokes the endpoint with every routing header and reads the output", async () => {
    const r = runner({
      customAttributes: "accept_eula=true",
      targetModel: "model-a.tar.gz",
      inferenceComponentName: "ic-llama",
      targetVariant: "blue",
      accept: "application/jsonlines",
      logProbability: "[0].details.logprob",
      prompt: "<s>[INST] {{input}} [/INST]",
    });
    expect(r.id).toBe("sagemaker:llama-3-8b/ic-llama#model-a.tar.gz");
    const out = await r.run(record('say "x"'));
    expect(out).toEqual({ output: '<S>[INST] SAY "X" [/INST]', logProbability: -0.1 });
    const sent = sm.requests.at(-1);
    expect(sent?.endpointName).toBe("llama-3-8b");
    expect(sent?.headers).toMatchObject({
      "content-type": "application/json",
      accept: "application/jsonlines",
      "x-amzn-sagemaker-custom-attributes": "accept_eula=true",
      "x-amzn-sagemaker-target-model": "model-a.tar.gz",
      "x-amzn-sagemaker-inference-component": "ic-llama",
      "x-amzn-sagemaker-target-variant": "blue",
    });
    expect(JSON.parse(new TextDecoder().decode(sent?.body))).toEqual({
      inputs: '<s>[INST] say "x" [/INST]',
      parameters: { max_new_tokens: 64 },
    });
  });

  it("fails a container error without retry and a 503 with retry", async () => {
    await expect(runner().run(record("crash"))).rejects.toMatchObject({
      code: "AWS_MODEL_ERROR",
      retryable: false,
    });
    await expect(runner().run(record("busy"))).rejects.toMatchObject({ retryable: true });
  });

  it("evaluates a dataset end to end with ModelEvaluator", async () => {
    const lines = [
      '{"question": "paris", "answer": "PARIS"}',
      '{"question": "rome", "answer": "Madrid"}',
      '{"question": "crash", "answer": "x"}',
    ];
    const data = Dataset.fromJsonl(
      async function* () {
        yield* lines;
      },
      { input: "question", target: "answer" },
    );
    const result = await new ModelEvaluator({
      runner: runner(),
      algorithms: [new QaAccuracy()],
      concurrency: 2,
    }).evaluate(data);
    expect(result.modelId).toBe("sagemaker:llama-3-8b");
    expect(result.numRecords).toBe(3);
    expect(result.numFailed).toBe(1);
    expect(result.scores.qa_accuracy?.exact_match_score?.mean).toBe(0.5);
  });

  it("validates its options at construction", () => {
    expect(() => runner({ endpointName: "bad_name" })).toThrow(/endpointName/);
    expect(() => runner({ contentTemplate: '{"inputs": $input}' })).toThrow(
      /contentTemplate uses \$input/,
    );
    expect(() => runner({ accept: "bad\ntype" })).toThrow(/accept/);
  });
});
