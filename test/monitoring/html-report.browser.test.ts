/**
 * The load-test HTML report rendered by a real headless Chromium (Debian's `chromium` package):
 * a screenshot decoded here and checked pixel by pixel, the DOM as the browser built it, and the
 * browser's own network log. Chromium is required: without it this test fails (it is how issue 8
 * is accepted), it does not skip. It runs in `npm run test:system`, not in `npm test`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderLoadTestHtml } from "../../src/monitoring/html-report.js";
import { compareRuns, type LoadTestResult, runLoadTest } from "../../src/monitoring/load-test.js";
import { FakeChatModel } from "../../src/testing/fake-chat-model.js";
import { expectSelfContained, renderInChromium, requireChromium } from "../support/chromium.js";
import { countPixels, distinctColours, hex, isWhite, near } from "../support/png.js";

const WIDTH = 1280;
const HEIGHT = 2000;
/** Colours the report draws with (html-report.ts): one per run for CDF lines, three for bars. */
const SERIES_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
const BAR_COLORS = ["#9ecae1", "#4292c6", "#08519c"];
/** The CDF chart's geometry in html-report.ts: 640 x 260, plot area inset 50/160/20/40. */
const CDF = { plotLeft: 50, plotRight: 480, plotTop: 20, plotBottom: 220, legendLeft: 490 };
const BAR_LEFT = 170;

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

describe("load-test HTML report in headless Chromium", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "fmops-report-browser-"));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("renders charts and tables, and fetches nothing", { timeout: 120_000 }, async () => {
    requireChromium();

    const result = await buildResult();
    expect(result.runs).toHaveLength(6);
    const html = renderLoadTestHtml(result, {
      title: "Water cycle: standard vs optimized",
      comparisons: compareRuns(result, "standard", "optimized"),
    });

    // Nothing in the page points off the machine; in the browser, the page fetches nothing (the
    // network log, with a positive control: see renderInChromium).
    expectSelfContained(html);
    // To look at it: FMOPS_REPORT_SCREENSHOT=/tmp/report.png npx vitest run <this file>
    const {
      image: img,
      dom,
      layout: placed,
    } = await renderInChromium(work, html, {
      width: WIDTH,
      height: HEIGHT,
      layoutSelector: "svg",
    });

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

    // The screenshot (its size checked by renderInChromium): not blank, and the charts drawn
    // where the browser laid them out.
    const all = { x: 0, y: 0, w: WIDTH, h: HEIGHT };
    expect(distinctColours(img)).toBeGreaterThan(100);
    expect(countPixels(img, all, (c) => !isWhite(c))).toBeGreaterThan(WIDTH * HEIGHT * 0.02);

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
