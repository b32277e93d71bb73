/**
 * The load-test HTML report rendered by a real headless Chromium (Debian's `chromium` package):
 * a screenshot decoded here and checked pixel by pixel, the DOM as the browser built it, and the
 * browser's own network log. Chromium is required: without it this test fails (it is how issue 8
 * is accepted), it does not skip.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { crc32, deflateSync, inflateSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderLoadTestHtml } from "../../src/monitoring/html-report.js";
import { compareRuns, type LoadTestResult, runLoadTest } from "../../src/monitoring/load-test.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";

const CHROMIUM = "/usr/bin/chromium";
const WIDTH = 1280;
const HEIGHT = 2000;
/** Upper bound for one Chromium run; the process group is killed past it (normal runs take ~2 s). */
const CHROMIUM_KILL_AFTER_MS = 45_000;
/** Colours the report draws with (html-report.ts): one per run for CDF lines, three for bars. */
const SERIES_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
const BAR_COLORS = ["#9ecae1", "#4292c6", "#08519c"];
/** The CDF chart's geometry in html-report.ts: 640 x 260, plot area inset 50/160/20/40. */
const CDF = { plotLeft: 50, plotRight: 480, plotTop: 20, plotBottom: 220, legendLeft: 490 };
const BAR_LEFT = 170;
/** Loaded by the layout-probe copy of the page only: proves the network-log check can see requests. */
const PROBE_URL = "http://fmops-probe.invalid/probe.png";

// ---------------------------------------------------------------------------------------------
// A minimal PNG reader: 8-bit RGB / RGBA, non-interlaced, filter types 0-4 (what Chromium writes).
// ---------------------------------------------------------------------------------------------

interface Image {
  width: number;
  height: number;
  /** RGB triples, row-major (alpha, if any, is dropped after checking the image is opaque). */
  rgb: Uint8Array;
}

const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

function decodePng(file: Uint8Array): Image {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error("not a PNG");
  let pos = 8;
  let header: { width: number; height: number; channels: number } | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (!ended) {
    if (pos + 12 > buf.length) throw new Error("PNG truncated before IEND");
    const length = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    if (pos + 12 + length > buf.length) throw new Error(`PNG chunk ${type} truncated`);
    const data = buf.subarray(pos + 8, pos + 8 + length);
    if (crc32(buf.subarray(pos + 4, pos + 8 + length)) !== buf.readUInt32BE(pos + 8 + length)) {
      throw new Error(`PNG chunk ${type} has a bad CRC`);
    }
    pos += 12 + length;
    if (type === "IHDR") {
      const [bitDepth, colorType, compression, filter, interlace] = data.subarray(8, 13);
      if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0) {
        throw new Error(
          `unsupported PNG: depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`,
        );
      }
      if (compression !== 0 || filter !== 0) throw new Error("unknown PNG compression/filter");
      header = {
        width: data.readUInt32BE(0),
        height: data.readUInt32BE(4),
        channels: colorType === 6 ? 4 : 3,
      };
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") ended = true;
  }
  if (!header) throw new Error("PNG has no IHDR");
  const { width, height, channels } = header;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error("PNG image data has the wrong size");
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const out = y * stride;
    for (let i = 0; i < stride; i++) {
      const x = raw[src + i] as number;
      const a = i >= channels ? (px[out + i - channels] as number) : 0;
      const b = y > 0 ? (px[out - stride + i] as number) : 0;
      const c = y > 0 && i >= channels ? (px[out - stride + i - channels] as number) : 0;
      let v: number;
      if (filter === 0) v = x;
      else if (filter === 1) v = x + a;
      else if (filter === 2) v = x + b;
      else if (filter === 3) v = x + ((a + b) >> 1);
      else if (filter === 4) v = x + paeth(a, b, c);
      else throw new Error(`PNG row ${y} has unknown filter type ${filter}`);
      px[out + i] = v & 0xff;
    }
  }
  if (channels === 3) return { width, height, rgb: px };
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    if (px[p * 4 + 3] !== 255) throw new Error("screenshot has transparent pixels");
    rgb.set(px.subarray(p * 4, p * 4 + 3), p * 3);
  }
  return { width, height, rgb };
}

