// The main flows of every fmops subpath, run against the BUILT package exactly as a consumer
// imports it. This module imports nothing from fmops itself: each consumer program (ESM, CommonJS,
// Deno with bare or npm: specifiers) loads the subpaths its own way and hands the module objects
// in, so the same checks run on every way of loading the package.
//
// Each flow checks behaviour (values, typed errors, wire traffic through the real AWS SDK to the
// stand-ins the driver started), not just that names exist. A failing flow does not stop the
// others: the consumer reports every flow, then exits non-zero if any failed.

/** The flows every consumer must report, in order; the driver fails on a missing or extra one. */
export const FLOW_NAMES = [
  "root+core",
  "streaming",
  "models",
  "async",
  "text2sql",
  "rag",
  "prompts",
  "monitoring",
  "evaluation",
];

/**
 * Golden values. ROUGE: rouge_score's algorithm worked by hand for this pair (the same pair and
 * numbers as test/evaluation/metrics/rouge.test.ts). METEOR: NLTK's `meteor_score` docstring
 * example; the driver also hands over test/evaluation/fixtures/nltk-parity.json, NLTK's scores
 * for its pairs (with an untrained Punkt), which must all be reproduced within 1e-12 (as in `npm test`).
 */
export const GOLDEN = {
  rouge: {
    reference: "the cat sat on the mat",
    candidate: "the cat lay on the mat",
    rouge1: {
      precision: 5 / 6,
      recall: 5 / 6,
      fmeasure: (2 * (5 / 6) * (5 / 6)) / (5 / 6 + 5 / 6),
    },
    rouge2: { precision: 3 / 5, recall: 3 / 5 },
    rougeLRecall: 5 / 6,
  },
  meteor: {
    reference:
      "It is a guide to action that ensures that the military will forever heed Party commands",
    candidate:
      "It is a guide to action which ensures that the military always obeys the commands of the party",
    score: 0.6944444444444445,
  },
};

/**
 * The three categories with the most revenue in examples/data (order_items.jsonl joined with
 * products.csv), worked out independently by summing the files in plain JavaScript.
 */
export const TOP_CATEGORIES = [
  { category: "camping", revenue: 42_927.4 },
  { category: "footwear", revenue: 41_531.35 },
  { category: "apparel", revenue: 33_663.2 },
];

/**
 * A model's answer for the revenue question: the SQL in a fenced block. `priceColumn` "price"
 * does not exist (the engine must report it), "unit_price" does.
 */
export function revenueAnswer(priceColumn) {
  return [
    "```sql",
    `SELECT p.category, round(sum(i.quantity * i.${priceColumn}), 2) AS revenue`,
    "FROM shop.order_items i JOIN shop.products p ON p.product_id = i.product_id",
    "GROUP BY p.category ORDER BY revenue DESC LIMIT 3",
    "```",
  ].join("\n");
}

class Mismatch extends Error {}

function check(condition, what) {
  if (!condition) throw new Mismatch(what);
}

function same(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Mismatch(`${what}: expected ${e}, got ${a}`);
}

