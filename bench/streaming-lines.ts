/**
 * Benchmark: response-stream line splitting and TGI decoding throughput.
 *
 * A 64 MiB jsonlines stream of ~60-byte LMI rolling-batch lines is cut into chunks of random size
 * (1 B to 64 KiB, seeded PRNG), and read by:
 *  - `LineIterator`, line by line;
 *  - `LineIterator.batches()`;
 *  - the SageMaker Python SDK's `LineIterator` algorithm (BytesIO, seek/readline), re-implemented
 *    in bench/streaming-lines.py and run by python3 on exactly the same chunks;
 *  - an async generator yielding the already-split lines (the floor for per-line async iteration);
 *  - a bare newline scan over the same async chunk source (the floor for batches).
 * Then a TGI server-sent-event stream is decoded with `decodeResponseStream` (tokens/s), and an
 * LMI stream with one token per chunk (the case where per-chunk costs such as idle timers show)
 * is read through `TokenStream` with the default idle limits: tokens/s, and the timers one stream
 * creates (counted in a separate, untimed pass).
 * Memory: the resident-set-size high-water mark, sampled on every chunk.
 *
 * Usage: `npm run bench -- streaming-lines [--mib 64] [--runs 3] [--seed 42]`. Prints one JSON line.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeResponseStream } from "../src/streaming/decoders.js";
import { LineIterator } from "../src/streaming/line-iterator.js";
import { TokenStream } from "../src/streaming/token-stream.js";
import { mulberry32 } from "../test/support/random.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2) {
  args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
}
const MIB = Number(args.get("mib") ?? 64);
const RUNS = Number(args.get("runs") ?? 3);
const SEED = Number(args.get("seed") ?? 42);
const MAX_CHUNK = 64 * 1024;
const TGI_TOKENS = Number(args.get("tgi-tokens") ?? 200_000);
const TOKEN_STREAM_TOKENS = Number(args.get("token-stream-tokens") ?? 100_000);

// Mostly English tokens; about 3% of lines carry a multi-byte UTF-8 token, as real output does
// (accents, CJK, curly quotes), so nearly every chunk exercises the UTF-8 path.
const ASCII_WORDS = [
  " the",
  " model",
  " streams",
  " tokens",
  " quickly",
  " data",
  " a",
  ",",
  " of",
];
const UTF8_WORDS = [" café", " 東京", " “quoted”", " naïve", " 🙂"];
const UTF8_SHARE = 0.03;

function word(random: () => number): string {
  const list = random() < UTF8_SHARE ? UTF8_WORDS : ASCII_WORDS;
  return list[Math.floor(random() * list.length)] as string;
}

function jsonlines(targetBytes: number, random: () => number): Buffer {
  const parts: string[] = [];
  let size = 0;
  while (size < targetBytes) {
    const id = Math.floor(random() * 32_000);
    const logProb = -(random() * 3).toFixed(4);
    const line = `{"token":{"id":${id},"text":${JSON.stringify(word(random))},"log_prob":${logProb}}}\n`;
    parts.push(line);
    size += Buffer.byteLength(line);
  }
  return Buffer.from(parts.join(""));
}

function tgiStream(tokens: number, random: () => number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < tokens; i++) {
    const last = i === tokens - 1;
    const details = last
      ? `{"finish_reason":"length","generated_tokens":${tokens},"seed":null}`
      : "null";
    parts.push(
      `data:{"index":${i + 1},"token":{"id":${Math.floor(random() * 32_000)},"text":${JSON.stringify(word(random))},"logprob":-0.25,"special":false},"generated_text":null,"details":${details}}\n\n`,
    );
  }
  return Buffer.from(parts.join(""));
}

/** An LMI rolling-batch stream with every token in its own chunk, as a slow model sends it. */
function lmiTokenChunks(tokens: number, random: () => number): Uint8Array[] {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < tokens; i++) {
    chunks.push(
      encoder.encode(
        `{"token":{"id":${i},"text":${JSON.stringify(word(random))},"log_prob":-0.25}}\n`,
      ),
    );
  }
  return chunks;
}