/** Test-only encoder applying a chosen filter per row, to check the reader against every filter. */
function encodePng(
  width: number,
  height: number,
  channels: 3 | 4,
  px: Uint8Array,
  filters: number[],
): Buffer {
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length] as number;
    raw[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const x = px[y * stride + i] as number;
      const a = i >= channels ? (px[y * stride + i - channels] as number) : 0;
      const b = y > 0 ? (px[(y - 1) * stride + i] as number) : 0;
      const c = y > 0 && i >= channels ? (px[(y - 1) * stride + i - channels] as number) : 0;
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f] as number;
      raw[y * (stride + 1) + 1 + i] = (x - pred) & 0xff;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, channels === 4 ? 6 : 2, 0, 0, 0], 8);
  // Split the data over two IDAT chunks: readers must concatenate them.
  const z = deflateSync(raw);
  const half = z.length >> 1;
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("IDAT", z.subarray(0, half)),
    chunk("IDAT", z.subarray(half)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Pixels.
// ---------------------------------------------------------------------------------------------

type Rgb = [number, number, number];
const hex = (h: string): Rgb => [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16)) as Rgb;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Counts pixels in `box` (clipped to the image) for which `test` holds. */
function countPixels(img: Image, box: Box, test: (c: Rgb) => boolean): number {
  let n = 0;
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(img.width, Math.ceil(box.x + box.w));
  const y1 = Math.min(img.height, Math.ceil(box.y + box.h));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const p = (y * img.width + x) * 3;
      if (test([img.rgb[p] as number, img.rgb[p + 1] as number, img.rgb[p + 2] as number])) n++;
    }
  }
  return n;
}

const near = (target: Rgb, tolerance: number) => (c: Rgb) =>
  Math.abs(c[0] - target[0]) <= tolerance &&
  Math.abs(c[1] - target[1]) <= tolerance &&
  Math.abs(c[2] - target[2]) <= tolerance;
const isWhite = near([255, 255, 255], 0);

// ---------------------------------------------------------------------------------------------
// Chromium.
// ---------------------------------------------------------------------------------------------

interface ChromiumRun {
  stdout: string;
  stderr: string;
}

/**
 * Runs Chromium headless on a file with a fresh profile. Nothing may leave the machine: DNS maps
 * every host to "not found" and all HTTP(S) goes through a proxy on a closed loopback port, so
 * even Chromium's own background requests (updates, accounts) fail locally.
 */