/** Yields `bytes` in pieces of `size` bytes, cutting through multi-byte characters. */
async function* pieces(bytes, size) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function collect(iterable) {
  const out = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function expectCode(promiseOrFn, code, what) {
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (err) {
    same(err?.code, code, `${what}: error code (message: ${err?.message})`);
    return err;
  }
  throw new Mismatch(`${what}: expected ${code}, nothing was thrown`);
}

const TGI_WORDS = ["Un ", "café ", "au ", "lait."];

/**
 * The TGI server-sent events the SageMaker Runtime stand-in streams for `models`, cut by the
 * driver into 5-byte frames so lines and "é" are split across frames.
 */
export function tgiEventStream() {
  const events = TGI_WORDS.map((text, i) => ({
    index: i,
    token: { id: i, text, logprob: -0.1, special: false },
    generated_text: null,
    details: null,
  }));
  events.push({
    index: TGI_WORDS.length,
    token: { id: 2, text: "</s>", logprob: -0.01, special: true },
    generated_text: TGI_WORDS.join(""),
    details: { finish_reason: "eos_token", generated_tokens: TGI_WORDS.length + 1 },
  });
  return events.map((e) => `data:${JSON.stringify(e)}\n\n`).join("");
}

const flows = {
  /** The root export re-exports core's classes: one class identity whichever entry point is used. */
  async "root+core"({ root, core, models }) {
    check(root.FmopsError === core.FmopsError, "fmops and fmops/core export the same FmopsError");
    check(root.LineIterator !== undefined, "fmops re-exports LineIterator");
    let attempts = 0;
    const value = await core.retry(
      async () => {
        attempts++;
        if (attempts < 3) throw new core.FmopsError("FLAKY", "try again", { retryable: true });
        return "done";
      },
      { baseDelayMs: 1 },
    );
    same([value, attempts], ["done", 3], "retry() result and attempts");
    const err = await expectCode(
      () => new models.BedrockChatModel({ modelId: "amazon.nova-lite-v1:0", temprature: 0.5 }),
      "VALIDATION_ERROR",
      "misspelt chat model option",
    );
    check(err instanceof core.ValidationError, "fmops/models throws fmops/core's ValidationError");
  },

  /** LineIterator and the decoders over raw bytes split inside lines and characters. */
  async streaming({ streaming }) {
    const bytes = new TextEncoder().encode("grüße\r\n\nlast line without newline");
    const lines = await collect(new streaming.LineIterator(pieces(bytes, 3)));
    same(lines, ["grüße", "", "last line without newline"], "LineIterator lines");

    const lmi = new TextEncoder().encode(
      `${JSON.stringify({ token: { text: "Olá" } })}\n${JSON.stringify({ token: { text: ", mundo" } })}\n`,
    );
    const stream = new streaming.TokenStream(() =>
      streaming.decodeResponseStream(pieces(lmi, 4), { contentType: "application/jsonlines" }),
    );
    same(await stream.text(), "Olá, mundo", "LMI jsonlines through decodeResponseStream");

    const sse = new TextEncoder().encode(tgiEventStream());
    const tgi = new streaming.TokenStream(() =>
      streaming.decodeResponseStream(pieces(sse, 7), { contentType: "text/event-stream" }),
    );
    same(await tgi.text(), TGI_WORDS.join(""), "TGI server-sent events");

    const tooLong = new streaming.LineIterator(
      pieces(new TextEncoder().encode("x".repeat(64)), 8),
      {
        maxLineBytes: 16,
      },
    );
    await expectCode(collect(tooLong), "STREAM_LINE_TOO_LONG", "line over maxLineBytes");
  },

  /** A SageMaker endpoint streamed through the real SDK client fmops builds from the options. */
  async models({ models, testing }, env) {
    const model = new models.SageMakerChatModel({
      endpointName: "dist-tgi",
      format: "tgi",
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      endpoint: env.FMOPS_DIST_SAGEMAKER_ENDPOINT,
    });
    const stream = model.stream({ messages: [{ role: "user", content: "Order a coffee." }] });
    let text = "";
    for await (const delta of stream) text += delta;
    same(text, TGI_WORDS.join(""), "SageMaker TGI stream text");
    check(stream.latency?.e2eMs >= 0, "stream latency recorded");

    const fake = new testing.FakeChatModel({ responses: ["scripted answer"] });
    const answer = await fake.generate({ messages: [{ role: "user", content: "hi" }] });
    same(answer.text, "scripted answer", "FakeChatModel.generate");
    same(fake.requests.length, 1, "FakeChatModel records requests");
  },

  /** An async invocation: upload to S3, InvokeEndpointAsync, poll output and failure objects. */
  async async({ async: asyncModule, aws }, env) {
    const config = {
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    };
    const endpoint = new asyncModule.AsyncEndpoint({
      endpointName: "dist-async",
      inputLocation: `s3://${env.FMOPS_DIST_BUCKET}/async-in/`,
      sagemakerRuntime: new aws.SageMakerRuntimeClient({
        ...config,
        endpoint: env.FMOPS_DIST_SAGEMAKER_ENDPOINT,
      }),
      s3: new aws.S3Client({
        ...config,
        endpoint: env.FMOPS_DIST_S3_ENDPOINT,
        forcePathStyle: true,
      }),
      minDelayMs: 10,
      maxDelayMs: 50,
    });
    const invocation = await endpoint.invoke({ inputs: "summarize this" });
    check(invocation.outputLocation.startsWith("s3://"), "output location is an S3 URI");
    const result = await invocation.wait({ timeoutMs: 20_000 });
    same(await result.json(), { generated_text: "SUMMARIZE THIS" }, "async output object");

    const failing = await endpoint.invoke({ inputs: "fail" });
    const err = await expectCode(
      failing.wait({ timeoutMs: 20_000 }),
      "ASYNC_INFERENCE_FAILED",
      "async failure object",
    );
    check(err instanceof asyncModule.AsyncInferenceFailedError, "AsyncInferenceFailedError class");
    check(err.message.includes("model refused"), `failure message carried: ${err.message}`);
  },

  /** Text-to-SQL on embedded DuckDB: the engine's error goes back to the model, which fixes it. */
  async text2sql({ text2sql, testing }, env) {
    const model = new testing.FakeChatModel({
      responses: [revenueAnswer("price"), revenueAnswer("unit_price")],
    });
    const engine = new text2sql.DuckDbEngine({
      tables: text2sql.tablesFromPaths([env.FMOPS_DIST_DATA_DIR]),
      database: "shop",
    });
    try {
      const t2s = new text2sql.Text2Sql({
        model,
        engine,
        catalog: new text2sql.DuckDbCatalog({ engine }),
      });
      const answer = await t2s.ask("Which three categories brought the most revenue?");
      same(answer.status, "ok", "text-to-SQL status");
      same(answer.attempts.length, 2, "attempts (one failed, one fixed)");
      const firstError = answer.attempts[0]?.error?.message ?? "";
      check(/COLUMN_NOT_FOUND/.test(firstError), `first attempt's engine error: ${firstError}`);
      check(
        model.requests[1]?.messages.some((m) => String(m.content).includes("COLUMN_NOT_FOUND")),
        "the engine's error went back to the model",
      );
      same(
        answer.result?.rows.map((r) => ({ category: r.category, revenue: Number(r.revenue) })),
        TOP_CATEGORIES,
        "revenue rows",
      );
      same(text2sql.checkReadOnly("DROP TABLE shop.orders").ok, false, "guard refuses DROP");
    } finally {
      await engine.close();
    }
  },

  /** BM25 and vector retrieval, and a RAG chain citing the passage it used. */
  async rag({ rag, testing }) {
    const documents = [
      { id: "keys", text: "Rotate access keys every 90 days, then deactivate the old key." },
      { id: "async", text: "Asynchronous endpoints write each result object to Amazon S3." },
      { id: "stream", text: "A line iterator joins response stream chunks into whole lines." },
    ];
    const bm25 = new rag.Bm25Index();
    bm25.add(documents);
    const lexical = await bm25.retrieve("how often should I rotate keys", { k: 2 });
    same(lexical[0]?.id, "keys", "BM25 top hit");
    check(lexical.length <= 2 && lexical[0].score > 0, "BM25 scores and k");

    const embeddings = new testing.FakeEmbeddingModel({ dimensions: 64 });
    const vectorStore = new rag.InMemoryVectorStore({ dimensions: 64 });
    // The WebAssembly SIMD kernel is bundled as base64: no file read, no top-level await.
    same(vectorStore.kernel, "wasm", "vector scan kernel");
    const vectors = new rag.VectorStoreRetriever(vectorStore, embeddings);
    await vectors.addDocuments(documents);
    const semantic = await vectors.retrieve("result object in S3", { k: 1 });
    same(
      semantic.map((c) => c.id),
      ["async"],
      "vector top hit",
    );

    const model = new testing.FakeChatModel({
      responses: () => "Rotate them every 90 days [1].",
    });
    const chain = new rag.RagChain({ retriever: bm25, model, k: 2 });
    const answer = await chain.ask("How often should I rotate access keys?");
    same(
      answer.citations.map((c) => [c.index, c.chunkId]),
      [[1, "keys"]],
      "RAG citation maps [1] to the passage",
    );
    same(model.requests.length, 1, "RAG model calls");

    // The contract suites ship in fmops/testing: every retriever case passes for the built BM25.
    const cases = testing.retrieverContract((corpus) => {
      const index = new rag.Bm25Index();
      index.add([...corpus]);
      return index;
    });
    check(cases.length >= 7, "retrieverContract cases");
    for (const contractCase of cases) await contractCase.run();
  },

  /** A folder of YAML and Markdown prompts: list, render by label, and fail on a missing variable. */
  async prompts({ prompts }, env) {
    const catalog = await prompts.loadPromptFolder(env.FMOPS_DIST_PROMPTS_DIR);
    const ids = catalog
      .list()
      .map((p) => p.id)
      .sort();
    check(ids.includes("support.reply"), `prompt ids: ${ids.join(", ")}`);
    const rendered = catalog.render("support.reply", { customer: "Ada", question: "Refund?" });
    same(rendered.messages, [{ role: "user", content: "Ada asks: Refund?" }], "production render");
    check(rendered.system?.includes("Northwind"), "system prompt uses the variable's default");
    const staging = catalog.get("support.reply", { label: "staging" });
    same(staging.version, "2", "staging label");
    await expectCode(
      () => catalog.render("support.reply", { customer: "Ada" }),
      "PROMPT_VARIABLE_ERROR",
      "missing variable",
    );
  },

  /** instrument() records every call and the EMF sink writes CloudWatch Embedded Metric Format. */
  async monitoring({ monitoring, testing }) {
    const lines = [];
    const emf = new monitoring.EmfSink({
      namespace: "FmopsDist",
      output: { write: (chunk) => lines.push(chunk) },
      flushIntervalMs: 0,
    });
    const memory = new monitoring.MemorySink();
    const model = monitoring.instrument(
      new testing.FakeChatModel({ id: "dist-model", responses: ["one two three"] }),
      { sinks: [emf, memory], dimensions: { application: "dist" } },
    );
    same(
      await model.stream({ messages: [{ role: "user", content: "q" }] }).text(),
      "one two three",
      "instrumented stream",
    );
    await model.flush();
    same(memory.records.length, 1, "records");
    const docs = lines
      .join("")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    same(docs.length, 1, "EMF lines");
    const [doc] = docs;
    const directive = doc._aws?.CloudWatchMetrics?.[0];
    same(directive?.Namespace, "FmopsDist", "EMF namespace");
    const names = directive.Metrics.map((m) => m.Name);
    for (const name of ["Invocations", "TimeToFirstToken", "EndToEndLatency", "OutputTokens"]) {
      check(names.includes(name), `EMF metric ${name} in ${names.join(", ")}`);
    }
    same(doc.ModelId, "dist-model", "EMF ModelId dimension");
    same(doc.OutputTokens, 3, "EMF OutputTokens");
    check(typeof doc._aws.Timestamp === "number", "EMF timestamp");
  },

  /** ROUGE and METEOR on non-identical texts equal the reference implementations' values. */
  async evaluation({ evaluation }, env) {
    const g = GOLDEN.rouge;
    const rouge = evaluation.rougeScores(g.reference, g.candidate);
    same(rouge.rouge1, g.rouge1, "ROUGE-1");
    same(
      [rouge.rouge2?.precision, rouge.rouge2?.recall],
      [g.rouge2.precision, g.rouge2.recall],
      "ROUGE-2",
    );
    same(rouge.rougeL?.recall, g.rougeLRecall, "ROUGE-L recall");
    const qa = evaluation.qaScores("Paris", "paris.");
    same(qa.quasiExactMatch, 1, "QA quasi-exact match");
    const m = GOLDEN.meteor;
    same(evaluation.meteorScore(m.reference, m.candidate), m.score, "METEOR (NLTK's example)");
    // node:fs works the same in Node and Deno; the fixture is NLTK's own output, with provenance.
    const { readFile } = await import("node:fs/promises");
    const fixture = JSON.parse(await readFile(env.FMOPS_DIST_NLTK_FIXTURE, "utf8"));
    // Punkt sentence splitting without parameters (fmops' fallback when NLTK's data is absent):
    // the same algorithm in every runtime, with no dependence on the machine's NLTK data.
    const punkt = new evaluation.PunktSentenceTokenizer();
    const differing = fixture.pairs.filter(
      (p) =>
        !(
          Math.abs(
            evaluation.meteorScore(p.reference, p.candidate, { punkt }) - p.untrainedPunkt.meteor,
          ) <= 1e-12
        ),
    );
    check(fixture.pairs.length >= 100, `the NLTK fixture holds ${fixture.pairs.length} pairs`);
    same(
      differing.slice(0, 3),
      [],
      `METEOR pairs differing from NLTK (of ${fixture.pairs.length})`,
    );
  },
};

/**
 * Runs every flow with the consumer's loaded modules and the driver's endpoints, prints one
 * `ok <flow>` or `FAIL <flow>: <reason>` line each, and returns whether all passed.
 * @param {Record<string, any>} fmops the consumer's modules: root, core, streaming, models, async,
 *   text2sql, rag, prompts, monitoring, evaluation, testing, and aws ({ S3Client, SageMakerRuntimeClient })
 * @param {Record<string, string | undefined>} env the FMOPS_DIST_* settings from the driver
 */
export async function runFlows(fmops, env) {
  let allPassed = true;
  for (const name of FLOW_NAMES) {
    try {
      await flows[name](fmops, env);
      console.log(`ok ${name}`);
    } catch (err) {
      allPassed = false;
      const kind =
        err instanceof Mismatch
          ? ""
          : `${err?.name ?? "Error"}${err?.code ? ` ${err.code}` : ""}: `;
      console.log(`FAIL ${name}: ${kind}${String(err?.message ?? err).split("\n")[0]}`);
    }
  }
  return allPassed;
}