function cut(data: Uint8Array, random: () => number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < data.length; ) {
    const size = 1 + Math.floor(random() * MAX_CHUNK);
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

let rssPeak = 0;
function sample(): void {
  const rss = process.memoryUsage.rss();
  if (rss > rssPeak) rssPeak = rss;
}

/**
 * An async source over prepared chunks, like a network body. With `sampleMemory` it samples the
 * resident set size on every chunk (used in a separate, untimed pass: sampling costs ~15 µs).
 */
function source(chunks: readonly Uint8Array[], sampleMemory = false): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next: async () => {
          if (sampleMemory) sample();
          return i < chunks.length
            ? { value: chunks[i++] as Uint8Array, done: false }
            : { value: undefined, done: true };
        },
        return: async () => ({ value: undefined, done: true }),
      };
    },
  };
}

async function time(fn: () => Promise<number>): Promise<{ seconds: number; count: number }[]> {
  const results: { seconds: number; count: number }[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const count = await fn();
    results.push({ seconds: (performance.now() - start) / 1000, count });
  }
  return results;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

async function readLines(chunks: readonly Uint8Array[], sampleMemory = false): Promise<number> {
  let n = 0;
  let chars = 0;
  for await (const line of new LineIterator(source(chunks, sampleMemory))) {
    n++;
    chars += line.length;
  }
  return chars >= 0 ? n : -1;
}

async function readBatches(chunks: readonly Uint8Array[], sampleMemory = false): Promise<number> {
  let n = 0;
  for await (const lines of new LineIterator(source(chunks, sampleMemory)).batches()) {
    n += lines.length;
  }
  return n;
}

async function decodeTgi(chunks: readonly Uint8Array[], sampleMemory = false): Promise<number> {
  let n = 0;
  const events = decodeResponseStream(source(chunks, sampleMemory), {
    contentType: "text/event-stream",
  });
  for await (const event of events) if (event.type === "text") n++;
  return n;
}

async function readTokenStream(chunks: readonly Uint8Array[]): Promise<number> {
  // The defaults a SageMakerChatModel stream runs with: idle limits on both layers, a deadline.
  const stream = new TokenStream(
    (signal) => decodeResponseStream(source(chunks), { format: "lmi", signal }),
    { idleTimeoutMs: 60_000 },
  );
  let n = 0;
  for await (const _ of stream) n++;
  return n;
}

/** How many timers one TokenStream over `chunks` creates (an untimed pass). */
async function timersPerStream(chunks: readonly Uint8Array[]): Promise<number> {
  const original = globalThis.setTimeout;
  let created = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    created++;
    return original(...args);
  }) as typeof setTimeout;
  try {
    await readTokenStream(chunks);
  } finally {
    globalThis.setTimeout = original;
  }
  return created;
}