async function chromium(work: string, name: string, args: string[]): Promise<ChromiumRun> {
  const argv = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    `--user-data-dir=${join(work, `profile-${name}`)}`,
    `--window-size=${WIDTH},${HEIGHT}`,
    `--log-net-log=${join(work, `${name}.netlog.json`)}`,
    ...args,
  ];
  // Its own process group, so a hung browser is killed with its renderer and zygote children.
  const child = spawn(CHROMIUM, argv, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }
  }, CHROMIUM_KILL_AFTER_MS);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
    if (timedOut) throw new Error(`chromium ${name} killed after ${CHROMIUM_KILL_AFTER_MS} ms`);
    if (code !== 0) throw new Error(`chromium ${name} exited ${code}: ${stderr.slice(-2000)}`);
    return { stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

interface NetRequest {
  url: string;
  isolationKey: string;
}

/** URL requests from Chromium's NetLog, with the network isolation key naming who asked. */
async function netRequests(path: string): Promise<NetRequest[]> {
  const text = await readFile(path, "utf8");
  let log: {
    constants: { logEventTypes: Record<string, number> };
    events: { type: number; params?: Record<string, unknown> }[];
  };
  try {
    log = JSON.parse(text);
  } catch {
    // A NetLog cut short lacks its closing brackets (documented NetLog behaviour).
    log = JSON.parse(`${text.trimEnd().replace(/,$/, "")}]}`);
  }
  const start = log.constants.logEventTypes.URL_REQUEST_START_JOB;
  expect(start, "NetLog names URL_REQUEST_START_JOB").toBeTypeOf("number");
  return log.events
    .filter((e) => e.type === start && typeof e.params?.url === "string")
    .map((e) => ({
      url: String(e.params?.url),
      isolationKey: String(e.params?.network_isolation_key ?? ""),
    }));
}

/** Requests the page itself made: their isolation key is the file:// top frame. */
const fromPage = (requests: NetRequest[]) =>
  requests.filter((r) => r.isolationKey.startsWith("file://"));

// ---------------------------------------------------------------------------------------------
// The report.
// ---------------------------------------------------------------------------------------------

/** Two configurations at three concurrency levels, measured for real against fake models. */
async function buildResult(): Promise<LoadTestResult> {
  const answer = "The water cycle moves water between oceans, air and land, again and again.";
  return runLoadTest({
    configs: [
      {
        name: "standard",
        model: new FakeChatModel({
          id: "fake:standard",
          responses: () => answer,
          firstTokenDelayMs: 15,
          delayMs: 2,
          failOn: [5],
        }),
      },
      {
        name: "optimized",
        model: new FakeChatModel({
          id: "fake:optimized",
          responses: () => answer,
          firstTokenDelayMs: 4,
          delayMs: 1,
        }),
      },
    ],
    prompts: ["Summarize the water cycle.", "What is a fjord?"],
    concurrency: [1, 2, 4],
    requestsPerLevel: 8,
  });
}

const fmt = (n: number | undefined, digits = 1) =>
  n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(digits);

/** The summary table's rows as the report should show them, computed here from the result. */
function expectedRows(result: LoadTestResult): string[][] {
  return result.runs.map((run) => {
    const m = run.summary.metrics;
    return [
      run.config,
      String(run.concurrency),
      String(run.summary.count),
      `${(run.summary.errorRate * 100).toFixed(1)}%`,
      fmt(run.requestsPerSecond, 2),
      fmt(m.ttftMs?.p50),
      fmt(m.ttftMs?.p90),
      fmt(m.e2eMs?.p50),
      fmt(m.e2eMs?.p90),
      fmt(m.e2eMs?.p99),
      fmt(m.otps?.p50),
    ];
  });
}

/**
 * Appended to a copy of the page: records where each SVG was laid out (a body attribute, which
 * changes no layout) for --dump-dom to return, then loads {@link PROBE_URL} as a positive control
 * for the network-log check.
 */
const LAYOUT_PROBE = `<script>document.body.setAttribute("data-layout",JSON.stringify([...document.querySelectorAll("svg")].map((s)=>{const r=s.getBoundingClientRect();return{label:s.getAttribute("aria-label"),x:r.left+scrollX,y:r.top+scrollY,w:r.width,h:r.height};})));new Image().src=${JSON.stringify(PROBE_URL)};</script>`;

interface Placed extends Box {
  label: string;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

describe("PNG reader", () => {
  it("decodes RGB and RGBA images written with every filter type", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom<3 | 4>(3, 4),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 7 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (width, height, channels, filters, seed) => {
          const px = new Uint8Array(width * height * channels);
          let s = seed;
          for (let i = 0; i < px.length; i++) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            px[i] = channels === 4 && i % 4 === 3 ? 255 : s >>> 24;
          }
          const img = decodePng(encodePng(width, height, channels, px, filters));
          expect([img.width, img.height]).toEqual([width, height]);
          const rgb =
            channels === 3 ? px : Uint8Array.from(px.filter((_, i) => i % 4 !== 3).values());
          expect(Buffer.from(img.rgb).equals(Buffer.from(rgb))).toBe(true);
        },
      ),
    );
  });

  it("rejects corrupt and unsupported files", () => {
    const good = encodePng(2, 2, 3, new Uint8Array(12).fill(7), [4]);
    expect(() => decodePng(good.subarray(0, 20))).toThrow(/truncated/);
    const badCrc = Buffer.from(good);
    badCrc[30] = (badCrc[30] as number) ^ 1;
    expect(() => decodePng(badCrc)).toThrow(/CRC/);
    expect(() => decodePng(Buffer.from("GIF89a........"))).toThrow(/not a PNG/);
    const badFilter = encodePng(2, 1, 3, new Uint8Array(6), [0]);
    const ihdr = badFilter.subarray(8, 33);
    const raw = Buffer.from([5, 0, 0, 0, 0, 0, 0]);
    const body = Buffer.concat([Buffer.from("IDAT"), deflateSync(raw)]);
    const idat = Buffer.alloc(body.length + 8);
    idat.writeUInt32BE(body.length - 4, 0);
    body.copy(idat, 4);
    idat.writeUInt32BE(crc32(body), body.length + 4);
    const iend = badFilter.subarray(badFilter.length - 12);
    expect(() => decodePng(Buffer.concat([PNG_SIGNATURE, ihdr, idat, iend]))).toThrow(
      /filter type 5/,
    );
  });
});

describe("load-test HTML report in headless Chromium", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "fmops-report-browser-"));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("renders charts and tables, and fetches nothing", { timeout: 120_000 }, async () => {
    expect(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing. This test needs Debian's chromium package: ` +
        "sudo apt-get install -y --no-install-recommends chromium",
    ).toBe(true);

    const result = await buildResult();
    expect(result.runs).toHaveLength(6);
    const html = renderLoadTestHtml(result, {
      title: "Water cycle: standard vs optimized",
      comparisons: compareRuns(result, "standard", "optimized"),
    });

    // Nothing in the page points off the machine (the SVG namespace is a name, not a fetch).
    expect(html).not.toMatch(/\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*[a-z]+:/i);
    expect(html).not.toMatch(/url\(|@import|<script|<link|<iframe|<object|<embed/i);
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', "")).not.toMatch(/https?:\/\//);

    const page = join(work, "report.html");
    const probed = join(work, "report-layout.html");
    const png = join(work, "report.png");
    await writeFile(page, html);
    await writeFile(probed, html.replace("</body>", `${LAYOUT_PROBE}</body>`));

    const [, dump] = await Promise.all([
      chromium(work, "shot", [`--screenshot=${png}`, pathToFileURL(page).href]),
      chromium(work, "dom", ["--dump-dom", pathToFileURL(probed).href]),
    ]);
    const dom = dump.stdout;
    // To look at it: FMOPS_REPORT_SCREENSHOT=/tmp/report.png npx vitest run <this file>
    const keep = process.env.FMOPS_REPORT_SCREENSHOT;
    if (keep) await copyFile(png, keep);

    // The network log: the report asked for nothing; the probe copy's request was seen, so the
    // check would have caught one.
    expect(fromPage(await netRequests(join(work, "shot.netlog.json")))).toEqual([]);
    expect(fromPage(await netRequests(join(work, "dom.netlog.json"))).map((r) => r.url)).toEqual([
      PROBE_URL,
    ]);

    // The DOM Chromium built: every chart, every line, every bar and the summary table's values.
    expect(dom).toContain("<title>Water cycle: standard vs optimized</title>");
    const svgLabels = [...dom.matchAll(/<svg[^>]*aria-label="([^"]+)"/g)].map((m) => m[1]);
    expect(svgLabels).toEqual([
      "Time to first token (ms) distribution",
      "Time to first token (ms) percentiles",
      "End-to-end latency (ms) distribution",
      "End-to-end latency (ms) percentiles",
      "Output tokens per second (after first token) distribution",
      "Output tokens per second (after first token) percentiles",
    ]);
    expect(dom.match(/<polyline /g)).toHaveLength(3 * 6);
    for (const color of BAR_COLORS) {
      expect(dom.match(new RegExp(`<rect [^>]*fill="${color}"`, "g"))).toHaveLength(3 * 6);
    }
    const tables = [...dom.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((m) => m[1] as string);
    expect(tables).toHaveLength(1 + 3); // the summary, then one comparison per level
    const rows = [...(tables[0] as string).matchAll(/<tr>([\s\S]*?)<\/tr>/g)]
      .map((m) => [...(m[1] as string).matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => c[1]))
      .filter((cells) => cells.length > 0);
    expect(rows).toEqual(expectedRows(result));
    expect(rows[0]?.[3]).toBe("12.5%"); // call 5 of 8 failed at the first level
    expect(dom).toContain("optimized vs standard at concurrency 4");

    // The screenshot: right size, not blank, and the charts drawn where the browser laid them out.
    const img = decodePng(await readFile(png));
    expect([img.width, img.height]).toEqual([WIDTH, HEIGHT]);
    const all = { x: 0, y: 0, w: WIDTH, h: HEIGHT };
    const colours = new Set<number>();
    for (let p = 0; p < img.rgb.length; p += 3) {
      colours.add(
        ((img.rgb[p] as number) << 16) | ((img.rgb[p + 1] as number) << 8) | img.rgb[p + 2]!,
      );
    }
    expect(colours.size).toBeGreaterThan(100);
    expect(countPixels(img, all, (c) => !isWhite(c))).toBeGreaterThan(WIDTH * HEIGHT * 0.02);

    const layoutAttr = /<body[^>]*data-layout="([^"]*)"/.exec(dom)?.[1];
    expect(layoutAttr, "layout probe ran").toBeTypeOf("string");
    const placed = JSON.parse(decodeEntities(layoutAttr as string)) as Placed[];
    expect(placed.map((p) => p.label)).toEqual(svgLabels);
    const visible = placed.filter((p) => p.y >= 0 && p.y + p.h <= HEIGHT && p.x + p.w <= WIDTH);
    const cdfs = visible.filter((p) => p.label.endsWith("distribution"));
    const bars = visible.filter((p) => p.label.endsWith("percentiles"));
    expect(cdfs.length).toBeGreaterThanOrEqual(2);
    expect(bars.length).toBeGreaterThanOrEqual(1);

    for (const chart of cdfs) {
      const plot = {
        x: chart.x + CDF.plotLeft + 2,
        y: chart.y + CDF.plotTop,
        w: CDF.plotRight - CDF.plotLeft - 2,
        h: CDF.plotBottom - CDF.plotTop - 1,
      };
      const legend = { x: chart.x + CDF.legendLeft, y: chart.y, w: 160, h: chart.h };
      // Every run has its legend swatch (a 10 x 10 square of its exact colour).
      for (const color of SERIES_COLORS) {
        expect(countPixels(img, legend, near(hex(color), 0)), `${chart.label} ${color}`).toBe(100);
      }
      // The lines themselves: both configurations' colours inside the plot area, and plenty of
      // coloured (not grey: axes, grid, text) pixels.
      const drawn = SERIES_COLORS.filter(
        (color) => countPixels(img, plot, near(hex(color), 24)) > 0,
      );
      expect(drawn.length, `${chart.label}: series visible in plot`).toBeGreaterThanOrEqual(2);
      const chromatic = countPixels(img, plot, (c) => Math.max(...c) - Math.min(...c) > 60);
      expect(chromatic, chart.label).toBeGreaterThan(200);
    }
    for (const chart of bars) {
      const area = { x: chart.x + BAR_LEFT, y: chart.y, w: chart.w - BAR_LEFT, h: chart.h };
      for (const color of BAR_COLORS) {
        // At least a 13-pixel-high bar per run and percentile, minus its anti-aliased edges.
        expect(
          countPixels(img, area, near(hex(color), 0)),
          `${chart.label} ${color}`,
        ).toBeGreaterThan(6 * 11);
      }
      // Left of the bars only labels: no bar colour leaks there.
      const labels = { x: chart.x, y: chart.y, w: BAR_LEFT - 1, h: chart.h };
      expect(countPixels(img, labels, near(hex(BAR_COLORS[2] as string), 0))).toBe(0);
    }
  });
});