async function main(): Promise<void> {
  // Seeded, so every run (and the python twin) sees the same chunking.
  const random = mulberry32(SEED);
  const data = jsonlines(MIB * 1024 * 1024, random);
  const chunks = cut(data, random);
  const megabytes = data.length / 1e6;
  const expectedLines = data.reduce((n, byte) => (byte === 10 ? n + 1 : n), 0);
  const split = new TextDecoder().decode(data).split("\n");
  split.pop();
  const nonAsciiLines = split.filter((line) => /[^ -~]/.test(line)).length;
  const tgiData = tgiStream(TGI_TOKENS, random);
  const tgiChunks = cut(tgiData, random);

  const mbps = (runs: { seconds: number; count: number }[], what: string) => {
    for (const r of runs) {
      if (r.count !== expectedLines) {
        throw new Error(`${what} saw ${r.count} lines, expected ${expectedLines}`);
      }
    }
    return round(megabytes / median(runs.map((r) => r.seconds)));
  };

  const lineByLine = await time(() => readLines(chunks));
  const batches = await time(() => readBatches(chunks));
  const floor = await time(async () => {
    async function* lines(): AsyncGenerator<string> {
      for (const line of split) yield line;
    }
    let n = 0;
    let chars = 0;
    for await (const line of lines()) {
      n++;
      chars += line.length;
    }
    return chars >= 0 ? n : -1;
  });
  const scan = await time(async () => {
    let n = 0;
    for await (const chunk of source(chunks)) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
    }
    return n;
  });
  const loopScan = await time(async () => {
    let n = 0;
    for await (const chunk of source(chunks)) {
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) n++;
    }
    return n;
  });
  // Decoding and splitting every chunk, with no iterator around it: what producing the lines'
  // strings costs at least (the streaming TextDecoder keeps characters split across chunks).
  const decodeSplit = await time(async () => {
    const decoder = new TextDecoder();
    let n = 0;
    for await (const chunk of source(chunks))
      n += decoder.decode(chunk, { stream: true }).split("\n").length - 1;
    return n;
  });
  const python = runPython(chunks, expectedLines);
  const tgi = await time(() => decodeTgi(tgiChunks));
  for (const r of tgi) if (r.count !== TGI_TOKENS) throw new Error(`TGI decoded ${r.count} tokens`);
  const tokenChunks = lmiTokenChunks(TOKEN_STREAM_TOKENS, random);
  const tokenStream = await time(() => readTokenStream(tokenChunks));
  for (const r of tokenStream) {
    if (r.count !== TOKEN_STREAM_TOKENS) throw new Error(`TokenStream saw ${r.count} tokens`);
  }
  const timers = await timersPerStream(tokenChunks);

  // Memory, in an untimed pass that samples the RSS on every chunk.
  const rssBefore = process.memoryUsage.rss();
  rssPeak = rssBefore;
  await readLines(chunks, true);
  await readBatches(chunks, true);
  await decodeTgi(tgiChunks, true);

  const m = {
    lineIterator: mbps(lineByLine, "LineIterator"),
    batches: mbps(batches, "batches()"),
    pythonSageMakerLineIterator: python.mbps,
    asyncGeneratorFloor: mbps(floor, "async generator floor"),
    bareNewlineScan: mbps(scan, "bare scan"),
    bareNewlineScanJsLoop: mbps(loopScan, "JS loop scan"),
    decodeAndSplitFloor: mbps(decodeSplit, "decode+split"),
  };
  const result = {
    bench: "streaming-lines",
    node: process.version,
    streamMiB: MIB,
    bytes: data.length,
    lines: expectedLines,
    nonAsciiLineShare: round(nonAsciiLines / expectedLines, 3),
    chunks: chunks.length,
    runs: RUNS,
    mbps: m,
    ratios: {
      lineIteratorVsPython:
        m.pythonSageMakerLineIterator === null
          ? null
          : round(m.lineIterator / m.pythonSageMakerLineIterator, 2),
      lineIteratorVsAsyncFloor: round(m.lineIterator / m.asyncGeneratorFloor, 2),
      batchesVsBareScan: round(m.batches / m.bareNewlineScan, 2),
      batchesVsBareScanJsLoop: round(m.batches / m.bareNewlineScanJsLoop, 2),
      batchesVsDecodeAndSplit: round(m.batches / m.decodeAndSplitFloor, 2),
    },
    tgiSse: {
      tokens: TGI_TOKENS,
      bytes: tgiData.length,
      tokensPerSecond: Math.round(TGI_TOKENS / median(tgi.map((r) => r.seconds))),
    },
    tokenStreamOneTokenPerChunk: {
      tokens: TOKEN_STREAM_TOKENS,
      tokensPerSecond: Math.round(TOKEN_STREAM_TOKENS / median(tokenStream.map((r) => r.seconds))),
      timersPerStream: timers,
    },
    memory: {
      rssBeforeStreamingMiB: round(rssBefore / 2 ** 20),
      rssPeakWhileStreamingMiB: round(rssPeak / 2 ** 20),
      pythonMaxRssMiB: python.maxRssMiB,
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runPython(
  chunks: readonly Uint8Array[],
  expectedLines: number,
): { mbps: number | null; maxRssMiB: number | null } {
  const dir = mkdtempSync(join(tmpdir(), "fmops-bench-"));
  try {
    // Length-prefixed chunks, so python reads exactly the same chunking.
    const file = join(dir, "chunks.bin");
    const framed: Uint8Array[] = [];
    for (const chunk of chunks) {
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE(chunk.length);
      framed.push(prefix, chunk);
    }
    writeFileSync(file, Buffer.concat(framed));
    const script = fileURLToPath(new URL("./streaming-lines.py", import.meta.url));
    const run = spawnSync("python3", [script, file, String(RUNS)], { encoding: "utf8" });
    if (run.status !== 0) {
      process.stderr.write(`python3 failed: ${run.error?.message ?? run.stderr}\n`);
      return { mbps: null, maxRssMiB: null };
    }
    const out = JSON.parse(run.stdout) as { mbps: number; lines: number; max_rss_mib: number };
    if (out.lines !== expectedLines) {
      throw new Error(`python saw ${out.lines} lines, expected ${expectedLines}`);
    }
    return { mbps: round(out.mbps), maxRssMiB: round(out.max_rss_mib) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
